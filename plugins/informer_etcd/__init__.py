"""Built-in trio-informer plugin: etcd v3 key prefixes as informer resources.

Reads go through etcd's HTTP/JSON gateway (``/v3/kv/range``, ``/v3/watch``) with httpx, so
no gRPC stack is needed. Public surface:

* :class:`EtcdSource` / :func:`create_source` — the informer source for one key prefix;
* :func:`resource_for_prefix` — the :class:`~informer.ResourceType` of a prefix;
* :class:`EtcdClient` — a small write client (put, delete, txn, compact) for tests and
  tutorials;
* :data:`OPTIONS_SCHEMA` — the JSON Schema of the source options;
* :mod:`informer_etcd.testing` — run a throw-away etcd (``EtcdServer``).
"""

from __future__ import annotations

from ._connection import EtcdConnection
from ._options import OPTIONS_SCHEMA, EtcdOptions
from ._resources import is_prefix, name_for_prefix, resource_for_prefix
from ._wire import prefix_range_end
from .client import EtcdClient
from .source import EtcdSource, create_source

__all__ = [
    "OPTIONS_SCHEMA",
    "EtcdClient",
    "EtcdConnection",
    "EtcdOptions",
    "EtcdSource",
    "create_source",
    "is_prefix",
    "name_for_prefix",
    "prefix_range_end",
    "resource_for_prefix",
]
