"""Fixtures: an embedded server and HttpSources pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from informer import ResourceType, Scope, SourceSpec
from informer.server import EmbeddedServer, ServerResource, open_embedded_server
from informer_http import HttpSource

ROUTES = "routes.gateway.example.com"
ROUTE_TYPE = ResourceType(
    name=ROUTES, kind="Route", group="gateway.example.com", version="v1", plural="routes", namespaced=True
)
CONFIGMAP_TYPE = ResourceType(
    name="configmaps", kind="ConfigMap", group="", version="v1", plural="configmaps"
)
NAMESPACE_TYPE = ResourceType(
    name="namespaces", kind="Namespace", group="", version="v1", plural="namespaces", namespaced=False
)


def route(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace, "labels": labels}, "spec": {"pathPrefix": "/"}}


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedServer]:
    resources = [ServerResource.parse(n) for n in (ROUTES, "configmaps", "namespaces")]
    async with open_embedded_server(resources, bookmark_interval=0.2) as srv:
        yield srv


SourceMaker = Callable[..., HttpSource]


@pytest.fixture
async def make_source(server: EmbeddedServer) -> AsyncIterator[SourceMaker]:
    made: list[HttpSource] = []

    def make(resource: ResourceType = ROUTE_TYPE, scope: Scope | None = None, **options: Any) -> HttpSource:
        source = HttpSource(SourceSpec(resource, scope or Scope(), {"url": server.url, **options}))
        made.append(source)
        return source

    yield make
    for source in made:
        await source.aclose()
