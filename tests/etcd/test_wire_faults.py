"""Watch-stream shapes a healthy etcd rarely produces, served over real HTTP on loopback by
a scripted gateway: garbage lines, malformed events, fragments, a "defaults omitted"
DELETE without prev_kv, progress answers, cancellations and a stream error."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import orjson
import pytest
import trio
from informer import ConnectFailed, DecodeError, EventType, Forbidden, ServerError, SourceSpec, WatchEvent
from informer_etcd import create_source, resource_for_prefix

PREFIX = "/p/"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def kv(key: str, rev: int, value: str | None = None, version: int = 1) -> dict[str, str]:
    out = {
        "key": b64(PREFIX + key),
        "create_revision": str(rev),
        "mod_revision": str(rev),
        "version": str(version),
    }
    if value is not None:
        out["value"] = b64(value)
    return out


def result(**fields: object) -> bytes:
    header = {
        "cluster_id": "1",
        "member_id": "2",
        "revision": str(fields.pop("revision", 9)),
        "raft_term": "2",
    }
    return orjson.dumps({"result": {"header": header, **fields}}) + b"\n"


@asynccontextmanager
async def scripted_gateway(lines: list[bytes], *, close: bool = True) -> AsyncIterator[str]:
    """An HTTP server answering any request with ``lines`` as a chunked 200 body."""

    async def handle(stream: trio.SocketStream) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += await stream.receive_some(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
        )
        while len(body) < length:
            body += await stream.receive_some(65536)
        await stream.send_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        for line in lines:
            await stream.send_all(b"%x\r\n%s\r\n" % (len(line), line))
        if close:
            await stream.send_all(b"0\r\n\r\n")
        else:
            await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, handle, 0, host="127.0.0.1"))
        yield f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}"
        nursery.cancel_scope.cancel()


async def watch_all(url: str, **options: object) -> list[WatchEvent]:
    source = create_source(SourceSpec(resource=resource_for_prefix(PREFIX), options={"url": url, **options}))
    try:
        async with source.watch(resource_version="4", timeout_seconds=5) as events:
            return [ev async for ev in events]
    finally:
        await source.aclose()


async def test_odd_but_legal_and_broken_lines() -> None:
    lines = [
        result(created=True),
        b"this is not json\n",
        result(events=[{"kv": {"create_revision": "5"}}]),  # an event without a key
        result(events=[{"kv": kv("a", 5, "A")}], fragment=True),
        result(events=[{"kv": kv("b", 5, "B")}]),  # the end of the fragmented message
        result(
            revision=6, events=[{"type": "DELETE", "kv": {"key": b64(PREFIX + "a"), "mod_revision": "6"}}]
        ),
        result(revision=7, events=[{"kv": kv("a", 7)}]),  # empty value: "value" omitted
        result(revision=7, watch_id="-1"),  # a progress_request answer: not safe as a bookmark in 3.4
        result(revision=8),  # a progress notification
        orjson.dumps({"unexpected": True}) + b"\n",
    ]
    with trio.fail_after(10):
        async with scripted_gateway(lines) as url:
            got = await watch_all(url)
    kinds = [(e.type, e.key, e.object, e.resource_version) for e in got if e.type is not EventType.ERROR]
    assert kinds == [
        (EventType.ADDED, "a", b"A", "5"),
        (EventType.ADDED, "b", b"B", "5"),
        (EventType.DELETED, "a", None, "6"),
        (EventType.ADDED, "a", b"", "7"),
        (EventType.BOOKMARK, None, None, "8"),
    ]
    errors = [e for e in got if e.type is EventType.ERROR]
    assert len(errors) == 3 and all(isinstance(e.object, DecodeError) for e in errors)
    assert "this is not json" in str(errors[0].object)
    assert [e.resource_version for e in errors] == ["4", "4", "8"]


async def test_a_stream_error_line_raises() -> None:
    error = {
        "error": {"grpc_code": 14, "http_code": 503, "message": "transport is closing", "http_status": "x"}
    }
    lines = [result(created=True), result(events=[{"kv": kv("a", 5, "A")}]), orjson.dumps(error) + b"\n"]
    with trio.fail_after(10):
        async with scripted_gateway(lines) as url:
            with pytest.raises(ServerError, match="transport is closing"):
                await watch_all(url)


async def test_cancellations() -> None:
    denied = result(created=True, canceled=True, cancel_reason="rpc error: code = PermissionDenied desc = no")
    other = result(canceled=True, cancel_reason="something else")
    with trio.fail_after(10):
        async with scripted_gateway([denied], close=False) as url:
            with pytest.raises(Forbidden, match="not allowed to watch"):
                await watch_all(url)
        async with scripted_gateway([other], close=False) as url:
            with pytest.raises(ConnectFailed, match="something else"):
                await watch_all(url)
