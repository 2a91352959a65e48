"""Property: any version still in the history window lists exactly as the server was then.

This is what makes paged lists consistent (continue tokens pin a version) and Exact lists
correct: the snapshot is rebuilt by undoing later events.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from informer.server import Faults, ServerResource, StatusError
from informer.server._state import World

KEYS = [f"ns{i % 2}/o{i}" for i in range(6)]
ops = st.lists(
    st.tuples(st.sampled_from(["put", "delete", "other"]), st.sampled_from(KEYS), st.integers(0, 9)),
    max_size=40,
)


def obj(key: str, value: int, labels: dict[str, str] | None = None) -> dict[str, Any]:
    ns, _, name = key.partition("/")
    return {"metadata": {"name": name, "namespace": ns, "labels": labels or {}}, "spec": {"v": value}}


@settings(max_examples=150, deadline=None)
@given(program=ops, window=st.one_of(st.none(), st.integers(0, 8)))
def test_snapshots_match_the_past(program: list[tuple[str, str, int]], window: int | None) -> None:
    world = World([ServerResource.parse("things.example.com"), ServerResource.parse("configmaps")], Faults())
    things = world.collection("things.example.com")
    past: dict[int, dict[str, Any]] = {world.rv: {}}
    for op, key, value in program:
        ns, _, name = key.partition("/")
        if op == "put":
            if key in things.objects:
                things.update(obj(key, value))
            else:
                things.create(obj(key, value))
        elif op == "delete" and key in things.objects:
            things.delete(name, ns)
        else:  # another resource moves the shared version on
            world.collection("configmaps").create({"metadata": {"name": f"cm{world.rv}"}})
        past[world.rv] = {k: orjson.loads(things.full(s)) for k, s in things.objects.items()}
    world.faults.history = window
    things.trim()
    for rv, expected in past.items():
        try:
            keys, objects = things.snapshot(rv)
        except StatusError as exc:
            assert exc.code == 410 and rv < things.compacted_rv
            continue
        assert keys == sorted(expected)
        assert {k: orjson.loads(things.full(s)) for k, s in objects.items()} == expected
