"""The pytest plugin reference: the fixtures ``informer.pytest_plugin`` gives plugin authors.

Read from the module's source (its docstring, ``__all__``, and each fixture's decorator and
docstring) rather than imported: the docs are built without pytest installed.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

from .rst import docstring_to_markdown

__all__ = ["Fixture", "fixtures", "render"]

MODULE = "informer.pytest_plugin"


class Fixture:
    def __init__(self, name: str, scope: str, doc: str) -> None:
        self.name, self.scope, self.doc = name, scope, doc


def _module() -> ast.Module:
    spec = importlib.util.find_spec(MODULE)
    if spec is None or spec.origin is None:
        raise LookupError(f"{MODULE} is not installed")
    return ast.parse(Path(spec.origin).read_text(encoding="utf-8"))


def _exported(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            return [str(v) for v in value]
    return []


def _scope(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """``None`` if not a fixture, else its scope (``function`` unless the decorator says)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr == "fixture":
            if isinstance(decorator, ast.Call):
                for keyword in decorator.keywords:
                    if keyword.arg == "scope" and isinstance(keyword.value, ast.Constant):
                        return str(keyword.value.value)
            return "function"
    return None


def fixtures() -> dict[str, Fixture]:
    """Every fixture the pytest plugin exports (its ``__all__``), by name, in that order."""
    tree = _module()
    exported = _exported(tree)
    found: dict[str, Fixture] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in exported:
            scope = _scope(node)
            if scope is not None:
                found[node.name] = Fixture(node.name, scope, ast.get_docstring(node) or "")
    if not found:
        raise LookupError(f"{MODULE} exports no fixtures")
    return found


def render() -> str:
    out = [docstring_to_markdown(ast.get_docstring(_module())), "", "## Each fixture", ""]
    for name, fixture in fixtures().items():
        out.append(f"### `{name}` {{ #{name} }}")
        out.append("")
        out.append(f"Scope: `{fixture.scope}`.")
        out.append("")
        out.append(docstring_to_markdown(fixture.doc))
    return "\n".join(out)
