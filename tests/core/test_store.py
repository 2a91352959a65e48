"""Store: key -> object with incremental named indices."""

from __future__ import annotations

from typing import Any

import pytest
from informer import Store, namespace_indexer

from .fakes import make


def by_color(obj: Any) -> list[str]:
    return list(obj["spec"].get("colors", []))


def test_put_get_remove_and_resource_versions() -> None:
    store = Store()
    a = make("a", rv=1)
    assert store.put("default/a", a, "1") is None
    assert store.get("default/a") is a
    assert "default/a" in store and len(store) == 1
    assert store.resource_version("default/a") == "1"
    a2 = make("a", rv=2)
    assert store.put("default/a", a2, "2") is a
    assert store.resource_version("default/a") == "2"
    assert store.remove("default/a") is a2
    assert store.remove("default/a") is None
    assert len(store) == 0 and store.resource_version("default/a") is None
    assert bool(store)  # an empty store is still truthy


def test_indices_follow_updates_and_drop_empty_values() -> None:
    store = Store({"namespace": namespace_indexer, "color": by_color})
    store.put("ns1/a", make("a", "ns1", colors=["red", "blue"]), "1")
    store.put("ns2/b", make("b", "ns2", colors=["red"]), "2")
    assert store.index_values("namespace") == ["ns1", "ns2"]
    assert store.index_keys("color", "red") == ["ns1/a", "ns2/b"]
    # an update moves the key between values
    store.put("ns1/a", make("a", "ns1", colors=["green"]), "3")
    assert store.index_keys("color", "red") == ["ns2/b"]
    assert store.index_values("color") == ["green", "red"]  # "blue" emptied and dropped
    assert [o["metadata"]["name"] for o in store.by_index("color", "green")] == ["a"]
    store.remove("ns2/b")
    assert store.index_values("color") == ["green"]
    assert store.index_values("namespace") == ["ns1"]
    assert store.by_index("color", "red") == []


def test_add_indexer_indexes_existing_objects() -> None:
    store = Store()
    store.put("ns/a", make("a", "ns", colors=["red"]), "1")
    store.put("ns/b", make("b", "ns", colors=["red", "blue"]), "2")
    store.add_indexer("color", by_color)
    assert store.index_keys("color", "red") == ["ns/a", "ns/b"]
    assert store.index_keys("color", "blue") == ["ns/b"]


def test_unknown_index_names_the_known_ones() -> None:
    store = Store({"namespace": namespace_indexer})
    with pytest.raises(KeyError, match=r"no index named 'colour'.*namespace"):
        store.by_index("colour", "x")


def test_a_string_value_is_one_value_and_a_failing_indexer_keeps_the_object() -> None:
    seen: list[tuple[str, str]] = []

    def owner(obj: Any) -> str:
        return obj["spec"]["owner"]  # KeyError for objects without an owner

    store = Store({"owner": owner})  # type: ignore[dict-item]
    store.on_index_error = lambda name, key, exc: seen.append((name, key))
    store.put("ns/a", make("a", "ns", owner="team-x"), "1")
    store.put("ns/b", make("b", "ns"), "2")
    assert store.index_values("owner") == ["team-x"]
    assert "ns/b" in store
    assert store.index_errors == 1 and seen == [("owner", "ns/b")]


def test_reads_return_copies() -> None:
    store = Store()
    store.put("a", make("a"), "1")
    keys = store.keys()
    keys.append("zzz")
    assert store.keys() == ["a"]
    assert store.items() == [("a", store.get("a"))]
    assert store.list() == [store.get("a")]


def test_compact_store_expands_on_read_and_keeps_indices_right() -> None:
    import orjson

    indexers = {"namespace": namespace_indexer, "color": by_color}
    store = Store(indexers, compact=orjson.dumps, expand=orjson.loads)  # type: ignore[arg-type]
    assert store.compacting
    a = make("a", "ns1", colors=["red"])
    store.put("ns1/a", a, "1")
    assert store._items["ns1/a"].__class__ is bytes
    assert store.get("ns1/a") == a and store.get("ns1/a") is not a  # a fresh object per read
    old = store.put("ns1/a", make("a", "ns1", colors=["blue"]), "2")
    assert store.expand(old) == a
    assert store.index_values("color") == ["blue"]
    assert store.by_index("namespace", "ns1") == [store.get("ns1/a")]
    store.add_indexer("name", lambda o: (o["metadata"]["name"],))
    assert store.index_keys("name", "a") == ["ns1/a"]
    assert store.expand(store.remove("ns1/a"))["spec"] == {"colors": ["blue"]}
    assert store.index_values("color") == [] and store.index_values("name") == []
    assert store.items() == [] and store.list() == []


def test_compact_and_expand_go_together() -> None:
    import orjson

    with pytest.raises(ValueError, match="go together"):
        Store(compact=orjson.dumps)
