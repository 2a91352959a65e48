"""Raw mode: ``RawObject`` views, ``field_indexer``, and an informer with ``raw=True``."""

from __future__ import annotations

from typing import Any

import attrs
import orjson
import pytest
import trio
from informer import (
    ConfigError,
    RawObject,
    ResourceType,
    SourceSpec,
    field_indexer,
    open_informer,
    raw_default,
    typed_decoder,
)
from informer.server import ServerResource, open_embedded_server
from informer_http.source import HttpSource

from .fakes import Recorder, contents, replay, until

POD = {
    "kind": "Pod",
    "apiVersion": "v1",
    "metadata": {"name": "web-1", "namespace": "prod", "resourceVersion": "7", "labels": {"app": "web"}},
    "spec": {"nodeName": "node-3", "containers": [{"name": "web"}]},
}


def test_a_raw_object_reads_like_the_dict_it_holds() -> None:
    obj = RawObject.from_bytes(orjson.dumps(POD))
    assert (obj.name, obj.namespace, obj.resource_version) == ("web-1", "prod", "7")
    assert obj["spec"]["nodeName"] == "node-3" and obj.get("status") is None
    assert list(obj) == ["kind", "apiVersion", "metadata", "spec"] and len(obj) == 4 and "spec" in obj
    assert obj == POD and obj == POD and obj.to_dict() == POD and dict(obj) == POD
    assert obj != {**POD, "spec": {}}
    with pytest.raises(TypeError):
        hash(obj)
    # orjson writes it with raw_default, bytes spliced in unchanged
    assert orjson.loads(orjson.dumps({"o": obj}, default=raw_default)) == {"o": POD}
    # a slice of a bigger buffer is copied: the view keeps only the object's bytes
    line = b'{"type":"ADDED","object":' + orjson.dumps(POD) + b"}"
    sliced = RawObject.from_bytes(memoryview(line)[25:-1])
    assert sliced.data.__class__ is bytes and sliced == POD


@pytest.mark.parametrize("data", [b"[1, 2]", b'"text"', b"{not json", b""])
def test_only_json_objects_make_raw_objects(data: bytes) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        RawObject.from_bytes(data)


def test_lookup_decodes_a_path_and_tolerates_missing_steps() -> None:
    obj = RawObject.from_bytes(orjson.dumps(POD))
    assert obj.lookup(("spec", "nodeName")) == "node-3"
    assert obj.lookup(("metadata", "labels", "app")) == "web"
    assert obj.lookup(("metadata", "labels", "tier")) is None
    assert obj.lookup(("spec", "containers", "name")) is None  # a list on the way
    assert obj.lookup(("nothing", "here")) is None
    odd = RawObject.from_bytes(orjson.dumps({"metadata": {"name": 5}}))
    assert odd.name is None  # not a string: no name (the key function then refuses it)


@attrs.frozen
class Spec:
    node_name: str | None = None


@attrs.frozen
class Thing:
    spec: Spec


def test_field_indexer_serves_dicts_raw_objects_and_typed_objects() -> None:
    by_node = field_indexer("spec.nodeName")
    assert by_node(POD) == ("node-3",)
    assert by_node(RawObject.from_bytes(orjson.dumps(POD))) == ("node-3",)
    assert by_node(typed_decoder(Thing)(POD)) == ("node-3",)
    assert by_node({"spec": {}}) == () and by_node({}) == ()
    assert field_indexer("spec.ports")({"spec": {"ports": [80, "http"]}}) == ("80", "http")
    with pytest.raises(ValueError, match="bad path"):
        field_indexer("spec..x")


async def test_raw_mode_refuses_decoders_that_would_decode_everything() -> None:
    typed = ResourceType(name="things", decoder=typed_decoder(Thing))
    source = HttpSource(SourceSpec(resource=typed, options={"url": "http://127.0.0.1:9"}))
    with pytest.raises(ConfigError, match="raw=True needs the json decoder"):
        async with open_informer(typed, source, raw=True):
            pass  # pragma: no cover
    await source.aclose()


