"""The ``gateway`` plugin's hook implementations (entry point ``gateway = "informer_gateway.plugin"``).

Contributes, as data (each descriptor is validated by trio-informer before anything runs):

* resource types ``services.gateway.example.com`` and ``routes.gateway.example.com``
  (group ``gateway.example.com``, version ``v1``, namespaced), decoded into the typed
  :class:`~informer_gateway.model.Service` and :class:`~informer_gateway.model.Route`;
* decoders ``gateway.service`` and ``gateway.route`` (cattrs, into those attrs classes);
* indexer ``gateway.routes-by-service``;
* handler ``gateway.routing-table`` (see :mod:`informer_gateway.handler`);
* a start-up hook running the routing tables' publishers and HTTP endpoints.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from informer.plugins import hookimpl

from ._runtime import running
from .handler import OPTIONS_SCHEMA

__all__ = [
    "informer_decoders",
    "informer_handlers",
    "informer_indexers",
    "informer_resource_types",
    "informer_startup",
]

GROUP = "gateway.example.com"
SERVICES = f"services.{GROUP}"
ROUTES = f"routes.{GROUP}"

_METADATA = {
    "type": "object",
    "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1}, "namespace": {"type": "string"}},
}

#: JSON Schemas of the wire objects, checked only when a config asks (``validate_objects``):
#: the typed decoders already refuse what they cannot structure; these also say *why* in
#: JSON Schema terms, for objects written by hand.
SERVICE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["metadata", "spec"],
    "properties": {
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "properties": {
                "endpoints": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["address", "port"],
                        "properties": {
                            "address": {"type": "string", "minLength": 1},
                            "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                            "ready": {"type": "boolean"},
                        },
                    },
                }
            },
        },
    },
}
ROUTE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["metadata", "spec"],
    "properties": {
        "metadata": _METADATA,
        "spec": {
            "type": "object",
            "required": ["pathPrefix", "service"],
            "properties": {
                "pathPrefix": {"type": "string", "pattern": "^/"},
                "service": {"type": "string", "minLength": 1},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
            },
        },
    },
}


@hookimpl
def informer_resource_types() -> list[dict[str, Any]]:
    common = {"group": GROUP, "version": "v1", "namespaced": True}
    return [
        {
            **common,
            "name": SERVICES,
            "kind": "Service",
            "plural": "services",
            "decoder": "gateway.service",
            "object_schema": SERVICE_SCHEMA,
            "description": "Backend services of the API gateway and their endpoints.",
        },
        {
            **common,
            "name": ROUTES,
            "kind": "Route",
            "plural": "routes",
            "decoder": "gateway.route",
            "object_schema": ROUTE_SCHEMA,
            "indexers": ["gateway.routes-by-service"],
            "description": "API gateway routes: a path prefix sent to a backend service.",
        },
    ]


@hookimpl
def informer_decoders() -> list[dict[str, Any]]:
    return [
        {"name": "gateway.service", "type": "informer_gateway.model:Service"},
        {"name": "gateway.route", "type": "informer_gateway.model:Route"},
    ]


@hookimpl
def informer_indexers() -> list[dict[str, Any]]:
    return [{"name": "gateway.routes-by-service", "function": "informer_gateway.index:routes_by_service"}]


@hookimpl
def informer_handlers() -> list[dict[str, Any]]:
    return [
        {
            "name": "gateway.routing-table",
            "factory": "informer_gateway.handler:create_handler",
            "resource_types": [ROUTES, SERVICES],
            "options_schema": OPTIONS_SCHEMA,
            "description": "A live routing table: path prefix -> ready backend endpoints.",
        }
    ]


@hookimpl
def informer_startup(manager: Any) -> AbstractAsyncContextManager[None]:
    # The routing tables' publishers and HTTP endpoints run for the life of the manager, in a
    # nursery this context manager owns (see informer_gateway._runtime).
    return running()
