""" "Watching etcd", followed step by step against a real etcd: every script's output and every
line ``informer-run`` prints is compared with what the page shows (the page's etcd listens on
port 2379; this one on an ephemeral port, substituted back before comparing)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_procs import EXAMPLES, Process, command

ETCD = EXAMPLES / "etcd"
CAPTURE = os.environ.get("DOCS_CAPTURE") == "1"


def shown(name: str, actual: str) -> str:
    """What the page shows in ``docs/examples/etcd/NAME`` (rewritten from ``actual`` first
    when ``DOCS_CAPTURE=1``)."""
    if CAPTURE:
        (ETCD / name).write_text(actual)
    return (ETCD / name).read_text()


pytestmark = pytest.mark.skipif(shutil.which("etcd") is None, reason="etcd is not installed")


@pytest.fixture(scope="module")
def etcd_url() -> Iterator[str]:
    from informer_etcd.testing import EtcdServer

    with EtcdServer() as server:
        yield server.url


def script(name: str, url: str) -> str:
    proc = subprocess.run(
        [sys.executable, str(ETCD / name), url], capture_output=True, text=True, timeout=60, cwd=ETCD
    )
    assert proc.returncode == 0, f"{name}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout.replace(url.rsplit(":", 1)[1], "2379")


def test_the_tutorial_end_to_end(etcd_url: str) -> None:
    port = etcd_url.rsplit(":", 1)[1]
    out = script("put_keys.py", etcd_url)
    assert out == shown("put_keys.out", out)

    page_lines = (ETCD / "watch.jsonl").read_text().splitlines()
    page_command = "informer-run --source etcd://127.0.0.1:2379 --resource /config/ --output jsonl"
    watcher = Process(command(page_command, **{"2379": port}))
    try:
        lines = watcher.wait_for(lambda ls: any('"SYNCED"' in line for line in ls))
        assert [json.loads(line) for line in lines] == [json.loads(line) for line in page_lines[:4]]

        out = script("change_keys.py", etcd_url)
        assert out == shown("change_keys.out", out)
        lines = watcher.wait_for(lambda ls: len(ls) >= len(page_lines))
        page_lines = shown("watch.jsonl", "".join(lines)).splitlines()
        assert [json.loads(line) for line in lines] == [json.loads(line) for line in page_lines]
    finally:
        assert watcher.stop() == 0, watcher.stderr
    # the warning about the value that is not JSON, as the page shows it (minus the time)
    warnings = "".join(line + "\n" for line in watcher.stderr.splitlines() if "WARNING" in line)
    warning = shown("watch.log", warnings).strip()
    assert re.sub(r"^\S+ ", "", warning) in watcher.stderr

    out = script("compaction.py", etcd_url)
    assert out == shown("compaction.out", out)
    out = script("read_config.py", etcd_url)
    assert out == shown("read_config.out", out)


def test_the_configuration_file_runs(etcd_url: str, tmp_path: Path) -> None:
    """The page's three-member file, with this test's one member first (failover past the
    members that are not there is the source's job, tested in tests/etcd)."""
    port = etcd_url.rsplit(":", 1)[1]
    text = (ETCD / "informers.yaml").read_text().replace("127.0.0.1:2379", f"127.0.0.1:{port}")
    (tmp_path / "informers.yaml").write_text(text)
    valid = subprocess.run(
        command("informer-run validate informers.yaml"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert valid.returncode == 0, valid.stdout + valid.stderr
    proc = Process([*command("informer-run --config informers.yaml"), "--output", "jsonl"], cwd=tmp_path)
    try:
        lines = proc.wait_for(lambda ls: any('"SYNCED"' in line for line in ls))
    finally:
        assert proc.stop() == 0, proc.stderr
    assert json.loads(lines[-1])["resource"] == "config"
