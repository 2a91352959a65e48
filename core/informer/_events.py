"""What a source produces: watch events and list pages.

These are on the per-event hot path, so they are ``NamedTuple``\\ s (cheap to build, no
``__dict__``, not tracked more than needed) rather than attrs classes.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

__all__ = ["INITIAL_EVENTS_END", "EventType", "ListPage", "WatchEvent"]


class EventType(enum.StrEnum):
    """The kind of a :class:`WatchEvent`; the values are the Kubernetes wire names."""

    ADDED = "ADDED"
    MODIFIED = "MODIFIED"
    DELETED = "DELETED"
    #: No object change: everything up to ``resource_version`` has been delivered.
    BOOKMARK = "BOOKMARK"
    #: A line the source could not parse. ``object`` is the :class:`~informer.DecodeError`;
    #: the reflector logs it, counts it and carries on (the next relist repairs the cache).
    ERROR = "ERROR"


#: ``key`` of the BOOKMARK that ends the initial events of a streaming list
#: (Kubernetes' ``k8s.io/initial-events-end`` annotation).
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchEvent(NamedTuple):
    """One event from :meth:`Source.watch`.

    ``object`` is the object as the wire gave it (for JSON servers, the decoded mapping;
    for etcd, the value bytes), before the resource type's decoder runs. For ``DELETED``
    it is the last state if the server sent one, else ``None`` (the store then uses its
    last known object).

    ``resource_version`` is the version this event brings the collection to (an opaque
    string: compare for equality only).

    ``key`` is set by sources whose protocol names objects itself (etcd: the key minus
    the prefix); ``None`` means "compute it with the resource type's key function".
    """

    type: EventType
    object: Any
    resource_version: str
    key: str | None = None


class ListPage(NamedTuple):
    """One page of :meth:`Source.list`.

    ``items`` are ``(key, object, resource_version)`` triples with the same meaning as
    the fields of :class:`WatchEvent` (``key`` may be ``None``). ``resource_version`` is
    the version of the whole list (start the watch there); ``continue_token`` is set
    when more pages follow; ``remaining`` is the server's estimate of items left, if any.
    """

    items: list[tuple[str | None, Any, str]]
    resource_version: str
    continue_token: str | None = None
    remaining: int | None = None
