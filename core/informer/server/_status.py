"""Kubernetes ``Status`` objects: the body of every error the embedded server returns."""

from __future__ import annotations

from typing import Any

__all__ = ["StatusError", "status_body"]

_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


def status_body(
    code: int,
    message: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``Status`` object as kube-apiserver writes it (protocols.md B.7)."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": metadata or {},
        "status": "Failure",
        "message": message,
        "reason": reason or _REASONS.get(code, "InternalError"),
    }
    if details:
        body["details"] = details
    body["code"] = code
    return body


class StatusError(Exception):
    """A request the embedded server refuses; carries the HTTP code and the Status to send.

    The in-process write API (:meth:`EmbeddedServer.create` and friends) raises it too,
    so a test sees the same ``reason`` (``AlreadyExists``, ``Conflict``, ``NotFound``) a
    client would over HTTP.
    """

    def __init__(
        self,
        code: int,
        message: str,
        reason: str | None = None,
        *,
        details: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason or _REASONS.get(code, "InternalError")
        self.details = details
        self.metadata = metadata
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return status_body(self.code, self.message, self.reason, self.details, self.metadata)
