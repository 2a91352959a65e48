"""Run a throw-away etcd for tests, benchmarks and tutorials.

:class:`EtcdServer` starts the ``etcd`` binary (Debian's ``etcd-server``) on 127.0.0.1
with ephemeral client and peer ports and a temporary data directory, waits until it
answers ``/health``, and stops it again (SIGTERM, then SIGKILL). It can also be killed
and restarted on the same ports with the same data directory, which is how the tests
simulate a crashed server.

Process management is deliberately synchronous (``subprocess``): a pytest fixture with
session scope cannot be a trio fixture (each trio test has its own event loop), and
starting or stopping a process is quick. From trio, wrap the slow part —
:meth:`EtcdServer.start` waits for readiness — in ``trio.to_thread.run_sync``.

Use it directly::

    with EtcdServer() as etcd:
        print(etcd.url)          # http://127.0.0.1:PORT

or through the ``etcd_server`` pytest fixture of ``tests/etcd/conftest.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

__all__ = ["EtcdNotFound", "EtcdServer", "etcd_binary", "free_port"]


class EtcdNotFound(RuntimeError):
    """The ``etcd`` binary is not installed (``apt-get install etcd-server``)."""


def etcd_binary() -> str | None:
    """Path of the etcd binary: ``$ETCD_BINARY``, else ``etcd`` on ``PATH``, else ``None``."""
    explicit = os.environ.get("ETCD_BINARY")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    return shutil.which("etcd")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago.

    Another process may take it before etcd binds it; :meth:`EtcdServer.start` notices
    (etcd exits at once) and retries with fresh ports.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class EtcdServer:
    """One single-member etcd cluster on loopback.

    ``extra_args`` are appended to the command line (e.g.
    ``["--experimental-watch-progress-notify-interval", "1s"]``); ``tls`` is
    ``(cert_file, key_file, ca_file)`` to serve clients over HTTPS with client
    certificate authentication.
    """

    def __init__(
        self,
        *,
        extra_args: Sequence[str] = (),
        tls: tuple[str, str, str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        binary: str | None = None,
        startup_timeout: float = 20.0,
    ) -> None:
        found = binary or etcd_binary()
        if found is None:
            raise EtcdNotFound("etcd binary not found: install Debian's etcd-server or set ETCD_BINARY")
        self.binary = found
        self.extra_args = list(extra_args)
        self.tls = tls
        self.startup_timeout = startup_timeout
        self._own_dir = data_dir is None
        self._base = Path(tempfile.mkdtemp(prefix="informer-etcd-")) if data_dir is None else Path(data_dir)
        self.data_dir = self._base / "data"
        self.log_path = self._base / "etcd.log"
        self.client_port = 0
        self.peer_port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # -- addresses -------------------------------------------------------------------

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @property
    def url(self) -> str:
        """The client URL, e.g. ``http://127.0.0.1:40123``."""
        return f"{self.scheme}://127.0.0.1:{self.client_port}"

    @property
    def source_url(self) -> str:
        """The same address as ``informer-run --source`` takes it (``etcd://`` / ``etcds://``)."""
        return f"{'etcds' if self.tls else 'etcd'}://127.0.0.1:{self.client_port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    # -- lifecycle -------------------------------------------------------------------

    def _command(self) -> list[str]:
        peer = f"http://127.0.0.1:{self.peer_port}"
        cmd = [
            self.binary,
            "--name",
            "informer-test",
            "--data-dir",
            str(self.data_dir),
            "--listen-client-urls",
            self.url,
            "--advertise-client-urls",
            self.url,
            "--listen-peer-urls",
            peer,
            "--initial-advertise-peer-urls",
            peer,
            "--initial-cluster",
            f"informer-test={peer}",
            "--initial-cluster-state",
            "new",
            "--logger",
            "zap",
            "--log-outputs",
            "stderr",
            "--log-level",
            "warn",
        ]
        if self.tls:
            cert, key, ca = self.tls
            cmd += ["--cert-file", cert, "--key-file", key, "--trusted-ca-file", ca, "--client-cert-auth"]
        return cmd + self.extra_args

    def start(self) -> None:
        """Start etcd and wait until it is healthy.

        The first start picks free ports; a restart (after :meth:`stop` or :meth:`kill`)
        reuses the same ports and data directory, as a restarted server would.
        """
        if self.running:
            return
        attempts = 3 if self.client_port == 0 else 1
        last_error = ""
        for _ in range(attempts):
            if attempts > 1:
                self.client_port, self.peer_port = free_port(), free_port()
            self._spawn()
            try:
                self._wait_healthy()
                return
            except RuntimeError as exc:
                last_error = str(exc)
                self._terminate(kill_only=True)
        raise RuntimeError(f"etcd did not start: {last_error}")

    def _spawn(self) -> None:
        self._base.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed in _terminate
        self._log = log
        self._process = subprocess.Popen(
            self._command(), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        verify: ssl.SSLContext | bool = True
        if self.tls:
            # etcd's own certificate doubles as a client certificate for the probe.
            verify = ssl.create_default_context(cafile=self.tls[2])
            verify.load_cert_chain(self.tls[0], self.tls[1])
        with httpx.Client(verify=verify, timeout=1.0) as client:
            while time.monotonic() < deadline:
                if self._process is None or self._process.poll() is not None:
                    raise RuntimeError(f"etcd exited early; log: {self.log_tail()}")
                try:
                    r = client.get(f"{self.url}/health")
                    if r.status_code == 200 and r.json().get("health") == "true":
                        return
                except (httpx.HTTPError, ValueError):
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"etcd not healthy after {self.startup_timeout}s; log: {self.log_tail()}")

    def log_tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_bytes()[-n:].decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Graceful stop: SIGTERM, then SIGKILL after ``timeout`` seconds."""
        self._terminate(timeout=timeout)

    def kill(self) -> None:
        """Crash: SIGKILL, as a power cut would (the data directory is kept)."""
        self._terminate(kill_only=True)

    def freeze(self, timeout: float = 5.0) -> None:
        """SIGSTOP: etcd keeps its sockets (connections are accepted by the kernel) but
        answers nothing, like a hung or swapped-out member. Returns once it is stopped."""
        self._signal_and_wait(signal.SIGSTOP, "T", timeout)

    def thaw(self, timeout: float = 5.0) -> None:
        """SIGCONT after :meth:`freeze`."""
        self._signal_and_wait(signal.SIGCONT, "RS", timeout)

    def _signal_and_wait(self, sig: signal.Signals, states: str, timeout: float) -> None:
        proc = self._process
        if proc is None or proc.poll() is not None:
            raise RuntimeError("etcd is not running")
        proc.send_signal(sig)
        # Signal delivery is asynchronous: wait until the kernel reports the new state
        # (/proc/PID/stat field 3), so the caller's next request cannot slip in before it.
        stat = Path(f"/proc/{proc.pid}/stat")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                state = stat.read_text().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return
            if state in states:
                return
            time.sleep(0.005)

    def restart(self) -> None:
        """Stop (if running) and start again with the same ports and data."""
        self.stop()
        self.start()

    def _terminate(self, *, timeout: float = 10.0, kill_only: bool = False) -> None:
        proc = self._process
        if proc is not None and proc.poll() is None:
            if not kill_only:
                proc.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self._process = None
        log = self._log
        self._log = None
        if log is not None:
            log.close()

    def close(self) -> None:
        """Stop etcd and remove the temporary directory (when this object created it)."""
        self._terminate()
        if self._own_dir:
            shutil.rmtree(self._base, ignore_errors=True)

    def __enter__(self) -> EtcdServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
