"""A small async etcd client for writing: put, delete, txn, compact, range, auth setup.

The informer only reads. Tests, benchmarks and the docs tutorial still need to change
keys to see the informer react, so this module offers the handful of writes they use,
over the same connection code (endpoints, TLS, auth) as the source::

    async with EtcdClient("http://127.0.0.1:2379") as etcd:
        rev = await etcd.put("/config/feature-x", {"enabled": True})
        await etcd.delete("/config/feature-x")

Values may be ``bytes``, ``str`` (UTF-8) or anything else JSON-serialisable (written as
JSON). Revisions are returned as ``int``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any

import orjson

from ._connection import EtcdConnection
from ._options import EtcdOptions
from ._wire import b64, prefix_range_end, unb64, wire_int

__all__ = ["TXN_MAX_OPS", "EtcdClient"]

#: etcd refuses a txn with more operations than this (``--max-txn-ops``, default 128).
TXN_MAX_OPS = 128


def _bytes(value: Any) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return orjson.dumps(value)


class EtcdClient:
    """Writes (and a few reads) against etcd's JSON gateway.

    ``url`` is one endpoint (``http://``, ``https://``, ``etcd://``, ``etcds://``);
    ``options`` take the same fields as the etcd source (``endpoints``, ``ca_file``,
    ``cert_file``, ``key_file``, ``username``, ``password``, ``timeout``).
    """

    def __init__(self, url: str | None = None, **options: Any) -> None:
        if url is not None:
            options["url"] = url
        self.connection = EtcdConnection(EtcdOptions.parse(options))

    async def __aenter__(self) -> EtcdClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.connection.aclose()

    async def call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Any gateway call, e.g. ``call("/v3/maintenance/status", {})``."""
        return await self.connection.call(path, body)

    @staticmethod
    def _revision(data: Mapping[str, Any]) -> int:
        return wire_int(data.get("header", {}).get("revision"))

    # -- keys ------------------------------------------------------------------------

    async def put(self, key: str | bytes, value: Any, *, lease: int | None = None) -> int:
        """Set ``key`` to ``value``; returns the new store revision."""
        body: dict[str, Any] = {"key": b64(_bytes(key)), "value": b64(_bytes(value))}
        if lease:
            body["lease"] = str(lease)
        return self._revision(await self.call("/v3/kv/put", body))

    async def get(self, key: str | bytes) -> bytes | None:
        """The value of ``key``, or ``None`` if it does not exist."""
        data = await self.call("/v3/kv/range", {"key": b64(_bytes(key))})
        kvs = data.get("kvs")
        return unb64(kvs[0].get("value")) if kvs else None

    async def range(
        self, prefix: str | bytes, *, revision: int | None = None
    ) -> tuple[dict[str, bytes], int]:
        """Every key under ``prefix`` (full keys) and the revision the read happened at."""
        start = _bytes(prefix)
        body: dict[str, Any] = {"key": b64(start or b"\0"), "range_end": b64(prefix_range_end(start))}
        if revision is not None:
            body["revision"] = revision
        data = await self.call("/v3/kv/range", body)
        items = {
            unb64(kv.get("key")).decode("utf-8", "backslashreplace"): unb64(kv.get("value"))
            for kv in data.get("kvs", ())
        }
        return items, revision if revision is not None else self._revision(data)

    async def delete(self, key: str | bytes) -> int:
        """Delete one key; returns the number of keys deleted (0 or 1)."""
        data = await self.call("/v3/kv/deleterange", {"key": b64(_bytes(key))})
        return wire_int(data.get("deleted"))

    async def delete_prefix(self, prefix: str | bytes) -> int:
        """Delete every key under ``prefix``; returns how many were deleted."""
        start = _bytes(prefix)
        body = {"key": b64(start or b"\0"), "range_end": b64(prefix_range_end(start))}
        data = await self.call("/v3/kv/deleterange", body)
        return wire_int(data.get("deleted"))

    async def txn(
        self,
        success: Sequence[Mapping[str, Any]],
        *,
        compare: Sequence[Mapping[str, Any]] = (),
        failure: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """A raw transaction (ops in gateway form: ``{"request_put": {...}}``)."""
        body: dict[str, Any] = {"success": list(success)}
        if compare:
            body["compare"] = list(compare)
        if failure:
            body["failure"] = list(failure)
        return await self.call("/v3/kv/txn", body)

    async def put_many(
        self, items: Mapping[str, Any] | Iterable[tuple[str, Any]], *, batch: int = TXN_MAX_OPS
    ) -> int:
        """Write many keys quickly, as transactions of ``batch`` (at most 128) puts; returns
        the last revision.

        One txn is one revision, so seeding thousands of keys costs tens of revisions. A
        txn must also stay under etcd's request size limit (~1.5 MiB): lower ``batch`` for
        large values.
        """
        batch = max(1, min(batch, TXN_MAX_OPS))
        pairs = list(items.items()) if isinstance(items, Mapping) else list(items)
        revision = 0
        for i in range(0, len(pairs), batch):
            ops = [
                {"request_put": {"key": b64(_bytes(k)), "value": b64(_bytes(v))}}
                for k, v in pairs[i : i + batch]
            ]
            revision = self._revision(await self.txn(ops))
        return revision

    async def revision(self) -> int:
        """The store's current revision."""
        data = await self.call("/v3/kv/range", {"key": b64(b"\0"), "count_only": True, "limit": 1})
        return self._revision(data)

    async def compact(self, revision: int | None = None, *, physical: bool = True) -> int:
        """Compact history up to ``revision`` (default: the current one); returns it."""
        if revision is None:
            revision = await self.revision()
        await self.call("/v3/kv/compaction", {"revision": str(revision), "physical": physical})
        return revision

    # -- auth setup ------------------------------------------------------------------

    async def add_user(self, name: str, password: str) -> None:
        await self.call("/v3/auth/user/add", {"name": name, "password": password})

    async def add_role(self, name: str) -> None:
        await self.call("/v3/auth/role/add", {"name": name})

    async def grant_prefix(self, role: str, prefix: str, permission: str = "READ") -> None:
        """Let ``role`` READ, WRITE or READWRITE every key under ``prefix``."""
        start = _bytes(prefix)
        perm = {"key": b64(start or b"\0"), "range_end": b64(prefix_range_end(start)), "permType": permission}
        await self.call("/v3/auth/role/grant", {"name": role, "perm": perm})

    async def grant_role(self, user: str, role: str) -> None:
        await self.call("/v3/auth/user/grant", {"user": user, "role": role})

    async def enable_auth(self, root_password: str) -> None:
        """Create ``root`` (with the ``root`` role) and switch authentication on.

        After this, every client needs a username and password; this client does not
        change its own credentials — open a new one as ``root`` to keep administering.
        """
        await self.add_user("root", root_password)
        await self.add_role("root")
        await self.grant_role("root", "root")
        await self.call("/v3/auth/enable", {})

    async def disable_auth(self) -> None:
        await self.call("/v3/auth/disable", {})
