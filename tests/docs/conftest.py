"""Fixtures for the docs tests: the site built once per session, and the reference generators."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``mkdocs build --strict`` into a temporary directory, as ``nox -s docs`` runs it."""
    site = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0:
        pytest.fail(f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}")
    return site


@pytest.fixture(scope="session")
def gen() -> Iterator[object]:
    """The reference generators of ``docs/_gen`` (imported the way the mkdocs hook imports them)."""
    sys.path.insert(0, str(DOCS))
    try:
        import _gen

        yield _gen
    finally:
        sys.path.remove(str(DOCS))
