"""The ``demo`` plugin: resource types and indexers of the demo world (see :mod:`informer_demo.world`).

Registered through the same entry point a third party uses (``demo = "informer_demo.plugin"``
in the ``informer`` group); it contributes data (and one small handler) — the embedded default of
``informer-run`` reads :data:`informer_demo.world.SERVER_RESOURCES`, seeds the server and
runs the churn, then starts one informer per type below.
"""

from __future__ import annotations

from typing import Any

from informer.plugins import hookimpl

from ._catalogue import GROUP, VERSION

__all__ = ["informer_handlers", "informer_indexers", "informer_resource_types"]


@hookimpl
def informer_resource_types() -> list[dict[str, Any]]:
    """``services.demo.informer.dev`` and ``routes.demo.informer.dev``, plain JSON objects."""
    common = {"group": GROUP, "version": VERSION, "namespaced": True, "decoder": "json", "resync_seconds": 0}
    return [
        {
            **common,
            "name": f"services.{GROUP}",
            "kind": "Service",
            "plural": "services",
            "indexers": ["demo.services-by-health"],
            "description": "Demo world: backend services and their endpoints (ready or not).",
        },
        {
            **common,
            "name": f"routes.{GROUP}",
            "kind": "Route",
            "plural": "routes",
            "indexers": ["demo.routes-by-service"],
            "description": "Demo world: gateway routes, a path prefix sent to a service.",
        },
    ]


@hookimpl
def informer_indexers() -> list[dict[str, Any]]:
    """The demo world's two indexers (see :mod:`informer_demo.indexers`)."""
    return [
        {
            "name": "demo.routes-by-service",
            "function": "informer_demo.indexers:routes_by_service",
            "description": "Routes by backend service, as namespace/service.",
        },
        {
            "name": "demo.services-by-health",
            "function": "informer_demo.indexers:services_by_health",
            "description": "Services by health: healthy, degraded or down.",
        },
    ]


@hookimpl
def informer_handlers() -> list[dict[str, Any]]:
    """``demo.health-log``: a log line per health change of a service (see :mod:`informer_demo.handlers`)."""
    return [
        {
            "name": "demo.health-log",
            "factory": "informer_demo.handlers:create_health_log",
            "resource_types": [f"services.{GROUP}"],
            "options_schema": {
                "type": "object",
                "additionalProperties": False,
                "properties": {"level": {"enum": ["debug", "info", "warning"]}},
            },
            "description": "Logs a line when a demo service turns healthy, degraded or down.",
        }
    ]
