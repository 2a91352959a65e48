"""``--output jsonl``: one JSON object per event on stdout, flushed per line.

Each informer gets its own :class:`JsonlHandler` (a low-level ``on_notification`` handler,
so it sees the key, the resourceVersion and whether an event belongs to the initial list);
all of them share one :class:`JsonlOutput`. Records::

    {"type": "ADDED", "resource": "routes.demo.informer.dev", "key": "shop/cart",
     "resourceVersion": "42", "object": {...}}
    {"type": "SYNCED", "resource": "routes.demo.informer.dev", "resourceVersion": "42", "objects": 20}

``type`` is ADDED, MODIFIED or DELETED (``object`` is then the last known state), and one
``SYNCED`` marker per informer once the initial list has been written: everything before
it replays to the cache at sync time, everything after it is a change. The marker's
``resourceVersion`` is the version the informer synced at (its list's), and ``objects``
how many initial ADDED records precede it.

Writes are synchronous on purpose: lines from different informers never interleave, and a
slow reader of the pipe slows the handler (whose backlog then shows it) rather than
letting memory grow.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import IO, Any, Protocol

from ._jsonable import dumps

__all__ = ["JsonlHandler", "JsonlOutput"]


class JsonlOutput:
    """A line-oriented binary sink shared by every informer's handler."""

    def __init__(self, stream: IO[bytes], *, on_closed: Callable[[], None] | None = None) -> None:
        self._stream = stream
        # Writes come from trio tasks, but a blocking handler may run in a worker thread.
        self._lock = threading.Lock()
        self._on_closed = on_closed
        self.lines = 0
        #: the reader went away (``informer-run -o jsonl | head``): later records are dropped
        self.closed = False

    def write(self, record: dict[str, Any]) -> None:
        line = dumps(record) + b"\n"
        with self._lock:
            if self.closed:
                return
            try:
                self._stream.write(line)
                self._stream.flush()
            except BrokenPipeError:
                # Like any Unix filter whose reader quit: stop quietly, don't log per event.
                self.closed = True
                if self._on_closed is not None:
                    self._on_closed()
                return
            self.lines += 1


class _Notification(Protocol):
    type: Any
    key: str
    object: Any
    resource_version: str
    initial: bool


class JsonlHandler:
    """Writes one informer's notifications as jsonl records (see the module docstring).

    The ``SYNCED`` marker is written by :meth:`synced` — which the CLI calls once the
    informer has synced and this handler's backlog is empty — or, whichever comes first,
    just before the first notification that is not part of the initial list.
    """

    def __init__(self, output: JsonlOutput, resource: str) -> None:
        self._output = output
        self.resource = resource
        self.synced_written = False
        self._last_rv = ""
        self._initial = 0

    def on_notification(self, n: _Notification) -> None:
        if n.initial:
            self._initial += 1
        elif not self.synced_written:
            self.synced(self._last_rv)
        self._last_rv = n.resource_version
        self._output.write(
            {
                "type": str(n.type),
                "resource": self.resource,
                "key": n.key,
                "resourceVersion": n.resource_version,
                "object": n.object,
            }
        )

    def synced(self, resource_version: str | None = None) -> None:
        """Write the ``SYNCED`` marker (once); without a version, the last one written."""
        if self.synced_written:
            return
        self.synced_written = True
        self._output.write(
            {
                "type": "SYNCED",
                "resource": self.resource,
                "resourceVersion": resource_version or self._last_rv,
                "objects": self._initial,
            }
        )
