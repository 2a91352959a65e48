"""The hook specifications: everything a plugin can contribute.

A plugin is a module (the target of an entry point in the ``informer`` group) that
defines any of the functions below, each decorated with :data:`informer.plugins.hookimpl`::

    # my_plugin/plugin.py
    from informer.plugins import hookimpl

    @hookimpl
    def informer_resource_types() -> list[dict]:
        return [{"name": "widgets.example.com", "kind": "Widget", "group": "example.com"}]

and is registered in its distribution's ``pyproject.toml``::

    [project.entry-points.informer]
    widgets = "my_plugin.plugin"      # the entry point's name is the plugin's name

Contributions are **data first**: every ``informer_*`` contribution hook returns a list of
plain mappings (*descriptors*), each validated against the JSON Schema of its kind
(``informer/schemas/<kind>.schema.json``) before anything runs. Code is referenced from a
descriptor as a ``"module:attribute"`` string (or given as the object itself) and is
resolved, and its arity checked, when the plugin is loaded.

Why the hooks look the way they do (pluggy's known pitfalls, designed around):

* **No async hooks.** pluggy calls are synchronous; :func:`informer_startup` and
  :func:`informer_shutdown` *return* an awaitable or an async context manager that the core
  runs inside its own nursery. An ``async def`` hook implementation is refused at registration.
* **No hidden defaults.** pluggy never passes an argument that has a default value in the
  implementation's signature, silently. An implementation parameter with a default is
  refused at registration; so is a parameter the specification does not have.
* **Order does not matter.** pluggy calls implementations last-registered-first. The
  registry calls each plugin's implementation on its own, in plugin load order, so a
  contribution is always attributed to its plugin, and one plugin's hook that raises is
  that plugin's failure only.
* **Misspelt hooks are caught.** A function named ``informer_*`` that is not a known hook
  fails ``check_pending()`` and the plugin is reported as broken.
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pluggy

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]

#: the pluggy project name: markers and entry-point group are both ``informer``.
PROJECT_NAME = "informer"

#: Decorator marking a hook specification (used only by this module).
hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorator marking a plugin's hook implementation: ``@hookimpl def informer_sources(): ...``
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

#: What a lifecycle hook may return: nothing, an awaitable, or an async context manager.
LifecycleResult = Awaitable[Any] | AbstractAsyncContextManager[Any] | None


@hookspec
def informer_resource_types() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute resource types: what can be watched (schema ``resource_type.schema.json``).

    ``decoder``, ``key``, ``indexers`` and ``transform`` *name* contributions (of this or any
    other loaded plugin, or the built-ins: decoders ``json`` (default), ``text``, ``bytes``;
    key functions ``namespace-name`` (default), ``name``; indexer ``namespace`` (always
    added for namespaced types); transform ``drop-managed-fields``)::

        @hookimpl
        def informer_resource_types():
            return [{
                "name": "routes.gateway.example.com",   # kubectl-style, unique across plugins
                "kind": "Route", "group": "gateway.example.com", "version": "v1",
                "plural": "routes", "namespaced": True,
                "decoder": "gateway.route",             # a decoder contributed below
                "indexers": ["gateway.by-backend"],
                "description": "Routes of the API gateway",
            }]
    """


@hookspec
def informer_sources() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute sources: clients of one kind of server (schema ``source.schema.json``).

    ``factory`` is called as ``factory(spec: informer.SourceSpec) -> informer.Source``;
    ``spec.options`` has been validated against ``options_schema``. ``schemes`` are the URL
    schemes ``--source URL`` maps to this source::

        @hookimpl
        def informer_sources():
            return [{
                "name": "etcd", "schemes": ["etcd", "etcds"],
                "factory": "informer_etcd.source:create_source",
                "options_schema": {"type": "object", "properties": {"endpoints": {"type": "array"}}},
                "description": "etcd v3 through its JSON gateway",
            }]
    """


@hookspec
def informer_decoders() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute decoders: wire object -> cached object (schema ``decoder.schema.json``).

    Either ``function`` (called as ``fn(wire_object) -> object``) or ``type``: an attrs class
    the object is structured into with the project's one cattrs converter
    (``informer.converter``); camelCase wire names map to snake_case fields automatically::

        @hookimpl
        def informer_decoders():
            return [
                {"name": "gateway.route", "type": "informer_gateway.model:Route"},
                {"name": "gateway.raw", "function": "informer_gateway.decode:raw"},
            ]

    Decoding is on the per-event hot path: the default ``json`` decoder keeps plain
    mappings at no cost; a typed decoder costs tens of microseconds per object.
    """


@hookspec
def informer_key_functions() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute key functions: ``fn(decoded_object) -> str``, the object's key in the
    store (schema ``key_function.schema.json``)::

        @hookimpl
        def informer_key_functions():
            return [{"name": "gateway.route-path", "function": "informer_gateway.keys:by_path"}]
    """


@hookspec
def informer_indexers() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute indexers: ``fn(decoded_object) -> list[str]`` of index values
    (client-go's IndexFunc; schema ``indexer.schema.json``)::

        @hookimpl
        def informer_indexers():
            return [{"name": "gateway.by-backend", "function": "informer_gateway.index:by_backend"}]
    """


@hookspec
def informer_transforms() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute transforms: ``fn(decoded_object) -> object`` applied after decoding and
    before storing, e.g. to drop fields nobody reads (schema ``transform.schema.json``)::

        @hookimpl
        def informer_transforms():
            return [{"name": "drop-managed-fields", "function": "informer._keys:drop_managed_fields"}]
    """


@hookspec
def informer_handlers() -> list[dict[str, Any]]:  # type: ignore[empty-body]
    """Contribute event handlers (schema ``handler.schema.json``).

    ``factory`` is called as ``factory(options: Mapping[str, Any]) -> handler`` with the
    ``options`` a config file gives (validated against ``options_schema`` if present). The
    handler is any object with some of ``on_add(obj, initial)``, ``on_update(old, new)``,
    ``on_delete(obj)`` (sync or async), or ``on_notification(n)``. ``resource_types``
    (optional) lists the types the handler understands; a config attaching it elsewhere is
    refused. A handler named with the same options by several informers is *one* instance,
    so it can join several resource types (routes + services -> a routing table)::

        @hookimpl
        def informer_handlers():
            return [{
                "name": "gateway.routing-table",
                "factory": "informer_gateway.table:create_handler",
                "resource_types": ["routes.gateway.example.com", "services.gateway.example.com"],
                "options_schema": {"type": "object", "properties": {"listen": {"type": "string"}}},
            }]
    """


@hookspec
def informer_startup(manager: Any) -> LifecycleResult:
    """Called once the informer manager is running (``informer.InformerManager``).

    May return ``None``, an awaitable (awaited inside the manager's nursery before
    informers start), or an async context manager (entered now, exited at shutdown —
    the way to run a background task for the whole life of the manager)::

        @hookimpl
        def informer_startup(manager):
            @contextlib.asynccontextmanager
            async def serve():
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(serve_http, manager)
                    yield
                    nursery.cancel_scope.cancel()
            return serve()

    Never block inside the hook itself: pluggy calls are synchronous.
    """


@hookspec
def informer_shutdown(manager: Any) -> LifecycleResult:
    """Called when the manager stops, before async context managers returned by
    :func:`informer_startup` are exited. May return ``None`` or an awaitable (awaited with
    a deadline)::

        @hookimpl
        def informer_shutdown(manager):
            return flush_audit_log()    # a coroutine
    """
