"""The status -> exception table (a pure function; the integration tests cover the wire)."""

from __future__ import annotations

import pytest
from informer import (
    ContinueExpired,
    Expired,
    Forbidden,
    ResourceNotFound,
    ServerError,
    SourceError,
    TooManyRequests,
    Unauthorized,
)
from informer_http._errors import error_for_status


def status(code: int, message: str = "why", **extra: object) -> dict[str, object]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "message": message,
        "code": code,
        **extra,
    }


@pytest.mark.parametrize(
    ("code", "continued", "cls"),
    [
        (410, False, Expired),
        (410, True, ContinueExpired),
        (401, False, Unauthorized),
        (403, False, Forbidden),
        (404, False, ResourceNotFound),
        (429, False, TooManyRequests),
        (500, False, ServerError),
        (503, False, ServerError),
        (400, False, ServerError),
        (422, False, ServerError),
    ],
)
def test_each_status_has_its_exception(code: int, continued: bool, cls: type[SourceError]) -> None:
    error = error_for_status(
        code, status(code), resource="pods", verb="list", url="https://k", continued=continued
    )
    assert type(error) is cls
    assert error.status == code
    assert "pods" in str(error) and "why" in str(error)


def test_retry_after_from_header_or_status_details() -> None:
    from_header = error_for_status(
        429, status(429), resource="r", verb="v", url="u", headers={"retry-after": "3"}
    )
    assert from_header.retry_after == 3.0
    details = status(429, details={"retryAfterSeconds": 5})
    assert error_for_status(429, details, resource="r", verb="v", url="u").retry_after == 5.0
    unavailable = error_for_status(
        503, status(503), resource="r", verb="v", url="u", headers={"retry-after": "2"}
    )
    assert isinstance(unavailable, ServerError) and unavailable.retry_after == 2.0


def test_bodies_that_are_not_status_objects() -> None:
    html = error_for_status(502, b"<html>Bad Gateway</html>", resource="r", verb="watch", url="http://lb")
    assert isinstance(html, ServerError) and "<html>Bad Gateway" in str(html)
    empty = error_for_status(401, b"", resource="r", verb="list", url="http://k")
    assert isinstance(empty, Unauthorized) and "credentials missing or rejected" in str(empty)
