"""The routing table's rules, fed typed objects directly (no server: pure logic)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from informer_gateway import (
    Endpoint,
    ObjectMeta,
    Route,
    RouteSpec,
    RoutingTable,
    RoutingTableHandler,
    Service,
)
from informer_gateway.model import ServiceSpec


def svc(ns: str, name: str, *eps: tuple[str, bool], port: int = 8080) -> Service:
    return Service(
        metadata=ObjectMeta(name=name, namespace=ns),
        spec=ServiceSpec(endpoints=tuple(Endpoint(address=a, port=port, ready=r) for a, r in eps)),
    )


def route(ns: str, name: str, prefix: str, service: str, port: int | None = 8080) -> Route:
    return Route(
        metadata=ObjectMeta(name=name, namespace=ns),
        spec=RouteSpec(path_prefix=prefix, service=service, port=port),
    )


def test_longest_whole_segment_prefix_wins() -> None:
    table = RoutingTable(
        [
            svc("shop", "frontend", ("10.0.0.1", True)),
            svc("shop", "catalog", ("10.0.1.1", True), ("10.0.1.2", True)),
            svc("shop", "items", ("10.0.2.1", True)),
            route("shop", "root", "/", "frontend"),
            route("shop", "catalog", "/catalog/", "catalog"),
            route("shop", "items", "/catalog/items", "items"),
        ]
    )
    assert table.match("/catalog/items/42").route == "shop/items"  # type: ignore[union-attr]
    assert table.match("/catalog/items").route == "shop/items"  # type: ignore[union-attr]
    assert table.match("/catalog/itemsx").route == "shop/catalog"  # type: ignore[union-attr]
    assert table.match("/catalog").backends == ("10.0.1.1:8080", "10.0.1.2:8080")  # type: ignore[union-attr]
    assert table.match("/catalogue").route == "shop/root"  # type: ignore[union-attr]
    assert table.match("/x?catalog=1").route == "shop/root"  # type: ignore[union-attr]
    assert list(table.entries()) == ["/", "/catalog", "/catalog/items"]


def test_no_root_route_means_no_match() -> None:
    table = RoutingTable([svc("a", "s", ("10.0.0.1", True)), route("a", "r", "/api", "s")])
    assert table.match("/apis") is None
    assert table.match("/") is None


def test_only_ready_endpoints_are_backends_and_status_says_why() -> None:
    table = RoutingTable(
        [
            svc("a", "half", ("10.0.0.1", True), ("10.0.0.2", False)),
            svc("a", "down", ("10.0.0.3", False)),
            route("a", "r1", "/half", "half"),
            route("a", "r2", "/down", "down"),
            route("a", "r3", "/ghost", "nobody"),
        ]
    )
    doc = table.to_json()["routes"]
    assert doc["/half"]["backends"] == ["10.0.0.1:8080"] and doc["/half"]["status"] == "ok"
    assert doc["/down"]["backends"] == [] and doc["/down"]["status"] == "no-ready-endpoints"
    assert doc["/ghost"]["status"] == "no-such-service"
    # A route without ready backends keeps its paths (503), it does not fall through to "/".
    assert table.match("/down/x").route == "a/r2"  # type: ignore[union-attr]


def test_changes_and_deletes_are_followed() -> None:
    table = RoutingTable([svc("a", "s", ("10.0.0.1", True)), svc("a", "t", ("10.0.0.9", True))])
    r = route("a", "r", "/api", "s")
    table.apply(r)
    assert table.match("/api").backends == ("10.0.0.1:8080",)  # type: ignore[union-attr]
    table.apply(svc("a", "s", ("10.0.0.1", False), ("10.0.0.2", True)))
    assert table.match("/api").backends == ("10.0.0.2:8080",)  # type: ignore[union-attr]
    table.apply(route("a", "r", "/api", "t"))  # retargeted
    assert table.match("/api").service == "a/t"  # type: ignore[union-attr]
    table.remove(r)
    assert table.match("/api") is None
    table.remove(r)  # forgetting twice is fine


def test_conflicting_prefixes_resolve_deterministically() -> None:
    objs: list[Route | Service] = [
        svc("a", "s", ("10.0.0.1", True)),
        route("b", "z", "/x", "s"),
        route("a", "y", "/x/", "s"),
    ]
    for order in (objs, list(reversed(objs))):
        entry = RoutingTable(order).entries()["/x"]
        assert entry.route == "a/y" and entry.shadowed == ("b/z",)


def test_cross_namespace_service_reference() -> None:
    table = RoutingTable(
        [svc("core", "auth", ("10.1.0.1", True)), route("shop", "login", "/login", "core/auth")]
    )
    assert table.match("/login").backends == ("10.1.0.1:8080",)  # type: ignore[union-attr]


def test_prefix_must_start_with_slash() -> None:
    with pytest.raises(ValueError, match="path_prefix must start with '/'"):
        RouteSpec(path_prefix="api", service="s")


def test_table_refuses_foreign_objects() -> None:
    with pytest.raises(TypeError, match="Route and Service"):
        RoutingTable().apply({"kind": "Route"})  # type: ignore[arg-type]


def test_handler_publishes_only_real_changes_atomically(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "table.json"
    h = RoutingTableHandler(json_file=out)
    h.on_add(svc("a", "s", ("10.0.0.1", True)), True)
    h.on_add(route("a", "r", "/api", "s"), True)
    doc = json.loads(out.read_text())
    assert doc["routes"]["/api"]["backends"] == ["10.0.0.1:8080"]
    generation = doc["generation"]
    # A new version of an identical object: nothing to publish.
    h.on_update(route("a", "r", "/api", "s"), route("a", "r", "/api", "s"))
    assert json.loads(out.read_text())["generation"] == generation
    h.on_delete(route("a", "r", "/api", "s"))
    doc = json.loads(out.read_text())
    assert doc["routes"] == {} and doc["generation"] == generation + 1
    assert [p.name for p in out.parent.iterdir()] == ["table.json"]  # no temporary files left


def test_handler_prints_table_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    import sys

    h = RoutingTableHandler(print_to=sys.stderr)
    h.on_add(svc("a", "s", ("10.0.0.1", True)), True)
    h.on_add(route("a", "r", "/api", "s"), True)
    err = capsys.readouterr().err
    assert "/api  -> a/s: 10.0.0.1:8080" in err


def test_handler_accepts_wire_mappings_and_refuses_other_objects() -> None:
    h = RoutingTableHandler()
    h.on_add(
        {"kind": "Service", "metadata": {"name": "s", "namespace": "a"}, "spec": {"endpoints": []}}, True
    )
    h.on_add(
        {
            "kind": "Route",
            "metadata": {"name": "r", "namespace": "a"},
            "spec": {"pathPrefix": "/p", "service": "s"},
        },
        True,
    )
    assert h.table.match("/p/q").status == "no-ready-endpoints"  # type: ignore[union-attr]
    with pytest.raises(TypeError, match=r"attach it to routes\.gateway\.example\.com"):
        h.on_add({"kind": "ConfigMap", "metadata": {"name": "c"}}, True)
