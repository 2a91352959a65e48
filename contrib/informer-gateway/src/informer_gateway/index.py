"""The ``gateway.routes-by-service`` indexer: routes filed under their backend, ``namespace/name``.

With it, "which routes does ``shop/catalog`` serve?" is one look-up in the routes informer's
store instead of a scan::

    store.by_index("gateway.routes-by-service", "shop/catalog")   # -> [Route, ...]
"""

from __future__ import annotations

from typing import Any

from .model import Route

__all__ = ["routes_by_service"]


def routes_by_service(obj: Any) -> list[str]:
    """``[route.service_key]`` for a typed :class:`Route`; also reads a plain wire mapping, so
    the indexer works whichever decoder the resource type is configured with."""
    if isinstance(obj, Route):
        return [obj.service_key]
    spec = obj.get("spec") or {}
    service = spec.get("service")
    if not service:
        return []
    if "/" in service:
        return [service]
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [f"{namespace}/{service}" if namespace else service]
