"""Config files: schema errors with file, line and JSON path; names checked against the
registry; InformerSpecs and shared handler instances built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from informer import ConfigError, InformerSpec, Scope
from informer.config import build_plan, check_config, read_config, validate_config

SOURCE_OPTIONS = {
    "type": "object",
    "required": ["url"],
    "properties": {"url": {"type": "string", "pattern": "^mem:"}},
}


class Counter:
    def __init__(self, options: Any) -> None:
        self.options = dict(options)

    def on_add(self, obj: Any, initial: bool) -> None:
        pass


def create_source(spec: Any) -> Any:
    return spec


@pytest.fixture
def registry(make_plugin: Any, load: Any) -> Any:
    module = make_plugin(
        "widgets",
        informer_resource_types=lambda: [
            {"name": "widgets.example.com", "kind": "Widget", "group": "example.com", "plural": "widgets"},
            {"name": "gadgets.example.com", "kind": "Gadget", "group": "example.com", "plural": "gadgets"},
        ],
        informer_sources=lambda: [
            {
                "name": "mem",
                "schemes": ["mem"],
                "factory": f"{__name__}:create_source",
                "options_schema": SOURCE_OPTIONS,
            }
        ],
        informer_handlers=lambda: [
            {
                "name": "widgets.counter",
                "factory": f"{__name__}:Counter",
                "resource_types": ["widgets.example.com"],
                "options_schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"every": {"type": "integer"}},
                },
            },
            {"name": "any.counter", "factory": f"{__name__}:Counter"},
        ],
    )
    reg = load(module)
    assert not reg.errors, reg.errors
    return reg


GOOD_YAML = """\
sources:
  local: {type: mem, url: "mem://x"}
informers:
  - resource: widgets.example.com
    namespace: shop
    label_selector: tier=web
    handlers:
      - {name: widgets.counter, options: {every: 2}}
      - any.counter
    transform: drop-managed-fields
    resync_seconds: 60
    page_size: 100
  - name: gadgets-all
    resource: gadget
    handlers: [any.counter]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_config_builds_specs_and_shares_handler_instances(tmp_path: Path, registry: Any) -> None:
    config = read_config(write(tmp_path, "good.yaml", GOOD_YAML))
    assert check_config(config, registry) == []
    plan = build_plan(config, registry)
    widgets, gadgets = plan.specs
    assert isinstance(widgets, InformerSpec)
    assert widgets.name == "widgets.example.com" and gadgets.name == "gadgets-all"
    assert widgets.resource is registry.resource_type("widgets.example.com")
    assert gadgets.resource.name == "gadgets.example.com"
    assert widgets.scope == Scope(namespace="shop", label_selector="tier=web")
    assert (widgets.page_size, widgets.resync_seconds) == (100, 60)
    assert widgets.transform is registry.transform("drop-managed-fields")
    assert widgets.source_options == {"url": "mem://x"}
    assert widgets.source_factory(1) == 1
    counter, any_counter = plan.handlers["widgets.example.com"]
    assert counter.name == "widgets.counter" and counter.handler.options == {"every": 2}
    # the same handler with the same options is one instance across informers
    (gadget_counter,) = plan.handlers["gadgets-all"]
    assert gadget_counter.handler is any_counter.handler
    # and survives a rebuild with the same cache (a reloaded config)
    cache: dict[str, Any] = {}
    first = build_plan(config, registry, handler_cache=cache)
    again = build_plan(config, registry, handler_cache=cache)
    assert again.handlers["gadgets-all"][0].handler is first.handlers["gadgets-all"][0].handler


