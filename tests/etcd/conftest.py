"""Fixtures for the etcd tests: a real etcd on loopback, a write client, a fresh prefix.

One etcd serves the whole session (it starts in about a second); every test works under
its own key prefix so tests cannot see each other's keys. Tests that kill, restart,
compact or enable auth get a private etcd (``private_etcd``).

etcd missing: the tests skip on a developer machine but FAIL in CI (``CI`` set), where
``.ci/run`` installs Debian's etcd-server and these tests must run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
from informer_etcd import EtcdClient
from informer_etcd.testing import EtcdServer, etcd_binary


def require_etcd() -> None:
    if etcd_binary() is not None:
        return
    message = "etcd binary not found (apt-get install etcd-server, or set ETCD_BINARY)"
    if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
        pytest.fail(f"{message}: in CI the etcd tests must run", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def etcd_server() -> Iterator[EtcdServer]:
    """The session's shared etcd (do not stop, compact or enable auth on it)."""
    require_etcd()
    server = EtcdServer(extra_args=["--experimental-watch-progress-notify-interval", "500ms"])
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def private_etcd() -> Iterator[EtcdServer]:
    """An etcd of this test's own, to kill, restart, compact or lock down."""
    require_etcd()
    server = EtcdServer(extra_args=["--experimental-watch-progress-notify-interval", "500ms"])
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def prefix() -> str:
    """A key prefix no other test uses."""
    return f"/test/{uuid.uuid4().hex[:12]}/"


@pytest.fixture
async def etcd(etcd_server: EtcdServer) -> AsyncIterator[EtcdClient]:
    """A write client on the shared etcd."""
    async with EtcdClient(etcd_server.url) as client:
        yield client
