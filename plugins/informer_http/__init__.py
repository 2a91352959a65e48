"""Built-in trio-informer plugin ``http``: a source for any Kubernetes-wire list/watch server.

Public names: :class:`informer_http.source.HttpSource` (build on it for servers that need
extra auth or TLS handling) and :func:`informer_http.source.create_source` (the factory
registered by :mod:`informer_http.plugin`).
"""

from __future__ import annotations

from ._stream import WatchStream
from .source import HttpSource, create_source

__all__ = ["HttpSource", "WatchStream", "create_source"]
