"""The whole informer over real HTTP: the embedded server on 127.0.0.1 and the HTTP source.

Every scenario ends with the same two checks: the store equals the server's own list
(``server.list_objects``), and each handler's history replayed from empty reproduces the
store without ever updating or deleting a key it was not told about.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from informer import BacklogPolicy, Backoff, ConnectFailed, Informer, ResourceType, SourceSpec, open_informer
from informer.server import EmbeddedServer, Faults, ServerResource, open_embedded_server
from informer_http.source import HttpSource

from .fakes import Recorder, contents, replay, until

ROUTES = "routes.gateway.example.com"
RESOURCE = ResourceType(
    name=ROUTES, kind="Route", group="gateway.example.com", version="v1", plural="routes", namespaced=True
)


def route(name: str, namespace: str = "default", n: int = 0) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"pathPrefix": f"/{name}", "service": "svc", "port": 8080 + n},
    }


#: every scenario runs twice: plain dict objects, and ``raw=True`` (RawObject views end to end)
_MODE = {"raw": False}


@pytest.fixture(autouse=True, params=[False, True], ids=["dicts", "raw"])
def _raw_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    _MODE["raw"] = request.param
    yield
    _MODE["raw"] = False


@asynccontextmanager
async def running(server: EmbeddedServer, **kw: Any) -> AsyncIterator[tuple[Informer, list[Recorder]]]:
    source = HttpSource(SourceSpec(resource=RESOURCE, options={"url": server.url}))
    recorders = [Recorder("unbounded"), Recorder("coalesce")]
    kw.setdefault("backoff", Backoff(initial=0.01, maximum=0.1))
    kw.setdefault("raw", _MODE["raw"])
    async with open_informer(RESOURCE, source, **kw) as inf:
        inf.add_handler(recorders[0])
        inf.add_handler(recorders[1], policy=BacklogPolicy.COALESCE)
        yield inf, recorders


async def converged(
    inf: Informer, server: EmbeddedServer, recorders: list[Recorder], limit: float = 30
) -> None:
    def done() -> bool:
        return (
            inf.synced
            and contents(inf) == server.list_objects(ROUTES)
            and all(reg.backlog == 0 and not reg._busy for reg in inf.handlers)
        )

    await until(done, limit=limit, poll=0.01)
    assert contents(inf) == server.list_objects(ROUTES)
    for rec in recorders:
        assert rec.violations == [], rec.name
        assert replay(rec.seen) == contents(inf), rec.name


async def churn(server: EmbeddedServer, rounds: int, start: int = 0, pause: float = 0.0) -> None:
    """Creates, updates and deletes, in a fixed pattern."""
    for i in range(start, start + rounds):
        server.create(ROUTES, route(f"r{i}", f"ns{i % 3}"))
        if i % 2:
            server.apply(ROUTES, route(f"r{i - 1}", f"ns{(i - 1) % 3}", n=i))
        if i % 5 == 4:
            server.delete(ROUTES, f"ns{(i - 2) % 3}/r{i - 2}")
        if pause:
            await trio.sleep(pause)


async def test_initial_paged_list_watch_and_bookmarks() -> None:
    async with open_embedded_server([ServerResource.parse(ROUTES)], bookmark_interval=0.05) as server:
        await churn(server, 25)
        async with running(server, page_size=10) as (inf, recorders):
            await inf.wait_synced(timeout=30)
            total = len(server.list_objects(ROUTES))
            assert total == 20 and inf.stats.list_pages == 2 and inf.stats.list_objects == total
            assert sorted(inf.store.index_values("namespace")) == ["ns0", "ns1", "ns2"]
            with trio.fail_after(5):
                await server.wait_watching(ROUTES)
            await churn(server, 10, start=25)
            await converged(inf, server, recorders)
            await until(lambda: inf.stats.events_by_type["BOOKMARK"] > 0)
            assert inf.resource_version is not None
            initial = [n for t, _, n in recorders[0].seen if n.initial]
            assert len(initial) == inf.stats.list_objects


async def test_410_during_watch_relists() -> None:
    faults = Faults(history=5, watch_drop_after=3)
    async with open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server:
        await churn(server, 5)
        async with running(server) as (inf, recorders):
            await inf.wait_synced(timeout=30)
            with trio.fail_after(5):
                await server.wait_watching(ROUTES)
            await churn(server, 30, start=5)  # in one go: the cut stream resumes from too far back
            await converged(inf, server, recorders)
            assert inf.stats.relists >= 1
            unknown = [n for t, _, n in recorders[0].seen if n.final_state_unknown]
            assert all(n.type.value == "DELETED" for n in unknown)


async def test_dropped_streams_reconnect() -> None:
    faults = Faults(watch_drop_after=2)
    async with (
        open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server,
        running(server) as (inf, recorders),
    ):
        await inf.wait_synced(timeout=30)
        await churn(server, 20, pause=0.005)
        await converged(inf, server, recorders)
        assert inf.stats.reconnects >= 3


async def test_server_errors_back_off_and_recover() -> None:
    faults = Faults(error_rate=0.5, seed=7, watch_drop_after=3)
    async with open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server:
        await churn(server, 10)
        async with running(server) as (inf, recorders):
            await inf.wait_synced(timeout=30)
            await churn(server, 15, start=10, pause=0.005)
            await converged(inf, server, recorders)
            assert inf.last_error is not None and "500" in inf.last_error


async def test_garbage_lines_are_counted_and_skipped() -> None:
    faults = Faults(garbage_every=2)
    async with (
        open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server,
        running(server) as (inf, recorders),
    ):
        await inf.wait_synced(timeout=30)
        with trio.fail_after(5):
            await server.wait_watching(ROUTES)
        await churn(server, 12, pause=0.002)
        await converged(inf, server, recorders)
        assert inf.stats.decode_errors >= 3
        assert inf.stats.events_by_type["ERROR"] == inf.stats.decode_errors


async def test_slow_server() -> None:
    faults = Faults(delay=0.05)
    async with open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server:
        await churn(server, 12)
        async with running(server, page_size=5) as (inf, recorders):
            await inf.wait_synced(timeout=30)
            assert inf.stats.list_pages == 2  # 10 objects in pages of 5
            await churn(server, 6, start=12)
            await converged(inf, server, recorders)


async def test_streaming_list_over_http() -> None:
    async with open_embedded_server([ServerResource.parse(ROUTES)]) as server:
        await churn(server, 8)
        async with running(server, watch_list=True) as (inf, recorders):
            await inf.wait_synced(timeout=30)
            await churn(server, 4, start=8)
            await converged(inf, server, recorders)
    # (requests are recorded when answered: a watch is answered when the server stops)
    calls = [r for r in server.requests if r.path.endswith("/routes")]
    assert calls and all("watch=true" in r.query for r in calls)  # no plain list was needed
    assert "sendInitialEvents=true" in calls[0].query


async def test_connection_refused_is_the_sync_timeout_reason() -> None:
    from informer import SyncTimeout

    async with open_embedded_server([ServerResource.parse(ROUTES)]) as server:
        url = server.url
    # the server is gone: its port refuses connections
    source = HttpSource(SourceSpec(resource=RESOURCE, options={"url": url}))
    async with open_informer(RESOURCE, source, backoff=Backoff(initial=0.01, maximum=0.05)) as inf:
        try:
            await inf.wait_synced(timeout=0.5)
        except SyncTimeout as exc:
            message = str(exc)
        else:
            raise AssertionError("synced against a closed port")
        assert isinstance(inf.last_exception, ConnectFailed)  # the exception behind last_error
    assert "ConnectFailed" in message and url.split("//")[1] in message, message
