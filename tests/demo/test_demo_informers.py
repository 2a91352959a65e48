"""The demo world as ``informer-run`` sees it: informers on both demo types, the churn running,
and the caches (with their indexes) equal to the server once the churn stops."""

from __future__ import annotations

from typing import Any

import trio
from informer.server import open_embedded_server
from informer_demo import world
from informer_demo.handlers import HealthLog
from informer_demo.indexers import services_by_health


def _versions(objects: Any) -> dict[str, str]:
    return {k: o["metadata"]["resourceVersion"] for k, o in objects}


async def test_informers_follow_the_churning_world(informer_informer: Any, informer_plugins: Any) -> None:
    registry = informer_plugins()  # the built-ins, demo among them
    health = HealthLog()
    async with open_embedded_server(resources=list(world.SERVER_RESOURCES)) as server:
        world.seed(server)
        async with (
            informer_informer(
                world.SERVICES_RESOURCE, server, registry=registry, handlers=[health]
            ) as services,
            informer_informer(world.ROUTES_RESOURCE, server, registry=registry) as routes,
        ):
            await services.wait_synced(timeout=10)
            await routes.wait_synced(timeout=10)
            assert len(services.store) == 10 and len(routes.store) == 20
            with trio.fail_after(20):
                await world.churn(server, rate=200.0, rng=11, max_changes=150)
                for informer in (services, routes):
                    want = _versions(server.list_objects(informer.resource.name).items())
                    while _versions(informer.store.items()) != want:  # noqa: ASYNC110 - reflector task fills it
                        await trio.sleep(0.02)
            # Indexes are kept incrementally through all of it.
            for key, svc in server.list_objects(world.SERVICES_RESOURCE).items():
                (health_class,) = services_by_health(svc)
                assert svc in services.store.by_index("demo.services-by-health", health_class)
                ns, name = key.split("/")
                expected = sorted(
                    k
                    for k, r in server.list_objects(world.ROUTES_RESOURCE).items()
                    if r["metadata"]["namespace"] == ns and r["spec"]["service"] == name
                )
                got = sorted(
                    f"{r['metadata']['namespace']}/{r['metadata']['name']}"
                    for r in routes.store.by_index("demo.routes-by-service", key)
                )
                assert got == expected, key
            counted = sum(
                len(services.store.by_index("demo.services-by-health", h))
                for h in ("healthy", "degraded", "down")
            )
            assert counted == 10
            assert health.transitions > 0  # endpoint flips changed some service's health
