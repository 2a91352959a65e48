"""The list-then-watch loop of one informer (client-go's Reflector), and the per-event hot path.

The loop
--------
::

    list (paged) ──► watch from the list's resourceVersion ──► stream ends ──► watch again
       ▲                         │ Expired                         from the last RV seen
       └─────────────────────────┘ (relist)

* The first list asks for resourceVersion ``"0"`` (any version: the server may answer from
  a cache, cheaply). Later lists ask for the last version seen ("not older than"), and
  for ``None`` (a consistent, most-recent read) once a list itself was answered with
  :class:`~informer.Expired` — never ``"0"`` again, which could travel back in time.
* Pages of ``page_size`` are followed with their continue token. If a token expires
  mid-list (:class:`~informer.ContinueExpired`), the list is redone as ONE unpaged request
  rather than restarted page by page, which could expire again forever on a busy server.
* A watch event or BOOKMARK advances the resume point; a stream that ends cleanly
  (server timeout, ``timeoutSeconds`` random in [300, 600] so a fleet does not reconnect
  in lockstep) is reopened from there without a relist.
* :class:`~informer.Expired` means the resume point fell out of the server's history: relist.
* A watch event that cannot be applied (a malformed line, an object the decoder or the
  key function refuses) is logged, counted and skipped — and remembered: when that watch
  ends, the reflector relists (at the last version) instead of only re-watching, so the
  skipped change is repaired at the next reconnect rather than at the next 410.
* Every other error backs off with full jitter (:class:`~informer._backoff.Backoff`,
  honouring ``retry_after``) and retries the step that failed (a failed watch is retried
  as a watch from the same version, not as a relist).
* A *read-idle timeout* guards against the failure TCP does not report: a stream that
  stays open but silent (a half-dead load balancer, a suspended peer). The watch runs in a
  trio cancel scope whose deadline moves forward as events arrive; if nothing (not even a
  bookmark) arrives for ``idle_timeout`` seconds the scope cancels the read and the watch
  is reopened. The deadline is moved at most every few percent of the timeout, because
  setting a deadline touches trio's deadline heap and this is the per-event path.

Streaming lists
---------------
With ``watch_list=True`` the first step is a watch with ``send_initial_events``: the server
streams the current state as ADDED events and marks the end with a BOOKMARK whose key is
:data:`~informer.INITIAL_EVENTS_END`; the same stream then carries live changes. client-go
waits for that bookmark indefinitely; a server that accepts the request but never sends
the bookmark would leave the informer unsynced forever. We give it ``watch_list_timeout``
seconds, then fall back to plain list+watch for the rest of the informer's life.

Relist as a diff
----------------
A relist is applied to the store as it arrives, page by page, with the rules:
new key → add (ADDED); known key with a different resourceVersion → update (MODIFIED,
with the old object); same resourceVersion → nothing (the cached object is kept, not
even re-indexed); keys not seen in the whole list → delete with the last known object
and ``final_state_unknown=True``. Handlers therefore see only real differences.

One writer
----------
This task is the only writer of the store. Each event is applied and fanned out to the
handler buffers in one synchronous step (no ``await`` between "store changed" and
"handlers told"), so the order handlers observe is exactly the order of the store.
"""

from __future__ import annotations

import gc
import logging
import math
import random
import time
from collections.abc import Callable
from typing import Any

import trio

from ._backoff import Backoff
from ._events import INITIAL_EVENTS_END, EventType, WatchEvent
from ._exceptions import ContinueExpired, DecodeError, Expired, SourceError
from ._listener import HandlerRegistration, Notification
from ._source import Source
from ._stats import InformerStats
from ._store import Store

__all__ = ["Reflector", "describe_error"]

log = logging.getLogger("informer")

_ADDED = EventType.ADDED
_MODIFIED = EventType.MODIFIED
_DELETED = EventType.DELETED
_BOOKMARK = EventType.BOOKMARK
_ERROR = EventType.ERROR

