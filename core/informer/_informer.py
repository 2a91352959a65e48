"""An informer: reflector + store + handler listeners for one resource type on one source.

Lifetime and cancellation
-------------------------
An :class:`Informer` runs as one task (:meth:`Informer.run`) that opens its own nursery and
cancel scope; inside it live the reflector task, an optional resync task, and one task per
handler. Whoever starts ``run`` owns it: :func:`open_informer` runs it in a nursery of its
own, :class:`~informer.InformerManager` in the manager's nursery. Stopping an informer
(:meth:`Informer.aclose`) cancels that one scope and waits for the task to finish, so
nothing of it survives and nothing else is touched.

Draining: ``aclose(drain_timeout=s)`` first stops the reflector (no new events), then gives
handlers up to ``s`` seconds to work through what is already in their buffers, then
cancels whatever is left. The source is closed last, shielded from cancellation and
bounded in time, because a half-closed HTTP connection pool would otherwise leak.

Memory and the garbage collector
--------------------------------
A large cache is mostly dicts, and every kept dict is an object the cyclic garbage
collector walks. CPython runs a full collection whenever the objects that survived into
the oldest generation since the last one exceed a quarter of those already there, so a
cache that keeps receiving objects pays about four full visits per new tracked object,
however large it is: for a ~4 KB Pod decoded to dicts (~43 tracked objects) that is the
biggest single cost of an event — more than decoding it (see ``benchmarks/run.py``).

``gc_freeze=True`` moves the cache out of the collector's sight with :func:`gc.freeze`:
the reflector freezes after every completed list and after every 500 objects it adds,
so a full collection never walks more than the last few hundred objects instead of the
whole cache (on the benchmark machine one full collection over 100,000 cached Pods takes
seconds, and a growing cache triggers one every time it grows by a quarter). Frozen
objects are still freed by reference counting when they leave the cache (JSON data has
no cycles), and the young generations are collected just before each freeze so dead
cycles are freed, not frozen. What remains is the price: a reference cycle *elsewhere in
the process* that is alive at a freeze and dies later is never collected. That is why this
is an opt-in for programs that are mostly informers (the CLI), not a library default.

``compact=True`` attacks the same cost at its root: the store keeps each JSON object as
its ``orjson`` bytes (about its wire size; nothing for the collector to walk) and
decodes it again on every read — handlers still receive the decoded objects the
reflector had in hand, and only reads of the store, late joiners' replays, resyncs and
the ``old`` side of updates pay a decode. Objects that are not plain dicts (typed
decoders) are kept as they are.

``raw=True`` goes further and never decodes what nobody reads: objects travel as
:class:`~informer.RawObject` views over their JSON bytes (see :mod:`informer._raw`). A
source that supports it (``enable_raw_objects()``: the HTTP source) hands them over with
only name, namespace and resourceVersion read by a tiny ``msgspec`` decoder; any other
source's mappings or JSON bytes are converted. The store keeps the bytes (about the wire
size); indexers, handlers and store reads get views that decode a top-level field
(``metadata``, ``spec``, ...) the first time it is read. The key function and the
namespace index read the three metadata strings without decoding anything else. Handlers
therefore receive read-only mappings, not dicts: ``obj.to_dict()`` gives a dict, and
``orjson.dumps(obj, default=informer.raw_default)`` writes one. Raw mode needs the
resource type's decoder to be JSON (the default) and no transform: both would have to
decode every object, which is what the mode exists to avoid.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import orjson
import trio

from ._backoff import Backoff
from ._decoders import decode_json
from ._events import EventType
from ._exceptions import ConfigError, InformerError, SyncTimeout
from ._listener import BacklogPolicy, HandlerRegistration, Notification
from ._raw import RawObject, as_raw
from ._reflector import RAW_YIELD_EVERY, YIELD_EVERY, Reflector, describe_error
from ._resource import Indexer, ResourceType
from ._source import Source
from ._stats import InformerStats
from ._store import Store

__all__ = ["Informer", "meta_namespace_key", "namespace_indexer", "open_informer"]

log = logging.getLogger("informer")


def meta_namespace_key(obj: Any) -> str:
    """client-go's ``MetaNamespaceKeyFunc``: ``namespace/name``, or ``name`` when cluster-scoped.

    Accepts mappings (``obj["metadata"]["name"]``) and attribute objects
    (``obj.metadata.name``), the two shapes decoders produce; plain dicts and
    :class:`~informer.RawObject`\\ s (whose metadata strings need no decoding) take fast paths.
    """
    if obj.__class__ is RawObject:
        name = obj.name
        if name:
            namespace = obj.namespace
            return f"{namespace}/{name}" if namespace else name
    if obj.__class__ is dict:
        meta = obj["metadata"]
        if meta.__class__ is dict:
            name = meta["name"]
            namespace = meta.get("namespace")
            if name:
                return f"{namespace}/{name}" if namespace else str(name)
    meta = obj["metadata"] if isinstance(obj, Mapping) else obj.metadata
    if isinstance(meta, Mapping):
        name = meta["name"]
        namespace = meta.get("namespace")
    else:
        name = meta.name
        namespace = getattr(meta, "namespace", None)
    if not name:
        raise ValueError("object has no metadata.name")
    return f"{namespace}/{name}" if namespace else str(name)


def namespace_indexer(obj: Any) -> tuple[str, ...]:
    """The ``namespace`` index every namespaced resource gets: the object's namespace."""
    if obj.__class__ is RawObject:
        namespace = obj.namespace
        return (namespace,) if namespace else ()
    if obj.__class__ is dict:
        meta = obj.get("metadata")
        if meta.__class__ is dict:
            namespace = meta.get("namespace")
            return (namespace,) if namespace else ()
    meta = obj["metadata"] if isinstance(obj, Mapping) else getattr(obj, "metadata", None)
    if meta is None:
        return ()
    namespace = meta.get("namespace") if isinstance(meta, Mapping) else getattr(meta, "namespace", None)
    return (namespace,) if namespace else ()


