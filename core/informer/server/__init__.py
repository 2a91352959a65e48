"""The embedded list/watch server: the Kubernetes wire format over real HTTP, in-process.

It is both the project's test oracle and ``informer-run``'s embedded default::

    from informer.server import open_embedded_server, ServerResource, Faults

    async with open_embedded_server([ServerResource.parse("routes.gateway.example.com")]) as server:
        server.create("routes.gateway.example.com", {"metadata": {"name": "r1", "namespace": "default"}})
        server.faults.watch_drop_after = 5      # faults can be changed while it runs
        ...                                      # point any Kubernetes-wire client at server.url

Served (protocols.md Part B): discovery (``/api``, ``/api/v1``, ``/apis``, ``/apis/{g}``,
``/apis/{g}/{v}``, ``/version``); collection GET with ``limit``/``continue`` over a
consistent snapshot and Kubernetes' resourceVersion rules (``Exact`` lists rebuilt from
the event history, 410 once it no longer reaches back); watch from a version, "Get State"
for ``""``/``"0"``, bookmarks, ``timeoutSeconds``, ``sendInitialEvents`` with the
``k8s.io/initial-events-end`` bookmark, and 410 ERROR events; label and field
(``metadata.name``/``metadata.namespace``) selectors; GET, POST, PUT, PATCH (merge) and
DELETE with Kubernetes metadata (resourceVersion, uid, creationTimestamp, generation);
``Status`` bodies for every error; optional bearer tokens with per-verb rights and TLS.
Versions of one group and plural share their objects, as a multi-version custom resource's
do. kubectl and the official Python client accept it (``tests/server/test_real_clients.py``).

In-process API of :class:`EmbeddedServer`: ``url``, ``create``/``update``/``patch``/
``apply``/``delete``, ``get``/``list_objects``/``count`` (the oracle), ``faults``,
``tokens``, ``bookmark_interval``, ``resources``/``add_resource``, ``resource_version``,
``requests`` (what clients asked), ``watch_count``/``wait_watching``/``wait_watch_count``.
Standalone: :func:`serve_forever` (what ``informer-run serve`` runs).
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
