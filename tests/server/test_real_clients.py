"""Real Kubernetes clients written by others accept the embedded server.

* ``kubectl`` (``/usr/bin/kubectl``, a real subprocess with a generated kubeconfig and a
  fresh ``--cache-dir`` per test): ``get``, ``get -o json``, ``get --raw``, ``get -w``;
  over plain HTTP and over HTTPS with a bearer token and a test CA.
* the official ``kubernetes`` Python client: typed list, custom-object list, and watch
  (run in a worker thread, since that client is blocking).
"""

from __future__ import annotations

import base64
import json
import shutil
import ssl
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import kubernetes.client
import kubernetes.watch
import pytest
import trio
import trustme
import yaml
from informer.server import EmbeddedServer, open_embedded_server

from .conftest import RESOURCES, ROUTES, route

# routes are served at v1 and v2 (one set of objects): kubectl reads the preferred v2
SERVED = RESOURCES

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


def kubeconfig(path: Path, url: str, *, token: str | None = None, ca_pem: bytes | None = None) -> Path:
    cluster: dict[str, Any] = {"server": url}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    user: dict[str, Any] = {"token": token} if token else {}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "embedded", "cluster": cluster}],
        "users": [{"name": "tester", "user": user}],
        "contexts": [
            {"name": "embedded", "context": {"cluster": "embedded", "user": "tester", "namespace": "default"}}
        ],
        "current-context": "embedded",
    }
    path.write_text(yaml.safe_dump(config))
    return path


class Kubectl:
    def __init__(self, config: Path, cache: Path) -> None:
        self.config = config
        self.cache = cache

    def argv(self, *args: str) -> list[str]:
        return [KUBECTL, "--kubeconfig", str(self.config), "--cache-dir", str(self.cache), *args]

    async def __call__(self, *args: str, deadline: float = 20) -> subprocess.CompletedProcess[bytes]:
        with trio.fail_after(deadline):
            return await trio.run_process(
                self.argv(*args), capture_stdout=True, capture_stderr=True, check=False
            )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedServer, Kubectl]]:
    async with open_embedded_server(SERVED, bookmark_interval=0.5) as server:
        server.create("configmaps", {"metadata": {"name": "settings"}, "data": {"mode": "fast"}})
        server.create(ROUTES, route("checkout"))
        server.create(ROUTES, route("search"))
        config = kubeconfig(tmp_path / "kubeconfig", server.url)
        yield server, Kubectl(config, tmp_path / "cache")


