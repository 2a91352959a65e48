"""``demo.health-log``: one log line per change of a service's health class, nothing else."""

from __future__ import annotations

import copy
import logging
from typing import Any

import pytest
from informer.plugins import load_plugins
from informer_demo.handlers import HealthLog


def service(*ready: bool) -> dict[str, Any]:
    return {
        "metadata": {"name": "catalog", "namespace": "shop"},
        "spec": {
            "endpoints": [{"address": f"10.0.0.{i}", "port": 80, "ready": r} for i, r in enumerate(ready)]
        },
    }


def test_health_log_reports_transitions_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="informer_demo")
    handler = load_plugins([]).create_handler("demo.health-log", {})
    assert isinstance(handler, HealthLog)
    handler.on_add(service(True, True), True)  # the initial list is not news
    handler.on_update(service(True, True), service(True, False))
    handler.on_update(service(True, False), copy.deepcopy(service(False, True)))  # still degraded: quiet
    handler.on_update(service(False, True), service(False, False))
    handler.on_delete(service(False, False))
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "service shop/catalog degraded (1/2 endpoints ready)",
        "service shop/catalog down (0/2 endpoints ready)",
        "service shop/catalog deleted (0/2 endpoints ready)",
    ]
    assert handler.transitions == 3


def test_health_log_options_are_checked() -> None:
    from informer import ConfigError

    with pytest.raises(ConfigError, match="level"):
        load_plugins([]).create_handler("demo.health-log", {"level": "loud"})
