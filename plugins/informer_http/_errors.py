"""Kubernetes-wire failures -> informer exceptions (one table, shared by list and watch).

The reflector's policy hangs on the exception class alone (relist on
:class:`~informer.Expired`, back off on the rest, honour ``retry_after``), so the
mapping here is the whole contract between a Kubernetes-style server and the core.
Messages name the resource, the verb and the server, because they end up in
``wait_synced`` timeouts and logs read by someone who did not write the config.
"""

from __future__ import annotations

import ssl
from collections.abc import Mapping
from typing import Any

import httpx
import orjson
from informer import (
    ConnectFailed,
    ContinueExpired,
    Expired,
    Forbidden,
    ProtocolError,
    ResourceNotFound,
    ServerError,
    SourceError,
    TooManyRequests,
    Unauthorized,
)

__all__ = ["error_for_status", "error_for_transport", "status_message"]


def status_message(body: bytes | Mapping[str, Any] | None) -> tuple[str, Mapping[str, Any]]:
    """The ``message`` of a Status body (and the body), tolerating non-Status answers."""
    data: Any = body
    if isinstance(body, bytes | bytearray):
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            text = bytes(body[:200]).decode("utf-8", "replace").strip()
            return text, {}
    if isinstance(data, Mapping):
        message = data.get("message")
        return (str(message) if message else str(data.get("reason") or "")), data
    return "", {}


def _retry_after(headers: Mapping[str, str] | None, status: Mapping[str, Any]) -> float | None:
    raw = headers.get("retry-after") if headers is not None else None
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass  # an HTTP date: fall back to the Status' hint
    details = status.get("details")
    if isinstance(details, Mapping) and isinstance(details.get("retryAfterSeconds"), int | float):
        return float(details["retryAfterSeconds"])
    return None


def error_for_status(
    code: int,
    body: bytes | Mapping[str, Any] | None,
    *,
    resource: str,
    verb: str,
    url: str,
    headers: Mapping[str, str] | None = None,
    continued: bool = False,
) -> SourceError:
    """The exception for a non-2xx answer (or an in-stream ERROR event's Status)."""
    message, status = status_message(body)
    detail = f": {message}" if message else ""
    if code == 410:
        cls = ContinueExpired if continued else Expired
        return cls(f"{verb} {resource}: resource version expired (410){detail}", status=410)
    if code == 401:
        return Unauthorized(
            f"{verb} {resource} on {url}: unauthorized (401): credentials missing or rejected{detail}",
            status=401,
        )
    if code == 403:
        return Forbidden(f"{verb} {resource} on {url}: forbidden (403){detail}", status=403)
    if code == 404:
        return ResourceNotFound(
            f"{verb} {resource}: the server at {url} does not serve it (404){detail}", status=404
        )
    if code == 429:
        retry = _retry_after(headers, status)
        return TooManyRequests(
            f"{verb} {resource}: too many requests (429){detail}", status=429, retry_after=retry
        )
    retry = _retry_after(headers, status) if code in (503, 504) else None
    return ServerError(
        f"{verb} {resource} on {url}: server answered {code}{detail}", status=code, retry_after=retry
    )


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it was raised from, including members of exception groups
    (trio's ``open_tcp_stream`` reports each failed address inside a group)."""
    found: list[BaseException] = []
    pending = [exc]
    while pending:
        current = pending.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
    return found


def _tls_reason(causes: list[BaseException]) -> str | None:
    """The TLS failure among a connect error's causes, if that is what it is."""
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause.verify_message or str(cause)
    for cause in causes:
        if isinstance(cause, ssl.SSLError):
            return cause.reason or str(cause)
    return None


def error_for_transport(exc: httpx.TransportError, *, resource: str, verb: str, url: str) -> SourceError:
    """The exception for a request that got no HTTP answer at all."""
    host = httpx.URL(url).host
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
        causes = _causes(exc)
        reason = _tls_reason(causes)
        if reason is not None:
            return ConnectFailed(f"TLS handshake with {host} failed ({verb} {resource}): {reason}")
        if isinstance(exc, httpx.ConnectTimeout):
            return ConnectFailed(f"timed out connecting to {url} ({verb} {resource})")
        text = str(exc)
        if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text.lower():
            return ConnectFailed(f"connection refused to {url} ({verb} {resource})")
        return ConnectFailed(f"cannot connect to {url} ({verb} {resource}): {text or type(exc).__name__}")
    if isinstance(exc, httpx.TimeoutException):
        return ConnectFailed(f"{verb} {resource}: timed out talking to {url}: {type(exc).__name__}")
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ProtocolError(f"{verb} {resource}: unsupported URL {url}: {exc}")
    return ConnectFailed(f"{verb} {resource}: connection to {url} failed: {exc or type(exc).__name__}")
