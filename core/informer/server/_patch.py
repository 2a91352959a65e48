"""PATCH bodies: JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

A strategic merge patch (kubectl's default) is applied as a merge patch: the two agree
everywhere except on lists of objects with merge keys, which the embedded server has no
schema for (real servers replace such lists unless the schema says otherwise, too, for
custom resources).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ._status import StatusError

__all__ = ["JSON_PATCH", "MERGE_PATCHES", "apply_patch", "json_patch", "merge_patch"]

JSON_PATCH = "application/json-patch+json"
MERGE_PATCHES = frozenset({"application/merge-patch+json", "application/strategic-merge-patch+json"})


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` deletes a key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _invalid(message: str) -> StatusError:
    return StatusError(422, f"the JSON patch could not be applied: {message}", "Invalid")


def _tokens(pointer: Any) -> list[str]:
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise _invalid(f"invalid path {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _parent(doc: Any, tokens: list[str], pointer: Any) -> tuple[Any, str]:
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise _invalid(f"path {pointer!r} does not exist")
    return node, tokens[-1]


def _get(doc: Any, pointer: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return doc
    parent, last = _parent(doc, tokens, pointer)
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent[int(last)]
    raise _invalid(f"path {pointer!r} does not exist")


def _remove(doc: Any, pointer: Any) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        raise _invalid("cannot remove the whole document")
    parent, last = _parent(doc, tokens, pointer)
    if isinstance(parent, dict) and last in parent:
        return parent.pop(last)
    if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
        return parent.pop(int(last))
    raise _invalid(f"path {pointer!r} does not exist")


def _add(doc: Any, pointer: Any, value: Any, *, replace: bool = False) -> Any:
    tokens = _tokens(pointer)
    if not tokens:
        return value
    parent, last = _parent(doc, tokens, pointer)
    if isinstance(parent, dict):
        if replace and last not in parent:
            raise _invalid(f"path {pointer!r} does not exist")
        parent[last] = value
    elif isinstance(parent, list):
        if last == "-" and not replace:
            parent.append(value)
        elif last.isdigit() and int(last) <= len(parent) - (1 if replace else 0):
            if replace:
                parent[int(last)] = value
            else:
                parent.insert(int(last), value)
        else:
            raise _invalid(f"path {pointer!r} is out of range")
    else:
        raise _invalid(f"path {pointer!r} does not exist")
    return doc


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902 operations ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test``."""
    if not isinstance(operations, list):
        raise _invalid("a JSON patch is a list of operations")
    doc = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict) or "path" not in op:
            raise _invalid(f"invalid operation {op!r}")
        kind, path = op.get("op"), op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            doc = _add(doc, path, copy.deepcopy(op.get("value")), replace=True)
        elif kind == "move":
            doc = _add(doc, path, _remove(doc, op.get("from")))
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op.get("from"))))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _invalid(f"test failed at {path!r}")
        else:
            raise _invalid(f"unknown operation {kind!r}")
    return doc


def apply_patch(content_type: str, doc: dict[str, Any], patch: Any) -> Any:
    """The patched document, for a PATCH body of ``content_type``."""
    if content_type == JSON_PATCH:
        return json_patch(doc, patch)
    if not isinstance(patch, Mapping):
        raise StatusError(400, "a merge patch must be a JSON object", "BadRequest")
    return merge_patch(doc, patch)
