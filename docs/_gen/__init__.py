"""Generators of the reference pages, run at build time by ``mkdocs_hook.py``.

Each generator reads one part of the code — the pluggy hook specifications, the JSON Schemas
shipped in ``informer/schemas/``, the ``informer-run`` argparse parser, the list of metric
names — and returns Markdown. Nothing generated is committed: the pages are rebuilt from the
code every time the site is built, so the reference cannot drift from it.

A reference page holds a marker such as ``<!-- informer-reference: hooks -->`` where the
generated Markdown goes. ``tests/docs/`` imports these same generators to check that every
hook, schema, flag and metric has an entry.
"""

from __future__ import annotations

from collections.abc import Callable

from . import builtins, cli, fixtures, hooks, metrics, schemas

__all__ = ["GENERATORS", "MissingPiece", "render"]

#: While the project was being built, a piece of the code a page documents could be
#: missing; the build then said so on the page. The finished project has every piece:
#: a missing one now fails the build.
ALLOW_MISSING = False


class MissingPiece(Exception):
    """The part of the code a reference page is generated from cannot be found."""


GENERATORS: dict[str, Callable[[], str]] = {
    "hooks": hooks.render,
    "descriptors": schemas.render_descriptors,
    "config": schemas.render_config,
    "cli": cli.render,
    "metrics": metrics.render,
    "pytest-fixtures": fixtures.render,
    "builtin-plugins": builtins.render,
}


def render(name: str) -> str:
    """The Markdown for the marker ``<!-- informer-reference: NAME -->``."""
    try:
        return GENERATORS[name]()
    except (ImportError, AttributeError, LookupError) as exc:
        if not ALLOW_MISSING:
            raise MissingPiece(f"reference {name!r}: {exc}") from exc
        return (
            f'!!! warning "Not generated yet"\n\n    This reference is generated from the code, '
            f"which does not provide it yet: `{type(exc).__name__}: {exc}`\n"
        )
