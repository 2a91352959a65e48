"""Running the embedded server: in-process (:func:`open_embedded_server`) or standalone
(:func:`serve_forever`, what ``informer-run serve`` calls).

The server is hypercorn on trio serving :class:`ApiApp`. In-process it is a task in the
caller's trio run, so tests write to it with plain method calls (``server.create(...)``)
that take effect at once — there is no thread and no lock, only trio's cooperative
scheduling: a write and the notifications of every open watch happen between two
checkpoints.
"""

from __future__ import annotations

import logging
import signal
import ssl
import sys
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
)
from collections.abc import (
    Collection as AbstractCollection,
)
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config
from hypercorn.trio import serve

from ._app import ApiApp, RequestRecord
from ._faults import Faults
from ._resource import ServerResource
from ._state import World, key_of

__all__ = [
    "DEMO_RESOURCES",
    "EmbeddedServer",
    "TLSFiles",
    "open_embedded_server",
    "run_standalone",
    "serve_forever",
]

log = logging.getLogger("informer.server")

#: ``(certfile, keyfile)`` paths, as ``--tls-cert`` / ``--tls-key`` give them.
TLSFiles = tuple[str, str]
#: token -> verbs it may use (``None``: every verb; empty: none, every request is 403).
Tokens = Mapping[str, AbstractCollection[str] | None]

#: the embedded default's demo world (common brief: "names of the resource worlds").
DEMO_RESOURCES = (
    ServerResource(group="demo.informer.dev", version="v1", plural="services", kind="Service"),
    ServerResource(group="demo.informer.dev", version="v1", plural="routes", kind="Route"),
)


def _ssl_context(tls: ssl.SSLContext | TLSFiles) -> ssl.SSLContext:
    if isinstance(tls, ssl.SSLContext):
        return tls
    certfile, keyfile = tls
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile=certfile, keyfile=keyfile)
    return context


class _Config(Config):
    """hypercorn's Config, taking an ``ssl.SSLContext`` (tests build one with trustme)."""

    _context: ssl.SSLContext | None = None

    def create_ssl_context(self) -> ssl.SSLContext | None:
        return self._context

    @property
    def ssl_enabled(self) -> bool:
        return self._context is not None


