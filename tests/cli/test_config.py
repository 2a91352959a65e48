"""``--config FILE``, ``--watch-config`` and ``informer-run validate``, as a real subprocess."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
import trio
from informer.server import open_embedded_server
from informer_demo import world

from ._proc import run_cli, run_cli_to_end

ROUTES = world.ROUTES_RESOURCE
SERVICES = world.SERVICES_RESOURCE


def config_text(url: str, *resources: str) -> str:
    informers = "".join(f"  - resource: {r}\n" for r in resources)
    return f"sources:\n  local:\n    type: http\n    url: {url}\ninformers:\n{informers}"


async def test_watch_config_starts_stops_and_refuses_bad_edits(tmp_path: Path) -> None:
    cfg = tmp_path / "informers.yaml"
    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        world.seed(server)
        cfg.write_text(config_text(server.url, ROUTES))
        args = ["--config", str(cfg), "--watch-config", "--output", "jsonl", "--metrics-port", "0"]
        async with run_cli(*args) as proc:
            await proc.wait_line(rf'"type":"SYNCED","resource":"{ROUTES}"')
            url = (await proc.wait_line(r"metrics on (http://\S+)/metrics", stream="stderr")).group(1)

            async def running() -> set[str]:
                async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                    return set((await client.get("/debug/cache")).json())

            assert await running() == {ROUTES}

            # add an informer: only it starts (routes keeps its watch: no second SYNCED for it)
            cfg.write_text(config_text(server.url, ROUTES, SERVICES))
            await proc.wait_line(rf'"type":"SYNCED","resource":"{SERVICES}"', within=20)
            await proc.wait_line(rf"reloaded: started \['{SERVICES}'\]", stream="stderr")
            assert await running() == {ROUTES, SERVICES}

            # an invalid edit is refused, with file, line and path; the running set stays
            cfg.write_text(config_text(server.url, ROUTES, "nope.example.com"))
            refused = await proc.wait_line(r"config edit refused", stream="stderr", within=20)
            assert f"{cfg}:" in refused.string and "informers[1].resource" in refused.string
            assert "unknown resource type 'nope.example.com'" in refused.string
            assert await running() == {ROUTES, SERVICES}

            # remove routes: it stops; changes to routes are no longer written
            cfg.write_text(config_text(server.url, SERVICES))
            await proc.wait_line(
                rf"reloaded: started none, stopped \['{ROUTES}'\]", stream="stderr", within=20
            )
            assert await running() == {SERVICES}
            server.create(ROUTES, world.route_object("shop", "late", "/late", "cart", 8080))
            svc = server.get(SERVICES, "shop/cart")
            assert svc is not None
            svc["spec"]["endpoints"] = []
            server.update(SERVICES, svc)
            await proc.wait_line(rf'"type":"MODIFIED","resource":"{SERVICES}","key":"shop/cart"')

            proc.signal(signal.SIGTERM)
            assert await proc.wait() == 0
        records = [json.loads(line) for line in proc.stdout]
        assert [r["type"] for r in records if r["resource"] == ROUTES].count("SYNCED") == 1
        assert not any(r.get("key") == "shop/late" for r in records)


async def test_validate_accepts_a_good_config_and_names_file_line_and_path_of_errors(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(config_text("http://127.0.0.1:1", ROUTES, SERVICES))
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  local: {type: http, url: 'http://127.0.0.1:1'}\n"
        "informers:\n  - resource: routes.demo.informer.dev\n  - resource: rotues.demo.informer.dev\n"
        "    handlers: [no.such.handler]\n"
    )
    missing = tmp_path / "missing.yaml"
    (code, out, err), (bcode, _, berr), (mcode, _, merr), (rcode, _, rerr) = await _all(
        ["validate", str(good)],
        ["validate", str(bad)],
        ["validate", str(missing)],
        ["--config", str(bad)],
    )
    assert code == 0, err
    assert out.strip() == f"{good}: ok (2 informers, 1 source)"
    assert bcode == 2
    assert f"{bad}:5: informers[1].resource: unknown resource type 'rotues.demo.informer.dev'" in berr
    assert "did you mean 'routes.demo.informer.dev'" in berr
    assert f"{bad}:6: informers[1].handlers[0]: unknown handler 'no.such.handler'" in berr
    assert "Traceback" not in berr
    assert mcode == 2 and str(missing) in merr and "Traceback" not in merr
    # the same config given to a run: refused before anything starts, exit 2
    assert rcode == 2, rerr
    assert rerr.strip().splitlines()[-1].startswith("informer-run: error: ")
    assert "rotues.demo.informer.dev" in rerr and "Traceback" not in rerr


async def _all(*commands: list[str]) -> list[tuple[int, str, str]]:
    results: dict[int, tuple[int, str, str]] = {}

    async def one(i: int, args: list[str]) -> None:
        results[i] = await run_cli_to_end(*args)

    async with trio.open_nursery() as nursery:
        for i, args in enumerate(commands):
            nursery.start_soon(one, i, args)
    return [results[i] for i in range(len(commands))]
