"""The how-to guides' commands, run for real: validating a configuration file, running it with
metrics and a snapshot, reloading an edited file, and a sync that cannot succeed. Output the
pages show is compared with the real output (log timestamps aside).

``DOCS_CAPTURE=1 python -m pytest tests/docs/test_docs_howto.py`` rewrites the shown outputs
from a real run instead (then review the diff)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docs_procs import EXAMPLES, Process, command, free_port, wait_until

PRODUCTION = EXAMPLES / "production"
CAPTURE = os.environ.get("DOCS_CAPTURE") == "1"
TIME = re.compile(r"^\d\d:\d\d:\d\d ", re.M)


def shown(path: Path, actual: str) -> None:
    """``actual`` must be what the page shows (the file it includes)."""
    if CAPTURE:
        path.write_text(actual)
    assert actual == path.read_text()


def without_times(text: str) -> str:
    return TIME.sub("", text)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """(working directory holding the guide's files for this server, its port)."""
    work = tmp_path_factory.mktemp("howto")
    port = str(free_port())
    for path in PRODUCTION.glob("*.yaml"):
        (work / path.name).write_text(path.read_text().replace("8080", port))
    proc = Process(
        command("informer-run serve --port 8080 --resource configmaps --no-churn", **{"8080": port})
    )
    try:
        proc.wait_for(lambda lines: any(f":{port}" in line for line in lines))
        yield work, port
    finally:
        proc.stop()


def run(text: str, cwd: Path, **substitutions: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(text, **substitutions), cwd=cwd, capture_output=True, text=True, timeout=60)


def test_validate_names_the_mistake(server: tuple[Path, str]) -> None:
    work, _ = server
    (work / "check").mkdir(exist_ok=True)
    shutil.copy(work / "informers-broken.yaml", work / "check" / "informers.yaml")
    bad = run("informer-run validate informers.yaml", work / "check")
    assert bad.returncode == 2
    shown(PRODUCTION / "validate-broken.out", bad.stdout + bad.stderr)


def test_production_run_metrics_reload_snapshot_and_sigterm(server: tuple[Path, str]) -> None:
    """The production guide's command (valid file, metrics, health, readiness, debug cache,
    snapshot on SIGTERM) and, in the same run, the reload guide's edits (it has --watch-config)."""
    work, port = server
    metrics = str(free_port())
    page = "informer-run --config informers.yaml --watch-config --metrics-port 9100 --snapshot cache.json"
    log = work / "stderr.log"
    proc = Process(command(page, **{"9100": metrics}), cwd=work, stderr_file=log)
    base = f"http://127.0.0.1:{metrics}"
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"{base}/readyz").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(ready, what="/readyz")
        assert httpx.get(f"{base}/healthz").status_code == 200
        body = httpx.get(f"{base}/metrics").text
        objects = "".join(line + "\n" for line in body.splitlines() if line.startswith("informer_objects"))
        shown(PRODUCTION / "metrics.out", objects)
        cache = httpx.get(f"{base}/debug/cache").json()
        assert {name: len(objs) for name, objs in cache.items()} == {
            "services.demo.informer.dev": 10,
            "routes.demo.informer.dev": 8,
        }

        # Reload configuration: an edit, then a broken edit
        shutil.copy(work / "informers-edited.yaml", work / "informers.yaml")
        wait_until(lambda: "reloaded" in log.read_text(), what="the reload")
        wait_until(lambda: "configmaps: synced" in log.read_text(), what="the new informer's sync")
        mark = len(log.read_text())
        shutil.copy(work / "informers-broken.yaml", work / "informers.yaml")
        wait_until(lambda: "refused" in log.read_text()[mark:], what="the refusal")
    finally:
        status = proc.stop(signal.SIGTERM)
    assert status == 0, proc.stderr
    snapshot = json.loads((work / "cache.json").read_text())
    assert {name: len(objs) for name, objs in snapshot.items()} == {
        "services.demo.informer.dev": 10,
        "routes.demo.informer.dev": 20,  # after the edit: every namespace
        "configmaps": 0,
    }

    lines = without_times(proc.stderr).replace(f":{port}", ":8080").splitlines()
    start = next(i for i, line in enumerate(lines) if "stopped informer 'routes" in line)
    end = next(i for i, line in enumerate(lines) if "reloaded" in line)
    if CAPTURE:
        (PRODUCTION / "reload.out").write_text("".join(line + "\n" for line in lines[start : end + 1]))
    # starts and stops of different informers may interleave
    shown_lines = without_times((PRODUCTION / "reload.out").read_text()).splitlines()
    assert sorted(lines[start : end + 1]) == sorted(shown_lines)
    refused = [line for line in lines if "refused" in line]
    shown(PRODUCTION / "reload-refused.out", "".join(line + "\n" for line in refused))


def test_a_sync_that_cannot_happen_says_why() -> None:
    page = "informer-run --source http://127.0.0.1:9 --resource configmaps --sync-timeout 1"
    proc = run(page, Path.cwd())
    assert proc.returncode == 1
    out = without_times(proc.stdout + proc.stderr).splitlines()
    shown_out = without_times((EXAMPLES / "stuck-sync" / "refused.out").read_text()).splitlines()
    if CAPTURE:
        (EXAMPLES / "stuck-sync" / "refused.out").write_text(proc.stdout + proc.stderr)
        return
    # the first and last lines exactly; the warnings in between repeat as often as it retried
    assert out[0] == shown_out[0] and out[-1] == shown_out[-1]
    assert set(out[1:-1]) <= set(shown_out[1:-1])
