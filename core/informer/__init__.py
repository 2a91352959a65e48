"""trio-informer: local, indexed, always-current caches of list+watch resources, for trio.

The public surface is re-exported here; every other module is private (``_name``) unless it
is a documented subpackage (``informer.server``, ``informer.plugins``, ``informer.cli``).
"""

from __future__ import annotations

from ._backoff import Backoff
from ._decoders import WIRE_NAME, converter, typed_decoder
from ._events import INITIAL_EVENTS_END, EventType, ListPage, WatchEvent
from ._exceptions import (
    ConfigError,
    ConnectFailed,
    ContinueExpired,
    DecodeError,
    DescriptorError,
    Expired,
    Forbidden,
    InformerError,
    PluginError,
    ProtocolError,
    ResourceNotFound,
    ServerError,
    SourceError,
    SyncTimeout,
    TooManyRequests,
    Unauthorized,
)
from ._field_index import field_indexer
from ._informer import Informer, meta_namespace_key, namespace_indexer, open_informer
from ._listener import BacklogPolicy, FunctionHandler, HandlerRegistration, Notification
from ._manager import InformerManager, InformerSpec, ReconfigureResult, open_manager
from ._raw import RawObject, raw_default
from ._resource import Indexer, KeyFunc, ResourceType, Scope
from ._source import Source, SourceFactory, SourceSpec
from ._stats import InformerStats, LatencyHistogram
from ._store import Store

__version__ = "0.1.0"

__all__ = [
    "INITIAL_EVENTS_END",
    "WIRE_NAME",
    "BacklogPolicy",
    "Backoff",
    "ConfigError",
    "ConnectFailed",
    "ContinueExpired",
    "DecodeError",
    "DescriptorError",
    "EventType",
    "Expired",
    "Forbidden",
    "FunctionHandler",
    "HandlerRegistration",
    "Indexer",
    "Informer",
    "InformerError",
    "InformerManager",
    "InformerSpec",
    "InformerStats",
    "KeyFunc",
    "LatencyHistogram",
    "ListPage",
    "Notification",
    "PluginError",
    "ProtocolError",
    "RawObject",
    "ReconfigureResult",
    "ResourceNotFound",
    "ResourceType",
    "Scope",
    "ServerError",
    "Source",
    "SourceError",
    "SourceFactory",
    "SourceSpec",
    "Store",
    "SyncTimeout",
    "TooManyRequests",
    "Unauthorized",
    "WatchEvent",
    "__version__",
    "converter",
    "field_indexer",
    "meta_namespace_key",
    "namespace_indexer",
    "open_informer",
    "open_manager",
    "raw_default",
    "typed_decoder",
]
