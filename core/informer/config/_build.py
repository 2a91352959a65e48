"""From a config file to running informers: validate, check against the registry, build.

Three steps, each usable alone:

* :func:`read_config` — parse and validate against ``config.schema.json``;
* :func:`check_config` — check every name against a :class:`~informer.plugins.Registry`
  (resource types, sources, handlers, transforms) and every ``options`` against its
  contribution's ``options_schema``, without connecting anywhere or building anything;
* :func:`build_plan` — the :class:`informer.InformerSpec`\\ s and handler instances.

:func:`validate_config` is the first two plus loading the plugins the config names; it is
what ``informer-run validate CONFIG`` runs. Every message names the file, the line (YAML)
and the JSON path: ``informers.yaml:14: informers[1].handlers[0]: unknown handler ...``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import ConfigError, PluginError
from .._resource import ResourceType, Scope
from ..plugins._schemas import format_path, schema_problems, validator_for
from ._files import nearest_line, read_document
from ._model import Config, HandlerRef, InformerConfig

if TYPE_CHECKING:
    from .._manager import InformerSpec
    from ..plugins import Registry

__all__ = ["ConfigPlan", "HandlerBinding", "build_plan", "check_config", "read_config", "validate_config"]


def _error(
    path: Path,
    lines: Mapping[tuple[Any, ...], int],
    parts: Iterable[Any],
    message: str,
    focus: Iterable[Any] | None = None,
) -> ConfigError:
    parts = list(parts)
    line = nearest_line(dict(lines), list(focus) if focus is not None else parts)
    where = f"{path}:{line}" if line else f"{path}"
    json_path = format_path(parts)
    return ConfigError(f"{where}: {json_path}: {message}" if json_path else f"{where}: {message}")


def _raise_all(errors: list[ConfigError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        error = ConfigError("\n".join(str(e) for e in errors))
        error.errors = errors  # type: ignore[attr-defined]
        raise error


def read_config(path: str | Path) -> Config:
    """Parse ``path`` (by extension: .yaml/.yml, .toml, .json) and validate it against
    ``config.schema.json``; :class:`informer.ConfigError` lists every problem."""
    parsed = read_document(path)
    if not isinstance(parsed.data, Mapping):
        raise ConfigError(
            f"{parsed.path}: expected a mapping at the top level, got {type(parsed.data).__name__}"
        )
    errors = [
        _error(parsed.path, parsed.lines, p.parts, p.message, p.focus)
        for p in schema_problems(validator_for("config"), parsed.data)
    ]
    _raise_all(errors)
    return Config.from_data(parsed.path, parsed.data, parsed.lines)


def _informer_name(inf: InformerConfig, resource: str) -> str:
    return inf.name or resource


def check_config(config: Config, registry: Registry) -> list[ConfigError]:
    """Every problem of ``config`` against ``registry`` (empty list: good to run)."""
    errors: list[ConfigError] = []

    def err(parts: Iterable[Any], message: str) -> None:
        errors.append(_error(config.path, config.lines, parts, message))

    for name, source in config.sources.items():
        if source.type not in registry.names("sources"):
            err(["sources", name, "type"], registry.unknown("sources", source.type))
            continue
        for parts, message in registry.options_problems("sources", source.type, source.options):
            err(["sources", name, *parts], message)
    seen: dict[str, int] = {}
    for inf in config.informers:
        at: list[Any] = ["informers", inf.index]
        resource: str | None = None
        try:
            prefixed = _prefix_resource(inf.resource)
            resource = prefixed.name if prefixed else registry.resource_type_name(inf.resource)
        except ConfigError as exc:
            err([*at, "resource"], str(exc))
        name = _informer_name(inf, resource or inf.resource)
        if name in seen:
            err(
                [*at, "name"] if inf.name else at,
                f"informer name {name!r} is already used by informers[{seen[name]}]",
            )
        seen.setdefault(name, inf.index)
        _check_source(config, registry, inf, err)
        if inf.transform and inf.transform not in registry.names("transforms"):
            err([*at, "transform"], registry.unknown("transforms", inf.transform))
        for i, ref in enumerate(inf.handlers):
            _check_handler(registry, ref, resource, [*at, "handlers", i], err)
    return errors


def _prefix_resource(name: str) -> ResourceType | None:
    """An etcd key prefix (``resource: /apps/``) names its own resource type, as
    ``--resource /apps/`` does on the command line (etcd has no schema to register)."""
    if not name.startswith("/"):
        return None
    from informer_etcd import resource_for_prefix

    return resource_for_prefix(name)


def _check_source(config: Config, registry: Registry, inf: InformerConfig, err: Any) -> None:
    at: list[Any] = ["informers", inf.index]
    if inf.source is not None:
        if inf.source not in config.sources:
            known = ", ".join(sorted(config.sources)) or "none"
            err([*at, "source"], f"no source {inf.source!r} in sources (defined: {known})")
    elif len(config.sources) != 1:
        count = "no sources are" if not config.sources else f"{len(config.sources)} sources are"
        err(at, f"'source' is required: {count} defined")


def _check_handler(
    registry: Registry, ref: HandlerRef, resource: str | None, at: list[Any], err: Any
) -> None:
    if ref.name not in registry.names("handlers"):
        err(at, registry.unknown("handlers", ref.name))
        return
    for parts, message in registry.options_problems("handlers", ref.name, ref.options):
        err([*at, "options", *parts], message)
    allowed = registry.get("handlers", ref.name).descriptor.get("resource_types")
    if allowed and resource is not None and resource not in allowed:
        err(at, f"handler {ref.name!r} does not handle {resource!r} (it handles: {', '.join(allowed)})")


def validate_config(
    path: str | Path,
    registry: Registry | None = None,
    *,
    plugins: Iterable[str] | None = None,
    strict: bool = False,
) -> list[ConfigError]:
    """Check a config file and the plugins it needs, connecting nowhere.

    Without ``registry``, the plugins the config names (or ``plugins``, or the usual
    defaults) are loaded; plugin failures are reported as errors of the file. Returns
    every problem (``informer-run validate`` prints them and exits 2 if there is any).
    """
    try:
        config = read_config(path)
    except ConfigError as exc:
        return list(getattr(exc, "errors", [exc]))
    if registry is None:
        from ..plugins import load_plugins

        names = list(plugins) if plugins is not None else list(config.plugins) or None
        try:
            registry = load_plugins(names, strict=strict)
        except PluginError as exc:
            return [_error(config.path, config.lines, ["plugins"], str(exc))]
    errors: list[ConfigError] = []
    for i, name in enumerate(config.plugins):
        info = registry.plugins.get(name)
        if info is None:
            errors.append(
                _error(config.path, config.lines, ["plugins", i], f"plugin {name!r} is not installed")
            )
        elif not info.ok:
            reasons = "; ".join(str(e) for e in info.errors) or info.status
            errors.append(
                _error(config.path, config.lines, ["plugins", i], f"plugin {name!r} failed: {reasons}")
            )
    return errors + check_config(config, registry)


@attrs.frozen(slots=True)
class HandlerBinding:
    """A handler instance to attach to an informer (``informer.add_handler(handler, name=name)``)."""

    name: str
    handler: Any
    options: Mapping[str, Any] = attrs.field(factory=dict)


@attrs.frozen(slots=True)
class ConfigPlan:
    """What a config asks to run: one spec per informer, and the handlers of each (by informer name)."""

    specs: tuple[InformerSpec, ...]
    handlers: Mapping[str, tuple[HandlerBinding, ...]]


def _options_key(name: str, options: Mapping[str, Any]) -> str:
    return name + "\0" + json.dumps(options, sort_keys=True, default=repr)


def build_plan(
    config: Config,
    registry: Registry,
    *,
    handler_cache: MutableMapping[str, Any] | None = None,
) -> ConfigPlan:
    """The :class:`informer.InformerSpec`\\ s and handler instances ``config`` asks for.

    Raises :class:`informer.ConfigError` listing every problem (:func:`check_config`).
    Informers naming the same handler with the same options share one instance (so one
    handler can join several resource types). Pass the same ``handler_cache`` mapping to
    successive calls (a reloaded config) to keep the instances of unchanged handlers.
    """
    from .._manager import InformerSpec

    _raise_all(check_config(config, registry))
    cache: MutableMapping[str, Any] = {} if handler_cache is None else handler_cache
    specs: list[InformerSpec] = []
    handlers: dict[str, tuple[HandlerBinding, ...]] = {}
    for inf in config.informers:
        validate = config.validate_objects if inf.validate_objects is None else inf.validate_objects
        resource: ResourceType = _prefix_resource(inf.resource) or registry.resource_type(
            inf.resource, validate_objects=validate
        )
        source_name = inf.source if inf.source is not None else next(iter(config.sources))
        source = config.sources[source_name]
        name = _informer_name(inf, resource.name)
        spec = InformerSpec(
            name=name,
            resource=resource,
            source_factory=registry.source_factory(source.type),
            source_options=dict(source.options),
            scope=Scope(
                namespace=inf.namespace, label_selector=inf.label_selector, field_selector=inf.field_selector
            ),
            page_size=inf.page_size if inf.page_size is not None else 500,
            resync_seconds=inf.resync_seconds,
            transform=registry.transform(inf.transform) if inf.transform else None,
            description=f"{resource.name} from {source_name} ({source.type})",
        )
        specs.append(spec)
        bindings: list[HandlerBinding] = []
        for i, ref in enumerate(inf.handlers):
            key = _options_key(ref.name, ref.options)
            if key not in cache:
                try:
                    cache[key] = registry.create_handler(ref.name, ref.options)
                except ConfigError:
                    raise
                except Exception as exc:
                    raise _error(
                        config.path,
                        config.lines,
                        ["informers", inf.index, "handlers", i],
                        f"handler {ref.name!r} could not be created: {type(exc).__name__}: {exc}",
                    ) from exc
            bindings.append(HandlerBinding(name=ref.name, handler=cache[key], options=dict(ref.options)))
        handlers[name] = tuple(bindings)
    return ConfigPlan(specs=tuple(specs), handlers=handlers)
