"""Fixtures: a real embedded server on 127.0.0.1 and an httpx client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from informer.server import EmbeddedServer, ServerResource, open_embedded_server

ROUTES = "routes.gateway.example.com"
RESOURCES = [
    ServerResource.parse(ROUTES),
    ServerResource.parse("configmaps"),
    ServerResource.parse("namespaces"),
    ServerResource.parse("routes.v2.gateway.example.com"),
]


def route(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": {"pathPrefix": f"/{name}", "service": "svc", "port": 8080},
    }


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedServer]:
    async with open_embedded_server(RESOURCES, bookmark_interval=0.2) as srv:
        yield srv


@pytest.fixture
async def client(server: EmbeddedServer) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as c:
        yield c