def test_toml_is_read_too(tmp_path: Path, registry: Any) -> None:
    path = write(
        tmp_path,
        "c.toml",
        '[sources.local]\ntype = "mem"\nurl = "mem://x"\n\n[[informers]]\nresource = "widgets.example.com"\n',
    )
    assert [s.name for s in build_plan(read_config(path), registry).specs] == ["widgets.example.com"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "informers:\n  - resource: w\n    namespce: x\n",
            "{f}:3: informers[0]: Additional properties are not allowed ('namespce' was unexpected)",
        ),
        (
            "informers:\n  - resource: w\n    page_size: 0\n",
            "{f}:3: informers[0].page_size: 0 is less than the minimum of 1",
        ),
        (
            "informers:\n  - resource: w\n    handlers:\n      - {options: {}}\n",
            "{f}:4: informers[0].handlers[0]: 'name' is a required property",
        ),
        ("sources:\n  a: {url: x}\ninformers: []\n", "{f}:2: sources.a: 'type' is a required property"),
        ("plugins: gateway\ninformers: []\n", "{f}:1: plugins: 'gateway' is not of type 'array'"),
        ("informers: [\n", "{f}:2: invalid YAML: "),
        ("- 1\n", "{f}: expected a mapping at the top level, got list"),
    ],
)
def test_schema_errors_name_file_line_and_path(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value).startswith(message.format(f=path))


def test_every_schema_problem_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", 'plugins = "x"\n[[informers]]\nresource = 3\n')
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value).splitlines() == [
        f"{path}: informers[0].resource: 3 is not of type 'string'",
        f"{path}: plugins: 'x' is not of type 'array'",
    ]


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unsupported config file type '\.ini'"):
        read_config(tmp_path / "c.ini")
    with pytest.raises(ConfigError, match="cannot read"):
        read_config(tmp_path / "missing.yaml")


def test_names_are_checked_against_the_registry(tmp_path: Path, registry: Any) -> None:
    path = write(
        tmp_path,
        "names.yaml",
        """\
sources:
  local: {type: mem, url: "http://wrong"}
  other: {type: etcd3}
informers:
  - resource: widgets.example.com
    source: local
    handlers:
      - widgets.countr
      - {name: widgets.counter, options: {evry: 2}}
  - resource: gadgets.example.com
    source: nowhere
    handlers: [widgets.counter]
    transform: drop-managed
  - resource: sprockets
  - resource: widgets.example.com
    source: local
""",
    )
    problems = [str(e) for e in check_config(read_config(path), registry)]
    assert problems == [
        f"{path}:2: sources.local.url: 'http://wrong' does not match '^mem:'",
        f"{path}:3: sources.other.type: unknown source 'etcd3'; known: mem (plugins loaded: core, widgets)",
        f"{path}:8: informers[0].handlers[0]: "
        "unknown handler 'widgets.countr' (did you mean 'widgets.counter'?); "
        "known: any.counter, widgets.counter (plugins loaded: core, widgets)",
        f"{path}:9: informers[0].handlers[1].options: "
        "Additional properties are not allowed ('evry' was unexpected)",
        f"{path}:11: informers[1].source: no source 'nowhere' in sources (defined: local, other)",
        f"{path}:13: informers[1].transform: "
        "unknown transform 'drop-managed' (did you mean 'drop-managed-fields'?); "
        "known: drop-managed-fields (plugins loaded: core, widgets)",
        f"{path}:12: informers[1].handlers[0]: "
        "handler 'widgets.counter' does not handle 'gadgets.example.com' "
        "(it handles: widgets.example.com)",
        f"{path}:14: informers[2].resource: unknown resource type 'sprockets'; known: gadgets.example.com, "
        "widgets.example.com (plugins loaded: core, widgets)",
        f"{path}:14: informers[2]: 'source' is required: 2 sources are defined",
        f"{path}:15: informers[3]: informer name 'widgets.example.com' is already used by informers[0]",
    ]
    with pytest.raises(ConfigError) as caught:
        build_plan(read_config(path), registry)
    assert len(str(caught.value).splitlines()) == len(problems)


def test_validate_config_loads_the_plugins_the_config_names(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "demo.yaml",
        "plugins: [demo]\nsources:\n  s: {type: http, url: 'http://127.0.0.1:1'}\n"
        "informers:\n  - resource: routes.demo.informer.dev\n  - resource: routes.nowhere.example\n",
    )
    problems = [str(e) for e in validate_config(path)]
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{path}:6: informers[1].resource: unknown resource type 'routes.nowhere.example'"
    )
    missing = write(tmp_path, "missing.yaml", "plugins: [no-such-plugin]\ninformers: []\n")
    (problem,) = validate_config(missing)
    assert str(problem).startswith(
        f"{missing}:1: plugins: no-such-plugin: no such plugin; installed plugins: "
    )
