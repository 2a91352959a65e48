"""Random programs of writes and faults against one informer: the cache always converges.

Hypothesis draws a program — creates, updates, deletes, interleaved with faults (a forced
Expired/compaction, dropped watches, garbage lines, failing requests, expiring continue
tokens, bookmarks) and with handlers joining late — and runs it against the in-memory
fake server. At every ``settle`` step and at the end:

* the store equals the server's state;
* every handler's history, replayed from empty, reproduces the store;
* no handler ever saw an update or a delete for a key it had not been told was added
  (nor an add for a key it already had) — with both backlog policies;
* the namespace index lists exactly the namespaces that have objects —
  with the store keeping objects as they are, in compact form, and as raw bytes (``raw=True``).
"""

from __future__ import annotations

from typing import Any

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from informer import BacklogPolicy, Backoff, ServerError, open_informer

from .fakes import RESOURCE, FakeServer, Recorder, contents, replay, settle

KEYS = [f"ns{i % 2}/o{i}" for i in range(6)]

FAULTS = ["expire", "drop", "drop", "garbage", "fail", "bookmark", "expire_continue", "settle"]

ops = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(KEYS), st.integers(0, 3)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS)),
    st.tuples(st.just("delete"), st.sampled_from(KEYS)),
    st.tuples(st.sampled_from(FAULTS)),
    st.tuples(st.sampled_from(FAULTS)),
    st.tuples(st.just("join"), st.sampled_from(list(BacklogPolicy))),
    st.tuples(st.just("pause"), st.sampled_from([0.0, 0.001, 0.005])),
)


def check(inf: Any, server: FakeServer, recorders: list[Recorder]) -> None:
    assert contents(inf) == server.objects
    namespaces = {key.partition("/")[0] for key in server.objects}
    assert inf.store.index_values("namespace") == sorted(namespaces)
    for rec in recorders:
        assert rec.violations == [], rec.name
        assert replay(rec.seen) == contents(inf), rec.name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=st.lists(ops, max_size=25), mode=st.sampled_from(["dicts", "compact", "raw"]))
async def test_random_writes_and_faults_converge(program: list[tuple[Any, ...]], mode: str) -> None:
    server = FakeServer()
    for key in KEYS[:3]:
        server.put(key, v=0)
    source = server.source()
    recorders = [Recorder("unbounded"), Recorder("coalesce")]
    async with open_informer(
        RESOURCE, source, page_size=2, backoff=Backoff(initial=0.001, maximum=0.01),
        compact=mode == "compact",
        raw=mode == "raw",
    ) as inf:
        inf.add_handler(recorders[0])
        inf.add_handler(recorders[1], policy=BacklogPolicy.COALESCE)
        await inf.wait_synced(timeout=5)
        for op in program:
            name = op[0]
            if name == "put":
                server.put(op[1], v=op[2])
            elif name == "delete":
                if op[1] in server.objects:
                    server.delete(op[1])
            elif name == "expire":
                server.expire_watches()
            elif name == "drop":
                server.drop_watches()
            elif name == "garbage":
                server.garbage()
            elif name == "fail":
                server.fail_next.append(ServerError("injected", status=500))
            elif name == "bookmark":
                server.bookmark()
            elif name == "expire_continue":
                server.expire_continue = True
            elif name == "join":
                rec = Recorder(f"late-{len(recorders)}")
                recorders.append(rec)
                inf.add_handler(rec, policy=op[1])
            elif name == "pause":
                await trio.sleep(op[1])  # let the informer run between writes and faults
            elif name == "settle":
                await settle(inf, server)
                check(inf, server, recorders)
        await settle(inf, server)
        check(inf, server, recorders)
