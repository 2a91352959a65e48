"""The metrics reference, from the single list of metrics ``informer._observe`` registers."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["metric_specs", "render"]


def metric_specs() -> list[dict[str, Any]]:
    """Every metric ``informer-run --metrics-port`` exports: name, type, help, labels."""
    observe = importlib.import_module("informer._observe")
    specs = observe.METRICS
    out: list[dict[str, Any]] = []
    for spec in specs:
        if isinstance(spec, dict):
            out.append(dict(spec))
        else:
            out.append(
                {
                    "name": spec.name,
                    "type": getattr(spec, "type", getattr(spec, "kind", "")),
                    "help": getattr(spec, "help", getattr(spec, "documentation", "")),
                    "labels": list(getattr(spec, "labels", getattr(spec, "labelnames", ()))),
                }
            )
    if not out:
        raise LookupError("informer._observe.METRICS is empty")
    return out


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render() -> str:
    out = ["| metric | type | labels | meaning |", "| --- | --- | --- | --- |"]
    for spec in metric_specs():
        labels = ", ".join(f"`{label}`" for label in spec.get("labels", ()))
        out.append(
            f'| <a id="{spec["name"]}"></a>`{spec["name"]}` | {_cell(spec.get("type", ""))} | {labels} | '
            f"{_cell(spec.get('help', ''))} |"
        )
    return "\n".join(out) + "\n"
