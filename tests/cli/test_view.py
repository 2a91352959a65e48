"""The live view's pieces on their own: rates, the rendered frame, the exit summary."""

from __future__ import annotations

from informer import EventType, ResourceType
from informer._listener import Notification
from informer.cli._view import Dashboard, EventLog, RateMeter, summary_line
from rich.console import Console

from .test_observe import FakeInformer, _informer


def test_rates_are_per_second_over_the_window() -> None:
    meter = RateMeter(window=5.0)
    assert meter.rates("a", {"ADDED": 0}, now=100.0) == {"ADDED": 0.0, "MODIFIED": 0.0, "DELETED": 0.0}
    meter.rates("a", {"ADDED": 10, "MODIFIED": 4}, now=102.0)
    r = meter.rates("a", {"ADDED": 20, "MODIFIED": 4, "DELETED": 2}, now=104.0)
    assert r == {"ADDED": 5.0, "MODIFIED": 1.0, "DELETED": 0.5}
    # samples older than the window drop out: only the last 5 s count
    r = meter.rates("a", {"ADDED": 20, "MODIFIED": 4, "DELETED": 2}, now=110.0)
    assert r["ADDED"] == 0.0


def test_frame_shows_each_informer_its_state_and_the_latest_changes() -> None:
    routes = _informer("routes", 3)
    routes.synced = True
    pods = FakeInformer("pods", ResourceType(name="pods"))
    pods.stats.listing, pods.stats.list_pages, pods.stats.list_objects = True, 4, 2000
    events = EventLog(4)
    feed = events.handler("routes")
    feed.on_notification(Notification(EventType.ADDED, "ns/r0", {}, resource_version="1", initial=True))
    feed.on_notification(Notification(EventType.DELETED, "ns/r9", {}, resource_version="12"))
    running = {"routes": routes, "pods": pods}
    dash = Dashboard(
        lambda: running, sources=lambda name: "http://h:1", handlers=lambda inf: [], events=events, title="t"
    )
    console = Console(width=140, record=True, color_system=None)
    console.print(dash.render())
    text = console.export_text()
    assert "routes" in text and "synced" in text
    assert "listing 4p/2000" in text
    assert "DELETED" in text and "ns/r9" in text
    assert "ns/r0" not in text, "the initial list is not shown as events"


def test_summary_line() -> None:
    a, b = _informer("a", 2), _informer("b", 1)
    a.synced = True
    b.stats.events_by_type["DELETED"] = 1
    b.stats.relists = 1
    line = summary_line({"a": a, "b": b}, 3.25)
    assert line == (
        "informer-run: stopped after 3.2s: 2 informers (1 synced), 3 objects cached, 4 events "
        "(3 ADDED, 0 MODIFIED, 1 DELETED), 1 relists, 0 reconnects"
    )
