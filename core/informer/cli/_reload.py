"""``--config FILE`` and ``--watch-config``: informers from a config file, and live edits of it.

The config loader (:mod:`informer.config`) does the reading, checking and building; this
module turns its :class:`~informer.config.ConfigPlan` into the CLI's :class:`Plan` and, with
``--watch-config``, polls the file about once a second. A change of content (mtime and
size say "maybe", a SHA-256 of the bytes says "yes") is read, checked and built in full
*before* anything is touched; if that fails the edit is refused with one log line naming
file, line and path, and the running set stays as it was. Otherwise only the informers whose
entry changed are stopped, started or restarted (see :meth:`Runtime.apply`).
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import trio

from .._exceptions import ConfigError
from ..config import ConfigPlan, build_plan, read_config
from ..plugins import Registry
from ._plan import Plan

__all__ = ["config_plan", "fingerprint", "watch_config"]

log = logging.getLogger("informer.cli")

#: seconds between two looks at the config file
POLL_INTERVAL = 1.0


def fingerprint(path: Path, previous: tuple[int, int, str] | None = None) -> tuple[int, int, str]:
    """``(mtime_ns, size, sha256)`` of ``path``; the hash is reused when mtime and size did not move."""
    st = os.stat(path)
    if previous is not None and previous[:2] == (st.st_mtime_ns, st.st_size):
        return previous
    return st.st_mtime_ns, st.st_size, hashlib.sha256(path.read_bytes()).hexdigest()


def _handlers(plan: ConfigPlan) -> dict[str, list[tuple[str, Any]]]:
    return {name: [(b.name, b.handler) for b in bindings] for name, bindings in plan.handlers.items()}


async def config_plan(args: argparse.Namespace, registry: Registry) -> Plan:
    path = Path(args.config)
    cache: dict[str, Any] = {}
    built = build_plan(read_config(path), registry, handler_cache=cache)
    watch = None
    if args.watch_config:

        async def watch(rt: Any) -> None:
            await watch_config(path, registry, rt, cache)

    return Plan(
        specs=list(built.specs),
        title=f"{len(built.specs)} informers from {path}" + (" (watched)" if args.watch_config else ""),
        handlers=_handlers(built),
        watch=watch,
    )


async def watch_config(path: Path, registry: Registry, rt: Any, cache: dict[str, Any]) -> None:
    """Apply edits of ``path`` to the runtime ``rt`` until cancelled."""
    last = fingerprint(path)
    unreadable = False
    while True:
        await trio.sleep(POLL_INTERVAL)
        try:
            now = fingerprint(path, last)
        except OSError as exc:
            if not unreadable:
                log.error("config %s: cannot read it (%s); keeping the running informers", path, exc)
            unreadable = True
            continue
        unreadable = False
        if now[2] == last[2]:
            last = now
            continue
        last = now
        try:
            built = build_plan(read_config(path), registry, handler_cache=cache)
        except ConfigError as exc:
            reason = "; ".join(str(exc).splitlines())
            log.error("config edit refused, keeping the %d running informers: %s", len(rt.specs), reason)
            continue
        started, stopped, restarted = await rt.apply(built.specs, _handlers(built))
        unchanged = len(built.specs) - len(started) - len(restarted)
        log.info(
            "config %s reloaded: started %s, stopped %s, restarted %s, %d unchanged",
            path,
            started or "none",
            stopped or "none",
            restarted or "none",
            unchanged,
        )
