"""What ``informer-run`` shows while it runs: the rich live view, progress log lines, the exit summary.

Everything here *reads* informers (their stats, stores and handler registrations) on a
timer; the only thing on the event path is :class:`EventLog`'s handler, which appends a
tuple to a bounded deque.

The live view is drawn with :class:`rich.live.Live` with ``auto_refresh=False`` — rich's
auto-refresh runs a thread; here a trio task refreshes it, so nothing outlives the nursery.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import trio
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

__all__ = ["Dashboard", "EventLog", "ProgressLog", "RateMeter", "run_live", "summary_line"]

log = logging.getLogger("informer.cli")

_EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED")
_STYLE = {"ADDED": "green", "MODIFIED": "yellow", "DELETED": "red"}


class _Recorder:
    """One informer's feed into an :class:`EventLog` (a low-level ``on_notification`` handler)."""

    __slots__ = ("_events", "_informer")

    def __init__(self, events: collections.deque[tuple[float, str, str, str, str]], informer: str) -> None:
        self._events = events
        self._informer = informer

    def on_notification(self, n: Any) -> None:
        # The initial list is shown as a count, not as thousands of ADDED lines.
        if not n.initial:
            self._events.append((time.time(), self._informer, str(n.type), n.key, n.resource_version))


class EventLog:
    """The latest events of all informers (for the live view), fed by one handler per informer."""

    def __init__(self, size: int = 8) -> None:
        self.events: collections.deque[tuple[float, str, str, str, str]] = collections.deque(
            maxlen=max(size, 1)
        )

    def handler(self, informer: str) -> _Recorder:
        return _Recorder(self.events, informer)


class RateMeter:
    """Events per second by type, over a sliding window of samples of ``events_by_type``."""

    def __init__(self, window: float = 5.0) -> None:
        self._window = window
        self._samples: dict[str, collections.deque[tuple[float, dict[str, int]]]] = {}

    def rates(self, name: str, counts: Mapping[str, int], now: float | None = None) -> dict[str, float]:
        now = time.monotonic() if now is None else now
        samples = self._samples.setdefault(name, collections.deque())
        samples.append((now, dict(counts)))
        while len(samples) > 2 and now - samples[1][0] >= self._window:
            samples.popleft()
        t0, first = samples[0]
        dt = now - t0
        if dt <= 0:
            return dict.fromkeys(_EVENT_TYPES, 0.0)
        return {t: max(counts.get(t, 0) - first.get(t, 0), 0) / dt for t in _EVENT_TYPES}

    def forget(self, keep: Iterable[str]) -> None:
        keep = set(keep)
        for name in list(self._samples):
            if name not in keep:
                del self._samples[name]


def _status(inf: Any) -> Text:
    s = inf.stats
    if inf.synced:
        return Text("synced", style="bold green")
    if s.listing:
        return Text(f"listing {s.list_pages}p/{s.list_objects}", style="cyan")
    if s.last_error:
        return Text("error", style="bold red")
    return Text("starting", style="dim")


def _backlog(handlers: Iterable[tuple[str, Any]]) -> int:
    return sum(reg.backlog for _, reg in handlers)


