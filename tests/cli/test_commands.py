"""``informer-run`` subcommands and usage errors, as a real subprocess: exit codes and messages."""

from __future__ import annotations

import json
import signal

import httpx
import trio

from ._proc import lines_of, run_cli, run_cli_to_end

USAGE_ERRORS = [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--watch-config"], "--watch-config needs --config FILE"),
    (["--source", "http://127.0.0.1:1"], "--source needs --resource NAME (or --discover)"),
    (["--source", "nowhere", "--resource", "pods"], "--source 'nowhere': expected a URL"),
    (["--source", "gopher://h:70", "--resource", "pods"], "no loaded source serves URL scheme 'gopher'"),
    (["--plugins", "no-such-plugin"], "no-such-plugin"),
    (["serve", "--no-demo"], "nothing to serve"),
    (["--snapshot", "/nonexistent-dir/cache.json"], "--snapshot /nonexistent-dir/cache.json: directory"),
]


async def test_usage_errors_exit_2_with_one_line() -> None:
    results: dict[int, tuple[int, str, str]] = {}

    async def one(i: int, args: list[str]) -> None:
        results[i] = await run_cli_to_end(*args)

    # Concurrently: each is a fresh interpreter, and the machine has more than one core.
    async with trio.open_nursery() as nursery:
        for i, (args, _) in enumerate(USAGE_ERRORS):
            nursery.start_soon(one, i, args)
    for i, (args, says) in enumerate(USAGE_ERRORS):
        code, _, err = results[i]
        assert code == 2, (args, err)
        lines = lines_of(err)
        assert lines, f"{args}: a usage error must say something"
        assert lines[-1].startswith("informer-run"), (args, err)
        assert says in lines[-1], (args, err)
        assert "Traceback" not in err, (args, err)


async def test_debug_shows_the_traceback() -> None:
    code, _, err = await run_cli_to_end("--debug", "--source", "gopher://h:70", "--resource", "pods")
    assert code == 2
    assert "Traceback" in err


async def test_serve_prints_its_url_serves_writes_and_stops_on_sigterm() -> None:
    async with run_cli("serve", "--port", "0", "--no-demo", "--resource", "configmaps") as proc:
        url = (await proc.wait_line(r"^serving on (http://127\.0\.0\.1:\d+)$")).group(1)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}, "data": {"k": "v"}}
            r = await client.post("/api/v1/namespaces/default/configmaps", json=cm)
            assert r.status_code == 201, r.text
            listed = (await client.get("/api/v1/configmaps")).json()
            assert [i["metadata"]["name"] for i in listed["items"]] == ["c1"]
            # the demo world is not served with --no-demo
            assert (await client.get("/apis/demo.informer.dev/v1/routes")).status_code == 404
        proc.signal(signal.SIGTERM)
        assert await proc.wait() == 0


async def test_serve_demo_world_is_seeded() -> None:
    async with run_cli("serve", "--port", "0", "--no-churn") as proc:
        url = (await proc.wait_line(r"^serving on (\S+)$")).group(1)
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:
            routes = (await client.get("/apis/demo.informer.dev/v1/routes")).json()["items"]
            services = (await client.get("/apis/demo.informer.dev/v1/services")).json()["items"]
        assert len(routes) >= 15 and len(services) == 10
        proc.signal(signal.SIGINT)
        assert await proc.wait() == 0


async def test_plugins_lists_builtins_and_their_contributions() -> None:
    code, out, err = await run_cli_to_end("plugins", "--json")
    assert code == 0, err
    plugins = {p["name"]: p for p in json.loads(out)}
    assert {"core", "demo", "etcd"} <= set(plugins)
    assert "routes.demo.informer.dev" in plugins["demo"]["contributions"]["resource_types"]
    assert plugins["etcd"]["contributions"]["sources"] == ["etcd"]
    code, out, _ = await run_cli_to_end("plugins")
    assert code == 0
    assert "routes.demo.informer.dev" in out and "demo" in out
