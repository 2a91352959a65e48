"""Helpers for the plugin-system tests: plugins as in-memory modules, loaded in isolation."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pytest
from informer.plugins import Registry, hookimpl, load_plugins


@pytest.fixture
def make_plugin() -> Callable[..., types.ModuleType]:
    """``make_plugin("name", informer_resource_types=lambda: [...])`` -> a module whose
    functions are marked ``@hookimpl`` (pass ``raw_<hook>=fn`` to leave one unmarked)."""

    def make(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
        module = types.ModuleType(f"test_plugin_{name.replace('-', '_')}")
        for hook, fn in hooks.items():
            if hook.startswith("raw_"):
                setattr(module, hook[4:], fn)
            else:
                setattr(module, hook, hookimpl(fn))
        return module

    return make


@pytest.fixture
def load() -> Callable[..., Registry]:
    """Load only the ``core`` plugin and the given modules: no entry points, no environment."""

    def run(*modules: types.ModuleType, strict: bool = False, **named: types.ModuleType) -> Registry:
        given = {m.__name__.removeprefix("test_plugin_").replace("_", "-"): m for m in modules}
        given.update(named)
        return load_plugins([], autoload=False, strict=strict, modules=given, builtins=False, environ={})

    return run
