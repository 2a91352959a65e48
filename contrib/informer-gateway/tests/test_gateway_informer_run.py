"""The issue's verification: a real ``informer-run --plugins gateway`` process against the
embedded server; routes and services change through the server's write API and the routing
table (the JSON file the handler rewrites atomically) follows."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
import yaml

SERVICES = "services.gateway.example.com"
ROUTES = "routes.gateway.example.com"


def service(ns: str, name: str, *eps: tuple[str, bool]) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.example.com/v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"endpoints": [{"address": a, "port": 8080, "ready": r} for a, r in eps]},
    }


def route(ns: str, name: str, prefix: str, svc: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.example.com/v1",
        "kind": "Route",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"pathPrefix": prefix, "service": svc, "port": 8080},
    }


def informer_run() -> list[str]:
    found = shutil.which("informer-run")
    return [found] if found else [sys.executable, "-m", "informer.cli"]


def free_port() -> int:
    # The child binds it a moment later; another process grabbing it in between is unlikely
    # on loopback, and would show as a clear failure of the HTTP check below.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_config(path: Path, url: str, table: Path, listen: str) -> None:
    handler = {"name": "gateway.routing-table", "options": {"json_file": str(table), "listen": listen}}
    path.write_text(
        yaml.safe_dump(
            {
                "sources": {"local": {"type": "http", "url": url}},
                "informers": [
                    {"resource": SERVICES, "source": "local", "handlers": [handler]},
                    {"resource": ROUTES, "source": "local", "handlers": [handler]},
                ],
            }
        )
    )


class Run:
    """``informer-run`` as a child process, its output in files (no pipe to fill and block on)."""

    def __init__(self, process: trio.Process, stderr: Path) -> None:
        self.process = process
        self.stderr = stderr

    def output(self) -> str:
        return self.stderr.read_text(errors="replace")[-4000:]


def read_table(path: Path) -> dict[str, Any] | None:
    # A few hundred bytes, read between sleeps: not worth a thread. The handler replaces the
    # file atomically, so a read never sees half a table.
    try:
        return json.loads(path.read_text())  # type: ignore[no-any-return]
    except FileNotFoundError:
        return None


async def wait_for_table(
    run: Run, table: Path, want: Callable[[dict[str, Any]], bool], what: str
) -> dict[str, Any]:
    """Poll the table file until ``want(routes)`` holds; fail with the last table and the logs."""
    last: dict[str, Any] | None = None
    try:
        with trio.fail_after(20):
            while True:
                if run.process.returncode is not None:
                    raise AssertionError(f"informer-run exited {run.process.returncode}:\n{run.output()}")
                current = read_table(table)
                if current is not None:
                    last = current
                    if want(last["routes"]):
                        return last
                await trio.sleep(0.05)
    except trio.TooSlowError:
        raise AssertionError(f"table never showed {what}; last table {last}\nlogs:\n{run.output()}") from None


def backends(routes: dict[str, Any], prefix: str) -> list[str] | None:
    entry = routes.get(prefix)
    return None if entry is None else list(entry["backends"])


@pytest.mark.informer_server(resources=[SERVICES, ROUTES])
async def test_informer_run_keeps_the_routing_table_current(informer_server: Any, tmp_path: Path) -> None:
    server = informer_server
    server.create(SERVICES, service("shop", "catalog", ("10.0.1.1", True), ("10.0.1.2", True)))
    server.create(SERVICES, service("identity", "auth", ("10.0.2.1", True)))
    server.create(ROUTES, route("shop", "catalog", "/catalog", "catalog"))
    server.create(ROUTES, route("identity", "login", "/login", "auth"))

    table = tmp_path / "out" / "table.json"
    config = tmp_path / "gateway.yaml"
    port = free_port()
    write_config(config, server.url, table, f"127.0.0.1:{port}")
    stderr = tmp_path / "stderr.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("INFORMER_PLUGINS", None)
    with stderr.open("wb") as err, (tmp_path / "stdout.log").open("wb") as out:
        process = await trio.lowlevel.open_process(
            [*informer_run(), "--plugins", "gateway", "--config", str(config), "--output", "log"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=env,
        )
    run = Run(process, stderr)
    try:
        # Initial sync: both routes, every ready endpoint.
        doc = await wait_for_table(
            run,
            table,
            lambda r: (
                backends(r, "/catalog") == ["10.0.1.1:8080", "10.0.1.2:8080"]
                and backends(r, "/login") == ["10.0.2.1:8080"]
            ),
            "the initial routes",
        )
        assert doc["routes"]["/catalog"]["route"] == "shop/catalog"
        # The same table over HTTP (the plugin's startup hook runs the endpoint in the manager).
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            with trio.fail_after(10):
                while True:
                    try:
                        found = await client.get("/match", params={"path": "/catalog/items/7"})
                        break
                    except httpx.ConnectError:
                        await trio.sleep(0.05)
        assert found.json()["entry"]["backends"] == ["10.0.1.1:8080", "10.0.1.2:8080"]

        # An endpoint goes not-ready: it leaves the backends.
        catalog = server.list_objects(SERVICES)["shop/catalog"]
        catalog["spec"]["endpoints"][0]["ready"] = False
        server.update(SERVICES, catalog)
        await wait_for_table(
            run, table, lambda r: backends(r, "/catalog") == ["10.0.1.2:8080"], "10.0.1.1 not ready"
        )

        # A longer prefix appears and takes its paths.
        server.create(ROUTES, route("shop", "items", "/catalog/items", "items"))
        doc = await wait_for_table(run, table, lambda r: "/catalog/items" in r, "the /catalog/items route")
        assert doc["routes"]["/catalog/items"]["status"] == "no-such-service"
        server.create(SERVICES, service("shop", "items", ("10.0.3.1", True)))
        await wait_for_table(
            run, table, lambda r: backends(r, "/catalog/items") == ["10.0.3.1:8080"], "items up"
        )

        # A route is retargeted to another service.
        login = server.list_objects(ROUTES)["identity/login"]
        login["spec"]["service"] = "shop/catalog"
        server.update(ROUTES, login)
        await wait_for_table(
            run, table, lambda r: backends(r, "/login") == ["10.0.1.2:8080"], "/login retargeted"
        )

        # A route is deleted; a service is deleted (its route stays, with no backends).
        server.delete(ROUTES, "shop/items")
        server.delete(SERVICES, "shop/catalog")
        doc = await wait_for_table(
            run,
            table,
            lambda r: "/catalog/items" not in r and r.get("/catalog", {}).get("status") == "no-such-service",
            "route and service deleted",
        )
        assert doc["routes"]["/login"]["backends"] == []
        assert doc["counts"] == {"routes": 2, "services": 2, "prefixes": 2, "backends": 0}
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            with trio.move_on_after(10):
                await process.wait()
            if process.returncode is None:
                process.kill()
                await process.wait()
    assert process.returncode == 0, run.output()
