"""The JSON Schemas shipped in ``informer/schemas/`` and validation with readable errors.

Every error is rendered as ``<path>: <reason>`` where ``path`` is a JSON path written the
way a Python or YAML reader thinks of it (``resource_types[0].key``,
``informers[2].handlers[0].options.listen``), and the reason is jsonschema's own message.
For ``oneOf``/``anyOf`` failures the most relevant sub-error is shown (``best_match``) so the
message says *what to fix*, not "is not valid under any of the given schemas".
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match, relevance

__all__ = [
    "SCHEMA_FILES",
    "SchemaProblem",
    "check_schema",
    "format_path",
    "load_schema",
    "schema_problems",
    "validator_for",
]

#: contribution kind (hook name without ``informer_``) -> schema file in ``informer/schemas``.
SCHEMA_FILES: dict[str, str] = {
    "resource_types": "resource_type.schema.json",
    "sources": "source.schema.json",
    "decoders": "decoder.schema.json",
    "key_functions": "key_function.schema.json",
    "indexers": "indexer.schema.json",
    "transforms": "transform.schema.json",
    "handlers": "handler.schema.json",
    "config": "config.schema.json",
}

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@functools.cache
def load_schema(kind: str) -> Mapping[str, Any]:
    """The parsed schema for a contribution kind (``"resource_types"``) or ``"config"``."""
    text = resources.files("informer.schemas").joinpath(SCHEMA_FILES[kind]).read_text("utf-8")
    schema: Mapping[str, Any] = json.loads(text)
    return schema


@functools.cache
def validator_for(kind: str) -> Draft202012Validator:
    """One compiled validator per schema, built on first use (building one costs)."""
    return Draft202012Validator(load_schema(kind))


def format_path(parts: Iterable[Any], prefix: str = "") -> str:
    """``["informers", 0, "handlers"]`` -> ``informers[0].handlers``."""
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(str(part)):
            out += f".{part}" if out else str(part)
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


class SchemaProblem:
    """One validation failure: where (``path`` parts) and why (``message``)."""

    __slots__ = ("focus", "message", "parts")

    def __init__(self, parts: list[Any], message: str, focus: list[Any] | None = None) -> None:
        self.parts = parts
        self.message = message
        #: where a reader should look (e.g. the unexpected key itself), for line numbers
        self.focus = focus if focus is not None else parts

    def render(self, prefix: str = "") -> str:
        path = format_path(self.parts, prefix)
        return f"{path}: {self.message}" if path else self.message

    def __repr__(self) -> str:
        return f"SchemaProblem({self.render()!r})"


def _deepest(error: ValidationError) -> ValidationError:
    # For oneOf/anyOf, jsonschema keeps the alternatives' failures in .context; the best
    # match among them says what to change, which is what a plugin author needs.
    while error.context:
        # A branch that failed only on the instance's type is the wrong alternative
        # (a mapping given where "string or mapping" is allowed): look at the others.
        typed = [e for e in error.context if e.validator != "type"]
        picked = best_match(typed or error.context, key=relevance)
        if picked is None:
            break
        error = picked
    return error


def schema_problems(validator: Draft202012Validator, instance: Any) -> list[SchemaProblem]:
    """All problems of ``instance``, sorted by path, each reduced to its most useful form."""
    problems: list[SchemaProblem] = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: [str(p) for p in e.absolute_path]):
        shown = _deepest(error)
        parts = list(shown.absolute_path)
        focus = parts
        if shown.validator == "additionalProperties" and isinstance(shown.instance, Mapping):
            known = shown.schema.get("properties", {}) if isinstance(shown.schema, Mapping) else {}
            extra = [k for k in shown.instance if k not in known]
            if extra:
                focus = [*parts, extra[0]]
        problems.append(SchemaProblem(parts, shown.message, focus))
    return problems


def check_schema(schema: Any) -> str | None:
    """``None`` if ``schema`` is a valid 2020-12 JSON Schema, else the reason."""
    try:
        Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = format_path(exc.absolute_path)
        return f"not a valid JSON Schema: {where + ': ' if where else ''}{exc.message}"
    return None
