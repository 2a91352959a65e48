"""Counters and latency histograms an informer keeps about itself.

Everything here is plain mutable state written by the informer's own tasks and read by
anyone (the CLI's ``/metrics`` and snapshot views, tests). Trio runs one task at a time,
so readers always see a consistent value without locks; there is nothing to snapshot.
"""

from __future__ import annotations

import bisect
import math
import time
from typing import Any

import attrs

__all__ = ["DEFAULT_BUCKETS", "InformerStats", "LatencyHistogram"]

#: Upper bounds (seconds) of the latency buckets: 50 µs to 60 s, roughly 2.5 times apart.
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
    math.inf,
)


class LatencyHistogram:
    """A fixed-bucket histogram of durations in seconds (Prometheus-style, not cumulative).

    ``bounds[i]`` is the inclusive upper bound of ``counts[i]``; the last bound is
    ``inf``. :meth:`observe` costs one ``bisect`` and two additions, cheap enough for the
    per-event path.
    """

    __slots__ = ("bounds", "count", "counts", "max", "sum")

    def __init__(self, bounds: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        if not bounds or bounds[-1] != math.inf:
            bounds = (*bounds, math.inf)
        self.bounds = bounds
        self.counts = [0] * len(bounds)
        self.count = 0
        self.sum = 0.0
        self.max = 0.0

    def observe(self, seconds: float) -> None:
        """Record one duration."""
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.count += 1
        self.sum += seconds
        if seconds > self.max:
            self.max = seconds

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else 0.0

    def quantile(self, q: float) -> float:
        """Upper bound of the bucket holding quantile ``q`` (0..1); 0.0 when empty.

        The answer is a bucket bound, so it over-estimates by at most one bucket width;
        the top bucket reports the largest value seen instead of ``inf``.
        """
        if not self.count:
            return 0.0
        rank = q * self.count
        seen = 0
        for bound, n in zip(self.bounds, self.counts, strict=True):
            seen += n
            if seen >= rank and n:
                return min(bound, self.max)
        return self.max

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper_bound, count of observations <= bound)`` pairs, as Prometheus exposes them."""
        out = []
        total = 0
        for bound, n in zip(self.bounds, self.counts, strict=True):
            total += n
            out.append((bound, total))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "sum": self.sum,
            "max": self.max,
            "p50": self.quantile(0.5),
            "p99": self.quantile(0.99),
        }

    def __repr__(self) -> str:
        return f"LatencyHistogram(count={self.count}, mean={self.mean:.6f}s, max={self.max:.6f}s)"


@attrs.define(slots=True, eq=False)
class InformerStats:
    """What one informer has done so far; updated in place as it runs.

    ``events_by_type`` counts watch events by their wire type (``"ADDED"``, ...,
    ``"BOOKMARK"``, ``"ERROR"``). ``list_pages``/``list_objects`` are the progress of the
    list in flight (reset when a list starts; ``listing`` is true meanwhile);
    ``lists_completed`` counts finished lists, ``relists`` those after the first.
    ``decode_errors`` counts malformed lines and objects the decoder or transform
    refused; ``key_errors`` objects whose key could not be computed; ``handler_errors``
    exceptions raised by handlers (also counted per handler on its registration).
    ``list_latency`` times whole lists (all pages); ``watch_latency`` times opening a
    watch (request sent until the stream is open). Handlers have their own histograms,
    on their :class:`~informer.HandlerRegistration`.
    """

    started_at: float = attrs.field(factory=time.time)
    events_by_type: dict[str, int] = attrs.field(
        factory=lambda: {"ADDED": 0, "MODIFIED": 0, "DELETED": 0, "BOOKMARK": 0, "ERROR": 0}
    )
    relists: int = 0
    #: relists done because watch events had to be skipped (a subset of ``relists``)
    repair_relists: int = 0
    lists_completed: int = 0
    reconnects: int = 0
    watches_started: int = 0
    idle_timeouts: int = 0
    decode_errors: int = 0
    key_errors: int = 0
    handler_errors: int = 0
    resyncs: int = 0
    list_pages: int = 0
    list_objects: int = 0
    listing: bool = False
    last_list_size: int = 0
    last_list_duration: float | None = None
    last_resource_version: str | None = None
    last_resource_version_time: float | None = None
    last_event_time: float | None = None
    last_error: str | None = None
    last_error_time: float | None = None
    synced_at: float | None = None
    list_latency: LatencyHistogram = attrs.field(factory=LatencyHistogram)
    watch_latency: LatencyHistogram = attrs.field(factory=LatencyHistogram)

    @property
    def events_total(self) -> int:
        return sum(self.events_by_type.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for snapshots and logs)."""
        out: dict[str, Any] = {}
        for field in attrs.fields(InformerStats):
            value = getattr(self, field.name)
            if isinstance(value, LatencyHistogram):
                value = value.as_dict()
            elif isinstance(value, dict):
                value = dict(value)
            out[field.name] = value
        out["events_total"] = self.events_total
        return out
