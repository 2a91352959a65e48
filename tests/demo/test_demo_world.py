"""The demo world of ``informer-run`` with no arguments: the seed is what the docs say, and
the churn keeps the world consistent, bounded and reproducible, against the real embedded server."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
import trio
from informer.server import open_embedded_server
from informer_demo import world
from informer_demo.indexers import routes_by_service, services_by_health


def _check_consistent(server: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """The invariants the demo promises, read from the server (the oracle)."""
    services = server.list_objects(world.SERVICES_RESOURCE)
    routes = server.list_objects(world.ROUTES_RESOURCE)
    assert world.MIN_ROUTES <= len(routes) <= world.MAX_ROUTES
    for key, route in routes.items():
        ns = route["metadata"]["namespace"]
        assert f"{ns}/{route['spec']['service']}" in services, f"route {key} points nowhere"
        assert route["spec"]["pathPrefix"].startswith("/")
        assert isinstance(route["spec"]["port"], int)
    for key, svc in services.items():
        eps = svc["spec"]["endpoints"]
        assert 1 <= len(eps) <= world.MAX_ENDPOINTS, key
        addresses = [e["address"] for e in eps]
        assert len(set(addresses)) == len(addresses), f"duplicate endpoint in {key}"
    prefixes = Counter(r["spec"]["pathPrefix"] for r in routes.values())
    assert max(prefixes.values()) == 1, "two demo routes claim one prefix"
    return services, routes


async def test_seed_creates_the_documented_world_once() -> None:
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        assert world.seed(server) == 30
        services, routes = _check_consistent(server)
        assert len(services) == 10 and len(routes) == 20
        assert {s["metadata"]["namespace"] for s in services.values()} == {"shop", "payments", "identity"}
        assert all(s["metadata"]["resourceVersion"] for s in services.values())
        # All endpoints start ready, so every service starts healthy.
        assert {tuple(services_by_health(s)) for s in services.values()} == {("healthy",)}
        by_service = Counter(v for r in routes.values() for v in routes_by_service(r))
        assert by_service["shop/catalog"] == 2  # /catalog and /catalog/items
        assert world.seed(server) == 0  # idempotent
        assert len(server.list_objects(world.ROUTES_RESOURCE)) == 20


async def test_churn_keeps_the_world_consistent_and_bounded() -> None:
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        world.seed(server)
        rng = random.Random(7)
        kinds: Counter[str] = Counter()
        for _ in range(400):
            description = world.churn_step(server, rng)
            kinds[description.split()[0] + (" removed" if "removed" in description else "")] += 1
            _check_consistent(server)
        # Over 400 steps every kind of change happened, and not only once.
        assert kinds["service"] > 100 and kinds["route"] > 20 and kinds["route removed"] > 20
        health = Counter(
            v for s in server.list_objects(world.SERVICES_RESOURCE).values() for v in services_by_health(s)
        )
        assert sum(health.values()) == 10


def _spec_state(server: Any) -> dict[str, Any]:
    return {
        name: {k: o["spec"] for k, o in server.list_objects(name).items()} for name in world.RESOURCE_NAMES
    }


async def test_churn_is_deterministic_with_a_seed() -> None:
    runs = []
    for _ in range(2):
        async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
            world.seed(server)
            rng = random.Random(1234)
            steps = [world.churn_step(server, rng) for _ in range(60)]
            runs.append((steps, _spec_state(server)))
    assert runs[0] == runs[1]
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        world.seed(server)
        rng = random.Random(4321)
        other = [world.churn_step(server, rng) for _ in range(60)]
    assert other != runs[0][0]


async def test_churn_task_runs_at_its_rate_and_stops() -> None:
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        world.seed(server)
        before = _spec_state(server)
        with trio.fail_after(10):
            made = await world.churn(server, rate=500.0, rng=3, max_changes=25)
        assert made == 25
        assert _spec_state(server) != before
        # Until cancelled, when no bound is given: cancellation is clean.
        with trio.move_on_after(0.2):
            await world.churn(server, rate=50.0, rng=3)
        _check_consistent(server)


async def test_churn_rejects_a_bad_rate() -> None:
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        with pytest.raises(ValueError, match="churn rate must be positive"):
            await world.churn(server, rate=0)


def test_server_serves_what_the_demo_plugin_declares() -> None:
    from informer.plugins import load_plugins
    from informer.server import DEMO_RESOURCES

    assert (
        {r.name for r in world.SERVER_RESOURCES}
        == {r.name for r in DEMO_RESOURCES}
        == set(world.RESOURCE_NAMES)
    )
    registry = load_plugins([])
    assert registry.plugins["demo"].ok, registry.plugins["demo"].errors
    for served in world.SERVER_RESOURCES:
        declared = registry.resource_type(served.name)
        assert (declared.group, declared.version, declared.plural, declared.kind, declared.namespaced) == (
            served.group,
            served.version,
            served.plural,
            served.kind,
            served.namespaced,
        )


async def test_populate_seeds_then_churns_until_cancelled() -> None:
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        with trio.fail_after(5):
            await world.populate(server, churn_rate=None)  # seed only: returns
        seeded = _spec_state(server)
        with trio.move_on_after(0.3):
            await world.populate(server, churn_rate=100.0, rng=5)
        assert _spec_state(server) != seeded
        _check_consistent(server)
