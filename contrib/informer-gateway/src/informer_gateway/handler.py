"""The ``gateway.routing-table`` handler: keeps a :class:`~informer_gateway.table.RoutingTable`
current from the route and service informers, and publishes it whenever it changes.

Attach it to both resource types in a config file; trio-informer gives every informer that
names the handler with the same options the *same* instance, so one table joins both::

    informers:
      - resource: services.gateway.example.com
        handlers: [{name: gateway.routing-table, options: {json_file: /run/gw/table.json}}]
      - resource: routes.gateway.example.com
        handlers: [{name: gateway.routing-table, options: {json_file: /run/gw/table.json}}]

Options (all optional; see :data:`OPTIONS_SCHEMA`):

``json_file``
    Path of a JSON file holding the table (``{"generation": N, "routes": {prefix: entry},
    "counts": {...}}``), rewritten atomically (temporary file in the same directory, then
    rename) after every change, so a reader never sees half a table. Under a manager the
    write happens in a worker thread; a write that fails is logged and retried on the next
    change, and the informers carry on.
``print``
    ``true``: print the table as text to stderr after every change.
``min_interval``
    At most one publication per this many seconds (default 0: one per burst of events);
    the last change is always published.
``listen``
    ``"HOST:PORT"``: serve the table over HTTP (``GET /`` the JSON, ``GET /match?path=/x``
    the entry serving ``/x``); see :mod:`informer_gateway.serve`.

A change that leaves the table as it was (a new resourceVersion of an unchanged route, a
service nobody routes to losing an endpoint) publishes nothing: ``generation`` counts
*table* changes, so a watcher of the file sees only real ones. A burst of changes is
published once (see :class:`RoutingTableHandler`). Events of other types of
object are refused loudly (the registry refuses a config attaching the handler elsewhere;
this is the last line of defence) and counted as handler errors by the informer.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import trio
from informer import converter

from ._runtime import is_running, start_when_running
from .model import Route, Service
from .serve import serve_table
from .table import RoutingTable

__all__ = ["OPTIONS_SCHEMA", "RoutingTableHandler", "create_handler", "write_json_atomically"]

log = logging.getLogger("informer_gateway")

# HOST:PORT with PORT in 0..65535 (0 = any free port), so `informer-run validate` catches a
# port the socket layer would otherwise take modulo 65536.
_PORT = r"([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_LISTEN_PATTERN = rf"^[^:\s]*:{_PORT}$"

#: JSON Schema of the handler's options (checked by trio-informer before the factory runs).
OPTIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "json_file": {"type": "string", "minLength": 1, "description": "write the table here on change"},
        "print": {"type": "boolean", "description": "print the table to stderr on change"},
        "min_interval": {
            "type": "number",
            "minimum": 0,
            "description": "at most one publication (file write, print) per this many seconds",
        },
        "listen": {
            "type": "string",
            "pattern": _LISTEN_PATTERN,
            "description": "HOST:PORT to serve the table over HTTP",
        },
    },
}


def write_json_atomically(path: Path, document: Any) -> None:
    """Write ``document`` as JSON to ``path`` so readers see the old file or the new one, never
    a mix: write a temporary file beside it, flush it to disk, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, sort_keys=True)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def render_text(document: Mapping[str, Any]) -> str:
    """The table as an operator reads it: one line per prefix."""
    lines = [f"routing table (generation {document['generation']}):"]
    routes: Mapping[str, Mapping[str, Any]] = document["routes"]
    width = max((len(p) for p in routes), default=1)
    for prefix, entry in routes.items():
        backends = ", ".join(entry["backends"]) or "-"
        status = "" if entry["status"] == "ok" else f"  [{entry['status']}]"
        lines.append(f"  {prefix:<{width}}  -> {entry['service']}: {backends}{status}")
    if not routes:
        lines.append("  (no routes)")
    return "\n".join(lines)


