""" "Watching Kubernetes", followed step by step: a TLS API server with a bearer token (the
embedded server standing in for a cluster, certificates made with trustme as the page does),
the page's kubeconfig, kubectl, the page's curl scripts, and the ``informer-run`` commands —
whose output is compared with what the page shows.

``DOCS_CAPTURE=1 python -m pytest tests/docs/test_docs_kubernetes.py`` rewrites the shown
outputs from a real run instead (then review the diff)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docs_procs import EXAMPLES, Process, command, free_port

K8S = EXAMPLES / "kubernetes"
CAPTURE = os.environ.get("DOCS_CAPTURE") == "1"


def shown(name: str, actual: str) -> None:
    """``actual`` must be what the page shows in ``docs/examples/kubernetes/NAME``."""
    if CAPTURE:
        (K8S / name).write_text(actual)
    assert actual == (K8S / name).read_text()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str], str]]:
    """(working directory, environment, port) with the tutorial's API server running."""
    work = tmp_path_factory.mktemp("kubernetes")
    port = str(free_port())
    for name in ("kubeconfig.yaml", "api.sh", "create.sh", "change.sh"):
        (work / name).write_text((K8S / name).read_text().replace("8443", port))
    env = {**os.environ, "KUBECONFIG": str(work / "kubeconfig.yaml"), "HOME": str(work)}
    serve = (K8S / "serve.sh").read_text().replace("\\\n", " ").replace("8443", port).splitlines()
    assert serve[0] == "python -m trustme"
    subprocess.run(command(serve[0]), cwd=work, check=True, capture_output=True, timeout=60)
    server = Process(command(serve[1]), cwd=work, env=env)
    try:
        server.wait_for(lambda lines: any(f":{port}" in line for line in lines))
        yield work, env, port
    finally:
        server.stop()


def sh(script: str, work: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["bash", script], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def summary(line: str) -> str:
    """What the page's ``jq -c '{type, key, resourceVersion, data: .object.data}'`` prints
    (missing fields become null, as in jq)."""
    event = json.loads(line)
    out = {
        "type": event["type"],
        "key": event.get("key"),
        "resourceVersion": event["resourceVersion"],
        "data": (event.get("object") or {}).get("data"),
    }
    return json.dumps(out, separators=(",", ":"))


def test_the_tutorial_end_to_end(cluster: tuple[Path, dict[str, str], str]) -> None:
    work, env, _ = cluster
    shown("create.out", sh("create.sh", work, env))

    kubectl = subprocess.run(
        ["kubectl", "get", "configmaps"], cwd=work, env=env, capture_output=True, text=True, timeout=60
    )
    assert kubectl.returncode == 0, kubectl.stderr
    assert [line.split()[0] for line in kubectl.stdout.splitlines()] == [
        "NAME",
        "billing-config",
        "frontend-config",
        "frontend-flags",
    ]

    metrics = free_port()
    watch = "informer-run --source k8s --resource configmaps --selector app=frontend --output jsonl"
    watcher = Process([*command(watch), "--metrics-port", str(metrics)], cwd=work, env=env)
    try:
        lines = watcher.wait_for(lambda ls: any('"SYNCED"' in line for line in ls))
        sh("change.sh", work, env)
        lines = watcher.wait_for(lambda ls: len(ls) >= 6)
        events = [json.loads(line) for line in lines]
        # the default transform dropped managedFields (frontend-flags was created with some)
        assert all("managedFields" not in e["object"]["metadata"] for e in events if "object" in e)
        actual = "".join(summary(line) + "\n" for line in lines)
        if CAPTURE:
            (K8S / "watch.jsonl").write_text(actual)
        # SYNCED carries the list's resourceVersion, which a server may give as any version
        # not older than the objects' (the embedded one too, depending on timing)
        synced_rv = re.compile(r'("type":"SYNCED".*"resourceVersion":)"\d+"')
        assert synced_rv.sub(r"\1", actual) == synced_rv.sub(r"\1", (K8S / "watch.jsonl").read_text())

        body = httpx.get(f"http://127.0.0.1:{metrics}/metrics").text
        wanted = re.compile(
            r'^informer_(objects|events_total)\{.*type="(ADDED|MODIFIED|DELETED)"|^informer_objects'
        )
        shown("metrics.out", "".join(line + "\n" for line in body.splitlines() if wanted.match(line)))
    finally:
        assert watcher.stop() == 0, watcher.stderr

    # any resource the server's discovery lists, custom resources included
    widgets = Process(
        command("informer-run --source k8s --resource widgets.example.com --output jsonl"), cwd=work, env=env
    )
    try:
        lines = widgets.wait_for(lambda ls: any('"SYNCED"' in line for line in ls))
    finally:
        assert widgets.stop() == 0, widgets.stderr
    assert [json.loads(line)["key"] for line in lines[:-1]] == ["shop/gizmo"]

    # --discover: every resource the server lists
    everything = Process(command("informer-run --source k8s --discover --output jsonl"), cwd=work, env=env)
    served = {"configmaps", "deployments.apps", "widgets.example.com"}
    try:
        everything.wait_for(lambda ls: {json.loads(x)["resource"] for x in ls if '"SYNCED"' in x} >= served)
    finally:
        assert everything.stop() == 0, everything.stderr


def test_the_configuration_file_validates(cluster: tuple[Path, dict[str, str], str]) -> None:
    work, env, _ = cluster
    shutil.copy(K8S / "informers.yaml", work / "informers.yaml")
    proc = subprocess.run(
        command("informer-run validate informers.yaml"), cwd=work, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
