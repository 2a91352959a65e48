"""Helpers writing real-shaped kubeconfig files and an exec credential plugin for the tests."""

from __future__ import annotations

import base64
import sys
import textwrap
from pathlib import Path
from typing import Any

import yaml


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def write_kubeconfig(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def kubeconfig_doc(
    server: str,
    *,
    ca: bytes | None = None,
    user: dict[str, Any] | None = None,
    context: str = "test",
    namespace: str | None = None,
    cluster_extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": server}
    if ca is not None:
        cluster["certificate-authority-data"] = b64(ca)
    cluster.update(cluster_extra or {})
    ctx: dict[str, Any] = {"cluster": f"{context}-cluster", "user": f"{context}-user"}
    if namespace:
        ctx["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": context,
        "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
        "users": [{"name": f"{context}-user", "user": user or {}}],
        "contexts": [{"name": context, "context": ctx}],
        "preferences": {},
    }


#: An exec credential plugin like aws-iam-authenticator/gke-gcloud-auth-plugin, reduced to
#: its contract: it reads KUBERNETES_EXEC_INFO, logs each run to a file, and prints an
#: ExecCredential whose token (and lifetime) come from files the test controls.
EXEC_PLUGIN = textwrap.dedent(
    """\
    import datetime, json, os, sys
    from pathlib import Path

    state = Path(sys.argv[1])
    info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
    with open(state / "runs.jsonl", "a") as fh:
        run = {"info": info, "args": sys.argv[2:], "env": os.environ.get("PLUGIN_ENV")}
        fh.write(json.dumps(run) + "\\n")
    if (state / "fail").exists():
        print("plugin: cannot reach the identity provider", file=sys.stderr)
        sys.exit(3)
    status = {}
    if (state / "token").exists():
        status["token"] = (state / "token").read_text().strip()
    if (state / "cert").exists():
        status["clientCertificateData"] = (state / "cert").read_text()
        status["clientKeyData"] = (state / "key").read_text()
    if (state / "ttl").exists():
        ttl = float((state / "ttl").read_text())
        when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=ttl)
        status["expirationTimestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    print(json.dumps({"apiVersion": info["apiVersion"], "kind": "ExecCredential", "status": status}))
    """
)


def exec_user(folder: Path, *, api_version: str = "client.authentication.k8s.io/v1") -> dict[str, Any]:
    """Write the plugin script into ``folder`` and return the kubeconfig ``user`` running it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.py").write_text(EXEC_PLUGIN)
    return {
        "exec": {
            "apiVersion": api_version,
            "command": sys.executable,
            "args": [str(folder / "plugin.py"), str(folder), "--cluster=test"],
            "env": [{"name": "PLUGIN_ENV", "value": "from-kubeconfig"}],
            "interactiveMode": "Never",
            "provideClusterInfo": True,
        }
    }
