"""The pytest plugin reference: the fixtures ``informer.pytest_plugin`` gives plugin authors."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from .rst import docstring_to_markdown

__all__ = ["fixtures", "render"]


def fixtures() -> dict[str, Any]:
    """Every fixture the pytest plugin exports (its ``__all__``), by name."""
    module = importlib.import_module("informer.pytest_plugin")
    names = list(getattr(module, "__all__", ()))
    if not names:
        raise LookupError("informer.pytest_plugin exports no fixtures")
    return {name: getattr(module, name) for name in names}


def _scope(fixture: Any) -> str:
    # pytest >= 8.4 wraps fixtures in a FixtureFunctionDefinition carrying its marker
    marker = getattr(fixture, "_fixture_function_marker", None)
    if marker is None:
        marker = getattr(fixture, "_pytestfixturefunction", None)
    return str(getattr(marker, "scope", "function"))


def render() -> str:
    module = importlib.import_module("informer.pytest_plugin")
    out = [docstring_to_markdown(inspect.getdoc(module)), ""]
    out.append("## Each fixture")
    out.append("")
    for name, fixture in fixtures().items():
        wrapped = getattr(fixture, "_get_wrapped_function", None)
        function = wrapped() if callable(wrapped) else getattr(fixture, "__wrapped__", fixture)
        out.append(f"### `{name}` {{ #{name} }}")
        out.append("")
        out.append(f"Scope: `{_scope(fixture)}`.")
        out.append("")
        out.append(docstring_to_markdown(inspect.getdoc(function)))
    return "\n".join(out)
