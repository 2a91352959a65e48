"""Publishing under a manager: bursts are coalesced into one write, the last state always lands."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
import trio
from informer_gateway import Endpoint, ObjectMeta, Route, RouteSpec, Service, ServiceSpec, create_handler
from informer_gateway._runtime import running


def svc(i: int, ready: bool = True) -> Service:
    return Service(
        metadata=ObjectMeta(name=f"s{i}", namespace="a"),
        spec=ServiceSpec(endpoints=(Endpoint(address=f"10.0.0.{i % 250}", port=80, ready=ready),)),
    )


def route(i: int) -> Route:
    return Route(
        metadata=ObjectMeta(name=f"r{i}", namespace="a"),
        spec=RouteSpec(path_prefix=f"/p{i}", service=f"s{i}"),
    )


def table(path: Path) -> dict[str, object]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


async def test_a_burst_is_published_once_and_shutdown_flushes(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    printed = io.StringIO()
    handler = create_handler({"json_file": str(out), "min_interval": 0.2})
    handler.print_to = printed
    with trio.fail_after(10):
        async with running():
            await trio.sleep(0.05)  # publisher started: nothing to publish yet
            assert not out.exists()
            for i in range(300):  # one burst, no checkpoint in between (as an informer delivers)
                handler.on_add(svc(i), True)
                handler.on_add(route(i), True)
            await trio.sleep(0.05)
            assert printed.getvalue().count("routing table (generation") == 1
            assert len(table(out)["routes"]) == 300  # type: ignore[arg-type]
            # Within min_interval, changes wait ...
            handler.on_update(svc(1), svc(1, ready=False))
            await trio.sleep(0.01)
            assert table(out)["generation"] == handler.generation - 1
            # ... and are published when it has passed.
            await trio.sleep(0.4)
            assert table(out)["generation"] == handler.generation
            handler.on_delete(route(2))  # changed right before shutdown
    final = table(out)
    assert final["generation"] == handler.generation and "/p2" not in final["routes"]  # type: ignore[operator]
    assert printed.getvalue().count("routing table (generation") == 3


async def test_handlers_dropped_before_a_manager_runs_leave_nothing_behind(tmp_path: Path) -> None:
    import gc

    from informer_gateway import _runtime

    create_handler({"json_file": str(tmp_path / "gone.json"), "listen": "127.0.0.1:0"})
    gc.collect()
    # Only a weak reference waits for the manager: the dropped handler's tasks are gone.
    assert _runtime._pending and all(ref() is None for ref in _runtime._pending)
    kept = create_handler({"json_file": str(tmp_path / "kept.json")})
    with trio.fail_after(5):
        async with running():
            kept.on_add(svc(1), True)
            kept.on_add(route(1), True)
            await trio.sleep(0.05)
            assert (tmp_path / "kept.json").exists()


async def test_a_write_failure_is_logged_and_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the table's directory should be")
    handler = create_handler({"json_file": str(blocker / "table.json")})
    with trio.fail_after(5):
        async with running():
            handler.on_add(svc(1), True)
            handler.on_add(route(1), True)
            await trio.sleep(0.05)
            assert "cannot write" in caplog.text  # logged, and the informers carry on
            blocker.unlink()  # the operator fixes it; the next change lands
            handler.on_add(route(2), True)
            await trio.sleep(0.05)
            assert table(blocker / "table.json")["generation"] == handler.generation
