"""Credentials on every request: :class:`KubeAuth`, an :class:`httpx.Auth` for Kubernetes.

Which credential is sent (one of them; client certificates travel in TLS instead):

1. a bearer token from ``tokenFile`` (or the in-cluster token file) — re-read when the last
   read is older than ``token_file_period`` (one minute, as client-go) and after a 401,
   keeping the last good value if a re-read fails, because kubelet rotates these files;
2. a bearer ``token`` written in the kubeconfig;
3. ``username``/``password`` as HTTP basic auth;
4. an ``exec`` plugin's token (or client certificate, loaded into the shared TLS context
   before the request's connection is made), cached until its ``expirationTimestamp``.

On a 401 a refreshable credential (token file, exec) is fetched again at once and, if it
changed, the request is sent once more — so an expired exec token costs one extra round
trip, not an informer backoff. A 401 that survives that reaches the source, which reports
it as :class:`informer.Unauthorized`.
"""

from __future__ import annotations

import base64
import ssl
import time
from collections.abc import AsyncGenerator, Callable, Generator, Mapping
from pathlib import Path

import httpx
import trio
from informer import Unauthorized

from ._exec import ExecCredential, run_exec_plugin
from ._tls import load_client_cert, make_ssl_context
from .kubeconfig import ClientConfig

__all__ = ["KubeAuth"]


class KubeAuth(httpx.Auth):
    """Adds the configured credential to each request and refreshes rotating ones."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        ssl_context: ssl.SSLContext | None = None,
        token_file_period: float = 60.0,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self._ssl_context = ssl_context if ssl_context is not None else make_ssl_context(config)
        self._period = token_file_period
        self._env = env
        self._clock = clock
        self._lock = trio.Lock()
        self._file_token: str | None = None
        self._file_read_at = float("-inf")
        self._exec: ExecCredential | None = None
        self._exec_cert_loaded: tuple[bytes, bytes] | None = None
        #: how many times the exec plugin ran (for tests and stats)
        self.exec_runs = 0

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """The TLS context an exec plugin's client certificate is loaded into."""
        return self._ssl_context

    # -- credential sources ---------------------------------------------------------------

    def _read_token_file(self, path: Path) -> None:
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            if self._file_token is None:
                raise Unauthorized(
                    f"{self.config.origin('token_file')}: cannot read token file: {exc.strerror or exc}"
                ) from None
            return  # keep the last good token; the file is being rotated
        self._file_token = token
        self._file_read_at = self._clock()

    async def _run_exec(self) -> None:
        assert self.config.exec is not None
        self.exec_runs += 1
        cred = await run_exec_plugin(self.config.exec, cluster=self.config, env=self._env)
        self._exec = cred
        if cred.client_cert_data is not None and cred.client_key_data is not None:
            pair = (cred.client_cert_data, cred.client_key_data)
            if pair != self._exec_cert_loaded:
                try:
                    load_client_cert(self._ssl_context, *pair, where=self.config.exec.origin)
                except Exception as exc:  # ConfigError: bad PEM from the plugin
                    raise Unauthorized(str(exc)) from None
                self._exec_cert_loaded = pair

    def _exec_valid(self) -> bool:
        cred = self._exec
        return cred is not None and (cred.expires_at is None or self._clock() < cred.expires_at)

    async def _ensure(self) -> None:
        cfg = self.config
        if cfg.token_file is not None:
            if self._clock() - self._file_read_at >= self._period:
                self._read_token_file(cfg.token_file)
        elif cfg.token or cfg.username is not None:
            return
        elif cfg.exec is not None and not self._exec_valid():
            async with self._lock:
                if not self._exec_valid():  # another task may have refreshed meanwhile
                    await self._run_exec()

    def _header(self) -> str | None:
        cfg = self.config
        if cfg.token_file is not None and self._file_token:
            return f"Bearer {self._file_token}"
        if cfg.token:
            return f"Bearer {cfg.token}"
        if cfg.username is not None:
            raw = f"{cfg.username}:{cfg.password or ''}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if self._exec is not None and self._exec.token:
            return f"Bearer {self._exec.token}"
        return None

    async def _refresh_after_401(self) -> bool:
        """Fetch a rotating credential again; True if the header changed."""
        before = (self._header(), self._exec_cert_loaded)
        cfg = self.config
        if cfg.token_file is not None:
            self._read_token_file(cfg.token_file)
        elif cfg.token or cfg.username is not None:
            return False
        elif cfg.exec is not None:
            async with self._lock:
                await self._run_exec()
        else:
            return False
        return (self._header(), self._exec_cert_loaded) != before

    def _apply(self, request: httpx.Request) -> None:
        header = self._header()
        if header is not None:
            request.headers["Authorization"] = header
        if self.config.tls_server_name:
            request.extensions["sni_hostname"] = self.config.tls_server_name

    # -- httpx.Auth -------------------------------------------------------------------------

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        await self._ensure()
        self._apply(request)
        response = yield request
        if response.status_code == 401 and await self._refresh_after_401():
            self._apply(request)
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("KubeAuth refreshes credentials with trio; use it with httpx.AsyncClient")
