"""``informer-run`` against a real server, as a real subprocess: jsonl, snapshot, metrics,
readiness, failures, the live view under a pseudo-terminal.

The server is the embedded list/watch server running in the test's own trio loop (on
127.0.0.1, an ephemeral port); the test changes it through its write methods and uses
``server.list_objects`` as the oracle.
"""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import signal
import socket
from pathlib import Path
from typing import Any

import httpx
import trio
from informer.server import Faults, ServerResource, open_embedded_server
from prometheus_client.parser import text_string_to_metric_families

from ._proc import cli_command, run_cli, run_cli_to_end

# No plugin contributes this type: informer-run derives it from its name (plain mappings).
ROUTES = "routes.cli.example.com"


def route(namespace: str, name: str, prefix: str, service: str = "web") -> dict[str, Any]:
    return {
        "apiVersion": "cli.example.com/v1",
        "kind": "Route",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"pathPrefix": prefix, "service": service, "port": 8080},
    }


def replay(lines: list[str], resource: str) -> tuple[dict[str, Any], list[str]]:
    """The state a jsonl history replays to, and the sequence of record types."""
    state: dict[str, Any] = {}
    types = []
    for line in lines:
        rec = json.loads(line)
        if rec["resource"] != resource:
            continue
        types.append(rec["type"])
        if rec["type"] in ("ADDED", "MODIFIED"):
            state[rec["key"]] = rec["object"]
        elif rec["type"] == "DELETED":
            del state[rec["key"]]
    return state, types


async def test_jsonl_and_snapshot_follow_the_server(tmp_path: Path) -> None:
    snap = tmp_path / "cache.json"
    async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
        for i in range(5):
            server.create(ROUTES, route("shop", f"r{i}", f"/r{i}"))
        args = [
            "--source",
            server.url,
            "--resource",
            ROUTES,
            "-o",
            "jsonl",
            "--snapshot",
            str(snap),
            "--log-format",
            "json",
        ]
        async with run_cli(*args) as proc:
            synced = json.loads((await proc.wait_line(r'"type":"SYNCED"')).string)
            assert synced["resource"] == ROUTES and synced["objects"] == 5

            server.create(ROUTES, route("shop", "new", "/new"))
            server.create(ROUTES, route("pay", "checkout", "/checkout", "checkout"))
            changed = server.get(ROUTES, "shop/r1")
            assert changed is not None
            changed["spec"]["pathPrefix"] = "/changed"
            server.update(ROUTES, changed)
            gone = server.delete(ROUTES, "shop/r0")
            last_rv = gone["metadata"]["resourceVersion"]
            await proc.wait_line(rf'"type":"DELETED".*"resourceVersion":"{last_rv}"')

            proc.signal(signal.SIGTERM)
            assert await proc.wait() == 0

        oracle = server.list_objects(ROUTES)
        assert json.loads(snap.read_text()) == {ROUTES: oracle}
        state, types = replay(proc.stdout, ROUTES)
        assert state == oracle
        assert types == ["ADDED"] * 5 + ["SYNCED", "ADDED", "ADDED", "MODIFIED", "DELETED"]
        # logs went to stderr, one JSON object per line; then the summary line
        *logs, summary = [line for line in proc.stderr if line.strip()]
        assert summary.startswith("informer-run: stopped after"), proc.stderr
        records = [json.loads(line) for line in logs]
        assert any(r["logger"] == "informer" and "synced" in r["message"] for r in records)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
    }


async def test_metrics_and_readiness_move_with_the_server() -> None:
    async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
        for i in range(3):
            server.create(ROUTES, route("shop", f"r{i}", f"/r{i}"))
        server.faults = Faults(delay=1.5)  # a slow first list: not ready meanwhile
        args = ["--source", server.url, "--resource", ROUTES, "--output", "log", "--metrics-port", "0"]
        async with run_cli(*args) as proc:
            url = (await proc.wait_line(r"metrics on (http://\S+)/metrics", stream="stderr")).group(1)
            lbl = frozenset({("informer", ROUTES), ("resource", ROUTES)})
            async with httpx.AsyncClient(base_url=url, timeout=10) as client:
                assert (await client.get("/healthz")).status_code == 200
                r = await client.get("/readyz")
                assert r.status_code == 503 and ROUTES in r.text

                with trio.fail_after(20):
                    while (await client.get("/readyz")).status_code != 200:  # noqa: ASYNC110 - polling a server
                        await trio.sleep(0.1)
                server.faults = Faults()
                before = _samples((await client.get("/metrics")).text)
                assert before[("informer_objects", lbl)] == 3
                assert before[("informer_synced", lbl)] == 1

                for i in range(3, 7):
                    server.create(ROUTES, route("shop", f"r{i}", f"/r{i}"))
                server.delete(ROUTES, "shop/r0")
                with trio.fail_after(20):
                    while True:
                        after = _samples((await client.get("/metrics")).text)
                        if after[("informer_objects", lbl)] == 6:
                            break
                        await trio.sleep(0.1)
                added = ("informer_events_total", lbl | {("type", "ADDED")})
                deleted = ("informer_events_total", lbl | {("type", "DELETED")})
                assert after[added] - before[added] == 4
                assert after[deleted] - before[deleted] == 1
                assert after[("informer_list_request_duration_seconds_count", lbl)] >= 1

                cache = (await client.get("/debug/cache")).json()
                assert cache == {ROUTES: server.list_objects(ROUTES)}
            proc.signal(signal.SIGINT)
            assert await proc.wait() == 0


