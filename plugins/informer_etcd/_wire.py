"""etcd's JSON gateway encoding: base64 bytes, int64-as-string, prefix ranges, error bodies.

The gateway renders protobuf messages with "defaults omitted": a zero, false or empty
field is simply absent (``value`` of an empty value, ``more`` of a last page, ``type`` of
a PUT event, ``header.revision`` of a cancel message). Every reader here therefore uses
``.get`` with the proto default, never indexing.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from informer import (
    Expired,
    Forbidden,
    ResourceNotFound,
    ServerError,
    SourceError,
    TooManyRequests,
    Unauthorized,
)

__all__ = [
    "b64",
    "error_for",
    "is_invalid_token",
    "prefix_range_end",
    "unb64",
    "wire_int",
]


def b64(data: bytes) -> str:
    """Standard base64 with padding, as the gateway expects for ``bytes`` fields."""
    return base64.b64encode(data).decode("ascii")


def unb64(text: str | None) -> bytes:
    """Decode a ``bytes`` field; absent means empty."""
    if not text:
        return b""
    return binascii.a2b_base64(text)


def wire_int(value: Any, default: int = 0) -> int:
    """An int64 field: the gateway sends them as JSON strings (``"revision":"8"``)."""
    if value is None or value == "":
        return default
    return int(value)


def prefix_range_end(prefix: bytes) -> bytes:
    """The ``range_end`` that makes a range cover every key starting with ``prefix``.

    Increment the last byte that is not 0xff and cut what follows it; a prefix of only
    0xff bytes (or the empty prefix) has no upper bound, which etcd spells ``"\\0"``.
    """
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"


def _message(body: Any) -> str:
    if isinstance(body, Mapping):
        for field in ("message", "error"):
            value = body.get(field)
            if isinstance(value, str) and value:
                return value
    return ""


def is_invalid_token(status: int, body: Any) -> bool:
    """The server no longer accepts our auth token (expired, or the member restarted)."""
    msg = _message(body)
    return status == 401 or "invalid auth token" in msg or ("auth token" in msg and "expired" in msg)


def error_for(url: str, path: str, status: int, body: Any, *, username: str | None = None) -> SourceError:
    """Translate a gateway error answer into the informer's exception hierarchy.

    ``body`` is the decoded JSON (``{"error","message","code"}``) or the raw text when the
    answer was not JSON. The message names the server and what was asked, so a log line
    or ``wait_synced``'s timeout says exactly which etcd refused what.
    """
    msg = _message(body) or (body if isinstance(body, str) else "") or f"HTTP {status}"
    code = body.get("code") if isinstance(body, Mapping) else None
    where = f"etcd at {url} ({path})"
    if "compacted" in msg:
        return Expired(f"{where}: {msg}", status=410)
    if "user name is empty" in msg:
        return Unauthorized(
            f"{where}: authentication is enabled on this etcd; set the username and password options ({msg})",
            status=401,
        )
    if "authentication failed" in msg:
        who = f"user {username!r}" if username else "the given user"
        return Unauthorized(f"{where}: etcd rejected the credentials of {who}: {msg}", status=401)
    if status == 401 or code == 16:
        return Unauthorized(f"{where}: {msg}", status=401)
    if status == 403 or code == 7:
        who = f"user {username!r}" if username else "this client"
        return Forbidden(f"{where}: {who} is not allowed to do this: {msg}", status=403)
    if status == 429 or code == 8:
        return TooManyRequests(f"{where}: {msg}", status=429, retry_after=1.0)
    if status == 404 and code is None:
        return ResourceNotFound(f"{where}: not found (is this an etcd v3 gateway?): {msg}", status=404)
    return ServerError(f"{where}: HTTP {status}: {msg}", status=status)
