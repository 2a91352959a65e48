"""Where the handlers' background tasks run: a nursery for the life of the informer manager.

Handlers are plain objects made by a factory, with no nursery of their own, but two things
the routing-table handler does want a task: serving the table over HTTP, and publishing it
(coalescing a burst of events into one file write). The plugin's ``informer_startup`` hook
returns :func:`running`, an async context manager trio-informer enters for the life of its
manager; it opens a nursery and starts every task asked for with :func:`start_when_running`,
whether asked before the manager started or later (a reconfiguration creating a handler).

Outside a manager — a program driving a handler by hand, a unit test — nothing is started
unless the caller enters :func:`running` itself; the handler then publishes synchronously.
Plain module state is enough: there is one manager per process, and this is only touched
from its trio thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import trio

__all__ = ["running", "start_when_running"]

Task = Callable[[], Awaitable[object]]

_pending: list[Task] = []
_nursery: trio.Nursery | None = None


def start_when_running(task: Task) -> None:
    """Start ``task()`` in the manager's nursery now if it is running, else when it starts."""
    if _nursery is not None:
        _nursery.start_soon(task)
    else:
        _pending.append(task)


@asynccontextmanager
async def running() -> AsyncIterator[None]:
    """Run the handlers' background tasks while inside (the ``informer_startup`` result)."""
    global _nursery
    async with trio.open_nursery() as nursery:
        _nursery = nursery
        try:
            while _pending:
                nursery.start_soon(_pending.pop(0))
            yield
        finally:
            _nursery = None
            nursery.cancel_scope.cancel()
