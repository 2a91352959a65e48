"""Descriptors: JSON Schema errors with plugin + JSON path, code references, names."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import attrs
import pytest
from informer import PluginError
from informer.plugins import SCHEMA_FILES, load_plugins
from jsonschema import Draft202012Validator


def widget(**fields: Any) -> dict[str, Any]:
    return {
        "name": "widgets.example.com",
        "kind": "Widget",
        "group": "example.com",
        "plural": "widgets",
        **fields,
    }


def two_args(a: Any, b: Any) -> Any:
    return a


def one_arg(obj: Any) -> list[str]:
    return []


@attrs.frozen
class Gizmo:
    name: str


def errors_of(registry: Any, plugin: str) -> list[str]:
    return [str(e) for e in registry.plugins[plugin].errors]


def test_schemas_ship_in_the_package_and_are_valid_2020_12() -> None:
    for kind, filename in SCHEMA_FILES.items():
        schema = json.loads(resources.files("informer.schemas").joinpath(filename).read_text())
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", kind
        assert schema["description"], kind


@pytest.mark.parametrize(
    ("descriptor", "expected"),
    [
        (widget(namespaced="yes"), "resource_types[0].namespaced: 'yes' is not of type 'boolean'"),
        (widget(nme="x"), "resource_types[0]: Additional properties are not allowed ('nme' was unexpected)"),
        ({"kind": "Widget"}, "resource_types[0]: 'name' is a required property"),
        (widget(indexers=["a", 3]), "resource_types[0].indexers[1]: 3 is not of type 'string'"),
        (widget(resync_seconds=-1), "resource_types[0].resync_seconds: -1 is less than the minimum of 0"),
        (widget(group="Example.COM"), "resource_types[0].group: 'Example.COM' does not match"),
        ("widgets", "resource_types[0]: expected a mapping, got str"),
    ],
)
def test_schema_errors_name_plugin_and_json_path(
    make_plugin: Any, load: Any, descriptor: Any, expected: str
) -> None:
    registry = load(make_plugin("gadget", informer_resource_types=lambda: [descriptor]))
    (error,) = errors_of(registry, "gadget")
    assert error.startswith(f"gadget: {expected}")
    assert registry.names("resource_types") == []


def test_a_reference_to_an_unknown_name_lists_the_known_ones(make_plugin: Any, load: Any) -> None:
    registry = load(make_plugin("gateway", informer_resource_types=lambda: [widget(key="nme")]))
    assert errors_of(registry, "gateway") == [
        "gateway: resource_types[0].key: 'nme' is not one of ['name', 'namespace-name']"
    ]


def test_every_reference_field_is_checked(make_plugin: Any, load: Any) -> None:
    bad = widget(decoder="jsn", transform="drop", indexers=["namespace", "by-colour"])
    registry = load(make_plugin("many", informer_resource_types=lambda: [bad]))
    errors = errors_of(registry, "many")
    assert len(errors) == 3
    assert errors[0].startswith(
        "many: resource_types[0].decoder: 'jsn' is not one of ['bytes', 'json', 'text']"
    )
    assert errors[1].startswith("many: resource_types[0].transform: 'drop' is not one of")
    assert errors[2].startswith(
        "many: resource_types[0].indexers[1]: 'by-colour' is not one of ['namespace']"
    )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (
            "no_such_module_xyz:fn",
            "cannot import module 'no_such_module_xyz' of 'no_such_module_xyz:fn': ModuleNotFoundError",
        ),
        (
            "json:no_such_function",
            "'json:no_such_function' does not resolve: 'json' has no attribute 'no_such_function'",
        ),
        ("json", "does not match"),
        ("json:__name__", "json:__name__ is not callable (it is str); expected function(obj) -> list[str]"),
        (
            f"{__name__}:two_args",
            f"{__name__}:two_args has the wrong signature (a, b); expected function(obj) -> list[str]",
        ),
    ],
)
def test_code_references_are_resolved_and_checked(
    make_plugin: Any, load: Any, ref: str, expected: str
) -> None:
    registry = load(make_plugin("refs", informer_indexers=lambda: [{"name": "refs.index", "function": ref}]))
    (error,) = errors_of(registry, "refs")
    assert error.startswith("refs: indexers[0].function: ")
    assert expected in error


def test_code_may_be_given_as_objects(make_plugin: Any, load: Any) -> None:
    module = make_plugin(
        "objects",
        informer_indexers=lambda: [{"name": "objects.index", "function": one_arg}],
        informer_decoders=lambda: [{"name": "objects.gizmo", "type": Gizmo}],
    )
    registry = load(module)
    assert registry.plugins["objects"].ok, registry.errors
    assert registry.indexer("objects.index") is one_arg
    assert registry.decoder("objects.gizmo")({"name": "g"}) == Gizmo(name="g")
    bad = make_plugin("bad-objects", informer_indexers=lambda: [{"name": "x.index", "function": two_args}])
    assert "wrong signature" in errors_of(load(bad), "bad-objects")[0]


def test_a_typed_decoder_needs_an_attrs_class(make_plugin: Any, load: Any) -> None:
    registry = load(
        make_plugin("typed", informer_decoders=lambda: [{"name": "typed.d", "type": "json:JSONDecoder"}])
    )
    assert errors_of(registry, "typed") == ["typed: decoders[0].type: json:JSONDecoder is not an attrs class"]
    both = {"name": "typed.d", "type": f"{__name__}:Gizmo", "function": f"{__name__}:one_arg"}
    registry = load(make_plugin("typed", informer_decoders=lambda: [both]))
    assert "decoders[0]" in errors_of(registry, "typed")[0]


def test_an_invalid_options_schema_is_refused(make_plugin: Any, load: Any) -> None:
    handler = {"name": "h.x", "factory": f"{__name__}:one_arg", "options_schema": {"type": "objekt"}}
    registry = load(make_plugin("opts", informer_handlers=lambda: [handler]))
    (error,) = errors_of(registry, "opts")
    assert error.startswith("opts: handlers[0].options_schema: not a valid JSON Schema")


def test_a_plugin_is_all_or_nothing(make_plugin: Any, load: Any) -> None:
    module = make_plugin(
        "half",
        informer_resource_types=lambda: [widget(), widget(name="gadgets.example.com", plural=3)],
        informer_indexers=lambda: [{"name": "half.index", "function": f"{__name__}:one_arg"}],
    )
    registry = load(module)
    assert registry.plugins["half"].status == "error"
    assert registry.names("resource_types") == [] and registry.names("indexers") == ["namespace"]
    assert registry.plugins["half"].contributions == {}


def test_the_same_name_from_two_plugins_refuses_both_naming_each_other(make_plugin: Any, load: Any) -> None:
    a = make_plugin("alpha", informer_resource_types=lambda: [widget()])
    b = make_plugin("beta", informer_resource_types=lambda: [widget(description="mine")])
    registry = load(a, b)
    assert errors_of(registry, "alpha") == [
        "alpha: resource_types[0].name: "
        "resource type 'widgets.example.com' is also contributed by plugin 'beta'"
    ]
    assert errors_of(registry, "beta") == [
        "beta: resource_types[0].name: "
        "resource type 'widgets.example.com' is also contributed by plugin 'alpha'"
    ]
    assert registry.names("resource_types") == []


def test_a_built_in_name_stays_with_the_built_in(make_plugin: Any, load: Any) -> None:
    registry = load(
        make_plugin("usurper", informer_decoders=lambda: [{"name": "json", "function": "json:loads"}])
    )
    assert errors_of(registry, "usurper") == [
        "usurper: decoders[0].name: decoder 'json' is also contributed by plugin 'core'"
    ]
    assert registry.get("decoders", "json").plugin == "core"
    assert registry.plugins["core"].ok


def test_refusing_a_plugin_refuses_those_that_depend_on_it(make_plugin: Any, load: Any) -> None:
    provider = make_plugin(
        "provider",
        informer_decoders=lambda: [{"name": "provider.d", "function": f"{__name__}:one_arg"}],
        informer_sources=lambda: 1 / 0,
    )
    user = make_plugin("user", informer_resource_types=lambda: [widget(decoder="provider.d")])
    registry = load(provider, user)
    assert not registry.plugins["provider"].ok
    assert errors_of(registry, "user") == [
        "user: resource_types[0].decoder: 'provider.d' is not one of ['bytes', 'json', 'text']"
    ]


def test_a_source_scheme_is_taken_once(make_plugin: Any, load: Any) -> None:
    def src(name: str) -> dict[str, Any]:
        return {"name": name, "schemes": ["web"], "factory": f"{__name__}:one_arg"}

    registry = load(
        make_plugin("first", informer_sources=lambda: [src("one")]),
        make_plugin("second", informer_sources=lambda: [src("two")]),
    )
    assert errors_of(registry, "second") == [
        "second: sources[0].schemes: URL scheme(s) web already taken by source 'one' of plugin 'first'"
    ]
    assert registry.source_for_scheme("web").name == "one"


def test_naming_a_plugin_that_is_not_installed_is_an_error() -> None:
    with pytest.raises(PluginError) as caught:
        load_plugins(["demoo"], environ={})
    assert str(caught.value).startswith("demoo: no such plugin (did you mean 'demo'?); installed plugins: ")
