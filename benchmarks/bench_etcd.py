"""Benchmark: events/s of an etcd-backed informer under a stream of puts.

Starts a throw-away etcd on loopback (``informer_etcd.testing.EtcdServer``), runs an
informer on an empty prefix, then writes ``--events`` keys of ~300-byte JSON values as
transactions of 128 puts (etcd's fastest way to write; ~25,000 keys/s on 2 cores), from a
separate writer process, and measures how long the informer takes to decode, store and
hand every one of them to a handler, and the CPU time the informer's process spent per
event. On a 2-core machine etcd (writes plus rendering the watch as JSON in its gateway)
is the bottleneck, so events/s is etcd's figure and CPU µs/event the informer's.

A second figure replays the same history through the bare source (no store, no handler),
which is the ceiling the wire and the JSON gateway allow; a third, the latency from
sending a single put to the handler having it (etcd's commit included). The machine is shared and noisy:
compare CPU µs/event between runs rather than events/s.

    python benchmarks/bench_etcd.py [--events 20000] [--json]

``run()`` returns the figures as a dict for ``benchmarks/run.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from functools import partial
from typing import Any

import orjson
import trio
from informer import EventType, Notification, SourceSpec, open_informer
from informer_etcd import EtcdClient, create_source, resource_for_prefix
from informer_etcd.testing import EtcdServer

PREFIX = "/bench/pods/"


def _value(i: int) -> bytes:
    return orjson.dumps(
        {
            "metadata": {"name": f"pod-{i}", "namespace": f"ns-{i % 10}", "labels": {"app": f"app-{i % 50}"}},
            "spec": {
                "node": f"node-{i % 20}",
                "image": "registry.example.com/app:1.2.3",
                "port": 8000 + i % 100,
            },
            "status": {"phase": "Running", "ip": f"10.0.{i // 256 % 256}.{i % 256}"},
        }
    )


class _Counter:
    def __init__(self, target: int) -> None:
        self.count = 0
        self.first = 0.0
        self.target = target
        self.done = trio.Event()

    def on_notification(self, n: Notification) -> None:
        if not self.count:
            self.first = time.perf_counter()
        self.count += 1
        if self.count >= self.target:
            self.done.set()


async def _write(url: str, n: int) -> None:
    async with EtcdClient(url) as etcd:
        await etcd.put_many((f"{PREFIX}pod-{i:06d}", _value(i)) for i in range(n))


async def _informer_under_puts(url: str, n: int) -> tuple[float, float, int]:
    """Seconds from the first event until the handler saw ``n`` events, and the CPU
    seconds this process spent meanwhile (the writer runs in a process of its own, so
    that is the informer's cost alone)."""
    spec = SourceSpec(resource=resource_for_prefix(PREFIX), options={"url": url})
    counter = _Counter(n)
    async with open_informer(spec.resource, create_source(spec)) as inf:
        await inf.wait_synced(timeout=30)
        inf.add_handler(counter)
        cpu = time.process_time()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(
                partial(trio.run_process, [sys.executable, __file__, "--write-to", url, "--events", str(n)])
            )
            with trio.fail_after(300):
                await counter.done.wait()
            # from the first event in, so the writer process's start-up is not counted
            elapsed = time.perf_counter() - counter.first
            cpu = time.process_time() - cpu
        assert len(inf.store) == n
        return elapsed, cpu, inf.stats.decode_errors


class _Arrivals:
    def __init__(self) -> None:
        self.events: dict[str, trio.Event] = {}

    def on_notification(self, n: Notification) -> None:
        event = self.events.get(n.key)
        if event is not None:
            event.set()


async def _put_to_handler_latency(url: str, puts: int) -> list[float]:
    """Seconds from sending one put until the informer's handler has it, ``puts`` times."""
    prefix = "/bench/latency/"
    spec = SourceSpec(resource=resource_for_prefix(prefix), options={"url": url})
    arrivals = _Arrivals()
    samples: list[float] = []
    async with EtcdClient(url) as etcd, open_informer(spec.resource, create_source(spec)) as inf:
        await inf.wait_synced(timeout=30)
        inf.add_handler(arrivals)
        for i in range(puts):
            key = f"k{i % 50}"
            arrivals.events[key] = trio.Event()
            start = time.perf_counter()
            await etcd.put(prefix + key, _value(i))
            with trio.fail_after(30):
                await arrivals.events[key].wait()
            samples.append(time.perf_counter() - start)
    return sorted(samples)


async def _source_replay(url: str, n: int, after: int) -> float:
    """Seconds to read ``n`` events of history through the bare source."""
    spec = SourceSpec(resource=resource_for_prefix(PREFIX), options={"url": url})
    source = create_source(spec)
    seen = 0
    start = time.perf_counter()
    async with source.watch(resource_version=str(after), timeout_seconds=None) as events:
        async for ev in events:
            if ev.type is not EventType.BOOKMARK:
                seen += 1
                if seen >= n:
                    break
    elapsed = time.perf_counter() - start
    await source.aclose()
    return elapsed


async def _main(n: int) -> dict[str, Any]:
    with EtcdServer() as server:
        async with EtcdClient(server.url) as etcd:
            before = await etcd.revision()
        informer_s, cpu_s, errors = await _informer_under_puts(server.url, n)
        replay_s = await _source_replay(server.url, n, before)
        latency = await _put_to_handler_latency(server.url, 300)
    return {
        "events": n,
        "informer_seconds": round(informer_s, 3),
        "informer_events_per_s": round(n / informer_s),
        "informer_cpu_us_per_event": round(cpu_s / n * 1e6, 1),
        "source_replay_seconds": round(replay_s, 3),
        "source_replay_events_per_s": round(n / replay_s),
        "decode_errors": errors,
        "put_to_handler_p50_ms": round(latency[len(latency) // 2] * 1e3, 2),
        "put_to_handler_p99_ms": round(latency[int(len(latency) * 0.99)] * 1e3, 2),
    }


def run(events: int = 20_000) -> dict[str, Any]:
    """Run the benchmark and return its figures (for ``benchmarks/run.py``)."""
    return trio.run(_main, events)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--write-to", metavar="URL", help=argparse.SUPPRESS)  # the writer process
    args = parser.parse_args(argv)
    if args.write_to:
        trio.run(_write, args.write_to, args.events)
        return 0
    result = run(args.events)
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"etcd informer under a stream of puts: {result['informer_events_per_s']:,} events/s "
            f"({result['events']:,} events in {result['informer_seconds']} s, txns of 128 puts; "
            f"informer CPU {result['informer_cpu_us_per_event']} us/event)"
        )
        print(
            f"etcd source replay (wire + gateway ceiling): {result['source_replay_events_per_s']:,} events/s"
        )
        print(
            f"single put -> handler latency: p50 {result['put_to_handler_p50_ms']} ms, "
            f"p99 {result['put_to_handler_p99_ms']} ms (includes etcd's commit)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
