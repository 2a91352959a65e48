"""The plugin as trio-informer loads it: descriptors valid, decoders typed, indexer and handler
reachable by name, bad input refused with the field at fault."""

from __future__ import annotations

from typing import Any

import pytest
from informer import ConfigError, DecodeError
from informer_gateway import Route, RoutingTableHandler, Service

WIRE_ROUTE: dict[str, Any] = {
    "apiVersion": "gateway.example.com/v1",
    "kind": "Route",
    "metadata": {
        "name": "catalog",
        "namespace": "shop",
        "resourceVersion": "42",
        "uid": "u-1",
        "creationTimestamp": "2026-01-01T00:00:00Z",
        "managedFields": [{"manager": "kubectl"}],
    },
    "spec": {"pathPrefix": "/catalog", "service": "catalog", "port": 8080},
    "status": {"ignored": True},
}


@pytest.fixture
def registry(informer_plugins: Any) -> Any:
    # trio-informer's pytest plugin: exactly the built-ins plus this plugin, nothing else installed.
    return informer_plugins("gateway")


def test_gateway_plugin_loads_cleanly(registry: Any) -> None:
    info = registry.plugins["gateway"]
    assert info.ok, info.errors
    assert info.contributions == {
        "resource_types": ["routes.gateway.example.com", "services.gateway.example.com"],
        "decoders": ["gateway.route", "gateway.service"],
        "indexers": ["gateway.routes-by-service"],
        "handlers": ["gateway.routing-table"],
    }


def test_route_decodes_into_the_typed_model(registry: Any) -> None:
    routes = registry.resource_type("routes.gateway.example.com")
    assert (routes.group, routes.version, routes.plural, routes.kind) == (
        "gateway.example.com",
        "v1",
        "routes",
        "Route",
    )
    route = routes.decoder(WIRE_ROUTE)
    assert isinstance(route, Route)
    assert route.spec.path_prefix == "/catalog" and route.metadata.resource_version == "42"
    assert route.service_key == "shop/catalog"
    assert routes.indexers["gateway.routes-by-service"](route) == ["shop/catalog"]
    assert list(routes.indexers["namespace"](route)) == ["shop"]


def test_service_decodes_endpoints(registry: Any) -> None:
    services = registry.resource_type("services.gateway.example.com")
    svc = services.decoder(
        {
            "metadata": {"name": "catalog", "namespace": "shop"},
            "spec": {
                "endpoints": [
                    {"address": "10.0.0.1", "port": 80, "ready": False},
                    {"address": "10.0.0.2", "port": 80},
                ]
            },
        }
    )
    assert isinstance(svc, Service)
    assert [e.target for e in svc.ready_endpoints] == ["10.0.0.2:80"]  # absent "ready" = ready


def test_malformed_objects_are_refused_with_their_path(registry: Any) -> None:
    decode = registry.resource_type("routes.gateway.example.com").decoder
    bad_port = {**WIRE_ROUTE, "spec": {"pathPrefix": "/x", "service": "s", "port": "eighty"}}
    with pytest.raises(DecodeError, match=r"\$\.spec\.port"):
        decode(bad_port)
    no_service = {**WIRE_ROUTE, "spec": {"pathPrefix": "/x"}}
    with pytest.raises(DecodeError, match=r"spec\.service"):
        decode(no_service)
    relative = {**WIRE_ROUTE, "spec": {"pathPrefix": "x", "service": "s"}}
    # The attrs validator's refusal is reported at the object that failed it.
    with pytest.raises(DecodeError, match=r"invalid value.* @ \$\.spec"):
        decode(relative)


def test_handler_is_built_from_validated_options(registry: Any, tmp_path: Any) -> None:
    handler = registry.create_handler("gateway.routing-table", {"json_file": str(tmp_path / "t.json")})
    assert isinstance(handler, RoutingTableHandler)
    with pytest.raises(ConfigError, match=r"gateway\.routing-table.*json_fil"):
        registry.create_handler("gateway.routing-table", {"json_fil": "t.json"})
    for bad in ("no-port", "127.0.0.1:65536"):
        with pytest.raises(ConfigError, match="listen"):
            registry.create_handler("gateway.routing-table", {"listen": bad})


def test_object_schema_is_checked_when_asked(registry: Any) -> None:
    checked = registry.resource_type("routes.gateway.example.com", validate_objects=True)
    assert isinstance(checked.decoder(WIRE_ROUTE), Route)
    relative = {**WIRE_ROUTE, "spec": {"pathPrefix": "catalog", "service": "s"}}
    with pytest.raises(DecodeError, match=r"pathPrefix.*'\^/'"):
        checked.decoder(relative)
    services = registry.resource_type("services.gateway.example.com", validate_objects=True)
    with pytest.raises(DecodeError, match="port"):
        services.decoder({"metadata": {"name": "s"}, "spec": {"endpoints": [{"address": "a", "port": 0}]}})
