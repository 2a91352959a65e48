"""Fault injection for the embedded server: the knobs tests and ``informer-run serve`` turn.

Every field can be changed while the server runs (``server.faults.error_rate = 0.5``);
each request reads the current values.
"""

from __future__ import annotations

import random

import attrs

__all__ = ["Faults"]


@attrs.define(slots=True)
class Faults:
    """What the embedded server does wrong, on purpose.

    * ``watch_drop_after`` — cut every watch stream (without a clean end of the chunked
      body, as a dying server or proxy would) after this many object events.
    * ``history`` — keep only the last N events per resource, so a watch or continue
      token from before that answers 410 Expired. ``None`` keeps the default window.
    * ``error_rate`` — share (0..1) of list and watch requests answered with a 500 Status.
      Decided by a random generator seeded with ``seed``, so a run is reproducible.
    * ``garbage_every`` — after every N-th event of a watch stream, write a line that is
      not JSON.
    * ``delay`` — seconds to wait before answering each API request.
    """

    watch_drop_after: int | None = None
    history: int | None = None
    error_rate: float = 0.0
    garbage_every: int | None = None
    delay: float = 0.0
    seed: int = 0
    _rng: random.Random = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._check()
        self._rng = random.Random(self.seed)

    def _check(self) -> None:
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1, not {self.error_rate}")
        for name in ("watch_drop_after", "history", "garbage_every"):
            value = getattr(self, name)
            if value is not None and value < (0 if name == "history" else 1):
                raise ValueError(f"{name} must be a positive number of events, not {value}")
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0 seconds, not {self.delay}")

    def reseed(self, seed: int) -> None:
        """Restart the error generator (the same seed gives the same sequence of 500s)."""
        self.seed = seed
        self._rng.seed(seed)

    def roll_error(self) -> bool:
        """Whether this request should fail with a 500 (advances the generator)."""
        rate = self.error_rate
        if rate <= 0.0:
            return False
        return rate >= 1.0 or self._rng.random() < rate
