"""Bearer tokens (401/403 Status) and HTTPS with a test CA (trustme)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
import trustme
from informer.server import EmbeddedServer, open_embedded_server

from .conftest import RESOURCES, ROUTES, route

URL = "/apis/gateway.example.com/v1/namespaces/default/routes"
TOKENS = {"admin": None, "reader": ["get", "list", "watch"], "nobody": []}


@pytest.fixture
async def secured() -> AsyncIterator[EmbeddedServer]:
    async with open_embedded_server(RESOURCES, tokens=TOKENS) as server:
        yield server


async def test_missing_or_wrong_token_is_401(secured: EmbeddedServer) -> None:
    async with httpx.AsyncClient(base_url=secured.url) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic admin"}):
            response = await client.get(URL, headers=headers)
            assert response.status_code == 401
            assert response.json()["reason"] == "Unauthorized"
        assert (await client.get("/apis", headers={})).status_code == 401
        assert (await client.get("/healthz")).status_code == 200


async def test_verbs_per_token(secured: EmbeddedServer) -> None:
    secured.create(ROUTES, route("a"))
    async with httpx.AsyncClient(base_url=secured.url) as client:
        reader = {"Authorization": "Bearer reader"}
        assert (await client.get(URL, headers=reader)).status_code == 200
        assert (await client.get("/apis/gateway.example.com/v1", headers=reader)).status_code == 200
        denied = await client.post(URL, json=route("b"), headers=reader)
        assert denied.status_code == 403
        status = denied.json()
        assert status["reason"] == "Forbidden"
        assert 'cannot create resource "routes" in API group "gateway.example.com"' in status["message"]
        assert 'namespace "default"' in status["message"]
        nobody = await client.get(URL, headers={"Authorization": "Bearer nobody"})
        assert nobody.status_code == 403 and "cannot list" in nobody.json()["message"]
        admin = await client.post(URL, json=route("b"), headers={"Authorization": "Bearer admin"})
        assert admin.status_code == 201


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


async def test_https_with_test_ca(ca: trustme.CA) -> None:
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    async with open_embedded_server(RESOURCES, tls=server_context) as server:
        assert server.url.startswith("https://127.0.0.1:")
        server.create(ROUTES, route("a"))
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        async with httpx.AsyncClient(base_url=server.url, verify=client_context) as client:
            body = (await client.get(URL)).json()
            assert [i["metadata"]["name"] for i in body["items"]] == ["a"]
        async with httpx.AsyncClient(base_url=server.url) as untrusting:
            with pytest.raises(httpx.ConnectError):
                await untrusting.get(URL)


async def test_https_from_cert_files(ca: trustme.CA, tmp_path: pytest.TempPathFactory) -> None:
    cert = ca.issue_cert("127.0.0.1")
    cert_file = tmp_path / "tls.crt"  # type: ignore[operator]
    key_file = tmp_path / "tls.key"  # type: ignore[operator]
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    async with open_embedded_server(RESOURCES, tls=(str(cert_file), str(key_file))) as server:
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        async with httpx.AsyncClient(base_url=server.url, verify=client_context) as client:
            assert (await client.get("/version")).status_code == 200
