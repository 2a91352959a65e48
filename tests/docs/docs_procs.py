"""Running the commands the pages show, as real processes (``informer-run``, example scripts)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
INFORMER_RUN = [sys.executable, "-m", "informer.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def command(text: str, **substitutions: str) -> list[str]:
    """A command as a page shows it (``informer-run --flag ...``), ready to run: ``informer-run``
    becomes this interpreter's ``python -m informer.cli``, and ``8080``-style values the page
    uses are replaced by the test's own (ephemeral ports)."""
    for old, new in substitutions.items():
        text = text.replace(old, new)
    words = text.split()
    if words[0] == "informer-run":
        return [*INFORMER_RUN, *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    return words


class Process:
    """A background process whose stdout lines are read as they come."""

    def __init__(
        self,
        argv: Sequence[str],
        cwd: Path = ROOT,
        env: dict[str, str] | None = None,
        stderr_file: Path | None = None,
    ) -> None:
        """``stderr_file``: write standard error there (to read it while the process runs)."""
        self.argv = list(argv)
        self._stderr_file = open(stderr_file, "wb") if stderr_file else None  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv,
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=self._stderr_file or subprocess.PIPE,
        )
        self.lines: list[str] = []
        self.stderr = ""
        self._partial = b""

    def wait_for(self, predicate: Callable[[list[str]], bool], timeout: float = 20) -> list[str]:
        """Read stdout lines until ``predicate(lines)`` holds; fail after ``timeout`` seconds."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while not predicate(self.lines):
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                so_far = "".join(self.lines)
                raise AssertionError(f"{self.argv}: timed out; stdout so far:\n{so_far}\n{self.stderr}")
            ready, _, _ = select.select([self.proc.stdout], [], [], min(left, 0.5))
            if ready:
                # Raw reads: a buffered readline() would hide lines already read from select().
                data = os.read(self.proc.stdout.fileno(), 65536)
                if not data:
                    self.stop()
                    raise AssertionError(f"{self.argv} ended early:\n{''.join(self.lines)}\n{self.stderr}")
                *complete, self._partial = (self._partial + data).split(b"\n")
                self.lines.extend(line.decode() + "\n" for line in complete)
        return self.lines

    def stop(self, sig: int = signal.SIGINT, timeout: float = 15) -> int:
        """Send ``sig`` (Ctrl-C by default), collect the rest of the output, return the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, err = self.proc.communicate()
        rest = (self._partial + out).decode()
        self._partial = b""
        self.lines.extend(rest.splitlines(keepends=True))
        if self._stderr_file is not None:
            self._stderr_file.close()
            self.stderr += Path(self._stderr_file.name).read_text()
        else:
            self.stderr += err.decode()
        return self.proc.returncode


def wait_until(predicate: Callable[[], bool], timeout: float = 20, what: str = "condition") -> None:
    """Poll ``predicate`` (a cheap check of something outside: a file, an HTTP endpoint)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
