"""The ``kubernetes`` source: :class:`informer_http.source.HttpSource` plus kubeconfig, TLS and auth.

The wire protocol — URLs, list paging, watch streaming, Status errors, streaming lists —
is the generic HTTP source's; this module only supplies what makes it a *Kubernetes*
client: where the server is and who we are (:mod:`informer_kubernetes.kubeconfig`), an
``httpx.AsyncClient`` with the cluster's CA, client certificate, proxy and refreshing
credentials (:mod:`informer_kubernetes.client`), and the ``options`` a user writes.

How an informer drives it (the core's reflector; protocols.md B.11, as client-go):

* list with ``limit`` (the informer's page size, default 500, or this source's
  ``page_size`` option when given; ``null`` lists in one request) and ``continue``; ``resourceVersion``
  ``"0"`` first, the last seen version on later relists, unset after a 410;
* watch with ``allowWatchBookmarks=true``, a random ``timeoutSeconds`` in [300, 600],
  the scope's label/field selectors, ``/namespaces/{ns}/`` when scoped to a namespace;
* 410 (HTTP or in-stream ERROR) → :class:`informer.Expired` → relist; 429 →
  :class:`informer.TooManyRequests` carrying ``Retry-After``; 401/403 →
  :class:`informer.Unauthorized` / :class:`informer.Forbidden` naming verb and resource;
* ``watch(send_initial_events=True)`` is the streaming list (``sendInitialEvents=true``,
  ``resourceVersionMatch=NotOlderThan``); the reflector waits ``watch_list_deadline`` for
  the ``k8s.io/initial-events-end`` bookmark and falls back to a plain list.

Options (validated against the plugin's ``options_schema`` first): ``url``
(``k8s://`` = current context, ``k8s://CONTEXT``, ``k8s://in-cluster``, or an
``https://`` server URL; ``?kubeconfig=PATH`` may follow), ``kubeconfig``, ``context``,
``in_cluster``, ``in_cluster_dir``, ``server``, ``page_size``, ``watch_list``,
``watch_list_deadline``, ``token_file_period``, ``timeout``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

import httpx
from informer import ListPage, SourceSpec
from informer_http.source import HttpSource

from .client import build_client
from .kubeconfig import ClientConfig, load_client_config, merged_options, options_from_url

__all__ = ["DEFAULT_PAGE_SIZE", "KubernetesSource", "create_source", "options_from_url"]

DEFAULT_PAGE_SIZE = 500


class _Unset(enum.Enum):
    UNSET = "unset"


#: ``page_size`` not configured: the informer's page size (500 by default) is used
UNSET = _Unset.UNSET


class KubernetesSource(HttpSource):
    """List + watch of one resource type on a Kubernetes API server.

    ``config`` is the resolved connection (from the options, or given directly by library
    users who built one). The ``httpx.AsyncClient`` is created here and closed by
    :meth:`aclose`.
    """

    def __init__(
        self,
        spec: SourceSpec,
        config: ClientConfig,
        *,
        page_size: int | _Unset | None = UNSET,
        watch_list: bool = False,
        watch_list_deadline: float = 60.0,
        token_file_period: float = 60.0,
        timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config

        def factory() -> httpx.AsyncClient:
            return build_client(
                config,
                timeout=httpx.Timeout(timeout, connect=10.0),
                env=env,
                token_file_period=token_file_period,
            )

        super().__init__(spec, client_factory=factory, base_url=config.server)
        self.description = f"{config.server} {spec.resource.name} ({config.description})"
        self.page_size = page_size
        #: whether this source's user asked for streaming lists, and how long to wait for
        #: their end bookmark; read by whoever builds the informer (``InformerSpec``)
        self.watch_list = watch_list
        self.watch_list_deadline = watch_list_deadline

    async def list(
        self,
        *,
        resource_version: str | None,
        limit: int | None,
        continue_token: str | None,
    ) -> ListPage:
        # The reflector asks for its page size, or for no limit at all when a continue
        # token expired (one consistent unpaged list); a configured page size replaces
        # the former and never the latter.
        if limit is not None and self.page_size is not UNSET:
            limit = self.page_size
        return await super().list(
            resource_version=resource_version, limit=limit, continue_token=continue_token
        )


def create_source(spec: SourceSpec) -> KubernetesSource:
    """The ``kubernetes`` plugin's source factory: options -> :class:`KubernetesSource`."""
    options = merged_options(spec.options)
    config = load_client_config(options)
    page_size = options.get("page_size", UNSET)
    return KubernetesSource(
        spec,
        config,
        page_size=page_size,
        watch_list=bool(options.get("watch_list", False)),
        watch_list_deadline=float(options.get("watch_list_deadline", 60.0)),
        token_file_period=float(options.get("token_file_period", 60.0)),
        timeout=float(options.get("timeout", 60.0)),
    )
