"""Every hook, schema, CLI flag and metric has an entry in the built reference (as datasette's
docs tests do): adding one to the code without it reaching the docs fails here.

The names are collected from the code itself, independently of the generators, and looked up
as anchors or text in the HTML the strict build produced.
"""

from __future__ import annotations

import argparse
import html
import importlib
import inspect
import re
from pathlib import Path
from types import FunctionType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "core" / "informer" / "schemas"


def _missing_ok(gen: Any, what: str) -> None:
    """While the project was being built a piece could be missing; at the end none may be."""
    if gen.ALLOW_MISSING:
        pytest.skip(f"{what} does not exist yet")
    pytest.fail(f"{what} does not exist, so its reference cannot be generated")


def _page(site: Path, name: str) -> str:
    return html.unescape((site / "reference" / name / "index.html").read_text())


def _hookspec_names() -> list[str]:
    """The hooks the plugin manager knows (``informer.plugins.HOOK_NAMES``), plus any function
    marked as a hook specification in the hookspec module, should the two ever disagree."""
    plugins = importlib.import_module("informer.plugins")
    names = list(getattr(plugins, "HOOK_NAMES", ()))
    specs = importlib.import_module("informer.plugins._hookspecs")
    for name, obj in vars(specs).items():
        if isinstance(obj, FunctionType) and hasattr(obj, "informer_spec") and name not in names:
            names.append(name)
    return names


def test_every_hook_has_a_reference_entry(built_site: Path, gen: Any) -> None:
    names = _hookspec_names()
    if not names:
        _missing_ok(gen, "informer.plugins hook specifications")
    page = _page(built_site, "hooks")
    missing = [name for name in names if f'id="{name}"' not in page]
    assert not missing, f"hooks without a reference entry: {missing}"


def test_every_hook_entry_carries_its_docstring(built_site: Path) -> None:
    page = _page(built_site, "hooks")
    for name in _hookspec_names():
        spec = getattr(importlib.import_module("informer.plugins._hookspecs"), name)
        first_words = " ".join((inspect.getdoc(spec) or "").split()[:2]).rstrip(":,.")
        assert first_words, f"hook {name} has no docstring"
        assert first_words in page, f"docstring of {name} not rendered"


def test_every_schema_has_a_reference_entry(built_site: Path, gen: Any) -> None:
    stems = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    # and every schema the plugin machinery validates descriptors with
    plugins = importlib.import_module("informer.plugins")
    stems |= {f.removesuffix(".schema.json") for f in getattr(plugins, "SCHEMA_FILES", {}).values()}
    stems = sorted(stems)
    if not stems:
        _missing_ok(gen, "informer/schemas/*.schema.json")
    rendered = _page(built_site, "descriptors") + _page(built_site, "config")
    missing = [stem for stem in stems if f'id="{stem}"' not in rendered]
    assert not missing, f"schemas without a reference entry: {missing}"


def test_config_file_schema_is_rendered(built_site: Path, gen: Any) -> None:
    if not (SCHEMAS / "config.schema.json").exists():
        _missing_ok(gen, "informer/schemas/config.schema.json")
    assert 'id="config"' in _page(built_site, "config")


def _parser() -> argparse.ArgumentParser | None:
    try:
        cli = importlib.import_module("informer.cli")
    except ImportError:
        return None
    build = getattr(cli, "build_parser", None)
    return build() if build else None


def test_every_command_and_flag_has_a_reference_entry(built_site: Path, gen: Any) -> None:
    parser = _parser()
    if parser is None:
        _missing_ok(gen, "informer.cli.build_parser()")
        return
    page = _page(built_site, "cli")
    missing: list[str] = []

    def walk(path: str, p: argparse.ArgumentParser) -> None:
        anchor = path.replace(" ", "-")
        if f'id="{anchor}"' not in page:
            missing.append(f"command {path}")
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    if child.prog.endswith(name):
                        walk(f"{path} {name}", child)
                continue
            if action.help == argparse.SUPPRESS:
                continue
            for option in action.option_strings:
                if option not in page:
                    missing.append(f"{path} {option}")

    walk("informer-run", parser)
    assert not missing, f"without a reference entry: {missing}"


def test_every_metric_has_a_reference_entry(built_site: Path, gen: Any) -> None:
    try:
        observe = importlib.import_module("informer._observe")
        metrics = list(observe.METRICS)
    except (ImportError, AttributeError):
        _missing_ok(gen, "informer._observe.METRICS")
        return
    names = [m["name"] if isinstance(m, dict) else m.name for m in metrics]
    page = _page(built_site, "metrics")
    missing = [name for name in names if f'id="{name}"' not in page]
    assert not missing, f"metrics without a reference entry: {missing}"


def test_every_pytest_fixture_has_a_reference_entry(built_site: Path) -> None:
    module = importlib.import_module("informer.pytest_plugin")
    names = [n for n in module.__all__ if n.startswith("informer_")]
    assert names
    page = _page(built_site, "pytest-plugin")
    missing = [name for name in names if f'id="{name}"' not in page]
    assert not missing, f"fixtures without a reference entry: {missing}"


def test_every_builtin_contribution_has_a_reference_entry(built_site: Path, gen: Any) -> None:
    from informer.plugins import load_plugins

    registry = load_plugins([], autoload=False, environ={})
    page = _page(built_site, "builtin-plugins")
    missing = [
        f"{info.name}: {kind} {name}"
        for info in registry
        if info.status != "skipped"
        for kind, names in info.contributions.items()
        for name in names
        if f'id="{gen.builtins.anchor(kind, name)}"' not in page
    ]
    assert not missing, f"contributions without a reference entry: {missing}"


def test_every_public_name_is_in_the_python_api_reference(built_site: Path) -> None:
    import informer

    page = _page(built_site, "api")
    ids = set(re.findall(r'id="([^"]+)"', page))
    missing = [
        name
        for name in informer.__all__
        if name != "__version__" and not any(i == f"informer.{name}" or i.endswith(f".{name}") for i in ids)
    ]
    assert not missing, f"public names of informer without an entry in reference/api.md: {missing}"
