"""Write API (POST/PUT/DELETE, and the in-process methods): Kubernetes-like metadata and errors."""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest
from informer.server import EmbeddedServer, StatusError

from .conftest import ROUTES, route

NS_URL = "/apis/gateway.example.com/v1/namespaces/default/routes"


async def test_create_assigns_metadata(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    before = int(server.resource_version)
    response = await client.post(NS_URL, json=route("a"))
    assert response.status_code == 201
    obj = response.json()
    meta = obj["metadata"]
    assert obj["kind"] == "Route" and obj["apiVersion"] == "gateway.example.com/v1"
    assert int(meta["resourceVersion"]) == before + 1 == int(server.resource_version)
    uuid.UUID(meta["uid"])
    assert meta["generation"] == 1 and meta["creationTimestamp"].endswith("Z")
    assert server.list_objects(ROUTES) == {"default/a": obj}


async def test_create_twice_is_409_already_exists(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    await client.post(NS_URL, json=route("a"))
    response = await client.post(NS_URL, json=route("a"))
    assert response.status_code == 409
    assert response.json()["reason"] == "AlreadyExists"
    with pytest.raises(StatusError) as caught:
        server.create(ROUTES, route("a"))
    assert caught.value.reason == "AlreadyExists"


async def test_replace_bumps_version_keeps_identity(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    created = (await client.post(NS_URL, json=route("a"))).json()
    changed = route("a") | {"spec": {"pathPrefix": "/b"}}
    changed["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    response = await client.put(f"{NS_URL}/a", json=changed)
    assert response.status_code == 200
    updated = response.json()
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert updated["metadata"]["generation"] == 2
    # metadata-only change: same generation
    relabelled = dict(updated, metadata=dict(updated["metadata"], labels={"x": "y"}))
    assert (await client.put(f"{NS_URL}/a", json=relabelled)).json()["metadata"]["generation"] == 2


async def test_stale_resource_version_is_409_conflict(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    created = (await client.post(NS_URL, json=route("a"))).json()
    server.update(ROUTES, route("a") | {"spec": {"v": 2}})
    stale = route("a")
    stale["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    response = await client.put(f"{NS_URL}/a", json=stale)
    assert response.status_code == 409 and response.json()["reason"] == "Conflict"


async def test_replace_or_delete_missing_is_404(client: httpx.AsyncClient) -> None:
    response = await client.put(f"{NS_URL}/nope", json=route("nope"))
    assert response.status_code == 404 and response.json()["reason"] == "NotFound"
    response = await client.delete(f"{NS_URL}/nope")
    assert response.status_code == 404
    assert response.json()["details"]["name"] == "nope"


async def test_delete_returns_last_state_at_new_version(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    created = (await client.post(NS_URL, json=route("a"))).json()
    response = await client.delete(f"{NS_URL}/a")
    assert response.status_code == 200
    gone = response.json()
    assert gone["metadata"]["uid"] == created["metadata"]["uid"]
    assert gone["metadata"]["resourceVersion"] == server.resource_version
    assert server.list_objects(ROUTES) == {}


async def test_bad_bodies_are_rejected(client: httpx.AsyncClient) -> None:
    assert (await client.post(NS_URL, content=b"{nope")).status_code == 400
    assert (await client.post(NS_URL, json=[1])).status_code == 400
    response = await client.post(NS_URL, json={"metadata": {}})
    assert response.status_code == 422 and "metadata.name" in response.json()["message"]
    mismatch = await client.post(NS_URL, json=route("a", namespace="other"))
    assert mismatch.status_code == 400
    assert (await client.put(f"{NS_URL}/a", json=route("b"))).status_code == 400
    assert (await client.patch(f"{NS_URL}/a", json={})).status_code == 415  # plain JSON is no patch
    assert (await client.post(f"{NS_URL}/a", json=route("a"))).status_code == 405


async def test_in_process_api_names(server: EmbeddedServer) -> None:
    server.create(ROUTES, route("a", namespace="x"))
    server.apply(ROUTES, route("a", namespace="x") | {"spec": {"v": 1}})
    server.apply(ROUTES, route("b"))
    assert set(server.list_objects(ROUTES)) == {"x/a", "default/b"}
    assert server.get(ROUTES, "x/a")["spec"] == {"v": 1}  # type: ignore[index]
    server.delete(ROUTES, "a", namespace="x")
    server.delete(ROUTES, "b")  # default namespace
    assert server.list_objects(ROUTES) == {}
    with pytest.raises(KeyError, match="not served"):
        server.create("widgets", {"metadata": {"name": "w"}})


async def test_merge_patch(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.create(ROUTES, route("a", app="web", tier="front"))
    patch = {"metadata": {"labels": {"tier": None, "new": "yes"}}, "spec": {"port": 9090}}
    response = await client.patch(
        f"{NS_URL}/a", content=orjson.dumps(patch), headers={"Content-Type": "application/merge-patch+json"}
    )
    assert response.status_code == 200
    patched = response.json()
    assert patched["metadata"]["labels"] == {"app": "web", "new": "yes"}
    assert patched["spec"] == {"pathPrefix": "/a", "service": "svc", "port": 9090}
    assert patched["metadata"]["generation"] == 2
    stale = {"metadata": {"resourceVersion": "1"}, "spec": {"port": 1}}
    conflict = await client.patch(
        f"{NS_URL}/a", content=orjson.dumps(stale), headers={"Content-Type": "application/merge-patch+json"}
    )
    assert conflict.status_code == 409
    apply_patch = await client.patch(
        f"{NS_URL}/a", content=b"{}", headers={"Content-Type": "application/apply-patch+yaml"}
    )
    assert apply_patch.status_code == 415 and apply_patch.json()["reason"] == "UnsupportedMediaType"
    # in process, addressed like delete
    server.patch(ROUTES, "default/a", {"metadata": {"labels": {"app": None}}})
    assert server.get(ROUTES, "default/a")["metadata"]["labels"] == {"new": "yes"}  # type: ignore[index]


async def test_json_patch(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.create(ROUTES, route("a", app="web") | {"spec": {"ports": [80, 443]}})
    ops = [
        {"op": "test", "path": "/metadata/labels/app", "value": "web"},
        {"op": "replace", "path": "/metadata/labels/app", "value": "api"},
        {"op": "add", "path": "/spec/ports/-", "value": 8080},
        {"op": "remove", "path": "/spec/ports/0"},
        {"op": "copy", "from": "/metadata/name", "path": "/spec/owner"},
        {"op": "move", "from": "/spec/owner", "path": "/spec/by"},
    ]
    headers = {"Content-Type": "application/json-patch+json"}
    response = await client.patch(f"{NS_URL}/a", content=orjson.dumps(ops), headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["spec"] == {"ports": [443, 8080], "by": "a"}
    assert response.json()["metadata"]["labels"] == {"app": "api"}
    failed = [{"op": "test", "path": "/metadata/labels/app", "value": "web"}]
    response = await client.patch(f"{NS_URL}/a", content=orjson.dumps(failed), headers=headers)
    assert response.status_code == 422 and "test failed" in response.json()["message"]
    missing = [{"op": "remove", "path": "/spec/nothing"}]
    response = await client.patch(f"{NS_URL}/a", content=orjson.dumps(missing), headers=headers)
    assert response.status_code == 422 and "does not exist" in response.json()["message"]