#: a watch that ends within this many seconds without one event counts as a failure for backoff
_FAST_END = 1.0
#: with ``gc_freeze``: objects *added* between two freezes (bounds what a full GC pass
#: walks while the cache grows). Replacements do not count: each freeze first collects the
#: young generations, which walks every object stored since the last one (~12 µs per 4 KB
#: Pod). Paid per addition, that buys never walking the cache again; paid per update it made
#: the steady-state stream 30 % slower (58 vs 44 µs/event) — and there it buys little, since
#: when allocations and deallocations balance the collector seldom runs at all. Objects
#: that replaced frozen ones are frozen at the next list or the next 500 additions.
FREEZE_EVERY = 500
#: with handlers attached, the watch loop yields to them every this many events. A chunk
#: of the stream holds a dozen or more events; applied back to back, their notifications
#: keep every replaced object alive until the handlers get to run, which is enough to set
#: off the garbage collector's youngest generation on almost every chunk and promote those
#: soon-dead objects into the old generations, whose full passes then walk the whole cache.
#: Yielding every few events lets handlers release them while they are still young.
YIELD_EVERY = 2
#: the same for raw objects (``raw=True``): a notification then holds a small view over
#: bytes, not forty dicts, so dying young matters little and a yield — a round through
#: trio's scheduler — is the larger cost (measured: 2 -> 64 events per yield takes the
#: raw pipeline from ~31 to ~26 µs per event). The listener batches 64 calls likewise.
RAW_YIELD_EVERY = 64


def describe_error(exc: BaseException) -> str:
    """A one-line human description: ``"403 Forbidden: ..."``, ``"ConnectFailed: ..."``."""
    name = type(exc).__name__
    message = str(exc) or repr(exc)
    status = getattr(exc, "status", None)
    if isinstance(exc, SourceError) and status:
        return f"{status} {name}: {message}"
    return f"{name}: {message}"


class _IdleTimeout(Exception):
    pass


class _WatchListUnsupported(Exception):
    pass


