"""The quickstart's commands, run for real: the live view under a pseudo-terminal, ``--output
jsonl``, and ``informer-run serve`` with an informer pointed at it."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable

from docs_procs import EXAMPLES, INFORMER_RUN, ROOT, Process, command, free_port

DEMO = {"services.demo.informer.dev", "routes.demo.informer.dev"}


CAPTURE = os.environ.get("DOCS_CAPTURE") == "1"


def _plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)


def _last_frame(raw: str) -> str:
    """The last complete frame of the live view with synced informers, then Ctrl-C and the summary
    (what ``DOCS_CAPTURE=1`` writes to ``live-view.txt``)."""
    frames = [_plain(f).replace("\r", "") for f in re.split(r"\r\x1b\[2K(?:\x1b\[1A\x1b\[2K)+", raw)]
    frame = [f for f in frames if " synced " in f and "╰" in f][-1]
    lines = [line.rstrip() for line in frame.strip("\n").splitlines() if line.strip()]
    lines = lines[: next(i for i, line in enumerate(lines) if line.startswith("╰")) + 1]
    summary = [line for line in frames[-1].splitlines() if line.startswith("informer-run: stopped")][-1]
    return "\n".join([*lines, "^C", summary.strip()]) + "\n"


def _run_in_pty(argv: list[str], until: Callable[[str], bool]) -> tuple[int, str]:
    """Run ``argv`` on a 140-column terminal until the screen satisfies ``until`` (20 s at
    most), press Ctrl-C, return (exit status, screen text without escape sequences)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 140, 0, 0))
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, env={**os.environ, "COLUMNS": "140"}
    )
    os.close(slave)
    chunks: list[bytes] = []

    def screen() -> str:
        return _plain(b"".join(chunks).decode("utf-8", "replace"))

    def read_for(duration: float, done: Callable[[str], bool] = lambda _: False) -> None:
        end = time.monotonic() + duration
        while time.monotonic() < end and not done(screen()):
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    return
                if not data:
                    return
                chunks.append(data)
            elif proc.poll() is not None:
                return

    read_for(20, until)
    proc.send_signal(signal.SIGINT)
    read_for(10)
    try:
        status = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    if CAPTURE:
        (EXAMPLES / "quickstart" / "live-view.txt").write_text(_last_frame(b"".join(chunks).decode()))
    return status, screen()


def test_live_view_shows_what_the_quickstart_describes() -> None:
    shown = (EXAMPLES / "quickstart" / "live-view.txt").read_text()
    header = next(line for line in shown.splitlines() if line.startswith("resource"))
    columns = re.split(r"\s{2,}", header.strip())

    def both_synced_with_events(text: str) -> bool:
        synced = all(re.search(rf"{re.escape(r)}\s+\S+\s+synced", text) for r in DEMO)
        events = re.findall(
            r"│ \d\d:\d\d:\d\d +(?:ADDED|MODIFIED|DELETED)", text.rsplit("latest events", 1)[-1]
        )
        # a capture for the page waits for a full panel of events
        return synced and len(events) >= (8 if CAPTURE else 1)

    status, screen = _run_in_pty(INFORMER_RUN, both_synced_with_events)
    assert status == 0, screen
    for column in columns:
        assert column in screen, f"column {column!r} of the quickstart's screen is not in the live view"
    for resource in DEMO:
        assert re.search(rf"{re.escape(resource)}\s+\S+\s+synced", screen), screen[-3000:]
    assert "latest events" in screen
    summary = shown.strip().splitlines()[-1]
    assert summary.startswith("informer-run: stopped after")
    assert re.search(r"informer-run: stopped after [\d.]+s: 2 informers \(2 synced\)", screen)


def _synced(lines: list[str], resources: set[str]) -> bool:
    seen = {json.loads(line)["resource"] for line in lines if '"SYNCED"' in line}
    return resources <= seen


def test_jsonl_output_has_the_fields_the_quickstart_shows() -> None:
    proc = Process(command("informer-run --output jsonl"))
    lines = proc.wait_for(lambda ls: _synced(ls, DEMO))
    assert proc.stop() == 0, proc.stderr
    events = [json.loads(line) for line in lines]
    sample = [
        json.loads(line)
        for line in (EXAMPLES / "quickstart" / "jsonl-sample.txt").read_text().splitlines()
        if line.startswith("{")
    ]
    for event in events:
        assert {"type", "resource", "resourceVersion"} <= event.keys()
        if event["type"] != "SYNCED":
            assert {"key", "object"} <= event.keys()
    assert {e["type"] for e in sample} <= {"ADDED", "MODIFIED", "DELETED", "SYNCED"}
    assert {e["resource"] for e in sample if e["type"] == "SYNCED"} == DEMO
    # the initial contents come first: every ADDED before the first SYNCED is initial
    first_synced = next(i for i, e in enumerate(events) if e["type"] == "SYNCED")
    assert first_synced > 0 and all(e["type"] == "ADDED" for e in events[:first_synced])


def test_serve_then_watch_it_from_another_terminal() -> None:
    port = str(free_port())
    server = Process(command("informer-run serve --port 8080", **{"8080": port}))
    try:
        server.wait_for(lambda ls: any(f"127.0.0.1:{port}" in line for line in ls))
        shown = "informer-run --source http://127.0.0.1:8080 --resource routes.demo.informer.dev"
        watcher = Process([*command(shown, **{"8080": port}), "--output", "jsonl"])
        watcher.wait_for(lambda ls: _synced(ls, {"routes.demo.informer.dev"}))
        assert watcher.stop() == 0, watcher.stderr
    finally:
        assert server.stop(signal.SIGTERM) == 0, server.stderr
