"""The key function: applications ask for a flag as ``namespace.name`` (``shop.dark-mode``)."""

from __future__ import annotations

from .model import Flag


def dotted_name(flag: Flag) -> str:
    return f"{flag.metadata.namespace}.{flag.metadata.name}"
