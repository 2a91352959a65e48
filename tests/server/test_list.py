"""Collection GET: paging with continue, consistent snapshots, resourceVersion rules, selectors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from informer.server import EmbeddedServer, Faults

from .conftest import ROUTES, route

ROUTES_URL = "/apis/gateway.example.com/v1/routes"


async def list_all(client: httpx.AsyncClient, url: str, **params: Any) -> tuple[list[str], list[str]]:
    """Follow continue tokens; return the names and the list resourceVersion of every page."""
    names: list[str] = []
    versions: list[str] = []
    token = None
    for _ in range(100):
        query = dict(params)
        if token:
            query["continue"] = token
        body = (await client.get(url, params=query)).json()
        names += [i["metadata"]["name"] for i in body["items"]]
        versions.append(body["metadata"]["resourceVersion"])
        token = body["metadata"].get("continue")
        if not token:
            return names, versions
    raise AssertionError("list never ended")


async def test_paging_returns_every_object_once(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    for i in range(23):
        server.create(ROUTES, route(f"r{i:02d}", namespace="a" if i % 2 else "b"))
    names, versions = await list_all(client, ROUTES_URL, limit=5)
    assert sorted(names) == [f"r{i:02d}" for i in range(23)]
    assert len(versions) == 5 and len(set(versions)) == 1
    first = (await client.get(ROUTES_URL, params={"limit": 5})).json()
    assert first["metadata"]["remainingItemCount"] == 18
    assert first["kind"] == "RouteList" and first["apiVersion"] == "gateway.example.com/v1"
    # custom-group list items carry kind/apiVersion
    assert first["items"][0]["kind"] == "Route"


async def test_pages_are_one_snapshot_despite_writes(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    for i in range(10):
        server.create(ROUTES, route(f"r{i}"))
    first = (await client.get(ROUTES_URL, params={"limit": 4})).json()
    list_rv = first["metadata"]["resourceVersion"]
    # writes between pages: a delete of a later item, a new item, an update
    server.delete(ROUTES, "default/r8")
    server.create(ROUTES, route("r99"))
    server.update(ROUTES, route("r9") | {"spec": {"pathPrefix": "/changed"}})
    seen = {i["metadata"]["name"]: i for i in first["items"]}
    token = first["metadata"]["continue"]
    while token:
        page = (await client.get(ROUTES_URL, params={"limit": 4, "continue": token})).json()
        assert page["metadata"]["resourceVersion"] == list_rv
        seen |= {i["metadata"]["name"]: i for i in page["items"]}
        token = page["metadata"].get("continue")
    assert sorted(seen) == [f"r{i}" for i in range(10)]
    assert seen["r9"]["spec"]["pathPrefix"] == "/r9"


async def test_snapshot_is_rebuilt_from_history(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    """An exact list at an older version is answered from the event history."""
    for i in range(6):
        server.create(ROUTES, route(f"r{i}"))
    old_rv = server.resource_version
    server.delete(ROUTES, "default/r0")
    server.update(ROUTES, route("r1") | {"spec": {"pathPrefix": "/new"}})
    server.create(ROUTES, route("r7"))
    body = (await client.get(ROUTES_URL, params={"limit": 100, "resourceVersion": old_rv})).json()
    assert body["metadata"]["resourceVersion"] == old_rv
    items = {i["metadata"]["name"]: i for i in body["items"]}
    assert sorted(items) == [f"r{i}" for i in range(6)]
    assert items["r1"]["spec"]["pathPrefix"] == "/r1"
    # without limit, rv=N means "not older than": the current state
    now = (await client.get(ROUTES_URL, params={"resourceVersion": old_rv})).json()
    assert now["metadata"]["resourceVersion"] == server.resource_version
    assert sorted(i["metadata"]["name"] for i in now["items"]) == ["r1", "r2", "r3", "r4", "r5", "r7"]


async def test_expired_continue_token_is_410(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.faults.history = 3
    for i in range(10):
        server.create(ROUTES, route(f"r{i}"))
    first = (await client.get(ROUTES_URL, params={"limit": 3})).json()
    for i in range(5):
        server.update(ROUTES, route(f"r{i}") | {"spec": {"v": i}})
    response = await client.get(ROUTES_URL, params={"limit": 3, "continue": first["metadata"]["continue"]})
    assert response.status_code == 410
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == "Expired" and status["code"] == 410
    assert "continue parameter is too old" in status["message"]


async def test_bad_continue_and_resource_versions_are_400(client: httpx.AsyncClient) -> None:
    assert (await client.get(ROUTES_URL, params={"continue": "not-a-token"})).status_code == 400
    assert (await client.get(ROUTES_URL, params={"resourceVersion": "abc"})).status_code == 400
    bad = await client.get(ROUTES_URL, params={"resourceVersionMatch": "Exact"})
    assert bad.status_code == 422 and bad.json()["reason"] == "Invalid"
    assert (await client.get(ROUTES_URL, params={"sendInitialEvents": "true"})).status_code == 422


async def test_future_resource_version_times_out_with_504(
    server: EmbeddedServer, client: httpx.AsyncClient
) -> None:
    server.future_version_wait = 0.2
    response = await client.get(ROUTES_URL, params={"resourceVersion": "999999"})
    assert response.status_code == 504
    body = response.json()
    assert body["reason"] == "Timeout" and "Too large resource version" in body["message"]
    assert response.headers["retry-after"] == "1"


async def test_namespace_scoping_and_core_items(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.create("configmaps", {"metadata": {"name": "a", "namespace": "x"}, "data": {"k": "v"}})
    server.create("configmaps", {"metadata": {"name": "b", "namespace": "y"}})
    server.create("configmaps", {"metadata": {"name": "c", "namespace": "x"}})
    body = (await client.get("/api/v1/namespaces/x/configmaps")).json()
    assert body["kind"] == "ConfigMapList" and body["apiVersion"] == "v1"
    assert [i["metadata"]["name"] for i in body["items"]] == ["a", "c"]
    # core-group list items have no kind/apiVersion (like kube-apiserver)
    assert "kind" not in body["items"][0] and "apiVersion" not in body["items"][0]
    everything = (await client.get("/api/v1/configmaps")).json()
    assert len(everything["items"]) == 3
    one = (await client.get("/api/v1/namespaces/x/configmaps/a")).json()
    assert one["kind"] == "ConfigMap" and one["data"] == {"k": "v"}
    missing = await client.get("/api/v1/namespaces/y/configmaps/a")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


async def test_cluster_scoped_resource(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    created = server.create("namespaces", {"metadata": {"name": "team-a"}})
    assert "namespace" not in created["metadata"]
    assert server.list_objects("namespaces").keys() == {"team-a"}
    body = (await client.get("/api/v1/namespaces")).json()
    assert [i["metadata"]["name"] for i in body["items"]] == ["team-a"]
    assert (await client.get("/api/v1/namespaces/team-a")).json()["kind"] == "Namespace"
    assert (await client.get("/api/v1/namespaces/team-a/namespaces")).status_code == 404


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web", ["a", "b"]),
        ("app!=web", ["c", "d"]),
        ("app in (web,db)", ["a", "b", "c"]),
        ("app notin (web)", ["c", "d"]),
        ("tier", ["a", "c"]),
        ("!tier", ["b", "d"]),
        ("app=web,tier=front", ["a"]),
        ("app in (web, db),!tier", ["b"]),
    ],
)
async def test_label_selectors(
    server: EmbeddedServer, client: httpx.AsyncClient, selector: str, expected: list[str]
) -> None:
    server.create(ROUTES, route("a", app="web", tier="front"))
    server.create(ROUTES, route("b", app="web"))
    server.create(ROUTES, route("c", app="db", tier="back"))
    server.create(ROUTES, route("d"))
    body = (await client.get(ROUTES_URL, params={"labelSelector": selector})).json()
    assert [i["metadata"]["name"] for i in body["items"]] == expected
    assert "remainingItemCount" not in body["metadata"]


async def test_field_selectors(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.create(ROUTES, route("a", namespace="x"))
    server.create(ROUTES, route("b", namespace="y"))
    names = lambda body: [i["metadata"]["name"] for i in body["items"]]  # noqa: E731
    assert names((await client.get(ROUTES_URL, params={"fieldSelector": "metadata.name=b"})).json()) == ["b"]
    assert names(
        (await client.get(ROUTES_URL, params={"fieldSelector": "metadata.namespace!=y"})).json()
    ) == ["a"]
    bad = await client.get(ROUTES_URL, params={"fieldSelector": "spec.port=80"})
    assert bad.status_code == 400 and "field label not supported" in bad.json()["message"]
    bad = await client.get(ROUTES_URL, params={"labelSelector": "a in (b"})
    assert bad.status_code == 400 and bad.json()["kind"] == "Status"


async def test_paged_selector_list(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    for i in range(12):
        server.create(ROUTES, route(f"r{i:02d}", parity="even" if i % 2 == 0 else "odd"))
    names, _ = await list_all(client, ROUTES_URL, limit=2, labelSelector="parity=odd")
    assert names == [f"r{i:02d}" for i in range(1, 12, 2)]


async def test_error_rate_fault_answers_500(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.faults = Faults(error_rate=0.5, seed=7)
    codes = [(await client.get(ROUTES_URL)).status_code for _ in range(40)]
    assert set(codes) == {200, 500}
    server.faults.reseed(7)
    again = [(await client.get(ROUTES_URL)).status_code for _ in range(40)]
    assert again == codes  # seeded: reproducible
    failed = await client.get(ROUTES_URL)
    while failed.status_code != 500:
        failed = await client.get(ROUTES_URL)
    assert failed.json()["reason"] == "InternalError"
    # discovery is not subject to the fault
    server.faults.error_rate = 1.0
    assert (await client.get("/apis")).status_code == 200
    assert (await client.get(ROUTES_URL)).status_code == 500


def test_faults_refuse_bad_values_also_at_runtime() -> None:
    faults = Faults(history=3)
    with pytest.raises(ValueError, match="error_rate must be between 0 and 1"):
        faults.error_rate = 1.5
    with pytest.raises(ValueError, match="watch_drop_after must be a whole number of events >= 1"):
        Faults(watch_drop_after=0)
    with pytest.raises(ValueError, match="delay must be a number of seconds"):
        Faults(delay=-1)
    faults.history = 0  # keep nothing: every resume is a 410
    assert faults.history == 0 and faults.error_rate == 0.0


async def test_error_code_fault(server: EmbeddedServer, client: httpx.AsyncClient) -> None:
    server.faults = Faults(error_rate=1.0, error_code=429)
    response = await client.get(ROUTES_URL)
    assert response.status_code == 429 and response.headers["retry-after"] == "1"
    assert response.json()["reason"] == "TooManyRequests"
    with pytest.raises(ValueError, match="error_code must be an HTTP error status"):
        server.faults.error_code = 200
