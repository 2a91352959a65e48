"""Serve a routing table over HTTP (the handler's ``listen`` option).

Endpoints (JSON answers, ``Connection: close``)::

    GET /                  the table document (as the handler's json_file holds it)
    GET /match?path=/x/y   {"path": "/x/y", "entry": {...}} or 404 {"path": ..., "entry": null}
    GET /healthz           {"ok": true}

Deliberately tiny — one request per connection, GET only, requests capped at 8 KiB — it is
a debugging window onto the table, not the gateway's data plane.

It runs as a task in the nursery of :mod:`informer_gateway._runtime` (the manager's life);
a handler driven by hand is served by entering :func:`informer_gateway.serve.serving`
(the same context manager) yourself.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import trio

from ._runtime import running

if TYPE_CHECKING:
    from .handler import RoutingTableHandler

__all__ = ["serve_table", "serving"]

log = logging.getLogger("informer_gateway")

_MAX_REQUEST = 8192

#: enter to run the HTTP endpoints (and publishers) of the handlers made so far and later
serving = running


def _split_listen(listen: str) -> tuple[str, int]:
    host, _, text = listen.rpartition(":")
    port = int(text)
    if not 0 <= port <= 65535:
        # The socket layer would silently take the port modulo 65536: refuse it instead.
        raise ValueError(f"port {port} out of range 0-65535")
    return host or "127.0.0.1", port


async def serve_table(
    handler: RoutingTableHandler, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve ``handler``'s table on ``handler.listen`` until cancelled; reports the bound port."""
    assert handler.listen is not None
    try:
        host, port = _split_listen(handler.listen)
        listeners = await trio.open_tcp_listeners(port, host=host)
    except (OSError, ValueError) as exc:
        # A busy port (or one out of range) must not take the informers down with it: say
        # so and serve nothing.
        log.error("gateway.routing-table: cannot serve the table on %s: %s", handler.listen, exc)
        return
    bound = listeners[0].socket.getsockname()[1]
    handler.url = f"http://{host}:{bound}/"
    log.info("gateway.routing-table: serving the table on %s", handler.url)
    task_status.started(bound)

    async def one(stream: trio.SocketStream) -> None:
        try:
            with trio.move_on_after(10):
                await _answer(stream, handler)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass  # the client went away; nothing to tell anyone
        finally:
            await stream.aclose()

    try:
        await trio.serve_listeners(one, listeners)
    finally:
        handler.url = None


async def _answer(stream: trio.SocketStream, handler: RoutingTableHandler) -> None:
    request = b""
    while b"\r\n\r\n" not in request and len(request) < _MAX_REQUEST:
        chunk = await stream.receive_some(4096)
        if not chunk:
            return
        request += chunk
    try:
        method, target, _ = request.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
    except ValueError:
        await _send(stream, 400, {"error": "malformed request line"})
        return
    if method != "GET":
        await _send(stream, 405, {"error": f"method {method} not allowed"})
        return
    url = urlsplit(target)
    if url.path == "/":
        await _send(stream, 200, handler.document())
    elif url.path == "/match":
        path = parse_qs(url.query).get("path", ["/"])[0]
        entry = handler.table.match(path)
        body = {"path": path, "entry": None if entry is None else {"prefix": entry.prefix, **entry.to_json()}}
        await _send(stream, 200 if entry is not None else 404, body)
    elif url.path == "/healthz":
        await _send(stream, 200, {"ok": True})
    else:
        await _send(stream, 404, {"error": f"no such path {url.path}"})


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


async def _send(stream: trio.SocketStream, status: int, body: Any) -> None:
    payload = json.dumps(body, sort_keys=True).encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    await stream.send_all(head.encode("latin-1") + payload)
