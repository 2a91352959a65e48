"""The ``gateway.namespace-name`` key function: client-go's ``namespace/name`` key of a typed object."""

from __future__ import annotations

from typing import Any

__all__ = ["namespace_name"]


def namespace_name(obj: Any) -> str:
    """``namespace/name`` (``name`` when cluster-wide) of a typed Route or Service, or of a mapping."""
    meta = getattr(obj, "metadata", None)
    if meta is not None and not isinstance(obj, dict):
        namespace, name = meta.namespace, meta.name
    else:
        m = obj["metadata"]
        namespace, name = m.get("namespace") or "", m["name"]
    return f"{namespace}/{name}" if namespace else str(name)
