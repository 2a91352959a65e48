"""The handler driven by real informers (in-process) over the embedded server: one handler
instance on both the routes and the services informer, the table follows the server."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from informer_gateway import RoutingTableHandler

SERVICES = "services.gateway.example.com"
ROUTES = "routes.gateway.example.com"


def service(ns: str, name: str, *eps: tuple[str, bool]) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"endpoints": [{"address": a, "port": 8080, "ready": r} for a, r in eps]},
    }


def route(ns: str, name: str, prefix: str, svc: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"pathPrefix": prefix, "service": svc, "port": 8080},
    }


async def until(predicate: Any, what: str) -> None:
    with trio.fail_after(10):
        while not predicate():  # noqa: ASYNC110 - the informers' tasks change what is polled
            await trio.sleep(0.01)


@pytest.mark.informer_server(
    resources=[SERVICES, ROUTES],
    objects={
        SERVICES: [service("shop", "catalog", ("10.0.0.1", True), ("10.0.0.2", True))],
        ROUTES: [route("shop", "catalog", "/catalog", "catalog"), route("shop", "root", "/", "catalog")],
    },
)
async def test_routing_table_follows_the_server(informer_server: Any, informer_informer: Any) -> None:
    handler = RoutingTableHandler()
    async with (
        informer_informer(SERVICES, informer_server, handlers=[handler]) as services,
        informer_informer(ROUTES, informer_server, handlers=[handler]) as routes,
    ):
        await services.wait_synced(timeout=10)
        await routes.wait_synced(timeout=10)
        table = handler.table

        def backends(path: str) -> tuple[str, ...] | None:
            entry = table.match(path)
            return None if entry is None else entry.backends

        await until(lambda: backends("/catalog/x") == ("10.0.0.1:8080", "10.0.0.2:8080"), "initial table")
        # The routes store is indexed by backend service, as the plugin declares.
        assert sorted(r.key for r in routes.store.by_index("gateway.routes-by-service", "shop/catalog")) == [
            "shop/catalog",
            "shop/root",
        ]

        svc = informer_server.list_objects(SERVICES)["shop/catalog"]
        svc["spec"]["endpoints"][1]["ready"] = False
        informer_server.update(SERVICES, svc)
        await until(lambda: backends("/catalog") == ("10.0.0.1:8080",), "endpoint not ready")

        informer_server.create(SERVICES, service("shop", "search", ("10.0.9.1", True)))
        informer_server.create(ROUTES, route("shop", "search", "/catalog/search", "search"))
        await until(lambda: backends("/catalog/search/q") == ("10.0.9.1:8080",), "longer prefix")
        assert backends("/catalog/other") == ("10.0.0.1:8080",)

        informer_server.delete(ROUTES, "shop/catalog")
        await until(lambda: getattr(table.match("/catalog/x"), "route", None) == "shop/root", "fallback")
        assert handler.generation >= 4
        # The handler saw a consistent history: its table equals one built from the caches.
        from informer_gateway import RoutingTable

        rebuilt = RoutingTable([*services.store.list(), *routes.store.list()])
        assert rebuilt.to_json() == table.to_json()
