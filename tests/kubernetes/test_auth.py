"""Credentials on the wire: tokens, rotating token files, exec plugins, client certificates.

KubeAuth is unit-tested against an in-process httpx transport that plays an API server
checking the Authorization header; the exec plugin is a real subprocess, and client
certificates go through a real TLS handshake with a server that requires them.
"""

from __future__ import annotations

import json
import ssl
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import trio
import trustme
from informer import Unauthorized
from informer_kubernetes.client import KubeAuth, build_client
from informer_kubernetes.kubeconfig import load_kubeconfig

from ._kubeconfigs import b64, exec_user, kubeconfig_doc, write_kubeconfig


class Clock:
    """Wall-clock time that the test moves forward (exec expiry is wall-clock)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def api(accept: set[str], seen: list[str]) -> httpx.MockTransport:
    """An API server accepting only the given Authorization values."""

    def handle(request: httpx.Request) -> httpx.Response:
        header = request.headers.get("Authorization", "")
        seen.append(header)
        if header in accept:
            return httpx.Response(200, json={"kind": "APIVersions", "versions": ["v1"]})
        return httpx.Response(401, json={"kind": "Status", "reason": "Unauthorized", "code": 401})

    return httpx.MockTransport(handle)


def runs(folder: Path) -> list[dict[str, object]]:
    path = folder / "runs.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_static_token_and_basic(tmp_path: Path) -> None:
    seen: list[str] = []
    cfg = load_kubeconfig(
        write_kubeconfig(tmp_path / "c", kubeconfig_doc("https://k", user={"token": "abc"}))
    )
    async with httpx.AsyncClient(transport=api({"Bearer abc"}, seen), auth=KubeAuth(cfg)) as client:
        assert (await client.get("https://k/api")).status_code == 200
    basic = kubeconfig_doc("https://k", user={"username": "admin", "password": "pw"})
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "b", basic))
    async with httpx.AsyncClient(transport=api({"Basic YWRtaW46cHc="}, seen), auth=KubeAuth(cfg)) as client:
        assert (await client.get("https://k/api")).status_code == 200


async def test_token_file_is_reread_periodically_and_after_401(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("one\n")
    cfg = load_kubeconfig(
        write_kubeconfig(tmp_path / "c", kubeconfig_doc("https://k", user={"tokenFile": "token"}))
    )
    clock = Clock()
    seen: list[str] = []
    accept = {"Bearer one"}
    auth = KubeAuth(cfg, clock=clock, token_file_period=60)
    async with httpx.AsyncClient(transport=api(accept, seen), auth=auth) as client:
        assert (await client.get("https://k/api")).status_code == 200
        token.write_text("two\n")
        accept.add("Bearer two")
        await client.get("https://k/api")
        assert seen[-1] == "Bearer one"  # within the period: cached
        clock.now += 61
        await client.get("https://k/api")
        assert seen[-1] == "Bearer two"  # period over: re-read

        # rotated again and the old token revoked: the 401 makes it re-read at once
        token.write_text("three\n")
        accept.clear()
        accept.add("Bearer three")
        assert (await client.get("https://k/api")).status_code == 200
        assert seen[-2:] == ["Bearer two", "Bearer three"]

        # a file that vanished mid-rotation keeps the last good token
        token.unlink()
        clock.now += 61
        assert (await client.get("https://k/api")).status_code == 200


async def test_exec_plugin_runs_as_kubectl_runs_it(tmp_path: Path) -> None:
    state = tmp_path / "plugin"
    ca = trustme.CA().cert_pem.bytes()
    doc = kubeconfig_doc("https://k8s.example.com:6443", ca=ca, user=exec_user(state))
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", doc))
    (state / "token").write_text("exec-1")
    (state / "ttl").write_text("600")
    clock = Clock()
    seen: list[str] = []
    accept = {"Bearer exec-1"}
    auth = KubeAuth(cfg, clock=clock)
    async with httpx.AsyncClient(transport=api(accept, seen), auth=auth) as client:
        for _ in range(3):
            assert (await client.get("https://k/api")).status_code == 200
        assert auth.exec_runs == 1  # cached until expirationTimestamp

        (record,) = runs(state)
        assert record["args"] == ["--cluster=test"]
        assert record["env"] == "from-kubeconfig"
        info = record["info"]
        assert isinstance(info, dict)
        assert info["apiVersion"] == "client.authentication.k8s.io/v1"
        assert info["kind"] == "ExecCredential"
        assert info["spec"]["interactive"] is False
        assert info["spec"]["cluster"]["server"] == "https://k8s.example.com:6443"
        assert info["spec"]["cluster"]["certificate-authority-data"] == b64(ca)

        # past the expiry: the plugin runs again
        (state / "token").write_text("exec-2")
        accept.add("Bearer exec-2")
        clock.now += 601
        await client.get("https://k/api")
        assert seen[-1] == "Bearer exec-2"
        assert auth.exec_runs == 2

        # token revoked server-side before it expires: a 401 re-runs the plugin and retries once
        (state / "token").write_text("exec-3")
        (state / "ttl").write_text("3600")  # outlives the clock we moved forward
        accept.clear()
        accept.add("Bearer exec-3")
        response = await client.get("https://k/api")
        assert response.status_code == 200
        assert seen[-2:] == ["Bearer exec-2", "Bearer exec-3"]
        assert auth.exec_runs == 3

        # the plugin itself rejected: still 401 after one retry, no loop
        accept.clear()
        assert (await client.get("https://k/api")).status_code == 401
        assert auth.exec_runs == 4


async def test_exec_plugin_failure_is_reported(tmp_path: Path) -> None:
    state = tmp_path / "plugin"
    user = exec_user(state, api_version="client.authentication.k8s.io/v1beta1")
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", kubeconfig_doc("https://k", user=user)))
    (state / "fail").write_text("")
    async with httpx.AsyncClient(transport=api(set(), []), auth=KubeAuth(cfg)) as client:
        with pytest.raises(Unauthorized) as info:
            await client.get("https://k/api")
    message = str(info.value)
    assert "exited with status 3" in message
    assert "cannot reach the identity provider" in message
    assert "users[0].user.exec" in message

    missing = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "no-such-auth-plugin",
            "installHint": "install it with: pip install no-such-auth-plugin",
        }
    }
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config2", kubeconfig_doc("https://k", user=missing)))
    async with httpx.AsyncClient(transport=api(set(), []), auth=KubeAuth(cfg)) as client:
        with pytest.raises(Unauthorized, match=r"'no-such-auth-plugin' not found\s+install it with"):
            await client.get("https://k/api")


async def test_exec_output_is_checked(tmp_path: Path) -> None:
    script = tmp_path / "bad.py"
    script.write_text('print(\'{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "Nope"}\')\n')
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": sys.executable,
            "args": [str(script)],
            "interactiveMode": "IfAvailable",
        }
    }
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", kubeconfig_doc("https://k", user=user)))
    async with httpx.AsyncClient(transport=api(set(), []), auth=KubeAuth(cfg)) as client:
        with pytest.raises(Unauthorized, match="output kind is 'Nope'"):
            await client.get("https://k/api")


# ----------------------------------------------------------------------------- real mTLS


async def _mtls_server(ca: trustme.CA, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
    """A one-purpose HTTPS server that requires a client certificate and echoes its subject."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    ca.configure_trust(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED

    async def serve(stream: trio.SocketStream) -> None:
        tls = trio.SSLStream(stream, ctx, server_side=True)
        try:
            await tls.do_handshake()
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = await tls.receive_some(4096)
                if not chunk:
                    return
                data += chunk
            peer = tls.getpeercert() or {}
            names = [value for _kind, value in peer.get("subjectAltName", ())]
            body = json.dumps({"san": names[0] if names else None}).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            await tls.send_all(head + body)
            await tls.aclose()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(serve, listeners)


