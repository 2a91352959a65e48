"""Observability of running informers: metrics, health/readiness, cache snapshots, jsonl output.

Private to the project (``informer-run`` is its user); each module does one job:

* :mod:`._metrics` — the Prometheus collector and :data:`METRICS`, the list of every metric;
* :mod:`._http` — the ASGI app serving ``/metrics``, ``/healthz``, ``/readyz``, ``/debug/cache``;
* :mod:`._snapshot` — ``{resource: {key: object}}`` snapshots, written atomically;
* :mod:`._jsonl` — the ``--output jsonl`` event writer;
* :mod:`._jsonable` — cached objects (mappings, attrs classes, bytes) to JSON.
"""

from __future__ import annotations

from ._http import ObserveApp, serve_observe
from ._jsonable import dumps, jsonable
from ._jsonl import JsonlHandler, JsonlOutput
from ._metrics import METRICS, InformerCollector, MetricDoc, histogram_buckets
from ._snapshot import snapshot, snapshot_bytes, write_snapshot

__all__ = [
    "METRICS",
    "InformerCollector",
    "JsonlHandler",
    "JsonlOutput",
    "MetricDoc",
    "ObserveApp",
    "dumps",
    "histogram_buckets",
    "jsonable",
    "serve_observe",
    "snapshot",
    "snapshot_bytes",
    "write_snapshot",
]