async def test_a_large_initial_list_logs_its_progress() -> None:
    async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
        for i in range(2000):
            server.create(ROUTES, route(f"ns{i % 7}", f"r{i}", f"/r{i}"))
        server.faults = Faults(delay=0.3)  # every page takes a while
        args = ["--source", server.url, "--resource", ROUTES, "--page-size", "250", "-o", "log"]
        async with run_cli(*args) as proc:
            m = await proc.wait_line(r"listing, (\d+) pages / (\d+) objects received so far", stream="stderr")
            pages, objects = int(m.group(1)), int(m.group(2))
            assert 1 <= pages < 8 and objects == 250 * pages
            await proc.wait_line(rf"{ROUTES}: synced, 2000 objects", stream="stderr", within=30)
            proc.signal(signal.SIGTERM)
            assert await proc.wait() == 0
        assert "2000 objects cached" in proc.stderr[-1]


async def test_jsonl_reader_going_away_stops_the_run_cleanly() -> None:
    async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
        for i in range(50):
            server.create(ROUTES, route("shop", f"r{i}", f"/r{i}"))
        command = " ".join(
            shlex.quote(a) for a in cli_command("--source", server.url, "--resource", ROUTES, "-o", "jsonl")
        )
        with trio.fail_after(30):
            result = await trio.run_process(
                ["bash", "-c", f"{command} | head -n 1; exit ${{PIPESTATUS[0]}}"],
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["type"] == "ADDED"
    err = result.stderr.decode()
    assert "stdout closed by its reader" in err and "Traceback" not in err and "BrokenPipe" not in err


async def test_metrics_port_in_use_is_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
            code, _, err = await run_cli_to_end(
                "--source", server.url, "--resource", ROUTES, "-o", "log", "--metrics-port", str(port)
            )
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"informer-run: error: --metrics-port: cannot listen on 127.0.0.1:{port}: "), err
    assert "Address already in use" in last


async def test_a_signal_during_start_up_stops_at_once() -> None:
    with socket.socket() as silent:  # accepts connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        async with run_cli("--source", url, "--discover", "-o", "log") as proc:
            await proc.wait_line("discovery: asking", stream="stderr")
            await trio.sleep(0.5)  # and waiting for an answer that never comes
            assert proc.process.returncode is None
            proc.signal(signal.SIGTERM)
            assert await proc.wait(within=10) == 0
    assert proc.stderr[-1] == "informer-run: stopped during start-up", proc.stderr


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_server_exits_1_saying_why() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code, _, err = await run_cli_to_end(
        "--source", url, "--resource", ROUTES, "--sync-timeout", "2", "-o", "log"
    )
    assert code == 1, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("informer-run: error: not synced after 2s"), err
    assert ROUTES in last and "127.0.0.1" in last
    assert "Traceback" not in err


async def test_resource_the_server_does_not_serve_exits_2() -> None:
    async with open_embedded_server(resources=[ServerResource.parse(ROUTES)]) as server:
        code, _, err = await run_cli_to_end(
            "--source", server.url, "--resource", "widgets.example.com", "--sync-timeout", "20", "-o", "log"
        )
    assert code == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("informer-run: error: widgets.example.com: unknown resource at"), err
    assert "Traceback" not in err


async def test_live_view_under_a_pseudo_terminal_and_ctrl_c() -> None:
    """No arguments on a terminal: the embedded demo, drawn live; Ctrl-C exits 0 with a summary."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "INFORMER_PLUGINS"}
    env.update(COLUMNS="150", LINES="40", TERM="xterm-256color")
    screen = bytearray()

    async def read_until(pattern: str, within: float) -> None:
        rx = re.compile(pattern)
        with trio.fail_after(within):
            while not rx.search(_plain(screen)):
                await trio.lowlevel.wait_readable(master)
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # the child closed the terminal
                    return
                screen.extend(chunk)

    process = await trio.lowlevel.open_process(
        cli_command(), stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    try:
        # Both demo informers synced, and changes of the churn listed as latest events.
        await read_until(r"routes\.demo\.informer\.dev\s+\S+\s+synced", 30)
        await read_until(r"services\.demo\.informer\.dev\s+\S+\s+synced", 10)
        await read_until(r"(ADDED|MODIFIED|DELETED)\s+\S+\.demo\.informer\.dev", 20)
        process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        await read_until(r"informer-run: stopped after", 20)
        with trio.fail_after(10):
            assert await process.wait() == 0
        text = _plain(screen)
        assert "latest events" in text
        summary = r"informer-run: stopped after [\d.]+s: 2 informers \(2 synced\), \d+ objects cached"
        assert re.search(summary, text), text[-2000:]
    finally:
        if process.returncode is None:
            process.kill()
            with trio.move_on_after(5):
                await process.wait()
        os.close(master)


def _plain(raw: bytes | bytearray) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", bytes(raw).decode("utf-8", "replace"))
