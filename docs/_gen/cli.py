"""The ``informer-run`` reference, from the CLI's own argparse parser."""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Iterator

__all__ = ["build_parser", "commands", "flags", "render"]

PROG = "informer-run"


def build_parser() -> argparse.ArgumentParser:
    """The parser ``informer-run`` itself uses (``informer.cli.build_parser()``)."""
    cli = importlib.import_module("informer.cli")
    parser = cli.build_parser()
    if not isinstance(parser, argparse.ArgumentParser):
        raise LookupError("informer.cli.build_parser() did not return an argparse.ArgumentParser")
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction | None:  # type: ignore[type-arg]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


Command = tuple[str, argparse.ArgumentParser, str]


def commands(parser: argparse.ArgumentParser | None = None) -> Iterator[Command]:
    """``(command path, parser, one-line help)`` for the main command and every subcommand, depth first."""
    parser = parser or build_parser()

    def walk(path: str, p: argparse.ArgumentParser, help_text: str) -> Iterator[Command]:
        yield path, p, help_text
        sub = _subparsers(p)
        if sub is None:
            return
        helps = {a.dest: a.help or "" for a in sub._choices_actions}
        seen: set[int] = set()
        for name, child in sub.choices.items():
            if id(child) in seen:
                continue  # an alias of a command already listed
            seen.add(id(child))
            yield from walk(f"{path} {name}", child, helps.get(name, ""))

    yield from walk(PROG, parser, parser.description or "")


def flags(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    """The documented arguments of one parser (not the subcommand selector)."""
    skipped = argparse._SubParsersAction
    return [a for a in parser._actions if not isinstance(a, skipped) and a.help != argparse.SUPPRESS]


def _anchor(path: str) -> str:
    return path.replace(" ", "-")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _usage(parser: argparse.ArgumentParser) -> str:
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return parser.format_usage().strip()
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


def render() -> str:
    parser = build_parser()
    listing = list(commands(parser))
    out = ["| command | what it does |", "| --- | --- |"]
    for path, _, help_text in listing:
        out.append(f"| [`{path}`](#{_anchor(path)}) | {_cell(help_text.split(chr(10))[0])} |")
    out.append("")
    for path, p, help_text in listing:
        out.append(f"## `{path}` {{ #{_anchor(path)} }}")
        out.append("")
        if p.description or help_text:
            out.append((p.description or help_text).strip())
            out.append("")
        out.append("```text")
        out.append(_usage(p))
        out.append("```")
        out.append("")
        actions = flags(p)
        if actions:
            out.append("| argument | default | meaning |")
            out.append("| --- | --- | --- |")
            formatter = p._get_formatter()
            for action in actions:
                if action.option_strings:
                    name = ", ".join(action.option_strings)
                    if action.nargs != 0:
                        metavar = formatter._format_args(action, action.dest.upper())
                        name = f"{name} {metavar}"
                else:
                    name = formatter._format_args(action, action.dest)
                default = action.default
                shown = "" if default in (None, argparse.SUPPRESS, False, []) else f"`{default}`"
                help_text = formatter._expand_help(action) if action.help else ""
                out.append(f"| `{_cell(name)}` | {_cell(shown)} | {_cell(help_text)} |")
            out.append("")
        if p.epilog:
            out.append("```text")
            out.append(p.epilog.strip("\n"))
            out.append("```")
            out.append("")
    return "\n".join(out)
