"""An in-memory list/watch server and a Source for it: the unit-test oracle of the core.

It keeps Kubernetes semantics where the reflector depends on them: a global
resourceVersion bumped by every write, list snapshots with continue tokens, watches that
replay history after a version and raise :class:`~informer.Expired` when that version is
older than the history kept. Faults are injected by calling methods: expire every watch,
drop every watch, inject a garbage line, fail the next N calls, expire continue tokens.

Objects are never mutated in place (each write makes a new dict), so the informer's store
can share them with the server safely.
"""

from __future__ import annotations

import collections
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import trio
from informer import (
    INITIAL_EVENTS_END,
    ContinueExpired,
    DecodeError,
    EventType,
    Expired,
    ListPage,
    ResourceType,
    WatchEvent,
)

RESOURCE = ResourceType(
    name="widgets.test.informer.dev", kind="Widget", group="test.informer.dev", plural="widgets"
)


def make(name: str, namespace: str = "default", rv: int = 0, **spec: Any) -> dict[str, Any]:
    return {
        "kind": "Widget",
        "metadata": {"name": name, "namespace": namespace, "resourceVersion": str(rv), "uid": f"uid-{name}"},
        "spec": dict(spec),
    }


class _Stop:
    """Sentinel pushed to a watch: raise ``exc`` (or end the stream when None)."""

    def __init__(self, exc: BaseException | None) -> None:
        self.exc = exc


class FakeServer:
    def __init__(self, *, history: int = 10_000) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.rv = 1
        self.history: collections.deque[WatchEvent] = collections.deque(maxlen=history)
        #: events before this RV are gone (watch from older -> Expired)
        self.compacted = 1
        self.watchers: set[trio.MemorySendChannel[Any]] = set()
        self.fail_next: list[BaseException] = []
        self.expire_continue = False
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []
        self.support_watch_list = True
        self.never_end_initial = False
        self._uids = itertools.count()
        self._tokens: dict[str, tuple[list[tuple[str, dict[str, Any]]], str]] = {}

    # -- writes ------------------------------------------------------------------------

    def _emit(self, ev: WatchEvent) -> None:
        self.history.append(ev)
        if len(self.history) == self.history.maxlen:
            self.compacted = int(self.history[0].resource_version) - 1
        for ch in list(self.watchers):
            ch.send_nowait(ev)

    def put(self, key: str, **spec: Any) -> dict[str, Any]:
        namespace, _, name = key.rpartition("/")
        self.rv += 1
        obj = make(name, namespace, self.rv, **spec)
        existed = key in self.objects
        self.objects[key] = obj
        self._emit(WatchEvent(EventType.MODIFIED if existed else EventType.ADDED, obj, str(self.rv)))
        return obj

    def delete(self, key: str) -> None:
        old = self.objects.pop(key)
        self.rv += 1
        gone = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self.rv)}}
        self._emit(WatchEvent(EventType.DELETED, gone, str(self.rv)))

    def bookmark(self) -> None:
        ev = WatchEvent(EventType.BOOKMARK, {"metadata": {"resourceVersion": str(self.rv)}}, str(self.rv))
        for ch in list(self.watchers):
            ch.send_nowait(ev)

    # -- faults ------------------------------------------------------------------------

    def expire_watches(self) -> None:
        """Forget all history and fail every open watch with Expired (a compaction)."""
        self.history.clear()
        self.compacted = self.rv
        for ch in list(self.watchers):
            ch.send_nowait(_Stop(Expired("too old resource version", status=410)))
        self.watchers.clear()  # what happens next is not on those streams

    def drop_watches(self) -> None:
        for ch in list(self.watchers):
            ch.send_nowait(_Stop(None))
        self.watchers.clear()  # a dropped connection loses what follows

    def garbage(self) -> None:
        err = DecodeError("not JSON", resource=RESOURCE.name, line=b"{garbage")
        for ch in list(self.watchers):
            ch.send_nowait(WatchEvent(EventType.ERROR, err, ""))

    # -- the source --------------------------------------------------------------------

    def source(self) -> FakeSource:
        return FakeSource(self)


