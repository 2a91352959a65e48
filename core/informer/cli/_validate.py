"""``informer-run validate CONFIG``: check a config and the plugins it needs; connect nowhere.

Every problem is printed on its own line as ``FILE:LINE: JSON.PATH: reason`` (what
:func:`informer.config.validate_config` reports); exit status 2 if there is any.
"""

from __future__ import annotations

import argparse
import sys

from ..config import read_config, validate_config
from ..plugins import parse_plugin_names
from ._args import EXIT_OK, EXIT_USAGE

__all__ = ["validate_main"]


def validate_main(args: argparse.Namespace) -> int:
    plugins = parse_plugin_names(args.plugins) if args.plugins else None
    errors = validate_config(args.config, plugins=plugins, strict=args.strict)
    if errors:
        for error in errors:
            for line in str(error).splitlines():
                print(f"informer-run validate: {line}", file=sys.stderr)
        n = len(errors)
        print(
            f"informer-run validate: {args.config}: {n} problem{'' if n == 1 else 's'}",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_USAGE
    config = read_config(args.config)
    informers, sources = len(config.informers), len(config.sources)
    print(
        f"{args.config}: ok ({informers} informer{'' if informers == 1 else 's'}, "
        f"{sources} source{'' if sources == 1 else 's'})",
        flush=True,
    )
    return EXIT_OK
