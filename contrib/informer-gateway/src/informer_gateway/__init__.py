"""informer-gateway: an API gateway's live routing table, kept by trio-informer.

A third-party plugin for trio-informer (entry point ``gateway`` in the ``informer`` group),
built only on trio-informer's public, documented surface:

* :mod:`informer_gateway.model` — typed ``Service`` / ``Route`` (frozen attrs, cattrs-decoded);
* :mod:`informer_gateway.table` — :class:`RoutingTable`: longest-prefix match of path prefixes
  onto ready endpoints;
* :mod:`informer_gateway.handler` — the ``gateway.routing-table`` handler publishing the table
  (atomic JSON file, stderr, HTTP);
* :mod:`informer_gateway.index` — the ``gateway.routes-by-service`` indexer;
* :mod:`informer_gateway.plugin` — the hook implementations.

Run it::

    pip install informer-gateway
    informer-run --plugins gateway --config gateway.yaml
"""

from __future__ import annotations

from .handler import RoutingTableHandler, create_handler
from .model import Endpoint, ObjectMeta, Route, RouteSpec, Service, ServiceSpec
from .table import RouteEntry, RoutingTable

__version__ = "0.1.0"

__all__ = [
    "Endpoint",
    "ObjectMeta",
    "Route",
    "RouteEntry",
    "RouteSpec",
    "RoutingTable",
    "RoutingTableHandler",
    "Service",
    "ServiceSpec",
    "__version__",
    "create_handler",
]
