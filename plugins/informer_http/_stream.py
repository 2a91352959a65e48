"""Turning a watch response body into :class:`~informer.WatchEvent`\\ s, fast.

This is the per-event hot path of every Kubernetes-style informer. It reads the body in
whatever chunks the transport delivers, splits lines itself on ``b"\\n"`` (a line may
span any number of chunks and has no maximum size; a chunk may hold many lines), and
decodes each line once with orjson. No async generator: an explicit ``__anext__`` keeps
the per-event cost to one ``orjson.loads`` plus a few dict lookups, and leaves closing
the response to the ``async with`` that opened it.

With ``raw=True`` (the informer's ``raw`` mode, see :class:`informer.RawObject`) the object
is not decoded at all: a ``msgspec`` envelope decoder finds its bytes and a tiny metadata
decoder reads the resourceVersion; the event carries a :class:`~informer.RawObject`. Lines
that are anything else than a plain ADDED/MODIFIED/DELETED of an object with a string
resourceVersion (bookmarks, errors, malformed lines) take the decoding path above, so
every rule below holds unchanged.

A line that is not a watch event becomes an ``ERROR`` event carrying a
:class:`~informer.DecodeError` (the reflector counts it and goes on); an ``ERROR``
event from the server is raised (410 -> :class:`~informer.Expired`). A connection that
breaks mid-stream ends the iteration like a clean end of stream, as client-go treats an
unexpected EOF: the reflector simply watches again from the last version.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import msgspec
import orjson
from informer import INITIAL_EVENTS_END, DecodeError, EventType, RawObject, SourceError, WatchEvent

__all__ = ["WatchStream"]

log = logging.getLogger("informer_http")

_TYPES = {
    "ADDED": EventType.ADDED,
    "MODIFIED": EventType.MODIFIED,
    "DELETED": EventType.DELETED,
    "BOOKMARK": EventType.BOOKMARK,
}
#: how much of an undecodable line a DecodeError keeps (lines may be megabytes)
_KEEP = 2048
#: raw mode: event types whose object is handed over undecoded
_RAW_TYPES = {"ADDED": EventType.ADDED, "MODIFIED": EventType.MODIFIED, "DELETED": EventType.DELETED}


class _Envelope(msgspec.Struct):
    type: str
    object: msgspec.Raw


_decode_envelope = msgspec.json.Decoder(_Envelope).decode
#: raw mode: the exact layout Kubernetes (Go's encoding/json) and the embedded server write,
#: ``{"type":"ADDED","object":{...}}``; lines laid out otherwise take the envelope decoder
_HEAD = b'{"type":"'
_OBJECT = b'","object":'
_RAW_TYPE_BYTES = {name.encode(): etype for name, etype in _RAW_TYPES.items()}


class WatchStream:
    """Async iterator of the events in one watch response."""

    __slots__ = ("_chunks", "_decode", "_done", "_error", "_lines", "_pos", "_resource", "_rest", "last_rv")

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        *,
        resource: str,
        resource_version: str,
        error: Callable[[Mapping[str, Any]], SourceError],
        raw: bool = False,
    ) -> None:
        self._chunks = chunks
        self._decode = self._raw_event if raw else self._event
        self._resource = resource
        self._error = error
        self._lines: list[bytes] = []
        self._pos = 0
        self._rest = b""
        self._done = False
        #: the version of the last event or bookmark seen (where a re-watch resumes)
        self.last_rv = resource_version

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> WatchEvent:
        while True:
            lines = self._lines
            pos = self._pos
            while pos < len(lines):
                line = lines[pos]
                pos += 1
                if not line or line.isspace():
                    continue
                self._pos = pos
                return self._decode(line)
            if self._done:
                raise StopAsyncIteration
            await self._fill()

    async def _fill(self) -> None:
        """Read chunks until at least one complete line (or the end) is available."""
        # pieces of a line longer than a chunk are joined once, not re-concatenated per chunk
        parts = [self._rest] if self._rest else []
        while True:
            try:
                chunk: bytes | None = await self._chunks.__anext__()
            except StopAsyncIteration:
                chunk = None
            except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                # the server or a proxy dropped the connection mid-stream: end, re-watch
                log.debug("%s: watch stream broke off: %s", self._resource, exc)
                chunk = None
                parts = []  # a partial line from a broken stream is not an event
            if chunk is None:
                rest = b"".join(parts)
                self._done = True
                self._lines = [rest] if rest else []
                self._pos = 0
                self._rest = b""
                return
            if b"\n" not in chunk:
                parts.append(chunk)
                continue
            if parts:
                parts.append(chunk)
                chunk = b"".join(parts)
            lines = chunk.split(b"\n")
            self._rest = lines.pop()
            self._lines = lines
            self._pos = 0
            return

    def _event(self, line: bytes) -> WatchEvent:
        try:
            data = orjson.loads(line)
            kind = data["type"]
            obj = data["object"]
            etype = _TYPES.get(kind)
            if etype is None:
                if kind == "ERROR" and isinstance(obj, dict):
                    raise self._error(obj)
                raise ValueError(f"unknown event type {kind!r}")
            meta = obj["metadata"]
            rv = meta["resourceVersion"]
            if not isinstance(rv, str):
                raise ValueError("metadata.resourceVersion is not a string")
        except SourceError:
            raise
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            reason = f"malformed watch event ({type(exc).__name__}: {exc})"
            error = DecodeError(reason, resource=self._resource, line=line[:_KEEP])
            return WatchEvent(EventType.ERROR, error, self.last_rv)
        self.last_rv = rv
        if etype is EventType.BOOKMARK:
            annotations = meta.get("annotations")
            if annotations and annotations.get(INITIAL_EVENTS_END) == "true":
                return WatchEvent(EventType.BOOKMARK, None, rv, INITIAL_EVENTS_END)
            return WatchEvent(EventType.BOOKMARK, None, rv)
        return WatchEvent(etype, obj, rv)

    def _raw_event(self, line: bytes) -> WatchEvent:
        """Raw mode: the object's bytes as a :class:`~informer.RawObject`, undecoded.

        The usual layout is cut with two byte searches (the object's own decode into
        top-level parts still checks every byte of it is JSON); anything else goes
        through an envelope decoder that skips the object unread."""
        try:
            etype: EventType | None = None
            if line.startswith(_HEAD) and line.endswith(b"}"):
                cut = line.find(_OBJECT, 9)
                if cut > 0:
                    etype = _RAW_TYPE_BYTES.get(line[9:cut])
                    data = line[cut + 11 : -1]
            if etype is None:
                envelope = _decode_envelope(line)
                etype = _RAW_TYPES.get(envelope.type)
                data = envelope.object
            if etype is not None:
                obj = RawObject.from_bytes(data)
                rv = obj.resource_version
                if rv is not None:
                    self.last_rv = rv
                    return WatchEvent(etype, obj, rv)
        except (msgspec.DecodeError, ValueError):
            pass
        # anything unusual (bookmarks, errors, malformed lines): the general path decides
        return self._event(line)
