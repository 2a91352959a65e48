"""Descriptor and configuration-file reference, rendered from the JSON Schemas the code validates with."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["CONFIG_SCHEMA", "descriptor_schemas", "load_schemas", "render_config", "render_descriptors"]

#: the schema of the ``informer-run --config`` file; every other schema describes a descriptor.
CONFIG_SCHEMA = "config"


def load_schemas() -> dict[str, dict[str, Any]]:
    """Every ``*.schema.json`` shipped in ``informer/schemas/``, by stem (``resource_type``)."""
    root = resources.files("informer") / "schemas"
    found: dict[str, dict[str, Any]] = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".schema.json"):
            found[entry.name.removesuffix(".schema.json")] = json.loads(entry.read_text(encoding="utf-8"))
    if not found:
        raise LookupError("no *.schema.json files in informer/schemas/")
    return found


def descriptor_schemas() -> dict[str, dict[str, Any]]:
    """The descriptor schemas, in the order of the hooks that return them."""
    schemas = {name: schema for name, schema in load_schemas().items() if name != CONFIG_SCHEMA}
    try:
        from informer.plugins import SCHEMA_FILES

        order = [f.removesuffix(".schema.json") for f in SCHEMA_FILES.values()]
    except ImportError:
        order = []
    rank = {name: i for i, name in enumerate(order)}
    return dict(sorted(schemas.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _type_of(schema: dict[str, Any], root: dict[str, Any]) -> str:
    if "$ref" in schema:
        target = str(schema["$ref"]).rsplit("/", 1)[-1]
        resolved = _resolve(schema["$ref"], root)
        if resolved is not None:
            return f"{_type_of(resolved, root)} ({target})"
        return target
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return " or ".join(_type_of(s, root) for s in schema[combinator])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        items = schema.get("items")
        return f"array of {_type_of(items, root)}" if isinstance(items, dict) else "array"
    values = schema.get("additionalProperties")
    if kind == "object" and "properties" not in schema and isinstance(values, dict):
        return f"mapping of {_type_of(schema['additionalProperties'], root)}"
    return str(kind) if kind else "any"


def _resolve(ref: str, root: dict[str, Any]) -> dict[str, Any] | None:
    if not ref.startswith("#/"):
        return None
    node: Any = root
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) else None


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _constraints(schema: dict[str, Any]) -> str:
    notes = []
    if "default" in schema:
        notes.append(f"default `{json.dumps(schema['default'])}`")
    for key in ("pattern", "minimum", "maximum", "exclusiveMinimum", "minLength", "minItems", "format"):
        if key in schema:
            notes.append(f"{key} `{schema[key]}`")
    return "; ".join(notes)


def _rows(schema: dict[str, Any], root: dict[str, Any], prefix: str, depth: int = 0) -> list[str]:
    """One table row per property, nested objects flattened as ``parent.child``."""
    rows: list[str] = []
    if "$ref" in schema:
        resolved = _resolve(schema["$ref"], root)
        if resolved is None or depth > 4:
            return rows
        schema = resolved
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        description = prop.get("description") or prop.get("title") or ""
        if "$ref" in prop and not description:
            resolved = _resolve(prop["$ref"], root) or {}
            description = resolved.get("description", "")
        rows.append(
            f"| `{path}` | {_cell(_type_of(prop, root))} | {'yes' if name in required else ''} | "
            f"{_cell(description)} | {_cell(_constraints(prop))} |"
        )
        child = prop
        if "$ref" in child:
            child = _resolve(child["$ref"], root) or {}
        if child.get("type") == "array" and isinstance(child.get("items"), dict):
            item = child["items"]
            if "$ref" in item:
                item = _resolve(item["$ref"], root) or {}
            if "properties" in item and depth < 4:
                rows.extend(_rows(item, root, f"{path}[].", depth + 1))
        elif "properties" in child and depth < 4:
            rows.extend(_rows(child, root, f"{path}.", depth + 1))
        elif isinstance(child.get("additionalProperties"), dict) and depth < 4:
            value = child["additionalProperties"]
            if "$ref" in value:
                value = _resolve(value["$ref"], root) or {}
            if "properties" in value:
                rows.extend(_rows(value, root, f"{path}.<name>.", depth + 1))
    return rows


def _render_one(name: str, schema: dict[str, Any], *, heading: str = "##") -> list[str]:
    title = schema.get("title") or name
    out = [f"{heading} {title} {{ #{name} }}", ""]
    out.append(f"File: `informer/schemas/{name}.schema.json`")
    out.append("")
    if schema.get("description"):
        out.append(schema["description"].strip())
        out.append("")
    rows = _rows(schema, schema, "")
    if rows:
        out.append("| field | type | required | meaning | constraints |")
        out.append("| --- | --- | --- | --- | --- |")
        out.extend(rows)
        out.append("")
    if schema.get("additionalProperties") is False:
        out.append("Other fields are refused (a misspelt field is an error, not ignored).")
        out.append("")
    for example in schema.get("examples", [])[:2]:
        out.append("Example:")
        out.append("")
        out.append("```json")
        out.append(json.dumps(example, indent=2))
        out.append("```")
        out.append("")
    out.append(f'??? note "The whole schema: {name}.schema.json"')
    out.append("")
    out.append("    ```json")
    out.extend("    " + line for line in json.dumps(schema, indent=2).splitlines())
    out.append("    ```")
    out.append("")
    return out


def render_descriptors() -> str:
    from .hooks import hookspecs

    schemas = descriptor_schemas()
    try:
        hook_names = set(hookspecs())
    except LookupError:
        hook_names = set()
    out = ["| descriptor | schema file | contributed by |", "| --- | --- | --- |"]
    for name, schema in schemas.items():
        hook = f"informer_{name}s"
        by = f"[`{hook}`](hooks.md#{hook})" if hook in hook_names else ""
        out.append(f"| [{schema.get('title') or name}](#{name}) | `{name}.schema.json` | {by} |")
    out.append("")
    for name, schema in schemas.items():
        out.extend(_render_one(name, schema))
    return "\n".join(out)


def render_config() -> str:
    schemas = load_schemas()
    if CONFIG_SCHEMA not in schemas:
        raise LookupError(f"informer/schemas/{CONFIG_SCHEMA}.schema.json does not exist")
    return "\n".join(_render_one(CONFIG_SCHEMA, schemas[CONFIG_SCHEMA]))
