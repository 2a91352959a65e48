"""What a run of ``informer-run`` watches: plugins loaded, and one informer spec per resource.

Three ways in, one result (a :class:`Plan`):

* no ``--config``/``--source``: the **embedded default** — an in-process list/watch server
  with the demo world and its churn, watched through the built-in ``http`` source;
* ``--source URL --resource NAME ...``: **quick flags** — the URL's scheme picks the source
  plugin (``http``/``https`` → the Kubernetes-wire HTTP source, ``etcd://`` → etcd,
  ``k8s``/``kubernetes`` → kubeconfig); a resource no plugin contributes is derived from
  its name: a kubectl name for Kubernetes-style servers (``routes.gateway.example.com`` =
  group ``gateway.example.com``, version v1, plain mappings, ``namespace/name`` keys; for
  ``k8s`` asked of the server's discovery), a key prefix for etcd;
* ``--config FILE``: the config loader (``informer.config``) builds the specs and handlers.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import attrs
import trio

from .._exceptions import ConfigError, DescriptorError, PluginError
from .._manager import InformerSpec
from .._resource import ResourceType, Scope
from ..plugins import Contribution, Registry, load_plugins
from ._args import UsageError

__all__ = ["Plan", "load_registry", "plan_run", "resource_from_descriptor"]

log = logging.getLogger("informer.cli")

_K8S_WORDS = frozenset({"k8s", "kubernetes", "kube"})


@attrs.define
class Plan:
    """The informers to start, a title for the live view, and an optional background job
    (the config watcher) given the runtime once it exists."""

    specs: list[InformerSpec]
    title: str
    #: handlers to attach: informer name -> [(handler name, handler object)]
    handlers: Mapping[str, list[tuple[str, Any]]] = attrs.field(factory=dict)
    watch: Callable[[Any], Awaitable[None]] | None = None


def load_registry(args: argparse.Namespace) -> Registry:
    """Load plugins as the flags say; problems are logged (and fatal under ``--strict``)."""
    names: Any = args.plugins
    if names is None and args.config:
        # A config file may name the plugins it needs (``plugins: [gateway]``).
        from ..config import read_config

        names = list(read_config(args.config).plugins) or None
    registry = load_plugins(names, autoload=not args.no_autoload, strict=args.strict)
    for error in registry.errors:
        log.warning("plugin problem (ignored; --strict refuses to start): %s", error)
    # A third-party plugin's own log lines follow --log-level as ours do (its top-level
    # package's logger, by the usual ``logging.getLogger(__name__)`` convention).
    level = logging.getLogger("informer").level
    for info in registry.plugins.values():
        if info.ok and info.module:
            logging.getLogger(info.module.partition(".")[0]).setLevel(level)
    return registry


def resource_from_descriptor(registry: Registry, d: Mapping[str, Any]) -> ResourceType:
    """A :class:`ResourceType` from a resource type descriptor that no plugin registered
    (derived from a command-line name, or found by discovery), checked and resolved by the
    registry exactly as a plugin's would be. A descriptor it refuses is a usage error."""
    try:
        return registry.resource_type_from_descriptor(d, plugin="informer-run")
    except DescriptorError as exc:
        raise UsageError(f"resource {d.get('name')!r}: {exc}") from None


def _kubectl_descriptor(name: str) -> dict[str, Any]:
    from ..server import ServerResource

    try:
        r = ServerResource.parse(name)
    except ValueError as exc:
        raise UsageError(f"--resource {name!r}: {exc}") from None
    return {
        "name": name,
        "kind": r.kind,
        "group": r.group,
        "version": r.version,
        "plural": r.plural,
        "namespaced": r.namespaced,
        "description": "derived from its name on the command line",
    }


def _spec(
    args: argparse.Namespace, resource: ResourceType, source: Contribution, options: Mapping[str, Any]
) -> InformerSpec:
    return InformerSpec(
        name=resource.name,
        resource=resource,
        source_factory=source.target,
        source_options=dict(options),
        scope=Scope(args.namespace, args.selector, args.field_selector),
        page_size=args.page_size,
        description=f"{source.name} {options.get('url') or options.get('server') or ''}".strip(),
    )


def _check_options(registry: Registry, source: Contribution, options: Mapping[str, Any]) -> None:
    problems = registry.options_problems("sources", source.name, options)
    if problems:
        shown = "; ".join(f"{'.'.join(map(str, parts)) or 'options'}: {msg}" for parts, msg in problems)
        raise UsageError(f"--source: options of source {source.name!r}: {shown}")


async def _discover(kind: str, options: Mapping[str, Any], name: str | None) -> list[dict[str, Any]]:
    """Descriptors from the server's discovery (``name``: just that one)."""
    try:
        from informer_kubernetes import discovery
    except ImportError:
        raise UsageError("discovery needs the kubernetes plugin (informer_kubernetes)") from None
    if kind == "http":
        # A plain Kubernetes-wire server: discovery over its URL, no kubeconfig involved.
        import httpx

        async with httpx.AsyncClient(base_url=str(options["url"])) as client:
            if name is None:
                return await discovery.discover_resource_types(client=client)
            return [await discovery.discover_resource(None, name, client=client)]
    if name is None:
        return await discovery.discover_resource_types(options)
    return [await discovery.discover_resource(options, name)]


