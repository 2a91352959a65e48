"""Value objects describing what to watch: resource types and the scope of one informer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["Indexer", "KeyFunc", "ResourceType", "Scope"]

#: obj -> key. Must be a pure function of the decoded object.
KeyFunc = Callable[[Any], str]
#: obj -> the index values this object is filed under (client-go's IndexFunc).
Indexer = Callable[[Any], "list[str] | tuple[str, ...] | set[str] | frozenset[str]"]


@attrs.frozen(slots=True)
class ResourceType:
    """One kind of resource, resolved from a plugin's descriptor (see the schema
    ``resource_type.schema.json``): everything the core needs to run an informer for it.

    ``name`` is unique across plugins: Kubernetes-style resources use the kubectl name
    (``configmaps``, ``routes.gateway.example.com``); etcd resources a prefix-derived name.

    Where the resource lives is source-specific and kept as plain fields: ``group``,
    ``version``, ``plural``, ``kind``, ``namespaced`` for Kubernetes-style servers;
    ``prefix`` for key-value servers. A source reads the fields it understands.
    """

    name: str
    kind: str = ""
    group: str = ""
    version: str = "v1"
    plural: str = ""
    namespaced: bool = True
    prefix: str | None = None
    #: decoded form of one object: wire object -> cached object.
    decoder: Callable[[Any], Any] | None = None
    #: key function; ``None`` = the source's key if it gives one, else ``namespace/name``.
    key: KeyFunc | None = None
    #: named indexers applied to every object of this type.
    indexers: Mapping[str, Indexer] = attrs.field(factory=dict)
    #: optional transform applied after decoding, before storing.
    transform: Callable[[Any], Any] | None = None
    #: resync period in seconds (0 = never).
    resync_seconds: float = 0.0
    #: optional JSON Schema of one object (checked only when asked: it costs).
    object_schema: Mapping[str, Any] | None = None
    #: which plugin contributed this type (for messages).
    plugin: str = ""
    description: str = ""

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version


@attrs.frozen(slots=True)
class Scope:
    """What part of a resource one informer watches."""

    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
