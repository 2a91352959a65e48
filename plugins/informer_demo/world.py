"""The demo world: what ``informer-run`` with no arguments serves, watches and churns.

An API gateway's view of a small company, in group ``demo.informer.dev``:

* ``services.demo.informer.dev`` (kind ``Service``): ten services in three namespaces
  (``shop``, ``payments``, ``identity``), each with two or three endpoints
  ``{"address": "10.n.s.i", "port": P, "ready": true}``;
* ``routes.demo.informer.dev`` (kind ``Route``): twenty routes, each sending a path prefix
  (``/catalog``, ``/catalog/items``, ...) to a service of its namespace on a port.

The public API, used by the CLI's embedded default and by ``informer-run serve``::

    from informer.server import open_embedded_server
    from informer_demo import world

    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        world.seed(server)                         # the starting population (idempotent)
        nursery.start_soon(partial(world.churn, server, rate=3.0, rng=42))

or both at once, as ``informer-run serve`` does: ``await world.populate(server, churn_rate=3.0)``.

:func:`churn` is the background life of the world: endpoints turn ready and not-ready,
services gain and lose endpoints, routes appear, disappear and are retargeted to another
service, a few changes per second. It reads the server's own state before every change
(the server is the oracle), so it can run alongside other writers, and with the same seed
and no other writers it makes the same sequence of changes. It never lets the world drift
far from its starting size: the route count stays between :data:`MIN_ROUTES` and
:data:`MAX_ROUTES`, every service keeps between one and :data:`MAX_ENDPOINTS` endpoints.

The embedded server's write methods are plain calls on its in-memory state (watchers are
woken without blocking the writer), so :func:`seed` and :func:`churn_step` are plain
functions too; only :func:`churn` is async, for its sleeps.
"""

from __future__ import annotations

import copy
import logging
import random
from collections.abc import Sequence
from typing import Any, Protocol

import trio
from informer.server import ServerResource

from ._catalogue import GROUP, ROUTES, SERVICES, VERSION, endpoint, route_object, service_object

__all__ = [
    "GROUP",
    "MAX_ENDPOINTS",
    "MAX_ROUTES",
    "MIN_ROUTES",
    "RESOURCE_NAMES",
    "ROUTES_RESOURCE",
    "SERVER_RESOURCES",
    "SERVICES_RESOURCE",
    "WritableServer",
    "churn",
    "churn_step",
    "populate",
    "seed",
]

SERVICES_RESOURCE = f"services.{GROUP}"
ROUTES_RESOURCE = f"routes.{GROUP}"
#: The resource type names of the demo world, in the order the CLI shows them.
RESOURCE_NAMES: tuple[str, ...] = (SERVICES_RESOURCE, ROUTES_RESOURCE)

#: What the embedded server must serve for the demo world.
SERVER_RESOURCES: tuple[ServerResource, ...] = (
    ServerResource(group=GROUP, version=VERSION, plural="services", kind="Service", namespaced=True),
    ServerResource(group=GROUP, version=VERSION, plural="routes", kind="Route", namespaced=True),
)

MIN_ROUTES = 15
MAX_ROUTES = 25
MAX_ENDPOINTS = 5

log = logging.getLogger("informer_demo")

_NAMESPACES = tuple(dict.fromkeys(ns for ns, *_ in SERVICES))


class WritableServer(Protocol):
    """The part of :class:`informer.server.EmbeddedServer` the demo world uses."""

    def create(self, resource_name: str, obj: dict[str, Any], /) -> Any: ...
    def update(self, resource_name: str, obj: dict[str, Any], /) -> Any: ...
    def delete(self, resource_name: str, key: str, /) -> Any: ...
    def list_objects(self, resource_name: str, /) -> dict[str, Any]: ...


def _service_port(namespace: str, service: str) -> int:
    for ns, name, _, port in SERVICES:
        if ns == namespace and name == service:
            return port
    return 8080


def seed(server: WritableServer) -> int:
    """Create the starting population; objects that already exist are left alone.

    Returns the number of objects created. Safe to call twice (for instance after a
    restart of a server that kept its state).
    """
    created = 0
    existing_services = server.list_objects(SERVICES_RESOURCE)
    for si, (namespace, name, count, port) in enumerate(SERVICES):
        if f"{namespace}/{name}" in existing_services:
            continue
        ni = _NAMESPACES.index(namespace)
        endpoints = [endpoint(ni, si, n, port) for n in range(count)]
        server.create(SERVICES_RESOURCE, service_object(namespace, name, endpoints))
        created += 1
    existing_routes = server.list_objects(ROUTES_RESOURCE)
    for namespace, name, prefix, service in ROUTES:
        if f"{namespace}/{name}" in existing_routes:
            continue
        obj = route_object(namespace, name, prefix, service, _service_port(namespace, service))
        server.create(ROUTES_RESOURCE, obj)
        created += 1
    return created


def _rng(rng: random.Random | int | None) -> random.Random:
    return rng if isinstance(rng, random.Random) else random.Random(rng)


def _sorted_values(objects: dict[str, Any]) -> list[dict[str, Any]]:
    # Sorted by key so that the same seed picks the same objects whatever order the server
    # happens to return them in. These are the server's own dicts: read them, never change
    # them (``_pick`` hands out a copy to change).
    return [objects[k] for k in sorted(objects)]


