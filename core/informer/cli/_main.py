"""``informer-run``'s entry point: parse, set up logging, dispatch, and turn failures into exit codes.

Every failure ends as one line on stderr (``informer-run: error: ...``) and an exit status —
2 for what the user can fix in the command line or the config (bad flag, invalid config,
unknown resource, a plugin refused under ``--strict``), 1 for what went wrong at run time
(server unreachable, not synced in time, an internal error) — unless ``--debug`` asks for
the traceback. trio wraps task failures in exception groups; :func:`leaf_error` digs out the
error that matters so the message names it rather than the group.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

import trio

from .._exceptions import ConfigError, InformerError, PluginError, ResourceNotFound
from ._args import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, build_parser
from ._logging import setup_logging

__all__ = ["main"]


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        out: list[BaseException] = []
        for sub in exc.exceptions:
            out.extend(_leaves(sub))
        return out
    return [exc]


def leaf_error(exc: BaseException) -> BaseException:
    """The most telling exception inside ``exc``: usage/config errors first, then ours, then any."""
    leaves = [e for e in _leaves(exc) if not isinstance(e, trio.Cancelled)] or [exc]
    for kinds in (
        (UsageError, ConfigError, PluginError, ResourceNotFound),
        (InformerError, OSError),
        (Exception,),
    ):
        for e in leaves:
            if isinstance(e, kinds):
                return e
    return leaves[0]


def exit_status(exc: BaseException) -> int:
    """The exit status a failure maps to (see ``informer-run --help``)."""
    if isinstance(exc, UsageError | ConfigError | PluginError | ResourceNotFound):
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_OK
    return EXIT_FAILURE


def _describe(exc: BaseException) -> list[str]:
    """The error as lines (one per problem: a config file may have several)."""
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, InformerError | UsageError | OSError):
        text = f"{type(exc).__name__}: {text} (internal error; --debug shows the traceback)"
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``informer-run`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.log_level or "info", args.log_format)
    try:
        if args.command == "serve":
            from ._serve import serve_main

            return trio.run(serve_main, args)
        if args.command == "validate":
            from ._validate import validate_main

            return validate_main(args)
        if args.command == "plugins":
            from ._plugins import plugins_main

            return plugins_main(args)
        from ._run import run_main

        return trio.run(run_main, args)
    except SystemExit:
        raise
    except BaseException as exc:
        if getattr(args, "debug", False):
            traceback.print_exception(exc)
        leaf = leaf_error(exc)
        if isinstance(leaf, KeyboardInterrupt):
            return EXIT_OK
        for line in _describe(leaf):
            print(f"informer-run: error: {line}", file=sys.stderr, flush=True)
        return exit_status(leaf)
