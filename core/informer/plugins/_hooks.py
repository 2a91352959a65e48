"""A typed facade over pluggy's plugin manager.

The rest of the code never touches ``pm.hook``: pluggy's hook calls are untyped, call
implementations last-registered-first, and stop at the first exception, which would let
one plugin's bug hide every other plugin's contributions. Here each plugin's
implementation is called *on its own*, in load order, so every result is attributed to
its plugin and every failure is that plugin's alone.

Registration checks what pluggy lets through silently (see the pitfalls listed in
:mod:`informer.plugins._hookspecs`): ``async def`` implementations, implementation
parameters with defaults (never passed by pluggy), hook wrappers (meaningless for
contribution hooks), functions named like a hook but not marked ``@hookimpl``, and
misspelt hook names (``check_pending``, with a "did you mean" suggestion).
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Sequence
from typing import Any

import pluggy

from . import _hookspecs
from ._hookspecs import PROJECT_NAME

__all__ = ["CONTRIBUTION_KINDS", "HOOK_NAMES", "LIFECYCLE_HOOKS", "PluginHooks"]

#: contribution kinds, in the order they are collected (and listed)
CONTRIBUTION_KINDS: tuple[str, ...] = (
    "resource_types",
    "sources",
    "decoders",
    "key_functions",
    "indexers",
    "transforms",
    "handlers",
)
LIFECYCLE_HOOKS: tuple[str, ...] = ("informer_startup", "informer_shutdown")
HOOK_NAMES: tuple[str, ...] = tuple(f"informer_{k}" for k in CONTRIBUTION_KINDS) + LIFECYCLE_HOOKS


class PluginHooks:
    """The plugin manager, with registration checks and per-plugin, typed calls."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(_hookspecs)

    # -- registration -------------------------------------------------------------

    def register(self, plugin: object, name: str) -> list[str]:
        """Register ``plugin`` (a module or object) as ``name``; return its problems.

        If there are problems the plugin is left unregistered, so none of its hooks is ever
        called.
        """
        try:
            self._pm.register(plugin, name=name)
        except pluggy.PluginValidationError as exc:
            return [f"invalid hook implementation: {'; '.join(str(exc).splitlines())}"]
        except ValueError as exc:  # already registered (same object or same name)
            return [str(exc)]
        problems = self._check(plugin, name)
        if problems:
            self.unregister(name)
        return problems

    def unregister(self, name: str) -> None:
        plugin = self._pm.get_plugin(name)
        if plugin is not None:
            self._pm.unregister(plugin, name=name)

    def _check(self, plugin: object, name: str) -> list[str]:
        problems: list[str] = []
        for hook_name, impl in self._impls_of(name):
            function = impl.function
            where = f"{hook_name}"
            if inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function):
                problems.append(
                    f"{where} is async; hooks are synchronous: return an awaitable or an async "
                    "context manager from a plain function instead"
                )
            if impl.kwargnames:
                names = ", ".join(impl.kwargnames)
                problems.append(
                    f"{where} has parameters with default values ({names}); pluggy never passes them: "
                    "remove the defaults"
                )
            if impl.hookwrapper or impl.wrapper:
                problems.append(f"{where} is a hook wrapper; informer hooks do not support wrappers")
        # Misspelt hooks: pluggy keeps an implementation without a specification pending
        # until check_pending() raises; we check per plugin, to name it and suggest the fix.
        for hook_name in sorted(vars(self._pm.hook)):
            caller = getattr(self._pm.hook, hook_name)
            if not isinstance(caller, pluggy.HookCaller) or caller.has_spec():
                continue
            for impl in caller.get_hookimpls():
                if impl.plugin_name == name and not impl.optionalhook:
                    problems.append(f"unknown hook {hook_name!r}{_did_you_mean(hook_name, HOOK_NAMES)}")
        # A function named exactly like a hook but not marked is silently ignored by pluggy.
        marked = {hook_name for hook_name, _ in self._impls_of(name)}
        for hook_name in HOOK_NAMES:
            candidate = getattr(plugin, hook_name, None)
            if hook_name not in marked and callable(candidate):
                problems.append(f"{hook_name} is not decorated with @informer.plugins.hookimpl")
        if not problems:
            try:
                self._pm.check_pending()
            except pluggy.PluginValidationError as exc:  # pragma: no cover - covered above
                problems.append(str(exc))
        return problems

    def _impls_of(self, name: str) -> list[tuple[str, pluggy.HookImpl]]:
        out: list[tuple[str, pluggy.HookImpl]] = []
        for hook_name in sorted(vars(self._pm.hook)):
            caller = getattr(self._pm.hook, hook_name)
            if not isinstance(caller, pluggy.HookCaller):
                continue
            out.extend((hook_name, impl) for impl in caller.get_hookimpls() if impl.plugin_name == name)
        return out

    # -- queries --------------------------------------------------------------------

    def hooks_of(self, name: str) -> list[str]:
        """The hook names plugin ``name`` implements (sorted)."""
        return sorted({hook_name for hook_name, _ in self._impls_of(name)})

    def is_registered(self, name: str) -> bool:
        return self._pm.get_plugin(name) is not None

    # -- calls ----------------------------------------------------------------------

    def _impl(self, hook_name: str, plugin: str) -> pluggy.HookImpl | None:
        caller: pluggy.HookCaller = getattr(self._pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            if impl.plugin_name == plugin:
                return impl
        return None

    def contributions(self, kind: str, plugin: str) -> Any:
        """Call plugin ``plugin``'s ``informer_<kind>`` implementation; ``None`` if it has none.

        Exceptions propagate to the caller (the registry records them against the plugin).
        """
        impl = self._impl(f"informer_{kind}", plugin)
        if impl is None:
            return None
        return impl.function()

    def lifecycle(self, hook_name: str, plugins: Sequence[str], manager: Any) -> list[tuple[str, Any]]:
        """Call ``informer_startup``/``informer_shutdown`` of each of ``plugins`` in order.

        Returns ``(plugin, result)`` pairs; an exception is returned as the result (the
        caller logs and records it) so that one failing plugin does not skip the others.
        """
        if hook_name not in LIFECYCLE_HOOKS:
            raise ValueError(f"not a lifecycle hook: {hook_name}")
        results: list[tuple[str, Any]] = []
        for plugin in plugins:
            impl = self._impl(hook_name, plugin)
            if impl is None:
                continue
            args = {"manager": manager}
            try:
                result = impl.function(*(args[a] for a in impl.argnames))
            except Exception as exc:
                result = exc
            results.append((plugin, result))
        return results


def _did_you_mean(name: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (known hooks: {', '.join(choices)})"
