"""Fixtures: the embedded server over HTTPS (a trustme CA) with bearer tokens, and a
kubeconfig pointing at it — what a cluster and ``~/.kube/config`` are to a real user."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trustme
from informer.server import EmbeddedServer, Faults, ServerResource, open_embedded_server

from ._kubeconfigs import kubeconfig_doc, write_kubeconfig

#: the token the kubeconfig carries; "reader" may only list/watch, "nobody" may do nothing
TOKENS: dict[str, Any] = {"s3cret-token": None, "reader": {"get", "list", "watch"}, "nobody": set()}


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def server_ssl(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


class Cluster:
    """A running HTTPS embedded server and the kubeconfig that reaches it."""

    def __init__(self, server: EmbeddedServer, kubeconfig: Path) -> None:
        self.server = server
        self.kubeconfig = kubeconfig

    @property
    def options(self) -> dict[str, Any]:
        return {"kubeconfig": str(self.kubeconfig)}


ClusterFactory = Callable[..., AbstractAsyncContextManager[Cluster]]


@pytest.fixture
def cluster(ca: trustme.CA, server_ssl: ssl.SSLContext, tmp_path: Path) -> ClusterFactory:
    @asynccontextmanager
    async def open_cluster(
        resources: Iterable[ServerResource | str],
        *,
        token: str = "s3cret-token",
        faults: Faults | None = None,
        bookmark_interval: float = 10.0,
        tokens: dict[str, Any] | None = None,
    ) -> AsyncIterator[Cluster]:
        async with open_embedded_server(
            resources,
            faults=faults,
            tls=server_ssl,
            tokens=TOKENS if tokens is None else tokens,
            bookmark_interval=bookmark_interval,
        ) as server:
            assert server.url.startswith("https://127.0.0.1:")
            doc = kubeconfig_doc(
                server.url, ca=ca.cert_pem.bytes(), user={"token": token}, namespace="default"
            )
            path = write_kubeconfig(tmp_path / "kube" / f"config-{token}", doc)
            yield Cluster(server, path)

    return open_cluster
