"""The observability endpoint of ``informer-run --metrics-port P``: a tiny ASGI app on hypercorn.

Routes (GET only):

``/metrics``
    Prometheus exposition of :class:`~informer._observe.InformerCollector` (plus the process
    collector), rendered at scrape time.
``/healthz``
    200 while the process runs (liveness).
``/readyz``
    200 when every configured informer has synced; else 503 and the names of those that
    have not, one per line (readiness).
``/debug/cache`` (``?resource=NAME`` for one informer)
    The live caches, in the format of ``--snapshot``.

It runs inside the caller's trio nursery through ``hypercorn.trio.serve`` (no threads), and
stops when that nursery is cancelled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qs

import trio
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, ProcessCollector, generate_latest

from .._asgi import Receive, Scope, Send, serve_lifespan
from ._metrics import InformerCollector
from ._snapshot import snapshot_bytes

__all__ = ["ObserveApp", "serve_observe"]



class ObserveApp:
    """ASGI app serving metrics, health and the debug cache of a live set of informers.

    ``informers`` returns the running informers by name; ``expected`` the names that should
    be running (configured ones), so ``/readyz`` also reports one that has not started yet.
    ``handlers`` returns an informer's ``[(handler name, registration)]`` for the metrics.
    """

    def __init__(
        self,
        informers: Callable[[], Mapping[str, Any]],
        *,
        expected: Callable[[], Iterable[str]] | None = None,
        handlers: Callable[[Any], Iterable[tuple[str, Any]]] = lambda inf: (),
    ) -> None:
        self._informers = informers
        self._expected = expected or (lambda: self._informers().keys())
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(InformerCollector(informers, handlers))
        ProcessCollector(registry=self.registry)

    def not_ready(self) -> list[str]:
        """Names of configured informers that are not (yet) synced."""
        running = self._informers()
        return sorted(n for n in self._expected() if n not in running or not running[n].synced)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, ctype, body = self._route(scope)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body if scope["method"] != "HEAD" else b""})

    def _route(self, scope: Scope) -> tuple[int, str, bytes]:
        path = scope["path"]
        if scope["method"] not in ("GET", "HEAD"):
            return 405, "text/plain", b"method not allowed\n"
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(self.registry)
        if path == "/healthz":
            return 200, "text/plain", b"ok\n"
        if path == "/readyz":
            waiting = self.not_ready()
            if waiting:
                return 503, "text/plain", ("not synced: " + ", ".join(waiting) + "\n").encode()
            return 200, "text/plain", b"ok\n"
        if path == "/debug/cache":
            query = parse_qs(scope.get("query_string", b"").decode())
            only = query.get("resource", [None])[0]
            return 200, "application/json", snapshot_bytes(self._informers(), only=only)
        return 404, "text/plain", b"not found: try /metrics, /healthz, /readyz, /debug/cache\n"


async def serve_observe(
    app: ObserveApp,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve ``app`` until cancelled; ``nursery.start`` returns its URL (``port=0``: ephemeral)."""
    from hypercorn.config import Config
    from hypercorn.trio import serve

    config = Config()
    config.bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
    config.accesslog = None
    # hypercorn's own "Running on ..." lines would duplicate ours; keep its errors.
    config.errorlog = logging.getLogger("informer.http")
    config.graceful_timeout = 0.5

    async def _started(task_status: trio.TaskStatus[list[str]] = trio.TASK_STATUS_IGNORED) -> None:
        await serve(app, config, task_status=task_status, mode="asgi")  # type: ignore[arg-type]

    async with trio.open_nursery() as nursery:
        binds: list[str] = await nursery.start(_started)
        task_status.started(binds[0])
