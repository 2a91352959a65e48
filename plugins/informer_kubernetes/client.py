"""An :class:`httpx.AsyncClient` for one Kubernetes API server, built from a :class:`ClientConfig`.

The client carries everything connection-specific — base URL, TLS context (CA, client
certificate), proxy, credentials (:class:`~informer_kubernetes._auth.KubeAuth`), SNI name —
so the wire code (:mod:`informer_http`) stays server-agnostic and just sends requests.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

import httpx
import informer

from ._auth import KubeAuth
from ._tls import make_ssl_context
from .kubeconfig import ClientConfig

__all__ = ["DEFAULT_TIMEOUT", "USER_AGENT", "KubeAuth", "build_client"]

USER_AGENT = f"trio-informer/{informer.__version__} (kubernetes)"

#: Connect quickly or fail; reads are bounded per request by the source (a watch has no
#: read timeout beyond its own ``timeoutSeconds``).
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


#: Credentials shared by the clients of one identity: informers of fifty resources on one
#: cluster run an exec plugin once, not fifty times (client-go shares its transport the same
#: way). Weak values: an entry lives as long as a client that uses it.
_SHARED: weakref.WeakValueDictionary[tuple[str, ...], KubeAuth] = weakref.WeakValueDictionary()


def _identity(config: ClientConfig, token_file_period: float) -> tuple[str, ...]:
    return (
        config.server,
        config.description,
        repr(config.exec),
        str(config.token_file),
        config.token or "",
        config.username or "",
        str(token_file_period),
    )


def build_client(
    config: ClientConfig,
    *,
    timeout: httpx.Timeout | None = None,
    env: Mapping[str, str] | None = None,
    token_file_period: float = 60.0,
    share_credentials: bool = True,
) -> httpx.AsyncClient:
    """A client for ``config.server`` with its TLS, proxy and credentials.

    Without ``proxy-url`` in the kubeconfig, the usual ``HTTPS_PROXY``/``NO_PROXY``
    environment applies (as in kubectl, where Go's default transport reads them).
    With ``share_credentials`` (the default) clients built for the same identity share one
    :class:`KubeAuth` and TLS context, hence one exec-plugin cache and token-file reader.
    """
    key = _identity(config, token_file_period)
    auth = _SHARED.get(key) if share_credentials and env is None else None
    if auth is None:
        auth = KubeAuth(
            config, ssl_context=make_ssl_context(config), env=env, token_file_period=token_file_period
        )
        if share_credentials and env is None:
            _SHARED[key] = auth
    ctx = auth.ssl_context
    return httpx.AsyncClient(
        base_url=config.server,
        verify=ctx,
        proxy=config.proxy_url,
        trust_env=config.proxy_url is None,
        auth=auth,
        timeout=timeout or DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
    )