async def test_raw_informer_over_http_keeps_bytes_and_hands_out_views() -> None:
    # pods: a core-group list, whose items carry no kind/apiVersion (spliced in from the list)
    pods = ServerResource(group="", version="v1", plural="pods", kind="Pod", namespaced=True)
    resource = ResourceType(
        name="pods", kind="Pod", group="", version="v1", plural="pods", namespaced=True,
        indexers={"node": field_indexer("spec.nodeName")},
    )
    async with open_embedded_server(resources=[pods]) as server:
        for i in range(7):
            server.create("pods", {"metadata": {"name": f"p{i}", "namespace": f"ns{i % 2}"},
                                   "spec": {"nodeName": f"n{i % 3}"}})
        source = HttpSource(SourceSpec(resource=resource, options={"url": server.url}))
        rec = Recorder()
        async with open_informer(resource, source, raw=True, page_size=3) as inf:
            inf.add_handler(rec)
            with trio.fail_after(10):
                await inf.wait_synced()
            late = {"metadata": {"name": "late", "namespace": "ns0"}, "spec": {"nodeName": "n9"}}
            server.create("pods", late)
            obj = server.list_objects("pods")["ns0/p0"]
            server.update("pods", {**obj, "spec": {"nodeName": "n5"}})
            await until(lambda: contents(inf) == server.list_objects("pods") and not inf.handlers[0].backlog)
            assert all(stored.__class__ is bytes for stored in inf.store._items.values())
            got = inf.store.get("ns0/p0")
            assert isinstance(got, RawObject) and got["kind"] == "Pod" and got["apiVersion"] == "v1"
            assert inf.store.index_values("node") == ["n0", "n1", "n2", "n5", "n9"]
            assert [o.name for o in inf.store.by_index("namespace", "ns1")] == ["p1", "p3", "p5"]
            seen: list[Any] = [n.object for _, _, n in rec.seen]
            assert all(isinstance(o, RawObject) for o in seen)
            modified = next(n for t, _, n in rec.seen if t == "MODIFIED")
            assert modified.old["spec"] == {"nodeName": "n0"}
            assert modified.object["spec"] == {"nodeName": "n5"}
            assert replay(rec.seen) == server.list_objects("pods") and rec.violations == []


async def _events(body: bytes) -> list[Any]:
    from informer_http import WatchStream

    async def chunks() -> Any:
        for i in range(0, len(body), 7):  # lines split across chunks
            yield body[i : i + 7]

    def error(status: Any) -> Any:
        raise AssertionError(status)

    stream = WatchStream(chunks(), resource="pods", resource_version="1", error=error, raw=True)
    return [ev async for ev in stream]


async def test_raw_watch_stream_reads_every_layout_and_keeps_the_rules() -> None:
    from informer import INITIAL_EVENTS_END, DecodeError, EventType

    pod = orjson.dumps(POD)
    end = {INITIAL_EVENTS_END: "true"}
    bookmark = {"kind": "Pod", "metadata": {"resourceVersion": "9", "annotations": end}}
    body = b"\n".join(
        [
            b'{"type":"ADDED","object":' + pod + b"}",  # the usual layout: cut by bytes
            b'{ "object": ' + pod + b', "type": "MODIFIED" }',  # any other: the envelope decoder
            b'{"type":"DELETED","object":' + pod[:-1] + b"}",  # cut, but not JSON: an error event
            b"garbage",
            b'{"type":"BOOKMARK","object":' + orjson.dumps(bookmark) + b"}",
            b'{"type":"ADDED","object":{"metadata":{"name":"x","resourceVersion":10}}}',  # rv not a string
        ]
    )
    events = await _events(body + b"\n")
    added, modified, deleted, garbage, bookmark_, error = (ev.type for ev in events)
    assert (added, modified, bookmark_) == (EventType.ADDED, EventType.MODIFIED, EventType.BOOKMARK)
    assert deleted is garbage is error is EventType.ERROR
    for ev in events[:2]:
        assert isinstance(ev.object, RawObject) and ev.object == POD and ev.resource_version == "7"
    assert all(isinstance(ev.object, DecodeError) for ev in (events[2], events[3], events[5]))
    assert events[4].key == INITIAL_EVENTS_END and events[4].resource_version == "9"
