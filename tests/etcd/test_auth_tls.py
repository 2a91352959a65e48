"""Username/password auth (enabled through the gateway) and TLS with client certificates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import trio
import trustme
from informer import (
    ConnectFailed,
    EventType,
    Forbidden,
    SyncTimeout,
    Unauthorized,
    open_informer,
)
from informer_etcd import EtcdClient, resource_for_prefix
from informer_etcd.testing import EtcdServer

from .conftest import require_etcd
from .test_informer import converges, fast_backoff, make_source

ROOT_PASSWORD = "root-secret"
PREFIX = "/apps/"


@pytest.fixture
def auth_etcd() -> Iterator[EtcdServer]:
    """A private etcd whose simple tokens expire after one idle second."""
    require_etcd()
    with EtcdServer(extra_args=["--auth-token-ttl", "1"]) as server:
        yield server


@pytest.fixture
async def root(auth_etcd: EtcdServer) -> AsyncIterator[EtcdClient]:
    """Auth enabled; user ``alice`` (password ``pw``) may read ``/apps/``; yields a root client."""
    async with EtcdClient(auth_etcd.url) as admin:
        await admin.add_user("alice", "pw")
        await admin.add_role("apps-reader")
        await admin.grant_prefix("apps-reader", PREFIX, "READ")
        await admin.grant_role("alice", "apps-reader")
        await admin.enable_auth(ROOT_PASSWORD)
    async with EtcdClient(auth_etcd.url, username="root", password=ROOT_PASSWORD) as client:
        yield client


async def test_informer_with_username_and_password(auth_etcd: EtcdServer, root: EtcdClient) -> None:
    await root.put_many({f"{PREFIX}a": {"v": 1}, f"{PREFIX}b": {"v": 2}, "/secret/x": {"v": 0}})
    source = make_source(auth_etcd.url, PREFIX, username="alice", password="pw")
    with trio.fail_after(20):
        async with open_informer(resource_for_prefix(PREFIX), source, backoff=fast_backoff()) as inf:
            await inf.wait_synced(timeout=10)
            await root.put(f"{PREFIX}c", {"v": 3})
            await root.delete(f"{PREFIX}a")
            await converges(inf, root, PREFIX)
            assert inf.stats.events_by_type[EventType.ADDED] == 1
    assert source.connection.authentications >= 1


async def test_expired_token_is_refreshed(auth_etcd: EtcdServer, root: EtcdClient) -> None:
    await root.put(f"{PREFIX}a", b"1")
    source = make_source(auth_etcd.url, PREFIX, username="alice", password="pw")
    with trio.fail_after(15):
        page = await source.list(resource_version=None, limit=None, continue_token=None)
        assert [k for k, _, _ in page.items] == ["a"]
        await trio.sleep(2.5)  # the token (ttl 1 s) expires while unused
        page = await source.list(resource_version=None, limit=None, continue_token=None)
        assert [k for k, _, _ in page.items] == ["a"]
        assert source.connection.authentications == 2
        await trio.sleep(2.5)  # expired again: the watch is refused in-stream, then retried
        async with source.watch(resource_version=page.resource_version, timeout_seconds=None) as events:
            await root.put(f"{PREFIX}b", b"2")
            async for ev in events:
                if ev.type is EventType.ADDED:
                    assert ev.key == "b"
                    break
        await source.aclose()
    assert source.connection.authentications == 3


async def test_wrong_credentials_are_a_clear_error(auth_etcd: EtcdServer, root: EtcdClient) -> None:
    with trio.fail_after(15):
        wrong = make_source(auth_etcd.url, PREFIX, username="alice", password="nope")
        with pytest.raises(Unauthorized, match="rejected the credentials of user 'alice'"):
            await wrong.list(resource_version=None, limit=None, continue_token=None)
        async with open_informer(resource_for_prefix(PREFIX), wrong, backoff=fast_backoff()) as inf:
            with pytest.raises(SyncTimeout, match="rejected the credentials of user 'alice'"):
                await inf.wait_synced(timeout=1)

        anonymous = make_source(auth_etcd.url, PREFIX)
        with pytest.raises(Unauthorized, match="authentication is enabled"):
            await anonymous.list(resource_version=None, limit=None, continue_token=None)
        with pytest.raises(Unauthorized, match="user name is empty"):
            async with anonymous.watch(resource_version="1", timeout_seconds=None) as events:
                async for _ in events:
                    pass
        await anonymous.aclose()

        elsewhere = make_source(auth_etcd.url, "/secret/", username="alice", password="pw")
        with pytest.raises(Forbidden, match="alice"):
            await elsewhere.list(resource_version=None, limit=None, continue_token=None)
        with pytest.raises(Forbidden, match="permission denied"):
            async with elsewhere.watch(resource_version="1", timeout_seconds=None) as events:
                async for _ in events:
                    pass
        await elsewhere.aclose()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    ca = trustme.CA()
    directory = tmp_path_factory.mktemp("etcd-tls")
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("informer-client")
    paths = {
        "ca": directory / "ca.pem",
        "server_cert": directory / "server.pem",
        "server_key": directory / "server-key.pem",
        "client_cert": directory / "client.pem",
        "client_key": directory / "client-key.pem",
    }
    ca.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["server_cert"]))
    server.private_key_pem.write_to_path(str(paths["server_key"]))
    client.cert_chain_pems[0].write_to_path(str(paths["client_cert"]))
    client.private_key_pem.write_to_path(str(paths["client_key"]))
    return {name: str(Path(p)) for name, p in paths.items()}


async def test_tls_with_client_certificate(certs: dict[str, str]) -> None:
    require_etcd()
    tls = (certs["server_cert"], certs["server_key"], certs["ca"])
    server = EtcdServer(tls=tls)
    await trio.to_thread.run_sync(server.start)
    try:
        options = {"ca_file": certs["ca"], "cert_file": certs["client_cert"], "key_file": certs["client_key"]}
        async with EtcdClient(server.source_url, **options) as etcd:
            await etcd.put(f"{PREFIX}tls", {"secure": True})
            with trio.fail_after(15):
                async with open_informer(
                    resource_for_prefix(PREFIX), make_source(server.source_url, PREFIX, **options)
                ) as inf:
                    await inf.wait_synced(timeout=10)
                    await etcd.put(f"{PREFIX}more", {"secure": True})
                    await converges(inf, etcd, PREFIX)
                # without the client certificate the handshake is refused
                bare = make_source(server.source_url, PREFIX, ca_file=certs["ca"])
                with pytest.raises(ConnectFailed, match=r"https://127\.0\.0\.1"):
                    await bare.list(resource_version=None, limit=None, continue_token=None)
                await bare.aclose()
    finally:
        await trio.to_thread.run_sync(server.close)