class EmbeddedServer:
    """A running embedded list/watch server.

    Writes (``create``/``update``/``delete``) behave like the HTTP write API: they assign
    resourceVersion, uid, creationTimestamp and generation, raise
    :class:`~informer.server.StatusError` (``AlreadyExists``, ``Conflict``, ``NotFound``)
    and are seen by every open watch. ``list_objects`` is the oracle tests compare a
    cache against. Call these from the trio run the server lives in (from a worker
    thread, go through ``trio.from_thread.run_sync``).
    """

    def __init__(self, world: World, app: ApiApp, url: str) -> None:
        self._world = world
        self._app = app
        #: base URL, e.g. ``http://127.0.0.1:40123``
        self.url = url

    # -- configuration -------------------------------------------------------------

    @property
    def faults(self) -> Faults:
        """The live fault settings (mutable; read by every request)."""
        return self._world.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._world.faults = value

    @property
    def resources(self) -> list[ServerResource]:
        return [c.resource for c in self._world.collections.values()]

    @property
    def resource_version(self) -> str:
        """The server's current resourceVersion (shared by all resources)."""
        return str(self._world.rv)

    @property
    def bookmark_interval(self) -> float:
        return self._app.bookmark_interval

    @bookmark_interval.setter
    def bookmark_interval(self, seconds: float) -> None:
        self._app.bookmark_interval = seconds

    @property
    def tokens(self) -> Tokens | None:
        """Bearer tokens and their verbs (``None``: no authentication). Assign a new mapping
        to revoke or grant tokens while clients are connected."""
        return self._app.tokens

    @tokens.setter
    def tokens(self, value: Tokens | None) -> None:
        self._app.tokens = value

    @property
    def future_version_wait(self) -> float:
        """Seconds a list for a not-yet-reached resourceVersion waits before answering 504."""
        return self._app.future_rv_wait

    @future_version_wait.setter
    def future_version_wait(self, seconds: float) -> None:
        self._app.future_rv_wait = seconds

    @property
    def requests(self) -> list[RequestRecord]:
        """The last requests answered (oldest first), for tests that check what a client sent."""
        return list(self._app.requests)

    def add_resource(self, resource: ServerResource | str) -> ServerResource:
        """Serve one more resource (discovery shows it at once)."""
        if isinstance(resource, str):
            resource = ServerResource.parse(resource)
        self._world.add(resource)
        return resource

    # -- writes and reads ------------------------------------------------------------

    def create(self, resource_name: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Store a new object; returns it as stored. Namespaced objects default to ``default``."""
        return self._world.collection(resource_name).create(obj)

    def update(self, resource_name: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Replace an object (404 if missing; 409 if ``metadata.resourceVersion`` is given and stale)."""
        return self._world.collection(resource_name).update(obj)

    def patch(
        self, resource_name: str, key_or_name: str, patch: Mapping[str, Any], namespace: str | None = None
    ) -> dict[str, Any]:
        """Apply a JSON merge patch to one object (``{"metadata": {"labels": {"a": None}}}``
        removes label ``a``); addressed like :meth:`delete`. A ``metadata.resourceVersion``
        in the patch is a precondition (409 Conflict if stale)."""
        collection = self._world.collection(resource_name)
        name, namespace = self._address(collection.resource.namespaced, key_or_name, namespace)
        return collection.patch(name, namespace, patch)

    def _address(self, namespaced: bool, key_or_name: str, namespace: str | None) -> tuple[str, str | None]:
        if not namespaced:
            return key_or_name, None
        if namespace is not None:
            return key_or_name, namespace
        ns, _, name = key_or_name.rpartition("/")
        return name, ns or "default"

    def apply(self, resource_name: str, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create or replace (ignoring a stale resourceVersion): handy for demo churn."""
        collection = self._world.collection(resource_name)
        meta = obj.get("metadata") or {}
        ns = (meta.get("namespace") or "default") if collection.resource.namespaced else None
        if key_of(ns, meta.get("name", "")) in collection.objects:
            fresh = dict(obj)
            fresh["metadata"] = {k: v for k, v in meta.items() if k != "resourceVersion"}
            return collection.update(fresh)
        return collection.create(obj)

    def delete(self, resource_name: str, key_or_name: str, namespace: str | None = None) -> dict[str, Any]:
        """Delete by ``"ns/name"``, by ``name`` + ``namespace``, or by ``name`` (cluster-scoped,
        or ``default`` namespace). Returns the last state, stamped with the deletion's version."""
        collection = self._world.collection(resource_name)
        name, namespace = self._address(collection.resource.namespaced, key_or_name, namespace)
        return collection.delete(name, namespace)

    def get(self, resource_name: str, key: str) -> dict[str, Any] | None:
        """One object by key (a fresh dict: changing it changes nothing on the server)."""
        collection = self._world.collection(resource_name)
        stored = collection.objects.get(key)
        return None if stored is None else collection.decode(stored)

    def list_objects(self, resource_name: str) -> dict[str, dict[str, Any]]:
        """Every object of a resource by key (``ns/name``, or ``name`` when cluster-scoped),
        decoded afresh: the oracle to compare a cache against."""
        collection = self._world.collection(resource_name)
        return {key: collection.decode(stored) for key, stored in collection.objects.items()}

    def count(self, resource_name: str) -> int:
        """Number of objects of a resource (cheaper than ``len(list_objects(...))``)."""
        return len(self._world.collection(resource_name).objects)

    # -- watching the watchers -------------------------------------------------------------

    def watch_count(self, resource_name: str) -> int:
        """Number of watch streams open on a resource right now (at any of its versions)."""
        return self._world.collection(resource_name).store.watchers

    async def wait_watching(self, resource_name: str, count: int = 1) -> None:
        """Wait until at least ``count`` watches are open on a resource (bound it with
        ``trio.fail_after``). Lets a test write only once an informer is listening."""
        while self.watch_count(resource_name) < count:
            await self._app.watchers_changed.wait()

    async def wait_watch_count(self, resource_name: str, count: int) -> None:
        """Wait until exactly ``count`` watches are open on a resource (e.g. 0: every
        client has gone and the server noticed)."""
        while self.watch_count(resource_name) != count:
            await self._app.watchers_changed.wait()


@asynccontextmanager
async def open_embedded_server(
    resources: Iterable[ServerResource | str] = (),
    faults: Faults | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: ssl.SSLContext | TLSFiles | None = None,
    tokens: Tokens | None = None,
    *,
    bookmark_interval: float = 10.0,
) -> AsyncIterator[EmbeddedServer]:
    """Run an embedded list/watch server in this trio run for the duration of the block.

    ``port=0`` picks a free port; ``server.url`` has the real one. ``tls`` is an
    ``ssl.SSLContext`` or ``(certfile, keyfile)``; ``tokens`` turns on bearer-token auth
    (401 without a known token, 403 for a verb the token may not use).
    ``bookmark_interval`` is how often a watch that allows bookmarks gets one.
    """
    parsed = [ServerResource.parse(r) if isinstance(r, str) else r for r in resources]
    world = World(parsed, faults if faults is not None else Faults())
    app = ApiApp(world, tokens=tokens, bookmark_interval=bookmark_interval)
    config = _Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("informer.server.hypercorn")
    config.graceful_timeout = 0.5
    # long watches are the point: never close a connection for being idle mid-response
    config.keep_alive_timeout = 75
    if tls is not None:
        config._context = _ssl_context(tls)
    try:
        async with trio.open_nursery() as nursery:
            binds: list[str] = await nursery.start(
                partial(serve, app, config, mode="asgi")  # type: ignore[arg-type]
            )
            url = binds[0]
            if host in ("0.0.0.0", "::"):
                url = url.replace(host, "127.0.0.1", 1)
            try:
                yield EmbeddedServer(world, app, url)
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        # The nursery wraps whatever the caller's block raised; hand a lone exception
        # back as itself so ``pytest.raises`` and ``except`` in the caller work.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


async def serve_forever(
    resources: Iterable[ServerResource | str] = (),
    *,
    demo: bool = True,
    faults: Faults | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    tls_cert: str | None = None,
    tls_key: str | None = None,
    tokens: Tokens | Iterable[str] | None = None,
    bookmark_interval: float = 10.0,
    populate: Callable[[EmbeddedServer], Awaitable[None] | None] | None = None,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (``informer-run serve``).

    Serves :data:`DEMO_RESOURCES` when ``demo`` plus ``resources`` (kubectl names or
    :class:`ServerResource`). ``populate(server)`` — e.g. the demo plugin's seeding and
    churn — runs as a task beside the server. ``announce`` gets the URL once listening
    (default: print it to stdout and flush, so a parent process can read it).
    """
    wanted = [ServerResource.parse(r) if isinstance(r, str) else r for r in resources]
    served = [*DEMO_RESOURCES] if demo else []
    for r in wanted:
        if all((r.group, r.version, r.plural) != (s.group, s.version, s.plural) for s in served):
            served.append(r)
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("TLS needs both a certificate (--tls-cert) and a key (--tls-key)")
    tls: TLSFiles | None = (tls_cert, tls_key) if tls_cert is not None and tls_key is not None else None
    token_map: Tokens | None = None
    if tokens is not None:
        token_map = tokens if isinstance(tokens, Mapping) else dict.fromkeys(tokens)

    def default_announce(url: str) -> None:
        print(f"informer embedded server listening on {url}", flush=True)

    async with open_embedded_server(
        served, faults, host, port, tls, token_map, bookmark_interval=bookmark_interval
    ) as server:
        (announce or default_announce)(server.url)
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async with trio.open_nursery() as nursery:
                if populate is not None:

                    async def run_populate() -> None:
                        result = populate(server)
                        if result is not None:
                            await result

                    nursery.start_soon(run_populate)
                async for signum in signals:
                    log.info("embedded server: %s received, stopping", signal.Signals(signum).name)
                    nursery.cancel_scope.cancel()
                    break


def run_standalone(**kwargs: Any) -> int:
    """Blocking entry point: ``trio.run(serve_forever, ...)``; returns an exit code."""
    try:
        trio.run(partial(serve_forever, **kwargs))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"informer-run serve: cannot serve: {exc}", file=sys.stderr)
        return 1
    return 0
