"""One client's connection to an etcd cluster through the v3 JSON gateway.

Everything the source and the write client share lives here: the endpoint list and
failover, TLS, the auth token, and the translation of transport and gateway errors into
:mod:`informer`'s exceptions.

Failover. Requests go to the *current* endpoint. When it cannot be reached (connection
refused, DNS, TLS handshake, connect timeout) the next endpoint is tried, once around the
ring; only when every endpoint failed does the request raise
:class:`~informer.ConnectFailed`, whose message names each URL (``connection refused to
http://127.0.0.1:2379``) so ``wait_synced`` can say why it is not synced. A member that
answers 503 (no leader, shutting down) is moved past for the next request.

Auth. With ``username``/``password`` the first request fetches a token from
``/v3/auth/authenticate`` and sends it, bare, in the ``Authorization`` header. etcd's
default "simple" tokens expire after five idle minutes and die with the member that issued
them, so a token is dropped when the endpoint changes, and a request answered "invalid
auth token" re-authenticates and is retried once.

Watches. :meth:`EtcdConnection.stream` opens a streaming POST with no read timeout (an idle
watch sends nothing at all). The gateway is half duplex over HTTP/1.1: the whole request
body is sent at once, and the only way to cancel a watch is to close the connection,
which leaving the context manager does (an unfinished response is never returned to the
pool).
"""

from __future__ import annotations

import errno
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
import trio
from informer import ConnectFailed, ProtocolError, ServerError, SourceError, Unauthorized

from ._options import EtcdOptions
from ._wire import error_for, is_invalid_token

__all__ = ["EtcdConnection"]

_AUTH_PATH = "/v3/auth/authenticate"


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything behind it: causes, contexts, members of exception groups
    (trio reports a failed connect as an OSError caused by a group of per-address errors)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo and len(seen) < 32:
        cur = todo.pop()
        if any(cur is s for s in seen):
            continue
        seen.append(cur)
        if isinstance(cur, BaseExceptionGroup):
            todo.extend(cur.exceptions)
        for nxt in (cur.__cause__, cur.__context__):
            if nxt is not None:
                todo.append(nxt)
    return seen


def _describe_connect_error(url: str, exc: BaseException) -> str:
    """``connection refused to http://...`` for the common case, else the cause."""
    chain = _causes(exc)
    if any(
        isinstance(e, ConnectionRefusedError) or (isinstance(e, OSError) and e.errno == errno.ECONNREFUSED)
        for e in chain
    ):
        return f"connection refused to {url}"
    text = " ".join(str(e) for e in chain).lower()
    if "refused" in text:
        return f"connection refused to {url}"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in text or "certificate" in text:
        return f"TLS handshake with {url} failed: {exc}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out connecting to {url}"
    return f"cannot connect to {url}: {exc or type(exc).__name__}"


