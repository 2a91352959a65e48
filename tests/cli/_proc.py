"""``informer-run`` as a real subprocess, driven from trio tests.

:class:`CliProcess` starts ``python -m informer.cli ARGS`` with pipes, collects stdout and
stderr lines in the background, and lets a test wait (always bounded) for a line to
appear. The process is killed on exit from :func:`run_cli` whatever happened.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import trio

__all__ = ["CliProcess", "cli_command", "run_cli", "run_cli_to_end"]


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "informer.cli", *args]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    env.pop("INFORMER_PLUGINS", None)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("COLUMNS", "160")
    return env


class CliProcess:
    def __init__(self, process: trio.Process) -> None:
        self.process = process
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._changed = trio.Event()

    async def _pump(self, stream: trio.abc.ReceiveStream, lines: list[str]) -> None:
        buf = b""
        async for chunk in stream:
            buf += chunk
            *complete, buf = buf.split(b"\n")
            lines.extend(line.decode("utf-8", "replace") for line in complete)
            self._changed.set()
            self._changed = trio.Event()
        if buf:
            lines.append(buf.decode("utf-8", "replace"))
        self._changed.set()

    async def wait_line(self, pattern: str, *, stream: str = "stdout", within: float = 20) -> re.Match[str]:
        """The first line of ``stream`` matching ``pattern`` (waiting up to ``within`` s)."""
        lines = self.stdout if stream == "stdout" else self.stderr
        rx = re.compile(pattern)
        with trio.fail_after(within):
            seen = 0
            while True:
                for line in lines[seen:]:
                    m = rx.search(line)
                    if m:
                        return m
                seen = len(lines)
                if self.process.returncode is not None and seen == len(lines):
                    await trio.sleep(0.05)  # let the pumps drain the pipes
                    if len(lines) == seen:
                        raise AssertionError(
                            f"informer-run exited ({self.process.returncode}) before printing {pattern!r}; "
                            f"stderr:\n" + "\n".join(self.stderr[-30:])
                        )
                changed = self._changed
                with trio.move_on_after(0.2):
                    await changed.wait()

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.process.send_signal(signum)

    async def wait(self, within: float = 20) -> int:
        with trio.fail_after(within):
            return await self.process.wait()


@asynccontextmanager
async def run_cli(
    *args: str, cwd: str | None = None, env: dict[str, str] | None = None
) -> AsyncIterator[CliProcess]:
    """Start ``informer-run ARGS``; on exit, kill it if it still runs."""
    process = await trio.lowlevel.open_process(
        cli_command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=_env(env),
        cwd=cwd,
    )
    proc = CliProcess(process)
    try:
        async with trio.open_nursery() as nursery:
            assert process.stdout is not None and process.stderr is not None
            nursery.start_soon(proc._pump, process.stdout, proc.stdout)
            nursery.start_soon(proc._pump, process.stderr, proc.stderr)
            try:
                yield proc
            finally:
                if process.returncode is None:
                    process.kill()
                with trio.move_on_after(10) as scope:
                    scope.shield = True
                    await process.wait()
    finally:
        if process.returncode is None:
            process.kill()


async def run_cli_to_end(
    *args: str, within: float = 30, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """Run ``informer-run ARGS`` to completion: (exit status, stdout, stderr)."""
    with trio.fail_after(within):
        result = await trio.run_process(
            cli_command(*args), capture_stdout=True, capture_stderr=True, check=False, env=_env(env)
        )
    return result.returncode, result.stdout.decode(), result.stderr.decode()


def lines_of(text: str) -> Sequence[str]:
    return [line for line in text.splitlines() if line.strip()]
