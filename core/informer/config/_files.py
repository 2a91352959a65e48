"""Reading a config file (YAML, TOML or JSON, by extension) with the lines of its values.

Line numbers are known for YAML (and JSON, parsed as YAML) because composing the YAML node
tree is cheap for a config-sized file and every node carries its start mark; for TOML the
standard library parser gives none, so messages for TOML name the JSON path only.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import yaml

from .._exceptions import ConfigError

__all__ = ["ParsedFile", "nearest_line", "read_document"]

#: JSON path (keys and indices) -> 1-based line number
Lines = dict[tuple[Any, ...], int]


class ParsedFile:
    """The parsed document of a config file and where its values are."""

    __slots__ = ("data", "lines", "path")

    def __init__(self, path: Path, data: Any, lines: Lines) -> None:
        self.path = path
        self.data = data
        self.lines = lines


def read_document(path: str | Path) -> ParsedFile:
    """Parse ``path``; :class:`informer.ConfigError` names the file (and line) if it cannot be."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in {".yaml", ".yml", ".toml", ".json"}:
        raise ConfigError(
            f"{path}: unsupported config file type {suffix or '(none)'!r}; use .yaml, .yml or .toml"
        )
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text: {exc}") from None
    if suffix == ".toml":
        try:
            return ParsedFile(path, tomllib.loads(text), {})
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        kind = "JSON" if suffix == ".json" else "YAML"
        raise ConfigError(f"{where}: invalid {kind}: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if suffix == ".json" and data is None and text.strip():  # pragma: no cover - yaml parses any JSON
        data = json.loads(text)
    lines: Lines = {}
    if node is not None:
        _walk(node, (), lines)
    return ParsedFile(path, data, lines)


def _walk(node: yaml.Node, path: tuple[Any, ...], lines: Lines) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            # a key's line is where a reader looks, also when its value starts below it
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def nearest_line(lines: Lines, parts: list[Any] | tuple[Any, ...]) -> int | None:
    """The line of ``parts``, or of its nearest ancestor that has one."""
    path = tuple(parts)
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]