class Dashboard:
    """Renders one frame of the live view from the current informers."""

    def __init__(
        self,
        informers: Callable[[], Mapping[str, Any]],
        *,
        sources: Callable[[str], str],
        handlers: Callable[[Any], Iterable[tuple[str, Any]]],
        events: EventLog,
        title: str,
    ) -> None:
        self._informers = informers
        self._sources = sources
        self._handlers = handlers
        self._events = events
        self._rates = RateMeter()
        self._started = time.monotonic()
        self.title = title

    def render(self) -> RenderableType:
        informers = dict(self._informers())
        self._rates.forget(informers)
        table = Table(header_style="bold", box=None, pad_edge=False)
        columns: tuple[tuple[str, dict[str, Any]], ...] = (
            ("resource", {"overflow": "ellipsis", "max_width": 48}),
            ("source", {"overflow": "ellipsis", "max_width": 40}),
            ("state", {}),
            ("objects", {"justify": "right"}),
            ("events/s (+ ~ -)", {"justify": "right"}),
            ("last rv", {"justify": "right"}),
            ("reconn", {"justify": "right"}),
            ("relists", {"justify": "right"}),
            ("backlog", {"justify": "right"}),
            ("errors", {"justify": "right"}),
        )
        for col, kw in columns:
            kw.setdefault("no_wrap", True)
            table.add_column(col, **kw)
        for name, inf in sorted(informers.items()):
            s = inf.stats
            r = self._rates.rates(name, s.events_by_type)
            rate = Text.assemble(
                (f"+{r['ADDED']:.1f} ", "green"),
                (f"~{r['MODIFIED']:.1f} ", "yellow"),
                (f"-{r['DELETED']:.1f}", "red"),
            )
            errors = s.decode_errors + s.key_errors + s.handler_errors
            table.add_row(
                name,
                self._sources(name),
                _status(inf),
                str(len(inf.store)),
                rate,
                s.last_resource_version or "-",
                str(s.reconnects),
                str(s.relists),
                str(_backlog(self._handlers(inf))),
                Text(str(errors), style="red" if errors else ""),
            )
        if not informers:
            table.add_row("(no informers running)", "", "", "", "", "", "", "", "", "")

        recent = Table(box=None, show_header=False, pad_edge=False)
        recent.add_column("time", no_wrap=True, style="dim")
        recent.add_column("type", no_wrap=True)
        recent.add_column("resource", no_wrap=True)
        recent.add_column("key", no_wrap=True)
        recent.add_column("rv", justify="right", style="dim")
        for ts, name, etype, key, rv in reversed(self._events.events):
            recent.add_row(
                time.strftime("%H:%M:%S", time.localtime(ts)),
                Text(etype, style=_STYLE.get(etype, "")),
                name,
                key,
                rv,
            )
        if not self._events.events:
            recent.add_row("", "", "(no events yet)", "", "")

        errors = [
            Text(f"{name}: {inf.stats.last_error}", style="red")
            for name, inf in sorted(informers.items())
            if inf.stats.last_error and not inf.synced
        ]
        uptime = time.monotonic() - self._started
        header = Table.grid(expand=True)
        header.add_column(ratio=1, overflow="ellipsis", no_wrap=True)
        header.add_column(justify="right", no_wrap=True)
        header.add_row(
            Text.assemble(("trio-informer ", "bold"), self.title),
            Text(f"up {uptime:,.0f}s · Ctrl-C to exit", style="dim"),
        )
        parts: list[RenderableType] = [
            header,
            table,
            *errors,
            Panel(recent, title="latest events", title_align="left"),
        ]
        return Group(*parts)


class ProgressLog:
    """Log lines for the progress of a (large) list, which the live view shows as "listing".

    Called on a timer; rate-limits list progress to one line per ``every`` seconds per informer.
    """

    def __init__(self, every: float = 1.0) -> None:
        self._every = every
        self._state: dict[str, tuple[int, float]] = {}

    def tick(self, informers: Mapping[str, Any]) -> None:
        now = time.monotonic()
        for name, inf in informers.items():
            s = inf.stats
            pages, logged_at = self._state.get(name, (-1, 0.0))
            # (the informer logs its own sync and its errors; this adds the list's progress)
            if s.listing and s.list_pages and s.list_pages != pages and now - logged_at >= self._every:
                log.info(
                    "%s: listing, %d pages / %d objects received so far", name, s.list_pages, s.list_objects
                )
                logged_at, pages = now, s.list_pages
            self._state[name] = (pages, logged_at)
        for name in list(self._state):
            if name not in informers:
                del self._state[name]


async def run_live(dashboard: Dashboard, console: Console, *, interval: float = 0.25) -> None:
    """Draw ``dashboard`` until cancelled; the last frame stays on screen."""
    with Live(
        dashboard.render(), console=console, auto_refresh=False, redirect_stdout=False, redirect_stderr=True
    ) as live:
        try:
            while True:
                await trio.sleep(interval)
                live.update(dashboard.render(), refresh=True)
        finally:
            live.update(dashboard.render(), refresh=True)


def summary_line(informers: Mapping[str, Any], elapsed: float) -> str:
    """The one line printed on exit: how long, how much, how many of each event."""
    totals = dict.fromkeys(_EVENT_TYPES, 0)
    relists = reconnects = objects = 0
    for inf in informers.values():
        for t in _EVENT_TYPES:
            totals[t] += inf.stats.events_by_type.get(t, 0)
        relists += inf.stats.relists
        reconnects += inf.stats.reconnects
        objects += len(inf.store)
    synced = sum(1 for inf in informers.values() if inf.synced)
    events = sum(totals.values())
    by_type = ", ".join(f"{n} {t}" for t, n in totals.items())
    count = f"{len(informers)} informer{'' if len(informers) == 1 else 's'}"
    return (
        f"informer-run: stopped after {elapsed:.1f}s: {count} ({synced} synced), "
        f"{objects} objects cached, {events} events ({by_type}), {relists} relists, {reconnects} reconnects"
    )