class FakeSource:
    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.description = "fake://memory widgets"
        self.closed = False

    def _maybe_fail(self) -> None:
        if self.server.fail_next:
            raise self.server.fail_next.pop(0)

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> ListPage:
        server = self.server
        server.list_calls.append(
            {"resource_version": resource_version, "limit": limit, "continue": continue_token}
        )
        await trio.lowlevel.checkpoint()
        self._maybe_fail()
        if continue_token is not None:
            if server.expire_continue:
                server.expire_continue = False
                raise ContinueExpired("continue token expired", status=410)
            items, rv = server._tokens.pop(continue_token)
        else:
            items = sorted(server.objects.items())
            rv = str(server.rv)
        if limit is None or len(items) <= limit:
            page, rest = items, []
        else:
            page, rest = items[:limit], items[limit:]
        token = None
        if rest:
            token = f"t{next(server._uids)}"
            server._tokens[token] = (rest, rv)
        return ListPage(
            [(None, obj, obj["metadata"]["resourceVersion"]) for _, obj in page], rv, token, len(rest) or None
        )

    @asynccontextmanager
    async def watch(
        self, *, resource_version: str, timeout_seconds: int | None, send_initial_events: bool = False
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        server = self.server
        server.watch_calls.append(
            {"resource_version": resource_version, "send_initial_events": send_initial_events}
        )
        await trio.lowlevel.checkpoint()
        self._maybe_fail()
        send, recv = trio.open_memory_channel[Any](float("inf"))
        if send_initial_events:
            if not server.support_watch_list:
                raise NotImplementedError("fake: no streaming lists")
            for _, obj in sorted(server.objects.items()):
                send.send_nowait(WatchEvent(EventType.ADDED, obj, obj["metadata"]["resourceVersion"]))
            if not server.never_end_initial:
                send.send_nowait(WatchEvent(EventType.BOOKMARK, {}, str(server.rv), INITIAL_EVENTS_END))
        else:
            since = int(resource_version)
            if since < server.compacted:
                raise Expired(f"too old resource version: {since} ({server.compacted})", status=410)
            for ev in server.history:
                if int(ev.resource_version) > since:
                    send.send_nowait(ev)
        server.watchers.add(send)
        try:
            yield self._events(recv)
        finally:
            server.watchers.discard(send)

    async def _events(self, recv: trio.MemoryReceiveChannel[Any]) -> AsyncIterator[WatchEvent]:
        async for item in recv:
            if isinstance(item, _Stop):
                if item.exc is not None:
                    raise item.exc
                return
            yield item

    async def aclose(self) -> None:
        self.closed = True


class Recorder:
    """A handler that records what it was told and checks the add/update/delete contract."""

    def __init__(self, name: str = "recorder") -> None:
        self.name = name
        self.seen: list[tuple[str, str, Any]] = []
        self.state: dict[str, Any] = {}
        self.violations: list[str] = []

    def on_notification(self, n: Any) -> None:
        t = n.type.value
        self.seen.append((t, n.key, n))
        if t == "ADDED":
            if n.key in self.state:
                self.violations.append(f"ADDED twice: {n.key}")
            self.state[n.key] = n.object
        elif t == "MODIFIED":
            if n.key not in self.state:
                self.violations.append(f"MODIFIED unknown: {n.key}")
            self.state[n.key] = n.object
        else:
            if n.key not in self.state:
                self.violations.append(f"DELETED unknown: {n.key}")
            self.state.pop(n.key, None)


def replay(seen: list[tuple[str, str, Any]]) -> dict[str, Any]:
    """The state a handler history describes, replayed from empty."""
    state: dict[str, Any] = {}
    for t, key, n in seen:
        if t == "DELETED":
            state.pop(key, None)
        else:
            state[key] = n.object
    return state


async def until(predicate: Any, limit: float = 20.0, poll: float = 0.005) -> None:
    """Poll ``predicate`` until true (the states tested have no event to wait on); fail after ``limit`` s."""
    with trio.fail_after(limit):
        while not predicate():  # noqa: ASYNC110
            await trio.sleep(poll)


def contents(informer: Any) -> dict[str, Any]:
    return dict(informer.store.items())


async def settle(
    informer: Any, server: FakeServer, *_: Any, handlers: bool = True, limit: float = 20.0
) -> None:
    """Wait until the informer's store equals the server and (unless ``handlers=False``)
    every handler has caught up."""

    def idle() -> bool:
        return not handlers or all(reg.backlog == 0 and not reg._busy for reg in informer.handlers)

    with trio.fail_after(limit):
        while True:
            if informer.synced and contents(informer) == server.objects and idle():
                await trio.sleep(0.01)  # let in-flight deliveries land
                if contents(informer) == server.objects and idle():
                    return
            await trio.sleep(0.005)
