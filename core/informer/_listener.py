"""Delivering notifications to handlers: one task and one buffer per handler.

Why a task per handler
----------------------
The reflector must never wait for user code: if it did, one slow handler would stall the
watch, the server would eventually drop it, and every other handler would see stale data.
So the reflector only *appends* to each handler's buffer (a synchronous, allocation-light
operation) and each handler drains its own buffer in its own trio task. A handler that
sleeps 50 ms per event grows its own backlog and delays nobody else. This is client-go's
``processorListener`` with its unbounded ring buffer, minus the goroutine pair: trio's
cooperative scheduling lets one task both wait for work and run the handler.

Backlog policies
----------------
``UNBOUNDED`` (the default, like client-go) keeps every notification in order: memory grows
with the backlog of a handler that cannot keep up.

``COALESCE`` keeps at most the latest pending state per key, so memory is bounded by the
number of keys, and the handler skips intermediate states it was too slow to see. The
difficulty is preserving the *contract* a handler relies on — it is never told about an
update or a delete of a key it was not told was added, and never told "added" twice —
while dropping notifications. The trick is to merge each new notification into the
pending one for its key, reasoning about what the handler has been told so far:

=================  ==============  ============================================
pending            new             pending after merge
=================  ==============  ============================================
ADDED(a)           MODIFIED(b)     ADDED(b)        (handler never saw a)
ADDED(a)           DELETED         nothing         (never existed for it)
MODIFIED(o→a)      MODIFIED(b)     MODIFIED(o→b)   (o is what it last saw)
MODIFIED(o→a)      DELETED(d)      DELETED(d)
DELETED(d)         ADDED(b)        DELETED(d), ADDED(b)   (a re-creation is two facts)
DELETED, ADDED(a)  MODIFIED(b)     DELETED(d), ADDED(b)
DELETED, ADDED(a)  DELETED         DELETED(d)
=================  ==============  ============================================

Because the informer's own sequence per key is consistent (it is derived from the store:
add, then updates, then delete), each row keeps it consistent from the handler's point of
view. Pending entries live in an ``OrderedDict`` so keys are delivered in the order they
first became pending (O(1) to pop the oldest).

Cancellation
------------
Removing a handler or stopping its informer cancels the handler's task, including an
``await`` inside an async handler. A ``blocking=True`` handler runs in a worker thread via
``trio.to_thread.run_sync``; a thread cannot be interrupted, so cancellation waits for the
call in progress to return.
"""

from __future__ import annotations

import collections
import enum
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

import attrs
import trio

from ._events import EventType
from ._stats import LatencyHistogram

__all__ = ["BacklogPolicy", "FunctionHandler", "HandlerRegistration", "Notification"]

log = logging.getLogger("informer")

_ADDED = EventType.ADDED
_MODIFIED = EventType.MODIFIED
_DELETED = EventType.DELETED

#: a sync handler runs this many notifications back to back before yielding to other tasks
_BATCH = 64


class Notification(NamedTuple):
    """One change as a handler sees it.

    ``type`` is ADDED, MODIFIED or DELETED. ``object`` is the new state (for DELETED, the
    last state known: the server's if it sent one, else the cache's). ``old`` is the
    previous state for MODIFIED (``None`` otherwise). ``initial`` is true for the ADDED
    notifications of the first list and of the replay a handler gets when it joins late.
    ``final_state_unknown`` is true for a DELETED found by a relist (the key vanished
    while the watch was down, so ``object`` is the last state seen, not the final one:
    client-go's ``DeletedFinalStateUnknown``). ``received`` is the ``time.perf_counter()``
    at which the informer received the change (for latency measurements).
    """

    type: EventType
    key: str
    object: Any
    old: Any = None
    resource_version: str = ""
    initial: bool = False
    final_state_unknown: bool = False
    received: float = 0.0


class BacklogPolicy(enum.Enum):
    """What a handler's buffer does when the handler falls behind."""

    #: keep every notification, in order (memory grows with the backlog)
    UNBOUNDED = "unbounded"
    #: keep only the latest pending state per key (memory bounded by the number of keys)
    COALESCE = "coalesce"


