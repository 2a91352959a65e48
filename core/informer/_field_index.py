"""Indexers by field path: ``field_indexer("spec.nodeName")``.

An indexer written as a lambda (``lambda p: (p["spec"]["nodeName"],)``) works on every
object shape but tells the informer nothing about what it reads, so with ``raw=True`` it
makes the :class:`~informer.RawObject` decode the whole ``spec``. An indexer built here
names its path, so on a raw object it decodes just the values on that path (a one-field
``msgspec`` struct per step; see :meth:`RawObject.lookup`) — about a microsecond instead
of decoding the part. On plain mappings and attribute objects it is the obvious chain of
lookups, so the same indexer serves every mode.
"""

from __future__ import annotations

from typing import Any

from ._decoders import camel_case
from ._raw import RawObject
from ._resource import Indexer

__all__ = ["field_indexer"]


def _step(value: Any, name: str, attr: str) -> Any:
    if isinstance(value, dict) or hasattr(value, "get"):
        return value.get(name)
    return getattr(value, attr, getattr(value, name, None))


def _snake(name: str) -> str:
    out = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
    return out if camel_case(out) == name else name


def field_indexer(path: str) -> Indexer:
    """An indexer filing each object under the value at the dotted ``path``.

    ``field_indexer("spec.nodeName")``, ``field_indexer("metadata.labels.app")``. A string
    value is one index value; a list gives one value per element; a missing path (or
    ``null``) files the object under none; other scalars are filed by their ``str``.
    Mappings are read by key, other objects by attribute (``nodeName`` also tries
    ``node_name``, the snake_case of typed models).
    """
    steps = tuple(path.split("."))
    if not path or not all(steps):
        raise ValueError(f"field_indexer: bad path {path!r} (want dotted names like 'spec.nodeName')")
    attrs = tuple(_snake(s) for s in steps)

    def index(obj: Any) -> tuple[str, ...]:
        if obj.__class__ is RawObject:
            value = obj.lookup(steps)
        else:
            value = obj
            for name, attr in zip(steps, attrs, strict=True):
                value = _step(value, name, attr)
                if value is None:
                    return ()
        if value is None:
            return ()
        if value.__class__ is str:
            return (value,)
        if isinstance(value, list | tuple):
            return tuple(v if isinstance(v, str) else str(v) for v in value if v is not None)
        return (str(value),)

    index.__name__ = index.__qualname__ = f"field_indexer({path!r})"
    return index
