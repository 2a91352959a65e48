"""Finding plugins (entry points, group ``informer``) and loading them into a :class:`Registry`.

Which plugins load (the same rules as pytest's, where they make sense):

* the ``core`` plugin (built-in decoders, key functions, ...) always;
* the plugins shipped *in* trio-informer (``http``, ``kubernetes``, ``etcd``, ``demo``) always,
  like pytest's built-in plugins — they are registered through the very entry points a
  third party uses, and are checked the same way;
* third-party plugins: the ones named (``names=``, ``--plugins a,b`` or ``INFORMER_PLUGINS=a,b``),
  or, when none are named, every installed one — unless autoloading is off
  (``autoload=False`` or ``INFORMER_DISABLE_PLUGIN_AUTOLOAD=1``).

A name that is not installed is a usage error (:class:`informer.PluginError` raised at once,
with a suggestion). A plugin that cannot be imported, registered or validated is recorded
with its reason and the others still load; ``strict=True`` raises instead, listing every
problem. Importing is guarded against any exception but ``KeyboardInterrupt``: a plugin
module that raises at import time, even ``SystemExit``, must not take down the host.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import re
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from types import ModuleType
from typing import Any

from .._exceptions import PluginError
from . import _builtin
from ._builtin import CORE_PLUGIN
from ._hooks import PluginHooks
from ._hookspecs import PROJECT_NAME
from ._registry import PluginInfo, Registry

__all__ = [
    "AUTOLOAD_ENV",
    "DISTRIBUTION",
    "ENTRY_POINT_GROUP",
    "PLUGINS_ENV",
    "load_plugins",
    "parse_plugin_names",
]

#: the entry-point group plugins register in
ENTRY_POINT_GROUP = PROJECT_NAME
#: comma-separated plugin names, as ``--plugins``
PLUGINS_ENV = "INFORMER_PLUGINS"
#: set to ``1`` (or ``true``/``yes``) to load only named and built-in plugins
AUTOLOAD_ENV = "INFORMER_DISABLE_PLUGIN_AUTOLOAD"
#: the distribution whose entry points are built-in plugins
DISTRIBUTION = "trio-informer"


#: what importlib.metadata can load: ``package.module`` or ``package.module:attr.sub``
_ENTRY_POINT_VALUE = re.compile(r"^\s*[A-Za-z_][\w.]*\s*(:\s*[A-Za-z_][\w.]*\s*)?(\[.*\])?\s*$")


def parse_plugin_names(value: str | Sequence[str] | None) -> list[str] | None:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; ``None``/empty -> ``None`` (no selection)."""
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else [p for v in value for p in v.split(",")]
    names = [p.strip() for p in parts if p.strip()]
    return list(dict.fromkeys(names)) or None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _module_location(obj: Any) -> str | None:
    module = obj if isinstance(obj, ModuleType) else None
    if module is None:
        import sys

        module = sys.modules.get(getattr(obj, "__module__", "") or "")
    file = getattr(module, "__file__", None)
    return str(Path(file).resolve()) if file else None


def _spec_location(module: str) -> str | None:
    """Where ``module`` would be loaded from, without running it (for a module that failed).

    Finding it may import its parent packages; a failure there just means "unknown".
    """
    try:
        spec = importlib.util.find_spec(module)
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            raise
        return None
    origin = spec.origin if spec is not None else None
    return str(Path(origin).resolve()) if origin and origin not in ("built-in", "frozen") else None


def _discover() -> tuple[dict[str, metadata.EntryPoint], dict[str, list[metadata.EntryPoint]]]:
    """Entry points by name, and names declared by more than one distribution."""
    found: dict[str, list[metadata.EntryPoint]] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        same = found.setdefault(ep.name, [])
        # an editable install and a dist-info may list the same distribution twice
        if not any(_dist_name(e) == _dist_name(ep) and e.value == ep.value for e in same):
            same.append(ep)
    unique = {name: eps[0] for name, eps in found.items() if len(eps) == 1}
    clashes = {name: eps for name, eps in found.items() if len(eps) > 1}
    return unique, clashes


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    dist = ep.dist
    return dist.metadata["Name"] if dist is not None else None


