"""``informer-run``: the command-line face of trio-informer.

Subcommands (``informer-run --help`` documents every flag and the exit codes):

* (none) — run informers: the embedded demo default with no arguments, or ``--config FILE``,
  or ad hoc ``--source URL --resource NAME``; a live view on a terminal, logs otherwise,
  ``--output jsonl``, ``--snapshot PATH``, ``--metrics-port P``;
* ``serve`` — the embedded list/watch server on its own, with fault injection;
* ``validate CONFIG`` — check a config file and the plugins it needs, connecting nowhere;
* ``plugins`` — what is installed and what each plugin contributes.

Each job has its own private module; :func:`main` (``_main``) parses and dispatches.
"""

from __future__ import annotations

from ._args import build_parser
from ._main import main

__all__ = ["build_parser", "main"]
