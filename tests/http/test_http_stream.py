"""WatchStream on its own: any chunking of a byte stream gives the same events."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable

import httpx
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from informer import DecodeError, EventType, Expired, ServerError, SourceError
from informer_http import WatchStream
from informer_http._errors import error_for_status


async def chunks_of(parts: Iterable[bytes], error: Exception | None = None) -> AsyncIterator[bytes]:
    for part in parts:
        yield part
    if error is not None:
        raise error


def stream(parts: Iterable[bytes], error: Exception | None = None) -> WatchStream:
    def to_error(status: object) -> SourceError:
        assert isinstance(status, dict)
        return error_for_status(status["code"], status, resource="things", verb="watch", url="http://x")

    return WatchStream(chunks_of(parts, error), resource="things", resource_version="1", error=to_error)


def line(type_: str, name: str, rv: str, **extra: object) -> bytes:
    meta: dict[str, object] = {"name": name, "resourceVersion": rv, **extra}
    return orjson.dumps({"type": type_, "object": {"kind": "Thing", "metadata": meta}}) + b"\n"


BODY = (
    line("ADDED", "a", "2")
    + line("MODIFIED", "a", "3", note="é ünïcode ✓")
    + b"\n"
    + line("BOOKMARK", "", "4")
    + line("DELETED", "a", "5")
    + line("BOOKMARK", "", "6", annotations={"k8s.io/initial-events-end": "true"})
)
EXPECTED = [
    (EventType.ADDED, "2", None),
    (EventType.MODIFIED, "3", None),
    (EventType.BOOKMARK, "4", None),
    (EventType.DELETED, "5", None),
    (EventType.BOOKMARK, "6", "k8s.io/initial-events-end"),
]


async def events_of(s: WatchStream) -> list[tuple[EventType, str, str | None]]:
    return [(e.type, e.resource_version, e.key) async for e in s]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(BODY)), max_size=30))
async def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(BODY)]
    parts = [BODY[a:b] for a, b in itertools.pairwise(points)]
    assert await events_of(stream(parts)) == EXPECTED


async def test_one_byte_chunks_and_a_missing_final_newline() -> None:
    body = BODY.rstrip(b"\n")
    assert await events_of(stream([body[i : i + 1] for i in range(len(body))])) == EXPECTED


async def test_a_line_of_many_megabytes() -> None:
    big = line("ADDED", "big", "9", blob="y" * 5_000_000)
    parts = [big[i : i + 65536] for i in range(0, len(big), 65536)]
    (event,) = [e async for e in stream(parts)]
    assert event.object["metadata"]["blob"] == "y" * 5_000_000


async def test_malformed_lines_become_error_events_keeping_the_last_version() -> None:
    body = line("ADDED", "a", "2") + b"{not json\n" + b'{"type":"WHAT","object":{}}\n' + b'{"type":"ADDED"}\n'
    events = [e async for e in stream([body + line("ADDED", "b", "3")])]
    assert [e.type for e in events] == [EventType.ADDED, *[EventType.ERROR] * 3, EventType.ADDED]
    for error_event in events[1:4]:
        assert error_event.resource_version == "2"
        assert isinstance(error_event.object, DecodeError) and error_event.object.resource == "things"
    assert events[1].object.line == b"{not json"
    assert "unknown event type 'WHAT'" in str(events[2].object)


async def test_error_events_raise() -> None:
    gone = {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old resource version: 1 (5)"}
    with pytest.raises(Expired, match="too old resource version"):
        await events_of(
            stream([line("ADDED", "a", "2"), orjson.dumps({"type": "ERROR", "object": gone}) + b"\n"])
        )
    boom = {"kind": "Status", "code": 500, "reason": "InternalError", "message": "etcd is down"}
    with pytest.raises(ServerError, match="etcd is down"):
        await events_of(stream([orjson.dumps({"type": "ERROR", "object": boom}) + b"\n"]))


async def test_a_broken_connection_ends_the_stream_and_drops_the_partial_line() -> None:
    parts = [line("ADDED", "a", "2"), b'{"type":"ADDED","obj']
    broken = httpx.RemoteProtocolError("peer closed connection without sending complete message body")
    assert await events_of(stream(parts, broken)) == [(EventType.ADDED, "2", None)]
