"""The etcd source: a key prefix listed and watched through etcd's v3 JSON gateway.

A resource type is a key prefix (:attr:`informer.ResourceType.prefix`). Its objects are the
values of the keys under the prefix; an object's key in the cache is the etcd key minus
the prefix; its resource version is the key's ``mod_revision``; the collection's resource
version is the store revision. How that maps onto the informer's list + watch:

List. A consistent snapshot of a prefix, paged: the first range is sent without a
revision and answers at the store's current revision R (``header.revision``); every
further page is pinned to ``revision: R`` and starts at the last key plus ``"\\0"``. The
continue token carries that next key and R. If etcd compacted past R before the list
finished, the pinned range fails and :class:`~informer.ContinueExpired` tells the
reflector to start over.

Watch. ``start_revision`` is inclusive, the informer's resource version exclusive, so a
watch "after R" starts at R + 1. The watch asks for ``prev_kv`` (a DELETE then carries the
last value), ``progress_notify`` (an empty message saying "everything up to revision N was
delivered", which becomes a BOOKMARK). With the ``fragment`` option, large messages arrive in
pieces of about 1.5 MiB that are concatenated here; it is off by default because etcd 3.4
fragments slowly (a replay runs about four times slower), and without it a replay of
txn-written history may be one JSON line of many megabytes, which the line reader takes in
its stride. A PUT with ``version == 1`` created the key (ADDED),
any other PUT is MODIFIED. A watch whose start revision was compacted is cancelled by the
server with ``compact_revision``: that raises :class:`~informer.Expired`, and the reflector
relists and diffs, which turns keys deleted meanwhile into deletions.

A known gap of etcd itself: a watch that starts exactly at the compaction revision C is
accepted, but a DELETE that happened at C is not delivered (compaction drops tombstones at
or below C). It takes a disconnection, a compaction and a delete all landing on the
revision right after the last one seen; the next relist repairs it.

The end of a watch. etcd never ends a watch by itself. When the server shuts down the
stream gets an ``{"error": ...}`` line, and a crashed server leaves a broken chunked body;
both raise, so the reflector backs off and re-watches from the last revision it saw. The
``timeout_seconds`` the reflector asks for is applied here, client side: when it passes
the iterator simply ends, like a Kubernetes watch whose server-side timeout expired.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import httpx
import orjson
import trio
from informer import (
    ConfigError,
    ConnectFailed,
    ContinueExpired,
    DecodeError,
    EventType,
    Expired,
    Forbidden,
    ListPage,
    ResourceType,
    Scope,
    SourceSpec,
    Unauthorized,
    WatchEvent,
)

from ._connection import EtcdConnection, stream_error
from ._lines import LineReader
from ._options import EtcdOptions
from ._wire import b64, prefix_range_end, unb64

__all__ = ["EtcdSource", "create_source"]

logger = logging.getLogger("informer.etcd")

_ADDED = EventType.ADDED
_MODIFIED = EventType.MODIFIED
_DELETED = EventType.DELETED


def create_source(spec: SourceSpec) -> EtcdSource:
    """The source factory the ``etcd`` plugin contributes (``informer_etcd.source:create_source``)."""
    return EtcdSource(spec.resource, spec.options, scope=spec.scope)


def _encode_continue(next_key: bytes, revision: int) -> str:
    raw = orjson.dumps({"k": b64(next_key), "r": revision})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode_continue(token: str) -> tuple[bytes, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        return unb64(data["k"]), int(data["r"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ContinueExpired(f"etcd source: unreadable continue token {token!r:.80}: {exc}") from exc


class EtcdSource:
    """List + watch of one key prefix (see the module docstring for the mapping).

    ``options`` are the source options (:data:`informer_etcd.OPTIONS_SCHEMA`); pass
    ``connection`` to share one HTTP client and auth token among several prefixes.
    ``scope.namespace`` narrows the prefix to ``prefix + namespace + "/"`` (the layout
    Kubernetes itself uses in etcd), keeping keys relative to the resource's prefix.
    """

    def __init__(
        self,
        resource: ResourceType,
        options: Any = None,
        *,
        scope: Scope | None = None,
        connection: EtcdConnection | None = None,
    ) -> None:
        if resource.prefix is None:
            raise ConfigError(f"etcd source: resource type {resource.name!r} has no key prefix")
        scope = scope or Scope()
        if scope.label_selector or scope.field_selector:
            raise ConfigError(
                f"etcd source: resource {resource.name!r}: etcd has no label or field selectors "
                "(narrow the prefix instead)"
            )
        self.resource = resource
        self._own_connection = connection is None
        if connection is None:
            connection = EtcdConnection(EtcdOptions.parse(options or {}))
        self.connection = connection
        self.prefix = resource.prefix.encode("utf-8")
        start = self.prefix + (scope.namespace.encode("utf-8") + b"/" if scope.namespace else b"")
        self._start = start if start else b"\0"
        self._range_end = prefix_range_end(start)
        self._key_b64 = b64(self._start)
        self._range_end_b64 = b64(self._range_end)
        self._page_size = connection.options.page_size
        self._cut = len(self.prefix)
        self.description = f"{connection.url} {resource.prefix or '(all keys)'}"

    def key_of(self, raw_key: bytes) -> str:
        """The cache key of an etcd key: the key minus the resource prefix."""
        return raw_key[self._cut :].decode("utf-8", "backslashreplace")

    # -- list ------------------------------------------------------------------------

    async def list(
        self,
        *,
        resource_version: str | None,
        limit: int | None,
        continue_token: str | None,
    ) -> ListPage:
        """One page of the prefix; all pages of one list are read at one revision.

        ``resource_version`` only matters on the first page: ``"0"`` (any version) is a
        serializable read from the member we talk to; anything else is a linearizable
        read, which is never older than any version asked for.
        """
        body: dict[str, Any] = {"key": self._key_b64, "range_end": self._range_end_b64}
        # The page_size option overrides the informer's page size, but never turns an
        # unpaged request (limit=None: "everything at once", the reflector's answer to
        # an expired continue token) into a paged one.
        page_size = (self._page_size or limit) if limit else None
        if page_size:
            body["limit"] = page_size
        pinned: int | None = None
        if continue_token:
            start, pinned = _decode_continue(continue_token)
            body["key"] = b64(start)
            body["revision"] = pinned
        elif resource_version == "0":
            body["serializable"] = True
        try:
            data = await self.connection.call("/v3/kv/range", body)
        except ContinueExpired:
            raise
        except Expired as exc:
            if pinned is not None:
                raise ContinueExpired(
                    f"{exc.message} — revision {pinned} of this list was compacted before it finished",
                    status=410,
                ) from exc
            raise
        revision = pinned if pinned is not None else int(data.get("header", {}).get("revision", 0))
        cut = self._cut
        items: list[tuple[str | None, Any, str]] = []
        last_key = b""
        for kv in data.get("kvs", ()):
            last_key = unb64(kv.get("key"))
            items.append(
                (
                    last_key[cut:].decode("utf-8", "backslashreplace"),
                    unb64(kv.get("value")),
                    kv.get("mod_revision", "0"),
                )
            )
        token: str | None = None
        remaining: int | None = None
        if data.get("more") and items:
            token = _encode_continue(last_key + b"\0", revision)
            remaining = max(int(data.get("count", 0)) - len(items), 0)
        return ListPage(items, str(revision), token, remaining)

    # -- watch -----------------------------------------------------------------------

    @asynccontextmanager
    async def watch(
        self,
        *,
        resource_version: str,
        timeout_seconds: int | None,
        send_initial_events: bool = False,
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        """Events after ``resource_version`` (an etcd revision), until ``timeout_seconds``."""
        if send_initial_events:
            raise NotImplementedError("etcd source: streaming lists are not supported; list, then watch")
        try:
            after = int(resource_version)
        except ValueError:
            raise Expired(f"etcd source: {resource_version!r} is not an etcd revision; relisting") from None
        deadline = trio.current_time() + timeout_seconds if timeout_seconds else math.inf
        streams = _Streams(self.connection)
        try:
            await streams.open(self._watch_body(after + 1))
            events = self._events(streams, str(after), deadline)
            try:
                yield events
            finally:
                await events.aclose()
        finally:
            await streams.aclose()

    def _watch_body(self, start_revision: int) -> dict[str, Any]:
        return {
            "create_request": {
                "key": self._key_b64,
                "range_end": self._range_end_b64,
                "start_revision": start_revision,
                "prev_kv": True,
                "progress_notify": True,
                "fragment": self.connection.options.fragment,
            }
        }

    async def _events(
        self, streams: _Streams, last_rv: str, deadline: float
    ) -> AsyncGenerator[WatchEvent, None]:
        url = streams.url
        reader = LineReader(streams.response.aiter_raw())
        fragments: list[Any] = []
        cut = self._cut
        keepalive = self.connection.options.keepalive_seconds or math.inf
        quiet_at = trio.current_time() + keepalive
        reopened = False
        auth_retried = False
        while True:
            line: bytes | None = None
            with trio.move_on_at(min(deadline, quiet_at)):
                try:
                    line = await reader.readline()
                except httpx.TransportError as exc:
                    # A crashed member leaves a broken chunked body.
                    self.connection.mark_failed(url)
                    raise ConnectFailed(f"watch on {url} broke: {exc or type(exc).__name__}") from exc
            now = trio.current_time()
            if line is None:
                if now < deadline and now >= quiet_at:
                    # Silent for keepalive_seconds: an idle prefix, or a dead link TCP has
                    # not noticed. Re-create the watch from where we are (nothing is lost:
                    # half-received fragments are sent again) and tell the reflector the
                    # link is alive with a bookmark at the unchanged revision.
                    logger.debug("%s: watch silent for %gs; re-creating it", self.description, keepalive)
                    await streams.open(self._watch_body(int(last_rv) + 1))
                    url = streams.url
                    reader = LineReader(streams.response.aiter_raw())
                    fragments = []
                    reopened = True
                    quiet_at = now + keepalive
                    continue
                # The server ended the stream, or timeout_seconds passed: a clean end.
                return
            quiet_at = now + keepalive
            try:
                message = orjson.loads(line)
                result = message.get("result")
            except (orjson.JSONDecodeError, AttributeError) as exc:
                yield WatchEvent(
                    EventType.ERROR,
                    DecodeError(
                        f"etcd watch on {url}: unparseable line: {exc}",
                        resource=self.resource.name,
                        line=line,
                    ),
                    last_rv,
                )
                continue
            if result is None:
                error = message.get("error")
                if isinstance(error, dict):
                    raise stream_error(url, "/v3/watch", error)
                yield WatchEvent(
                    EventType.ERROR,
                    DecodeError(
                        f"etcd watch on {url}: message without result", resource=self.resource.name, line=line
                    ),
                    last_rv,
                )
                continue
            if result.get("canceled"):
                if (
                    not auth_retried
                    and self.connection.options.username is not None
                    and "Unauthenticated" in result.get("cancel_reason", "")
                ):
                    # Our token expired (simple tokens die after 5 idle minutes, and an
                    # open watch does not keep one alive): fetch another, watch again.
                    auth_retried = True
                    logger.info("%s: auth token expired; authenticating again", self.description)
                    self.connection.token_rejected()
                    await streams.open(self._watch_body(int(last_rv) + 1))
                    url = streams.url
                    reader = LineReader(streams.response.aiter_raw())
                    fragments = []
                    continue
                self._raise_canceled(url, result)
            events = result.get("events")
            if events:
                if result.get("fragment"):
                    fragments.extend(events)
                    continue
                if fragments:
                    fragments.extend(events)
                    events, fragments = fragments, []
                for ev in events:
                    try:
                        kv = ev["kv"]
                        rv = kv.get("mod_revision", "0")
                        key = unb64(kv["key"])[cut:].decode("utf-8", "backslashreplace")
                        if ev.get("type") == "DELETE":
                            prev = ev.get("prev_kv")
                            obj = unb64(prev.get("value")) if prev else None
                            out = WatchEvent(_DELETED, obj, rv, key)
                        else:
                            out = WatchEvent(
                                _ADDED if kv.get("version") == "1" else _MODIFIED,
                                unb64(kv.get("value")),
                                rv,
                                key,
                            )
                    except (KeyError, TypeError, AttributeError, ValueError, binascii.Error) as exc:
                        yield WatchEvent(
                            EventType.ERROR,
                            DecodeError(
                                f"etcd watch on {url}: malformed event: {exc!r}",
                                resource=self.resource.name,
                                line=orjson.dumps(ev),
                            ),
                            last_rv,
                        )
                        continue
                    last_rv = rv
                    yield out
            elif result.get("created"):
                auth_retried = False
                if reopened:
                    reopened = False
                    yield WatchEvent(EventType.BOOKMARK, None, last_rv)
            elif result.get("watch_id") != "-1":
                # Progress notification: every change up to this revision was delivered.
                revision = result.get("header", {}).get("revision")
                if revision:
                    last_rv = revision
                    yield WatchEvent(EventType.BOOKMARK, None, revision)

    def _raise_canceled(self, url: str, result: dict[str, Any]) -> None:
        compacted = result.get("compact_revision")
        reason = result.get("cancel_reason", "")
        where = f"etcd at {url} (/v3/watch {self.resource.prefix!r})"
        if compacted:
            raise Expired(f"{where}: revision compacted (compact_revision {compacted})", status=410)
        if "Unauthenticated" in reason or "user name is empty" in reason or "auth token" in reason:
            self.connection.token_rejected()
            raise Unauthorized(f"{where}: watch refused: {reason}", status=401)
        if "PermissionDenied" in reason or "permission denied" in reason:
            raise Forbidden(f"{where}: not allowed to watch this prefix: {reason}", status=403)
        raise ConnectFailed(f"{where}: watch cancelled by the server: {reason or 'no reason given'}")

    async def aclose(self) -> None:
        if self._own_connection:
            await self.connection.aclose()


class _Streams:
    """The watch stream currently open (a watch may re-create its stream, see keepalive)."""

    def __init__(self, connection: EtcdConnection) -> None:
        self.connection = connection
        self._stack = AsyncExitStack()
        self.url = ""
        self._response: httpx.Response | None = None

    @property
    def response(self) -> httpx.Response:
        assert self._response is not None
        return self._response

    async def open(self, body: dict[str, Any]) -> None:
        """Close the current stream (closing is what cancels an etcd watch), open another."""
        await self.aclose()
        self.url, self._response = await self._stack.enter_async_context(
            self.connection.stream("/v3/watch", body)
        )

    async def aclose(self) -> None:
        self._response = None
        await self._stack.aclose()
