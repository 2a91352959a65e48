"""The validated content of a config file, as frozen value objects.

The shape (``config.schema.json``)::

    plugins: [gateway]                      # optional: load these (as --plugins)
    validate_objects: false                 # optional: check objects against object_schema
    sources:
      local: {type: http, url: "http://127.0.0.1:8080"}   # type = a source contribution
    informers:
      - name: routes                        # optional; default: the resource name
        resource: routes.gateway.example.com
        source: local                       # optional when there is exactly one source
        namespace: shop
        label_selector: "tier=web"
        field_selector: null
        handlers: [gateway.routing-table, {name: audit.log, options: {path: /tmp/a.jsonl}}]
        transform: drop-managed-fields
        resync_seconds: 0
        page_size: 500
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

__all__ = ["Config", "HandlerRef", "InformerConfig", "SourceConfig"]


@attrs.frozen(slots=True)
class HandlerRef:
    """A handler named by an informer: contribution name + options for its factory."""

    name: str
    options: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class SourceConfig:
    """One entry of ``sources:``: the source contribution (``type``) and its options."""

    name: str
    type: str
    options: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class InformerConfig:
    """One entry of ``informers:``; ``index`` is its position (for messages)."""

    index: int
    resource: str
    name: str | None = None
    source: str | None = None
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    handlers: tuple[HandlerRef, ...] = ()
    transform: str | None = None
    resync_seconds: float | None = None
    page_size: int | None = None
    validate_objects: bool | None = None


@attrs.frozen(slots=True)
class Config:
    """A config file, schema-validated (names not yet checked against a registry)."""

    path: Path
    plugins: tuple[str, ...] = ()
    validate_objects: bool = False
    sources: Mapping[str, SourceConfig] = attrs.field(factory=dict)
    informers: tuple[InformerConfig, ...] = ()
    #: JSON path -> line (YAML only), for messages
    lines: Mapping[tuple[Any, ...], int] = attrs.field(factory=dict, eq=False, repr=False)

    @classmethod
    def from_data(cls, path: Path, data: Mapping[str, Any], lines: Mapping[tuple[Any, ...], int]) -> Config:
        sources = {
            name: SourceConfig(
                name=name, type=str(entry["type"]), options={k: v for k, v in entry.items() if k != "type"}
            )
            for name, entry in (data.get("sources") or {}).items()
        }
        informers = tuple(
            InformerConfig(
                index=i,
                resource=str(entry["resource"]),
                name=entry.get("name"),
                source=entry.get("source"),
                namespace=entry.get("namespace"),
                label_selector=entry.get("label_selector"),
                field_selector=entry.get("field_selector"),
                handlers=tuple(
                    HandlerRef(h)
                    if isinstance(h, str)
                    else HandlerRef(h["name"], dict(h.get("options") or {}))
                    for h in entry.get("handlers") or ()
                ),
                transform=entry.get("transform"),
                resync_seconds=entry.get("resync_seconds"),
                page_size=entry.get("page_size"),
                validate_objects=entry.get("validate_objects"),
            )
            for i, entry in enumerate(data.get("informers") or ())
        )
        return cls(
            path=path,
            plugins=tuple(data.get("plugins") or ()),
            validate_objects=bool(data.get("validate_objects", False)),
            sources=sources,
            informers=informers,
            lines=dict(lines),
        )
