"""Prometheus metrics of running informers, read from their stats at scrape time.

Nothing here runs per event: informers already keep counters and latency histograms in
their :class:`~informer.InformerStats` (and handler registrations in theirs), and
:class:`InformerCollector` turns them into metric families only when ``/metrics`` is
scraped. An informer that stops simply stops being listed by the provider, so its
series disappear from the next scrape — there is nothing to unregister.

:data:`METRICS` is the one list of every metric exposed; the docs' metrics reference is
generated from it (``docs/_gen/metrics.py``), and the collector takes its help texts from
it, so the two cannot drift apart.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from .._stats import LatencyHistogram

__all__ = ["METRICS", "InformerCollector", "MetricDoc", "histogram_buckets"]

_INF = ("informer", "resource")
_HANDLER = (*_INF, "handler")


@attrs.frozen(slots=True)
class MetricDoc:
    """One exposed metric: its full name as scraped, its type, labels and meaning."""

    name: str
    type: str  # "gauge" | "counter" | "histogram" | "info"
    labels: tuple[str, ...]
    help: str

    @property
    def family(self) -> str:
        """The name prometheus_client's metric families want (without the type's suffix)."""
        suffix = {"counter": "_total", "info": "_info"}.get(self.type, "")
        return self.name.removesuffix(suffix) if suffix else self.name


METRICS: tuple[MetricDoc, ...] = (
    MetricDoc(
        "informer_synced", "gauge", _INF, "1 once the informer's initial list is in its cache, else 0."
    ),
    MetricDoc("informer_objects", "gauge", _INF, "Objects in the informer's cache."),
    MetricDoc(
        "informer_events_total",
        "counter",
        (*_INF, "type"),
        "Events applied to the cache, by type (ADDED, MODIFIED, DELETED).",
    ),
    MetricDoc("informer_listing", "gauge", _INF, "1 while a (re)list is in flight."),
    MetricDoc(
        "informer_list_pages", "gauge", _INF, "Pages received by the list in flight (or the last list)."
    ),
    MetricDoc(
        "informer_list_objects", "gauge", _INF, "Objects received by the list in flight (or the last list)."
    ),
    MetricDoc(
        "informer_list_request_duration_seconds",
        "histogram",
        _INF,
        "Duration of a whole list (all of its pages).",
    ),
    MetricDoc(
        "informer_watch_request_duration_seconds",
        "histogram",
        _INF,
        "Time to open a watch (request sent to stream established).",
    ),
    MetricDoc(
        "informer_reconnects_total", "counter", _INF, "Watches re-opened after a stream ended or failed."
    ),
    MetricDoc(
        "informer_relists_total",
        "counter",
        _INF,
        "Relists (after the first list): the version expired or the watch could not resume.",
    ),
    MetricDoc(
        "informer_decode_errors_total",
        "counter",
        _INF,
        "Events or objects skipped because they could not be decoded.",
    ),
    MetricDoc(
        "informer_key_errors_total",
        "counter",
        _INF,
        "Objects skipped because the key function failed on them.",
    ),
    MetricDoc("informer_handler_errors_total", "counter", _HANDLER, "Exceptions raised by an event handler."),
    MetricDoc(
        "informer_handler_backlog",
        "gauge",
        _HANDLER,
        "Notifications buffered for a handler and not yet handled.",
    ),
    MetricDoc(
        "informer_handler_duration_seconds",
        "histogram",
        _HANDLER,
        "Time a handler took to handle one notification.",
    ),
    MetricDoc(
        "informer_last_resource_version_info",
        "info",
        (*_INF, "resource_version"),
        "The last resourceVersion the informer saw; the sample's timestamp is when it saw it.",
    ),
    MetricDoc(
        "informer_last_error_timestamp_seconds",
        "gauge",
        _INF,
        "Unix time of the informer's last list/watch error (absent if none).",
    ),
)


def histogram_buckets(h: LatencyHistogram | None) -> tuple[list[tuple[str, float]], float] | None:
    """``(cumulative buckets as (le, count), ending with +Inf; sum)`` of a latency histogram."""
    if h is None:
        return None
    return [(_le(bound), float(count)) for bound, count in h.cumulative()], h.sum


def _le(bound: float) -> str:
    return "+Inf" if math.isinf(bound) else repr(float(bound))


class InformerCollector(Collector):
    """A prometheus_client collector over a live set of informers.

    ``informers`` returns the current ``{name: informer}`` (e.g. ``manager.informers``);
    ``handlers`` returns an informer's ``[(handler name, registration)]``.
    """

    def __init__(
        self,
        informers: Callable[[], Mapping[str, Any]],
        handlers: Callable[[Any], Iterable[tuple[str, Any]]],
    ) -> None:
        self._informers = informers
        self._handlers = handlers

    def describe(self) -> Iterable[Metric]:
        # Declared so registering does not call collect() (the set is empty then anyway).
        return []

    def collect(self) -> Iterator[Metric]:
        fam: dict[str, Metric] = {}
        for m in METRICS:
            cls = {
                "gauge": GaugeMetricFamily,
                "counter": CounterMetricFamily,
                "histogram": HistogramMetricFamily,
                "info": InfoMetricFamily,
            }[m.type]
            labels = [lbl for lbl in m.labels if not (m.type == "info" and lbl == "resource_version")]
            fam[m.name] = cls(m.family, m.help, labels=labels)

        def add(metric: str, labels: Sequence[str], value: float) -> None:
            fam[metric].add_metric(list(labels), value)  # type: ignore[attr-defined]

        def add_hist(metric: str, labels: Sequence[str], h: Any) -> None:
            got = histogram_buckets(h)
            if got is not None:
                buckets, total = got
                fam[metric].add_metric(list(labels), buckets=buckets, sum_value=total)  # type: ignore[attr-defined]

        for name, inf in list(self._informers().items()):
            s = inf.stats
            lbl = (name, inf.resource.name)
            add("informer_synced", lbl, 1.0 if inf.synced else 0.0)
            add("informer_objects", lbl, float(len(inf.store)))
            for etype, count in sorted(s.events_by_type.items()):
                add("informer_events_total", (*lbl, str(etype)), float(count))
            add("informer_listing", lbl, 1.0 if s.listing else 0.0)
            add("informer_list_pages", lbl, float(s.list_pages))
            add("informer_list_objects", lbl, float(s.list_objects))
            add_hist("informer_list_request_duration_seconds", lbl, s.list_latency)
            add_hist("informer_watch_request_duration_seconds", lbl, s.watch_latency)
            add("informer_reconnects_total", lbl, float(s.reconnects))
            add("informer_relists_total", lbl, float(s.relists))
            add("informer_decode_errors_total", lbl, float(s.decode_errors))
            add("informer_key_errors_total", lbl, float(getattr(s, "key_errors", 0)))
            for hname, reg in self._handlers(inf):
                hl = (*lbl, hname)
                add("informer_handler_errors_total", hl, float(reg.errors))
                add("informer_handler_backlog", hl, float(reg.backlog))
                add_hist("informer_handler_duration_seconds", hl, reg.latency)
            if s.last_resource_version:
                fam["informer_last_resource_version_info"].add_metric(  # type: ignore[attr-defined]
                    list(lbl),
                    {"resource_version": str(s.last_resource_version)},
                    timestamp=s.last_resource_version_time,
                )
            if s.last_error_time:
                add("informer_last_error_timestamp_seconds", lbl, float(s.last_error_time))
        return iter(fam.values())
