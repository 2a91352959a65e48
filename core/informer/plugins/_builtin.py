"""The ``core`` plugin: the built-in decoders, key functions, indexer and transform.

It is registered through the same registry and validated against the same schemas as
every other plugin (only its registration is implicit: it cannot be left out, since
resource types of every plugin name its contributions as defaults).
"""

from __future__ import annotations

from typing import Any

from ._hookspecs import hookimpl

__all__ = ["CORE_PLUGIN"]

#: the name the built-ins are registered under
CORE_PLUGIN = "core"


@hookimpl
def informer_decoders() -> list[dict[str, Any]]:
    return [
        {
            "name": "json",
            "function": "informer._decoders:decode_json",
            "description": "JSON objects as plain mappings (the default; free for already-parsed objects).",
        },
        {"name": "text", "function": "informer._decoders:decode_text", "description": "UTF-8 text values."},
        {"name": "bytes", "function": "informer._decoders:decode_bytes", "description": "Raw bytes values."},
    ]


@hookimpl
def informer_key_functions() -> list[dict[str, Any]]:
    return [
        {
            "name": "namespace-name",
            "function": "informer._keys:namespace_name",
            "description": "namespace/name, or name for cluster-scoped objects (client-go's default).",
        },
        {"name": "name", "function": "informer._keys:name_key", "description": "metadata.name alone."},
    ]


@hookimpl
def informer_indexers() -> list[dict[str, Any]]:
    return [
        {
            "name": "namespace",
            "function": "informer._keys:namespace_index",
            "description": "Objects by namespace (added to every namespaced resource type).",
        }
    ]


@hookimpl
def informer_transforms() -> list[dict[str, Any]]:
    return [
        {
            "name": "drop-managed-fields",
            "function": "informer._keys:drop_managed_fields",
            "description": "Drop metadata.managedFields before storing (saves memory on Kubernetes objects).",
        }
    ]
