"""``informer-run`` against a real etcd, as real subprocesses: quick flags, a config file
with endpoints and credentials, and an unreachable etcd."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import trio
from informer_etcd import EtcdClient
from informer_etcd.testing import EtcdServer, free_port

from .test_informer import oracle

CLI = [sys.executable, "-m", "informer.cli"]


async def read_all(stream: trio.abc.ReceiveStream) -> bytes:
    chunks = []
    while chunk := await stream.receive_some(65536):
        chunks.append(chunk)
    return b"".join(chunks)


class JsonLines:
    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def next(self) -> dict[str, Any]:
        while b"\n" not in self.buffer:
            chunk = await self.stream.receive_some(65536)
            assert chunk, "informer-run closed its output"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        result: dict[str, Any] = json.loads(line)
        return result

    async def until(self, type: str) -> dict[str, Any]:
        while (event := await self.next())["type"] != type:
            pass
        return event


async def test_quick_flags_jsonl_and_snapshot(etcd_server: EtcdServer, tmp_path: Path, prefix: str) -> None:
    async with EtcdClient(etcd_server.url) as etcd:
        await etcd.put(f"{prefix}web", {"replicas": 2})
        await etcd.put(f"{prefix}broken", b"not json")
        snapshot = tmp_path / "snapshot.json"
        cmd = [*CLI, "--source", etcd_server.source_url, "--resource", prefix, "-o", "jsonl"]
        cmd += ["--snapshot", str(snapshot), "--log-level", "warning"]
        with trio.fail_after(30):
            proc = await trio.lowlevel.open_process(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            try:
                assert proc.stdout is not None
                lines = JsonLines(proc.stdout)
                added = await lines.next()
                assert (added["type"], added["key"], added["object"]) == ("ADDED", "web", {"replicas": 2})
                await lines.until("SYNCED")
                await etcd.put(f"{prefix}web", {"replicas": 3})
                await etcd.put(f"{prefix}db", {"engine": "pg"})
                await etcd.delete(f"{prefix}web")
                events = [await lines.next() for _ in range(3)]
                assert [(e["type"], e["key"]) for e in events] == [
                    ("MODIFIED", "web"),
                    ("ADDED", "db"),
                    ("DELETED", "web"),
                ]
                proc.send_signal(signal.SIGTERM)
                await proc.wait()
            finally:
                proc.kill()
                await proc.wait()
                assert proc.stderr is not None
                stderr = (await read_all(proc.stderr)).decode()
        assert proc.returncode == 0, stderr
        assert "broken" in stderr  # the undecodable value is reported with its key
        (cache,) = json.loads(snapshot.read_text()).values()
        assert cache == await oracle(etcd, prefix)


async def test_config_file_with_endpoints_and_credentials(private_etcd: EtcdServer, tmp_path: Path) -> None:
    async with EtcdClient(private_etcd.url) as admin:
        await admin.add_user("reader", "s3cret")
        await admin.add_role("apps")
        await admin.grant_prefix("apps", "/apps/")
        await admin.grant_role("reader", "apps")
        await admin.put("/apps/web", {"replicas": 1})
        await admin.enable_auth("root-pw")
    config = tmp_path / "informers.yaml"
    config.write_text(
        "sources:\n"
        "  cluster:\n"
        "    type: etcd\n"
        f'    endpoints: ["http://127.0.0.1:{free_port()}", "{private_etcd.url}"]\n'
        "    username: reader\n"
        "    password: s3cret\n"
        "informers:\n"
        "  - name: apps\n"
        "    resource: /apps/\n"
    )
    snapshot = tmp_path / "snapshot.json"
    cmd = [*CLI, "--config", str(config), "-o", "jsonl", "--snapshot", str(snapshot)]
    with trio.fail_after(30):
        proc = await trio.lowlevel.open_process(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            assert proc.stdout is not None
            lines = JsonLines(proc.stdout)
            await lines.until("SYNCED")
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        finally:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0
    assert json.loads(snapshot.read_text()) == {"apps": {"web": {"replicas": 1}}}

    config.write_text(config.read_text().replace("s3cret", "wrong"))
    result = await trio.run_process(
        [*CLI, "--config", str(config), "-o", "log", "--sync-timeout", "1"],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    assert result.returncode == 1
    assert "rejected the credentials of user 'reader'" in result.stderr.decode()


async def test_unreachable_etcd_exits_saying_connection_refused() -> None:
    port = free_port()
    cmd = [
        *CLI,
        "--source",
        f"etcd://127.0.0.1:{port}",
        "--resource",
        "/x/",
        "-o",
        "log",
        "--sync-timeout",
        "1",
    ]
    with trio.fail_after(30):
        result = await trio.run_process(cmd, capture_stdout=True, capture_stderr=True, check=False)
    assert result.returncode == 1
    assert f"connection refused to http://127.0.0.1:{port}" in result.stderr.decode()
