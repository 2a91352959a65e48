"""What ``informer-run plugins`` shows: one plain, JSON-ready mapping per plugin.

The shape is stable (``--json`` output is for machines)::

    {"name": "gateway", "version": "0.1.0", "distribution": "informer-gateway",
     "module": "informer_gateway.plugin", "location": "/.../informer_gateway/plugin.py",
     "builtin": false, "status": "ok" | "error" | "skipped",
     "hooks": ["informer_decoders", ...],
     "contributions": {"resource_types": ["routes.gateway.example.com", ...], ...},
     "errors": ["gateway: resource_types[0].key: 'nme' is not one of [...]"]}

``contributions`` always has every kind as a key (an empty list when nothing), so a
reader need not guess.
"""

from __future__ import annotations

from typing import Any

from ._hooks import CONTRIBUTION_KINDS
from ._registry import Registry

__all__ = ["describe_plugins"]


def describe_plugins(registry: Registry) -> list[dict[str, Any]]:
    """One mapping per known plugin (loaded, refused or skipped), in load order."""
    out: list[dict[str, Any]] = []
    for info in registry.plugins.values():
        out.append(
            {
                "name": info.name,
                "version": info.version,
                "distribution": info.distribution,
                "module": info.module,
                "location": info.location,
                "builtin": info.builtin,
                "status": info.status,
                "hooks": list(info.hooks),
                "contributions": {
                    kind: list(info.contributions.get(kind, ())) for kind in CONTRIBUTION_KINDS
                },
                "errors": [str(e) for e in info.errors],
            }
        )
    return out
