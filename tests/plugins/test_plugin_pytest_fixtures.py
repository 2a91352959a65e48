"""The pytest plugin for plugin authors, used as an author would use it."""

from __future__ import annotations

import types
from typing import Any

import pytest
import trio
from informer import Notification
from informer.plugins import hookimpl

WIDGETS = "widgets.example.com"


@hookimpl
def informer_resource_types() -> list[dict[str, Any]]:
    return [{"name": WIDGETS, "kind": "Widget", "group": "example.com", "plural": "widgets"}]


this_plugin = types.ModuleType("widgets_under_test")
this_plugin.informer_resource_types = informer_resource_types  # type: ignore[attr-defined]


def widget(name: str, colour: str = "red") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {"colour": colour}}


def test_informer_plugins_loads_only_what_it_is_given(informer_plugins: Any) -> None:
    registry = informer_plugins(("widgets", this_plugin), builtins=False)
    assert registry.loaded == ["core", "widgets"]
    assert registry.names("resource_types") == [WIDGETS]
    by_name = informer_plugins("demo", builtins=False)
    assert by_name.loaded == ["core", "demo"]
    # a module object is registered under its module name
    assert informer_plugins(this_plugin, builtins=False).loaded == ["core", "widgets_under_test"]


def test_informer_plugins_strict_raises(informer_plugins: Any) -> None:
    broken = types.ModuleType("broken")
    broken.informer_resource_types = hookimpl(lambda: [{"name": WIDGETS, "nmae": 1}])  # type: ignore[attr-defined]
    from informer import PluginError

    with pytest.raises(PluginError, match=r"broken: resource_types\[0\]: Additional properties"):
        informer_plugins(broken, strict=True, builtins=False)


@pytest.mark.informer_server(resources=[WIDGETS], objects={WIDGETS: [widget("w1"), widget("w2", "blue")]})
async def test_informer_server_serves_given_resources_and_objects(informer_server: Any) -> None:
    assert sorted(informer_server.list_objects(WIDGETS)) == ["default/w1", "default/w2"]
    assert informer_server.url.startswith("http://127.0.0.1:")


async def test_informer_server_serves_installed_plugins_resource_types_by_default(
    informer_server: Any,
) -> None:
    stored = informer_server.create("routes.demo.informer.dev", widget("r1"))
    assert stored["metadata"]["resourceVersion"]


async def test_informer_server_factory_and_informer_follow_changes(
    informer_server_factory: Any, informer_informer: Any, informer_plugins: Any
) -> None:
    registry = informer_plugins(("widgets", this_plugin))
    seen: list[tuple[str, str]] = []
    both = trio.Event()

    class Recorder:
        def on_notification(self, n: Notification) -> None:
            seen.append((str(n.type), n.key))
            if len(seen) == 2:
                both.set()

    with trio.fail_after(20):
        async with (
            informer_server_factory([WIDGETS], {WIDGETS: [widget("w1")]}) as server,
            informer_informer(WIDGETS, server, registry=registry, handlers=[Recorder()]) as informer,
        ):
            await informer.wait_synced(timeout=10)
            assert list(informer.store.keys()) == ["default/w1"]
            server.create(WIDGETS, widget("w2"))
            await both.wait()
            assert sorted(informer.store.keys()) == ["default/w1", "default/w2"]
    assert seen == [("ADDED", "default/w1"), ("ADDED", "default/w2")]
