"""Discovery against the embedded server over HTTPS: core and named groups, a custom
resource, several versions, and resolving the names a kubectl user types."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
import trio
import trustme
from informer import ConfigError, ConnectFailed, ResourceNotFound, Unauthorized
from informer.server import ServerResource
from informer_kubernetes.client import build_client
from informer_kubernetes.discovery import discover_resource, discover_resource_types, resolve_resource
from informer_kubernetes.kubeconfig import load_kubeconfig

from ._kubeconfigs import kubeconfig_doc, write_kubeconfig
from .conftest import ClusterFactory

RESOURCES = [
    "pods",
    "configmaps",
    "namespaces",
    "events",
    "deployments.apps",
    "events.events.k8s.io",
    "routes.gateway.example.com",
    "routes.v2.gateway.example.com",
]


async def test_discover_core_named_groups_and_custom_resources(cluster: ClusterFactory) -> None:
    with trio.fail_after(10):
        async with cluster(RESOURCES) as c:
            found = await discover_resource_types(c.options)
    by_name = {d["name"]: d for d in found}
    assert by_name["pods"] == {
        "name": "pods",
        "kind": "Pod",
        "group": "",
        "version": "v1",
        "plural": "pods",
        "namespaced": True,
        "short_names": ["po"],
        "transform": "drop-managed-fields",
        "description": by_name["pods"]["description"],
    }
    assert by_name["namespaces"]["namespaced"] is False
    assert by_name["deployments.apps"]["kind"] == "Deployment"
    assert by_name["deployments.apps"]["group"] == "apps"
    route = by_name["routes.gateway.example.com"]
    assert route["group"] == "gateway.example.com"
    assert route["plural"] == "routes"
    assert route["version"] in ("v1", "v2")
    # only the preferred version by default; core group first
    assert [d["name"] for d in found].count("routes.gateway.example.com") == 1
    assert not any(d["name"].startswith("routes.v") for d in found)
    assert found[0]["group"] == ""


async def test_all_versions_and_resolution(cluster: ClusterFactory) -> None:
    with trio.fail_after(10):
        async with cluster(RESOURCES) as c:
            found = await discover_resource_types(c.options, all_versions=True)
            v2 = await discover_resource(c.options, "routes.v2.gateway.example.com")
    assert v2["version"] == "v2" and v2["plural"] == "routes"

    assert resolve_resource("pods", found)["name"] == "pods"
    assert resolve_resource("po", found)["name"] == "pods"
    assert resolve_resource("pod", found)["name"] == "pods"
    assert resolve_resource("Pod", found)["name"] == "pods"
    assert resolve_resource("pods.v1", found)["name"] == "pods"
    assert resolve_resource("deployments.apps", found)["kind"] == "Deployment"
    assert resolve_resource("deployments.v1.apps", found)["version"] == "v1"
    assert resolve_resource("deploy", found)["name"] == "deployments.apps"
    assert resolve_resource("Deployment", found)["name"] == "deployments.apps"
    assert resolve_resource("cm", found)["name"] == "configmaps"
    # bare "events" is the core group's, as in kubectl
    assert resolve_resource("events", found)["group"] == ""
    assert resolve_resource("events.events.k8s.io", found)["group"] == "events.k8s.io"
    v1 = resolve_resource("routes.v1.gateway.example.com", found)
    assert v1["version"] == "v1"
    with pytest.raises(ResourceNotFound, match=r"doesn't have a resource type 'widgets' \(it has: .*pods"):
        resolve_resource("widgets", found)
    with pytest.raises(ResourceNotFound):
        resolve_resource("deployments.v9.apps", found)


async def test_resource_added_at_runtime_is_discovered(cluster: ClusterFactory) -> None:
    with trio.fail_after(10):
        async with cluster(["pods"]) as c:
            before = {d["name"] for d in await discover_resource_types(c.options)}
            c.server.add_resource(ServerResource(group="stable.example.com", version="v1", plural="crontabs"))
            after = {d["name"] for d in await discover_resource_types(c.options)}
    assert "crontabs.stable.example.com" not in before
    assert "crontabs.stable.example.com" in after


async def test_discovery_errors(cluster: ClusterFactory) -> None:
    with trio.fail_after(10):
        async with cluster(["pods"], token="wrong-token") as c:
            with pytest.raises(Unauthorized, match="401"):
                await discover_resource_types(c.options)
        async with cluster(["pods"]) as c:
            # a client that does not trust the test CA: the error names host and reason
            cfg = attrs.evolve(load_kubeconfig(c.kubeconfig), ca_data=None)
            async with build_client(cfg) as client:
                with pytest.raises(ConnectFailed) as info:
                    await discover_resource_types(client=client)
    message = str(info.value)
    assert "127.0.0.1" in message
    assert "certificate verify failed" in message


async def test_tls_server_name_is_used_for_sni_and_verification(
    cluster: ClusterFactory, ca: trustme.CA, tmp_path: Path
) -> None:
    with trio.fail_after(10):
        async with cluster(["pods"]) as c:

            def options(server_name: str) -> dict[str, str]:
                doc = kubeconfig_doc(
                    c.server.url,
                    ca=ca.cert_pem.bytes(),
                    user={"token": "s3cret-token"},
                    cluster_extra={"tls-server-name": server_name},
                )
                return {"kubeconfig": str(write_kubeconfig(tmp_path / server_name, doc))}

            # the certificate names 127.0.0.1 and localhost
            found = await discover_resource_types(options("localhost"))
            assert [d["name"] for d in found] == ["pods"]
            with pytest.raises(ConnectFailed, match=r"(?i)hostname mismatch.*kubernetes\.default\.svc"):
                await discover_resource_types(options("kubernetes.default.svc"))


async def test_discovery_takes_a_k8s_url(cluster: ClusterFactory) -> None:
    with trio.fail_after(10):
        async with cluster(["pods"]) as c:
            found = await discover_resource_types({"url": f"k8s://test?kubeconfig={c.kubeconfig}"})
            with pytest.raises(ConfigError, match="context 'nope' not found"):
                await discover_resource_types({"url": f"k8s://nope?kubeconfig={c.kubeconfig}"})
    assert [d["name"] for d in found] == ["pods"]
