"""trio-informer's Kubernetes plugin: informers on a Kubernetes API server.

Public API (the modules hold the details)::

    from informer_kubernetes import (
        load_kubeconfig, load_in_cluster, load_client_config, ClientConfig,   # where and who
        build_client, KubeAuth,                                               # an httpx client for it
        KubernetesSource, create_source,                                      # the informer source
        discover_resource_types, discover_resource, resolve_resource,         # what the server has
    )

* :mod:`informer_kubernetes.kubeconfig` — kubeconfig files (``KUBECONFIG`` merging,
  contexts, inline or file credentials, exec plugins) and in-cluster service accounts;
* :mod:`informer_kubernetes.client` — the ``httpx.AsyncClient`` with TLS, proxy and
  refreshing credentials;
* :mod:`informer_kubernetes.source` — the ``kubernetes`` source, built on the generic
  Kubernetes-wire :class:`informer_http.source.HttpSource`;
* :mod:`informer_kubernetes.discovery` — ``/api`` and ``/apis`` as resource type descriptors;
* :mod:`informer_kubernetes.models` — typed Pod, Service, ConfigMap, Deployment;
* :mod:`informer_kubernetes.plugin` — the hooks registered under the entry point ``kubernetes``.
"""

from __future__ import annotations

from .client import KubeAuth, build_client
from .discovery import discover_resource, discover_resource_types, resolve_resource
from .kubeconfig import ClientConfig, ExecConfig, load_client_config, load_in_cluster, load_kubeconfig
from .source import KubernetesSource, create_source

__all__ = [
    "ClientConfig",
    "ExecConfig",
    "KubeAuth",
    "KubernetesSource",
    "build_client",
    "create_source",
    "discover_resource",
    "discover_resource_types",
    "load_client_config",
    "load_in_cluster",
    "load_kubeconfig",
    "resolve_resource",
]
