"""The main job of ``informer-run``: start informers, show them, serve their metrics, stop cleanly.

Shape of a run (one trio nursery tree, nothing else)::

    run_main
    ├── signals            first SIGINT/SIGTERM sets `stop`, a second one cancels at once
    ├── embedded server    only for the no-argument default: demo world + churn
    └── InformerManager    one informer per spec (CORE), and beside it:
        ├── startup guard  fails the run if an informer cannot sync (exit 1) or its resource
        │                  does not exist (exit 2)
        ├── live view / progress log
        ├── metrics, health, readiness and /debug/cache (``--metrics-port``)
        ├── jsonl SYNCED markers (``--output jsonl``)
        └── config watcher (``--watch-config``)

On ``stop``: handlers get ``--drain-timeout`` seconds to empty their buffers, the snapshot is
written (``--snapshot``), every task is cancelled, and one summary line is printed.
"""

from __future__ import annotations

import argparse
import logging
import os
import select
import stat
import sys
import time
from collections.abc import Iterable, Mapping
from contextlib import AsyncExitStack
from functools import partial
from typing import Any

import attrs
import trio

from .._exceptions import ResourceNotFound, SyncTimeout
from .._informer import Informer
from .._listener import HandlerRegistration
from .._manager import InformerManager, InformerSpec, open_manager
from .._observe import JsonlHandler, JsonlOutput, ObserveApp, serve_observe, write_snapshot
from ._args import EXIT_OK, UsageError
from ._main import leaf_error
from ._plan import load_registry, plan_run
from ._signals import watch_signals
from ._view import Dashboard, EventLog, ProgressLog, run_live, summary_line

__all__ = ["Runtime", "run_main"]

log = logging.getLogger("informer.cli")


class Runtime:
    """The running set of informers and what the CLI attached to each.

    Owns no tasks itself: starting and stopping go through the manager, and the per-informer
    helpers (the jsonl SYNCED marker) run in the nursery it is given.
    """

    def __init__(
        self,
        manager: InformerManager,
        nursery: trio.Nursery,
        *,
        jsonl: JsonlOutput | None,
        events: EventLog | None,
        handlers: Mapping[str, list[tuple[str, Any]]] | None = None,
        drain_timeout: float | None = None,
        gc_freeze: bool = True,
    ) -> None:
        self.manager = manager
        self.drain_timeout = drain_timeout
        #: start every informer with ``gc_freeze=True`` (``--no-gc-freeze`` turns it off):
        #: the CLI is a process of informers, the case that opt-in is for (see ``Informer``)
        self.gc_freeze = gc_freeze
        #: handlers from the plan (config file), by informer name
        self.plan_handlers: Mapping[str, list[tuple[str, Any]]] = handlers or {}
        self._nursery = nursery
        self._jsonl = jsonl
        self._events = events
        #: configured specs by informer name (the ones that should be running)
        self.specs: dict[str, InformerSpec] = {}
        self._scopes: dict[str, trio.CancelScope] = {}
        self._frozen: dict[str, Informer] | None = None

    @property
    def informers(self) -> Mapping[str, Informer]:
        if self._frozen is not None:
            return self._frozen
        return self.manager.informers

    def freeze(self) -> dict[str, Informer]:
        """From now on, report the informers running at this moment (whose stores stay
        readable after they stop): what the snapshot, the last frame and the summary show."""
        self._frozen = dict(self.manager.informers)
        return self._frozen

    @staticmethod
    def handlers_of(inf: Informer) -> list[tuple[str, HandlerRegistration]]:
        """Every handler registration of ``inf`` (the CLI's own and the config's), by name."""
        return [(r.name, r) for r in inf.handlers]

    def source_of(self, name: str) -> str:
        """Where an informer's objects come from, for the live view and messages."""
        inf = self.informers.get(name)
        if inf is not None:
            # Sources describe themselves as "URL resource"; the resource has its own column.
            return inf.source.description.removesuffix(f" {inf.resource.name}")
        spec = self.specs.get(name)
        options = spec.source_options if spec is not None else {}
        return str(options.get("url") or options.get("endpoints") or "")

    async def start(self, spec: InformerSpec) -> Informer:
        # ``specs`` keeps the configured spec (what ``apply`` compares against the next
        # config); the manager runs the same spec with the CLI's own runtime choices.
        running = attrs.evolve(spec, gc_freeze=True) if self.gc_freeze and not spec.gc_freeze else spec
        inf = await self.manager.start(running)
        self.specs[spec.name] = spec
        if self._jsonl is not None:
            writer = JsonlHandler(self._jsonl, spec.name)
            reg = inf.add_handler(writer, name="jsonl")
            scope = trio.CancelScope()
            self._scopes[spec.name] = scope
            self._nursery.start_soon(self._mark_synced, inf, writer, reg, scope)
        if self._events is not None:
            inf.add_handler(self._events.handler(spec.name), name="live-view")
        for handler_name, handler in self.plan_handlers.get(spec.name, ()):
            inf.add_handler(handler, name=handler_name)
        return inf

    async def _mark_synced(
        self, inf: Informer, writer: JsonlHandler, reg: HandlerRegistration, scope: trio.CancelScope
    ) -> None:
        # The marker goes after the last initial ADDED line: wait for the informer's sync,
        # then for this handler to have written every initial notification.
        with scope:
            await inf.wait_synced(timeout=None)
            synced_at = inf.resource_version  # the list's version (the watch has barely begun)
            await reg.wait_synced()
            if reg.synced:  # not when the handler was closed before it got through them
                writer.synced(synced_at)

    async def stop(self, name: str) -> None:
        self.specs.pop(name, None)
        scope = self._scopes.pop(name, None)
        if scope is not None:
            scope.cancel()
        if name in self.informers:
            await self.manager.stop(name, drain_timeout=self.drain_timeout)

    async def apply(
        self, specs: Iterable[InformerSpec], handlers: Mapping[str, list[tuple[str, Any]]]
    ) -> tuple[list[str], list[str], list[str]]:
        """Make the running set match ``specs`` (and their ``handlers``); returns the names
        (started, stopped, restarted).

        Only informers whose spec or handlers changed are touched: an unchanged entry keeps
        its cache, its watch and its handlers.
        """
        wanted = {s.name: s for s in specs}
        old_handlers = self.plan_handlers

        def changed(name: str) -> bool:
            if self.specs[name] != wanted[name]:
                return True
            before = [(n, id(h)) for n, h in old_handlers.get(name, ())]
            return before != [(n, id(h)) for n, h in handlers.get(name, ())]

        stopped = [n for n in self.specs if n not in wanted]
        restarted = [n for n in wanted if n in self.specs and changed(n)]
        started = [n for n in wanted if n not in self.specs]
        for name in stopped + restarted:
            await self.stop(name)
        self.plan_handlers = handlers
        for name in restarted + started:
            await self.start(wanted[name])
        return started, stopped, restarted


