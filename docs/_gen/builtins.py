"""The built-in plugins reference: what each plugin shipped in trio-informer contributes, with
the options schemas of its sources and handlers, from the plugin registry itself."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["builtin_contributions", "render"]

_KIND_TITLES = {
    "resource_types": "Resource types",
    "sources": "Sources",
    "decoders": "Decoders",
    "key_functions": "Key functions",
    "indexers": "Indexers",
    "transforms": "Transforms",
    "handlers": "Handlers",
}


def _registry() -> Any:
    from informer.plugins import load_plugins

    # The built-ins only: no third-party plugin installed here may appear on this page.
    return load_plugins([], autoload=False, environ={})


def builtin_contributions() -> dict[str, dict[str, list[str]]]:
    """``{plugin: {kind: [names]}}`` for every built-in plugin (``core`` included)."""
    registry = _registry()
    out = {
        info.name: {k: list(v) for k, v in info.contributions.items() if v}
        for info in registry
        if info.status != "skipped"
    }
    if not out:
        raise LookupError("no built-in plugins loaded")
    return out


def anchor(kind: str, name: str) -> str:
    return f"{kind}-{name}".replace(".", "-").replace("/", "-")


def _options(schema: Mapping[str, Any] | None) -> list[str]:
    if not schema:
        return []
    props: Mapping[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or ())
    out = ["| option | type | meaning |", "| --- | --- | --- |"]
    for key, prop in props.items():
        kind = prop.get("type") or (
            " or ".join(str(alt.get("type", "?")) for alt in prop.get("oneOf", [])) or "any"
        )
        if "enum" in prop:
            kind = "one of " + ", ".join(f"`{json.dumps(v)}`" for v in prop["enum"])
        if isinstance(kind, list):
            kind = " or ".join(kind)
        text = " ".join(str(prop.get("description", "")).split()).replace("|", "\\|")
        mark = " (required)" if key in required else ""
        out.append(f"| `{key}`{mark} | {kind} | {text} |")
    return [*out, ""]


def render() -> str:
    registry = _registry()
    out: list[str] = []
    for info in registry:
        if info.status == "skipped":  # installed, not built in
            continue
        if not info.ok:
            raise LookupError(f"built-in plugin {info.name} failed to load: {info.errors}")
        out.append(f"## `{info.name}` {{ #{info.name} }}")
        out.append("")
        out.append(f"Module `{info.module}`.")
        out.append("")
        for kind, names in info.contributions.items():
            if not names:
                continue
            out.append(f"### {_KIND_TITLES.get(kind, kind)} {{ #{info.name}-{kind} }}")
            out.append("")
            for name in names:
                contribution = registry.get(kind, name)
                descriptor = contribution.descriptor
                out.append(f"`{name}` {{ #{anchor(kind, name)} }}")
                text = contribution.description or "(no description)"
                details = []
                if kind == "sources" and descriptor.get("schemes"):
                    details.append("URL schemes: " + ", ".join(f"`{s}://`" for s in descriptor["schemes"]))
                if kind == "handlers" and descriptor.get("resource_types"):
                    details.append("for " + ", ".join(f"`{r}`" for r in descriptor["resource_types"]))
                if kind == "resource_types":
                    for field in ("decoder", "key", "transform"):
                        if descriptor.get(field):
                            details.append(f"{field} `{descriptor[field]}`")
                    if descriptor.get("indexers"):
                        details.append("indexers " + ", ".join(f"`{i}`" for i in descriptor["indexers"]))
                out.append(":   " + text + (" — " + "; ".join(details) if details else ""))
                out.append("")
                options = _options(descriptor.get("options_schema"))
                if options:
                    out.extend("    " + line if line else "" for line in options)
        out.append("")
    return "\n".join(out)
