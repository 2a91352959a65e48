"""``informer-run`` subcommands and usage errors, as a real subprocess: exit codes and messages."""

from __future__ import annotations

import json
import signal

import httpx
import pytest

from ._proc import lines_of, run_cli, run_cli_to_end


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["--output", "xml"], "argument --output/-o: invalid choice: 'xml'"),
        (["--metrics-port", "99999"], "port out of range"),
        (["--watch-config"], "--watch-config needs --config FILE"),
        (["--source", "http://127.0.0.1:1"], "--source needs --resource NAME (or --discover)"),
        (["--source", "nowhere", "--resource", "pods"], "--source 'nowhere': expected a URL"),
        (["--source", "gopher://h:70", "--resource", "pods"], "no loaded source serves URL scheme 'gopher'"),
        (["--plugins", "no-such-plugin"], "no-such-plugin"),
        (["serve", "--no-demo"], "nothing to serve"),
        (["serve", "--resource", "Not A Name!"], "--resource 'Not A Name!'"),
    ],
)
async def test_usage_errors_exit_2_with_one_line(args: list[str], says: str) -> None:
    code, out, err = await run_cli_to_end(*args)
    assert code == 2, err
    lines = lines_of(err)
    assert lines, "a usage error must say something"
    last = lines[-1]
    assert last.startswith("informer-run"), err
    assert says in last, err
    assert "Traceback" not in err


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
