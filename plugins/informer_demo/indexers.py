"""Indexers of the demo world (plain-mapping objects, as the built-in ``json`` decoder gives them).

* ``demo.routes-by-service``: a route is filed under ``namespace/service`` of its backend,
  so "which routes break if ``shop/catalog`` goes down?" is one index look-up:
  ``store.by_index("demo.routes-by-service", "shop/catalog")``.
* ``demo.services-by-health``: a service is filed under ``healthy`` (every endpoint ready),
  ``degraded`` (some) or ``down`` (none, or no endpoints at all) — what a dashboard counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["routes_by_service", "services_by_health"]


def routes_by_service(obj: Mapping[str, Any]) -> list[str]:
    """``["namespace/service"]`` of a route's backend, or ``[]`` for a route without one."""
    service = (obj.get("spec") or {}).get("service")
    if not service:
        return []
    namespace = (obj.get("metadata") or {}).get("namespace") or ""
    return [f"{namespace}/{service}" if namespace else str(service)]


def services_by_health(obj: Mapping[str, Any]) -> list[str]:
    """``["healthy"]``, ``["degraded"]`` or ``["down"]`` from the endpoints' ``ready`` flags."""
    endpoints = (obj.get("spec") or {}).get("endpoints") or []
    ready = sum(1 for e in endpoints if e.get("ready"))
    if endpoints and ready == len(endpoints):
        return ["healthy"]
    return ["degraded"] if ready else ["down"]
