"""Discovery documents: what kubectl and client libraries read before anything else."""

from __future__ import annotations

import httpx
import pytest
from informer.server import EmbeddedServer, ServerResource


async def test_core_group_discovery(client: httpx.AsyncClient) -> None:
    api = (await client.get("/api")).json()
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]
    v1 = (await client.get("/api/v1")).json()
    assert v1["kind"] == "APIResourceList" and v1["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in v1["resources"]}
    assert by_name["configmaps"]["kind"] == "ConfigMap"
    assert by_name["configmaps"]["namespaced"] is True
    assert by_name["configmaps"]["singularName"] == "configmap"
    assert by_name["namespaces"]["namespaced"] is False
    assert {"get", "list", "watch", "create", "update", "delete"} <= set(by_name["configmaps"]["verbs"])


async def test_named_group_discovery(client: httpx.AsyncClient) -> None:
    groups = (await client.get("/apis")).json()
    assert groups["kind"] == "APIGroupList"
    (gateway,) = [g for g in groups["groups"] if g["name"] == "gateway.example.com"]
    assert {v["version"] for v in gateway["versions"]} == {"v1", "v2"}
    assert gateway["preferredVersion"] == {"groupVersion": "gateway.example.com/v2", "version": "v2"}
    group = (await client.get("/apis/gateway.example.com")).json()
    assert group["kind"] == "APIGroup" and group["name"] == "gateway.example.com"
    rl = (await client.get("/apis/gateway.example.com/v1")).json()
    assert rl["groupVersion"] == "gateway.example.com/v1" and rl["apiVersion"] == "v1"
    assert rl["resources"] == [
        {
            "name": "routes",
            "singularName": "route",
            "namespaced": True,
            "kind": "Route",
            "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
        }
    ]


async def test_version_and_unknown_paths(client: httpx.AsyncClient) -> None:
    version = (await client.get("/version")).json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    for path in ("/apis/nope.example.com", "/apis/nope.example.com/v1", "/api/v1/widgets", "/openapi/v2"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["kind"] == "Status" and response.json()["reason"] == "NotFound"


async def test_resource_added_at_runtime_is_discovered(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.add_resource("deployments.apps")
    rl = (await client.get("/apis/apps/v1")).json()
    assert rl["resources"][0]["kind"] == "Deployment"
    assert rl["resources"][0]["shortNames"] == ["deploy"]
    assert rl["resources"][0]["categories"] == ["all"]


@pytest.mark.parametrize(
    ("name", "group", "version", "plural", "kind", "namespaced"),
    [
        ("configmaps", "", "v1", "configmaps", "ConfigMap", True),
        ("nodes", "", "v1", "nodes", "Node", False),
        ("deployments.apps", "apps", "v1", "deployments", "Deployment", True),
        ("routes.gateway.example.com", "gateway.example.com", "v1", "routes", "Route", True),
        ("routes.v2.gateway.example.com", "gateway.example.com", "v2", "routes", "Route", True),
        ("policies.v1beta1.example.org", "example.org", "v1beta1", "policies", "Policy", True),
        ("ingresses.networking.k8s.io", "networking.k8s.io", "v1", "ingresses", "Ingress", True),
        ("gateways.example.com", "example.com", "v1", "gateways", "Gateway", True),
    ],
)
def test_parse_kubectl_names(
    name: str, group: str, version: str, plural: str, kind: str, namespaced: bool
) -> None:
    r = ServerResource.parse(name)
    assert (r.group, r.version, r.plural, r.kind, r.namespaced) == (group, version, plural, kind, namespaced)
    assert ServerResource.parse(r.name) == r
    assert r.name == name


def test_parse_rejects_bad_names() -> None:
    with pytest.raises(ValueError, match="Routes"):
        ServerResource.parse("Routes.example.com")
    with pytest.raises(ValueError, match="empty"):
        ServerResource.parse("  ")


async def test_versions_of_one_resource_share_objects(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    """As for a multi-version custom resource: one set of objects, presented at each version."""
    created = server.create("routes.gateway.example.com", {"metadata": {"name": "a"}, "spec": {"x": 1}})
    v2 = (await client.get("/apis/gateway.example.com/v2/namespaces/default/routes")).json()
    assert v2["apiVersion"] == "gateway.example.com/v2"
    (item,) = v2["items"]
    assert item["apiVersion"] == "gateway.example.com/v2" and item["metadata"] == created["metadata"]
    server.delete("routes.v2.gateway.example.com", "default/a")
    assert server.list_objects("routes.gateway.example.com") == {}
    # configmaps (core group) are not affected by any of this
    assert server.list_objects("configmaps") == {}