async def _startup_guard(rt: Runtime, limit: float) -> None:
    """Fail the run if an informer cannot sync: its resource does not exist (exit 2), or it
    has not synced within ``limit`` seconds (exit 1, saying why)."""
    started = time.monotonic()
    while True:
        informers = dict(rt.informers)
        for name, inf in informers.items():
            # The informer describes its last error as text; the exception itself tells a
            # missing resource (a usage error) from a transient failure.
            err = inf.last_exception
            if isinstance(err, ResourceNotFound) and not inf.synced:
                raise ResourceNotFound(f"{name}: unknown resource at {rt.source_of(name)}: {err}", status=404)
        if informers and all(inf.synced for inf in informers.values()):
            n = len(informers)
            log.info("%d informer%s synced in %.2fs", n, "" if n == 1 else "s", time.monotonic() - started)
            return
        if limit and time.monotonic() - started > limit:
            waiting = [
                f"{n} ({inf.stats.last_error or 'no error reported'})"
                for n, inf in informers.items()
                if not inf.synced
            ]
            raise SyncTimeout(f"not synced after {limit:g}s (--sync-timeout): {'; '.join(waiting)}")
        await trio.sleep(0.05)


async def _progress(progress: ProgressLog, rt: Runtime) -> None:
    while True:
        progress.tick(rt.informers)
        await trio.sleep(0.25)


async def _stop_during_startup(stop: trio.Event, running: trio.Event, scope: trio.CancelScope) -> None:
    """A signal before everything is up (a slow discovery, a server that does not answer)
    cancels the start-up at once: there is nothing to drain or snapshot yet."""
    await stop.wait()
    if not running.is_set():
        scope.cancel()