class RoutingTableHandler:
    """Event handler (``on_add`` / ``on_update`` / ``on_delete``) feeding a routing table.

    Usable on its own in a trio program too::

        handler = RoutingTableHandler(json_file=Path("table.json"))
        routes_informer.add_handler(handler)
        services_informer.add_handler(handler)
        handler.table.match("/catalog/items/42")

    Publishing (``json_file``, ``print``) costs a pass over the whole table, so it is
    *coalesced* when the handler runs under a manager: an event marks the table dirty and
    wakes a publisher task, which writes once for however many events arrived meanwhile
    (an informer delivers a burst to a handler back to back before yielding) and then waits
    ``min_interval`` seconds before it may write again. The last change is always
    published, also at shutdown. Driven by hand (no manager running), it publishes at once.
    """

    def __init__(
        self,
        *,
        json_file: Path | None = None,
        print_to: TextIO | None = None,
        listen: str | None = None,
        min_interval: float = 0.0,
    ) -> None:
        self.table = RoutingTable()
        self.json_file = json_file
        self.print_to = print_to
        self.listen = listen
        self.min_interval = min_interval
        #: where the table is served once the HTTP endpoint is up (``listen`` given), else None
        self.url: str | None = None
        #: ``table.version`` last written to the sinks (0 = nothing published yet)
        self.published_version = 0
        self._wake: trio.Event | None = None  # set while a publisher task runs
        self._publisher_scheduled = False

    @property
    def generation(self) -> int:
        """Number of table changes so far (the ``generation`` of the published document)."""
        return self.table.version

    # -- the informer handler interface --------------------------------------------------

    def on_add(self, obj: Any, initial: bool) -> None:
        if self.table.apply(_typed(obj)):
            self._changed()

    def on_update(self, old: Any, new: Any) -> None:
        if self.table.apply(_typed(new)):
            self._changed()

    def on_delete(self, obj: Any) -> None:
        if self.table.remove(_typed(obj)):
            self._changed()

    # -- publishing ----------------------------------------------------------------------

    @property
    def has_sinks(self) -> bool:
        return self.json_file is not None or self.print_to is not None

    def document(self) -> dict[str, Any]:
        """The published form of the table: ``{"generation", "routes", "counts"}``."""
        return {"generation": self.table.version, **self.table.to_json()}

    def _changed(self) -> None:
        if self._wake is not None:
            self._wake.set()
        elif self._publisher_scheduled and is_running():
            pass  # the publisher task is about to start; it publishes what changed meanwhile
        elif self.has_sinks:
            self.publish()

    def publish(self) -> bool:
        """Write the table to the sinks now if it changed since the last write; true if written."""
        document = self._next_document()
        if document is None:
            return False
        if self.json_file is not None:
            write_json_atomically(self.json_file, document)
        self._print(document)
        return True

    async def publish_async(self) -> bool:
        """:meth:`publish`, with the file written in a worker thread: an fsync on a busy disk
        must not stall the trio thread every informer runs in. The document is taken first,
        in this thread, so it is one consistent state of the table."""
        document = self._next_document()
        if document is None:
            return False
        if self.json_file is not None:
            try:
                await trio.to_thread.run_sync(write_json_atomically, self.json_file, document)
            except BaseException:
                # Not written (cancelled before the thread started, or the write failed):
                # leave the table marked unpublished so the final flush writes it.
                self.published_version = -1
                raise
        self._print(document)
        return True

    def _next_document(self) -> dict[str, Any] | None:
        if self.published_version == self.table.version or not self.has_sinks:
            return None
        document = self.document()
        self.published_version = self.table.version
        log.debug(
            "routing table generation %d: %d prefixes, %d backends",
            document["generation"],
            document["counts"]["prefixes"],
            document["counts"]["backends"],
        )
        return document

    def _print(self, document: Mapping[str, Any]) -> None:
        if self.print_to is not None:
            print(render_text(document), file=self.print_to, flush=True)

    async def serve(self) -> None:
        """Serve the table over HTTP on ``listen`` until cancelled (see :mod:`informer_gateway.serve`)."""
        await serve_table(self)

    async def run_publisher(self) -> None:
        """Publish coalesced changes until cancelled (see the class docs); then the last one."""
        try:
            while True:
                # Reset, then take the document: no checkpoint in between, so no change can
                # slip through unseen; a change from now on sets the new event.
                self._wake = trio.Event()
                try:
                    written = await self.publish_async()
                except OSError as exc:
                    # A full disk or a missing permission must not take the informers down:
                    # say so; the next change tries again.
                    log.error("gateway.routing-table: cannot write %s: %s", self.json_file, exc)
                    written = False
                if written and self.min_interval:
                    await trio.sleep(self.min_interval)
                await self._wake.wait()
        finally:
            self._wake = None
            # Shutdown: the informers have stopped feeding us; make the last state durable.
            try:
                self.publish()
            except OSError as exc:
                log.error("gateway.routing-table: cannot write %s: %s", self.json_file, exc)


_KINDS: dict[str, type[Route] | type[Service]] = {"Route": Route, "Service": Service}


def _typed(obj: Any) -> Route | Service:
    if isinstance(obj, Route | Service):
        return obj
    if isinstance(obj, Mapping) and obj.get("kind") in _KINDS:
        # A wire mapping (an informer configured with the plain json decoder, or a test):
        # structure it with trio-informer's converter, exactly as the typed decoders do.
        return converter.structure(obj, _KINDS[obj["kind"]])
    raise TypeError(
        f"gateway.routing-table handles Route and Service objects (decoders gateway.route and "
        f"gateway.service), got {type(obj).__name__}; attach it to routes.gateway.example.com "
        f"and services.gateway.example.com"
    )


def create_handler(options: Mapping[str, Any]) -> RoutingTableHandler:
    """The factory trio-informer calls with the handler's ``options`` from the config."""
    json_file = options.get("json_file")
    handler = RoutingTableHandler(
        json_file=Path(json_file) if json_file else None,
        print_to=sys.stderr if options.get("print") else None,
        listen=options.get("listen"),
        min_interval=float(options.get("min_interval", 0.0)),
    )
    if handler.has_sinks:
        handler._publisher_scheduled = True
        start_when_running(handler.run_publisher)
    if handler.listen:
        start_when_running(handler.serve)
    return handler
