"""The routing table: path prefix -> the ready endpoints of the route's backend service.

A :class:`RoutingTable` is fed whole objects (a :class:`~informer_gateway.model.Route` or
:class:`~informer_gateway.model.Service` added, changed or deleted) and answers two
questions at any moment:

* :meth:`RoutingTable.entries` — the whole table, one :class:`RouteEntry` per path prefix;
* :meth:`RoutingTable.match` — which entry serves a request path (longest prefix wins).

Rules, chosen to be what an operator expects from a gateway:

* **Prefixes match whole path segments**: ``/api`` serves ``/api`` and ``/api/users`` but
  not ``/apix``; ``/`` serves everything. A trailing slash in a prefix is ignored
  (``/api/`` is ``/api``).
* **Longest prefix wins**, and a route whose service has no ready endpoint still wins its
  paths: the gateway answers 503 for them rather than silently sending the traffic to a
  shorter, unrelated prefix. Its entry's ``status`` says why: ``ok``,
  ``no-ready-endpoints`` or ``no-such-service``.
* **Two routes claiming one prefix**: the one whose key (``namespace/name``) sorts first
  wins, deterministically; the others are listed in the entry's ``shadowed``.

The table is a plain, synchronous object with no I/O: the handler in
:mod:`informer_gateway.handler` drives it from informer events and publishes it. Entries
are recomputed lazily, once per batch of changes, so a burst of events costs one rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from .model import Route, Service

__all__ = ["RouteEntry", "RoutingTable", "normalize_prefix"]

OK = "ok"
NO_READY_ENDPOINTS = "no-ready-endpoints"
NO_SUCH_SERVICE = "no-such-service"


def normalize_prefix(prefix: str) -> str:
    """``/api/`` -> ``/api``; ``/`` stays ``/``."""
    stripped = prefix.rstrip("/")
    return stripped or "/"


@attrs.frozen(slots=True, kw_only=True)
class RouteEntry:
    """One line of the routing table."""

    prefix: str
    #: the winning route, ``namespace/name``
    route: str
    #: its backend, ``namespace/name``
    service: str
    port: int | None
    #: ``address:port`` of every ready endpoint, sorted
    backends: tuple[str, ...]
    status: str
    #: other routes that claim the same prefix and lost (sorted keys)
    shadowed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "service": self.service,
            "port": self.port,
            "backends": list(self.backends),
            "status": self.status,
            "shadowed": list(self.shadowed),
        }


class RoutingTable:
    """Routes and services in, a longest-prefix routing table out (see the module docs)."""

    def __init__(self, objects: Iterable[Route | Service] = ()) -> None:
        self._routes: dict[str, Route] = {}
        self._services: dict[str, Service] = {}
        self._entries: dict[str, RouteEntry] | None = None
        for obj in objects:
            self.apply(obj)

    # -- feeding -----------------------------------------------------------------------

    def apply(self, obj: Route | Service) -> None:
        """Add or replace one object (by its key)."""
        if isinstance(obj, Route):
            self._routes[obj.key] = obj
        elif isinstance(obj, Service):
            self._services[obj.key] = obj
        else:
            raise TypeError(f"a routing table takes Route and Service objects, not {type(obj).__name__}")
        self._entries = None

    def remove(self, obj: Route | Service) -> None:
        """Forget one object (by its key); forgetting an unknown object is not an error."""
        if isinstance(obj, Route):
            self._routes.pop(obj.key, None)
        elif isinstance(obj, Service):
            self._services.pop(obj.key, None)
        else:
            raise TypeError(f"a routing table takes Route and Service objects, not {type(obj).__name__}")
        self._entries = None

    # -- reading -----------------------------------------------------------------------

    @property
    def routes(self) -> Mapping[str, Route]:
        return self._routes

    @property
    def services(self) -> Mapping[str, Service]:
        return self._services

    def entries(self) -> Mapping[str, RouteEntry]:
        """The table, prefix -> entry, in prefix order."""
        if self._entries is None:
            self._entries = self._build()
        return self._entries

    def match(self, path: str) -> RouteEntry | None:
        """The entry serving ``path`` (longest whole-segment prefix), or ``None``.

        Walks up the path's ancestors (``/a/b/c``, ``/a/b``, ``/a``, ``/``): one dict
        look-up per segment, whatever the size of the table.
        """
        entries = self.entries()
        candidate = normalize_prefix(path.split("?", 1)[0] or "/")
        while True:
            entry = entries.get(candidate)
            if entry is not None:
                return entry
            if candidate == "/":
                return None
            candidate = candidate.rsplit("/", 1)[0] or "/"

    def to_json(self) -> dict[str, Any]:
        """``{"routes": {prefix: entry}, "counts": {...}}`` — what the handler publishes."""
        entries = self.entries()
        return {
            "routes": {prefix: entry.to_json() for prefix, entry in entries.items()},
            "counts": {
                "routes": len(self._routes),
                "services": len(self._services),
                "prefixes": len(entries),
                "backends": sum(len(e.backends) for e in entries.values()),
            },
        }

    def _build(self) -> dict[str, RouteEntry]:
        claims: defaultdict[str, list[Route]] = defaultdict(list)
        for route in self._routes.values():
            claims[normalize_prefix(route.spec.path_prefix)].append(route)
        table: dict[str, RouteEntry] = {}
        for prefix in sorted(claims):
            contenders = sorted(claims[prefix], key=lambda r: r.key)
            winner = contenders[0]
            service = self._services.get(winner.service_key)
            if service is None:
                backends: tuple[str, ...] = ()
                status = NO_SUCH_SERVICE
            else:
                backends = tuple(sorted(e.target for e in service.ready_endpoints))
                status = OK if backends else NO_READY_ENDPOINTS
            table[prefix] = RouteEntry(
                prefix=prefix,
                route=winner.key,
                service=winner.service_key,
                port=winner.spec.port,
                backends=backends,
                status=status,
                shadowed=tuple(r.key for r in contenders[1:]),
            )
        return table