async def _quick_plan(args: argparse.Namespace, registry: Registry) -> Plan:
    text = args.source.strip()
    if text.lower() in _K8S_WORDS:
        kind = "kubernetes"
        source = registry.get("sources", "kubernetes")
        options: dict[str, Any] = {"context": args.context} if args.context else {}
    else:
        scheme = urlsplit(text).scheme.lower()
        if not scheme:
            raise UsageError(
                f"--source {text!r}: expected a URL (http://HOST:PORT, etcd://HOST:PORT) or 'k8s'"
            )
        source = registry.source_for_scheme(scheme)
        kind = "etcd" if source.name == "etcd" else ("http" if scheme in ("http", "https") else source.name)
        options = {"url": text}
        if args.context:
            if source.name != "kubernetes":
                raise UsageError("--context goes with --source k8s")
            options["context"] = args.context
    _check_options(registry, source, options)
    if not args.resource and not args.discover:
        raise UsageError("--source needs --resource NAME (or --discover)")

    resources: list[ResourceType] = []
    if args.discover:
        if kind == "etcd":
            raise UsageError("--discover: etcd has no discovery; name key prefixes with --resource /prefix/")
        log.info("discovery: asking %s which resources it serves", text)
        found = await _discover(kind, options, None)
        resources += [resource_from_descriptor(registry, d) for d in found]
        log.info("discovery found %d watchable resources", len(found))
    for name in args.resource:
        try:
            resources.append(registry.resource_type(name))
            continue
        except ConfigError:
            pass
        if kind == "etcd" or name.startswith("/"):
            if kind != "etcd":
                raise UsageError(f"--resource {name!r}: a key prefix needs an etcd source")
            from informer_etcd import resource_for_prefix

            resources.append(resource_for_prefix(name))
        elif kind == "kubernetes":
            resources.append(resource_from_descriptor(registry, (await _discover(kind, options, name))[0]))
        else:
            resources.append(resource_from_descriptor(registry, _kubectl_descriptor(name)))
    unique = {r.name: r for r in resources}
    return Plan(
        specs=[_spec(args, r, source, options) for r in unique.values()],
        title=f"{len(unique)} resource{'' if len(unique) == 1 else 's'} from {text}",
    )


async def _embedded_plan(
    args: argparse.Namespace, registry: Registry, stack: contextlib.AsyncExitStack
) -> Plan:
    from informer_demo import world

    from ..server import open_embedded_server
    from ._serve import server_resources

    extra = [n for n in args.resource if n not in world.RESOURCE_NAMES]
    server = await stack.enter_async_context(
        open_embedded_server(resources=server_resources(extra, demo=True), port=0)
    )
    world.seed(server)
    churn = await stack.enter_async_context(trio.open_nursery())
    # Registered after the nursery, so it runs first on exit: the churn stops before the server.
    stack.callback(churn.cancel_scope.cancel)
    churn.start_soon(partial(world.churn, server, rate=3.0))
    source = registry.source_for_scheme("http")
    options = {"url": server.url}
    names = list(args.resource) or list(world.RESOURCE_NAMES)
    resources = []
    for name in names:
        try:
            resources.append(registry.resource_type(name))
        except ConfigError:
            resources.append(resource_from_descriptor(registry, _kubectl_descriptor(name)))
    log.info("embedded server with the demo world on %s", server.url)
    # The demo plugin's own handler on the services informer, so the view shows a real
    # handler at work (its backlog, latency and errors), as an operator's run would.
    health_log = "demo.health-log"
    handlers = (
        {world.SERVICES_RESOURCE: [(health_log, registry.create_handler(health_log, {}))]}
        if world.SERVICES_RESOURCE in {r.name for r in resources}
        else {}
    )
    return Plan(
        specs=[_spec(args, r, source, options) for r in resources],
        handlers=handlers,
        title=f"demo world on {server.url}: an API gateway's services and routes, ~3 changes/s",
    )


async def _config_plan(args: argparse.Namespace, registry: Registry) -> Plan:
    from ._reload import config_plan

    return await config_plan(args, registry)


async def plan_run(args: argparse.Namespace, registry: Registry, stack: contextlib.AsyncExitStack) -> Plan:
    """The :class:`Plan` the flags ask for; resources it needs (the embedded server) go on ``stack``."""
    try:
        if args.config:
            return await _config_plan(args, registry)
        if args.source:
            return await _quick_plan(args, registry)
        if args.discover or args.context:
            raise UsageError("--discover and --context go with --source")
        return await _embedded_plan(args, registry, stack)
    except PluginError:
        raise
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
