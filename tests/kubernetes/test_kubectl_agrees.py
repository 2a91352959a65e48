"""kubectl itself as the oracle for kubeconfig resolution: for the same files and the same
environment, ``kubectl config view --minify`` and :func:`load_kubeconfig` must pick the
same context, cluster, server and namespace — including KUBECONFIG merging."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import trio
import trustme
from informer_kubernetes.discovery import discover_resource_types
from informer_kubernetes.kubeconfig import load_kubeconfig

from ._kubeconfigs import exec_user, kubeconfig_doc, write_kubeconfig
from .conftest import ClusterFactory

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


def kubectl_view(env: dict[str, str], *args: str) -> dict[str, Any]:
    assert KUBECTL is not None
    out = subprocess.run(
        [KUBECTL, "config", "view", "--minify", "-o", "json", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def resolved_by_kubectl(env: dict[str, str], *args: str) -> tuple[str, str, str]:
    view = kubectl_view(env, *args)
    context = view["contexts"][0]
    return (
        view["current-context"],
        view["clusters"][0]["cluster"]["server"],
        context["context"].get("namespace") or "default",
    )


def test_merged_kubeconfig_resolves_as_kubectl_does(tmp_path: Path) -> None:
    first = kubeconfig_doc("https://first.example.com:6443", context="shared", user={"token": "a"})
    first["current-context"] = ""
    first["contexts"].append({"name": "ops", "context": {"cluster": "shared-cluster", "user": "shared-user"}})
    second = kubeconfig_doc(
        "https://second.example.com", context="shared", namespace="team", user={"token": "b"}
    )
    second["contexts"].append(
        {"name": "dev", "context": {"cluster": "dev-cluster", "user": "shared-user", "namespace": "dev"}}
    )
    second["clusters"].append({"name": "dev-cluster", "cluster": {"server": "https://dev.example.com"}})
    second["current-context"] = "dev"
    a = write_kubeconfig(tmp_path / "a.yaml", first)
    b = write_kubeconfig(tmp_path / "b.yaml", second)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "KUBECONFIG": os.pathsep.join([str(tmp_path / "missing.yaml"), str(a), str(b)]),
    }

    for context in (None, "shared", "ops", "dev"):
        args = ("--context", context) if context else ()
        ours = load_kubeconfig(env=env, context=context)
        assert (ours.context, ours.server, ours.namespace) == resolved_by_kubectl(env, *args), context


async def test_exec_plugin_sees_what_kubectl_shows_it(
    cluster: ClusterFactory, ca: trustme.CA, tmp_path: Path
) -> None:
    """Run the same exec plugin from kubectl and from us: same KUBERNETES_EXEC_INFO, args, env."""
    assert KUBECTL is not None
    state = tmp_path / "plugin"
    with trio.fail_after(30):
        async with cluster(["pods"]) as c:
            doc = kubeconfig_doc(c.server.url, ca=ca.cert_pem.bytes(), user=exec_user(state))
            doc["clusters"][0]["cluster"]["extensions"] = [
                {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "informer"}}
            ]
            path = write_kubeconfig(tmp_path / "config", doc)
            (state / "token").write_text("s3cret-token")
            env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
            result = await trio.run_process(
                [
                    KUBECTL,
                    "--kubeconfig",
                    str(path),
                    "--cache-dir",
                    str(tmp_path / "cache"),
                    "get",
                    "--raw",
                    "/api",
                ],
                env=env,
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
            assert result.returncode == 0, result.stderr.decode()
            found = await discover_resource_types({"kubeconfig": str(path)})
    assert [d["name"] for d in found] == ["pods"]
    kubectl_run, our_run = (json.loads(line) for line in (state / "runs.jsonl").read_text().splitlines())
    assert our_run == kubectl_run
    assert kubectl_run["info"]["spec"]["cluster"]["config"] == {"audience": "informer"}