def _compact_json(obj: Any) -> Any:
    # Only plain JSON data is compacted; anything else (a typed object) is kept as it is.
    # The copy is the point: orjson's result keeps its whole growth buffer (~8 KB of RSS
    # for a 3.9 KB Pod), and ``bytes(b)`` of an exact ``bytes`` returns ``b`` itself, so
    # only ``memoryview(...).tobytes()`` trims it to its length (measured: 8.2 -> 4.0 KB).
    return memoryview(orjson.dumps(obj)).tobytes() if obj.__class__ is dict else obj


def _expand_json(stored: Any) -> Any:
    return orjson.loads(stored) if stored.__class__ is bytes else stored


def _raw_bytes(obj: Any) -> Any:
    # raw mode: every object reaching the store went through ``as_raw``
    return obj.data if obj.__class__ is RawObject else obj


def _raw_view(stored: Any) -> Any:
    return RawObject(stored) if stored.__class__ is bytes else stored


def _compose(*steps: Callable[[Any], Any] | None) -> Callable[[Any], Any] | None:
    fns = [f for f in steps if f is not None]
    if not fns:
        return None
    if len(fns) == 1:
        return fns[0]
    first, *rest = fns

    def run(obj: Any) -> Any:
        obj = first(obj)
        for fn in rest:
            obj = fn(obj)
        return obj

    return run


