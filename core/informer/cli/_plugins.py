"""``informer-run plugins [--json]``: what is installed, where from, and what each contributes.

Loading plugins only imports them and validates their descriptors (nothing connects or
starts), so this is safe to run anywhere. A plugin that failed is listed with its reason;
with ``--strict`` any failure also makes the exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..plugins import describe_plugins, load_plugins
from ._args import EXIT_OK, EXIT_USAGE

__all__ = ["plugins_main", "render_plugins"]

_STATUS_STYLE = {"ok": "green", "error": "bold red", "skipped": "dim"}


def _origin(p: dict[str, Any]) -> str:
    dist = p.get("distribution") or "?"
    return f"{dist} (built in)" if p.get("builtin") else dist


def _contributes(p: dict[str, Any]) -> str:
    parts = [f"{kind}: {', '.join(names)}" for kind, names in p["contributions"].items() if names]
    return "; ".join(parts) or "-"


def render_plugins(plugins: list[dict[str, Any]], console: Console) -> None:
    """The human table (and each plugin's errors below it)."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for col in ("plugin", "version", "status", "from", "contributes"):
        table.add_column(col, overflow="fold")
    for p in plugins:
        table.add_row(
            p["name"],
            p.get("version") or "-",
            Text(p["status"], style=_STATUS_STYLE.get(p["status"], "")),
            _origin(p),
            _contributes(p),
        )
    console.print(table)
    for p in plugins:
        for error in p["errors"]:
            console.print(Text(f"error: {error}", style="red"))


def plugins_main(args: argparse.Namespace) -> int:
    registry = load_plugins(args.plugins, autoload=not args.no_autoload, strict=False)
    plugins = describe_plugins(registry)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(plugins, option=orjson.OPT_INDENT_2) + b"\n")
        sys.stdout.flush()
    else:
        tty = sys.stdout.isatty()
        render_plugins(plugins, Console(file=sys.stdout, width=None if tty else 160, soft_wrap=not tty))
    if args.strict and registry.errors:
        print(f"informer-run: error: {len(registry.errors)} plugin problems (--strict)", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK
