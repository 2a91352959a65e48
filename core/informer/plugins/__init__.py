"""The plugin system: hook specifications, discovery through entry points, descriptor
validation and the :class:`Registry` of everything the plugins contributed.

Plugin authors need only :data:`hookimpl`::

    from informer.plugins import hookimpl

    @hookimpl
    def informer_resource_types():
        return [{"name": "widgets.example.com", "kind": "Widget", "group": "example.com"}]
"""

from __future__ import annotations

from ._hookspecs import PROJECT_NAME, hookimpl, hookspec

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
