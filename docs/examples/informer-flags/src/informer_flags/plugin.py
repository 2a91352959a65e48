"""The plugin: what informer-flags contributes to trio-informer, as descriptors."""

from __future__ import annotations

from typing import Any

from informer.plugins import hookimpl

from .handler import OPTIONS_SCHEMA

FLAGS = "flags.flags.example.com"


@hookimpl
def informer_resource_types() -> list[dict[str, Any]]:
    return [
        {
            "name": FLAGS,
            "kind": "Flag",
            "group": "flags.example.com",
            "version": "v1",
            "plural": "flags",
            "namespaced": True,
            "decoder": "flags.flag",
            "key": "flags.dotted-name",
            "indexers": ["flags.by-owner"],
            "description": "Feature flags: on or off, owned by a team, rolled out to a share of users.",
        }
    ]


@hookimpl
def informer_decoders() -> list[dict[str, Any]]:
    return [{"name": "flags.flag", "type": "informer_flags.model:Flag"}]


@hookimpl
def informer_key_functions() -> list[dict[str, Any]]:
    return [{"name": "flags.dotted-name", "function": "informer_flags.keys:dotted_name"}]


@hookimpl
def informer_indexers() -> list[dict[str, Any]]:
    return [{"name": "flags.by-owner", "function": "informer_flags.index:by_owner"}]


@hookimpl
def informer_handlers() -> list[dict[str, Any]]:
    return [
        {
            "name": "flags.announcer",
            "factory": "informer_flags.handler:create_handler",
            "resource_types": [FLAGS],
            "options_schema": OPTIONS_SCHEMA,
            "description": "Prints a line whenever a flag is switched on or off.",
        }
    ]
