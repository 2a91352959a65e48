"""The embedded list/watch server: the Kubernetes wire format over real HTTP, in-process.

It is both the project's test oracle and ``informer-run``'s embedded default::

    from informer.server import open_embedded_server, ServerResource, Faults

    async with open_embedded_server([ServerResource.parse("routes.gateway.example.com")]) as server:
        server.create("routes.gateway.example.com", {"metadata": {"name": "r1", "namespace": "default"}})
        server.faults.watch_drop_after = 5      # faults can be changed while it runs
        ...                                      # point any Kubernetes-wire client at server.url

Served: discovery (``/api``, ``/apis``, ``/version``...), list with ``limit``/``continue``
and resourceVersion semantics, watch with bookmarks, ``sendInitialEvents`` and in-stream
410s, label/field selectors, a write API (POST/PUT/DELETE) and Status errors. Real
Kubernetes clients (kubectl, the official Python client) accept it.
"""

from __future__ import annotations

from ._app import RequestRecord
from ._embedded import (
    DEMO_RESOURCES,
    EmbeddedServer,
    TLSFiles,
    Tokens,
    open_embedded_server,
    run_standalone,
    serve_forever,
)
from ._faults import Faults
from ._resource import ServerResource
from ._state import DEFAULT_HISTORY
from ._status import StatusError

__all__ = [
    "DEFAULT_HISTORY",
    "DEMO_RESOURCES",
    "EmbeddedServer",
    "Faults",
    "RequestRecord",
    "ServerResource",
    "StatusError",
    "TLSFiles",
    "Tokens",
    "open_embedded_server",
    "run_standalone",
    "serve_forever",
]