def _info_for(ep: metadata.EntryPoint) -> PluginInfo:
    dist = ep.dist
    name = _dist_name(ep)
    return PluginInfo(
        name=ep.name,
        module=ep.value,
        distribution=name,
        version=dist.version if dist is not None else None,
        location=None,
        builtin=_canonical(name or "") == _canonical(DISTRIBUTION),
    )


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def load_plugins(
    names: Sequence[str] | str | None = None,
    autoload: bool = True,
    strict: bool = False,
    *,
    modules: Mapping[str, object] | None = None,
    builtins: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Registry:
    """Find, import, register and validate plugins; return the :class:`Registry`.

    ``names``: load only these third-party plugins (entry-point names, a list or ``"a,b"``;
    empty = none); ``None`` falls back to ``$INFORMER_PLUGINS``, then to "all installed" when
    ``autoload`` (and ``$INFORMER_DISABLE_PLUGIN_AUTOLOAD`` is not set). ``modules``
    registers extra plugins given as objects (``{"name": module}``), e.g. a plugin under
    test. ``builtins=False`` leaves out the plugins shipped in trio-informer (the ``core``
    plugin always loads). ``environ`` replaces ``os.environ`` (tests).

    Raises :class:`informer.PluginError` for a name that is not installed, and, with
    ``strict``, for any plugin problem at all (listing all of them).
    """
    env = os.environ if environ is None else environ
    # names=[] (or "") selects no third-party plugin at all; None defers to the environment.
    if names is not None:
        selected: list[str] | None = parse_plugin_names(names) or []
    else:
        selected = parse_plugin_names(env.get(PLUGINS_ENV))
    if _truthy(env.get(AUTOLOAD_ENV)):
        autoload = False
    modules = dict(modules or {})

    entry_points, clashes = _discover()
    installed = set(entry_points) | set(clashes)
    if selected:
        unknown = [n for n in selected if n not in installed and n not in modules and n != CORE_PLUGIN]
        if unknown:
            raise PluginError(unknown[0], _unknown_message(unknown[0], sorted(installed)))

    # Load order: core, built-ins (sorted), then third-party plugins in the order named
    # (or sorted), then plugins given as objects. Order matters only for which of two
    # clashing contributions is kept: the earlier one; the later plugin is refused.
    order: list[str] = [CORE_PLUGIN]
    builtin_names = sorted(n for n, ep in entry_points.items() if _info_for(ep).builtin)
    if builtins:
        order += builtin_names
    third_party = sorted(n for n in installed if n not in builtin_names)
    if selected is not None:
        order += [n for n in selected if n in installed and n not in order]
    elif autoload:
        order += third_party
    order += [n for n in modules if n not in order]

    hooks = PluginHooks()
    infos: dict[str, PluginInfo] = {}
    for name in order:
        if name == CORE_PLUGIN:
            info = PluginInfo(
                name=CORE_PLUGIN,
                module=_builtin.__name__,
                distribution=DISTRIBUTION,
                version=_version(),
                location=_module_location(_builtin),
                builtin=True,
            )
            infos[name] = info
            _register(hooks, info, _builtin)
            continue
        if name in modules:
            obj = modules[name]
            info = PluginInfo(
                name=name,
                module=getattr(obj, "__name__", type(obj).__name__),
                location=_module_location(obj),
            )
            infos[name] = info
            _register(hooks, info, obj)
            continue
        if name in clashes:
            info = _info_for(clashes[name][0])
            info.fail(
                PluginError(
                    name,
                    "entry point declared by more than one distribution: "
                    + ", ".join(f"{_dist_name(ep)} ({ep.value})" for ep in clashes[name]),
                )
            )
            infos[name] = info
            continue
        ep = entry_points[name]
        info = _info_for(ep)
        infos[name] = info
        if not _ENTRY_POINT_VALUE.match(ep.value):
            info.fail(
                PluginError(
                    name,
                    f"malformed entry point {name} = {ep.value!r} in distribution {info.distribution}: "
                    "expected 'package.module' or 'package.module:attribute'",
                )
            )
            continue
        try:
            obj = ep.load()
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            error = PluginError(name, f"cannot import {ep.value!r}: {type(exc).__name__}: {exc}")
            error.__cause__ = exc
            info.fail(error)
            info.location = _spec_location(ep.module)
            continue
        info.location = _module_location(obj)
        _register(hooks, info, obj)

    # Installed but not selected: listed (status "skipped") so `informer-run plugins` shows them.
    for name in sorted(installed):
        if name not in infos:
            ep = entry_points.get(name) or clashes[name][0]
            info = _info_for(ep)
            info.status = "skipped"
            infos[name] = info

    registry = Registry(hooks, {n: i for n, i in infos.items() if i.status != "skipped"})
    registry._collect()
    for name, info in infos.items():
        if info.status == "skipped":
            registry.plugins[name] = info
    if strict:
        registry.raise_errors()
    return registry


def _register(hooks: PluginHooks, info: PluginInfo, obj: object) -> None:
    for problem in hooks.register(obj, info.name):
        info.fail(PluginError(info.name, problem))
    info.hooks = hooks.hooks_of(info.name) if info.ok else []


def _version() -> str | None:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
        return None


def _unknown_message(name: str, installed: list[str]) -> str:
    close = difflib.get_close_matches(name, installed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"no such plugin{hint}; installed plugins: {', '.join(installed) or 'none'} "
        f"(entry-point group {ENTRY_POINT_GROUP!r})"
    )
