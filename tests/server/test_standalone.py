"""serve_forever: what ``informer-run serve`` runs — announces its URL, serves, stops on SIGTERM."""

from __future__ import annotations

import os
import signal

import httpx
import trio
from informer.server import DEMO_RESOURCES, EmbeddedServer, Faults, open_embedded_server, serve_forever


async def test_serve_forever_announces_populates_and_stops_on_sigterm() -> None:
    urls: list[str] = []
    populated = trio.Event()

    async def populate(server: EmbeddedServer) -> None:
        server.create("routes.demo.informer.dev", {"metadata": {"name": "home"}, "spec": {"pathPrefix": "/"}})
        populated.set()
        await trio.sleep_forever()  # e.g. churn; cancelled at shutdown

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(
                lambda: serve_forever(
                    ["configmaps", "routes.v2.gateway.example.com"],
                    port=0,
                    faults=Faults(delay=0.01),
                    tokens=["t0k"],
                    populate=populate,
                    announce=urls.append,
                )
            )
            await populated.wait()
            (url,) = urls
            async with httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer t0k"}) as client:
                groups = {g["name"] for g in (await client.get("/apis")).json()["groups"]}
                assert groups == {"demo.informer.dev", "gateway.example.com"}
                assert (await client.get("/api/v1/configmaps")).status_code == 200
                routes = (await client.get("/apis/demo.informer.dev/v1/routes")).json()
                assert [r["metadata"]["name"] for r in routes["items"]] == ["home"]
                assert (
                    await client.get("/api/v1/configmaps", headers={"Authorization": ""})
                ).status_code == 401
            os.kill(os.getpid(), signal.SIGTERM)
    # serve_forever returned by itself: the nursery closed without being cancelled
    assert [r.kind for r in DEMO_RESOURCES] == ["Service", "Route"]


async def test_tokens_can_be_revoked_while_running() -> None:
    async with (
        open_embedded_server(["configmaps"], tokens={"a": None}) as server,
        httpx.AsyncClient(base_url=server.url, headers={"Authorization": "Bearer a"}) as client,
    ):
        assert (await client.get("/api/v1/configmaps")).status_code == 200
        server.tokens = {"a": ["get"]}
        assert (await client.get("/api/v1/configmaps")).status_code == 403
        server.tokens = {}
        assert (await client.get("/api/v1/configmaps")).status_code == 401
