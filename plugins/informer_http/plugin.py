"""The ``http`` plugin: a source for any server speaking the Kubernetes list/watch wire format.

``informer-run --source http://host:port --resource routes.gateway.example.com`` uses it,
as does a config file entry ``sources: [{name: http, options: {url: ...}}]``.
"""

from __future__ import annotations

from typing import Any

from informer.plugins import hookimpl

#: what ``options`` of an ``http`` source may hold (validated before the source is built)
OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["url"],
    "additionalProperties": False,
    "properties": {
        "url": {
            "type": "string",
            "pattern": "^https?://",
            "description": "Base URL of the server, e.g. http://127.0.0.1:8080.",
        },
        "headers": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Extra HTTP headers sent with every request.",
        },
        "token": {"type": "string", "description": "Bearer token sent as the Authorization header."},
        "verify": {
            "oneOf": [{"type": "boolean"}, {"type": "string"}],
            "description": "TLS verification: true (system CAs), false, or the path of a CA bundle.",
        },
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds a list request may take (default 60). Watches have no read timeout.",
        },
        "page_size": {
            "type": "integer",
            "minimum": 0,
            "description": "Accepted for convenience; the informer's page_size decides list paging.",
        },
    },
}


@hookimpl
def informer_sources() -> list[dict[str, Any]]:
    return [
        {
            "name": "http",
            "schemes": ["http", "https"],
            "factory": "informer_http.source:create_source",
            "options_schema": OPTIONS_SCHEMA,
            "description": "Any server speaking the Kubernetes list/watch wire format over HTTP(S) "
            "(the embedded server, kube-apiserver without kubeconfig handling).",
        }
    ]