@pytest.fixture
async def mtls(nursery: trio.Nursery) -> AsyncIterator[tuple[trustme.CA, int]]:
    ca = trustme.CA()
    port = await nursery.start(_mtls_server, ca)
    yield ca, port


async def test_client_certificate_from_kubeconfig_and_from_exec(
    tmp_path: Path, mtls: tuple[trustme.CA, int]
) -> None:
    ca, port = mtls
    alice = ca.issue_cert("alice@example.com")
    user = {
        "client-certificate-data": b64(alice.cert_chain_pems[0].bytes()),
        "client-key-data": b64(alice.private_key_pem.bytes()),
    }
    doc = kubeconfig_doc(f"https://127.0.0.1:{port}", ca=ca.cert_pem.bytes(), user=user)
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", doc))
    with trio.fail_after(10):
        async with build_client(cfg) as client:
            response = await client.get("/api")
    assert response.json() == {"san": "alice@example.com"}

    # the exec plugin hands out a certificate instead of a token
    state = tmp_path / "plugin"
    bob = ca.issue_cert("bob@example.com")
    doc = kubeconfig_doc(f"https://127.0.0.1:{port}", ca=ca.cert_pem.bytes(), user=exec_user(state))
    (state / "cert").write_bytes(bob.cert_chain_pems[0].bytes())
    (state / "key").write_bytes(bob.private_key_pem.bytes())
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config2", doc))
    with trio.fail_after(10):
        async with build_client(cfg) as client:
            response = await client.get("/api")
    assert response.json() == {"san": "bob@example.com"}


async def test_relative_exec_command_resolves_against_the_kubeconfig(tmp_path: Path) -> None:
    folder = tmp_path / "kube"
    (folder / "bin").mkdir(parents=True)
    script = folder / "bin" / "get-token"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json\n"
        'print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",'
        ' "status": {"token": "from-relative"}}))\n'
    )
    script.chmod(0o755)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "./bin/get-token",
            "interactiveMode": "Never",
        }
    }
    cfg = load_kubeconfig(write_kubeconfig(folder / "config", kubeconfig_doc("https://k", user=user)))
    assert cfg.exec is not None and cfg.exec.command == str(folder / "bin" / "get-token")
    async with httpx.AsyncClient(transport=api({"Bearer from-relative"}, []), auth=KubeAuth(cfg)) as client:
        assert (await client.get("https://k/api")).status_code == 200


async def test_exec_plugin_that_needs_a_terminal_is_refused(tmp_path: Path) -> None:
    user = exec_user(tmp_path / "plugin")
    user["exec"]["interactiveMode"] = "Always"
    cfg = load_kubeconfig(write_kubeconfig(tmp_path / "config", kubeconfig_doc("https://k", user=user)))
    async with httpx.AsyncClient(transport=api(set(), []), auth=KubeAuth(cfg)) as client:
        with pytest.raises(Unauthorized, match="interactiveMode Always needs a terminal"):
            await client.get("https://k/api")
    assert not (tmp_path / "plugin" / "runs.jsonl").exists()
