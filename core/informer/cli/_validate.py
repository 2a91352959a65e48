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
        print(f"informer-run validate: {args.config}: {len(errors)} problems", file=sys.stderr, flush=True)
        return EXIT_USAGE
    config = read_config(args.config)
    print(f"{args.config}: ok ({len(config.informers)} informers, {len(config.sources)} sources)", flush=True)
    return EXIT_OK
