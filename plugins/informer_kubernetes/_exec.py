"""Running an ``exec`` credential plugin the way kubectl does.

The contract (``client.authentication.k8s.io/v1`` and ``v1beta1``): the plugin is started
with our environment plus the ``env`` of its kubeconfig entry and ``KUBERNETES_EXEC_INFO``,
a JSON ``ExecCredential`` whose ``spec`` says whether it may talk to a person
(``interactive``) and, with ``provideClusterInfo``, which cluster it is for. It prints an
``ExecCredential`` of the same ``apiVersion`` whose ``status`` holds a bearer ``token`` or a
``clientCertificateData``/``clientKeyData`` pair and optionally an
``expirationTimestamp``; the credential is cached until then (and re-fetched when the
server answers 401, see :mod:`informer_kubernetes._auth`).

An informer never runs attached to a terminal, so ``interactive`` is always false and a
plugin that demands ``interactiveMode: Always`` is refused, as kubectl refuses it without
a terminal. The plugin's stderr is captured and quoted in the error when it fails.
"""

from __future__ import annotations

import base64
import datetime
import os
import shutil
import subprocess
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import orjson
import trio
from informer import Unauthorized

if TYPE_CHECKING:
    from .kubeconfig import ClientConfig, ExecConfig

__all__ = ["ExecCredential", "exec_info", "run_exec_plugin"]


@attrs.frozen(slots=True)
class ExecCredential:
    """What a plugin returned: a token or a client certificate, and until when it is good."""

    token: str | None = None
    client_cert_data: bytes | None = None
    client_key_data: bytes | None = None
    #: POSIX timestamp after which the credential must be fetched again (None = never)
    expires_at: float | None = None


def exec_info(exe: ExecConfig, cluster: ClientConfig | None) -> dict[str, Any]:
    """The ``KUBERNETES_EXEC_INFO`` document for one run."""
    spec: dict[str, Any] = {"interactive": False}
    if exe.provide_cluster_info and cluster is not None:
        info: dict[str, Any] = {"server": cluster.server}
        if cluster.tls_server_name:
            info["tls-server-name"] = cluster.tls_server_name
        if cluster.insecure_skip_tls_verify:
            info["insecure-skip-tls-verify"] = True
        if cluster.ca_data is not None:
            info["certificate-authority-data"] = base64.b64encode(cluster.ca_data).decode("ascii")
        if cluster.proxy_url:
            info["proxy-url"] = cluster.proxy_url
        if exe.cluster_config is not None:
            info["config"] = exe.cluster_config
        spec["cluster"] = info
    return {"kind": "ExecCredential", "apiVersion": exe.api_version, "spec": spec}


def _fail(exe: ExecConfig, message: str) -> Unauthorized:
    return Unauthorized(f"exec credential plugin {exe.command!r} ({exe.origin}): {message}")


def _parse_time(exe: ExecConfig, value: Any) -> float | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise _fail(exe, f"status.expirationTimestamp must be an RFC 3339 string, not {value!r}")
    try:
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise _fail(exe, f"status.expirationTimestamp {value!r} is not an RFC 3339 time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return when.timestamp()


def parse_exec_output(exe: ExecConfig, stdout: bytes) -> ExecCredential:
    """Check and read a plugin's ``ExecCredential`` output."""
    try:
        doc = orjson.loads(stdout)
    except orjson.JSONDecodeError as exc:
        raise _fail(exe, f"output is not JSON ({exc})") from None
    if not isinstance(doc, Mapping):
        raise _fail(exe, "output is not a JSON object")
    if doc.get("kind") != "ExecCredential":
        raise _fail(exe, f"output kind is {doc.get('kind')!r}, expected 'ExecCredential'")
    if doc.get("apiVersion") != exe.api_version:
        raise _fail(
            exe,
            f"output apiVersion is {doc.get('apiVersion')!r}, the kubeconfig asked for {exe.api_version!r}",
        )
    status = doc.get("status")
    if not isinstance(status, Mapping):
        raise _fail(exe, "output has no status")
    token = status.get("token") or None
    cert = status.get("clientCertificateData") or None
    key = status.get("clientKeyData") or None
    if (cert is None) != (key is None):
        raise _fail(exe, "status must hold both clientCertificateData and clientKeyData, or neither")
    if token is None and cert is None:
        raise _fail(exe, "status holds neither a token nor a client certificate")
    if token is not None and not isinstance(token, str):
        raise _fail(exe, "status.token must be a string")
    if cert is not None and not (isinstance(cert, str) and isinstance(key, str)):
        raise _fail(exe, "status.clientCertificateData and clientKeyData must be PEM strings")
    return ExecCredential(
        token=token,
        client_cert_data=cert.encode() if cert else None,
        client_key_data=key.encode() if isinstance(key, str) else None,
        expires_at=_parse_time(exe, status.get("expirationTimestamp")),
    )


async def run_exec_plugin(
    exe: ExecConfig, *, cluster: ClientConfig | None = None, env: Mapping[str, str] | None = None
) -> ExecCredential:
    """Run the plugin once and return its credential; raises :class:`informer.Unauthorized`."""
    if exe.interactive_mode == "Always":
        raise _fail(exe, "interactiveMode Always needs a terminal, and an informer has none")
    environ = dict(os.environ if env is None else env)
    environ.update(exe.env)
    environ["KUBERNETES_EXEC_INFO"] = orjson.dumps(exec_info(exe, cluster)).decode()
    command = exe.command
    if os.sep not in command:
        found = shutil.which(command, path=environ.get("PATH"))
        if found is None:
            hint = f"\n\n{exe.install_hint}" if exe.install_hint else ""
            raise _fail(exe, f"executable {command!r} not found{hint}")
        command = found
    try:
        result = await trio.run_process(
            [command, *exe.args],
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
    except OSError as exc:
        raise _fail(exe, f"cannot run: {exc.strerror or exc}") from None
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", "replace").strip()
        tail = f": {stderr[-500:]}" if stderr else ""
        raise _fail(exe, f"exited with status {result.returncode}{tail}")
    return parse_exec_output(exe, result.stdout)
