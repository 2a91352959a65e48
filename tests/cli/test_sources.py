"""``--source`` beyond plain HTTP: a kubeconfig context (``k8s``), discovery, and etcd prefixes."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest
import trio
from informer.server import ServerResource, open_embedded_server

from ._proc import run_cli


def deployment(namespace: str, name: str, replicas: int) -> dict[str, object]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"replicas": replicas},
    }


def kubeconfig(path: Path, server: str) -> Path:
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: other\n"
        f"clusters:\n- name: embedded\n  cluster:\n    server: {server}\n"
        "- name: elsewhere\n  cluster:\n    server: http://127.0.0.1:1\n"
        "users:\n- name: me\n  user: {}\n"
        "contexts:\n- name: test\n  context: {cluster: embedded, user: me}\n"
        "- name: other\n  context: {cluster: elsewhere, user: me}\n"
    )
    return path


async def test_k8s_context_by_name_and_by_discovery(tmp_path: Path) -> None:
    served = [ServerResource.parse("deployments.apps"), ServerResource.parse("widgets.example.com")]
    async with open_embedded_server(resources=served) as server:
        server.create("deployments.apps", deployment("web", "api", 3))
        server.create(
            "widgets.example.com",
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w1", "namespace": "web"},
            },
        )
        env = {"KUBECONFIG": str(kubeconfig(tmp_path / "kubeconfig", server.url))}
        by_name = ["--source", "k8s", "--context", "test", "--resource", "deployments.apps", "-o", "jsonl"]
        # widgets.example.com is known to no plugin: discovery finds it on the server
        discover = ["--source", "k8s://test", "--discover", "-o", "jsonl"]
        # and the same discovery straight over a Kubernetes-wire URL, no kubeconfig
        plain = ["--source", server.url, "--discover", "-o", "jsonl"]
        async with (
            run_cli(*by_name, env=env) as one,
            run_cli(*discover, env=env) as every,
            run_cli(*plain) as over_http,
        ):
            added = json.loads((await one.wait_line(r'"type":"ADDED"')).string)
            assert added["resource"] == "deployments.apps" and added["key"] == "web/api"
            await one.wait_line(r'"type":"SYNCED","resource":"deployments.apps"')
            await every.wait_line(r'"type":"SYNCED","resource":"deployments.apps"')
            widget = await every.wait_line(r'"type":"ADDED","resource":"widgets.example.com"')
            assert json.loads(widget.string)["key"] == "web/w1"
            await over_http.wait_line(r'"type":"SYNCED","resource":"widgets.example.com"')
            for proc in (one, every, over_http):
                proc.signal(signal.SIGTERM)
                assert await proc.wait() == 0


@pytest.mark.skipif(shutil.which("etcd") is None, reason="needs an etcd binary (CI installs etcd-server)")
async def test_etcd_prefix_as_a_resource(tmp_path: Path) -> None:
    from informer_etcd import EtcdClient
    from informer_etcd.testing import EtcdServer

    snap = tmp_path / "cache.json"
    etcd = EtcdServer()
    try:
        await trio.to_thread.run_sync(etcd.start)
        async with EtcdClient(etcd.url) as client:
            await client.put("/registry/services/a", json.dumps({"port": 1}))
            await client.put("/registry/services/b", json.dumps({"port": 2}))
            await client.put("/registry/other/x", json.dumps({"port": 3}))
            source = ["--source", etcd.source_url, "--resource", "/registry/services/"]
            async with run_cli(*source, "-o", "jsonl", "--snapshot", str(snap)) as proc:
                synced = json.loads((await proc.wait_line(r'"type":"SYNCED"')).string)
                assert synced["objects"] == 2
                await client.put("/registry/services/c", json.dumps({"port": 4}))
                await client.delete("/registry/services/a")
                await proc.wait_line(r'"type":"DELETED".*"key":"a"')
                proc.signal(signal.SIGTERM)
                with trio.fail_after(20):
                    assert await proc.wait() == 0
    finally:
        await trio.to_thread.run_sync(etcd.close)
    ((_, cache),) = json.loads(snap.read_text()).items()
    assert cache == {"b": {"port": 2}, "c": {"port": 4}}
