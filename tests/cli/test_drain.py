"""Stopping ``informer-run`` with work still buffered: ``--drain-timeout`` and the second signal.

The slow handler is a third-party plugin as an operator would install one, minus the
install: a module and a hand-written ``.dist-info`` (with its ``informer`` entry point) in a
directory put on the subprocess's ``PYTHONPATH``, which is all ``importlib.metadata`` needs
to find a distribution. The config file names the plugin and attaches its handler.

The handler appends each key it has *finished* to a file, so the test reads what was
handled. Before handling anything it waits for a gate file: the test opens the gate only
once informer-run has logged the signal, so the whole backlog is still buffered when the
drain begins, whatever the speed of the machine.
"""

from __future__ import annotations

import os
import signal
import textwrap
from pathlib import Path

from informer.server import EmbeddedServer, open_embedded_server
from informer_demo import world

from ._proc import CliProcess, run_cli

ROUTES = world.ROUTES_RESOURCE

PLUGIN = '''
    """A slow handler for informer-run's drain tests."""

    from pathlib import Path

    import trio
    from informer.plugins import hookimpl


    class Recorder:
        def __init__(self, options):
            self.done = Path(options["path"])
            self.gate = Path(options["gate"])
            self.delay = options["delay"]

        async def on_add(self, obj, initial):
            await self._handle(obj)

        async def on_update(self, old, new):
            await self._handle(new)

        async def on_delete(self, obj):
            await self._handle(obj)

        async def _handle(self, obj):
            while not self.gate.exists():
                await trio.sleep(0.02)
            await trio.sleep(self.delay)
            meta = obj["metadata"]
            with self.done.open("a") as f:
                f.write(f"{meta['namespace']}/{meta['name']}\\n")


    @hookimpl
    def informer_handlers():
        return [{
            "name": "drain.recorder",
            "factory": "drainplug:Recorder",
            "options_schema": {
                "type": "object",
                "required": ["path", "gate", "delay"],
                "properties": {
                    "path": {"type": "string"},
                    "gate": {"type": "string"},
                    "delay": {"type": "number"},
                },
            },
            "description": "Records each key it finished handling, slowly.",
        }]
'''


def install_plugin(root: Path) -> Path:
    """A directory holding the ``drain`` plugin as an installed distribution would."""
    site = root / "site"
    dist = site / "informer_test_drain-0.1.dist-info"
    dist.mkdir(parents=True)
    (site / "drainplug.py").write_text(textwrap.dedent(PLUGIN))
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: informer-test-drain\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[informer]\ndrain = drainplug\n")
    return site


class Setup:
    def __init__(self, tmp_path: Path, url: str, *, delay: float) -> None:
        self.done = tmp_path / "done.txt"
        self.gate = tmp_path / "gate"
        self.snapshot = tmp_path / "cache.json"
        self.config = tmp_path / "informers.yaml"
        self.config.write_text(
            textwrap.dedent(
                f"""\
                plugins: [drain]
                sources:
                  local: {{type: http, url: "{url}"}}
                informers:
                  - resource: {ROUTES}
                    handlers:
                      - name: drain.recorder
                        options: {{path: "{self.done}", gate: "{self.gate}", delay: {delay}}}
                """
            )
        )
        path = [str(install_plugin(tmp_path)), os.environ.get("PYTHONPATH", "")]
        self.env = {"PYTHONPATH": os.pathsep.join(p for p in path if p)}

    def args(self, drain_timeout: float) -> list[str]:
        return [
            "--config",
            str(self.config),
            "--output",
            "log",
            "--log-level",
            "debug",
            "--snapshot",
            str(self.snapshot),
            "--drain-timeout",
            str(drain_timeout),
        ]

    def handled(self) -> list[str]:
        return self.done.read_text().splitlines() if self.done.exists() else []


def seed(server: EmbeddedServer, n: int) -> list[str]:
    keys = []
    for i in range(n):
        server.create(ROUTES, world.route_object("shop", f"r{i:02}", f"/r{i}", "cart", 8080))
        keys.append(f"shop/r{i:02}")
    return keys


