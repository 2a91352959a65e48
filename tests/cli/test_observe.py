"""The observability pieces on their own: snapshots, jsonl records, the metrics collector and
the HTTP endpoint, over the core's real Store, InformerStats and HandlerRegistration.

The informer itself is stood in for by a tiny value object (name, resource, store, stats,
synced) — what these pieces read — so each behaviour is checked without a server; the
subprocess tests in this directory exercise the same code end to end.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import trio
from informer import EventType, ResourceType
from informer._listener import HandlerRegistration, Notification
from informer._observe import (
    METRICS,
    JsonlHandler,
    JsonlOutput,
    ObserveApp,
    serve_observe,
    snapshot,
    write_snapshot,
)
from informer._stats import InformerStats
from informer._store import Store
from prometheus_client.parser import text_string_to_metric_families


@attrs.define
class FakeInformer:
    """What the observability code reads of an informer (a stand-in: no reflector behind it)."""

    name: str
    resource: ResourceType
    store: Store = attrs.field(factory=Store)
    stats: InformerStats = attrs.field(factory=InformerStats)
    synced: bool = False
    handlers: list[HandlerRegistration] = attrs.field(factory=list)


def _route(ns: str, name: str, rv: str) -> dict[str, Any]:
    return {
        "metadata": {"namespace": ns, "name": name, "resourceVersion": rv},
        "spec": {"pathPrefix": f"/{name}"},
    }


def _informer(name: str = "routes.gateway.example.com", n: int = 3) -> FakeInformer:
    inf = FakeInformer(
        name, ResourceType(name=name, kind="Route", group="gateway.example.com", plural="routes")
    )
    for i in range(n):
        inf.store.put(f"ns/r{i}", _route("ns", f"r{i}", str(i + 1)), str(i + 1))
    inf.stats.events_by_type["ADDED"] = n
    inf.stats.last_resource_version = str(n)
    inf.stats.last_resource_version_time = 1_700_000_000.0
    return inf


def test_snapshot_is_written_atomically_and_replaces_the_old_one(tmp_path: Path) -> None:
    inf = _informer()
    target = tmp_path / "snap.json"
    target.write_text("old, not json")
    write_snapshot(target, {inf.name: inf})
    data = json.loads(target.read_text())
    assert data == {inf.name: {k: v for k, v in inf.store.items()}}
    assert sorted(os.listdir(tmp_path)) == ["snap.json"], (
        "the temporary file must be renamed, not left behind"
    )


def test_snapshot_represents_bytes_and_attrs_objects(tmp_path: Path) -> None:
    @attrs.frozen
    class Route:
        path_prefix: str

    store = Store()
    store.put("text", b"plain text value", "1")
    store.put("binary", b"\xff\x00\x01", "2")
    store.put("typed", Route("/api"), "3")
    inf = FakeInformer("kv", ResourceType(name="kv", prefix="/kv/"), store=store)
    write_snapshot(tmp_path / "s.json", {"kv": inf})
    data = json.loads((tmp_path / "s.json").read_text())["kv"]
    assert data["text"] == "plain text value"
    assert data["binary"] == {"base64": "/wAB"}
    assert list(data["typed"].values()) == ["/api"]


def test_snapshot_of_a_failing_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "snap.json"
    target.write_text('{"previous": {}}')
    bad = FakeInformer("bad", ResourceType(name="bad"))
    bad.store.put("k", object(), "1")  # not representable as JSON
    with pytest.raises(TypeError):
        write_snapshot(target, {"bad": bad})
    assert json.loads(target.read_text()) == {"previous": {}}
    assert sorted(os.listdir(tmp_path)) == ["snap.json"]


def test_jsonl_records_and_the_synced_marker_before_the_first_change() -> None:
    buf = io.BytesIO()
    out = JsonlOutput(buf)
    h = JsonlHandler(out, "routes")
    h.on_notification(Notification(EventType.ADDED, "ns/a", {"v": 1}, resource_version="5", initial=True))
    h.on_notification(Notification(EventType.ADDED, "ns/b", {"v": 2}, resource_version="6", initial=True))
    # no explicit synced() call: the first live change must still come after the marker
    h.on_notification(Notification(EventType.DELETED, "ns/a", {"v": 1}, resource_version="9"))
    h.synced()  # a second marker is never written
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [ln["type"] for ln in lines] == ["ADDED", "ADDED", "SYNCED", "DELETED"]
    assert lines[0] == {
        "type": "ADDED",
        "resource": "routes",
        "key": "ns/a",
        "resourceVersion": "5",
        "object": {"v": 1},
    }
    assert lines[2] == {"type": "SYNCED", "resource": "routes", "resourceVersion": "6", "objects": 2}
    assert lines[3]["object"] == {"v": 1}


def _scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


async def test_endpoint_metrics_readiness_and_debug_cache() -> None:
    routes = _informer("routes", 3)
    services = _informer("services", 2)
    running = {"routes": routes, "services": services}
    reg = HandlerRegistration(type("H", (), {"on_notification": lambda self, n: None})(), name="audit")
    routes.handlers.append(reg)
    expected = ["routes", "services", "pods"]
    app = ObserveApp(
        lambda: running, expected=lambda: expected, handlers=lambda inf: [(r.name, r) for r in inf.handlers]
    )
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            url = await nursery.start(serve_observe, app)
            assert url.startswith("http://127.0.0.1:")
            async with httpx.AsyncClient(base_url=url) as client:
                assert (await client.get("/healthz")).status_code == 200
                r = await client.get("/readyz")
                assert r.status_code == 503
                assert r.text.strip() == "not synced: pods, routes, services"

                routes.synced = services.synced = True
                expected.remove("pods")
                r = await client.get("/readyz")
                assert (r.status_code, r.text) == (200, "ok\n")

                m = _scrape((await client.get("/metrics")).text)
                lbl = (("informer", "routes"), ("resource", "routes"))
                assert m[("informer_objects", lbl)] == 3
                assert m[("informer_synced", lbl)] == 1
                assert m[("informer_events_total", (*lbl, ("type", "ADDED")))] == 3
                assert m[("informer_handler_backlog", (("handler", "audit"), *lbl))] == 0
                info = ("informer_last_resource_version_info", (*lbl, ("resource_version", "3")))
                assert m[info] == 1

                # numbers move with the caches; a stopped informer's series disappear
                routes.store.put("ns/new", _route("ns", "new", "7"), "7")
                routes.stats.events_by_type["ADDED"] += 1
                reg.push(Notification(EventType.ADDED, "ns/new", {}, resource_version="7"))
                del running["services"]
                expected.remove("services")
                text = (await client.get("/metrics")).text
                m = _scrape(text)
                assert m[("informer_objects", lbl)] == 4
                assert m[("informer_events_total", (*lbl, ("type", "ADDED")))] == 4
                assert m[("informer_handler_backlog", (("handler", "audit"), *lbl))] == 1
                assert 'informer="services"' not in text

                cache = (await client.get("/debug/cache")).json()
                assert set(cache) == {"routes"} and len(cache["routes"]) == 4
                one = (await client.get("/debug/cache", params={"resource": "routes"})).json()
                assert one == cache == json.loads(json.dumps(snapshot(running), default=str))
                assert (await client.get("/nope")).status_code == 404
            nursery.cancel_scope.cancel()


def test_every_metric_is_prefixed_and_documented() -> None:
    names = [m.name for m in METRICS]
    assert len(names) == len(set(names))
    for m in METRICS:
        assert (
            m.name.startswith("informer_") and m.help and m.type in {"gauge", "counter", "histogram", "info"}
        )
