"""HttpSource.watch against the embedded server: events, bookmarks, watch-list, 410, faults."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
import trio
from informer import INITIAL_EVENTS_END, DecodeError, EventType, Expired, WatchEvent
from informer.server import EmbeddedServer

from .conftest import ROUTES, SourceMaker, route


async def collect(source_watch, count: int | None = None) -> list[WatchEvent]:  # type: ignore[no-untyped-def]
    events: list[WatchEvent] = []
    with trio.fail_after(5):
        async with source_watch as stream:
            async for event in stream:
                events.append(event)
                if count is not None and len(events) >= count:
                    break
    return events


async def test_watch_events_with_versions(server: EmbeddedServer, make_source: SourceMaker) -> None:
    source = make_source()
    start = server.resource_version
    a = server.create(ROUTES, route("a"))
    b = server.update(ROUTES, route("a") | {"spec": {"pathPrefix": "/x"}})
    c = server.delete(ROUTES, "default/a")
    events = await collect(source.watch(resource_version=start, timeout_seconds=5), count=3)
    assert [(e.type, e.resource_version, e.key) for e in events] == [
        (EventType.ADDED, a["metadata"]["resourceVersion"], None),
        (EventType.MODIFIED, b["metadata"]["resourceVersion"], None),
        (EventType.DELETED, c["metadata"]["resourceVersion"], None),
    ]
    assert events[1].object == b
    query = parse_qs(server.requests[-1].query)
    assert query == {
        "watch": ["true"],
        "allowWatchBookmarks": ["true"],
        "resourceVersion": [start],
        "timeoutSeconds": ["5"],
    }


async def test_bookmarks_carry_no_object_and_the_stream_ends_at_timeout(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    server.bookmark_interval = 0.2
    rv = server.resource_version
    events = await collect(make_source().watch(resource_version=rv, timeout_seconds=1))
    assert events and all(e == WatchEvent(EventType.BOOKMARK, None, rv) for e in events)


async def test_streaming_list_marks_the_end_of_initial_events(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    server.create(ROUTES, route("a"))
    server.create(ROUTES, route("b"))
    now = server.resource_version
    events = await collect(
        make_source().watch(resource_version="", timeout_seconds=5, send_initial_events=True), count=3
    )
    assert [e.type for e in events] == [EventType.ADDED, EventType.ADDED, EventType.BOOKMARK]
    assert events[2] == WatchEvent(EventType.BOOKMARK, None, now, INITIAL_EVENTS_END)
    query = parse_qs(server.requests[-1].query, keep_blank_values=True)
    assert query["sendInitialEvents"] == ["true"] and query["resourceVersionMatch"] == ["NotOlderThan"]


async def test_in_stream_410_raises_expired(server: EmbeddedServer, make_source: SourceMaker) -> None:
    server.faults.history = 1
    old = server.resource_version
    for i in range(3):
        server.create(ROUTES, route(f"r{i}"))
    with pytest.raises(Expired, match="too old resource version") as caught:
        await collect(make_source().watch(resource_version=old, timeout_seconds=5))
    assert caught.value.status == 410


async def test_garbage_lines_become_error_events(server: EmbeddedServer, make_source: SourceMaker) -> None:
    start = server.resource_version
    server.create(ROUTES, route("a"))
    server.create(ROUTES, route("b"))
    server.faults.garbage_every = 1
    events = await collect(make_source().watch(resource_version=start, timeout_seconds=5), count=4)
    assert [e.type for e in events] == [EventType.ADDED, EventType.ERROR, EventType.ADDED, EventType.ERROR]
    error = events[1].object
    assert isinstance(error, DecodeError)
    assert error.resource == ROUTES and isinstance(error.line, bytes) and b"not JSON" in error.line
    # the ERROR event keeps the last good version, so a resume loses nothing
    assert events[1].resource_version == events[0].resource_version
    assert "malformed watch event" in str(error) and ROUTES in str(error)


async def test_dropped_stream_just_ends(server: EmbeddedServer, make_source: SourceMaker) -> None:
    start = server.resource_version
    for i in range(5):
        server.create(ROUTES, route(f"r{i}"))
    server.faults.watch_drop_after = 2
    events = await collect(make_source().watch(resource_version=start, timeout_seconds=30))
    assert [e.object["metadata"]["name"] for e in events] == ["r0", "r1"]


async def test_resume_from_last_version_after_a_drop(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    """What the reflector does: watch again from the last version seen; nothing is lost or repeated."""
    start = server.resource_version
    for i in range(7):
        server.create(ROUTES, route(f"r{i}"))
    server.faults.watch_drop_after = 3
    source = make_source()
    names: list[str] = []
    rv = start
    for _ in range(5):
        events = await collect(source.watch(resource_version=rv, timeout_seconds=30), count=7 - len(names))
        names += [e.object["metadata"]["name"] for e in events]
        if events:
            rv = events[-1].resource_version
        if len(names) == 7:
            break
    assert names == [f"r{i}" for i in range(7)]


async def test_huge_objects_cross_many_chunks(server: EmbeddedServer, make_source: SourceMaker) -> None:
    start = server.resource_version
    blob = "x" * 3_000_000
    server.create(ROUTES, route("small-1"))
    server.create(ROUTES, route("huge") | {"spec": {"blob": blob}})
    server.create(ROUTES, route("small-2"))
    events = await collect(make_source().watch(resource_version=start, timeout_seconds=30), count=3)
    assert [e.object["metadata"]["name"] for e in events] == ["small-1", "huge", "small-2"]
    assert events[1].object["spec"]["blob"] == blob
