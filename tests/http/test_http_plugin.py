"""The ``http`` plugin's descriptor is valid and its factory builds a working source."""

from __future__ import annotations

import json
from pathlib import Path

import informer
import jsonschema
from informer import Scope, SourceSpec
from informer.server import EmbeddedServer
from informer_http import HttpSource
from informer_http.plugin import informer_sources
from informer_http.source import create_source

from .conftest import ROUTE_TYPE, ROUTES, route

SCHEMAS = Path(informer.__file__).parent / "schemas"


def test_descriptor_matches_the_source_schema() -> None:
    (descriptor,) = informer_sources()
    schema = json.loads((SCHEMAS / "source.schema.json").read_text())
    jsonschema.validate(descriptor, schema)
    jsonschema.Draft202012Validator.check_schema(descriptor["options_schema"])
    options = jsonschema.Draft202012Validator(descriptor["options_schema"])
    assert options.is_valid(
        {"url": "https://k8s:6443", "token": "t", "verify": "/ca.pem", "headers": {"X": "y"}}
    )
    assert not options.is_valid({})
    assert not options.is_valid({"url": "ftp://x"})
    assert not options.is_valid({"url": "http://x", "veryfy": False})
    assert descriptor["schemes"] == ["http", "https"]


def test_the_plugin_loads_through_its_entry_point() -> None:
    from informer.plugins import load_plugins

    registry = load_plugins(["http"], strict=True)
    assert registry.source_factory("http") is create_source
    assert registry.source_for_scheme("https").descriptor["name"] == "http"
    assert registry.options_problems("sources", "http", {"url": "http://x"}) == []
    assert registry.options_problems("sources", "http", {"url": "http://x", "tls": True})


async def test_factory_builds_a_source(server: EmbeddedServer) -> None:
    server.create(ROUTES, route("a"))
    source = create_source(SourceSpec(ROUTE_TYPE, Scope(), {"url": server.url}))
    assert isinstance(source, HttpSource) and isinstance(source, informer.Source)
    page = await source.list(resource_version=None, limit=None, continue_token=None)
    assert len(page.items) == 1
    await source.aclose()
