"""The kubernetes plugin as the registry loads it, its typed models, and aggregated discovery."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from informer import DecodeError
from informer.plugins import Registry, load_plugins
from informer_kubernetes.discovery import AGGREGATED_ACCEPT, discover_resource_types
from informer_kubernetes.models import ConfigMap, Deployment, Pod, Service


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_plugins(["kubernetes"], autoload=False)


def test_plugin_loads_cleanly(registry: Registry) -> None:
    assert [e for e in registry.errors if e.plugin == "kubernetes"] == []
    assert registry.source_for_scheme("k8s").name == "kubernetes"
    assert registry.source_for_scheme("kubernetes").name == "kubernetes"
    for name in ("pods", "services", "configmaps", "namespaces", "nodes", "deployments.apps"):
        assert registry.resource_type(name).plugin == "kubernetes"
    assert registry.resource_type("po").name == "pods"
    assert registry.resource_type("deploy").name == "deployments.apps"
    assert registry.resource_type("nodes").namespaced is False


def test_resource_types_drop_managed_fields(registry: Registry) -> None:
    pods = registry.resource_type("pods")
    assert pods.transform is not None
    obj = {"metadata": {"name": "a", "managedFields": [{"manager": "kubectl"}]}}
    assert pods.transform(obj) == {"metadata": {"name": "a"}}
    assert "namespace" in pods.indexers


def test_source_options_are_validated(registry: Registry) -> None:
    assert registry.options_problems("sources", "kubernetes", {"context": "dev", "page_size": 100}) == []
    problems = registry.options_problems("sources", "kubernetes", {"page_size": 0, "contxt": "dev"})
    shown = " ".join(message for _parts, message in problems)
    assert "contxt" in shown
    assert "0 is less than the minimum of 1" in shown


WIRE_POD: dict[str, Any] = {
    "metadata": {
        "name": "web-0",
        "namespace": "shop",
        "resourceVersion": "42",
        "labels": {"app": "web"},
        "managedFields": [{"manager": "kubelet"}],
        "ownerReferences": [
            {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "u1", "controller": True}
        ],
    },
    "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "nginx"}]},
    "status": {"phase": "Running", "podIP": "10.0.0.7", "conditions": [{"type": "Ready", "status": "True"}]},
}


def test_typed_decoders(registry: Registry) -> None:
    pod = registry.decoder("kubernetes.pod")(WIRE_POD)
    assert isinstance(pod, Pod)
    assert pod.metadata.resource_version == "42"
    assert pod.metadata.owner_references[0].controller is True
    assert (pod.status.pod_ip, pod.node_name, pod.ready) == ("10.0.0.7", "node-1", True)
    assert pod.kind == "Pod"  # list items of core kinds carry no kind: the default fills in

    svc = registry.decoder("kubernetes.service")(
        {
            "metadata": {"name": "web"},
            "spec": {"clusterIP": "10.96.0.10", "ports": [{"port": 80, "targetPort": "http"}]},
        }
    )
    assert isinstance(svc, Service)
    assert svc.spec.cluster_ip == "10.96.0.10"
    assert svc.spec.ports[0].target_port == "http"

    cm = registry.decoder("kubernetes.configmap")({"metadata": {"name": "c"}, "data": {"k": "v"}})
    assert isinstance(cm, ConfigMap) and cm.data == {"k": "v"}

    deploy = registry.decoder("kubernetes.deployment")(
        {
            "metadata": {"name": "d", "generation": 3},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 3, "updatedReplicas": 2, "availableReplicas": 2},
        }
    )
    assert isinstance(deploy, Deployment) and deploy.rolled_out

    with pytest.raises(DecodeError, match=r"\$\.spec\.replicas"):
        registry.decoder("kubernetes.deployment")({"metadata": {"name": "d"}, "spec": {"replicas": "many"}})


async def test_aggregated_discovery_answer_is_read() -> None:
    """A 1.26+ API server answers /api and /apis with APIGroupDiscoveryList documents."""
    core = {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "items": [
            {
                "metadata": {"name": ""},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "pods",
                                "responseKind": {"group": "", "version": "v1", "kind": "Pod"},
                                "scope": "Namespaced",
                                "shortNames": ["po"],
                                "verbs": ["get", "list", "watch"],
                                "subresources": [{"subresource": "status", "verbs": ["get"]}],
                            },
                            {
                                "resource": "bindings",
                                "responseKind": {"kind": "Binding"},
                                "scope": "Namespaced",
                                "verbs": ["create"],
                            },
                        ],
                    }
                ],
            }
        ],
    }
    groups = {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "items": [
            {
                "metadata": {"name": "apps"},
                "versions": [
                    {
                        "version": "v1",
                        "resources": [
                            {
                                "resource": "deployments",
                                "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                                "scope": "Namespaced",
                                "verbs": ["list", "watch"],
                            }
                        ],
                    },
                    {
                        "version": "v1beta1",
                        "resources": [
                            {
                                "resource": "controllerrevisions",
                                "responseKind": {"kind": "ControllerRevision"},
                                "scope": "Namespaced",
                                "verbs": ["list", "watch"],
                            }
                        ],
                    },
                ],
            }
        ],
    }
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.url.path} {request.headers['accept']}")
        body = {"/api": core, "/apis": groups}.get(request.url.path)
        if body is None:
            return httpx.Response(404)
        ctype = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        return httpx.Response(200, json=body, headers={"content-type": ctype})

    async with httpx.AsyncClient(base_url="https://k8s", transport=httpx.MockTransport(handle)) as client:
        found = await discover_resource_types(client=client)
    assert [(d["name"], d["version"], d["namespaced"]) for d in found] == [
        ("pods", "v1", True),
        ("deployments.apps", "v1", True),
        ("controllerrevisions.apps", "v1beta1", True),  # only in a non-preferred version
    ]
    assert seen == [f"/api {AGGREGATED_ACCEPT}", f"/apis {AGGREGATED_ACCEPT}"]  # nothing else fetched