class Informer:
    """A local, indexed, always-current cache of one resource type, and the handlers it drives.

    Build it with :func:`open_informer` (or through an :class:`~informer.InformerManager`).
    Everything here is read-only for users except :meth:`add_handler`,
    :meth:`remove_handler`, :meth:`add_indexer` and :meth:`aclose`.

    ``name`` defaults to the resource type's name; ``store`` is the :class:`~informer.Store`;
    ``stats`` the :class:`~informer.InformerStats`; ``synced`` is true once the first full
    list is in the store; ``last_error`` is the last list/watch failure, described, and
    ``last_exception`` the exception itself.

    Memory and speed options (see the module docstring for the reasoning and
    ``benchmarks/README.md`` for figures): ``gc_freeze=True`` moves synced objects out of
    the cyclic collector's sight (a process-wide side effect); ``compact=True`` keeps
    objects as orjson bytes and hands out dicts; ``raw=True`` keeps the wire bytes and
    hands out :class:`~informer.RawObject` views that decode only what is read — the
    fastest and smallest, for handlers and indexers content with read-only mappings
    (declare indexers with :func:`~informer.field_indexer` so they decode only their path).
    """

    def __init__(
        self,
        resource: ResourceType,
        source: Source,
        *,
        name: str | None = None,
        page_size: int | None = 500,
        idle_timeout: float | None = 300.0,
        resync_seconds: float | None = None,
        transform: Callable[[Any], Any] | None = None,
        indexers: Mapping[str, Indexer] | None = None,
        watch_list: bool = False,
        watch_list_timeout: float = 60.0,
        watch_timeout: tuple[int, int] = (300, 600),
        backoff: Backoff | None = None,
        gc_freeze: bool = False,
        compact: bool = False,
        raw: bool = False,
        close_source: bool = True,
    ) -> None:
        self.name = name or resource.name
        self.resource = resource
        self.source = source
        self.stats = InformerStats()
        all_indexers: dict[str, Indexer] = {}
        if resource.namespaced:
            all_indexers["namespace"] = namespace_indexer
        all_indexers.update(resource.indexers)
        all_indexers.update(indexers or {})
        decode = _compose(resource.decoder, resource.transform, transform)
        #: objects travel as :class:`~informer.RawObject` views (see the module docstring)
        self.raw = raw
        if raw:
            if resource.decoder not in (None, decode_json) or resource.transform or transform:
                raise ConfigError(
                    f"informer {self.name!r}: raw=True needs the json decoder and no transform"
                    " (they would decode every object)"
                )
            decode = as_raw
            enable = getattr(source, "enable_raw_objects", None)
            if callable(enable):
                enable()
            self.store = Store(all_indexers, compact=_raw_bytes, expand=_raw_view)
        elif compact:
            self.store = Store(all_indexers, compact=_compact_json, expand=_expand_json)
        else:
            self.store = Store(all_indexers)
        self.store.on_index_error = self._index_failed
        self._key = resource.key or meta_namespace_key
        self._listeners: list[HandlerRegistration] = []
        if resync_seconds is None:
            resync_seconds = resource.resync_seconds or None
        self.resync_seconds = resync_seconds
        self.gc_freeze = gc_freeze
        self._close_source = close_source
        self._last_exc: BaseException | None = None
        self._sync_lot = trio.lowlevel.ParkingLot()
        self._scope: trio.CancelScope | None = None
        self._reflector_scope = trio.CancelScope()
        self._nursery: trio.Nursery | None = None
        self._closing = False
        self._finished = trio.Event()
        self._started = False
        self._reflector = Reflector(
            name=self.name,
            source=source,
            store=self.store,
            stats=self.stats,
            listeners=self._listeners,
            key_of=self._key,
            decode=decode,
            page_size=page_size,
            idle_timeout=idle_timeout,
            watch_list=watch_list,
            watch_list_timeout=watch_list_timeout,
            watch_timeout=watch_timeout,
            backoff=backoff,
            on_synced=self._became_synced,
            on_error=self._failed,
            gc_freeze=gc_freeze,
            yield_every=RAW_YIELD_EVERY if raw else YIELD_EVERY,
        )

    # -- read API ----------------------------------------------------------------------

    @property
    def synced(self) -> bool:
        return self._reflector.synced

    @property
    def last_error(self) -> str | None:
        return self.stats.last_error

    @property
    def last_exception(self) -> BaseException | None:
        """The exception behind :attr:`last_error` (the last list/watch failure), or ``None``.

        For telling kinds of failure apart, e.g. a missing resource
        (:class:`~informer.ResourceNotFound`) from a transient one. Like ``last_error`` it
        is not cleared by a later success: read it together with :attr:`synced`.
        """
        return self._last_exc

    @property
    def resource_version(self) -> str | None:
        """The last resourceVersion seen (list, event or bookmark): where a watch resumes."""
        return self._reflector.resource_version

    @property
    def handlers(self) -> list[HandlerRegistration]:
        return list(self._listeners)

    @property
    def running(self) -> bool:
        return self._started and not self._finished.is_set()

    def key_of(self, obj: Any) -> str:
        """The store key of a (decoded) object, by the resource type's key function."""
        return self._key(obj)

    async def wait_synced(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until the first full list is in the store.

        Raises :class:`~informer.SyncTimeout` after ``timeout`` seconds, saying why (the
        last error, or how far the list got), and :class:`~informer.InformerError` if
        the informer stops first.
        """
        with trio.move_on_after(math.inf if timeout is None else timeout):
            while not self.synced:
                if self._finished.is_set() or self._closing:
                    raise InformerError(f"informer {self.name!r} stopped before it synced")
                await self._sync_lot.park()
            return
        raise SyncTimeout(self._why_not_synced(timeout), last_error=self._last_exc)

    def _why_not_synced(self, timeout: float | None) -> str:
        stats = self.stats
        head = f"informer {self.name!r} ({self.source.description}) not synced after {timeout:g}s"
        if stats.listing and stats.list_objects:
            progress = f"still listing: {stats.list_objects} objects in {stats.list_pages} pages so far"
            return f"{head}: {progress}" + (f"; last error: {stats.last_error}" if stats.last_error else "")
        if stats.last_error:
            return f"{head}: last error: {stats.last_error}"
        return f"{head}: no answer from the source yet"

    # -- handlers ----------------------------------------------------------------------

    def add_handler(
        self,
        handler: Any,
        *,
        name: str | None = None,
        policy: BacklogPolicy = BacklogPolicy.UNBOUNDED,
        blocking: bool = False,
    ) -> HandlerRegistration:
        """Attach a handler; it first receives the current contents as ``initial`` adds.

        ``handler`` has any of ``on_add(obj, initial)``, ``on_update(old, new)``,
        ``on_delete(obj)`` (sync or async; see :class:`~informer.FunctionHandler`), or
        ``on_notification(n)``. ``blocking=True`` runs its (sync) methods in a worker
        thread. The snapshot and the subscription happen in one synchronous step, so
        no change can fall between them.
        """
        if self._nursery is None or self._closing or self._finished.is_set():
            raise InformerError(f"informer {self.name!r} is not running")
        reg = HandlerRegistration(
            handler,
            name=name,
            policy=policy,
            blocking=blocking,
            informer_name=self.name,
            on_error=self._handler_failed,
        )
        now = time.perf_counter()
        store = self.store
        rvs = store._rvs
        expand = store.expand
        for key, stored in store._items.items():
            reg.push(Notification(EventType.ADDED, key, expand(stored), None, rvs[key], True, False, now))
        self._listeners.append(reg)
        self._nursery.start_soon(reg.run, name=f"informer {self.name} handler {reg.name}")
        return reg

    def remove_handler(self, reg: HandlerRegistration) -> None:
        """Detach a handler: it receives nothing more (its buffer is dropped)."""
        if reg in self._listeners:
            self._listeners.remove(reg)
        reg.close()

    def add_indexer(self, name: str, fn: Indexer) -> None:
        """Add a named index at runtime; existing objects are indexed at once."""
        self.store.add_indexer(name, fn)

    # -- running -----------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run until :meth:`aclose` (or cancellation). Use via ``nursery.start(informer.run)``."""
        if self._started:
            raise InformerError(f"informer {self.name!r} was already started")
        self._started = True
        try:
            with trio.CancelScope() as self._scope:
                async with trio.open_nursery() as nursery:
                    self._nursery = nursery
                    nursery.start_soon(self._run_reflector, name=f"informer {self.name} reflector")
                    if self.resync_seconds:
                        nursery.start_soon(self._resync_loop, name=f"informer {self.name} resync")
                    task_status.started()
                    await trio.sleep_forever()
        finally:
            self._closing = True
            for reg in self._listeners:
                reg.close()
            self._sync_lot.unpark_all()
            if self._close_source:
                with trio.CancelScope(shield=True), trio.move_on_after(5):
                    try:
                        await self.source.aclose()
                    except Exception as exc:
                        log.warning("%s: closing the source failed: %s", self.name, describe_error(exc))
            self._finished.set()

    async def _run_reflector(self) -> None:
        with self._reflector_scope:
            await self._reflector.run()

    async def _resync_loop(self) -> None:
        assert self.resync_seconds
        while True:
            await trio.sleep(self.resync_seconds)
            if not self.synced or not self._listeners:
                continue
            self.stats.resyncs += 1
            now = time.perf_counter()
            store = self.store
            rvs = store._rvs
            expand = store.expand
            # One synchronous pass: the snapshot cannot interleave with the reflector's writes.
            for key, stored in store._items.items():
                obj = expand(stored)
                n = Notification(EventType.MODIFIED, key, obj, obj, rvs[key], False, False, now)
                for reg in self._listeners:
                    reg.push(n)

    async def aclose(self, drain_timeout: float | None = None) -> None:
        """Stop: the reflector at once; handlers after up to ``drain_timeout`` seconds of draining.

        Without ``drain_timeout`` buffered notifications are dropped. Safe to call twice
        and from any task; returns when everything of this informer has stopped.
        """
        if not self._started:
            self._closing = True
            if self._close_source:
                await self.source.aclose()
            self._finished.set()
            return
        if not self._closing:
            self._closing = True
            self._reflector_scope.cancel()
            self._sync_lot.unpark_all()
            try:
                if drain_timeout:
                    with trio.move_on_after(drain_timeout):
                        for reg in list(self._listeners):
                            await reg.wait_idle()
                    left = sum(reg.backlog for reg in self._listeners)
                    if left:
                        log.warning("%s: drain timed out with %d notifications undelivered", self.name, left)
            finally:
                # also when the drain itself is cancelled: never leave handlers running
                if self._scope is not None:
                    self._scope.cancel()
        await self._finished.wait()

    # -- callbacks from the reflector and listeners -------------------------------------

    def _became_synced(self) -> None:
        self._sync_lot.unpark_all()
        log.info("%s: synced, %d objects", self.name, len(self.store))

    def _failed(self, exc: BaseException) -> None:
        self._last_exc = exc

    def _handler_failed(self) -> None:
        self.stats.handler_errors += 1

    def _index_failed(self, index: str, key: str, exc: BaseException) -> None:
        log.warning("%s: indexer %r failed on %s: %s", self.name, index, key, describe_error(exc))

    def __repr__(self) -> str:
        state = "synced" if self.synced else "syncing"
        return f"<Informer {self.name!r} {state} {len(self.store)} objects, {len(self._listeners)} handlers>"


@asynccontextmanager
async def open_informer(
    resource: ResourceType,
    source: Source,
    *,
    name: str | None = None,
    page_size: int | None = 500,
    idle_timeout: float | None = 300.0,
    resync_seconds: float | None = None,
    transform: Callable[[Any], Any] | None = None,
    indexers: Mapping[str, Indexer] | None = None,
    watch_list: bool = False,
    watch_list_timeout: float = 60.0,
    watch_timeout: tuple[int, int] = (300, 600),
    backoff: Backoff | None = None,
    gc_freeze: bool = False,
    compact: bool = False,
    raw: bool = False,
    close_source: bool = True,
    drain_timeout: float | None = None,
) -> AsyncIterator[Informer]:
    """Run an informer for the duration of an ``async with`` block.

    ::

        async with open_informer(resource, source) as inf:
            await inf.wait_synced(timeout=10)
            inf.add_handler(MyHandler())
            ...

    The informer owns a nursery of its own; leaving the block stops it (after draining
    handler buffers for up to ``drain_timeout`` seconds, if given) and closes the source.
    """
    informer = Informer(
        resource,
        source,
        name=name,
        page_size=page_size,
        idle_timeout=idle_timeout,
        resync_seconds=resync_seconds,
        transform=transform,
        indexers=indexers,
        watch_list=watch_list,
        watch_list_timeout=watch_list_timeout,
        watch_timeout=watch_timeout,
        backoff=backoff,
        gc_freeze=gc_freeze,
        compact=compact,
        raw=raw,
        close_source=close_source,
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(informer.run)
        try:
            yield informer
        finally:
            await informer.aclose(drain_timeout=drain_timeout)