def _check_writable(path: str) -> None:
    """Refuse a ``--snapshot`` path that could not be written at exit, before running for hours."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"--snapshot {path}: directory {directory} does not exist")
    if not os.access(directory, os.W_OK):
        raise UsageError(f"--snapshot {path}: directory {directory} is not writable")


def _reader_gone(stop: trio.Event) -> None:
    log.info("stdout closed by its reader: stopping")
    # Point stdout at /dev/null so the interpreter's own flush at exit does not complain.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    stop.set()


async def _watch_reader(output: JsonlOutput, stop: trio.Event) -> None:
    """Notice a pipe reader that went away even when no event is being written.

    A write to a pipe whose reader closed fails (EPIPE), but with no changes on the server
    nothing is written, and ``informer-run -o jsonl | head -1`` would linger. ``poll``
    reports POLLERR on the write end of such a pipe, so look every half second.
    """
    fd = sys.stdout.fileno()
    if not stat.S_ISFIFO(os.fstat(fd).st_mode):
        return
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while not output.closed:
        if any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0)):
            output.closed = True
            _reader_gone(stop)
            return
        await trio.sleep(0.5)


def _output_mode(args: argparse.Namespace) -> str:
    tty = sys.stdout.isatty()
    if args.output == "auto":
        return "live" if tty else "log"
    if args.output == "live" and not tty:
        log.warning("--output live: stdout is not a terminal, logging instead")
        return "log"
    return str(args.output)


async def run_main(args: argparse.Namespace) -> int:
    if args.watch_config and not args.config:
        raise UsageError("--watch-config needs --config FILE")
    if args.config and (args.source or args.resource):
        raise UsageError("--config cannot be combined with --source/--resource")
    mode = _output_mode(args)
    if mode == "live" and args.log_level is None:
        # The view shows what the info lines would say; keep the terminal for it.
        logging.getLogger("informer").setLevel(logging.WARNING)
    registry = load_registry(args)
    began = time.monotonic()
    stop = trio.Event()
    if args.snapshot:
        _check_writable(args.snapshot)
    jsonl = JsonlOutput(sys.stdout.buffer, on_closed=partial(_reader_gone, stop)) if mode == "jsonl" else None
    events = EventLog(args.events) if mode == "live" else None
    running = trio.Event()
    summary = None

    async with trio.open_nursery() as root:
        await root.start(watch_signals, stop, root.cancel_scope)
        root.start_soon(_stop_during_startup, stop, running, root.cancel_scope)
        async with AsyncExitStack() as stack:
            plan = await plan_run(args, registry, stack)
            manager = await stack.enter_async_context(open_manager())
            await stack.enter_async_context(registry.lifecycle(manager))
            async with trio.open_nursery() as nursery:
                rt = Runtime(
                    manager,
                    nursery,
                    jsonl=jsonl,
                    events=events,
                    handlers=plan.handlers,
                    drain_timeout=args.drain_timeout,
                    gc_freeze=args.gc_freeze,
                )
                nursery.start_soon(_progress, ProgressLog(), rt)
                if args.metrics_port is not None:
                    app = ObserveApp(lambda: rt.informers, expected=lambda: rt.specs, handlers=rt.handlers_of)
                    serve = partial(serve_observe, app, host=args.metrics_host, port=args.metrics_port)
                    try:
                        url = await nursery.start(serve)
                    except* OSError as group:
                        exc = leaf_error(group)
                        where = f"{args.metrics_host}:{args.metrics_port}"
                        raise OSError(f"--metrics-port: cannot listen on {where}: {exc}") from None
                    log.info("metrics on %s/metrics (also /healthz, /readyz, /debug/cache)", url)
                for spec in plan.specs:
                    await rt.start(spec)
                nursery.start_soon(_startup_guard, rt, args.sync_timeout)
                if jsonl is not None:
                    nursery.start_soon(_watch_reader, jsonl, stop)
                if mode == "live":
                    from rich.console import Console

                    dashboard = Dashboard(
                        lambda: rt.informers,
                        sources=rt.source_of,
                        handlers=rt.handlers_of,
                        events=events or EventLog(),
                        title=plan.title
                        + (f" · metrics {url}/metrics" if args.metrics_port is not None else ""),
                    )
                    nursery.start_soon(run_live, dashboard, Console(file=sys.stdout))
                if plan.watch is not None:
                    nursery.start_soon(plan.watch, rt)
                running.set()
                await stop.wait()
                # Stop watching, give handlers --drain-timeout to finish what they hold, and
                # keep the caches (a stopped informer's store stays readable) for the snapshot.
                # Not shielded: a second signal (``force``) cuts the drain short.
                at_exit = rt.freeze()
                if not args.drain_timeout:
                    # An informer whose drain runs out of time says how much it left; with
                    # no drain at all (``--drain-timeout 0``) the buffers would go without a
                    # word. Count them now, as the stop begins: closing clears them.
                    left = sum(reg.backlog for inf in at_exit.values() for reg in inf.handlers)
                    if left:
                        log.warning("--drain-timeout 0: dropping %d buffered notifications", left)
                await manager.aclose(drain_timeout=args.drain_timeout)
                if args.snapshot:
                    path = write_snapshot(args.snapshot, at_exit)
                    log.info("snapshot of %d caches written to %s", len(at_exit), path)
                summary = summary_line(at_exit, time.monotonic() - began)
                nursery.cancel_scope.cancel()
        root.cancel_scope.cancel()
    if summary is None:
        summary = (
            "informer-run: stopped at once (second signal): no drain, no snapshot"
            if running.is_set()
            else "informer-run: stopped during start-up"
        )
    print(summary, file=sys.stderr, flush=True)
    return EXIT_OK
