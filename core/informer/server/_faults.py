"""Fault injection for the embedded server: the knobs tests and ``informer-run serve`` turn.

Every field can be changed while the server runs (``server.faults.error_rate = 0.5``);
each request reads the current values.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import attrs

__all__ = ["Faults"]


def _events(minimum: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < minimum):
            raise ValueError(f"{attribute.name} must be a whole number of events >= {minimum}, not {value!r}")

    return check


def _share(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise ValueError(f"{attribute.name} must be between 0 and 1, not {value!r}")


def _seconds(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{attribute.name} must be a number of seconds >= 0, not {value!r}")


def _error_code(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"{attribute.name} must be an HTTP error status (400-599), not {value!r}")


# attrs.define validates on assignment too, so a bad value set while running is refused
@attrs.define(slots=True)
class Faults:
    """What the embedded server does wrong, on purpose.

    * ``watch_drop_after`` — cut every watch stream (without a clean end of the chunked
      body, as a dying server or proxy would) after this many object events.
    * ``history`` — keep only the last N events per resource, so a watch or continue
      token from before that answers 410 Expired. ``None`` keeps the default window.
    * ``error_rate`` — share (0..1) of list and watch requests answered with an error
      Status, ``error_code`` (500 by default; 429 and 503 come with ``Retry-After: 1``).
      Decided by a random generator seeded with ``seed``, so a run is reproducible.
    * ``garbage_every`` — after every N-th event of a watch stream, write a line that is
      not JSON.
    * ``delay`` — seconds to wait before answering each API request.
    """

    watch_drop_after: int | None = attrs.field(default=None, validator=_events(1))
    history: int | None = attrs.field(default=None, validator=_events(0))
    error_rate: float = attrs.field(default=0.0, validator=_share)
    error_code: int = attrs.field(default=500, validator=_error_code)
    garbage_every: int | None = attrs.field(default=None, validator=_events(1))
    delay: float = attrs.field(default=0.0, validator=_seconds)
    seed: int = 0
    _rng: random.Random = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(self.seed)

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