@attrs.define(slots=True)
class FunctionHandler:
    """Build a handler from plain functions (any subset; sync or async).

    >>> seen = []
    >>> h = FunctionHandler(on_add=lambda obj, initial: seen.append(obj))
    """

    on_add: Callable[[Any, bool], Any] | None = None
    on_update: Callable[[Any, Any], Any] | None = None
    on_delete: Callable[[Any], Any] | None = None


def _is_async(fn: Any) -> bool:
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))  # noqa: B004


def handler_name(handler: Any) -> str:
    name = getattr(handler, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__


class HandlerRegistration:
    """One handler attached to one informer: its task, its buffer, its counters.

    Returned by :meth:`Informer.add_handler`; pass it to :meth:`Informer.remove_handler`.
    ``backlog`` is the number of notifications waiting; ``errors`` how many times the
    handler raised; ``delivered`` how many notifications it has processed; ``latency``
    the time from the informer receiving a change to the handler returning from it.
    """

    def __init__(
        self,
        handler: Any,
        *,
        name: str | None = None,
        policy: BacklogPolicy = BacklogPolicy.UNBOUNDED,
        blocking: bool = False,
        informer_name: str = "",
        on_error: Callable[[], None] | None = None,
    ) -> None:
        self.handler = handler
        self.name = name or handler_name(handler)
        self.policy = policy
        self.blocking = blocking
        self.informer_name = informer_name
        self.errors = 0
        self.delivered = 0
        self.initial_pending = 0
        self.latency = LatencyHistogram()
        self.last_error: str | None = None
        self._on_error = on_error
        self._on_notification = getattr(handler, "on_notification", None)
        self._on_add = getattr(handler, "on_add", None)
        self._on_update = getattr(handler, "on_update", None)
        self._on_delete = getattr(handler, "on_delete", None)
        if not (self._on_notification or self._on_add or self._on_update or self._on_delete):
            raise TypeError(
                f"handler {self.name!r} has none of on_add, on_update, on_delete, on_notification"
            )
        if blocking:
            asyncs = [
                m
                for m in ("on_notification", "on_add", "on_update", "on_delete")
                if _is_async(getattr(handler, m, None))
            ]
            if asyncs:
                raise TypeError(
                    f"handler {self.name!r}: blocking=True runs methods in a thread, "
                    f"but {', '.join(asyncs)} is async"
                )
        self._queue: collections.deque[Notification] = collections.deque()
        self._pending: collections.OrderedDict[str, list[Notification]] = collections.OrderedDict()
        self._count = 0  # notifications pending under COALESCE
        self._coalesce = policy is BacklogPolicy.COALESCE
        self._lot = trio.lowlevel.ParkingLot()
        self._idle_lot = trio.lowlevel.ParkingLot()
        self._waiting = False
        self._busy = False
        self._closed = False
        self._scope: trio.CancelScope | None = None
        self._done = trio.Event()

    # -- public view -----------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """Notifications waiting for this handler."""
        return self._count if self._coalesce else len(self._queue)

    @property
    def synced(self) -> bool:
        """True once every ``initial`` notification queued so far has been handled."""
        return self.initial_pending == 0

    @property
    def active(self) -> bool:
        return not self._closed

    async def wait_synced(self) -> None:
        """Wait until every ``initial`` notification queued so far has been handled.

        After ``await informer.wait_synced()``, this waits for the handler to have seen
        the whole initial contents (client-go's per-handler ``HasSynced``).
        """
        while self.initial_pending and not self._closed:
            await self._idle_lot.park()

    async def wait_idle(self) -> None:
        """Wait until the buffer is empty and no call is in progress."""
        while (self.backlog or self._busy) and not self._closed:
            await self._idle_lot.park()

    def __repr__(self) -> str:
        return (
            f"<HandlerRegistration {self.name!r} on {self.informer_name!r} policy={self.policy.value} "
            f"backlog={self.backlog} errors={self.errors}>"
        )

    # -- producer side (called by the informer, synchronously) -----------------------

    def push(self, n: Notification) -> None:
        if self._closed:
            return
        if n.initial:
            self.initial_pending += 1
        if self._coalesce:
            self._merge(n)
        else:
            self._queue.append(n)
        if self._waiting:
            self._waiting = False
            self._lot.unpark()

    def _merge(self, n: Notification) -> None:
        pending = self._pending
        entry = pending.get(n.key)
        if entry is None:
            pending[n.key] = [n]
            self._count += 1
            return
        t = n.type
        first = entry[0]
        if len(entry) == 1:
            ft = first.type
            if ft is _ADDED:
                if t is _DELETED:
                    del pending[n.key]
                    self._count -= 1
                    if first.initial:
                        self.initial_pending -= 1
                else:
                    entry[0] = n._replace(
                        type=_ADDED, old=None, initial=first.initial, received=first.received
                    )
            elif ft is _MODIFIED:
                if t is _DELETED:
                    entry[0] = n._replace(received=first.received)
                else:
                    entry[0] = n._replace(type=_MODIFIED, old=first.old, received=first.received)
            elif t is not _DELETED:  # pending DELETED, then a re-creation
                entry.append(n._replace(type=_ADDED, old=None))
                self._count += 1
        else:  # [DELETED, ADDED]
            second = entry[1]
            if t is _DELETED:
                entry.pop()
                self._count -= 1
                if second.initial:
                    self.initial_pending -= 1
            else:
                entry[1] = n._replace(type=_ADDED, old=None, initial=second.initial, received=second.received)
        if n.initial:
            # the new notification was folded into an existing one: it is no longer pending
            self.initial_pending -= 1

    def _pop(self) -> Notification | None:
        if not self._coalesce:
            return self._queue.popleft() if self._queue else None
        pending = self._pending
        if not pending:
            return None
        key, entry = next(iter(pending.items()))
        n = entry.pop(0)
        if not entry:
            del pending[key]
        self._count -= 1
        return n

    # -- consumer side (the listener task) -------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Drain the buffer forever (until cancelled by removal or informer stop)."""
        try:
            with trio.CancelScope() as self._scope:
                task_status.started()
                batch = 0
                while True:
                    n = self._pop()
                    if n is None:
                        batch = 0
                        self._idle_lot.unpark_all()
                        self._waiting = True
                        await self._lot.park()
                        continue
                    self._busy = True
                    try:
                        if self.blocking:
                            failure = await trio.to_thread.run_sync(self._call_in_thread, n)
                            if failure is not None:
                                self._failed(n, failure)
                        else:
                            result = self._call(n)
                            if result is not None and inspect.isawaitable(result):
                                await self._finish(result, n)
                            else:
                                batch += 1
                                if batch >= _BATCH:
                                    batch = 0
                                    self._busy = False
                                    await trio.lowlevel.checkpoint()
                    except Exception as exc:  # the handler raised synchronously
                        self._failed(n, exc)
                    finally:
                        self._busy = False
                    self.delivered += 1
                    if n.initial:
                        self.initial_pending -= 1
                        if not self.initial_pending:
                            self._idle_lot.unpark_all()
                    self.latency.observe(time.perf_counter() - n.received)
        finally:
            self._closed = True
            self._idle_lot.unpark_all()
            self._done.set()

    async def _finish(self, result: Awaitable[Any], n: Notification) -> None:
        try:
            await result
        except Exception as exc:
            self._failed(n, exc)

    def _call(self, n: Notification) -> Any:
        if self._on_notification is not None:
            return self._on_notification(n)
        t = n.type
        if t is _ADDED:
            fn = self._on_add
            return fn(n.object, n.initial) if fn is not None else None
        if t is _MODIFIED:
            fn = self._on_update
            return fn(n.old, n.object) if fn is not None else None
        fn = self._on_delete
        return fn(n.object) if fn is not None else None

    def _call_in_thread(self, n: Notification) -> Exception | None:
        # Runs in a worker thread: touch no shared state here, report back instead.
        try:
            self._call(n)
        except Exception as exc:
            return exc
        return None

    def _failed(self, n: Notification, exc: BaseException) -> None:
        self.errors += 1
        self.last_error = f"{type(exc).__name__}: {exc}"
        if self._on_error is not None:
            self._on_error()
        log.error(
            "%s: handler %r raised on %s %s: %s",
            self.informer_name,
            self.name,
            n.type.value,
            n.key,
            self.last_error,
            exc_info=exc,
        )

    def close(self) -> None:
        """Stop delivering: cancel the task and drop the buffer."""
        self._closed = True
        self._queue.clear()
        self._pending.clear()
        self._count = 0
        if self._scope is not None:
            self._scope.cancel()
        self._idle_lot.unpark_all()

    async def wait_closed(self) -> None:
        await self._done.wait()