async def stop_with_backlog(proc: CliProcess, n: int) -> None:
    """Wait until all ``n`` initial notifications are buffered, then SIGTERM and wait
    until informer-run has taken the signal (the drain is about to begin)."""
    await proc.wait_line(r"1 informer synced in", stream="stderr")
    proc.signal(signal.SIGTERM)
    await proc.wait_line(r"SIGTERM received: stopping", stream="stderr")


async def test_a_generous_drain_timeout_handles_every_buffered_event(tmp_path: Path) -> None:
    n = 8
    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        keys = seed(server, n)
        setup = Setup(tmp_path, server.url, delay=0.05)
        async with run_cli(*setup.args(drain_timeout=60), env=setup.env) as proc:
            await stop_with_backlog(proc, n)
            assert setup.handled() == []  # gate closed: everything is still buffered
            setup.gate.touch()
            assert await proc.wait(within=20) == 0, "\n".join(proc.stderr)
    # every buffered notification was handled, in order, before the process exited
    assert setup.handled() == keys
    assert not any("drain timed out" in line for line in proc.stderr), proc.stderr
    assert proc.stderr[-1].startswith("informer-run: stopped after"), proc.stderr
    assert setup.snapshot.exists()


async def test_a_tiny_drain_timeout_gives_up_and_says_how_much_was_left(tmp_path: Path) -> None:
    n = 20
    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        seed(server, n)
        setup = Setup(tmp_path, server.url, delay=0.4)  # 8 s of work in the buffer
        async with run_cli(*setup.args(drain_timeout=0.5), env=setup.env) as proc:
            await stop_with_backlog(proc, n)
            setup.gate.touch()
            # generous bound; what shows the drain was cut is the count below
            assert await proc.wait(within=15) == 0, "\n".join(proc.stderr)
            timed_out = await proc.wait_line(
                rf"{ROUTES}: drain timed out with (\d+) notifications undelivered", stream="stderr"
            )
    handled = len(setup.handled())
    left = int(timed_out.group(1))
    assert handled < n and left > 0
    # the count is honest: handled + undelivered = all, less at most the one in the handler's hands
    assert n - 1 <= handled + left <= n, (handled, left)
    # after the drain: the snapshot and the summary line, as on any clean stop
    assert setup.snapshot.exists()
    assert proc.stderr[-1].startswith("informer-run: stopped after"), proc.stderr


async def test_no_drain_at_all_says_what_it_dropped(tmp_path: Path) -> None:
    # --drain-timeout 0: the buffers are dropped at once (until the CLI said so, without a word)
    n = 6
    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        seed(server, n)
        setup = Setup(tmp_path, server.url, delay=0)
        async with run_cli(*setup.args(drain_timeout=0), env=setup.env) as proc:
            await stop_with_backlog(proc, n)
            assert await proc.wait(within=15) == 0, "\n".join(proc.stderr)
            dropped = await proc.wait_line(
                r"--drain-timeout 0: dropping (\d+) buffered notifications", stream="stderr"
            )
    assert setup.handled() == []
    # all of them, less the one the handler was holding (waiting at the gate) when cancelled
    assert n - 1 <= int(dropped.group(1)) <= n
    assert setup.snapshot.exists()
    assert proc.stderr[-1].startswith("informer-run: stopped after"), proc.stderr


async def test_a_second_signal_cuts_the_drain_short(tmp_path: Path) -> None:
    n = 5
    async with open_embedded_server(resources=world.SERVER_RESOURCES) as server:
        seed(server, n)
        # the gate never opens: a handler stuck for good, with a drain that would wait 60 s
        setup = Setup(tmp_path, server.url, delay=0)
        async with run_cli(*setup.args(drain_timeout=60), env=setup.env) as proc:
            await stop_with_backlog(proc, n)
            proc.signal(signal.SIGINT)
            assert await proc.wait(within=15) == 0, "\n".join(proc.stderr)
    assert any("SIGINT received again: stopping now, without draining" in line for line in proc.stderr)
    assert proc.stderr[-1] == "informer-run: stopped at once (second signal): no drain, no snapshot"
    assert not setup.snapshot.exists()
    assert setup.handled() == []
    assert not any("Traceback" in line for line in proc.stderr), proc.stderr
