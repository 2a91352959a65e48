"""Informer over the in-memory fake source: list, watch, relist diffs, faults, sync errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest
import trio
from informer import (
    Backoff,
    EventType,
    Forbidden,
    InformerError,
    ResourceType,
    ServerError,
    SyncTimeout,
    TooManyRequests,
    WatchEvent,
    open_informer,
)

from .fakes import RESOURCE, FakeServer, Recorder, _Stop, contents, replay, settle, until

FAST = {"backoff": Backoff(initial=0.01, maximum=0.05)}


def populated(n: int = 7) -> FakeServer:
    server = FakeServer()
    for i in range(n):
        server.put(f"ns{i % 2}/w{i}", n=i)
    return server


async def test_initial_paged_list_then_watch() -> None:
    server = populated(7)
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), page_size=3, **FAST) as inf:
        inf.add_handler(rec)
        await inf.wait_synced(timeout=5)
        assert inf.stats.list_pages == 3 and inf.stats.list_objects == 7
        assert [c["limit"] for c in server.list_calls] == [3, 3, 3]
        assert server.list_calls[0]["resource_version"] == "0"
        assert inf.store.index_values("namespace") == ["ns0", "ns1"]
        server.put("ns0/w0", n=100)
        server.delete("ns1/w1")
        server.put("ns2/new", n=1)
        await settle(inf, server, rec)
        assert rec.violations == []
        assert replay(rec.seen) == server.objects
        assert [t for t, _, n in rec.seen if n.initial] == ["ADDED"] * 7
        kinds = [(t, k) for t, k, n in rec.seen if not n.initial]
        assert kinds == [("MODIFIED", "ns0/w0"), ("DELETED", "ns1/w1"), ("ADDED", "ns2/new")]
        modified = rec.seen[7][2]
        assert modified.old["spec"] == {"n": 0} and modified.object["spec"] == {"n": 100}
        assert inf.resource_version == str(server.rv)


async def test_bookmarks_advance_the_resume_point() -> None:
    server = populated(2)
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        await inf.wait_synced(timeout=5)
        await until(lambda: bool(server.watchers))
        server.rv += 5  # writes to other resources move the collection version
        server.bookmark()
        await until(lambda: inf.resource_version == str(server.rv))
        assert inf.stats.events_by_type["BOOKMARK"] == 1
        server.drop_watches()
        await until(lambda: len(server.watch_calls) >= 2)
        assert server.watch_calls[-1]["resource_version"] == str(server.rv)
        assert len(server.list_calls) == 1  # a dropped stream is re-watched, not relisted


async def test_expired_watch_relists_with_a_diff() -> None:
    server = populated(5)
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        inf.add_handler(rec)
        await settle(inf, server, rec)
        before = len(rec.seen)
        # changes the watch never delivers (the history is lost), then a compaction
        for ch in list(server.watchers):
            server.watchers.discard(ch)
            ch.close()
        server.put("ns0/w0", n=42)  # changed
        server.delete("ns1/w1")  # vanished while disconnected
        server.put("ns9/fresh", n=1)  # new
        server.expire_watches()
        await settle(inf, server, rec)
        after = [(t, k, n.final_state_unknown) for t, k, n in rec.seen[before:]]
        assert sorted(after) == [
            ("ADDED", "ns9/fresh", False),
            ("DELETED", "ns1/w1", True),
            ("MODIFIED", "ns0/w0", False),
        ]  # nothing for the three unchanged objects
        deleted = next(n for t, _, n in rec.seen[before:] if t == "DELETED")
        assert deleted.object["metadata"]["name"] == "w1"  # the last state known
        assert inf.stats.relists == 1 and rec.violations == []
        assert replay(rec.seen) == server.objects


async def test_expired_list_relists_with_a_consistent_read() -> None:
    from informer import Expired

    server = populated(3)
    server.fail_next = [Expired("too old", status=410)]
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        await inf.wait_synced(timeout=5)
    assert [c["resource_version"] for c in server.list_calls] == ["0", None]


async def test_expired_continue_token_falls_back_to_one_unpaged_list() -> None:
    server = populated(7)
    server.expire_continue = True
    async with open_informer(RESOURCE, server.source(), page_size=3, **FAST) as inf:
        await inf.wait_synced(timeout=5)
        assert contents(inf) == server.objects
    assert [c["limit"] for c in server.list_calls] == [3, 3, None]
    assert server.list_calls[2]["continue"] is None


async def test_errors_back_off_and_retry(caplog: pytest.LogCaptureFixture) -> None:
    server = populated(2)
    server.fail_next = [
        ServerError("boom", status=500),
        TooManyRequests("slow down", status=429, retry_after=0.05),
    ]
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        await inf.wait_synced(timeout=5)
        assert inf.last_error is not None and "429 TooManyRequests: slow down" in inf.last_error
        assert len(server.list_calls) == 3


async def test_sync_timeout_says_why() -> None:
    server = populated(1)
    server.fail_next = [Forbidden('widgets is forbidden: User "x" cannot list', status=403)] * 1000
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        why = r"not synced after 0.3s: last error: 403 Forbidden: widgets is forb"
        with pytest.raises(SyncTimeout, match=why):
            await inf.wait_synced(timeout=0.3)
        try:
            await inf.wait_synced(timeout=0.01)
        except SyncTimeout as exc:
            assert isinstance(exc.last_error, Forbidden)
            assert "fake://memory" in str(exc)


async def test_sync_timeout_before_any_answer() -> None:
    class Silent:
        description = "silent://"

        async def list(self, **kw: Any) -> Any:
            await trio.sleep_forever()

        def watch(self, **kw: Any) -> Any:
            raise AssertionError

        async def aclose(self) -> None:
            pass

    async with open_informer(RESOURCE, Silent()) as inf:
        with pytest.raises(SyncTimeout, match="no answer from the source yet"):
            await inf.wait_synced(timeout=0.05)


async def test_bad_lines_and_objects_are_skipped_and_counted(caplog: pytest.LogCaptureFixture) -> None:
    def decode(obj: Any) -> Any:
        if obj["spec"].get("poison"):
            raise ValueError("poisoned object")
        return obj

    def key(obj: Any) -> str:
        if obj["spec"].get("nokey"):
            raise KeyError("no name")
        return f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"

    resource = ResourceType(name=RESOURCE.name, decoder=decode, key=key)
    server = populated(2)
    rec = Recorder()
    caplog.set_level(logging.WARNING, logger="informer")
    async with open_informer(resource, server.source(), **FAST) as inf:
        inf.add_handler(rec)
        await settle(inf, server, rec)
        server.garbage()
        server.put("ns0/bad", poison=True)
        server.put("ns0/keyless", nokey=True)
        server.put("ns0/good", n=1)
        await until(lambda: "ns0/good" in inf.store)
        assert inf.stats.decode_errors == 2  # the garbage line and the poisoned object
        assert inf.stats.key_errors == 1
        assert "ns0/bad" not in inf.store and "ns0/keyless" not in inf.store
        assert inf.stats.events_by_type["ERROR"] == 1
    text = caplog.text
    assert RESOURCE.name in text and "garbage" in text
    assert "poisoned object" in text
    assert "no key" in text


async def test_a_deletion_whose_last_value_cannot_be_decoded_still_deletes() -> None:
    """etcd-style sources name the key of a DELETED event themselves; a poisoned last value
    must not leave a stale entry in the cache until the next relist."""

    def decode(obj: Any) -> Any:
        if obj["spec"].get("poison"):
            raise ValueError("poisoned object")
        return obj

    resource = ResourceType(name=RESOURCE.name, decoder=decode)
    server = populated(2)
    rec = Recorder()
    async with open_informer(resource, server.source(), **FAST) as inf:
        inf.add_handler(rec)
        await settle(inf, server, rec)
        victim = sorted(server.objects)[0]
        last = inf.store.get(victim)
        server.rv += 1
        poisoned = {**server.objects.pop(victim), "spec": {"poison": True}}
        server._emit(WatchEvent(EventType.DELETED, poisoned, str(server.rv), victim))
        await until(lambda: victim not in inf.store)
        assert inf.stats.decode_errors == 1
        await until(lambda: any(t == "DELETED" and k == victim for t, k, _ in rec.seen))
        assert [n.object for t, k, n in rec.seen if t == "DELETED" and k == victim] == [last]
        assert not rec.violations
        assert contents(inf) == server.objects


async def test_idle_timeout_reconnects_a_silent_stream() -> None:
    server = populated(1)
    async with open_informer(RESOURCE, server.source(), idle_timeout=0.1, **FAST) as inf:
        await inf.wait_synced(timeout=5)
        await until(lambda: inf.stats.idle_timeouts >= 2)
        assert len(server.watch_calls) >= 3
        assert "silent" in (inf.last_error or "")
        server.put("ns0/late", n=1)
        await settle(inf, server)


async def test_transform_and_resync() -> None:
    def strip(obj: Any) -> Any:
        return {**obj, "spec": {k: v for k, v in obj["spec"].items() if k != "secret"}}

    server = FakeServer()
    server.put("ns/a", n=1, secret="x")
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), transform=strip, resync_seconds=0.05, **FAST) as inf:
        inf.add_handler(rec)
        await inf.wait_synced(timeout=5)
        assert inf.store.get("ns/a")["spec"] == {"n": 1}
        await until(lambda: inf.stats.resyncs >= 2)
        await trio.sleep(0.01)
        resync = [n for t, _, n in rec.seen if t == "MODIFIED"]
        assert resync and all(n.old is n.object for n in resync)
        assert rec.violations == []


async def test_streaming_list_mode() -> None:
    server = populated(4)
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), watch_list=True, **FAST) as inf:
        inf.add_handler(rec)
        await inf.wait_synced(timeout=5)
        server.put("ns0/w0", n=9)
        await settle(inf, server, rec)
        server.expire_continue = False
        for ch in list(server.watchers):  # the stream breaks (an error, not a clean end)
            ch.send_nowait(_Stop(ServerError("connection reset", status=None)))
        server.watchers.clear()
        server.put("ns0/w1", n=10)
        await until(lambda: len(server.watch_calls) == 2)
        await settle(inf, server, rec)
    assert server.list_calls == []
    # the initial events came once; after the break it is a plain watch from the last version
    assert [c["send_initial_events"] for c in server.watch_calls] == [True, False]
    assert [t for t, _, n in rec.seen if n.initial] == ["ADDED"] * 4
    assert replay(rec.seen) == server.objects


async def test_streaming_list_without_end_bookmark_falls_back_to_list() -> None:
    server = populated(3)
    server.never_end_initial = True
    source = server.source()
    async with open_informer(RESOURCE, source, watch_list=True, watch_list_timeout=0.1, **FAST) as inf:
        await inf.wait_synced(timeout=5)
        await settle(inf, server)
    assert len(server.list_calls) == 1
    assert server.watch_calls[0]["send_initial_events"] is True
    assert server.watch_calls[-1]["send_initial_events"] is False


async def test_streaming_list_unsupported_falls_back_at_once() -> None:
    server = populated(3)
    server.support_watch_list = False
    async with open_informer(RESOURCE, server.source(), watch_list=True, **FAST) as inf:
        await inf.wait_synced(timeout=5)
    assert len(server.list_calls) == 1


async def test_stopping_closes_the_source_and_wait_synced_fails() -> None:
    server = populated(1)
    server.fail_next = [ServerError("down", status=503)] * 1000
    source = server.source()
    async with open_informer(RESOURCE, source, **FAST) as inf:
        async with trio.open_nursery() as nursery:

            async def waiter() -> None:
                with pytest.raises(InformerError, match="stopped before it synced"):
                    await inf.wait_synced()

            nursery.start_soon(waiter)
            await trio.sleep(0.05)
            await inf.aclose()
        assert not inf.running
        with pytest.raises(InformerError, match="not running"):
            inf.add_handler(Recorder())
    assert source.closed


async def test_deleted_without_object_uses_the_cached_one() -> None:
    from informer import WatchEvent

    server = populated(1)
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        inf.add_handler(rec)
        await settle(inf, server, rec)
        key = "ns0/w0"
        cached = inf.store.get(key)
        del server.objects[key]
        server.rv += 1
        server._emit(WatchEvent(EventType.DELETED, None, str(server.rv), key))
        await settle(inf, server, rec)
        assert rec.seen[-1][2].object is cached


async def test_gc_freeze_moves_the_synced_cache_out_of_the_collectors_sight() -> None:
    import gc

    server = populated(5)
    try:
        gc.unfreeze()
        async with open_informer(RESOURCE, server.source(), gc_freeze=True, **FAST) as inf:
            await inf.wait_synced(timeout=5)
            frozen = gc.get_freeze_count()
            assert frozen > 0
            cached = inf.store.get("ns0/w0")
            assert not any(o is cached for o in gc.get_objects())  # the collector no longer walks it
    finally:
        gc.unfreeze()


async def test_streaming_list_cut_short_is_retried_as_a_streaming_list() -> None:
    server = populated(3)
    server.never_end_initial = True
    source = server.source()
    async with open_informer(RESOURCE, source, watch_list=True, **FAST) as inf:
        await until(lambda: len(server.watch_calls) == 1 and bool(server.watchers))
        server.never_end_initial = False
        server.drop_watches()  # the connection breaks before the end bookmark
        await inf.wait_synced(timeout=5)
        await settle(inf, server)
    assert server.list_calls == []
    assert [c["send_initial_events"] for c in server.watch_calls[:2]] == [True, True]


async def test_compact_informer_behaves_like_the_plain_one() -> None:
    server = populated(6)
    rec = Recorder()
    async with open_informer(RESOURCE, server.source(), compact=True, **FAST) as inf:
        inf.add_handler(rec)
        await settle(inf, server, rec)
        assert inf.store._items["ns0/w0"].__class__ is bytes
        server.put("ns0/w0", n=99)
        server.delete("ns1/w1")
        await settle(inf, server, rec)
        modified = next(n for t, _, n in rec.seen if t == "MODIFIED")
        assert modified.old["spec"] == {"n": 0} and modified.object["spec"] == {"n": 99}
        deleted = next(n for t, _, n in rec.seen if t == "DELETED")
        assert deleted.object["metadata"]["name"] == "w1"
        late = Recorder("late")
        inf.add_handler(late)
        await settle(inf, server, late)
        assert replay(late.seen) == server.objects == replay(rec.seen)


async def test_skipped_watch_events_are_repaired_by_a_relist_when_the_watch_ends() -> None:
    server = populated(2)
    async with open_informer(RESOURCE, server.source(), **FAST) as inf:
        await inf.wait_synced(timeout=5)
        await until(lambda: bool(server.watchers))
        server.garbage()  # stands for a change we could not read
        server.drop_watches()
        await until(lambda: len(server.list_calls) == 2)
        assert server.list_calls[1]["resource_version"] == inf.resource_version
        await settle(inf, server)
        assert inf.stats.repair_relists == 1 and inf.stats.relists == 1
        # a clean watch end without losses is a plain re-watch
        server.drop_watches()
        await until(lambda: len(server.watch_calls) == 3)
        assert len(server.list_calls) == 2


async def test_stats_are_json_ready() -> None:
    import json

    server = populated(3)
    async with open_informer(RESOURCE, server.source(), page_size=2, **FAST) as inf:
        await inf.wait_synced(timeout=5)
        data = json.loads(json.dumps(inf.stats.as_dict()))
    assert data["lists_completed"] == 1 and data["list_pages"] == 2 and data["list_objects"] == 3
    assert data["list_latency"]["count"] == 1 and data["last_resource_version"] == str(server.rv)
