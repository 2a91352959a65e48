"""The indexer: flags filed under the team that owns them."""

from __future__ import annotations

from .model import Flag


def by_owner(flag: Flag) -> list[str]:
    return [flag.spec.owner] if flag.spec.owner else []
