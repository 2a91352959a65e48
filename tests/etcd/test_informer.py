"""The core informer driven by the etcd source against a real etcd.

Every scenario ends with the same check: the cache equals a fresh range read of the
prefix (values decoded as the informer decodes them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import trio
from informer import (
    EventType,
    Informer,
    Notification,
    SourceSpec,
    SyncTimeout,
    open_informer,
)
from informer._backoff import Backoff
from informer_etcd import EtcdClient, EtcdSource, create_source, resource_for_prefix
from informer_etcd.testing import EtcdServer, free_port

from ._proxy import open_proxy


class Recorder:
    """A low-level handler keeping every notification."""

    def __init__(self) -> None:
        self.seen: list[Notification] = []

    def on_notification(self, n: Notification) -> None:
        self.seen.append(n)

    def of(self, type: EventType) -> list[Notification]:
        return [n for n in self.seen if n.type is type]


def make_source(url: str | list[str], prefix: str, **options: Any) -> EtcdSource:
    if isinstance(url, list):
        options["endpoints"] = url
    else:
        options["url"] = url
    return create_source(SourceSpec(resource=resource_for_prefix(prefix), options=options))


def fast_backoff() -> Backoff:
    return Backoff(initial=0.05, maximum=0.3)


async def oracle(etcd: EtcdClient, prefix: str) -> dict[str, Any]:
    """The prefix as the informer should hold it: decodable JSON objects, keyed without prefix."""
    items, _ = await etcd.range(prefix)
    out: dict[str, Any] = {}
    for key, value in items.items():
        try:
            obj = orjson.loads(value)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            out[key[len(prefix) :]] = obj
    return out


async def wait_for(condition: Callable[[], bool], what: str, within: float = 10) -> None:
    # Polling is the point: the condition is state of another task, with no event to wait on.
    with trio.move_on_after(within):
        while not condition():  # noqa: ASYNC110
            await trio.sleep(0.02)
        return
    raise AssertionError(f"timed out waiting for {what}")


async def converges(inf: Informer, etcd: EtcdClient, prefix: str, within: float = 10) -> dict[str, Any]:
    """Wait until the cache equals the server's prefix; return it."""
    expected = await oracle(etcd, prefix)
    try:
        await wait_for(lambda: dict(inf.store.items()) == expected, "the cache to equal etcd", within)
    except AssertionError:
        cached = dict(inf.store.items())
        wrong = sorted(k for k in set(cached) | set(expected) if cached.get(k) != expected.get(k))
        raise AssertionError(
            f"cache differs from etcd at {len(wrong)} keys (first: {wrong[:5]}); "
            f"last error: {inf.stats.last_error}; stats: {inf.stats}"
        ) from None
    return expected


