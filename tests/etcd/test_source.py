"""The etcd source against a real etcd: paged consistent lists, watch events, compaction,
server stops and crashes, unreachable endpoints and failover."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
import trio
from informer import (
    ConnectFailed,
    ContinueExpired,
    EventType,
    Expired,
    ListPage,
    ServerError,
    SourceSpec,
    WatchEvent,
)
from informer_etcd import EtcdClient, EtcdSource, create_source, resource_for_prefix
from informer_etcd.testing import EtcdServer, free_port

from .conftest import require_etcd


def source_for(url: str | list[str], prefix: str, **options: Any) -> EtcdSource:
    if isinstance(url, list):
        options["endpoints"] = url
    else:
        options["url"] = url
    return create_source(SourceSpec(resource=resource_for_prefix(prefix), options=options))


async def list_all(
    source: EtcdSource, limit: int | None = 500
) -> tuple[dict[str, bytes], str, list[ListPage]]:
    pages: list[ListPage] = []
    token: str | None = None
    while True:
        page = await source.list(resource_version=None, limit=limit, continue_token=token)
        pages.append(page)
        token = page.continue_token
        if token is None:
            break
    items = {key: obj for p in pages for key, obj, _rv in p.items if key is not None}
    return items, pages[0].resource_version, pages


async def seed(etcd: EtcdClient, prefix: str, n: int) -> dict[str, bytes]:
    values = {f"{prefix}k{i:05d}": orjson.dumps({"i": i, "pad": "x" * 50}) for i in range(n)}
    await etcd.put_many(values)
    return {k[len(prefix) :]: v for k, v in values.items()}


async def test_paged_list_is_one_snapshot(etcd: EtcdClient, etcd_server: EtcdServer, prefix: str) -> None:
    """3,000 keys in pages of 500: every page is read at the first page's revision, so
    writes made while paging do not leak into the list."""
    expected = await seed(etcd, prefix, 3000)
    await etcd.put(f"{prefix[:-1]}-sibling", b"not under the prefix")
    source = source_for(etcd_server.url, prefix)
    with trio.fail_after(20):
        first = await source.list(resource_version=None, limit=500, continue_token=None)
        assert len(first.items) == 500
        assert first.remaining == 2500
        # Change the prefix in the middle of the list.
        await etcd.put(f"{prefix}k02999", b"changed")
        await etcd.put(f"{prefix}zzz-new", b"{}")
        await etcd.delete(f"{prefix}k02000")
        items = {k: v for k, v, _ in first.items if k is not None}
        token = first.continue_token
        pages = 1
        while token:
            page = await source.list(resource_version=None, limit=500, continue_token=token)
            assert page.resource_version == first.resource_version
            items.update((k, v) for k, v, _ in page.items if k is not None)
            token = page.continue_token
            pages += 1
        await source.aclose()
    assert pages == 6
    assert items == expected
    # a fresh list sees the writes
    source = source_for(etcd_server.url, prefix)
    with trio.fail_after(10):
        fresh, rv, _ = await list_all(source)
        await source.aclose()
    assert int(rv) > int(first.resource_version)
    assert fresh[("k02999")] == b"changed" and "zzz-new" in fresh and "k02000" not in fresh


async def test_page_size_option_and_empty_prefix(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    """The page_size option overrides the informer's page size, but an unpaged request
    (limit=None) stays unpaged: the reflector relies on it after an expired token."""
    source = source_for(etcd_server.url, prefix, page_size=7)
    with trio.fail_after(10):
        items, rv, pages = await list_all(source, limit=500)
        assert items == {} and len(pages) == 1 and int(rv) > 0
        await seed(etcd, prefix, 20)
        items, _, pages = await list_all(source, limit=500)
        assert len(items) == 20
        assert [len(p.items) for p in pages] == [7, 7, 6]
        items, _, pages = await list_all(source, limit=None)
        assert len(items) == 20 and len(pages) == 1
        await source.aclose()


async def collect(events: Any, n: int, *, skip_bookmarks: bool = True) -> list[WatchEvent]:
    out: list[WatchEvent] = []
    async for ev in events:
        if skip_bookmarks and ev.type is EventType.BOOKMARK:
            continue
        out.append(ev)
        if len(out) == n:
            break
    return out


async def test_watch_translates_puts_and_deletes(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    await etcd.put(f"{prefix}a", b'{"v": 1}')
    source = source_for(etcd_server.url, prefix)
    with trio.fail_after(15):
        items, rv, _ = await list_all(source)
        assert items == {"a": b'{"v": 1}'}
        async with source.watch(resource_version=rv, timeout_seconds=None) as events:
            await etcd.put(f"{prefix}a", b'{"v": 2}')
            await etcd.put(f"{prefix}b", b"")
            await etcd.delete(f"{prefix}a")
            await etcd.put(f"{prefix[:-1]}-other", b"outside the prefix")
            await etcd.put(f"{prefix}sub/c", b"3")
            got = await collect(events, 4)
        await source.aclose()
    assert [(e.type, e.key, e.object) for e in got] == [
        (EventType.MODIFIED, "a", b'{"v": 2}'),
        (EventType.ADDED, "b", b""),
        (EventType.DELETED, "a", b'{"v": 2}'),
        (EventType.ADDED, "sub/c", b"3"),
    ]
    revisions = [int(e.resource_version) for e in got]
    assert revisions == sorted(revisions) and revisions[0] == int(rv) + 1


async def test_watch_resumes_after_revision_and_bookmarks(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    """A watch from R delivers exactly the changes after R, then progress notifications
    (every 500 ms on the test server) as BOOKMARKs carrying the store revision."""
    r1 = await etcd.put(f"{prefix}x", b"1")
    r2 = await etcd.put(f"{prefix}x", b"2")
    await etcd.put(f"{prefix}y", b"3")
    source = source_for(etcd_server.url, prefix)
    with trio.fail_after(15):
        async with source.watch(resource_version=str(r1), timeout_seconds=None) as events:
            seen: list[WatchEvent] = []
            async for ev in events:
                seen.append(ev)
                if ev.type is EventType.BOOKMARK:
                    break
        await source.aclose()
    assert [(e.type, e.key, e.resource_version) for e in seen[:2]] == [
        (EventType.MODIFIED, "x", str(r2)),
        (EventType.ADDED, "y", str(r2 + 1)),
    ]
    bookmark = seen[-1]
    assert bookmark.type is EventType.BOOKMARK and int(bookmark.resource_version) >= r2 + 1


async def test_watch_timeout_ends_the_stream_cleanly(etcd_server: EtcdServer, prefix: str) -> None:
    source = source_for(etcd_server.url, prefix)
    with trio.fail_after(10):
        _, rv, _ = await list_all(source)
        async with source.watch(resource_version=rv, timeout_seconds=1) as events:
            got = [ev async for ev in events]
        await source.aclose()
    assert all(ev.type is EventType.BOOKMARK for ev in got)


async def test_large_replay_is_reassembled_from_fragments(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    """Replaying 150 values of 24 KB (3.6 MB, three revisions) comes as one watch message:
    one 3.6 MB line, or (``fragment`` option) pieces of ~1.5 MiB concatenated here."""
    big = {f"{prefix}big{i:03d}": b"%03d" % i + b"x" * 24_000 for i in range(150)}
    before = await etcd.revision()
    await etcd.put_many(big, batch=50)
    for fragment in (True, False):
        source = source_for(etcd_server.url, prefix, fragment=fragment)
        with trio.fail_after(20):
            async with source.watch(resource_version=str(before), timeout_seconds=None) as events:
                got = await collect(events, 150)
            await source.aclose()
        assert {e.key: e.object for e in got} == {k[len(prefix) :]: v for k, v in big.items()}
        assert {e.type for e in got} == {EventType.ADDED}


async def test_compaction_expires_watch_and_continue_token(private_etcd: EtcdServer, prefix: str) -> None:
    async with EtcdClient(private_etcd.url) as etcd:
        await seed(etcd, prefix, 30)
        source = source_for(private_etcd.url, prefix)
        with trio.fail_after(15):
            first = await source.list(resource_version=None, limit=10, continue_token=None)
            assert first.continue_token
            await etcd.put(f"{prefix}k00001", b"new")
            await etcd.delete(f"{prefix}k00002")
            await etcd.compact()
            with pytest.raises(ContinueExpired, match="compacted"):
                await source.list(resource_version=None, limit=10, continue_token=first.continue_token)
            with pytest.raises(Expired, match="compact"):
                async with source.watch(
                    resource_version=first.resource_version, timeout_seconds=None
                ) as events:
                    async for _ in events:
                        pass
            await source.aclose()


async def test_unreachable_etcd_says_connection_refused() -> None:
    port = free_port()
    source = source_for(f"etcd://127.0.0.1:{port}", "/x/")
    with trio.fail_after(10):
        with pytest.raises(ConnectFailed, match=f"connection refused to http://127.0.0.1:{port}"):
            await source.list(resource_version=None, limit=10, continue_token=None)
        with pytest.raises(ConnectFailed, match="connection refused"):
            async with source.watch(resource_version="5", timeout_seconds=None):
                pass
        await source.aclose()


async def test_failover_to_the_next_endpoint(etcd: EtcdClient, etcd_server: EtcdServer, prefix: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    await etcd.put(f"{prefix}k", b"v")
    source = source_for([dead, etcd_server.url], prefix)
    with trio.fail_after(10):
        items, rv, _ = await list_all(source)
        assert items == {"k": b"v"}
        assert source.connection.url == etcd_server.url
        async with source.watch(resource_version=rv, timeout_seconds=None) as events:
            await etcd.put(f"{prefix}k", b"w")
            (ev,) = await collect(events, 1)
        await source.aclose()
    assert (ev.type, ev.key, ev.object) == (EventType.MODIFIED, "k", b"w")


async def test_server_stop_and_crash_end_the_watch_with_an_error(
    private_etcd: EtcdServer, prefix: str
) -> None:
    """Graceful stop: the gateway's error line; crash: a broken chunked body. Both raise
    (so the reflector reconnects) and the watch resumes after a restart."""
    source = source_for(private_etcd.url, prefix)
    with trio.fail_after(30):
        _, rv, _ = await list_all(source)
        for stop, error in ((private_etcd.stop, ServerError), (private_etcd.kill, ConnectFailed)):
            with pytest.raises(error, match=r"transport is closing|broke"):
                async with source.watch(resource_version=rv, timeout_seconds=None) as events:
                    await trio.to_thread.run_sync(stop)
                    async for _ in events:
                        pass
            await trio.to_thread.run_sync(private_etcd.start)
        async with EtcdClient(private_etcd.url) as etcd:
            await etcd.put(f"{prefix}after", b"1")
        async with source.watch(resource_version=rv, timeout_seconds=None) as events:
            (ev,) = await collect(events, 1)
        await source.aclose()
    assert (ev.type, ev.key) == (EventType.ADDED, "after")


async def test_namespace_scope_narrows_the_prefix(
    etcd: EtcdClient, etcd_server: EtcdServer, prefix: str
) -> None:
    from informer import Scope

    await etcd.put_many({f"{prefix}ns1/a": b"1", f"{prefix}ns1/b": b"2", f"{prefix}ns2/a": b"3"})
    source = EtcdSource(resource_for_prefix(prefix), {"url": etcd_server.url}, scope=Scope(namespace="ns1"))
    with trio.fail_after(10):
        items, _, _ = await list_all(source)
        await source.aclose()
    assert items == {"ns1/a": b"1", "ns1/b": b"2"}


async def test_a_silent_watch_is_recreated_without_losing_events(prefix: str) -> None:
    """With no progress notifications (etcd's default interval is 10 minutes) an idle
    watch sends nothing; after keepalive_seconds the source re-creates it from its
    revision and reports a bookmark at that same revision. Writes around the re-creation
    are all delivered, once."""
    require_etcd()
    with EtcdServer() as server:
        async with EtcdClient(server.url) as etcd:
            rv = await etcd.put(f"{prefix}a", b"0")
            source = source_for(server.url, prefix, keepalive_seconds=0.3)
            seen: list[WatchEvent] = []
            with trio.fail_after(15):
                async with source.watch(resource_version=str(rv), timeout_seconds=None) as events:
                    async for ev in events:
                        seen.append(ev)
                        bookmarks = [e for e in seen if e.type is EventType.BOOKMARK]
                        if len(bookmarks) == 1 and ev.type is EventType.BOOKMARK:
                            await etcd.put(f"{prefix}a", b"1")
                        if len(bookmarks) == 3:
                            break
                await source.aclose()
    changes = [(e.type, e.object) for e in seen if e.type is not EventType.BOOKMARK]
    assert changes == [(EventType.MODIFIED, b"1")]
    marks = [int(e.resource_version) for e in seen if e.type is EventType.BOOKMARK]
    assert marks[0] == rv and marks[-1] == rv + 1


async def test_a_frozen_member_is_a_timeout_not_a_hang(private_etcd: EtcdServer, prefix: str) -> None:
    """A member that accepts connections but answers nothing (SIGSTOP): list pages and
    watch openings give up after the ``timeout`` option instead of hanging."""
    source = source_for(private_etcd.url, prefix, timeout=0.5)
    with trio.fail_after(15):
        _, rv, _ = await list_all(source)
        private_etcd.freeze()
        try:
            with pytest.raises(ConnectFailed, match=r"no answer from .* within 0\.5s"):
                await source.list(resource_version=None, limit=None, continue_token=None)
            with pytest.raises(ConnectFailed, match=r"no answer from .* within 0\.5s"):
                async with source.watch(resource_version=rv, timeout_seconds=None):
                    pass
        finally:
            private_etcd.thaw()
        items, _, _ = await list_all(source)
        await source.aclose()
    assert items == {}
