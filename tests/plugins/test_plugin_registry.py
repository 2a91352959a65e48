"""The registry: resource types resolved into informer.ResourceType, lookups, lifecycle hooks,
listing, and which plugins load (names, environment, autoload switch)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest
import trio
from informer import ConfigError, DecodeError, DescriptorError, ResourceType
from informer._decoders import decode_json
from informer._keys import drop_managed_fields, name_key, namespace_index
from informer.plugins import describe_plugins, load_plugins


@attrs.frozen
class Widget:
    metadata: dict[str, Any]
    colour: str


def by_colour(obj: Any) -> list[str]:
    return [obj.colour]


def widgets(**fields: Any) -> dict[str, Any]:
    return {
        "name": "widgets.example.com",
        "kind": "Widget",
        "group": "example.com",
        "plural": "widgets",
        "short_names": ["wd"],
        "decoder": "widgets.typed",
        "indexers": ["widgets.by-colour"],
        "transform": "drop-managed-fields",
        "resync_seconds": 30,
        "object_schema": {
            "type": "object",
            "required": ["colour"],
            "properties": {"colour": {"enum": ["red"]}},
        },
        "description": "Widgets.",
        **fields,
    }


@pytest.fixture
def registry(make_plugin: Any, load: Any) -> Any:
    module = make_plugin(
        "widgets",
        informer_resource_types=lambda: [
            widgets(),
            {"name": "nodes", "kind": "Node", "plural": "nodes", "namespaced": False, "key": "name"},
        ],
        informer_decoders=lambda: [{"name": "widgets.typed", "type": f"{__name__}:Widget"}],
        informer_indexers=lambda: [{"name": "widgets.by-colour", "function": f"{__name__}:by_colour"}],
        informer_handlers=lambda: [
            {
                "name": "widgets.count",
                "factory": lambda options: {"counted": 0, **options},
                "resource_types": ["widgets.example.com"],
                "options_schema": {"type": "object", "properties": {"start": {"type": "integer"}}},
            }
        ],
        informer_sources=lambda: [
            {"name": "widgets.memory", "schemes": ["mem"], "factory": lambda spec: spec}
        ],
    )
    reg = load(module)
    assert not reg.errors, reg.errors
    return reg


def test_a_descriptor_resolves_into_a_resource_type(registry: Any) -> None:
    rt = registry.resource_type("widgets.example.com")
    assert isinstance(rt, ResourceType)
    assert (rt.name, rt.kind, rt.group, rt.version, rt.plural, rt.namespaced) == (
        "widgets.example.com",
        "Widget",
        "example.com",
        "v1",
        "widgets",
        True,
    )
    assert (rt.api_version, rt.resync_seconds, rt.plugin, rt.description) == (
        "example.com/v1",
        30,
        "widgets",
        "Widgets.",
    )
    assert rt.key is None  # the source's key, else namespace/name
    assert rt.transform is drop_managed_fields
    assert list(rt.indexers) == ["namespace", "widgets.by-colour"]  # namespace added for namespaced types
    assert rt.indexers["namespace"] is namespace_index
    widget = rt.decoder({"metadata": {"name": "w"}, "colour": "blue"})
    assert widget == Widget({"name": "w"}, "blue") and rt.indexers["widgets.by-colour"](widget) == ["blue"]
    # resolved once: the same object every time (InformerSpecs compare equal)
    assert registry.resource_type("widgets.example.com") is rt


def test_cluster_scoped_type_with_a_named_key(registry: Any) -> None:
    nodes = registry.resource_type("nodes")
    assert nodes.key is name_key and nodes.decoder is decode_json and nodes.indexers == {}


@pytest.mark.parametrize("alias", ["widgets.v1.example.com", "widget", "Widget", "wd", "widget.example.com"])
def test_resource_types_are_found_as_kubectl_would(registry: Any, alias: str) -> None:
    assert registry.resource_type(alias).name == "widgets.example.com"


def test_an_unknown_resource_type_names_the_known_ones(registry: Any) -> None:
    with pytest.raises(ConfigError) as caught:
        registry.resource_type("widget.example.org")
    assert str(caught.value) == (
        "unknown resource type 'widget.example.org' (did you mean 'widgets.example.com'?); "
        "known: nodes, widgets.example.com (plugins loaded: core, widgets)"
    )


def test_an_ambiguous_name_lists_the_candidates(make_plugin: Any, load: Any) -> None:
    a = make_plugin(
        "a",
        informer_resource_types=lambda: [
            {"name": "routes.a.example", "kind": "Route", "plural": "routes", "group": "a.example"}
        ],
    )
    b = make_plugin(
        "b",
        informer_resource_types=lambda: [
            {"name": "routes.b.example", "kind": "Route", "plural": "routes", "group": "b.example"}
        ],
    )
    with pytest.raises(
        ConfigError, match=r"'route' is ambiguous: it may be routes\.a\.example, routes\.b\.example"
    ):
        load(a, b).resource_type("route")


def test_object_schema_is_checked_only_when_asked(registry: Any) -> None:
    assert registry.resource_type("widgets.example.com").decoder({"metadata": {}, "colour": "blue"})
    checked = registry.resource_type("widgets.example.com", validate_objects=True)
    assert checked.decoder({"metadata": {}, "colour": "red"}) == Widget({}, "red")
    with pytest.raises(DecodeError) as caught:
        checked.decoder(b'{"metadata": {}, "colour": "blue"}')
    assert (
        str(caught.value)
        == "widgets.example.com: object fails its schema at $.colour: 'blue' is not one of ['red']"
    )


def test_handlers_are_built_with_validated_options(registry: Any) -> None:
    assert registry.create_handler("widgets.count", {"start": 3}) == {"counted": 0, "start": 3}
    with pytest.raises(ConfigError) as caught:
        registry.create_handler("widgets.count", {"start": "three"})
    assert str(caught.value) == "handler 'widgets.count': options.start: 'three' is not of type 'integer'"
    with pytest.raises(
        ConfigError, match=r"unknown handler 'widgets\.cont' \(did you mean 'widgets\.count'\?\)"
    ):
        registry.create_handler("widgets.cont")


def test_sources_by_name_and_by_url_scheme(registry: Any) -> None:
    assert registry.source_for_scheme("MEM").name == "widgets.memory"
    assert registry.source_factory("widgets.memory")("spec") == "spec"
    with pytest.raises(ConfigError, match="no loaded source serves URL scheme 'etcd'; known schemes: mem"):
        registry.source_for_scheme("etcd")


def test_listing_has_a_stable_shape(registry: Any) -> None:
    listed = {p["name"]: p for p in describe_plugins(registry)}
    assert list(listed)[:2] == ["core", "widgets"]
    assert {p["status"] for p in list(listed.values())[2:]} <= {"skipped"}  # installed, not selected
    widgets_entry = listed["widgets"]
    assert set(widgets_entry) == {
        "name",
        "version",
        "distribution",
        "module",
        "location",
        "builtin",
        "status",
        "hooks",
        "contributions",
        "errors",
    }
    assert widgets_entry["status"] == "ok" and widgets_entry["errors"] == []
    assert widgets_entry["contributions"] == {
        "resource_types": ["nodes", "widgets.example.com"],
        "sources": ["widgets.memory"],
        "decoders": ["widgets.typed"],
        "key_functions": [],
        "indexers": ["widgets.by-colour"],
        "transforms": [],
        "handlers": ["widgets.count"],
    }
    assert listed["core"]["contributions"]["decoders"] == ["bytes", "json", "text"]
    assert listed["core"]["distribution"] == "trio-informer" and listed["core"]["builtin"] is True


async def test_lifecycle_hooks_run_in_order_and_a_failure_stays_with_its_plugin(
    make_plugin: Any, load: Any
) -> None:
    seen: list[str] = []

    async def started(name: str) -> None:
        await trio.lowlevel.checkpoint()
        seen.append(f"{name} started")

    @contextlib.asynccontextmanager
    async def running(manager: Any) -> AsyncIterator[None]:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(trio.sleep_forever)
            seen.append(f"b entered with {manager}")
            yield
            nursery.cancel_scope.cancel()
        seen.append("b exited")

    a = make_plugin(
        "a", informer_startup=lambda manager: started("a"), informer_shutdown=lambda: seen.append("a down")
    )
    b = make_plugin("b", informer_startup=running)
    c = make_plugin(
        "c", informer_startup=lambda manager: 1 / 0, informer_shutdown=lambda manager: started("c")
    )
    registry = load(a, b, c)
    async with registry.lifecycle("MGR"):
        seen.append("running")
    assert seen == ["a started", "b entered with MGR", "running", "a down", "c started", "b exited"]
    assert [str(e) for e in registry.plugins["c"].errors] == [
        "c: informer_startup() failed: ZeroDivisionError: division by zero"
    ]


async def test_a_refused_plugins_lifecycle_hooks_never_run(make_plugin: Any, load: Any) -> None:
    seen: list[str] = []
    bad = make_plugin(
        "bad",
        informer_resource_types=lambda: [{"name": 3}],
        informer_startup=lambda manager: seen.append("started"),
    )
    registry = load(bad)
    async with registry.lifecycle(None):
        pass
    assert seen == []


def test_only_named_plugins_load_and_the_others_are_listed_as_skipped() -> None:
    registry = load_plugins(["demo"], environ={}, builtins=False)
    assert registry.loaded == ["core", "demo"]
    statuses = {p["name"]: p["status"] for p in describe_plugins(registry)}
    assert statuses["demo"] == "ok"
    assert {s for name, s in statuses.items() if name not in ("core", "demo")} <= {"skipped"}


def test_environment_names_plugins_and_switches_autoload_off() -> None:
    named = load_plugins(environ={"INFORMER_PLUGINS": " demo ,"}, builtins=False)
    assert named.loaded == ["core", "demo"]
    off = load_plugins(environ={"INFORMER_DISABLE_PLUGIN_AUTOLOAD": "1"}, builtins=False)
    assert off.loaded == ["core"]
    assert load_plugins(autoload=False, environ={}, builtins=False).loaded == ["core"]


def test_built_in_plugins_come_through_entry_points() -> None:
    registry = load_plugins(autoload=False, environ={})
    for name in ("http", "kubernetes", "etcd", "demo"):
        info = registry.plugins[name]
        assert (
            info.builtin and info.distribution == "trio-informer" and info.module == f"informer_{name}.plugin"
        )
        assert info.ok, info.errors


def test_a_descriptor_no_plugin_contributed_is_checked_and_resolved_the_same_way(registry: Any) -> None:
    derived = {
        "name": "sprockets.example.com",
        "kind": "Sprocket",
        "group": "example.com",
        "plural": "sprockets",
    }
    rt = registry.resource_type_from_descriptor({**derived, "indexers": ["widgets.by-colour"]})
    assert rt.plugin == "informer-run" and list(rt.indexers) == ["namespace", "widgets.by-colour"]
    assert rt.decoder is decode_json
    with pytest.raises(DescriptorError) as caught:
        registry.resource_type_from_descriptor({**derived, "key": "nme"}, plugin="discovery")
    assert str(caught.value) == "discovery: resource_type.key: 'nme' is not one of ['name', 'namespace-name']"
    with pytest.raises(DescriptorError) as caught:
        registry.resource_type_from_descriptor({**derived, "namespaced": "no"})
    assert str(caught.value) == "informer-run: resource_type.namespaced: 'no' is not of type 'boolean'"


async def test_a_startup_hook_returning_something_unusable_is_that_plugins_error(
    make_plugin: Any, load: Any
) -> None:
    registry = load(make_plugin("odd", informer_startup=lambda manager: "started!"))
    async with registry.lifecycle(None):
        pass
    assert [str(e) for e in registry.plugins["odd"].errors] == [
        "odd: informer_startup() returned str; expected None, an awaitable or an async context manager"
    ]
