"""The tutorials' programs, run as a reader runs them: the very files the pages include.

Each program under ``docs/examples/`` is executed in a subprocess; where a page shows its
output, the output is compared with the file the page includes (exactly when the program is
deterministic, line by line in shape when it prints measurements). A changed API breaks
these tests, not the reader. ``DOCS_CAPTURE=1`` rewrites the shown outputs from a real run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


CAPTURE = os.environ.get("DOCS_CAPTURE") == "1"


def shown(path: Path, actual: str) -> str:
    """The output the page shows (rewritten from ``actual`` first when ``DOCS_CAPTURE=1``)."""
    if CAPTURE:
        path.write_text(actual)
    return path.read_text()


def run_example(path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, str(path), *args], capture_output=True, text=True, timeout=timeout, cwd=path.parent
    )
    assert proc.returncode == 0, f"{path.name} failed:\n{proc.stdout}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_embedding_example_prints_what_the_tutorial_shows() -> None:
    proc = run_example(EXAMPLES / "embedding" / "routes_cache.py")
    assert proc.stdout == shown(EXAMPLES / "embedding" / "routes_cache.out", proc.stdout)


def _slow_handler_lines(text: str) -> list[tuple[str, int, int]]:
    pattern = re.compile(r"^\s*(every|latest): handled\s+(\d+) notifications, peak backlog\s+(\d+)$", re.M)
    return [(m[1], int(m[2]), int(m[3])) for m in pattern.finditer(text)]


def test_slow_handlers_example_coalesces() -> None:
    proc = run_example(EXAMPLES / "howto" / "slow_handlers.py")
    lines = _slow_handler_lines(proc.stdout)
    assert [name for name, _, _ in lines] == ["every", "latest"], proc.stdout
    (_, every_handled, _), (_, latest_handled, latest_peak) = lines
    assert every_handled == 5 + 5 * 29  # every add and every update, in order
    assert latest_handled < every_handled
    assert latest_peak <= 5  # at most one pending notification per key
    assert proc.stdout.rstrip().endswith("same final view: True")
    # the sample output shown on the page has the same shape
    page = shown(EXAMPLES / "howto" / "slow_handlers.out", proc.stdout)
    assert [name for name, _, _ in _slow_handler_lines(page)] == ["every", "latest"]
    assert page.rstrip().endswith("same final view: True")


def test_wait_synced_example_says_why() -> None:
    proc = run_example(EXAMPLES / "stuck-sync" / "wait_synced.py")
    assert proc.stdout == shown(EXAMPLES / "stuck-sync" / "wait_synced.out", proc.stdout)
