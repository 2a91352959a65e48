"""The handler: announces every flag switched on or off, one line each."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from .keys import dotted_name
from .model import Flag

#: JSON Schema of the handler's options, checked before the factory is called.
OPTIONS_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"stream": {"enum": ["stdout", "stderr"]}},
}


class FlagAnnouncer:
    """Keeps the set of enabled flags and prints ``flag shop.dark-mode on`` when it changes."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.enabled: set[str] = set()

    def _set(self, flag: Flag, enabled: bool) -> None:
        key = dotted_name(flag)
        if enabled == (key in self.enabled):
            return  # nothing a reader would notice changed
        if enabled:
            self.enabled.add(key)
        else:
            self.enabled.discard(key)
        print(f"flag {key} {'on' if enabled else 'off'}", file=self.out, flush=True)

    def on_add(self, flag: Flag, initial: bool) -> None:
        self._set(flag, flag.spec.enabled)

    def on_update(self, old: Flag, new: Flag) -> None:
        self._set(new, new.spec.enabled)

    def on_delete(self, flag: Flag) -> None:
        self._set(flag, False)


def create_handler(options: Mapping[str, Any]) -> FlagAnnouncer:
    stream = sys.stderr if options.get("stream") == "stderr" else sys.stdout
    return FlagAnnouncer(stream)