def _pick(rng: random.Random, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A deep copy of one item chosen by ``rng``: safe to edit and send back as an update."""
    return copy.deepcopy(items[rng.randrange(len(items))])


def churn_step(server: WritableServer, rng: random.Random) -> str:
    """Make one change to the world and return a one-line description of it.

    The change is chosen by ``rng`` from the server's current state:

    ========================  ======  ===========================================
    change                    weight  notes
    ========================  ======  ===========================================
    flip an endpoint's ready    5     the commonest event in a real cluster
    retarget a route            2     to another service of its namespace
    add a route                 2     forced when below ``MIN_ROUTES``
    remove a route              2     forced when at ``MAX_ROUTES``
    scale a service             1     add or remove one endpoint (1..MAX_ENDPOINTS)
    ========================  ======  ===========================================
    """
    services = _sorted_values(server.list_objects(SERVICES_RESOURCE))
    routes = _sorted_values(server.list_objects(ROUTES_RESOURCE))
    if not services:
        # Someone emptied the world: grow it back rather than fail.
        seed(server)
        return "reseeded the demo world"
    if len(routes) < MIN_ROUTES:
        action = "add-route"
    elif len(routes) >= MAX_ROUTES:
        action = "remove-route"
    else:
        action = rng.choices(
            ("flip", "retarget", "add-route", "remove-route", "scale"), weights=(5, 2, 2, 2, 1)
        )[0]

    if action == "flip":
        svc = _pick(rng, services)
        eps = svc["spec"].get("endpoints") or []
        if eps:
            ep = eps[rng.randrange(len(eps))]
            ep["ready"] = not ep.get("ready", False)
            server.update(SERVICES_RESOURCE, svc)
            state = "ready" if ep["ready"] else "not ready"
            return f"service {_key(svc)}: endpoint {ep['address']} {state}"
        action = "scale"

    if action == "scale":
        svc = _pick(rng, services)
        eps = svc["spec"].setdefault("endpoints", [])
        if len(eps) > 1 and (len(eps) >= MAX_ENDPOINTS or rng.random() < 0.5):
            gone = eps.pop(rng.randrange(len(eps)))
            server.update(SERVICES_RESOURCE, svc)
            return f"service {_key(svc)}: endpoint {gone['address']} removed"
        new = _new_endpoint(rng, svc)
        eps.append(new)
        server.update(SERVICES_RESOURCE, svc)
        return f"service {_key(svc)}: endpoint {new['address']} added"

    if action == "retarget":
        route = _pick(rng, routes)
        ns = route["metadata"]["namespace"]
        candidates = [
            s
            for s in services
            if s["metadata"]["namespace"] == ns and s["metadata"]["name"] != route["spec"]["service"]
        ]
        if candidates:
            target = _pick(rng, candidates)["metadata"]["name"]
            route["spec"]["service"] = target
            route["spec"]["port"] = _service_port(ns, target)
            server.update(ROUTES_RESOURCE, route)
            return f"route {_key(route)}: {route['spec']['pathPrefix']} -> {target}"
        action = "add-route"

    if action == "remove-route":
        route = _pick(rng, routes)
        server.delete(ROUTES_RESOURCE, _key(route))
        return f"route {_key(route)} removed ({route['spec']['pathPrefix']})"

    # add-route
    svc = _pick(rng, services)
    ns, target = svc["metadata"]["namespace"], svc["metadata"]["name"]
    taken = {r["metadata"]["name"] for r in routes if r["metadata"]["namespace"] == ns}
    n = rng.randrange(1, 100)
    while f"{target}-v{n}" in taken:
        n += 1
    name = f"{target}-v{n}"
    prefix = f"/v{n}/{target}"
    server.create(ROUTES_RESOURCE, route_object(ns, name, prefix, target, _service_port(ns, target)))
    return f"route {ns}/{name} added ({prefix} -> {target})"


def _key(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return f"{meta['namespace']}/{meta['name']}"


def _new_endpoint(rng: random.Random, svc: dict[str, Any]) -> dict[str, Any]:
    eps = svc["spec"]["endpoints"]
    used = {e.get("address") for e in eps}
    port = eps[0]["port"] if eps else _service_port(svc["metadata"]["namespace"], svc["metadata"]["name"])
    ns = svc["metadata"]["namespace"]
    ni = _NAMESPACES.index(ns) if ns in _NAMESPACES else len(_NAMESPACES)
    si = sum(ord(c) for c in svc["metadata"]["name"]) % 250
    host = rng.randrange(10, 250)
    while f"10.{ni}.{si}.{host}" in used:
        host = host % 250 + 1
    return {"address": f"10.{ni}.{si}.{host}", "port": port, "ready": rng.random() < 0.8}


async def churn(
    server: WritableServer,
    *,
    rate: float = 3.0,
    rng: random.Random | int | None = None,
    max_changes: int | None = None,
) -> int:
    """Change the world ``rate`` times per second until cancelled (or ``max_changes`` made).

    ``rng`` is a :class:`random.Random` or a seed; the same seed makes the same changes on
    the same starting state. Returns the number of changes made (only reached when
    ``max_changes`` is given; otherwise the task runs until its scope is cancelled).
    """
    if rate <= 0:
        raise ValueError(f"churn rate must be positive, not {rate!r}")
    r = _rng(rng)
    interval = 1.0 / rate
    made = 0
    while max_changes is None or made < max_changes:
        await trio.sleep(interval)
        log.debug("demo churn: %s", churn_step(server, r))
        made += 1
    return made


async def populate(
    server: WritableServer, *, churn_rate: float | None = 3.0, rng: random.Random | int | None = None
) -> None:
    """Seed the world, then churn it at ``churn_rate`` until cancelled (``None`` or 0: seed only).

    Fits :func:`informer.server.serve_forever`'s ``populate`` hook::

        await serve_forever(populate=functools.partial(world.populate, churn_rate=args.churn_rate))
    """
    seed(server)
    if churn_rate:
        await churn(server, rate=churn_rate, rng=rng)