class Reflector:
    """Runs list+watch for one informer and applies what it learns to the store.

    Not public: an :class:`~informer.Informer` builds and owns it. ``listeners`` is the
    informer's live list of handler registrations (mutated in place by the informer).
    """

    def __init__(
        self,
        *,
        name: str,
        source: Source,
        store: Store,
        stats: InformerStats,
        listeners: list[HandlerRegistration],
        key_of: Callable[[Any], str],
        decode: Callable[[Any], Any] | None,
        page_size: int | None,
        idle_timeout: float | None,
        watch_list: bool,
        watch_list_timeout: float,
        watch_timeout: tuple[int, int] = (300, 600),
        backoff: Backoff | None = None,
        on_synced: Callable[[], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        rng: random.Random | None = None,
        gc_freeze: bool = False,
        yield_every: int = YIELD_EVERY,
    ) -> None:
        self.name = name
        self.source = source
        self.store = store
        self.stats = stats
        self.listeners = listeners
        self.key_of = key_of
        self.decode = decode
        self.page_size = page_size if page_size else None
        self.idle_timeout = idle_timeout if idle_timeout and idle_timeout > 0 else None
        self.watch_list = watch_list
        self.watch_list_timeout = watch_list_timeout
        self.watch_timeout = watch_timeout
        self.backoff = backoff or Backoff()
        self._on_synced = on_synced
        self._on_error = on_error
        self._rng = rng or random.Random()
        #: resume point: the last resourceVersion seen (list, event or bookmark)
        self.resource_version: str | None = None
        self.synced = False
        #: the RV to ask the next list for: "0" first, then the last seen, None after a list 410
        self._list_rv: str | None = "0"
        self._lists = 0
        #: watch events skipped since the last list (malformed, undecodable, keyless)
        self._lost = 0
        #: stores left before the next gc.freeze(); None = never freeze
        self._freeze_countdown: int | None = FREEZE_EVERY if gc_freeze else None
        #: with handlers attached, yield to them every this many watch events (see YIELD_EVERY)
        self.yield_every = max(1, yield_every)

    # -- the loop ----------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until cancelled. Never returns; never raises (except Cancelled)."""
        need_list = True
        expired_in_a_row = 0
        while True:
            try:
                if need_list:
                    if self.watch_list:
                        listed_before = self._lists
                        try:
                            await self._list_by_watch()
                            # the stream that carried the list then ended: keep watching
                            need_list = False
                            expired_in_a_row = 0
                            continue
                        except _WatchListUnsupported as exc:
                            log.warning(
                                "%s: streaming list unavailable (%s); using list+watch", self.name, exc
                            )
                            self.watch_list = False
                        finally:
                            # Failed after the initial events were in: a re-watch will do
                            # (unless events were lost on the way: then a repair relist).
                            if self._lists != listed_before:
                                need_list = self._repair_needed()
                        if not need_list:
                            continue
                    await self._list()
                    need_list = False
                    expired_in_a_row = 0
                try:
                    await self._watch()
                finally:
                    need_list = self._repair_needed()
                expired_in_a_row = 0
            except Expired as exc:
                self._record(exc)
                need_list = True
                expired_in_a_row += 1
                if self.stats.listing or isinstance(exc, ContinueExpired):
                    # the *list* was refused as too old: the next one must be a fresh read
                    self._list_rv = None
                else:
                    self._list_rv = self.resource_version
                log.info("%s: %s; relisting", self.name, describe_error(exc))
                self.stats.listing = False
                if expired_in_a_row > 1:
                    await self._sleep_backoff(exc)
            except _IdleTimeout as exc:
                self._record(exc)
                self.stats.listing = False
                self.stats.idle_timeouts += 1
                self.stats.reconnects += 1
                log.warning("%s: %s; reconnecting", self.name, exc)
            except Exception as exc:
                self._record(exc)
                self.stats.listing = False
                if isinstance(exc, SourceError):
                    log.warning("%s: %s", self.name, describe_error(exc))
                else:
                    log.error("%s: unexpected error in list/watch", self.name, exc_info=exc)
                if not need_list:
                    self.stats.reconnects += 1
                await self._sleep_backoff(exc)

    def _repair_needed(self) -> bool:
        """After a watch that could not apply some events: relist (at the last version)
        rather than only re-watch, so skipped changes are repaired now, not whenever the
        server next expires our version."""
        if not self._lost:
            return False
        log.info(
            "%s: %d watch event(s) could not be applied; relisting to repair the cache", self.name, self._lost
        )
        self._lost = 0
        self._list_rv = self.resource_version
        self.stats.repair_relists += 1
        return True

    async def _sleep_backoff(self, exc: BaseException | None) -> None:
        retry_after = getattr(exc, "retry_after", None)
        delay = self.backoff.failure(trio.current_time(), retry_after)
        log.debug("%s: retrying in %.2fs", self.name, delay)
        await trio.sleep(delay)

    def _record(self, exc: BaseException) -> None:
        self.stats.last_error = describe_error(exc)
        self.stats.last_error_time = time.time()
        if self._on_error is not None:
            self._on_error(exc)

    # -- list --------------------------------------------------------------------------

    def _begin_list(self) -> float:
        """Reset the progress counters a live view shows while a list loads; returns the start time."""
        stats = self.stats
        stats.listing = True
        stats.list_pages = 0
        stats.list_objects = 0
        return time.perf_counter()

    async def _list(self) -> None:
        stats = self.stats
        started = self._begin_list()
        rv_asked = self._list_rv
        initial = not self.synced
        seen: set[str] = set()
        token: str | None = None
        limit = self.page_size
        while True:
            try:
                page = await self._with_idle_timeout(
                    self.source.list(resource_version=rv_asked, limit=limit, continue_token=token),
                    "list page",
                )
            except ContinueExpired:
                if token is None:
                    raise
                log.info(
                    "%s: continue token expired after %d pages; one unpaged list", self.name, stats.list_pages
                )
                token = None
                limit = None
                seen = set()
                continue
            apply = self._apply_listed
            for key, obj, rv in page.items:
                apply(key, obj, rv, seen, initial)
            stats.list_pages += 1
            stats.list_objects += len(page.items)
            if page.continue_token and limit is not None:
                token = page.continue_token
                continue
            list_rv = page.resource_version
            break
        self._finish_list(seen, list_rv)
        duration = time.perf_counter() - started
        stats.list_latency.observe(duration)
        stats.last_list_duration = duration

    def _finish_list(self, seen: set[str], list_rv: str) -> None:
        """Delete what the list did not mention; record the list as done."""
        store = self.store
        stats = self.stats
        if len(seen) != len(store):
            vanished = [k for k in store._items if k not in seen]
            now = time.perf_counter()
            for key in vanished:
                old = store.remove(key)
                if old is not None and self.listeners:
                    last = store.expand(old)
                    self._fan_out(Notification(_DELETED, key, last, None, list_rv, False, True, now))
        stats.listing = False
        stats.last_list_size = len(seen)
        if self._lists:
            stats.relists += 1
        self._lists += 1
        stats.lists_completed += 1
        self.resource_version = list_rv
        self._list_rv = list_rv
        stats.last_resource_version = list_rv
        stats.last_resource_version_time = time.time()
        self.backoff.success(trio.current_time())
        if self._freeze_countdown is not None:
            self._freeze()
        if not self.synced:
            self.synced = True
            stats.synced_at = time.time()
            if self._on_synced is not None:
                self._on_synced()

    def _apply_listed(self, key: str | None, obj: Any, rv: str, seen: set[str], initial: bool) -> None:
        decode = self.decode
        if decode is not None:
            try:
                obj = decode(obj)
            except Exception as exc:
                self._skip_decode(key, obj, exc)
                return
        if key is None:
            try:
                key = self.key_of(obj)
            except Exception as exc:
                self._skip_key(obj, exc)
                return
        seen.add(key)
        store = self.store
        if store._rvs.get(key) == rv:
            return
        old = store.put(key, obj, rv)
        if self._freeze_countdown is not None and old is None:
            self._count_for_freeze()  # additions only: see FREEZE_EVERY
        if self.listeners:
            if old is None:
                n = Notification(_ADDED, key, obj, None, rv, initial, False, time.perf_counter())
            else:
                old = store.expand(old)
                n = Notification(_MODIFIED, key, obj, old, rv, False, False, time.perf_counter())
            self._fan_out(n)

    # -- watch -------------------------------------------------------------------------

    async def _with_idle_timeout(self, awaitable: Any, what: str) -> Any:
        if self.idle_timeout is None:
            return await awaitable
        with trio.move_on_after(self.idle_timeout) as scope:
            return await awaitable
        assert scope.cancelled_caught
        raise _IdleTimeout(f"no answer to {what} within {self.idle_timeout:g}s")

    def _watch_timeout(self) -> int:
        lo, hi = self.watch_timeout
        return self._rng.randint(lo, hi)

    async def _watch(self) -> None:
        assert self.resource_version is not None
        stats = self.stats
        idle = self.idle_timeout
        started = time.perf_counter()
        count = 0
        with trio.CancelScope() as scope:
            if idle is not None:
                scope.deadline = trio.current_time() + idle
            async with self.source.watch(
                resource_version=self.resource_version, timeout_seconds=self._watch_timeout()
            ) as events:
                stats.watch_latency.observe(time.perf_counter() - started)
                stats.watches_started += 1
                apply = self.apply_event
                listeners = self.listeners
                checkpoint = trio.lowlevel.checkpoint
                # Move the deadline at most every 2% of the timeout (see module docstring).
                slack = idle * 0.02 if idle is not None else math.inf
                refresh_at = trio.current_time() + slack
                current_time = trio.current_time
                yield_every = countdown = self.yield_every
                async for ev in events:
                    if idle is not None:
                        now = current_time()
                        if now >= refresh_at:
                            scope.deadline = now + idle
                            refresh_at = now + slack
                    apply(ev)
                    count += 1
                    countdown -= 1
                    if not countdown:
                        countdown = yield_every
                        if listeners:
                            # Let handlers run now, so the objects their notifications hold
                            # (an update's old state) die young; see YIELD_EVERY.
                            await checkpoint()
        if scope.cancelled_caught:
            raise _IdleTimeout(f"watch silent for {idle:g}s")
        # A clean end: the server's timeout, or it closed the stream. Go round again.
        stats.reconnects += 1
        if count == 0 and time.perf_counter() - started < _FAST_END:
            # A server that closes every watch at once would otherwise be hammered.
            await self._sleep_backoff(None)
        else:
            self.backoff.success(trio.current_time())

    def apply_event(self, ev: WatchEvent) -> None:
        """Apply one watch event to the store and tell the handlers (the hot path)."""
        t = ev.type
        stats = self.stats
        stats.events_by_type[t] += 1
        rv = ev.resource_version
        if t is _ERROR:
            stats.decode_errors += 1
            self._lost += 1
            log.warning("%s: skipped a malformed watch event: %s", self.name, ev.object)
            return
        if rv:
            self.resource_version = rv
            stats.last_resource_version = rv
            stats.last_resource_version_time = time.time()
        if t is _BOOKMARK:
            return
        obj = ev.object
        key = ev.key
        decode = self.decode
        if decode is not None and obj is not None:
            try:
                obj = decode(obj)
            except Exception as exc:
                self._skip_decode(key, obj, exc)
                if t is not _DELETED or key is None:
                    self._lost += 1
                    return
                # A deletion names its key itself (etcd): the object is gone whatever its
                # last value was, so delete it and tell handlers the last state we hold.
                obj = None
        store = self.store
        if key is None:
            try:
                key = self.key_of(obj)
            except Exception as exc:
                self._skip_key(obj, exc)
                self._lost += 1
                return
        if t is _DELETED:
            old = store.remove(key)
            if old is None:
                return  # never known (or already gone): nothing to tell anyone
            if self.listeners:
                last = store.expand(old) if obj is None else obj
                self._fan_out(Notification(_DELETED, key, last, None, rv, False, False, time.perf_counter()))
            return
        if obj is None:
            stats.decode_errors += 1
            self._lost += 1
            log.warning("%s: %s event for %s without an object; skipped", self.name, t.value, key)
            return
        if store._rvs.get(key) == rv:
            return  # a replay of what we already hold
        old = store.put(key, obj, rv)
        if self._freeze_countdown is not None and old is None:
            self._count_for_freeze()  # additions only: see FREEZE_EVERY
        if self.listeners:
            if old is None:
                n = Notification(_ADDED, key, obj, None, rv, False, False, time.perf_counter())
            else:
                old = store.expand(old)
                n = Notification(_MODIFIED, key, obj, old, rv, False, False, time.perf_counter())
            self._fan_out(n)

    def _count_for_freeze(self) -> None:
        countdown = self._freeze_countdown
        assert countdown is not None
        if countdown > 1:
            self._freeze_countdown = countdown - 1
        else:
            self._freeze()

    def _freeze(self) -> None:
        """Move everything alive out of the collector's sight (see ``Informer``'s docs).

        The young generations are collected first so that garbage cycles already dead
        are freed rather than frozen forever.
        """
        self._freeze_countdown = FREEZE_EVERY
        gc.collect(1)
        gc.freeze()

    def _skip_decode(self, key: str | None, obj: Any, exc: Exception) -> None:
        self.stats.decode_errors += 1
        if isinstance(exc, DecodeError) and exc.line is not None:
            shown = ""  # the error shows its input already
        else:
            shown = repr(obj)
            if len(shown) > 200:
                shown = shown[:200] + "..."
            shown = f" (input: {shown})"
        log.warning(
            "%s: skipped %s: could not decode: %s%s",
            self.name,
            key or "an object",
            describe_error(exc),
            shown,
        )

    def _skip_key(self, obj: Any, exc: Exception) -> None:
        self.stats.key_errors += 1
        shown = repr(obj)
        if len(shown) > 200:
            shown = shown[:200] + "..."
        log.warning("%s: skipped an object: no key: %s (object: %s)", self.name, describe_error(exc), shown)

    def _fan_out(self, n: Notification) -> None:
        for listener in self.listeners:
            listener.push(n)

    # -- streaming list ----------------------------------------------------------------

    async def _list_by_watch(self) -> None:
        """List through a ``send_initial_events`` watch, then keep watching on the same stream."""
        stats = self.stats
        started = self._begin_list()
        initial = not self.synced
        seen: set[str] = set()
        in_initial = True
        live = 0
        idle = self.idle_timeout
        rv = self.resource_version if self._list_rv not in (None, "0") else ""
        with trio.CancelScope() as scope:
            scope.deadline = trio.current_time() + self.watch_list_timeout
            try:
                events_cm = self.source.watch(
                    resource_version=rv or "", timeout_seconds=self._watch_timeout(), send_initial_events=True
                )
            except NotImplementedError as exc:
                raise _WatchListUnsupported(str(exc) or "the source cannot stream lists") from exc
            try:
                async with events_cm as events:
                    stats.watch_latency.observe(time.perf_counter() - started)
                    stats.watches_started += 1
                    async for ev in events:
                        if in_initial:
                            t = ev.type
                            if t is _BOOKMARK and ev.key == INITIAL_EVENTS_END:
                                stats.events_by_type[t] += 1
                                stats.list_pages = 1
                                self._finish_list(seen, ev.resource_version)
                                duration = time.perf_counter() - started
                                stats.list_latency.observe(duration)
                                stats.last_list_duration = duration
                                in_initial = False
                                scope.deadline = trio.current_time() + idle if idle is not None else math.inf
                            elif t is _ADDED or t is _MODIFIED:
                                stats.events_by_type[t] += 1
                                stats.list_objects += 1
                                self._apply_listed(ev.key, ev.object, ev.resource_version, seen, initial)
                            elif t is _ERROR:
                                self.apply_event(ev)
                            elif t is _DELETED:
                                self.apply_event(ev)
                                if ev.key is not None:
                                    seen.discard(ev.key)
                            # other BOOKMARKs during the initial phase carry no complete state
                        else:
                            if idle is not None:
                                scope.deadline = trio.current_time() + idle
                            self.apply_event(ev)
                            live += 1
                            if not live % self.yield_every and self.listeners:
                                await trio.lowlevel.checkpoint()  # see YIELD_EVERY
            except NotImplementedError as exc:
                raise _WatchListUnsupported(str(exc) or "the source cannot stream lists") from exc
            except SourceError as exc:
                if in_initial and exc.status in (400, 403, 404, 405, 422) and not isinstance(exc, Expired):
                    raise _WatchListUnsupported(describe_error(exc)) from exc
                raise
        if scope.cancelled_caught:
            if in_initial:
                stats.listing = False
                raise _WatchListUnsupported(
                    f"no initial-events-end bookmark within {self.watch_list_timeout:g}s"
                )
            raise _IdleTimeout(f"watch silent for {idle:g}s")
        if in_initial:
            # A broken connection, not a verdict on the server: retry (with backoff) as a
            # streaming list; the next attempt diffs against whatever this one applied.
            stats.listing = False
            raise SourceError("the watch ended before the initial-events-end bookmark")
        stats.reconnects += 1
