"""The :class:`Registry`: everything the loaded plugins contributed, validated, by name.

Building one (see :func:`informer.plugins.load_plugins`) goes through four checks, each
recorded against the plugin at fault, never crashing the host:

1. each descriptor against its kind's JSON Schema (``informer/schemas/<kind>.schema.json``);
2. each code reference resolved, and its arity checked (``module:attribute``);
3. each name unique across plugins (a clash names both plugins);
4. each name a resource type refers to (decoder, key, indexers, transform) contributed by
   some loaded plugin.

A plugin is **all or nothing**: if any of its contributions fails, none of them is kept
(half a plugin is harder to reason about than a missing one), and every problem is
reported, not only the first.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import trio
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from .._decoders import decode_json, typed_decoder
from .._exceptions import ConfigError, DecodeError, DescriptorError, PluginError
from .._resource import Indexer, KeyFunc, ResourceType
from .._source import SourceFactory
from ._coderef import CodeReferenceError, check_arity, describe_reference, resolve_code_reference
from ._hooks import CONTRIBUTION_KINDS, PluginHooks
from ._schemas import check_schema, format_path, schema_problems, validator_for

__all__ = ["Contribution", "PluginInfo", "Registry"]

log = logging.getLogger("informer.plugins")

#: the singular of each kind, for messages ("unknown decoder 'x'")
SINGULAR: dict[str, str] = {
    "resource_types": "resource type",
    "sources": "source",
    "decoders": "decoder",
    "key_functions": "key function",
    "indexers": "indexer",
    "transforms": "transform",
    "handlers": "handler",
}

#: code-reference fields of each kind: field -> (positional arity, what the call looks like)
_CODE_FIELDS: dict[str, dict[str, tuple[int, str]]] = {
    "sources": {"factory": (1, "factory(spec: informer.SourceSpec) -> informer.Source")},
    "decoders": {"function": (1, "function(wire_object) -> object")},
    "key_functions": {"function": (1, "function(obj) -> str")},
    "indexers": {"function": (1, "function(obj) -> list[str]")},
    "transforms": {"function": (1, "function(obj) -> obj")},
    "handlers": {"factory": (1, "factory(options: Mapping[str, Any]) -> handler")},
}
#: a syntactically valid stand-in for a code reference given as an object (JSON Schema
#: cannot describe a Python object; the object itself is checked by _resolve).
_OBJECT_PLACEHOLDER = "builtins:object"
#: resource type fields that name a contribution of another kind
_REFERENCES: tuple[tuple[str, str], ...] = (
    ("decoder", "decoders"),
    ("key", "key_functions"),
    ("transform", "transforms"),
)


@attrs.frozen(slots=True)
class Contribution:
    """One validated contribution of one plugin.

    ``target`` is the resolved code (decoder callable, key function, factory, ...); it is
    ``None`` for resource types, whose resolution is :meth:`Registry.resource_type`.
    ``index`` is the position in the plugin's hook result (for error paths).
    """

    kind: str
    name: str
    plugin: str
    index: int
    descriptor: Mapping[str, Any]
    target: Any = None

    @property
    def path(self) -> str:
        return f"{self.kind}[{self.index}]"

    @property
    def description(self) -> str:
        return str(self.descriptor.get("description") or "")


@attrs.define(slots=True)
class PluginInfo:
    """What is known of one plugin: where it comes from, what it contributes, what is wrong.

    ``status`` is ``"ok"`` (loaded, all contributions registered), ``"error"`` (refused;
    see ``errors``) or ``"skipped"`` (installed but not selected: ``--plugins`` named
    others, or autoloading is off).
    """

    name: str
    module: str = ""
    distribution: str | None = None
    version: str | None = None
    location: str | None = None
    builtin: bool = False
    status: str = "ok"
    hooks: list[str] = attrs.field(factory=list)
    contributions: dict[str, list[str]] = attrs.field(factory=dict)
    errors: list[PluginError] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def fail(self, error: PluginError) -> None:
        self.status = "error"
        self.errors.append(error)


class Registry:
    """Everything the loaded plugins contributed, by kind and name, plus per-plugin status.

    Read API: :meth:`resource_type` (a resolved :class:`informer.ResourceType`),
    :meth:`source_factory`, :meth:`source_for_scheme`, :meth:`create_handler`,
    :meth:`decoder`, :meth:`key_function`, :meth:`indexer`, :meth:`transform`,
    :meth:`get` / :meth:`names` (any kind), :attr:`plugins`, :attr:`errors`.
    Lookups of unknown names raise :class:`informer.ConfigError` naming the known ones
    (they come from a command line or a config file).
    """

    def __init__(self, hooks: PluginHooks, plugins: Mapping[str, PluginInfo]) -> None:
        self._hooks = hooks
        self.plugins: dict[str, PluginInfo] = dict(plugins)
        self._by_kind: dict[str, dict[str, Contribution]] = {kind: {} for kind in CONTRIBUTION_KINDS}
        self._resolved: dict[tuple[str, bool], ResourceType] = {}
        self._aliases: dict[str, list[str]] = {}

    # -- building (used by load_plugins) --------------------------------------------

    def _collect(self) -> None:
        """Call every ok plugin's contribution hooks and run checks 1-4 (module docstring)."""
        gathered: dict[str, list[Contribution]] = {}
        for info in self.plugins.values():
            if info.ok:
                gathered[info.name] = self._collect_plugin(info)
        # 3. unique names. Against a built-in, the built-in keeps its name and the other
        # plugin is refused; between two third-party plugins neither wins (which one was
        # meant is ambiguous, and load order is no answer): both are refused, each error
        # naming the other.
        owners: dict[tuple[str, str], Contribution] = {}
        for plugin, contributions in gathered.items():
            info = self.plugins[plugin]
            if not info.ok:  # already refused (a bad descriptor): claims no names
                continue
            for c in contributions:
                if c.kind == "sources":
                    self._check_schemes(c, gathered, info)
                first = owners.get((c.kind, c.name))
                what = f"{SINGULAR[c.kind]} {c.name!r}"
                if first is None:
                    owners[(c.kind, c.name)] = c
                elif first.plugin == plugin:
                    info.fail(DescriptorError(plugin, f"{c.path}.name", f"{what} given twice"))
                else:
                    info.fail(
                        DescriptorError(
                            plugin, f"{c.path}.name", f"{what} is also contributed by plugin {first.plugin!r}"
                        )
                    )
                    first_info = self.plugins[first.plugin]
                    if not first_info.builtin:
                        first_info.fail(
                            DescriptorError(
                                first.plugin,
                                f"{first.path}.name",
                                f"{what} is also contributed by plugin {plugin!r}",
                            )
                        )
        # Ownership is settled in load order before anything is refused, so removing a
        # refused plugin never hands its names to another one.
        for plugin, contributions in gathered.items():
            info = self.plugins[plugin]
            if info.ok:
                for c in contributions:
                    if owners[(c.kind, c.name)].plugin == plugin:
                        self._by_kind[c.kind][c.name] = c
            else:
                self._drop(plugin)
        # 4. references between contributions, until nothing more is refused (refusing a
        # plugin removes what others may have referred to).
        changed = True
        while changed:
            changed = False
            for info in self.plugins.values():
                if info.ok and self._check_references(info):
                    self._drop(info.name)
                    changed = True
        for info in self.plugins.values():
            info.contributions = (
                {
                    kind: sorted(c.name for c in self._by_kind[kind].values() if c.plugin == info.name)
                    for kind in CONTRIBUTION_KINDS
                }
                if info.ok
                else {}
            )
            info.contributions = {k: v for k, v in info.contributions.items() if v}
        self._index_resource_names()

    def _check_schemes(
        self, c: Contribution, gathered: Mapping[str, list[Contribution]], info: PluginInfo
    ) -> None:
        for other_plugin, others in gathered.items():
            if other_plugin == info.name:
                break
            for o in others:
                if o.kind != "sources" or not self.plugins[other_plugin].ok:
                    continue
                shared = set(c.descriptor.get("schemes") or ()) & set(o.descriptor.get("schemes") or ())
                if shared:
                    info.fail(
                        DescriptorError(
                            info.name,
                            f"{c.path}.schemes",
                            f"URL scheme(s) {', '.join(sorted(shared))} already taken by source "
                            f"{o.name!r} of plugin {other_plugin!r}",
                        )
                    )

    def _drop(self, plugin: str) -> None:
        for kind in CONTRIBUTION_KINDS:
            for name in [n for n, c in self._by_kind[kind].items() if c.plugin == plugin]:
                del self._by_kind[kind][name]
        # a refused plugin's lifecycle hooks must never run
        self._hooks.unregister(plugin)

    def _collect_plugin(self, info: PluginInfo) -> list[Contribution]:
        out: list[Contribution] = []
        for kind in CONTRIBUTION_KINDS:
            hook = f"informer_{kind}"
            try:
                result = self._hooks.contributions(kind, info.name)
            except (Exception, SystemExit) as exc:
                error = PluginError(info.name, f"{hook}() raised {type(exc).__name__}: {exc}")
                error.__cause__ = exc
                info.fail(error)
                continue
            if result is None:
                continue
            if not isinstance(result, (list, tuple)):
                info.fail(
                    PluginError(
                        info.name,
                        f"{hook}() returned {type(result).__name__}; expected a list of descriptors",
                    )
                )
                continue
            for index, descriptor in enumerate(result):
                contribution = self._validate(info, kind, index, descriptor)
                if contribution is not None:
                    out.append(contribution)
        return out

    def _validate(self, info: PluginInfo, kind: str, index: int, descriptor: Any) -> Contribution | None:
        path = f"{kind}[{index}]"
        if not isinstance(descriptor, Mapping):
            info.fail(
                DescriptorError(info.name, path, f"expected a mapping, got {type(descriptor).__name__}")
            )
            return None
        # 1. JSON Schema (code references given as objects are checked by _resolve instead)
        code_fields = _CODE_FIELDS.get(kind, {})
        if kind == "decoders":
            code_fields = {**code_fields, "type": (0, "an attrs class")}
        shown = {
            k: (_OBJECT_PLACEHOLDER if k in code_fields and v is not None and not isinstance(v, str) else v)
            for k, v in descriptor.items()
        }
        problems = schema_problems(validator_for(kind), shown)
        for problem in problems:
            info.fail(DescriptorError(info.name, format_path(problem.parts, path), problem.message))
        if problems:
            return None
        name = str(descriptor["name"])
        failed = False
        for field in ("options_schema", "object_schema"):
            if descriptor.get(field) is not None:
                reason = check_schema(descriptor[field])
                if reason:
                    info.fail(DescriptorError(info.name, f"{path}.{field}", reason))
                    failed = True
        # 2. code references
        target: Any = None
        for field, ref in descriptor.items():
            if field not in code_fields:
                continue
            try:
                target = self._resolve(kind, field, ref)
            except CodeReferenceError as exc:
                info.fail(DescriptorError(info.name, f"{path}.{field}", str(exc)))
                failed = True
        if failed:
            return None
        return Contribution(
            kind=kind, name=name, plugin=info.name, index=index, descriptor=descriptor, target=target
        )

    @staticmethod
    def _resolve(kind: str, field: str, ref: Any) -> Any:
        obj = resolve_code_reference(ref)
        if kind == "decoders" and field == "type":
            if not (isinstance(obj, type) and attrs.has(obj)):
                raise CodeReferenceError(f"{describe_reference(ref)} is not an attrs class")
            try:
                return typed_decoder(obj)
            except Exception as exc:  # cattrs cannot build a structuring function for it
                raise CodeReferenceError(
                    f"cannot build a cattrs decoder for {describe_reference(ref)}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
        positional, expects = _CODE_FIELDS[kind][field]
        check_arity(obj, positional, ref=ref, expects=expects)
        return obj

    def _check_references(self, info: PluginInfo) -> bool:
        failed = False
        for c in list(self._by_kind["resource_types"].values()):
            if c.plugin != info.name:
                continue
            for field, kind, value in self._references(c.descriptor):
                if value is None or value in self._by_kind[kind]:
                    continue
                known = sorted(self._by_kind[kind])
                info.fail(
                    DescriptorError(info.name, f"{c.path}.{field}", f"{value!r} is not one of {known!r}")
                )
                failed = True
        return failed

    @staticmethod
    def _references(descriptor: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        """``(field path, kind, name)`` of every name a resource type descriptor refers to."""
        refs: list[tuple[str, str, Any]] = [
            (field, kind, descriptor.get(field)) for field, kind in _REFERENCES
        ]
        refs += [(f"indexers[{i}]", "indexers", n) for i, n in enumerate(descriptor.get("indexers") or ())]
        return refs

    def _index_resource_names(self) -> None:
        aliases: dict[str, list[str]] = {}
        for name, c in self._by_kind["resource_types"].items():
            d = c.descriptor
            forms = {name.lower()}
            plural, group, version = d.get("plural"), d.get("group") or "", d.get("version") or "v1"
            if plural:
                forms.add(f"{plural}.{version}.{group}".rstrip(".") if group else str(plural))
                forms.add(f"{plural}.{group}".rstrip("."))
            if d.get("kind"):
                forms.add(str(d["kind"]).lower())
                if group:
                    forms.add(f"{str(d['kind']).lower()}.{group}")
            forms.update(str(s).lower() for s in d.get("short_names") or ())
            for form in forms:
                aliases.setdefault(form, [])
                if name not in aliases[form]:
                    aliases[form].append(name)
        self._aliases = aliases

    # -- status -----------------------------------------------------------------------

    @property
    def errors(self) -> list[PluginError]:
        """Every problem of every plugin, in load order."""
        return [e for info in self.plugins.values() for e in info.errors]

    @property
    def loaded(self) -> list[str]:
        """Names of the plugins that loaded (status ``ok``), in load order."""
        return [name for name, info in self.plugins.items() if info.ok]

    def raise_errors(self) -> None:
        """Raise a :class:`informer.PluginError` listing every problem, if there is any."""
        errors = self.errors
        if len(errors) == 1:
            raise errors[0]
        if errors:
            names = sorted({e.plugin for e in errors})
            lines = "\n  ".join(str(e) for e in errors)
            raise PluginError(", ".join(names), f"{len(errors)} plugin problems:\n  {lines}")

    # -- lookups ----------------------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        """The names contributed for ``kind`` (``"resource_types"``, ``"handlers"``, ...), sorted."""
        return sorted(self._by_kind[kind])

    def contributions(self, kind: str) -> Mapping[str, Contribution]:
        return dict(self._by_kind[kind])

    def get(self, kind: str, name: str) -> Contribution:
        """The contribution ``name`` of ``kind``; :class:`informer.ConfigError` if there is none."""
        try:
            return self._by_kind[kind][name]
        except KeyError:
            raise ConfigError(self.unknown(kind, name)) from None

    def unknown(self, kind: str, name: str) -> str:
        """The message for an unknown name: suggestions and what is known."""
        known = sorted(self._by_kind[kind])
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        loaded = ", ".join(self.loaded) or "none"
        return (
            f"unknown {SINGULAR[kind]} {name!r}{hint}; known: {', '.join(known) or 'none'} "
            f"(plugins loaded: {loaded})"
        )

    def resource_type_name(self, name: str) -> str:
        """The canonical name of a resource type given as kubectl would take it.

        ``routes.gateway.example.com``, ``routes.v1.gateway.example.com``, ``route`` (kind),
        a short name, or a plain plural (``configmaps``) when only one type has it.
        """
        if name in self._by_kind["resource_types"]:
            return name
        candidates = self._aliases.get(name.lower(), [])
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise ConfigError(
                f"resource type {name!r} is ambiguous: it may be {', '.join(sorted(candidates))}"
            )
        raise ConfigError(self.unknown("resource_types", name))

    def resource_type(self, name: str, *, validate_objects: bool = False) -> ResourceType:
        """The resolved :class:`informer.ResourceType` for ``name`` (any form kubectl takes).

        Decoder, key function, indexers and transform are bound to their callables; the
        ``namespace`` indexer is added to namespaced types. With ``validate_objects`` and an
        ``object_schema``, every object is checked against it before decoding (it costs:
        off by default). The same object is returned for the same arguments.
        """
        canonical = self.resource_type_name(name)
        cached = self._resolved.get((canonical, validate_objects))
        if cached is not None:
            return cached
        c = self._by_kind["resource_types"][canonical]
        resolved = self._build_resource_type(c.descriptor, c.plugin, validate_objects)
        self._resolved[(canonical, validate_objects)] = resolved
        return resolved

    def resource_type_from_descriptor(
        self, descriptor: Mapping[str, Any], *, plugin: str = "informer-run", validate_objects: bool = False
    ) -> ResourceType:
        """Resolve a resource type descriptor no plugin contributed (one derived from a
        command-line name, or found by a server's discovery) exactly as a plugin's would be:
        checked against ``resource_type.schema.json`` and against the registry's names.

        Raises :class:`informer.DescriptorError` naming ``plugin`` and the path at fault.
        """
        problems = schema_problems(validator_for("resource_types"), dict(descriptor))
        if problems:
            shown = "; ".join(p.render("resource_type") for p in problems)
            raise DescriptorError(plugin, "", shown)
        for field, kind, value in self._references(descriptor):
            if value is not None and value not in self._by_kind[kind]:
                known = sorted(self._by_kind[kind])
                raise DescriptorError(plugin, f"resource_type.{field}", f"{value!r} is not one of {known!r}")
        return self._build_resource_type(descriptor, plugin, validate_objects)

    def _build_resource_type(self, d: Mapping[str, Any], plugin: str, validate_objects: bool) -> ResourceType:
        name = str(d["name"])
        decoder: Callable[[Any], Any] = self.decoder(d.get("decoder") or "json")
        schema = d.get("object_schema")
        if validate_objects and schema:
            decoder = _schema_checked(decoder, schema, name)
        key: KeyFunc | None = self.key_function(d["key"]) if d.get("key") else None
        namespaced = bool(d.get("namespaced", True))
        indexers: dict[str, Indexer] = {}
        if namespaced:
            indexers["namespace"] = self.indexer("namespace")
        for index_name in d.get("indexers") or ():
            indexers[index_name] = self.indexer(index_name)
        return ResourceType(
            name=name,
            kind=str(d.get("kind") or ""),
            group=str(d.get("group") or ""),
            version=str(d.get("version") or "v1"),
            plural=str(d.get("plural") or ""),
            namespaced=namespaced,
            prefix=d.get("prefix"),
            decoder=decoder,
            key=key,
            indexers=indexers,
            transform=self.transform(d["transform"]) if d.get("transform") else None,
            resync_seconds=float(d.get("resync_seconds") or 0),
            object_schema=schema,
            plugin=plugin,
            description=str(d.get("description") or ""),
        )

    def decoder(self, name: str) -> Callable[[Any], Any]:
        target: Callable[[Any], Any] = self.get("decoders", name).target
        return target

    def key_function(self, name: str) -> KeyFunc:
        target: KeyFunc = self.get("key_functions", name).target
        return target

    def indexer(self, name: str) -> Indexer:
        target: Indexer = self.get("indexers", name).target
        return target

    def transform(self, name: str) -> Callable[[Any], Any]:
        target: Callable[[Any], Any] = self.get("transforms", name).target
        return target

    def source_factory(self, name: str) -> SourceFactory:
        target: SourceFactory = self.get("sources", name).target
        return target

    def source_for_scheme(self, scheme: str) -> Contribution:
        """The source contribution serving URL scheme ``scheme`` (``http``, ``etcd``, ...)."""
        for c in self._by_kind["sources"].values():
            if scheme.lower() in (c.descriptor.get("schemes") or ()):
                return c
        known = sorted(
            {s for c in self._by_kind["sources"].values() for s in c.descriptor.get("schemes") or ()}
        )
        raise ConfigError(
            f"no loaded source serves URL scheme {scheme!r}; known schemes: {', '.join(known) or 'none'}"
        )

    def options_problems(
        self, kind: str, name: str, options: Mapping[str, Any]
    ) -> list[tuple[list[Any], str]]:
        """Problems of ``options`` against the ``options_schema`` of source/handler ``name``."""
        schema = self.get(kind, name).descriptor.get("options_schema")
        if not schema:
            return []
        return [(p.parts, p.message) for p in schema_problems(Draft202012Validator(schema), dict(options))]

    def create_handler(self, name: str, options: Mapping[str, Any] | None = None) -> Any:
        """Build handler ``name`` with ``options`` (validated against its ``options_schema``)."""
        options = dict(options or {})
        problems = self.options_problems("handlers", name, options)
        if problems:
            shown = "; ".join(f"{format_path(parts, 'options')}: {msg}" for parts, msg in problems)
            raise ConfigError(f"handler {name!r}: {shown}")
        return self.get("handlers", name).target(options)

    # -- lifecycle ----------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def lifecycle(self, manager: Any, *, shutdown_timeout: float = 10.0) -> AsyncIterator[None]:
        """Run the plugins' ``informer_startup`` hooks now and ``informer_shutdown`` on exit.

        Use it inside the manager's lifetime (``async with open_manager() as m, registry.lifecycle(m):``).
        Results are handled in plugin load order: an awaitable is awaited; an async
        context manager is entered now and exited (in reverse order) after the shutdown
        hooks ran. A hook that raises is logged and recorded against its plugin
        (``plugins[name].errors``); the others still run.
        """
        async with contextlib.AsyncExitStack() as stack:
            for plugin, result in self._hooks.lifecycle("informer_startup", self.loaded, manager):
                try:
                    await self._settle(plugin, "informer_startup", result, stack)
                except Exception as exc:
                    self._lifecycle_failed(plugin, "informer_startup", exc)
            try:
                yield
            finally:
                with trio.move_on_after(shutdown_timeout) as scope:
                    scope.shield = True
                    for plugin, result in self._hooks.lifecycle("informer_shutdown", self.loaded, manager):
                        try:
                            await self._settle(plugin, "informer_shutdown", result, None)
                        except Exception as exc:
                            self._lifecycle_failed(plugin, "informer_shutdown", exc)

    async def _settle(
        self, plugin: str, hook: str, result: Any, stack: contextlib.AsyncExitStack | None
    ) -> None:
        if result is None:
            return
        if isinstance(result, Exception):
            raise result
        if stack is not None and hasattr(result, "__aenter__") and hasattr(result, "__aexit__"):
            await stack.enter_async_context(result)
            return
        if hasattr(result, "__await__"):
            await result
            return
        allowed = (
            "None, an awaitable or an async context manager" if stack is not None else "None or an awaitable"
        )
        raise PluginError(plugin, f"{hook}() returned {type(result).__name__}; expected {allowed}")

    def _lifecycle_failed(self, plugin: str, hook: str, exc: Exception) -> None:
        error = (
            exc
            if isinstance(exc, PluginError)
            else PluginError(plugin, f"{hook}() failed: {type(exc).__name__}: {exc}")
        )
        log.error("%s", error, exc_info=exc)
        self.plugins[plugin].errors.append(error)

    def __iter__(self) -> Iterator[PluginInfo]:
        return iter(self.plugins.values())

    def __repr__(self) -> str:
        return f"<Registry plugins={self.loaded} errors={len(self.errors)}>"


def _schema_checked(
    decoder: Callable[[Any], Any], schema: Mapping[str, Any], resource: str
) -> Callable[[Any], Any]:
    validator = Draft202012Validator(schema)

    def checked(obj: Any) -> Any:
        mapping = decode_json(obj) if obj.__class__ is not dict else obj
        error = best_match(validator.iter_errors(mapping))
        if error is not None:
            where = format_path(error.absolute_path, "$")
            raise DecodeError(f"object fails its schema at {where}: {error.message}", resource=resource)
        return decoder(mapping)

    return checked


def plugin_names(infos: Sequence[PluginInfo]) -> list[str]:
    return [i.name for i in infos]
