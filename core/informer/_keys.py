"""Built-in key functions, indexers and transforms (contributed by the ``core`` plugin).

They accept both plain mappings (the default ``json`` decoder) and typed objects whose
``metadata`` has ``name``/``namespace`` attributes (a cattrs-decoded model), so a resource
type can switch decoders without changing its key function. Mappings are tried first:
that is the hot path.
"""

from __future__ import annotations

from typing import Any

__all__ = ["drop_managed_fields", "name_key", "namespace_index", "namespace_name"]


def _metadata(obj: Any) -> tuple[str | None, str | None]:
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            return meta.get("namespace"), meta.get("name")
        return None, None
    meta = getattr(obj, "metadata", None)
    if meta is None:
        return None, None
    if isinstance(meta, dict):
        return meta.get("namespace"), meta.get("name")
    return getattr(meta, "namespace", None), getattr(meta, "name", None)


def namespace_name(obj: Any) -> str:
    """client-go's ``MetaNamespaceKeyFunc``: ``namespace/name``, or ``name`` when not namespaced."""
    namespace, name = _metadata(obj)
    if not name:
        raise ValueError("object has no metadata.name")
    return f"{namespace}/{name}" if namespace else str(name)


def name_key(obj: Any) -> str:
    """``metadata.name`` alone (cluster-scoped resources)."""
    name = _metadata(obj)[1]
    if not name:
        raise ValueError("object has no metadata.name")
    return str(name)


def namespace_index(obj: Any) -> tuple[str, ...]:
    """The ``namespace`` indexer: ``(namespace,)``, or ``()`` for cluster-scoped objects."""
    namespace = _metadata(obj)[0]
    return (str(namespace),) if namespace else ()


def drop_managed_fields(obj: Any) -> Any:
    """Drop ``metadata.managedFields`` (often half of a Kubernetes object; nobody reads it).

    The decoded mapping belongs to the cache alone (decoded once, never shared with the
    wire), so it is changed in place rather than copied.
    """
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            meta.pop("managedFields", None)
    return obj
