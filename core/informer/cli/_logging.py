"""Logging for ``informer-run``: text or JSON lines, always on stderr.

stdout belongs to data (``--output jsonl``, ``serve``'s URL line), so every log record goes
to stderr. The handler looks ``sys.stderr`` up at each record rather than at set-up, so
the live view can swap in its own console while it draws and logs still appear above it.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import orjson

__all__ = ["JsonFormatter", "setup_logging"]

_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``time``, ``level``, ``logger``, ``message`` and any ``extra``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A StreamHandler whose stream is whatever ``sys.stderr`` is when a record is emitted."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(level: str = "info", fmt: str = "text") -> None:
    """Route the ``informer`` loggers (and warnings) to stderr in the chosen format."""
    handler = _StderrHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # Our own loggers at the chosen level; third-party chatter (hypercorn, httpx) stays at WARNING.
    logging.getLogger("informer").setLevel(level.upper())
    for name in ("informer_http", "informer_etcd", "informer_kubernetes", "informer_demo"):
        logging.getLogger(name).setLevel(level.upper())
    # hypercorn's "Running on ..." (ours say where things listen, once).
    for chatty in ("informer.server.hypercorn", "informer.http"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    logging.captureWarnings(True)
