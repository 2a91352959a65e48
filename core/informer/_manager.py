"""The dynamic set of informers of one program (client-go's SharedInformerFactory, made dynamic).

An :class:`InformerManager` owns a nursery; every informer it starts runs as one task in it.
Informers are named: ``start(spec)`` with a spec equal to a running one returns the running
informer, so every handler of a resource type shares one list+watch and one cache — the
point of a *shared* informer. ``stop(name)`` cancels that informer's own scope only.

``reconfigure(specs)`` moves the running set to exactly ``specs``: informers whose name is
gone are stopped, new names started, and a name whose spec changed is replaced by a new
informer. The handlers attached to a replaced informer are carried over to its
replacement; they receive the new informer's contents as ``initial`` adds (a fresh
start), which is the only honest thing to tell them after, say, a selector changed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from types import MappingProxyType
from typing import Any

import attrs
import trio

from ._exceptions import InformerError
from ._informer import Informer
from ._listener import BacklogPolicy, HandlerRegistration
from ._resource import ResourceType, Scope
from ._source import SourceFactory, SourceSpec

__all__ = ["InformerManager", "InformerSpec", "open_manager"]

log = logging.getLogger("informer")


@attrs.frozen(slots=True)
class InformerSpec:
    """Everything needed to build one informer; two equal specs mean the same informer.

    ``source_factory`` builds the :class:`~informer.Source` from
    ``SourceSpec(resource, scope, source_options)``. ``resync_seconds`` ``None`` means the
    resource type's own period. ``idle_timeout`` is the read-idle timeout of the watch
    (``None``: none). ``watch_list`` asks for streaming lists (``sendInitialEvents``).
    """

    name: str
    resource: ResourceType = attrs.field(hash=False)
    source_factory: SourceFactory
    source_options: Mapping[str, Any] = attrs.field(factory=dict, hash=False)
    scope: Scope = attrs.field(factory=Scope)
    page_size: int | None = 500
    resync_seconds: float | None = None
    idle_timeout: float | None = 300.0
    watch_list: bool = False
    transform: Callable[[Any], Any] | None = None
    gc_freeze: bool = False
    compact: bool = False
    #: objects as :class:`~informer.RawObject` views of their wire bytes (see ``Informer``)
    raw: bool = False
    description: str = attrs.field(default="", eq=False)

    def build(self) -> Informer:
        """Make the source and the (not yet running) informer."""
        spec = SourceSpec(resource=self.resource, scope=self.scope, options=self.source_options)
        source = self.source_factory(spec)
        # A source may carry its user's streaming-list choice from its own options (the
        # kubernetes source's ``watch_list`` / ``watch_list_deadline``).
        deadline = getattr(source, "watch_list_deadline", None)
        return Informer(
            self.resource,
            source,
            name=self.name,
            page_size=self.page_size,
            idle_timeout=self.idle_timeout,
            resync_seconds=self.resync_seconds,
            transform=self.transform,
            watch_list=self.watch_list or getattr(source, "watch_list", False) is True,
            watch_list_timeout=float(deadline) if isinstance(deadline, int | float) else 60.0,
            gc_freeze=self.gc_freeze,
            compact=self.compact,
            raw=self.raw,
        )


@attrs.frozen(slots=True)
class ReconfigureResult:
    """What :meth:`InformerManager.reconfigure` did, by informer name."""

    started: tuple[str, ...] = ()
    stopped: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


class InformerManager:
    """Starts, stops and reconfigures named informers in a nursery it owns.

    Use :func:`open_manager`. ``informers`` is a live read-only mapping name → informer;
    ``specs`` the same for their specs.
    """

    def __init__(self, nursery: trio.Nursery) -> None:
        self._nursery = nursery
        self._informers: dict[str, Informer] = {}
        self._specs: dict[str, InformerSpec] = {}
        self._lock = trio.Lock()  # start/stop/reconfigure are whole transactions
        self._closed = False

    @property
    def informers(self) -> Mapping[str, Informer]:
        return MappingProxyType(self._informers)

    @property
    def specs(self) -> Mapping[str, InformerSpec]:
        return MappingProxyType(self._specs)

    def __getitem__(self, name: str) -> Informer:
        return self._informers[name]

    def __contains__(self, name: object) -> bool:
        return name in self._informers

    def get(self, name: str) -> Informer | None:
        return self._informers.get(name)

    async def start(self, spec: InformerSpec) -> Informer:
        """Start the informer ``spec`` describes, or return the running one if equal.

        A different spec under a running name is an error (use :meth:`reconfigure`).
        """
        async with self._lock:
            return await self._start(spec)

    async def _start(self, spec: InformerSpec) -> Informer:
        if self._closed:
            raise InformerError("the informer manager is closed")
        running = self._informers.get(spec.name)
        if running is not None:
            if self._specs[spec.name] == spec:
                return running
            raise InformerError(
                f"an informer named {spec.name!r} is already running with a different spec; "
                "stop it first or use reconfigure()"
            )
        informer = spec.build()
        self._informers[spec.name] = informer
        self._specs[spec.name] = spec
        try:
            await self._nursery.start(self._run_informer, informer)
        except BaseException:
            self._informers.pop(spec.name, None)
            self._specs.pop(spec.name, None)
            raise
        log.info("started informer %r (%s)", spec.name, informer.source.description)
        return informer

    async def _run_informer(self, informer: Informer, *, task_status: trio.TaskStatus[None]) -> None:
        try:
            await informer.run(task_status=task_status)
        finally:
            # The informer may end on its own (a crash): forget it so it can be restarted.
            if self._informers.get(informer.name) is informer:
                del self._informers[informer.name]
                self._specs.pop(informer.name, None)

    async def stop(self, name: str, *, drain_timeout: float | None = None) -> None:
        """Stop the informer ``name`` (draining its handlers up to ``drain_timeout`` s)."""
        async with self._lock:
            await self._stop(name, drain_timeout)

    async def _stop(self, name: str, drain_timeout: float | None) -> None:
        informer = self._informers.get(name)
        if informer is None:
            raise KeyError(f"no informer named {name!r}")
        await informer.aclose(drain_timeout=drain_timeout)
        self._informers.pop(name, None)
        self._specs.pop(name, None)
        log.info("stopped informer %r", name)

    async def reconfigure(
        self, specs: Iterable[InformerSpec], *, drain_timeout: float | None = None
    ) -> ReconfigureResult:
        """Make the running set exactly ``specs`` (by name); see the module docstring."""
        wanted: dict[str, InformerSpec] = {}
        for spec in specs:
            if spec.name in wanted:
                raise InformerError(f"two informer specs are named {spec.name!r}")
            wanted[spec.name] = spec
        started: list[str] = []
        stopped: list[str] = []
        replaced: list[str] = []
        unchanged: list[str] = []
        async with self._lock:
            for name in list(self._informers):
                if name not in wanted:
                    await self._stop(name, drain_timeout)
                    stopped.append(name)
            for name, spec in wanted.items():
                current = self._specs.get(name)
                if current is None:
                    await self._start(spec)
                    started.append(name)
                elif current == spec:
                    unchanged.append(name)
                else:
                    carried = self._informers[name].handlers
                    await self._stop(name, drain_timeout)
                    informer = await self._start(spec)
                    for reg in carried:
                        informer.add_handler(
                            reg.handler, name=reg.name, policy=reg.policy, blocking=reg.blocking
                        )
                    replaced.append(name)
        return ReconfigureResult(tuple(started), tuple(stopped), tuple(replaced), tuple(unchanged))

    def add_handler(
        self,
        name: str,
        handler: Any,
        *,
        handler_name: str | None = None,
        policy: BacklogPolicy = BacklogPolicy.UNBOUNDED,
        blocking: bool = False,
    ) -> HandlerRegistration:
        """Attach ``handler`` to the running informer ``name``."""
        return self._informers[name].add_handler(handler, name=handler_name, policy=policy, blocking=blocking)

    async def wait_synced(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Wait until every running informer has synced (each within ``timeout``)."""
        async with trio.open_nursery() as nursery:
            for informer in list(self._informers.values()):
                nursery.start_soon(informer.wait_synced, timeout)

    async def aclose(self, *, drain_timeout: float | None = None) -> None:
        """Stop every informer (concurrently, each draining up to ``drain_timeout`` s)."""
        self._closed = True
        async with self._lock, trio.open_nursery() as nursery:
            for informer in list(self._informers.values()):
                nursery.start_soon(functools.partial(informer.aclose, drain_timeout=drain_timeout))
        self._informers.clear()
        self._specs.clear()

    def __repr__(self) -> str:
        return f"<InformerManager {len(self._informers)} informers: {', '.join(self._informers)}>"


@asynccontextmanager
async def open_manager(*, drain_timeout: float | None = None) -> AsyncIterator[InformerManager]:
    """An :class:`InformerManager` for the duration of an ``async with`` block.

    Leaving the block stops every informer, draining handler buffers for up to
    ``drain_timeout`` seconds.
    """
    async with trio.open_nursery() as nursery:
        manager = InformerManager(nursery)
        try:
            yield manager
        finally:
            with trio.CancelScope(shield=drain_timeout is not None) as scope:
                if drain_timeout is not None:
                    scope.deadline = trio.current_time() + drain_timeout + 10
                await manager.aclose(drain_timeout=drain_timeout)
            nursery.cancel_scope.cancel()
