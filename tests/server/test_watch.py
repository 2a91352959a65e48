"""Watch streams: resume from a version, Get State, bookmarks, timeouts, 410s, selectors, watch-list."""

from __future__ import annotations

from typing import Any

import httpx
import trio
from informer.server import EmbeddedServer

from ._watching import read_watch, summary
from .conftest import ROUTES, route

URL = "/apis/gateway.example.com/v1/routes"


async def test_watch_from_version_streams_later_events_in_order(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.create(ROUTES, route("a"))
    start = server.resource_version
    server.create(ROUTES, route("b"))
    server.update(ROUTES, route("a") | {"spec": {"pathPrefix": "/new"}})
    gone = server.delete(ROUTES, "default/b")
    events = await read_watch(client, URL, {"resourceVersion": start}, count=3)
    assert summary(events) == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert rvs == sorted(rvs) and str(rvs[-1]) == gone["metadata"]["resourceVersion"]
    # watch objects always carry kind/apiVersion
    assert all(e["object"]["kind"] == "Route" for e in events)
    assert events[1]["object"]["spec"]["pathPrefix"] == "/new"


async def test_live_events_reach_an_open_watch(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    async def writer() -> None:
        await server.wait_watching(ROUTES)
        for i in range(3):
            server.create(ROUTES, route(f"live{i}"))
            await trio.sleep(0.01)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(writer)
        events = await read_watch(client, URL, {"resourceVersion": server.resource_version}, count=3)
    assert summary(events) == [("ADDED", "live0"), ("ADDED", "live1"), ("ADDED", "live2")]
    with trio.fail_after(2):
        await server.wait_watch_count(ROUTES, 0)  # the server noticed the client went away


async def test_watch_without_version_gets_state_first(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.create(ROUTES, route("a"))
    server.create(ROUTES, route("b"))
    for rv in ("", "0"):
        events = await read_watch(client, URL, {"resourceVersion": rv}, count=2)
        assert summary(events) == [("ADDED", "a"), ("ADDED", "b")]


async def test_bookmarks_periodically_and_before_timeout(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.create(ROUTES, route("a"))
    rv = server.resource_version
    server.bookmark_interval = 0.1
    events = await read_watch(
        client, URL, {"resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": 1}
    )
    kinds = [e["type"] for e in events]
    assert kinds.count("BOOKMARK") >= 3 and set(kinds) == {"BOOKMARK"}
    bookmark = events[-1]["object"]
    assert bookmark["kind"] == "Route" and bookmark["apiVersion"] == "gateway.example.com/v1"
    assert bookmark["metadata"]["resourceVersion"] == rv
    # without allowWatchBookmarks: none, and timeoutSeconds still ends the stream
    assert await read_watch(client, URL, {"resourceVersion": rv, "timeoutSeconds": 1}) == []


async def test_bookmark_version_moves_with_other_resources(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    """Versions are server-wide: a bookmark tells a quiet watcher it is caught up to now."""
    rv = server.resource_version
    server.create("configmaps", {"metadata": {"name": "x"}})
    events = await read_watch(
        client, URL, {"resourceVersion": rv, "allowWatchBookmarks": "true", "timeoutSeconds": 1}, count=1
    )
    assert summary(events) == [("BOOKMARK", server.resource_version)]


async def test_too_old_version_is_an_error_event_410(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.faults.history = 2
    server.create(ROUTES, route("a"))
    old = server.resource_version
    for i in range(4):
        server.create(ROUTES, route(f"n{i}"))
    events = await read_watch(client, URL, {"resourceVersion": old})
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert status["kind"] == "Status" and status["code"] == 410 and status["reason"] == "Expired"
    assert status["message"].startswith(f"too old resource version: {old}")
    # the newest versions are still there
    recent = await read_watch(
        client, URL, {"resourceVersion": str(int(server.resource_version) - 1)}, count=1
    )
    assert summary(recent) == [("ADDED", "n3")]


async def test_selector_watch_turns_entering_and_leaving_into_added_and_deleted(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.create(ROUTES, route("a", app="web"))
    rv = server.resource_version
    server.update(ROUTES, route("a", app="db"))  # leaves the selection
    server.update(ROUTES, route("a", app="web"))  # enters it again
    server.update(ROUTES, route("a", app="web") | {"spec": {"x": 1}})  # stays
    server.create(ROUTES, route("b", app="db"))  # never selected
    server.create(ROUTES, route("c", namespace="other", app="web"))  # other namespace
    events = await read_watch(
        client,
        "/apis/gateway.example.com/v1/namespaces/default/routes",
        {"resourceVersion": rv, "labelSelector": "app=web"},
        count=3,
    )
    assert summary(events) == [("DELETED", "a"), ("ADDED", "a"), ("MODIFIED", "a")]
    assert events[0]["object"]["metadata"]["labels"] == {"app": "db"}  # its new state


async def test_send_initial_events_ends_with_annotated_bookmark(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.create(ROUTES, route("a"))
    server.create(ROUTES, route("b"))
    current = server.resource_version
    seen: list[dict[str, Any]] = []

    def on_line(event: dict[str, Any]) -> None:
        seen.append(event)
        if len(seen) == 3:
            server.create(ROUTES, route("c"))

    params = {
        "sendInitialEvents": "true",
        "resourceVersionMatch": "NotOlderThan",
        "resourceVersion": "",
        "allowWatchBookmarks": "true",
    }
    events = await read_watch(client, URL, params, count=4, on_line=on_line)
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b"), ("BOOKMARK", current), ("ADDED", "c")]
    assert events[2]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


async def test_send_initial_events_validation(client: httpx.AsyncClient) -> None:
    for params in (
        {"watch": "true", "sendInitialEvents": "true", "allowWatchBookmarks": "true"},
        {"watch": "true", "sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan"},
        {"watch": "true", "resourceVersionMatch": "NotOlderThan"},
    ):
        response = await client.get(URL, params=params)
        assert response.status_code == 422, params
        assert response.json()["reason"] == "Invalid"


async def test_watch_drop_after_cuts_the_stream(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    for i in range(5):
        server.create(ROUTES, route(f"r{i}"))
    server.faults.watch_drop_after = 2
    got: list[str] = []
    with trio.fail_after(5):
        async with client.stream("GET", URL, params={"watch": "true", "resourceVersion": "1"}) as response:
            try:
                async for line in response.aiter_lines():
                    if line:
                        got.append(line)
            except httpx.RemoteProtocolError:
                got.append("<dropped>")
    assert len(got) == 3 and got[-1] == "<dropped>"


async def test_garbage_every_inserts_malformed_lines(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    for i in range(4):
        server.create(ROUTES, route(f"r{i}"))
    server.faults.garbage_every = 2
    events = await read_watch(client, URL, {"resourceVersion": "1"}, count=6)
    assert [t for t, _ in summary(events)] == ["ADDED", "ADDED", "GARBAGE", "ADDED", "ADDED", "GARBAGE"]


async def test_delay_fault_slows_answers(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.faults.delay = 0.3
    start = trio.current_time()
    assert (await client.get(URL)).status_code == 200
    assert trio.current_time() - start >= 0.3


async def test_shrinking_history_at_runtime_expires_old_versions_at_once(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    old = server.resource_version
    for i in range(3):
        server.create(ROUTES, route(f"r{i}"))
    assert len(await read_watch(client, URL, {"resourceVersion": old}, count=3)) == 3
    server.faults.history = 1  # no write since: the next request already sees the shorter window
    events = await read_watch(client, URL, {"resourceVersion": old})
    assert [e["type"] for e in events] == ["ERROR"] and events[0]["object"]["code"] == 410
