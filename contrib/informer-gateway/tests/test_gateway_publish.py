"""Publishing under a manager: bursts are coalesced into one write, the last state always lands."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
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


async def until(predicate: Callable[[], bool], limit: float = 5.0) -> None:
    """Poll ``predicate`` (the publisher writes from a worker thread); bounded."""
    with trio.fail_after(limit):
        while not predicate():  # noqa: ASYNC110 (the writer is a worker thread: nothing to await)
            await trio.sleep(0.01)


def generation_on_disk(path: Path) -> object:
    try:
        return table(path)["generation"]
    except (FileNotFoundError, json.JSONDecodeError):
        return None


async def test_a_burst_is_published_once_and_shutdown_flushes(tmp_path: Path) -> None:
    out = tmp_path / "table.json"
    printed = io.StringIO()
    # A long min_interval, so "changes wait" holds even on a machine stalled for a while.
    handler = create_handler({"json_file": str(out), "min_interval": 1.0})
    handler.print_to = printed
    with trio.fail_after(20):
        async with running():
            await trio.sleep(0.05)  # publisher started: nothing to publish yet
            assert not out.exists()
            for i in range(300):  # one burst, no checkpoint in between (as an informer delivers)
                handler.on_add(svc(i), True)
                handler.on_add(route(i), True)
            # The file is written from a worker thread, then the table is printed.
            await until(lambda: "routing table (generation" in printed.getvalue())
            assert generation_on_disk(out) == handler.generation
            assert printed.getvalue().count("routing table (generation") == 1
            assert len(table(out)["routes"]) == 300  # type: ignore[arg-type]
            # Within min_interval, changes wait ...
            handler.on_update(svc(1), svc(1, ready=False))
            await trio.sleep(0.05)
            assert table(out)["generation"] == handler.generation - 1
            # ... and are published when it has passed.
            await until(lambda: printed.getvalue().count("routing table (generation") == 2)
            assert generation_on_disk(out) == handler.generation
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
