"""The ``listen`` option: the table over HTTP, on a real loopback socket."""

from __future__ import annotations

import httpx
import pytest
import trio
from informer_gateway import Endpoint, ObjectMeta, Route, RouteSpec, Service, ServiceSpec, create_handler
from informer_gateway.serve import serving


async def test_table_is_served_over_http_and_follows_changes() -> None:
    handler = create_handler({"listen": "127.0.0.1:0"})
    with trio.fail_after(10):
        async with serving():
            while handler.url is None:  # noqa: ASYNC110 - set by the serving task, bounded above
                await trio.sleep(0.01)
            async with httpx.AsyncClient(base_url=handler.url) as client:
                assert (await client.get("/")).json()["routes"] == {}
                handler.on_add(
                    Service(
                        metadata=ObjectMeta(name="s", namespace="a"),
                        spec=ServiceSpec(endpoints=(Endpoint(address="10.0.0.1", port=80),)),
                    ),
                    True,
                )
                handler.on_add(
                    Route(
                        metadata=ObjectMeta(name="r", namespace="a"),
                        spec=RouteSpec(path_prefix="/api", service="s"),
                    ),
                    False,
                )
                doc = (await client.get("/")).json()
                assert doc["routes"]["/api"]["backends"] == ["10.0.0.1:80"]
                found = await client.get("/match", params={"path": "/api/users/1"})
                assert found.status_code == 200 and found.json()["entry"]["route"] == "a/r"
                missing = await client.get("/match", params={"path": "/other"})
                assert missing.status_code == 404 and missing.json()["entry"] is None
                assert (await client.post("/")).status_code == 405
                assert (await client.get("/nope")).status_code == 404
    assert handler.url is None  # stopped with the manager


async def test_port_out_of_range_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    handler = create_handler({"listen": "127.0.0.1:99999"})
    with trio.fail_after(5):
        async with serving():
            await trio.sleep(0.05)
    assert handler.url is None
    assert "cannot serve the table on 127.0.0.1:99999" in caplog.text


async def test_busy_port_is_logged_not_fatal(caplog: pytest.LogCaptureFixture) -> None:
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    try:
        handler = create_handler({"listen": f"127.0.0.1:{port}"})
        with trio.fail_after(5):
            async with serving():
                await trio.sleep(0.1)
        assert handler.url is None
        assert f"cannot serve the table on 127.0.0.1:{port}" in caplog.text
    finally:
        for listener in listeners:
            await listener.aclose()
