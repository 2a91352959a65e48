"""HttpSource.list against the embedded server: URLs, parameters, pages, errors."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from informer import ContinueExpired, Expired, ResourceType, Scope, ServerError
from informer.server import EmbeddedServer

from .conftest import CONFIGMAP_TYPE, NAMESPACE_TYPE, ROUTES, SourceMaker, route


async def test_paged_list_is_complete_and_consistent(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    for i in range(11):
        server.create(ROUTES, route(f"r{i:02d}"))
    source = make_source()
    page = await source.list(resource_version=None, limit=4, continue_token=None)
    assert page.remaining == 7 and page.continue_token
    names = [obj["metadata"]["name"] for _, obj, _ in page.items]
    server.create(ROUTES, route("late"))  # not part of this list's snapshot
    token = page.continue_token
    while token:
        next_page = await source.list(resource_version=None, limit=4, continue_token=token)
        assert next_page.resource_version == page.resource_version
        names += [obj["metadata"]["name"] for _, obj, _ in next_page.items]
        token = next_page.continue_token
    assert names == [f"r{i:02d}" for i in range(11)]
    key, obj, rv = page.items[0]
    assert key is None and rv == obj["metadata"]["resourceVersion"]
    last = parse_qs(server.requests[-1].query)
    assert set(last) == {"limit", "continue"}  # no resourceVersion beside a continue token


async def test_core_list_items_get_kind_and_api_version(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    server.create("configmaps", {"metadata": {"name": "a"}, "data": {"k": "v"}})
    page = await make_source(CONFIGMAP_TYPE).list(resource_version="0", limit=None, continue_token=None)
    ((_, obj, _),) = page.items
    assert obj["kind"] == "ConfigMap" and obj["apiVersion"] == "v1" and obj["data"] == {"k": "v"}
    assert page.continue_token is None and page.remaining is None


async def test_urls_and_query_parameters(server: EmbeddedServer, make_source: SourceMaker) -> None:
    scoped = make_source(
        scope=Scope(namespace="team-a", label_selector="app=web", field_selector="metadata.name=x")
    )
    await scoped.list(resource_version="1", limit=10, continue_token=None)
    request = server.requests[-1]
    assert request.path == "/apis/gateway.example.com/v1/namespaces/team-a/routes"
    assert parse_qs(request.query) == {
        "limit": ["10"],
        "resourceVersion": ["1"],
        "labelSelector": ["app=web"],
        "fieldSelector": ["metadata.name=x"],
    }
    # a namespace scope is ignored for cluster-scoped resources
    await make_source(NAMESPACE_TYPE, Scope(namespace="ignored")).list(
        resource_version=None, limit=None, continue_token=None
    )
    assert server.requests[-1].path == "/api/v1/namespaces" and server.requests[-1].query == ""
    await make_source(CONFIGMAP_TYPE).list(resource_version=None, limit=None, continue_token=None)
    assert server.requests[-1].path == "/api/v1/configmaps"
    assert make_source().description == f"{server.url} {ROUTES}"


async def test_expired_continue_token_raises_continue_expired(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    server.faults.history = 2
    for i in range(6):
        server.create(ROUTES, route(f"r{i}"))
    source = make_source()
    page = await source.list(resource_version=None, limit=2, continue_token=None)
    for i in range(4):
        server.update(ROUTES, route(f"r{i}") | {"spec": {"v": i}})
    with pytest.raises(ContinueExpired, match="410") as caught:
        await source.list(resource_version=None, limit=2, continue_token=page.continue_token)
    assert isinstance(caught.value, Expired) and caught.value.status == 410
    # an exact list at a compacted version is a plain Expired
    with pytest.raises(Expired) as plain:
        await source.list(resource_version=page.resource_version, limit=2, continue_token=None)
    assert not isinstance(plain.value, ContinueExpired)


async def test_server_errors_and_timeouts(server: EmbeddedServer, make_source: SourceMaker) -> None:
    server.faults.error_rate = 1.0
    with pytest.raises(ServerError, match="500") as caught:
        await make_source().list(resource_version=None, limit=None, continue_token=None)
    assert caught.value.status == 500 and "injected fault" in str(caught.value)
    server.faults.error_rate = 0.0
    server.future_version_wait = 0.1
    with pytest.raises(ServerError, match="504") as too_new:
        await make_source().list(resource_version="99999", limit=None, continue_token=None)
    assert too_new.value.retry_after == 1.0


async def test_resource_without_plural_uses_its_name(
    server: EmbeddedServer, make_source: SourceMaker
) -> None:
    bare = ResourceType(name="configmaps")
    await make_source(bare).list(resource_version=None, limit=None, continue_token=None)
    assert server.requests[-1].path == "/api/v1/configmaps"
