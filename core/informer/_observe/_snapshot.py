"""Cache snapshots: every informer's store as ``{resource: {key: object}}``.

Written on exit by ``informer-run --snapshot PATH`` and served live at ``/debug/cache``.
The file is replaced atomically (a temporary file in the same directory, flushed and
fsynced, then :func:`os.replace`), so a reader never sees half a snapshot and a crash
mid-write leaves the previous one in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from ._jsonable import dumps

__all__ = ["SnapshotSource", "snapshot", "snapshot_bytes", "write_snapshot"]


class _Store(Protocol):
    def items(self) -> Iterable[tuple[str, Any]]: ...


class SnapshotSource(Protocol):
    """What a snapshot reads of an informer: its store."""

    @property
    def store(self) -> _Store: ...


def snapshot(informers: Mapping[str, SnapshotSource]) -> dict[str, dict[str, Any]]:
    """The caches as one mapping, keyed by informer name (the resource name unless renamed).

    The inner dicts are fresh, but the objects are the cached ones: serialise, don't mutate.
    """
    return {name: dict(inf.store.items()) for name, inf in informers.items()}


def snapshot_bytes(informers: Mapping[str, SnapshotSource], *, only: str | None = None) -> bytes:
    """:func:`snapshot` as JSON; ``only`` restricts it to one informer (``{}`` if unknown)."""
    selected = informers if only is None else {k: v for k, v in informers.items() if k == only}
    return dumps(snapshot(selected))


def write_snapshot(path: str | os.PathLike[str], informers: Mapping[str, SnapshotSource]) -> Path:
    """Write the snapshot to ``path`` atomically; returns the absolute path written."""
    target = Path(path).absolute()
    data = snapshot_bytes(informers)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.write(b"\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