async def test_initial_list_of_thousands_of_keys_is_paged(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    values = {f"{prefix}svc-{i:05d}": {"name": f"svc-{i}", "port": 8000 + i % 100} for i in range(5000)}
    await etcd.put_many(values)
    recorder = Recorder()
    with trio.fail_after(30):
        async with open_informer(
            resource_for_prefix(prefix), make_source(etcd_server.url, prefix), page_size=500
        ) as inf:
            inf.add_handler(recorder)
            await inf.wait_synced(timeout=20)
            assert inf.stats.list_pages == 10
            assert len(inf.store) == 5000
            assert inf.store.get("svc-00042") == {"name": "svc-42", "port": 8042}
            await converges(inf, etcd, prefix)
            await wait_for(lambda: len(recorder.seen) == 5000, "the initial adds")
    assert all(n.type is EventType.ADDED and n.initial for n in recorder.seen)


async def test_puts_and_deletes_while_watching(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    await etcd.put_many({f"{prefix}a": {"v": 0}, f"{prefix}b": {"v": 0}})
    recorder = Recorder()
    with trio.fail_after(20):
        async with open_informer(resource_for_prefix(prefix), make_source(etcd_server.url, prefix)) as inf:
            await inf.wait_synced(timeout=10)
            inf.add_handler(recorder)
            for i in range(1, 51):
                await etcd.put(f"{prefix}a", {"v": i})
            await etcd.delete(f"{prefix}b")
            await etcd.put(f"{prefix}c", {"v": "new"})
            await etcd.put_many({f"{prefix}bulk-{i}": {"i": i} for i in range(300)})
            await etcd.delete_prefix(f"{prefix}bulk-1")  # bulk-1, bulk-10..19, bulk-100..199
            expected = await converges(inf, etcd, prefix)
            await wait_for(lambda: inf.stats.events_by_type[EventType.DELETED] >= 112, "the deletes")
    assert expected["a"] == {"v": 50} and "b" not in expected and len(expected) == 2 + 300 - 111
    updates = [n for n in recorder.of(EventType.MODIFIED) if n.key == "a"]
    assert [n.object["v"] for n in updates] == list(range(1, 51))
    assert [n.old["v"] for n in updates] == list(range(0, 50))
    (deleted_b,) = [n for n in recorder.of(EventType.DELETED) if n.key == "b"]
    assert deleted_b.object == {"v": 0} and not deleted_b.final_state_unknown


async def test_progress_notifications_advance_the_resource_version(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    """Writes elsewhere in etcd move the store revision; progress notifications (every
    500 ms on the test server) carry it to an idle informer as bookmarks."""
    with trio.fail_after(15):
        async with open_informer(resource_for_prefix(prefix), make_source(etcd_server.url, prefix)) as inf:
            await inf.wait_synced(timeout=10)
            start = int(inf.stats.last_resource_version or 0)
            target = await etcd.put(f"{prefix[:-1]}-elsewhere", b"x")
            await wait_for(
                lambda: int(inf.stats.last_resource_version or 0) >= target, "a bookmark at the new revision"
            )
            assert inf.stats.events_by_type[EventType.BOOKMARK] >= 1
            assert len(inf.store) == 0 and target > start


async def test_compaction_while_disconnected_relists_with_tombstones(
    private_etcd: EtcdServer, prefix: str
) -> None:
    """The link to etcd is cut; meanwhile keys are changed and deleted and history is
    compacted. On reconnection the watch is refused (compacted), the informer relists and
    reports the vanished keys as deletes whose final state is unknown."""
    recorder = Recorder()
    async with EtcdClient(private_etcd.url) as etcd, open_proxy(private_etcd.client_port) as proxy:
        await etcd.put_many({f"{prefix}k{i:03d}": {"i": i} for i in range(200)})
        with trio.fail_after(30):
            async with open_informer(
                resource_for_prefix(prefix), make_source(proxy.url, prefix), backoff=fast_backoff()
            ) as inf:
                await inf.wait_synced(timeout=10)
                inf.add_handler(recorder)
                relists = inf.stats.relists
                proxy.cut()
                await wait_for(lambda: inf.stats.last_error is not None, "the informer to notice the cut")
                for i in range(0, 200, 2):
                    await etcd.delete(f"{prefix}k{i:03d}")
                await etcd.put(f"{prefix}k001", {"i": "changed"})
                await etcd.put(f"{prefix}new", {"i": "new"})
                await etcd.compact()
                proxy.heal()
                expected = await converges(inf, etcd, prefix, within=15)
                await wait_for(lambda: len(recorder.of(EventType.DELETED)) == 100, "100 deletes")
                assert inf.stats.relists == relists + 1
    assert len(expected) == 101 and expected["k001"] == {"i": "changed"}
    deletes = recorder.of(EventType.DELETED)
    assert all(n.final_state_unknown for n in deletes)
    assert {n.key: n.object for n in deletes} == {f"k{i:03d}": {"i": i} for i in range(0, 200, 2)}
    (changed,) = [n for n in recorder.of(EventType.MODIFIED) if n.key == "k001"]
    assert changed.old == {"i": 1}
    assert [n.key for n in recorder.of(EventType.ADDED) if not n.initial] == ["new"]


async def test_etcd_killed_and_restarted_with_the_same_data(private_etcd: EtcdServer, prefix: str) -> None:
    recorder = Recorder()
    async with EtcdClient(private_etcd.url) as etcd:
        await etcd.put_many({f"{prefix}k{i}": {"i": i} for i in range(50)})
        with trio.fail_after(40):
            async with open_informer(
                resource_for_prefix(prefix), make_source(private_etcd.url, prefix), backoff=fast_backoff()
            ) as inf:
                await inf.wait_synced(timeout=10)
                inf.add_handler(recorder)
                for round_ in range(2):
                    errors_before = inf.stats.last_error_time
                    private_etcd.kill()
                    await wait_for(
                        lambda before=errors_before: inf.stats.last_error_time != before,
                        "the informer to notice",
                    )
                    await trio.to_thread.run_sync(private_etcd.start)
                    await etcd.put(f"{prefix}k{round_}", {"i": "after restart"})
                    await etcd.delete(f"{prefix}k{10 + round_}")
                    await converges(inf, etcd, prefix, within=15)
                assert inf.stats.reconnects >= 2
    assert {n.key for n in recorder.of(EventType.DELETED)} == {"k10", "k11"}
    assert not any(n.final_state_unknown for n in recorder.seen)
    assert {n.key for n in recorder.of(EventType.MODIFIED)} == {"k0", "k1"}


async def test_undecodable_values_are_skipped_logged_and_counted(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    await etcd.put_many(
        {f"{prefix}good-1": {"ok": 1}, f"{prefix}bad-1": b"{not json", f"{prefix}good-2": {"ok": 2}}
    )
    caplog.set_level(logging.WARNING)
    with trio.fail_after(15):
        async with open_informer(resource_for_prefix(prefix), make_source(etcd_server.url, prefix)) as inf:
            await inf.wait_synced(timeout=10)
            assert set(inf.store.keys()) == {"good-1", "good-2"}
            assert inf.stats.decode_errors == 1
            await etcd.put(f"{prefix}bad-2", b"\xff\xfe binary")
            await etcd.put(f"{prefix}good-3", {"ok": 3})
            await converges(inf, etcd, prefix)
            assert inf.stats.decode_errors == 2
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "bad-1" in logged and "bad-2" in logged


async def test_text_and_bytes_decoders(etcd: EtcdClient, etcd_server: EtcdServer, prefix: str) -> None:
    await etcd.put_many({f"{prefix}flag-a": "on", f"{prefix}flag-b": "off"})
    with trio.fail_after(15):
        for decoder, expected in (("text", {"flag-a": "on", "flag-b": "off"}), ("bytes", {"flag-a": b"on"})):
            resource = resource_for_prefix(prefix, decoder=decoder)
            async with open_informer(resource, make_source(etcd_server.url, prefix)) as inf:
                await inf.wait_synced(timeout=10)
                for key, value in expected.items():
                    assert inf.store.get(key) == value


async def test_unreachable_etcd_wait_synced_says_connection_refused() -> None:
    port = free_port()
    with trio.fail_after(10):
        async with open_informer(
            resource_for_prefix("/x/"), make_source(f"etcd://127.0.0.1:{port}", "/x/"), backoff=fast_backoff()
        ) as inf:
            with pytest.raises(SyncTimeout, match=f"connection refused to http://127.0.0.1:{port}"):
                await inf.wait_synced(timeout=1)


class CompactsAfterFirstPage:
    """The etcd source, with etcd's history changed and compacted right after the first
    page of the first list: the continue token then points at a compacted revision."""

    def __init__(self, source: EtcdSource, etcd: EtcdClient, prefix: str) -> None:
        self.source = source
        self.etcd = etcd
        self.prefix = prefix
        self.description = source.description
        self.done = False
        self.watch = source.watch
        self.aclose = source.aclose

    async def list(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> Any:
        page = await self.source.list(
            resource_version=resource_version, limit=limit, continue_token=continue_token
        )
        if not self.done and page.continue_token:
            self.done = True
            await self.etcd.delete(f"{self.prefix}k299")
            await self.etcd.put(f"{self.prefix}k000", {"i": "changed"})
            await self.etcd.compact()
        return page


async def test_compaction_in_the_middle_of_a_paged_list(private_etcd: EtcdServer, prefix: str) -> None:
    async with EtcdClient(private_etcd.url) as etcd:
        await etcd.put_many({f"{prefix}k{i:03d}": {"i": i} for i in range(300)})
        source = CompactsAfterFirstPage(make_source(private_etcd.url, prefix), etcd, prefix)
        with trio.fail_after(20):
            async with open_informer(resource_for_prefix(prefix), source, page_size=100) as inf:  # type: ignore[arg-type]
                await inf.wait_synced(timeout=10)
                # the redone list was read after the changes: the watch cannot have brought them
                assert inf.store.get("k000") == {"i": "changed"} and "k299" not in inf.store
                expected = await converges(inf, etcd, prefix)
    assert source.done and len(expected) == 299 and expected["k000"] == {"i": "changed"}


async def test_failover_to_the_next_endpoint_when_a_member_goes_away(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    """Two endpoints (a cuttable path and the direct one); the first one dies under an
    open watch: the informer resumes on the second from its revision, without relisting."""
    await etcd.put_many({f"{prefix}k{i}": {"i": i} for i in range(10)})
    async with open_proxy(etcd_server.client_port) as proxy:
        source = make_source([proxy.url, etcd_server.url], prefix)
        with trio.fail_after(20):
            async with open_informer(resource_for_prefix(prefix), source, backoff=fast_backoff()) as inf:
                await inf.wait_synced(timeout=10)
                assert source.connection.url == proxy.url
                await wait_for(lambda: inf.stats.watches_started == 1, "the watch")
                proxy.cut()
                await etcd.put(f"{prefix}k1", {"i": "after"})
                await etcd.delete(f"{prefix}k2")
                await converges(inf, etcd, prefix)
                assert source.connection.url == etcd_server.url
                assert inf.stats.relists == 0
