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
:mod:`informer_gateway.handler` drives it from informer events and publishes it. It is
kept incrementally (an event recomputes only the entries it can affect), because a
gateway's table must keep up with a cluster's churn, and a cold start lists everything.
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
    """Routes and services in, a longest-prefix routing table out (see the module docs).

    Kept incrementally: a route change recomputes the entries of its old and new prefix, a
    service change the entries of the prefixes routed to it — never the whole table — so
    an informer's initial list of N objects costs O(N), not O(N²). :meth:`apply` and
    :meth:`remove` say whether any entry changed, and :attr:`version` counts such changes.
    """

    def __init__(self, objects: Iterable[Route | Service] = ()) -> None:
        self._routes: dict[str, Route] = {}
        self._services: dict[str, Service] = {}
        #: prefix -> route key -> route: every route claiming the prefix
        self._claims: dict[str, dict[str, Route]] = {}
        #: service key -> keys of the routes sending traffic to it
        self._users: defaultdict[str, set[str]] = defaultdict(set)
        self._entries: dict[str, RouteEntry] = {}
        self._sorted: dict[str, RouteEntry] | None = None
        #: number of changes of the table so far (an entry added, changed or removed)
        self.version = 0
        for obj in objects:
            self.apply(obj)

    # -- feeding -----------------------------------------------------------------------

    def apply(self, obj: Route | Service) -> bool:
        """Add or replace one object (by its key); true if the table changed."""
        if isinstance(obj, Route):
            old = self._routes.get(obj.key)
            affected = self._forget_route(old) if old is not None else set()
            self._routes[obj.key] = obj
            prefix = normalize_prefix(obj.spec.path_prefix)
            self._claims.setdefault(prefix, {})[obj.key] = obj
            self._users[obj.service_key].add(obj.key)
            affected.add(prefix)
            return self._recompute(affected)
        if isinstance(obj, Service):
            self._services[obj.key] = obj
            return self._recompute(self._prefixes_using(obj.key))
        raise TypeError(f"a routing table takes Route and Service objects, not {type(obj).__name__}")

    def remove(self, obj: Route | Service) -> bool:
        """Forget one object (by its key); true if the table changed. Forgetting an unknown
        object is not an error."""
        if isinstance(obj, Route):
            old = self._routes.pop(obj.key, None)
            return self._recompute(self._forget_route(old)) if old is not None else False
        if isinstance(obj, Service):
            if self._services.pop(obj.key, None) is None:
                return False
            return self._recompute(self._prefixes_using(obj.key))
        raise TypeError(f"a routing table takes Route and Service objects, not {type(obj).__name__}")

    def _forget_route(self, route: Route) -> set[str]:
        prefix = normalize_prefix(route.spec.path_prefix)
        claims = self._claims.get(prefix)
        if claims is not None:
            claims.pop(route.key, None)
            if not claims:
                del self._claims[prefix]
        users = self._users.get(route.service_key)
        if users is not None:
            users.discard(route.key)
            if not users:
                del self._users[route.service_key]
        return {prefix}

    def _prefixes_using(self, service_key: str) -> set[str]:
        return {normalize_prefix(self._routes[k].spec.path_prefix) for k in self._users.get(service_key, ())}

    def _recompute(self, prefixes: Iterable[str]) -> bool:
        changed = False
        for prefix in prefixes:
            entry = self._entry(prefix)
            if entry == self._entries.get(prefix):
                continue
            if entry is None:
                del self._entries[prefix]
            else:
                self._entries[prefix] = entry
            changed = True
        if changed:
            self.version += 1
            self._sorted = None
        return changed

    def _entry(self, prefix: str) -> RouteEntry | None:
        claims = self._claims.get(prefix)
        if not claims:
            return None
        keys = sorted(claims)
        winner = claims[keys[0]]
        service = self._services.get(winner.service_key)
        if service is None:
            backends: tuple[str, ...] = ()
            status = NO_SUCH_SERVICE
        else:
            backends = tuple(sorted(e.target for e in service.ready_endpoints))
            status = OK if backends else NO_READY_ENDPOINTS
        return RouteEntry(
            prefix=prefix,
            route=winner.key,
            service=winner.service_key,
            port=winner.spec.port,
            backends=backends,
            status=status,
            shadowed=tuple(keys[1:]),
        )

    # -- reading -----------------------------------------------------------------------

    @property
    def routes(self) -> Mapping[str, Route]:
        return self._routes

    @property
    def services(self) -> Mapping[str, Service]:
        return self._services

    def entries(self) -> Mapping[str, RouteEntry]:
        """The table, prefix -> entry, in prefix order."""
        if self._sorted is None:
            self._sorted = {p: self._entries[p] for p in sorted(self._entries)}
        return self._sorted

    def match(self, path: str) -> RouteEntry | None:
        """The entry serving ``path`` (longest whole-segment prefix), or ``None``.

        Walks up the path's ancestors (``/a/b/c``, ``/a/b``, ``/a``, ``/``): one dict
        look-up per segment, whatever the size of the table.
        """
        entries = self._entries
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
