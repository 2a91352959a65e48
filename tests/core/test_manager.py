"""InformerManager: shared informers by spec, stop one without touching others, reconfigure, drain."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from informer import InformerError, InformerSpec, Scope, SourceSpec, open_manager

from .fakes import RESOURCE, FakeServer, Recorder, settle, until


def factory_for(server: FakeServer, made: list[SourceSpec] | None = None) -> Any:
    def factory(spec: SourceSpec) -> Any:
        if made is not None:
            made.append(spec)
        return server.source()

    return factory


async def test_one_informer_per_spec_shared_by_handlers() -> None:
    server = FakeServer()
    server.put("ns/a", n=1)
    made: list[SourceSpec] = []
    factory = factory_for(server, made)
    async with open_manager() as mgr:

        def spec(**kw: Any) -> InformerSpec:
            return InformerSpec(name="widgets", resource=RESOURCE, source_factory=factory, **kw)

        inf1 = await mgr.start(spec(source_options={"x": 1}))
        inf2 = await mgr.start(spec(source_options={"x": 1}))
        assert inf1 is inf2 and len(made) == 1
        assert made[0].options == {"x": 1} and made[0].resource is RESOURCE
        a, b = Recorder("a"), Recorder("b")
        mgr.add_handler("widgets", a)
        inf1.add_handler(b)
        await mgr.wait_synced(timeout=5)
        await settle(inf1, server)
        assert [k for _, k, _ in a.seen] == [k for _, k, _ in b.seen] == ["ns/a"]
        with pytest.raises(InformerError, match="different spec"):
            await mgr.start(spec(page_size=7))
        assert mgr.informers == {"widgets": inf1} and "widgets" in mgr and mgr["widgets"] is inf1


async def test_stop_cancels_only_that_informer() -> None:
    s1, s2 = FakeServer(), FakeServer()
    async with open_manager() as mgr:
        one = await mgr.start(InformerSpec(name="one", resource=RESOURCE, source_factory=factory_for(s1)))
        two = await mgr.start(InformerSpec(name="two", resource=RESOURCE, source_factory=factory_for(s2)))
        await mgr.wait_synced(timeout=5)
        await mgr.stop("one")
        assert not one.running and two.running
        assert "one" not in mgr.informers
        s2.put("ns/b", n=1)
        await settle(two, s2)
        with pytest.raises(KeyError):
            await mgr.stop("one")
        # a stopped name can be started again
        again = await mgr.start(InformerSpec(name="one", resource=RESOURCE, source_factory=factory_for(s1)))
        assert again is not one and again.running
    assert not two.running and not again.running


async def test_reconfigure_starts_stops_and_replaces_carrying_handlers() -> None:
    server = FakeServer()
    server.put("a/x", n=1)
    server.put("b/y", n=1)
    factory = factory_for(server)
    keep = InformerSpec(name="keep", resource=RESOURCE, source_factory=factory)
    change = InformerSpec(name="change", resource=RESOURCE, source_factory=factory)
    gone = InformerSpec(name="gone", resource=RESOURCE, source_factory=factory)
    async with open_manager() as mgr:
        for spec in (keep, change, gone):
            await mgr.start(spec)
        rec = Recorder()
        old = mgr.informers["change"]
        old.add_handler(rec)
        await mgr.wait_synced(timeout=5)
        kept = mgr.informers["keep"]
        changed = InformerSpec(
            name="change", resource=RESOURCE, source_factory=factory, scope=Scope(namespace="a")
        )
        new = InformerSpec(name="new", resource=RESOURCE, source_factory=factory)
        result = await mgr.reconfigure([keep, changed, new])
        assert result.unchanged == ("keep",) and result.stopped == ("gone",)
        assert result.replaced == ("change",) and result.started == ("new",)
        assert mgr.informers["keep"] is kept
        assert mgr.informers["change"] is not old and not old.running
        assert mgr.specs["change"].scope.namespace == "a"
        replacement = mgr.informers["change"]
        assert [r.name for r in replacement.handlers] == ["recorder"]
        await replacement.wait_synced(timeout=5)
        await until(lambda: sum(1 for t, _, n in rec.seen if n.initial) == 4)


async def test_stop_with_drain_lets_handlers_finish() -> None:
    server = FakeServer()
    done: list[str] = []

    class Slow:
        async def on_add(self, obj: Any, initial: bool) -> None:
            await trio.sleep(0.01)
            done.append(obj["metadata"]["name"])

    async with open_manager() as mgr:
        inf = await mgr.start(InformerSpec(name="w", resource=RESOURCE, source_factory=factory_for(server)))
        reg = inf.add_handler(Slow())
        await inf.wait_synced(timeout=5)
        for i in range(10):
            server.put(f"ns/o{i}", n=i)
        await until(lambda: len(inf.store) == 10)
        assert reg.backlog > 0
        await mgr.stop("w", drain_timeout=5)
        assert len(done) == 10
        # without a drain, the backlog is dropped
        inf2 = await mgr.start(InformerSpec(name="w", resource=RESOURCE, source_factory=factory_for(server)))
        done.clear()
        inf2.add_handler(Slow())
        await inf2.wait_synced(timeout=5)
        await mgr.stop("w")
        assert len(done) < 10


async def test_leaving_open_manager_drains_when_asked() -> None:
    server = FakeServer()
    done: list[str] = []

    class Slow:
        async def on_add(self, obj: Any, initial: bool) -> None:
            await trio.sleep(0.005)
            done.append(obj["metadata"]["name"])

    async with open_manager(drain_timeout=5) as mgr:
        inf = await mgr.start(InformerSpec(name="w", resource=RESOURCE, source_factory=factory_for(server)))
        inf.add_handler(Slow())
        await inf.wait_synced(timeout=5)
        for i in range(20):
            server.put(f"ns/o{i}", n=i)
        await until(lambda: len(inf.store) == 20)
    assert len(done) == 20
    assert not inf.running and mgr.informers == {}
