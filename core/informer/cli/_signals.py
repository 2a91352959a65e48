"""SIGINT/SIGTERM handling: the first signal asks for a clean stop, the second forces it.

trio's default SIGINT behaviour raises ``KeyboardInterrupt`` wherever the program happens
to be; here both signals are received by a task instead (``trio.open_signal_receiver``),
which sets an event the run loop waits on, so the program stops at a point of its choosing
(drain handlers, write the snapshot, print the summary). A second signal cancels
``force`` — the escape hatch when draining takes too long for the operator's taste.
"""

from __future__ import annotations

import logging
import signal

import trio

__all__ = ["watch_signals"]

log = logging.getLogger("informer.cli")


async def watch_signals(
    stop: trio.Event,
    force: trio.CancelScope,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Set ``stop`` on the first SIGINT/SIGTERM, cancel ``force`` on the second."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        task_status.started()
        async for signum in signals:
            name = signal.Signals(signum).name
            if not stop.is_set():
                log.debug("%s received: stopping", name)
                stop.set()
            else:
                log.warning("%s received again: stopping now, without draining", name)
                force.cancel()
                return
