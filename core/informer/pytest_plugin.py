"""pytest fixtures for plugin authors: test a plugin the way trio-informer tests its own.

Registered under the ``pytest11`` entry point, so installing trio-informer makes them
available; nothing of trio-informer is imported until a fixture is used (a broken part of
it can never break pytest's start-up). With pytest-trio (``trio_mode = true``)::

    def test_my_plugin_loads(informer_plugins):
        registry = informer_plugins("widgets", strict=True)    # by entry-point name ...
        assert "widgets.example.com" in registry.names("resource_types")

    def test_unregistered_module(informer_plugins):
        import my_plugin.plugin
        registry = informer_plugins(my_plugin.plugin)           # ... or a module object

    @pytest.mark.informer_server(resources=["widgets.example.com"],
                                 objects={"widgets.example.com": [{"metadata": {"name": "w1"}}]})
    async def test_against_a_server(informer_server):
        informer_server.create("widgets.example.com", {"metadata": {"name": "w2", "namespace": "default"}})

    async def test_my_handler(informer_server, informer_informer):
        async with informer_informer("widgets.example.com", informer_server) as informer:
            await informer.wait_synced(timeout=10)
            assert len(informer.store) == ...

Fixtures:

``informer_plugins``
    factory ``(*plugins, strict=False, builtins=True) -> Registry``: loads only the given
    plugins (entry-point names, or module objects registered under their module name, or
    ``(name, module)`` pairs) plus the built-ins; never autoloads anything else.
``informer_registry``
    the registry of every installed plugin (once per session).
``informer_server``
    a running embedded list/watch server (``informer.server.EmbeddedServer``, on
    127.0.0.1, ephemeral port). By default it serves every Kubernetes-style resource type
    of the installed plugins; ``@pytest.mark.informer_server(resources=[...], objects={...},
    faults=...)`` chooses.
``informer_server_factory``
    ``(resources=(), objects=None, **kwargs) -> async context manager`` for more servers.
``informer_informer``
    ``(resource, server, *, registry=None, handlers=(), **kwargs) -> async context manager``
    yielding a running :class:`informer.Informer` fed by the ``http`` source from ``server``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from informer.plugins import Registry
    from informer.server import EmbeddedServer

__all__ = [
    "informer_informer",
    "informer_plugins",
    "informer_registry",
    "informer_server",
    "informer_server_factory",
]

MARKER = "informer_server"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(resources=None, objects=None, faults=None): what the informer_server fixture serves "
        "(resource names or informer.ResourceType objects; objects by resource name)",
    )


def _plugin_name(obj: Any) -> str:
    name = getattr(obj, "__name__", None) or type(obj).__name__
    return str(name)


@pytest.fixture
def informer_plugins() -> Callable[..., Registry]:
    """Factory: a :class:`~informer.plugins.Registry` with exactly the given plugins loaded."""

    def load(*plugins: Any, strict: bool = False, builtins: bool = True) -> Registry:
        from informer.plugins import load_plugins

        names: list[str] = []
        modules: dict[str, object] = {}
        for plugin in plugins:
            if isinstance(plugin, str):
                names.append(plugin)
            elif isinstance(plugin, tuple) and len(plugin) == 2 and isinstance(plugin[0], str):
                modules[plugin[0]] = plugin[1]
            else:
                modules[_plugin_name(plugin)] = plugin
        # An empty selection must not mean "everything installed": autoload is always off.
        return load_plugins(
            names or [], autoload=False, strict=strict, modules=modules, builtins=builtins, environ={}
        )

    return load


@pytest.fixture(scope="session")
def informer_registry() -> Registry:
    """Every installed plugin, loaded once per session (problems recorded, not raised)."""
    from informer.plugins import load_plugins

    return load_plugins(environ={})


def _server_resources(resources: Iterable[Any]) -> list[Any]:
    from informer import ResourceType
    from informer.server import ServerResource

    out: list[Any] = []
    for r in resources:
        if isinstance(r, ResourceType):
            if not r.plural:
                continue
            out.append(
                ServerResource(
                    group=r.group, version=r.version, plural=r.plural, kind=r.kind, namespaced=r.namespaced
                )
            )
        elif isinstance(r, str):
            out.append(ServerResource.parse(r))
        else:
            out.append(r)
    # one collection per URL path: the first resource type claiming it wins
    unique: dict[tuple[str, str, str], Any] = {}
    for r in out:
        unique.setdefault((r.group, r.version, r.plural), r)
    return list(unique.values())


def _resolve(resources: Iterable[Any], registry: Registry | None) -> list[Any]:
    """Names the registry knows become its resource types (right kind and scope)."""
    out: list[Any] = []
    for r in resources:
        if isinstance(r, str) and registry is not None and r in registry.names("resource_types"):
            out.append(registry.resource_type(r))
        else:
            out.append(r)
    return out


@asynccontextmanager
async def _open_server(
    resources: Iterable[Any] = (),
    objects: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    registry: Registry | None = None,
    **kwargs: Any,
) -> AsyncIterator[EmbeddedServer]:
    from informer.server import open_embedded_server

    served = _server_resources(_resolve(resources, registry))
    async with open_embedded_server(served, **kwargs) as server:
        for resource_name, objs in (objects or {}).items():
            for obj in objs:
                server.create(resource_name, obj)
        yield server


@pytest.fixture
def informer_server_factory(
    informer_registry: Registry,
) -> Callable[..., AbstractAsyncContextManager[EmbeddedServer]]:
    """Factory: ``async with informer_server_factory(resources=[...], objects={...}) as server``."""

    def factory(
        resources: Iterable[Any] = (),
        objects: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
        **kwargs: Any,
    ) -> AbstractAsyncContextManager[EmbeddedServer]:
        return _open_server(resources, objects, informer_registry, **kwargs)

    return factory


@pytest.fixture
async def informer_server(request: pytest.FixtureRequest, informer_registry: Registry) -> AsyncIterator[Any]:
    """A running embedded server; see the module docstring for the marker."""
    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    resources = options.pop("resources", None)
    if resources is None:
        resources = [
            informer_registry.resource_type(name)
            for name in informer_registry.names("resource_types")
            if informer_registry.get("resource_types", name).descriptor.get("plural")
        ]
    objects = options.pop("objects", None)
    faults = options.pop("faults", None)
    if faults is not None:
        options["faults"] = faults
    async with _open_server(resources, objects, informer_registry, **options) as server:
        yield server


@pytest.fixture
def informer_informer(informer_registry: Registry) -> Callable[..., AbstractAsyncContextManager[Any]]:
    """Factory: a running informer for a resource type, fed from an embedded server."""

    @asynccontextmanager
    async def run(
        resource: str,
        server: Any,
        *,
        registry: Registry | None = None,
        handlers: Iterable[Any] = (),
        **kwargs: Any,
    ) -> AsyncIterator[Any]:
        from informer import SourceSpec, open_informer

        reg = registry if registry is not None else informer_registry
        resource_type = reg.resource_type(resource)
        source_factory = reg.source_for_scheme("http").target
        source = source_factory(SourceSpec(resource=resource_type, options={"url": server.url}))
        async with open_informer(resource_type, source, **kwargs) as informer:
            for handler in handlers:
                informer.add_handler(handler)
            yield informer

    return run
