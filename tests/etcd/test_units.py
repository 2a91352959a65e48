"""Unit tests of single functions of the etcd plugin (no etcd needed), and its plugin descriptor."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st
from informer import ConfigError, ContinueExpired, Expired, Forbidden, ServerError, Unauthorized
from informer.plugins import load_plugins
from informer_etcd import OPTIONS_SCHEMA, EtcdOptions, name_for_prefix, prefix_range_end, resource_for_prefix
from informer_etcd._lines import LineReader
from informer_etcd._wire import error_for
from informer_etcd.source import _decode_continue, _encode_continue
from jsonschema import Draft202012Validator


@pytest.mark.parametrize(
    ("prefix", "end"),
    [
        (b"/reg/pods/", b"/reg/pods0"),
        (b"a\xff", b"b"),
        (b"a\xff\xff", b"b"),
        (b"\xff\xff", b"\0"),
        (b"", b"\0"),
    ],
)
def test_prefix_range_end(prefix: bytes, end: bytes) -> None:
    assert prefix_range_end(prefix) == end


@given(st.binary(min_size=1, max_size=4), st.binary(max_size=6))
def test_prefix_range_covers_exactly_the_prefixed_keys(prefix: bytes, key: bytes) -> None:
    end = prefix_range_end(prefix)
    in_range = key >= prefix and (end == b"\0" or key < end)
    assert in_range == key.startswith(prefix)
    assert prefix + key >= prefix and (end == b"\0" or prefix + key < end)


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@given(
    st.lists(st.binary(min_size=1, max_size=40).filter(lambda b: b"\n" not in b and b.strip()), max_size=6),
    st.lists(st.integers(min_value=1, max_value=30), min_size=1, max_size=10),
    st.booleans(),
)
def test_line_reader_any_chunking(lines: list[bytes], cuts: list[int], final_newline: bool) -> None:
    data = b"\n".join(lines) + (b"\n" if final_newline and lines else b"")
    parts: list[bytes] = []
    i = 0
    for n in cuts * (len(data) // max(sum(cuts), 1) + 1):
        if i >= len(data):
            break
        parts.append(data[i : i + n])
        i += n

    async def read() -> list[bytes]:
        reader = LineReader(_chunks(parts))
        out = []
        while (line := await reader.readline()) is not None:
            out.append(line)
        return out

    assert trio.run(read) == lines


def test_continue_token_round_trip_and_garbage() -> None:
    token = _encode_continue(b"/a/b\0\xff", 42)
    assert _decode_continue(token) == (b"/a/b\0\xff", 42)
    with pytest.raises(ContinueExpired, match="unreadable continue token"):
        _decode_continue("not-a-token")


def test_options_from_urls() -> None:
    assert EtcdOptions.parse({"url": "etcd://h1:2379,h2:2379"}).endpoints == (
        "http://h1:2379",
        "http://h2:2379",
    )
    assert EtcdOptions.parse({"url": "etcds://h:2379"}).endpoints == ("https://h:2379",)
    assert EtcdOptions.parse({"endpoints": ["127.0.0.1:2379"], "url": "http://127.0.0.1:2379"}).endpoints == (
        "http://127.0.0.1:2379",
    )
    with pytest.raises(ConfigError, match="unknown scheme 'ftp'"):
        EtcdOptions.parse({"url": "ftp://h"})
    with pytest.raises(ConfigError, match="'username' and 'password' go together"):
        EtcdOptions.parse({"url": "etcd://h:1", "username": "u"})
    with pytest.raises(ConfigError, match="unknown option"):
        EtcdOptions.parse({"url": "etcd://h:1", "pasword": "x"})


def test_options_schema_is_valid_and_matches_the_parser() -> None:
    Draft202012Validator.check_schema(OPTIONS_SCHEMA)
    validator = Draft202012Validator(OPTIONS_SCHEMA)
    good = {
        "endpoints": ["https://a:2379"],
        "ca_file": "ca.pem",
        "cert_file": "c.pem",
        "key_file": "k.pem",
        "username": "u",
        "password": "p",
        "page_size": 100,
        "timeout": 5,
        "keepalive_seconds": 30,
        "fragment": True,
    }
    assert not list(validator.iter_errors(good))
    EtcdOptions.parse(good)
    for bad in ({}, {"url": "etcd://h", "page_size": 0}, {"url": "etcd://h", "username": "u"}):
        assert list(validator.iter_errors(bad)), bad


def test_error_mapping() -> None:
    compacted = {"error": "etcdserver: mvcc: required revision has been compacted", "code": 11}
    assert isinstance(error_for("http://e", "/v3/kv/range", 400, compacted), Expired)
    denied = {"message": "etcdserver: permission denied", "code": 7}
    assert isinstance(error_for("http://e", "/v3/kv/range", 403, denied, username="bob"), Forbidden)
    empty = {"message": "etcdserver: user name is empty", "code": 3}
    assert "set the username and password" in str(error_for("http://e", "/x", 400, empty))
    bad = {"message": "etcdserver: authentication failed, invalid user ID or password", "code": 3}
    err = error_for("http://e", "/v3/auth/authenticate", 400, bad, username="bob")
    assert isinstance(err, Unauthorized) and "user 'bob'" in str(err)
    assert isinstance(error_for("http://e", "/x", 500, "boom"), ServerError)


def test_resource_for_prefix() -> None:
    assert name_for_prefix("/registry/pods/") == "registry/pods"
    assert name_for_prefix("/") == "etcd"
    assert name_for_prefix("/a b/c?") == "a-b/c"
    resource = resource_for_prefix("/config/", decoder="text")
    assert resource.prefix == "/config/" and resource.decoder is not None
    assert resource.decoder(b"on") == "on"
    with pytest.raises(ValueError, match="unknown decoder"):
        resource_for_prefix("/x/", decoder="yaml")


def test_plugin_contributes_the_etcd_source() -> None:
    registry = load_plugins(["etcd"], autoload=False)
    assert not [e for e in registry.errors if e.plugin == "etcd"]
    contribution = registry.source_for_scheme("etcds")
    assert contribution.name == "etcd"
    factory = registry.source_factory("etcd")
    assert factory.__name__ == "create_source"
    problems = registry.options_problems("sources", "etcd", {"url": "etcd://h:1", "page_size": "many"})
    assert problems and problems[0][0] == ["page_size"]
