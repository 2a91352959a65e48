"""``proxy-url`` in a kubeconfig: requests go through an HTTP CONNECT proxy (a real one,
on loopback, that records what it tunnels)."""

from __future__ import annotations

from pathlib import Path

import trio
import trustme
from informer_kubernetes.discovery import discover_resource_types

from ._kubeconfigs import kubeconfig_doc, write_kubeconfig
from .conftest import ClusterFactory


async def _pipe(src: trio.SocketStream, dst: trio.SocketStream) -> None:
    try:
        while data := await src.receive_some(65536):
            await dst.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    finally:
        await dst.aclose()


async def connect_proxy(
    tunnels: list[str], task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    async def handle(client: trio.SocketStream) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await client.receive_some(4096)
            if not chunk:
                return
            head += chunk
        method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
        if method != "CONNECT":
            await client.send_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream = await trio.open_tcp_stream(host, int(port))
        await client.send_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        async with trio.open_nursery() as nursery:
            nursery.start_soon(_pipe, client, upstream)
            nursery.start_soon(_pipe, upstream, client)

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(handle, listeners)


async def test_requests_go_through_the_proxy(
    cluster: ClusterFactory, ca: trustme.CA, tmp_path: Path, nursery: trio.Nursery
) -> None:
    tunnels: list[str] = []
    proxy_port = await nursery.start(connect_proxy, tunnels)
    with trio.fail_after(10):
        async with cluster(["pods"]) as c:
            doc = kubeconfig_doc(
                c.server.url,
                ca=ca.cert_pem.bytes(),
                user={"token": "s3cret-token"},
                cluster_extra={"proxy-url": f"http://127.0.0.1:{proxy_port}"},
            )
            path = write_kubeconfig(tmp_path / "proxied", doc)
            found = await discover_resource_types({"kubeconfig": str(path)})
    assert [d["name"] for d in found] == ["pods"]
    assert tunnels and set(tunnels) == {c.server.url.removeprefix("https://")}
