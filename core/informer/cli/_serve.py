"""``informer-run serve``: the embedded list/watch server as a process of its own.

Serves the demo world (seeded, with its churn unless ``--no-churn``) plus every
``--resource`` named as kubectl names it, with the fault-injection knobs of
:class:`informer.server.Faults`. Prints ``serving on URL`` on stdout (flushed: tests and
scripts read it to learn an ephemeral port) and runs until SIGINT/SIGTERM — the server's
own :func:`informer.server.serve_forever` does the serving and the signal handling.
"""

from __future__ import annotations

import argparse
import logging
import sys
from functools import partial
from typing import Any

from ._args import EXIT_OK, UsageError

__all__ = ["serve_main", "server_resources"]

log = logging.getLogger("informer.cli")


def server_resources(names: list[str], *, demo: bool) -> list[Any]:
    """The :class:`~informer.server.ServerResource` list for the demo world and ``names``."""
    from informer.server import DEMO_RESOURCES, ServerResource

    resources: list[Any] = list(DEMO_RESOURCES) if demo else []
    for name in names:
        try:
            res = ServerResource.parse(name)
        except ValueError as exc:
            raise UsageError(f"--resource {name!r}: {exc}") from None
        if res not in resources:
            resources.append(res)
    if not resources:
        raise UsageError("nothing to serve: --no-demo without any --resource")
    return resources


def _faults(args: argparse.Namespace) -> Any:
    from informer.server import Faults

    kwargs: dict[str, Any] = {}
    for flag in ("watch_drop_after", "history", "error_rate", "garbage_every", "delay"):
        value = getattr(args, flag)
        if value is not None:
            kwargs[flag] = value
    try:
        return Faults(**kwargs)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"fault injection: {exc}") from None


def _announce(url: str) -> None:
    sys.stdout.write(f"serving on {url}\n")
    sys.stdout.flush()


async def serve_main(args: argparse.Namespace) -> int:
    from informer.server import serve_forever

    resources = server_resources(args.resource, demo=not args.no_demo)
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    populate = None
    if not args.no_demo:
        from informer_demo import world

        populate = partial(world.populate, churn_rate=0 if args.no_churn else args.churn_rate)
    log.info("serving %s", ", ".join(r.name for r in resources))
    await serve_forever(
        resources,
        demo=False,
        faults=_faults(args),
        host=args.host,
        port=args.port,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tokens=args.token or None,
        populate=populate,
        announce=_announce,
    )
    return EXIT_OK
