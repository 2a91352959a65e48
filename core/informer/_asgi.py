"""The small part of ASGI both of our HTTP apps need (the embedded server and the
metrics/health endpoint): the callable's types and the lifespan handshake hypercorn
performs before it sends any request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["Message", "Receive", "Scope", "Send", "serve_lifespan"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


async def serve_lifespan(receive: Receive, send: Send) -> None:
    """Answer startup and shutdown until the server says it is shutting down.

    Neither app has anything to set up or tear down; answering keeps hypercorn from
    logging that lifespan is unsupported.
    """
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
