"""Handlers: own task and buffer each, sync/async/blocking, late joiners, removal, errors, coalescing."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import pytest
import trio
from hypothesis import given, settings
from hypothesis import strategies as st
from informer import (
    BacklogPolicy,
    EventType,
    FunctionHandler,
    HandlerRegistration,
    Notification,
    open_informer,
)

from .fakes import RESOURCE, FakeServer, Recorder, replay, settle, until


async def test_a_slow_handler_delays_only_itself() -> None:
    server = FakeServer()
    order: list[tuple[str, str]] = []

    class Slow:
        async def on_add(self, obj: Any, initial: bool) -> None:
            await trio.sleep(0.05)
            order.append(("slow", obj["metadata"]["name"]))

    class Fast:
        def on_add(self, obj: Any, initial: bool) -> None:
            order.append(("fast", obj["metadata"]["name"]))

    async with open_informer(RESOURCE, server.source()) as inf:
        slow = inf.add_handler(Slow())
        fast = inf.add_handler(Fast())
        await inf.wait_synced(timeout=5)
        for i in range(10):
            server.put(f"ns/o{i}", n=i)
        await until(lambda: fast.delivered == 10)
        # the fast handler has everything while the slow one is still near the start
        assert [name for who, name in order if who == "fast"] == [f"o{i}" for i in range(10)]
        assert sum(1 for who, _ in order if who == "slow") < 5
        assert slow.backlog > 5
        await until(lambda: slow.delivered == 10)
        assert [name for who, name in order if who == "slow"] == [f"o{i}" for i in range(10)]
        # and in the global order, the fast handler's last event precedes the slow handler's 5th
        last_fast = max(i for i, (who, _) in enumerate(order) if who == "fast")
        fifth_slow = [i for i, (who, _) in enumerate(order) if who == "slow"][4]
        assert last_fast < fifth_slow
        assert slow.latency.count == 10 and slow.latency.max >= 0.05


async def test_handler_shapes_sync_async_blocking_and_functions() -> None:
    server = FakeServer()
    server.put("ns/a", n=1)
    calls: list[tuple[str, ...]] = []
    threads: set[int] = set()

    class AsyncOne:
        async def on_add(self, obj: Any, initial: bool) -> None:
            await trio.lowlevel.checkpoint()
            calls.append(("async-add", obj["metadata"]["name"], str(initial)))

        async def on_delete(self, obj: Any) -> None:
            calls.append(("async-delete", obj["metadata"]["name"]))

    class Blocking:
        def on_update(self, old: Any, new: Any) -> None:
            threads.add(threading.get_ident())
            time.sleep(0.01)
            calls.append(("blocking-update", old["spec"]["n"], new["spec"]["n"]))

    fn = FunctionHandler(on_update=lambda old, new: calls.append(("fn-update", new["metadata"]["name"])))
    async with open_informer(RESOURCE, server.source()) as inf:
        regs = [inf.add_handler(AsyncOne()), inf.add_handler(Blocking(), blocking=True), inf.add_handler(fn)]
        await inf.wait_synced(timeout=5)
        server.put("ns/a", n=2)
        server.delete("ns/a")
        await settle(inf, server)
        await until(lambda: all(r.backlog == 0 and not r._busy for r in regs))
    assert ("async-add", "a", "True") in calls
    assert ("async-delete", "a") in calls
    assert ("blocking-update", 1, 2) in calls
    assert ("fn-update", "a") in calls
    assert threads and threading.get_ident() not in threads


def test_handlers_are_checked_when_added() -> None:
    with pytest.raises(TypeError, match="none of on_add"):
        HandlerRegistration(object())

    class AsyncAdd:
        async def on_add(self, obj: Any, initial: bool) -> None: ...

    with pytest.raises(TypeError, match=r"blocking=True.*on_add is async"):
        HandlerRegistration(AsyncAdd(), blocking=True)


async def test_a_raising_handler_is_counted_and_keeps_receiving(caplog: pytest.LogCaptureFixture) -> None:
    server = FakeServer()
    got: list[str] = []

    class Flaky:
        name = "flaky"

        def on_add(self, obj: Any, initial: bool) -> None:
            got.append(obj["metadata"]["name"])
            if obj["spec"].get("explode"):
                raise RuntimeError("kaboom")

    caplog.set_level(logging.ERROR, logger="informer")
    async with open_informer(RESOURCE, server.source()) as inf:
        reg = inf.add_handler(Flaky())
        await inf.wait_synced(timeout=5)
        server.put("ns/a", explode=True)
        server.put("ns/b", n=1)
        await until(lambda: reg.delivered == 2)
        assert got == ["a", "b"]
        assert reg.errors == 1 and inf.stats.handler_errors == 1
        assert reg.last_error == "RuntimeError: kaboom"
    assert "handler 'flaky' raised on ADDED ns/a" in caplog.text


async def test_late_handler_gets_current_contents_then_changes() -> None:
    server = FakeServer()
    for i in range(3):
        server.put(f"ns/o{i}", n=i)
    async with open_informer(RESOURCE, server.source()) as inf:
        await inf.wait_synced(timeout=5)
        rec = Recorder()
        reg = inf.add_handler(rec)
        assert reg.backlog == 3 and not reg.synced
        server.put("ns/o0", n=10)
        with trio.fail_after(5):
            await reg.wait_synced()
        assert reg.synced and len(rec.seen) >= 3
        await settle(inf, server, rec)
        assert [(t, k, n.initial) for t, k, n in rec.seen] == [
            ("ADDED", "ns/o0", True),
            ("ADDED", "ns/o1", True),
            ("ADDED", "ns/o2", True),
            ("MODIFIED", "ns/o0", False),
        ]


async def test_removed_handler_receives_nothing_more() -> None:
    server = FakeServer()
    async with open_informer(RESOURCE, server.source()) as inf:
        rec = Recorder()
        reg = inf.add_handler(rec)
        await inf.wait_synced(timeout=5)
        server.put("ns/a", n=1)
        await settle(inf, server, rec)
        inf.remove_handler(reg)
        assert not reg.active and reg not in inf.handlers
        server.put("ns/b", n=1)
        await settle(inf, server)
        await trio.sleep(0.02)
        assert [k for _, k, _ in rec.seen] == ["ns/a"]


async def test_coalescing_bounds_the_backlog_by_keys() -> None:
    server = FakeServer()
    gate = trio.Event()
    rec = Recorder()

    class Gated:
        async def on_notification(self, n: Notification) -> None:
            await gate.wait()
            rec.on_notification(n)

    async with open_informer(RESOURCE, server.source()) as inf:
        reg = inf.add_handler(Gated(), policy=BacklogPolicy.COALESCE)
        await inf.wait_synced(timeout=5)
        for round_ in range(50):
            for i in range(4):
                server.put(f"ns/o{i}", n=round_)
        server.delete("ns/o3")
        await settle(inf, server, handlers=False)  # the store is current; the handler is gated
        assert reg.backlog <= 4
        gate.set()
        await settle(inf, server, reg)
        assert rec.violations == []
        assert replay(rec.seen) == server.objects
        assert len(rec.seen) <= 4


# -- the coalescing merge, property-tested without trio ----------------------------------


@st.composite
def consistent_histories(draw: Any) -> list[Notification]:
    """Random add/update/delete sequences that are consistent per key (as the store emits)."""
    keys = ["a", "b", "c"]
    alive: dict[str, int] = {}
    out: list[Notification] = []
    for step in range(draw(st.integers(0, 40))):
        key = draw(st.sampled_from(keys))
        if key in alive:
            if draw(st.booleans()):
                out.append(Notification(EventType.MODIFIED, key, step, alive[key]))
                alive[key] = step
            else:
                out.append(Notification(EventType.DELETED, key, alive.pop(key)))
        else:
            out.append(Notification(EventType.ADDED, key, step))
            alive[key] = step
    return out


@settings(max_examples=200, deadline=None)
@given(history=consistent_histories(), pops=st.lists(st.integers(0, 3), max_size=40))
def test_coalesced_delivery_keeps_the_contract(history: list[Notification], pops: list[int]) -> None:
    """Interleave pushes and pops at random: what the handler sees stays consistent and ends right."""
    reg = HandlerRegistration(Recorder(), policy=BacklogPolicy.COALESCE)
    rec = Recorder()
    truth: dict[str, Any] = {}
    pops_iter = iter(pops)
    for n in history:
        reg.push(n)
        truth.pop(n.key, None) if n.type is EventType.DELETED else truth.__setitem__(n.key, n.object)
        for _ in range(next(pops_iter, 0)):
            got = reg._pop()
            if got is not None:
                rec.on_notification(got)
        assert reg.backlog <= 2 * 3
    while (got := reg._pop()) is not None:
        rec.on_notification(got)
    assert rec.violations == []
    assert rec.state == truth
    for t, _, n in rec.seen:
        if t == "MODIFIED":
            assert n.old is not None
