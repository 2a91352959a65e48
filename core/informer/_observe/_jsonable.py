"""Turning cached objects into JSON, for the jsonl stream, snapshots and ``/debug/cache``.

The cache holds whatever the resource type's decoder produced: usually plain mappings (then
this is just ``orjson.dumps``), sometimes attrs classes structured by cattrs, sometimes raw
bytes or text (etcd values under the ``bytes``/``text`` decoders). Only the unusual cases pay
for the ``default`` hook: orjson calls it for types it does not serialise natively.
"""

from __future__ import annotations

import base64
import importlib
from collections.abc import Mapping, Set
from typing import Any

import attrs
import orjson

__all__ = ["dumps", "jsonable"]

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _unstructure(obj: Any) -> Any:
    # The project's single cattrs converter knows the hooks plugins registered (renamed
    # fields, omitted defaults); fall back to attrs' own walk when it is not there.
    try:
        converter = importlib.import_module("informer._decoders").converter
    except (ImportError, AttributeError):  # pragma: no cover - the plugin machinery is not there
        return attrs.asdict(obj, recurse=True)
    return converter.unstructure(obj)


def _default(obj: Any) -> Any:
    if attrs.has(type(obj)):
        return _unstructure(obj)
    if isinstance(obj, bytes | bytearray | memoryview):
        raw = bytes(obj)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            # Not text: keep it lossless and say what it is.
            return {"base64": base64.b64encode(raw).decode("ascii")}
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, Set):
        return sorted(obj, key=repr)
    if isinstance(obj, BaseException):
        return str(obj)
    raise TypeError(f"cannot represent {type(obj).__name__} as JSON")


def dumps(obj: Any) -> bytes:
    """``obj`` as compact JSON bytes (no trailing newline)."""
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def jsonable(obj: Any) -> Any:
    """``obj`` as plain JSON data (dicts, lists, strings, numbers): round-trips through :func:`dumps`.

    Only for the cold paths (tests, the debug endpoint's filters); the writers call :func:`dumps`.
    """
    return orjson.loads(dumps(obj))
