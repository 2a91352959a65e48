"""The interface every source implements: paged list + watch, for one resource type.

A *source plugin* contributes a factory ``(SourceSpec) -> Source``. The core drives the
returned object from the informer's reflector task:

* :meth:`Source.list` is called repeatedly with ``continue_token`` until a page comes
  back without one; all pages of one list must be one consistent snapshot.
* :meth:`Source.watch` opens a stream of changes *after* ``resource_version``
  (exclusive, as in Kubernetes; an etcd source adds one itself).
* Errors are raised as :class:`informer.SourceError` subclasses; :class:`informer.Expired`
  means "relist".
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, runtime_checkable

import attrs

from ._events import ListPage, WatchEvent
from ._resource import ResourceType, Scope

__all__ = ["Source", "SourceFactory", "SourceSpec"]


@attrs.frozen(slots=True)
class SourceSpec:
    """What a source factory is given to build a :class:`Source`.

    ``options`` are the source's own settings (URL, endpoints, credentials, TLS, ...),
    from a config file's ``sources:`` entry or from ``--source URL`` (``{"url": URL}``),
    already validated against the source's ``options_schema``.
    """

    resource: ResourceType
    scope: Scope = attrs.field(factory=Scope)
    options: Mapping[str, Any] = attrs.field(factory=dict)


@runtime_checkable
class Source(Protocol):
    """List + watch of one resource type on one server (client-go's ListerWatcher)."""

    #: a short human description, e.g. ``http://127.0.0.1:8080 routes.gateway.example.com``
    description: str

    async def list(
        self,
        *,
        resource_version: str | None,
        limit: int | None,
        continue_token: str | None,
    ) -> ListPage:
        """One page of the collection.

        ``resource_version`` follows Kubernetes list semantics: ``None`` = most recent
        (consistent read), ``"0"`` = any (cheap, maybe stale), other = not older than.
        ``limit=None`` asks for everything in one page.
        """
        ...

    def watch(
        self,
        *,
        resource_version: str,
        timeout_seconds: int | None,
        send_initial_events: bool = False,
    ) -> AbstractAsyncContextManager[AsyncIterator[WatchEvent]]:
        """Open a watch for changes after ``resource_version``.

        Used as ``async with source.watch(...) as events: async for ev in events: ...``.
        The iterator ends when the server ends the stream cleanly; raises
        :class:`informer.Expired` when the version is too old (HTTP 410, ERROR event,
        compaction). With ``send_initial_events`` (streaming list), the stream starts
        with ADDED events for the current state and marks their end with a BOOKMARK
        whose ``key`` is :data:`informer.INITIAL_EVENTS_END`; sources that cannot do
        this raise :class:`NotImplementedError`.
        """
        ...

    async def aclose(self) -> None:
        """Release connections. Called once when the informer stops."""
        ...


class SourceFactory(Protocol):
    """What a source plugin contributes: builds a :class:`Source` for one resource type."""

    def __call__(self, spec: SourceSpec, /) -> Source: ...
