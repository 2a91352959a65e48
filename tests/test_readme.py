"""README.md's two set-up commands are a promise to newcomers; CI runs the test one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_blocks(text: str) -> list[str]:
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S)]


def test_readme_has_exactly_two_setup_commands() -> None:
    blocks = _shell_blocks((ROOT / "README.md").read_text())
    assert len(blocks) == 2, blocks
    run_cmd, test_cmd = blocks
    assert run_cmd.endswith("informer-run"), "the first command runs informer-run on its embedded default"
    assert "pytest" in test_cmd


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    test_cmd = _shell_blocks((ROOT / "README.md").read_text())[1]
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert test_cmd in ci_lines
