"""Where the handlers' background tasks run: a nursery for the life of the informer manager.

Handlers are plain objects made by a factory, with no nursery of their own, but two things
the routing-table handler does want a task: serving the table over HTTP, and publishing it
(coalescing a burst of events into one file write). The plugin's ``informer_startup`` hook
returns :func:`running`, an async context manager trio-informer enters for the life of its
manager; it opens a nursery and starts every task asked for with :func:`start_when_running`,
whether asked before the manager started or later (a reconfiguration creating a handler).

Outside a manager — a program driving a handler by hand, a unit test — nothing is started
unless the caller enters :func:`running` itself; the handler then publishes synchronously.

Tasks waiting for a manager are held by *weak* reference to their handler: a handler made
and dropped before any manager ran (``informer-run validate``, a test) leaves nothing
behind to be started later. With several managers in one process (tests), the one entered
last runs new tasks.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import trio

__all__ = ["is_running", "running", "start_when_running"]

Task = Callable[[], Awaitable[object]]

_pending: list[weakref.WeakMethod[Task]] = []
_nurseries: list[trio.Nursery] = []


def is_running() -> bool:
    """True while a manager's nursery is open (tasks asked for now start at once)."""
    return bool(_nurseries)


def start_when_running(task: Task) -> None:
    """Start ``task()`` (a bound async method) in the manager's nursery now if one is
    running, else when one starts — unless its object is gone by then."""
    if _nurseries:
        _nurseries[-1].start_soon(task)
    else:
        _pending.append(weakref.WeakMethod(task))


@asynccontextmanager
async def running() -> AsyncIterator[None]:
    """Run the handlers' background tasks while inside (the ``informer_startup`` result)."""
    async with trio.open_nursery() as nursery:
        _nurseries.append(nursery)
        try:
            while _pending:
                task = _pending.pop(0)()
                if task is not None:
                    nursery.start_soon(task)
            yield
        finally:
            _nurseries.remove(nursery)
            nursery.cancel_scope.cancel()
