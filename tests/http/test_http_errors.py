"""Failures map to informer exceptions with messages naming resource, verb and server."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx
import pytest
import trustme
from informer import (
    ConfigError,
    ConnectFailed,
    Forbidden,
    ResourceNotFound,
    Scope,
    ServerError,
    SourceSpec,
    TooManyRequests,
    Unauthorized,
)
from informer.server import Faults, ServerResource, open_embedded_server
from informer_http import HttpSource

from .conftest import ROUTE_TYPE, ROUTES, route


def source_for(url: str, **options: object) -> HttpSource:
    return HttpSource(SourceSpec(ROUTE_TYPE, Scope(namespace="default"), {"url": url, **options}))


async def test_401_and_403_name_resource_and_verb() -> None:
    tokens = {"reader": ["list"], "nobody": []}
    async with open_embedded_server([ServerResource.parse(ROUTES)], tokens=tokens) as server:
        anonymous = source_for(server.url)
        with pytest.raises(Unauthorized) as unauthorized:
            await anonymous.list(resource_version=None, limit=None, continue_token=None)
        assert unauthorized.value.status == 401
        assert f"list {ROUTES} on {server.url}: unauthorized (401)" in str(unauthorized.value)
        reader = source_for(server.url, token="reader")
        await reader.list(resource_version=None, limit=None, continue_token=None)
        with pytest.raises(Forbidden) as forbidden:
            async with reader.watch(resource_version="1", timeout_seconds=1):
                pass
        message = str(forbidden.value)
        assert message.startswith(f"watch {ROUTES} on {server.url}: forbidden (403)")
        assert 'cannot watch resource "routes" in API group "gateway.example.com"' in message
        with pytest.raises(Forbidden, match="cannot list"):
            await source_for(server.url, token="nobody").list(
                resource_version=None, limit=None, continue_token=None
            )
        for source in (anonymous, reader):
            await source.aclose()


async def test_404_for_a_resource_the_server_does_not_serve() -> None:
    async with open_embedded_server(["configmaps"]) as server:
        source = source_for(server.url)
        with pytest.raises(ResourceNotFound, match=f"the server at {server.url} does not serve it"):
            await source.list(resource_version=None, limit=None, continue_token=None)
        with pytest.raises(ResourceNotFound):
            async with source.watch(resource_version="1", timeout_seconds=1):
                pass
        await source.aclose()


async def test_429_and_503_carry_retry_after() -> None:
    faults = Faults(error_rate=1.0, error_code=429)
    async with open_embedded_server([ServerResource.parse(ROUTES)], faults=faults) as server:
        source = source_for(server.url)
        with pytest.raises(TooManyRequests, match="too many requests") as caught:
            await source.list(resource_version=None, limit=500, continue_token=None)
        assert caught.value.retry_after == 1.0 and caught.value.status == 429
        server.faults.error_code = 503
        with pytest.raises(ServerError, match="503") as unavailable:
            async with source.watch(resource_version="1", timeout_seconds=5):
                pass
        assert unavailable.value.retry_after == 1.0
        await source.aclose()


async def test_a_client_passed_in_is_not_closed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"kind": "RouteList", "metadata": {"resourceVersion": "7"}, "items": []}
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    source = HttpSource(SourceSpec(ROUTE_TYPE, Scope(), {"url": "http://api.invalid"}), client=client)
    page = await source.list(resource_version=None, limit=500, continue_token=None)
    assert page.resource_version == "7" and page.items == []
    await source.aclose()
    assert not client.is_closed  # it belongs to the caller
    await client.aclose()


async def test_connection_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    source = source_for(f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectFailed, match=f"connection refused to http://127.0.0.1:{port}"):
        await source.list(resource_version=None, limit=None, continue_token=None)
    with pytest.raises(ConnectFailed, match="connection refused"):
        async with source.watch(resource_version="1", timeout_seconds=1):
            pass
    await source.aclose()


async def test_tls_failure_names_host_and_reason_and_ca_option_fixes_it(tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with open_embedded_server([ServerResource.parse(ROUTES)], tls=context) as server:
        server.create(ROUTES, route("a"))
        untrusting = source_for(server.url)
        with pytest.raises(ConnectFailed) as caught:
            await untrusting.list(resource_version=None, limit=None, continue_token=None)
        message = str(caught.value)
        assert message.startswith("TLS handshake with 127.0.0.1 failed")
        assert "certificate" in message
        trusting = source_for(server.url, verify=str(ca_file))
        page = await trusting.list(resource_version=None, limit=None, continue_token=None)
        assert [obj["metadata"]["name"] for _, obj, _ in page.items] == ["a"]
        for source in (untrusting, trusting):
            await source.aclose()


def test_bad_options_are_config_errors() -> None:
    with pytest.raises(ConfigError, match=r"options\.url must be an http"):
        source_for("ftp://x")
    with pytest.raises(ConfigError, match=r"options\.verify: cannot load CA file"):
        source_for("https://x", verify="/does/not/exist.pem")
