"""The plugin hook reference, from the pluggy hook specifications' docstrings."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from types import FunctionType

from .rst import docstring_to_markdown

__all__ = ["hookspecs", "render"]

_SCHEMA_NAME = re.compile(r"``(\w+)\.schema\.json``")


def hookspecs() -> dict[str, FunctionType]:
    """Every hook specification in ``informer.plugins``, by name, in source order.

    A hookspec is found the way pluggy finds it: a function carrying the ``informer_spec``
    attribute that ``pluggy.HookspecMarker("informer")`` sets.
    """
    package = importlib.import_module("informer.plugins")
    modules = [package]
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        modules.append(importlib.import_module(info.name))
    found: dict[str, FunctionType] = {}
    for module in modules:
        for name, obj in vars(module).items():
            if isinstance(obj, FunctionType) and hasattr(obj, "informer_spec"):
                found.setdefault(name, obj)
    if not found:
        raise LookupError("no hook specifications (functions marked with informer's hookspec) found")
    return dict(sorted(found.items(), key=lambda kv: kv[1].__code__.co_firstlineno))


def _summary(doc: str) -> str:
    """The first sentence, as one table cell."""
    first = " ".join(doc.split("\n\n")[0].split())
    match = re.search(r"\.\s+(?=[A-Z`])", first)
    if match:
        first = first[: match.start() + 1]
    first = first.rstrip(":").rstrip()
    return docstring_to_markdown(first).strip().replace("|", "\\|")


def _signature(fn: FunctionType) -> str:
    """``(manager: Any) -> LifecycleResult`` as written in the source (annotations are strings)."""
    signature = inspect.signature(fn)
    params = []
    for p in signature.parameters.values():
        note = p.annotation
        params.append(p.name if note is inspect.Parameter.empty else f"{p.name}: {_text(note)}")
    ret = signature.return_annotation
    tail = "" if ret is inspect.Signature.empty else f" -> {_text(ret)}"
    return f"({', '.join(params)}){tail}"


def _text(annotation: object) -> str:
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def render() -> str:
    from .schemas import load_schemas

    try:
        schema_names = set(load_schemas())
    except LookupError:
        schema_names = set()
    specs = hookspecs()
    out = ["| hook | what it contributes or does |", "| --- | --- |"]
    for name, fn in specs.items():
        summary = _summary(inspect.getdoc(fn) or "")
        out.append(f"| [`{name}`](#{name}) | {summary} |")
    out.append("")
    for name, fn in specs.items():
        signature = _signature(fn)
        out.append(f"## `{name}` {{ #{name} }}")
        out.append("")
        out.append("```python")
        out.append("@hookimpl")
        out.append(f"def {name}{signature}: ...")
        out.append("```")
        out.append("")
        doc = inspect.getdoc(fn)
        out.append(docstring_to_markdown(doc))
        match = _SCHEMA_NAME.search(doc or "")
        if match and match.group(1) in schema_names:
            kind = match.group(1)
            out.append(
                f"Each descriptor is checked against [`{kind}.schema.json`](descriptors.md#{kind}) "
                "before anything runs.\n"
            )
    return "\n".join(out)
