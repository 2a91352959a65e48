"""Hook registration: what pluggy would let through silently is refused, by plugin and hook."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from informer import PluginError
from informer.plugins import HOOK_NAMES, hookimpl
from informer.plugins import _hookspecs as hookspecs


def widget(**fields: Any) -> dict[str, Any]:
    return {
        "name": "widgets.example.com",
        "kind": "Widget",
        "group": "example.com",
        "plural": "widgets",
        **fields,
    }


def test_every_hook_is_specified_documented_and_has_an_example() -> None:
    for name in HOOK_NAMES:
        spec = getattr(hookspecs, name)
        doc = inspect.getdoc(spec) or ""
        assert "@hookimpl" in doc and f"def {name}" in doc, f"{name} lacks an example"


def test_a_misspelt_hook_is_refused_with_a_suggestion(make_plugin: Any, load: Any) -> None:
    registry = load(make_plugin("typo", informer_resource_type=lambda: [widget()]))
    info = registry.plugins["typo"]
    assert info.status == "error"
    assert [str(e) for e in info.errors] == [
        "typo: unknown hook 'informer_resource_type' (did you mean 'informer_resource_types'?)"
    ]
    assert registry.names("resource_types") == []


def test_an_async_hook_is_refused(make_plugin: Any, load: Any) -> None:
    async def informer_sources() -> list[dict[str, Any]]:
        return []

    registry = load(make_plugin("asyncy", informer_sources=informer_sources))
    (error,) = registry.plugins["asyncy"].errors
    assert "informer_sources is async; hooks are synchronous" in str(error)


def test_an_implementation_argument_with_a_default_is_refused(make_plugin: Any, load: Any) -> None:
    # pluggy would never pass `manager` here: the hook would silently get None forever.
    def informer_startup(manager: Any = None) -> None:
        return None

    registry = load(make_plugin("defaults", informer_startup=informer_startup))
    (error,) = registry.plugins["defaults"].errors
    assert "informer_startup has parameters with default values (manager)" in str(error)


def test_an_argument_the_spec_does_not_have_is_refused(make_plugin: Any, load: Any) -> None:
    def informer_startup(manager: Any, nursery: Any) -> None:
        return None

    registry = load(make_plugin("extra", informer_startup=informer_startup))
    (error,) = registry.plugins["extra"].errors
    assert "extra: invalid hook implementation" in str(error) and "nursery" in str(error)
    assert "\n" not in str(error)


def test_a_hook_function_without_the_marker_is_refused(make_plugin: Any, load: Any) -> None:
    registry = load(make_plugin("unmarked", raw_informer_resource_types=lambda: [widget()]))
    (error,) = registry.plugins["unmarked"].errors
    assert str(error) == "unmarked: informer_resource_types is not decorated with @informer.plugins.hookimpl"


def test_a_hook_wrapper_is_refused(make_plugin: Any, load: Any) -> None:
    def informer_resource_types() -> Any:
        return (yield)

    module = make_plugin("wrapping")
    module.informer_resource_types = hookimpl(wrapper=True)(informer_resource_types)
    registry = load(module)
    assert "is a hook wrapper" in str(registry.plugins["wrapping"].errors[0])


def test_a_hook_that_raises_fails_its_plugin_only(make_plugin: Any, load: Any) -> None:
    def boom() -> list[dict[str, Any]]:
        raise RuntimeError("database unavailable")

    bad = make_plugin("bad", informer_resource_types=boom)
    good = make_plugin("good", informer_resource_types=lambda: [widget()])
    registry = load(bad, good)
    assert [str(e) for e in registry.errors] == [
        "bad: informer_resource_types() raised RuntimeError: database unavailable"
    ]
    assert isinstance(registry.errors[0].__cause__, RuntimeError)
    assert registry.plugins["good"].ok
    assert registry.names("resource_types") == ["widgets.example.com"]
    assert registry.get("resource_types", "widgets.example.com").plugin == "good"


def test_a_hook_returning_something_else_than_a_list(make_plugin: Any, load: Any) -> None:
    registry = load(make_plugin("single", informer_resource_types=lambda: widget()))
    assert str(registry.errors[0]) == (
        "single: informer_resource_types() returned dict; expected a list of descriptors"
    )


def test_contributions_are_attributed_whatever_the_registration_order(make_plugin: Any, load: Any) -> None:
    # pluggy calls implementations last-registered-first; attribution must not depend on it
    a = make_plugin("a", informer_resource_types=lambda: [widget(name="alphas.example.com", plural="alphas")])
    b = make_plugin("b", informer_resource_types=lambda: [widget(name="betas.example.com", plural="betas")])
    for registry in (load(a, b), load(b, a)):
        assert registry.get("resource_types", "alphas.example.com").plugin == "a"
        assert registry.get("resource_types", "betas.example.com").plugin == "b"


def test_strict_loading_raises_every_problem(make_plugin: Any, load: Any) -> None:
    typo = make_plugin("typo", informer_resource_type=lambda: [])
    raising = make_plugin("raising", informer_sources=lambda: 1 / 0)
    with pytest.raises(PluginError) as caught:
        load(typo, raising, strict=True)
    message = str(caught.value)
    assert "2 plugin problems" in message
    assert "typo: unknown hook 'informer_resource_type'" in message
    assert "raising: informer_sources() raised ZeroDivisionError" in message


def test_a_hook_calling_sys_exit_does_not_end_the_host(make_plugin: Any, load: Any) -> None:
    def leave() -> list[dict[str, Any]]:
        raise SystemExit(3)

    registry = load(make_plugin("quitter", informer_resource_types=leave))
    assert [str(e) for e in registry.errors] == ["quitter: informer_resource_types() raised SystemExit: 3"]
