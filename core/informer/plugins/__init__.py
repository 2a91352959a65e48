"""The plugin system: hook specifications, discovery through entry points, descriptor
validation and the :class:`Registry` of everything the plugins contributed.

Plugin authors need only :data:`hookimpl`::

    from informer.plugins import hookimpl

    @hookimpl
    def informer_resource_types():
        return [{"name": "widgets.example.com", "kind": "Widget", "group": "example.com"}]

Applications load plugins and look things up in the registry::

    registry = load_plugins(["gateway"])          # + built-ins; problems recorded, not raised
    for error in registry.errors: print(error)    # "gateway: resource_types[0].key: ..."
    routes = registry.resource_type("routes.gateway.example.com")   # an informer.ResourceType
"""

from __future__ import annotations

from ._builtin import CORE_PLUGIN
from ._coderef import resolve_code_reference
from ._describe import describe_plugins
from ._hooks import CONTRIBUTION_KINDS, HOOK_NAMES, PluginHooks
from ._hookspecs import PROJECT_NAME, hookimpl, hookspec
from ._loading import AUTOLOAD_ENV, ENTRY_POINT_GROUP, PLUGINS_ENV, load_plugins, parse_plugin_names
from ._registry import Contribution, PluginInfo, Registry
from ._schemas import SCHEMA_FILES, load_schema

__all__ = [
    "AUTOLOAD_ENV",
    "CONTRIBUTION_KINDS",
    "CORE_PLUGIN",
    "ENTRY_POINT_GROUP",
    "HOOK_NAMES",
    "PLUGINS_ENV",
    "PROJECT_NAME",
    "SCHEMA_FILES",
    "Contribution",
    "PluginHooks",
    "PluginInfo",
    "Registry",
    "describe_plugins",
    "hookimpl",
    "hookspec",
    "load_plugins",
    "load_schema",
    "parse_plugin_names",
    "resolve_code_reference",
]
