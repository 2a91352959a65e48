"""Label and field selectors (the ``labelSelector`` / ``fieldSelector`` query parameters).

Label selector grammar (as kube-apiserver accepts it): comma-separated requirements,
each ``key``, ``!key``, ``key=value``, ``key==value``, ``key!=value``,
``key in (a,b)`` or ``key notin (a,b)``. Field selectors support ``metadata.name`` and
``metadata.namespace`` with ``=``, ``==`` and ``!=``; other fields answer 400 like a real
server does for a field it does not index.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Protocol

from ._status import StatusError

__all__ = ["Matcher", "Selectable", "parse_field_selector", "parse_label_selector"]


class Selectable(Protocol):
    """What a selector looks at: a stored object's name, namespace and labels."""

    @property
    def name(self) -> str: ...
    @property
    def namespace(self) -> str | None: ...
    @property
    def labels(self) -> Mapping[str, str] | None: ...


Matcher = Callable[[Selectable], bool]
_NO_LABELS: Mapping[str, str] = {}

_KEY = re.compile(r"^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?/)?[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$")
_VALUE = re.compile(r"^([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?$")
_SET = re.compile(r"^(\S+)\s+(in|notin)\s+\((.*)\)$")


def _split_requirements(text: str) -> list[str]:
    """Split on commas that are not inside ``( )``."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _bad(selector: str, why: str) -> StatusError:
    return StatusError(400, f"unable to parse requirement: {why} (labelSelector {selector!r})", "BadRequest")


def _labels(obj: Selectable) -> Mapping[str, str]:
    return obj.labels or _NO_LABELS


def _requirement(req: str, selector: str) -> Matcher:
    if not req:
        raise _bad(selector, "empty requirement")
    match = _SET.match(req)
    if match:
        key, op, raw_values = match.groups()
        values = frozenset(v.strip() for v in raw_values.split(",")) if raw_values.strip() else frozenset()
        if not _KEY.match(key):
            raise _bad(selector, f"invalid label key {key!r}")
        for v in values:
            if not _VALUE.match(v):
                raise _bad(selector, f"invalid label value {v!r}")
        if op == "in":
            return lambda o: _labels(o).get(key) in values
        return lambda o: _labels(o).get(key) not in values
    for op in ("!=", "==", "="):
        if op in req:
            key, _, value = req.partition(op)
            key, value = key.strip(), value.strip()
            if not _KEY.match(key):
                raise _bad(selector, f"invalid label key {key!r}")
            if not _VALUE.match(value):
                raise _bad(selector, f"invalid label value {value!r}")
            if op == "!=":
                return lambda o: _labels(o).get(key) != value
            return lambda o: _labels(o).get(key) == value
    if req.startswith("!"):
        key = req[1:].strip()
        if not _KEY.match(key):
            raise _bad(selector, f"invalid label key {key!r}")
        return lambda o: key not in _labels(o)
    if not _KEY.match(req):
        raise _bad(selector, f"invalid label key {req!r}")
    return lambda o: req in _labels(o)


def _all(matchers: list[Matcher]) -> Matcher | None:
    if not matchers:
        return None
    if len(matchers) == 1:
        return matchers[0]
    return lambda o: all(m(o) for m in matchers)


def parse_label_selector(selector: str | None) -> Matcher | None:
    """A predicate for ``selector``, or ``None`` when it selects everything."""
    if selector is None or not selector.strip():
        return None
    return _all([_requirement(r, selector) for r in _split_requirements(selector)])


def parse_field_selector(selector: str | None) -> Matcher | None:
    """A predicate for a field selector on ``metadata.name`` / ``metadata.namespace``."""
    if selector is None or not selector.strip():
        return None
    matchers: list[Matcher] = []
    for req in _split_requirements(selector):
        for op in ("!=", "==", "="):
            if op in req:
                field, _, value = req.partition(op)
                field, value = field.strip(), value.strip()
                break
        else:
            raise StatusError(
                400, f"invalid field selector {selector!r}: {req!r} has no operator", "BadRequest"
            )
        if field not in ("metadata.name", "metadata.namespace"):
            raise StatusError(400, f"field label not supported: {field}", "BadRequest")
        negate = op == "!="
        if field == "metadata.name":

            def matcher(o: Selectable, value: str = value, negate: bool = negate) -> bool:
                return (o.name != value) if negate else (o.name == value)

        else:

            def matcher(o: Selectable, value: str = value, negate: bool = negate) -> bool:
                got = o.namespace or ""
                return (got != value) if negate else (got == value)

        matchers.append(matcher)
    return _all(matchers)
