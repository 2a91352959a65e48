"""A TCP proxy on loopback whose link can be cut: a network partition between the
informer and etcd while etcd itself keeps running (and can be written to and compacted)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import trio


class Proxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self.connected = True
        self.accepted = 0
        self._links: set[trio.CancelScope] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        """Drop every open connection and reset new ones until :meth:`heal`."""
        self.connected = False
        for scope in list(self._links):
            scope.cancel()

    def heal(self) -> None:
        self.connected = True

    async def _handle(self, client: trio.SocketStream) -> None:
        self.accepted += 1
        async with client:
            if not self.connected:
                return
            with trio.CancelScope() as scope:
                self._links.add(scope)
                try:
                    upstream = await trio.open_tcp_stream("127.0.0.1", self.upstream_port)
                except OSError:
                    return
                async with upstream, trio.open_nursery() as nursery:
                    nursery.start_soon(self._pump, client, upstream, nursery.cancel_scope)
                    nursery.start_soon(self._pump, upstream, client, nursery.cancel_scope)
            self._links.discard(scope)

    @staticmethod
    async def _pump(src: trio.SocketStream, dst: trio.SocketStream, done: trio.CancelScope) -> None:
        try:
            while data := await src.receive_some(65536):
                await dst.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        done.cancel()


@asynccontextmanager
async def open_proxy(upstream_port: int) -> AsyncIterator[Proxy]:
    proxy = Proxy(upstream_port)
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(partial(trio.serve_tcp, proxy._handle, 0, host="127.0.0.1"))
        proxy.port = listeners[0].socket.getsockname()[1]
        try:
            yield proxy
        finally:
            nursery.cancel_scope.cancel()
