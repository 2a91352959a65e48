"""The shipped example config, and the errors an operator gets for the plugin's bad input,
through the real ``informer-run validate`` (connects nowhere)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent.parent / "examples" / "gateway.yaml"


def validate(config: Path) -> subprocess.CompletedProcess[str]:
    found = shutil.which("informer-run")
    command = [found] if found else [sys.executable, "-m", "informer.cli"]
    env = {k: v for k, v in os.environ.items() if k != "INFORMER_PLUGINS"}
    return subprocess.run(
        [*command, "validate", "--plugins", "gateway", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def test_example_config_is_valid() -> None:
    done = validate(EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert "ok (2 informers" in done.stdout + done.stderr


def test_misspelt_handler_option_names_file_line_and_option(tmp_path: Path) -> None:
    bad = tmp_path / "gateway.yaml"
    bad.write_text(EXAMPLE.read_text().replace("json_file:", "json_fil:"))
    done = validate(bad)
    assert done.returncode == 2
    line = next(n for n, text in enumerate(bad.read_text().splitlines(), 1) if "options:" in text)
    assert f"{bad}:{line}: informers[0].handlers[0].options: " in done.stderr
    assert "'json_fil' was unexpected" in done.stderr


def test_handler_attached_to_a_foreign_type_is_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "sources: {local: {type: http, url: 'http://127.0.0.1:1'}}\n"
        "informers:\n"
        "  - resource: routes.demo.informer.dev\n"
        "    handlers: [gateway.routing-table]\n"
    )
    done = validate(wrong)
    assert done.returncode == 2
    assert "handler 'gateway.routing-table' does not handle 'routes.demo.informer.dev'" in done.stderr