class EtcdConnection:
    """Shared HTTP client, endpoint ring and auth token for one etcd cluster."""

    def __init__(self, options: EtcdOptions) -> None:
        self.options = options
        self.endpoints = options.endpoints
        self._current = 0
        self._token: str | None = None
        #: how many tokens were fetched (a re-authentication after expiry adds one)
        self.authentications = 0
        self._token_endpoint: str | None = None
        self._auth_lock = trio.Lock()
        verify: ssl.SSLContext | bool = True
        if options.ca_file or options.cert_file:
            ctx = ssl.create_default_context(cafile=options.ca_file)
            if options.cert_file:
                ctx.load_cert_chain(options.cert_file, options.key_file)
            verify = ctx
        self._client = httpx.AsyncClient(
            verify=verify,
            timeout=httpx.Timeout(options.timeout),
            # One watch holds a connection for its lifetime; leave room for the
            # unary calls (list pages, auth) next to it.
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=8),
        )

    @property
    def url(self) -> str:
        """The endpoint requests currently go to."""
        return self.endpoints[self._current]

    def mark_failed(self, failed: str) -> None:
        """``failed`` misbehaved: send the next request to the next endpoint."""
        if self.endpoints[self._current] == failed:
            self._current = (self._current + 1) % len(self.endpoints)

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- auth ------------------------------------------------------------------------

    async def _headers(self, url: str) -> dict[str, str]:
        if self.options.username is None:
            return {}
        async with self._auth_lock:
            if self._token is None or self._token_endpoint != url:
                self._token = await self._authenticate(url)
                self._token_endpoint = url
            return {"Authorization": self._token}

    async def _authenticate(self, url: str) -> str:
        body = {"name": self.options.username, "password": self.options.password}
        resp = await self._client.post(url + _AUTH_PATH, content=orjson.dumps(body))
        data = self._json(url, _AUTH_PATH, resp.content)
        if resp.status_code != 200:
            raise error_for(url, _AUTH_PATH, resp.status_code, data, username=self.options.username)
        token = data.get("token") if isinstance(data, Mapping) else None
        if not isinstance(token, str) or not token:
            raise Unauthorized(
                f"etcd at {url}: authenticate returned no token (is auth enabled on the server?)", status=401
            )
        self.authentications += 1
        return token

    def _forget_token(self) -> None:
        self._token = None

    # -- unary calls -----------------------------------------------------------------

    @staticmethod
    def _json(url: str, path: str, content: bytes) -> Any:
        try:
            return orjson.loads(content)
        except orjson.JSONDecodeError:
            return content.decode("utf-8", "replace")[:500]

    async def call(self, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path`` and return the decoded answer, or raise a SourceError."""
        payload = orjson.dumps(body)
        reauthenticated = False
        while True:
            url, resp = await self._send(path, payload)
            data = self._json(url, path, resp.content)
            if resp.status_code == 200:
                if not isinstance(data, dict):
                    raise ProtocolError(f"etcd at {url} ({path}): answer is not a JSON object: {data!r:.200}")
                return data
            if not reauthenticated and self._token_expired(resp.status_code, data):
                reauthenticated = True
                continue
            raise self._failure(url, path, resp.status_code, data)

    def _token_expired(self, status: int, data: Any) -> bool:
        """True (and the token forgotten) when etcd refused our auth token: an expired simple
        token, or a restarted member that forgot it. The caller retries once with a new one."""
        if self.options.username is None or not is_invalid_token(status, data):
            return False
        self._forget_token()
        return True

    def _failure(self, url: str, path: str, status: int, data: Any) -> Exception:
        """The exception for a non-200 answer; a 503 also moves later requests to the next endpoint."""
        if status == 503:
            self.mark_failed(url)
        return error_for(url, path, status, data, username=self.options.username)

    async def _send(self, path: str, payload: bytes) -> tuple[str, httpx.Response]:
        failures: list[str] = []
        for _ in range(len(self.endpoints)):
            url = self.url
            try:
                headers = await self._headers(url)
                resp = await self._client.post(url + path, content=payload, headers=headers)
                return url, resp
            except httpx.TransportError as exc:
                if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout):
                    failures.append(_describe_connect_error(url, exc))
                    self.mark_failed(url)
                    self._forget_token()
                    continue
                # The member went away mid-request (crash, restart) or stopped answering:
                # let the caller's backoff retry; the next attempt starts from the next member.
                self.mark_failed(url)
                self._forget_token()
                if isinstance(exc, httpx.TimeoutException):
                    raise ConnectFailed(
                        f"no answer from {url} to {path} within {self.options.timeout:g}s (option 'timeout')"
                    ) from exc
                raise ConnectFailed(
                    f"connection to {url} lost during {path}: {exc or type(exc).__name__}"
                ) from exc
        raise ConnectFailed("; ".join(failures))

    # -- streams ---------------------------------------------------------------------

    @asynccontextmanager
    async def stream(self, path: str, body: Mapping[str, Any]) -> AsyncIterator[tuple[str, httpx.Response]]:
        """A streaming POST (a watch): yields ``(url, response)`` with a 200 status.

        Leaving the block closes the connection, which is how an etcd watch is cancelled.
        """
        payload = orjson.dumps(body)
        timeout = httpx.Timeout(self.options.timeout, read=None)
        reauthenticated = False
        while True:
            failures: list[str] = []
            resp: httpx.Response | None = None
            for _ in range(len(self.endpoints)):
                url = self.url
                try:
                    headers = await self._headers(url)
                    request = self._client.build_request(
                        "POST", url + path, content=payload, headers=headers, timeout=timeout
                    )
                    # No read timeout on the body (an idle watch is silent), but the
                    # headers must come promptly: a frozen member would hang here forever.
                    with trio.move_on_after(self.options.timeout):
                        resp = await self._client.send(request, stream=True)
                    if resp is not None:
                        break
                    failures.append(f"no answer from {url} to {path} within {self.options.timeout:g}s")
                except httpx.ConnectError as exc:
                    failures.append(_describe_connect_error(url, exc))
                except httpx.ConnectTimeout as exc:
                    failures.append(_describe_connect_error(url, exc))
                except httpx.TransportError as exc:
                    failures.append(f"connection to {url} lost opening {path}: {exc or type(exc).__name__}")
                self.mark_failed(url)
                self._forget_token()
            if resp is None:
                raise ConnectFailed("; ".join(failures))
            try:
                if resp.status_code != 200:
                    try:
                        content = await resp.aread()
                    except httpx.TransportError as exc:
                        raise ConnectFailed(f"connection to {url} lost reading {path}: {exc}") from exc
                    data = self._json(url, path, content)
                    if not reauthenticated and self._token_expired(resp.status_code, data):
                        reauthenticated = True
                        continue
                    raise self._failure(url, path, resp.status_code, data)
                yield url, resp
                return
            finally:
                await resp.aclose()

    def token_rejected(self) -> None:
        """A stream said our token is invalid: fetch a new one before the next request."""
        self._forget_token()


def stream_error(url: str, path: str, error: Mapping[str, Any]) -> SourceError:
    """The ``{"error": {...}}`` line a gateway stream ends with (e.g. server shutting down)."""
    message = error.get("message") or error.get("http_status") or "stream error"
    status = error.get("http_code")
    return ServerError(
        f"etcd at {url} ({path}) ended the stream: {message}",
        status=status if isinstance(status, int) else None,
    )
