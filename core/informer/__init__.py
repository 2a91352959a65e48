"""trio-informer: local, indexed, always-current caches of list+watch resources, for trio.

The public surface is re-exported here; every other module is private (``_name``) unless it
is a documented subpackage (``informer.server``, ``informer.plugins``, ``informer.cli``).
"""

from __future__ import annotations

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
from ._resource import Indexer, KeyFunc, ResourceType, Scope
from ._source import Source, SourceFactory, SourceSpec

__version__ = "0.1.0"

__all__ = [
    "INITIAL_EVENTS_END",
    "WIRE_NAME",
    "ConfigError",
    "ConnectFailed",
    "ContinueExpired",
    "DecodeError",
    "DescriptorError",
    "EventType",
    "Expired",
    "Forbidden",
    "Indexer",
    "InformerError",
    "KeyFunc",
    "ListPage",
    "PluginError",
    "ProtocolError",
    "ResourceNotFound",
    "ResourceType",
    "Scope",
    "ServerError",
    "Source",
    "SourceError",
    "SourceFactory",
    "SourceSpec",
    "SyncTimeout",
    "TooManyRequests",
    "Unauthorized",
    "WatchEvent",
    "__version__",
    "converter",
    "typed_decoder",
]
