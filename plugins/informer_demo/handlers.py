"""The ``demo.health-log`` handler: one log line when a demo service's health changes.

Attached to ``services.demo.informer.dev`` it turns the churn's endpoint flips into what an
operator cares about — ``service shop/catalog degraded (2/3 endpoints ready)`` — and stays
quiet while a service's health class (``healthy`` / ``degraded`` / ``down``, as the
``demo.services-by-health`` indexer files it) does not change. It gives the live view a
handler whose backlog and latency are real numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from .indexers import services_by_health

__all__ = ["HealthLog", "create_health_log"]

log = logging.getLogger("informer_demo")


def _ready(obj: Mapping[str, Any]) -> tuple[int, int]:
    endpoints = (obj.get("spec") or {}).get("endpoints") or []
    return sum(1 for e in endpoints if e.get("ready")), len(endpoints)


def _key(obj: Mapping[str, Any]) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace')}/{meta.get('name')}"


class HealthLog:
    """Logs health transitions of services (plain-mapping objects, the demo's ``json`` decoder)."""

    def __init__(self, *, level: int = logging.INFO) -> None:
        self.level = level
        #: transitions logged so far (a test or the view can read it)
        self.transitions = 0

    def on_add(self, obj: Mapping[str, Any], initial: bool) -> None:
        if not initial:
            self._say(obj, "appeared")

    def on_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if services_by_health(old) != services_by_health(new):
            self._say(new, services_by_health(new)[0])

    def on_delete(self, obj: Mapping[str, Any]) -> None:
        self._say(obj, "deleted")

    def _say(self, obj: Mapping[str, Any], what: str) -> None:
        self.transitions += 1
        ready, total = _ready(obj)
        log.log(self.level, "service %s %s (%d/%d endpoints ready)", _key(obj), what, ready, total)


def create_health_log(options: Mapping[str, Any]) -> HealthLog:
    """Factory of ``demo.health-log``; option ``level``: a logging level name (default ``info``)."""
    level = logging.getLevelName(str(options.get("level", "info")).upper())
    return HealthLog(level=level if isinstance(level, int) else logging.INFO)
