"""Built-in decoders, typed decoders (cattrs, camelCase wire names), built-in keys/indexer/transform."""

from __future__ import annotations

from typing import Any

import attrs
import informer
import pytest
from informer import WIRE_NAME, DecodeError, converter, typed_decoder
from informer._decoders import decode_bytes, decode_json, decode_text
from informer._keys import drop_managed_fields, name_key, namespace_index, namespace_name


@attrs.frozen
class Meta:
    name: str
    namespace: str | None = None
    resource_version: str = ""


@attrs.frozen
class Spec:
    path_prefix: str
    port: int
    tls_secret: str | None = attrs.field(default=None, metadata={WIRE_NAME: "tls-secret"})


@attrs.frozen
class Route:
    metadata: Meta
    spec: Spec


WIRE = {
    "apiVersion": "gateway.example.com/v1",
    "metadata": {"name": "r1", "namespace": "shop", "resourceVersion": "7", "uid": "u"},
    "spec": {"pathPrefix": "/api", "port": 8080, "tls-secret": "cert"},
}


def test_json_keeps_a_parsed_mapping_as_is() -> None:
    obj = {"metadata": {"name": "a"}}
    assert decode_json(obj) is obj  # no copy, no walk: zero cost on the hot path
    assert decode_json(b'{"a": 1}') == {"a": 1}
    assert decode_json('{"a": 1}') == {"a": 1}


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (b"{not json", "invalid JSON: "),
        (b"[1, 2]", "expected a JSON object, got list (input: '[1, 2]')"),
        (42, "the json decoder expects bytes, str or a mapping, got int"),
    ],
)
def test_json_refuses_what_is_not_an_object(given: Any, message: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_json(given)
    assert message in str(caught.value)


def test_text_and_bytes() -> None:
    assert decode_text(b"caf\xc3\xa9") == "café"
    assert decode_bytes(memoryview(b"ab")) == b"ab" and decode_bytes("é") == "é".encode()
    with pytest.raises(DecodeError, match="not UTF-8 text"):
        decode_text(b"\xff")
    with pytest.raises(DecodeError, match="expects bytes or str, got dict"):
        decode_bytes({})


def test_typed_decoder_maps_camel_case_wire_names_to_snake_case_fields() -> None:
    decode = typed_decoder(Route)
    route = decode(WIRE)
    assert route == Route(Meta("r1", "shop", "7"), Spec("/api", 8080, "cert"))
    assert (
        decode(b'{"metadata": {"name": "r2"}, "spec": {"pathPrefix": "/", "port": 1}}').metadata.name == "r2"
    )
    assert decode(route) is route
    # the same converter writes the wire names back
    assert converter.unstructure(route)["spec"] == {"pathPrefix": "/api", "port": 8080, "tls-secret": "cert"}
    assert informer.converter is converter


def test_typed_decoder_reports_every_problem_with_its_path() -> None:
    decode = typed_decoder(Route)
    with pytest.raises(DecodeError) as caught:
        decode({"metadata": {"namespace": "shop"}, "spec": {"pathPrefix": "/", "port": "eighty"}})
    message = str(caught.value)
    assert message.startswith("cannot structure Route: ")
    assert "required field missing @ $.metadata.name" in message
    assert "invalid value for type, expected int @ $.spec.port" in message


def test_typed_decoder_refuses_classes_that_are_not_attrs() -> None:
    with pytest.raises(TypeError):
        typed_decoder(dict)


def test_namespace_name_key_for_mappings_and_typed_objects() -> None:
    assert namespace_name(WIRE) == "shop/r1"
    assert namespace_name({"metadata": {"name": "node-1"}}) == "node-1"
    assert namespace_name(typed_decoder(Route)(WIRE)) == "shop/r1"
    assert name_key(WIRE) == "r1"
    with pytest.raises(ValueError, match=r"no metadata\.name"):
        namespace_name({"spec": {}})


def test_namespace_indexer_and_drop_managed_fields() -> None:
    assert namespace_index(WIRE) == ("shop",)
    assert namespace_index({"metadata": {"name": "n"}}) == ()
    obj = {"metadata": {"name": "a", "managedFields": [{"manager": "kubectl"}]}}
    assert drop_managed_fields(obj) == {"metadata": {"name": "a"}}
