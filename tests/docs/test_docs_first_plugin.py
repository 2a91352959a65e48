""" "Your first resource plugin", followed to the letter: the tutorial's files are copied into a
new project, installed into a fresh virtual environment with ``pip install -e .``, their tests
run with the project's pytest plugin, ``informer-run plugins`` lists the plugin, and the
"Run it" section — server, config file, curl commands — prints what the page says it prints."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from docs_procs import EXAMPLES, Process, free_port

TUTORIAL = EXAMPLES / "informer-flags"


def run(argv: list[str | Path], cwd: Path, timeout: float = 120) -> str:
    proc = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{argv} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(project directory, the venv's python) with informer-flags built as the "Publish it"
    section builds it, and its wheel installed into a fresh virtual environment."""
    tmp = tmp_path_factory.mktemp("first-plugin")
    project = tmp / "informer-flags"
    shutil.copytree(
        TUTORIAL, project, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build", "dist")
    )
    # `python -m build`: the sdist and the wheel you would upload
    run([sys.executable, "-m", "build", "-q", "."], cwd=project)
    # the files the page names
    built = sorted(p.name for p in (project / "dist").iterdir())
    assert built == ["informer_flags-0.1.0-py3-none-any.whl", "informer_flags-0.1.0.tar.gz"]
    wheel = project / "dist" / built[0]
    venv = tmp / "venv"
    # A fresh environment that sees trio-informer (installed here) but nothing of this project.
    run([sys.executable, "-m", "venv", "--without-pip", "--system-site-packages", venv], cwd=tmp)
    python = venv / "bin" / "python"
    # `pip install informer-flags`, from the wheel, by this interpreter's pip on the venv's behalf
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel], cwd=tmp)
    return project, python


def test_its_tests_pass_with_the_pytest_plugin(installed: tuple[Path, Path]) -> None:
    project, python = installed
    out = run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)
    assert "3 passed" in out, out


def test_informer_run_plugins_lists_it(installed: tuple[Path, Path]) -> None:
    project, python = installed
    out = run([python, "-m", "informer.cli", "plugins"], cwd=project)
    for name in ("flags", "flags.flags.example.com", "flags.flag", "flags.by-owner", "flags.announcer"):
        assert name in out, out


def test_run_it_prints_what_the_page_shows(installed: tuple[Path, Path]) -> None:
    project, python = installed
    port, metrics = str(free_port()), free_port()
    (project / "flags-test.yaml").write_text((project / "flags.yaml").read_text().replace("8080", port))
    (project / "try-test.sh").write_text((project / "try.sh").read_text().replace("8080", port))
    serve = ["serve", "--port", port, "--no-demo", "--resource", "flags.flags.example.com"]
    server = Process([python, "-m", "informer.cli", *serve], cwd=project)
    runner: Process | None = None
    try:
        server.wait_for(lambda lines: any(f":{port}" in line for line in lines))
        runner = Process(
            [python, "-m", "informer.cli", "--config", "flags-test.yaml", "--metrics-port", str(metrics)],
            cwd=project,
        )
        deadline = time.monotonic() + 20
        while True:  # ready = every informer synced
            try:
                if httpx.get(f"http://127.0.0.1:{metrics}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, runner.stderr
            time.sleep(0.1)
        run(["bash", "try-test.sh"], cwd=project)
        expected = (project / "try.out").read_text().splitlines()
        lines = runner.wait_for(lambda lines: len(lines) >= len(expected))
        assert [line.rstrip("\n") for line in lines] == expected
    finally:
        if runner is not None:
            assert runner.stop() == 0, runner.stderr
        server.stop()
