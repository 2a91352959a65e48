"""The ``kubernetes`` plugin: a source for Kubernetes API servers, common core kinds, typed models.

Registered through the ``informer`` entry-point group like any third-party plugin. It
contributes:

* the source ``kubernetes`` (URL schemes ``k8s`` and ``kubernetes``), configured from a
  kubeconfig or a pod's service account (options below);
* resource types for a few kinds everybody watches (``pods``, ``services``, ``configmaps``,
  ``namespaces``, ``nodes``, ``deployments.apps``); any other resource — custom resources
  included — is found at run time by :mod:`informer_kubernetes.discovery`;
* typed decoders ``kubernetes.pod``, ``kubernetes.service``, ``kubernetes.configmap``,
  ``kubernetes.deployment`` (:mod:`informer_kubernetes.models`), opt-in per resource type.
"""

from __future__ import annotations

from typing import Any

from informer.plugins import hookimpl

from .discovery import resource_descriptor

__all__ = ["OPTIONS_SCHEMA", "informer_decoders", "informer_resource_types", "informer_sources"]

#: options of the ``kubernetes`` source (a config file's ``sources:`` entry)
OPTIONS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "url": {
            "type": "string",
            "description": "From `--source`: `k8s://` (current context), `k8s://CONTEXT`, "
            "`k8s://in-cluster`, or the API server's `https://` URL (overrides the kubeconfig's server).",
        },
        "kubeconfig": {
            "type": "string",
            "description": "kubeconfig file (default: $KUBECONFIG, ~/.kube/config).",
        },
        "context": {"type": "string", "description": "kubeconfig context (default: current-context)."},
        "in_cluster": {
            "type": "boolean",
            "description": "Use the pod's service account instead of a kubeconfig.",
        },
        "in_cluster_dir": {
            "type": "string",
            "description": "Service-account directory "
            "(default /var/run/secrets/kubernetes.io/serviceaccount).",
        },
        "server": {"type": "string", "description": "API server URL, overriding the kubeconfig's."},
        "page_size": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "List `limit` per page (default: the informer's, 500); null: one request.",
        },
        "watch_list": {
            "type": "boolean",
            "description": "Sync through a streaming list (`sendInitialEvents`) instead of paged lists.",
        },
        "watch_list_deadline": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds to wait for the initial-events-end bookmark before a plain list.",
        },
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds a list request may take (default 60; watches have no read timeout).",
        },
        "token_file_period": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "How often a token file is re-read, seconds (default 60, as client-go).",
        },
    },
}

#: (plural, group, kind, namespaced, short names) of the kinds contributed statically
_COMMON = (
    ("pods", "", "Pod", True, ("po",)),
    ("services", "", "Service", True, ("svc",)),
    ("configmaps", "", "ConfigMap", True, ("cm",)),
    ("namespaces", "", "Namespace", False, ("ns",)),
    ("nodes", "", "Node", False, ("no",)),
    ("deployments", "apps", "Deployment", True, ("deploy",)),
)


@hookimpl
def informer_sources() -> list[dict[str, Any]]:
    return [
        {
            "name": "kubernetes",
            "schemes": ["k8s", "kubernetes"],
            "factory": "informer_kubernetes.source:create_source",
            "options_schema": OPTIONS_SCHEMA,
            "description": "A Kubernetes API server, through a kubeconfig or a pod's service account.",
        }
    ]


@hookimpl
def informer_resource_types() -> list[dict[str, Any]]:
    out = []
    for plural, group, kind, namespaced, shorts in _COMMON:
        descriptor = resource_descriptor(
            group=group, version="v1", plural=plural, kind=kind, namespaced=namespaced, short_names=shorts
        )
        descriptor["description"] = f"Kubernetes {kind} ({descriptor['group'] or 'core'} group, v1)."
        out.append(descriptor)
    return out


@hookimpl
def informer_decoders() -> list[dict[str, Any]]:
    return [
        {
            "name": f"kubernetes.{cls.lower()}",
            "type": f"informer_kubernetes.models:{cls}",
            "description": f"Typed {cls}: attrs model with typed metadata (informer_kubernetes.models).",
        }
        for cls in ("Pod", "Service", "ConfigMap", "Deployment")
    ]
