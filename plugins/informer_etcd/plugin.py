"""The ``etcd`` plugin: contributes the etcd source (``--source etcd://HOST:PORT``)."""

from __future__ import annotations

from typing import Any

from informer.plugins import hookimpl

from ._options import OPTIONS_SCHEMA

__all__ = ["informer_sources"]


@hookimpl
def informer_sources() -> list[dict[str, Any]]:
    return [
        {
            "name": "etcd",
            "schemes": ["etcd", "etcds"],
            "factory": "informer_etcd.source:create_source",
            "options_schema": OPTIONS_SCHEMA,
            "description": "etcd v3 key prefixes through etcd's JSON gateway (no gRPC): paged range at "
            "one revision, then watch with progress notifications; endpoints with failover, TLS, "
            "user/password auth.",
        }
    ]
