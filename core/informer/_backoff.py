"""Exponential backoff with full jitter, client-go's constants.

client-go's reflector waits 800 ms after its first failure, doubles up to 30 s, and
forgets its failures after two minutes without one. We do the same, with *full jitter*
(the sleep is uniform in ``[0, current cap]``): when a server restarts, every informer
in a fleet fails at once, and full jitter spreads their retries over the whole window
instead of synchronising them into waves.

A server may say how long to wait (HTTP 429 ``Retry-After``, Kubernetes'
``retryAfterSeconds``); that delay is honoured as a floor.
"""

from __future__ import annotations

import random

import trio

__all__ = ["Backoff"]


class Backoff:
    """Delay policy for one retrying loop (one per reflector).

    Call :meth:`failure` after each failed attempt to get how long to sleep (or use
    :meth:`sleep`), and :meth:`success` when an attempt went well. The cap resets to
    ``initial`` once ``reset_after`` seconds have passed since the last failure.
    """

    __slots__ = ("_clock", "_last_failure", "_rng", "current", "factor", "initial", "maximum", "reset_after")

    def __init__(
        self,
        initial: float = 0.8,
        maximum: float = 30.0,
        factor: float = 2.0,
        reset_after: float = 120.0,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
        self.reset_after = reset_after
        self.current = initial
        self._last_failure: float | None = None
        self._rng = rng or random.Random()

    def failure(self, now: float, retry_after: float | None = None) -> float:
        """Record a failure at time ``now``; return the delay before the next attempt."""
        if self._last_failure is not None and now - self._last_failure >= self.reset_after:
            self.current = self.initial
        cap = self.current
        self.current = min(self.current * self.factor, self.maximum)
        self._last_failure = now
        delay = self._rng.uniform(0.0, cap)
        if retry_after is not None and retry_after > delay:
            delay = retry_after
        return delay

    def success(self, now: float) -> None:
        """Record a healthy period: forget failures older than ``reset_after``."""
        if self._last_failure is not None and now - self._last_failure >= self.reset_after:
            self.current = self.initial
            self._last_failure = None

    def reset(self) -> None:
        self.current = self.initial
        self._last_failure = None

    async def sleep(self, retry_after: float | None = None) -> float:
        """Record a failure now and sleep the delay; returns the delay slept."""
        delay = self.failure(trio.current_time(), retry_after)
        await trio.sleep(delay)
        return delay