async def test_kubectl_get(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, kubectl = world
    result = await kubectl("get", "routes.gateway.example.com")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == ["NAME", "AGE"]
    assert [line.split()[0] for line in lines[1:]] == ["checkout", "search"]
    core = await kubectl("get", "configmaps")
    assert core.returncode == 0, core.stderr
    assert "settings" in core.stdout.decode()
    # kubectl went through discovery and the collection URL
    paths = [r.path for r in server.requests]
    assert "/apis" in paths and "/apis/gateway.example.com/v2/namespaces/default/routes" in paths
    missing = await kubectl("get", "widgets")
    assert missing.returncode != 0 and b"widgets" in missing.stderr


async def test_kubectl_get_json_and_single_object(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, kubectl = world
    result = await kubectl("get", "routes.gateway.example.com", "-o", "json")
    assert result.returncode == 0, result.stderr
    items = json.loads(result.stdout)["items"]
    assert [i["metadata"]["name"] for i in items] == ["checkout", "search"]
    assert items[0]["apiVersion"] == "gateway.example.com/v2"  # the preferred version
    assert items[0] == server.list_objects("routes.v2.gateway.example.com")["default/checkout"]
    one = await kubectl("get", "configmap", "settings", "-o", "json")
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["data"] == {"mode": "fast"}
    absent = await kubectl("get", "configmap", "nope")
    assert absent.returncode != 0
    assert b'Error from server (NotFound): configmaps "nope" not found' in absent.stderr


async def test_kubectl_label_and_patch(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, kubectl = world
    labelled = await kubectl("label", "routes.gateway.example.com", "checkout", "team=payments")
    assert labelled.returncode == 0, labelled.stderr
    assert server.get(ROUTES, "default/checkout")["metadata"]["labels"] == {"team": "payments"}  # type: ignore[index]
    patched = await kubectl(
        "patch", "configmap", "settings", "--type", "merge", "-p", '{"data":{"mode":"safe"}}'
    )
    assert patched.returncode == 0, patched.stderr
    assert server.get("configmaps", "default/settings")["data"] == {"mode": "safe"}  # type: ignore[index]
    json_patched = await kubectl(
        "patch",
        "configmap",
        "settings",
        "--type",
        "json",
        "-p",
        '[{"op":"add","path":"/data/extra","value":"x"}]',
    )
    assert json_patched.returncode == 0, json_patched.stderr
    assert server.get("configmaps", "default/settings")["data"] == {"mode": "safe", "extra": "x"}  # type: ignore[index]
    deleted = await kubectl("delete", "routes.gateway.example.com", "search")
    assert deleted.returncode == 0, deleted.stderr
    assert set(server.list_objects(ROUTES)) == {"default/checkout"}


MANIFEST = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: applied}
data: {a: "%s"}
---
apiVersion: gateway.example.com/v1
kind: Route
metadata: {name: applied}
spec: {pathPrefix: /applied}
"""


async def test_kubectl_apply_create_replace_delete(
    world: tuple[EmbeddedServer, Kubectl], tmp_path: Path
) -> None:
    """No OpenAPI document is served, so client-side validation is off (--validate=false)."""
    server, kubectl = world
    manifest = tmp_path / "manifest.yaml"
    manifest.write_text(MANIFEST % "1")
    first = await kubectl("apply", "--validate=false", "-f", str(manifest))
    assert first.returncode == 0, first.stderr
    assert first.stdout.decode().split("\n")[:2] == [
        "configmap/applied created",
        "route.gateway.example.com/applied created",
    ]
    manifest.write_text(MANIFEST % "2")
    second = await kubectl("apply", "--validate=false", "-f", str(manifest))
    assert second.returncode == 0, second.stderr
    assert b"configmap/applied configured" in second.stdout
    assert b"route.gateway.example.com/applied unchanged" in second.stdout
    assert server.get("configmaps", "default/applied")["data"] == {"a": "2"}  # type: ignore[index]
    again = await kubectl("create", "--validate=false", "-f", str(manifest))
    assert again.returncode != 0 and b"Error from server (AlreadyExists)" in again.stderr
    replaced = await kubectl("replace", "--validate=false", "-f", str(manifest))
    assert replaced.returncode == 0, replaced.stderr
    deleted = await kubectl("delete", "-f", str(manifest))
    assert deleted.returncode == 0, deleted.stderr
    assert "default/applied" not in server.list_objects("configmaps")


async def test_kubectl_get_raw(world: tuple[EmbeddedServer, Kubectl]) -> None:
    _, kubectl = world
    result = await kubectl("get", "--raw", "/apis/gateway.example.com/v1/namespaces/default/routes?limit=1")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["kind"] == "RouteList" and len(body["items"]) == 1 and body["metadata"]["continue"]
    version = await kubectl("get", "--raw", "/version")
    assert json.loads(version.stdout)["major"] == "1"


async def test_kubectl_watch_sees_live_changes(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, kubectl = world
    argv = kubectl.argv(
        "get", "routes.gateway.example.com", "-w", "--output-watch-events", "--request-timeout=20s"
    )
    output = b""
    with trio.fail_after(20):
        proc = await trio.lowlevel.open_process(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert proc.stdout is not None
        try:
            async with trio.open_nursery() as nursery:

                async def churn() -> None:
                    await server.wait_watching(ROUTES)
                    server.create(ROUTES, route("payments"))
                    server.delete(ROUTES, "default/search")

                nursery.start_soon(churn)
                while output.count(b"\n") < 5:  # header, 2 listed, 2 live
                    chunk = await proc.stdout.receive_some()
                    if not chunk:
                        break
                    output += chunk
        finally:
            proc.kill()
            await proc.wait()
    rows = [line.split()[:2] for line in output.decode().splitlines()]
    assert rows == [
        ["EVENT", "NAME"],
        ["ADDED", "checkout"],
        ["ADDED", "search"],
        ["ADDED", "payments"],
        ["DELETED", "search"],
    ]


async def test_kubectl_watch_ends_cleanly_when_the_server_ends_the_stream(
    world: tuple[EmbeddedServer, Kubectl],
) -> None:
    _, kubectl = world
    result = await kubectl("get", "configmaps", "-w", "--request-timeout=2s")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().split()[:3] == ["NAME", "DATA", "AGE"] or b"settings" in result.stdout


async def test_kubectl_over_https_with_token(tmp_path: Path) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    async with open_embedded_server(SERVED, tls=context, tokens={"s3cret": None}) as server:
        server.create(ROUTES, route("secure"))
        good = Kubectl(
            kubeconfig(tmp_path / "good", server.url, token="s3cret", ca_pem=ca.cert_pem.bytes()),
            tmp_path / "c1",
        )
        result = await good("get", "routes.gateway.example.com", "-o", "name")
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().strip() == "route.gateway.example.com/secure"
        bad = Kubectl(
            kubeconfig(tmp_path / "bad", server.url, token="wrong", ca_pem=ca.cert_pem.bytes()),
            tmp_path / "c2",
        )
        denied = await bad("get", "--raw", "/apis/gateway.example.com/v1/routes")
        assert denied.returncode != 0 and b"Unauthorized" in denied.stderr


def _official_client(url: str) -> kubernetes.client.ApiClient:
    configuration = kubernetes.client.Configuration()
    configuration.host = url
    return kubernetes.client.ApiClient(configuration)


async def test_official_client_lists_and_watches(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, _ = world

    def list_and_watch() -> tuple[Any, Any, list[tuple[str, str]]]:
        with _official_client(server.url) as api_client:
            core = kubernetes.client.CoreV1Api(api_client)
            config_maps = core.list_namespaced_config_map("default", limit=10)
            custom = kubernetes.client.CustomObjectsApi(api_client)
            routes = custom.list_namespaced_custom_object("gateway.example.com", "v1", "default", "routes")
            seen: list[tuple[str, str]] = []
            watcher = kubernetes.watch.Watch()
            for event in watcher.stream(
                custom.list_namespaced_custom_object,
                "gateway.example.com",
                "v1",
                "default",
                "routes",
                resource_version=routes["metadata"]["resourceVersion"],
                timeout_seconds=10,
            ):
                seen.append((event["type"], event["object"]["metadata"]["name"]))
                if len(seen) == 2:
                    watcher.stop()
            return config_maps, routes, seen

    async def churn() -> None:
        await server.wait_watching(ROUTES)
        server.update(ROUTES, route("checkout") | {"spec": {"pathPrefix": "/v2"}})
        server.delete(ROUTES, "default/search")

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(churn)
            config_maps, routes, seen = await trio.to_thread.run_sync(list_and_watch)
    assert [cm.metadata.name for cm in config_maps.items] == ["settings"]
    assert config_maps.items[0].data == {"mode": "fast"}
    assert config_maps.metadata.resource_version
    assert [r["metadata"]["name"] for r in routes["items"]] == ["checkout", "search"]
    assert seen == [("MODIFIED", "checkout"), ("DELETED", "search")]


async def test_official_client_typed_watch(world: tuple[EmbeddedServer, Kubectl]) -> None:
    server, _ = world

    def watch_config_maps() -> list[tuple[str, str, str]]:
        with _official_client(server.url) as api_client:
            core = kubernetes.client.CoreV1Api(api_client)
            seen = []
            watcher = kubernetes.watch.Watch()
            for event in watcher.stream(core.list_namespaced_config_map, "default", timeout_seconds=10):
                obj = event["object"]
                seen.append((event["type"], obj.metadata.name, obj.kind))
                if len(seen) == 2:
                    watcher.stop()
            return seen

    async def churn() -> None:
        await server.wait_watching("configmaps")
        server.create("configmaps", {"metadata": {"name": "more"}})

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(churn)
            seen = await trio.to_thread.run_sync(watch_config_maps)
    assert seen == [("ADDED", "settings", "ConfigMap"), ("ADDED", "more", "ConfigMap")]
