"""Benchmarks (not tests): ``nox -s bench`` or ``python benchmarks/run.py [--events N] [--list N]``.

What is measured, in one run on this machine:

1. **Watch throughput**: a tiny hypercorn+trio app in a *separate process* (so it does not
   share the client's core) serves a Kubernetes watch stream of ~4 KB Pod JSON objects on
   127.0.0.1. The same stream is consumed by

   * bare loops — ``httpx`` streaming + ``aiter_lines`` + ``json.loads`` per line (the naive
     watch every Python client starts from), the same with ``orjson``, and splitting the
     byte stream by hand + ``orjson`` (the floor for a Python consumer);
   * the whole informer — HTTP source → decode → key → store with 3 indices → one no-op
     handler — with plain dicts and with cattrs-typed Pods (``informer_kubernetes.models``).

   Each is run ``--repeat`` times; the best run is reported (noise on a shared machine
   only ever slows a run down).

2. **List of 100,000 Pods** in a child process (clean peak RSS): time to sync through
   pages of 500, peak RSS, memory held per cached object, and how long one full cyclic
   GC pass takes over that cache, with and without ``gc.freeze()`` after the sync.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import orjson
import trio

NAMESPACE = "bench"
#: the steady-state stream: updates cycling over this many cached Pods in namespace "churn"
CHURN = "churn"
CHURN_KEYS = 2000

# -- the objects ------------------------------------------------------------------------------


def pod(i: int, namespace: str = NAMESPACE, rv: int | None = None) -> dict[str, Any]:
    """A realistic ~4 KB Pod (what a Deployment's replica looks like on the wire)."""
    name = f"web-7d9f8c6b5-{i:07d}"
    node = f"node-{i % 50:03d}"
    app = f"app-{i % 20}"
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": "web-7d9f8c6b5-",
            "namespace": namespace,
            "uid": f"6f1e7c2a-0b1d-4c5e-9f3a-{i:012d}",
            "resourceVersion": str(1000 + i if rv is None else rv),
            "creationTimestamp": "2026-12-04T10:00:00Z",
            "labels": {"app": app, "pod-template-hash": "7d9f8c6b5", "tier": "frontend"},
            "annotations": {"kubernetes.io/psp": "restricted", "prometheus.io/scrape": "true"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "web-7d9f8c6b5",
                    "uid": "0c6d2f0e-8a1b-4b7e-a1f2-3e4d5c6b7a89",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kube-controller-manager",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-12-04T10:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {
                        "f:metadata": {
                            "f:generateName": {},
                            "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}, "f:tier": {}},
                            "f:ownerReferences": {".": {}, 'k:{"uid":"0c6d2f0e"}': {}},
                        },
                        "f:spec": {
                            "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}, "f:name": {}}},
                            "f:dnsPolicy": {},
                            "f:restartPolicy": {},
                        },
                    },
                },
                {
                    "manager": "kubelet",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2026-12-04T10:00:05Z",
                    "fieldsType": "FieldsV1",
                    "subresource": "status",
                    "fieldsV1": {
                        "f:status": {
                            "f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}, "f:type": {}}},
                            "f:containerStatuses": {},
                            "f:hostIP": {},
                            "f:phase": {},
                            "f:podIP": {},
                        }
                    },
                },
            ],
        },
        "spec": {
            "nodeName": node,
            "serviceAccountName": "default",
            "restartPolicy": "Always",
            "dnsPolicy": "ClusterFirst",
            "terminationGracePeriodSeconds": 30,
            "containers": [
                {
                    "name": "web",
                    "image": "registry.example.com/web:1.27.3",
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": f"SETTING_{k}", "value": f"value-{k}-{i % 7}"} for k in range(8)],
                    "resources": {
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                    },
                    "volumeMounts": [
                        {"name": "config", "mountPath": "/etc/web", "readOnly": True},
                        {
                            "name": "kube-api-access",
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                            "readOnly": True,
                        },
                    ],
                    "readinessProbe": {
                        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 10,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": "web-config", "defaultMode": 420}},
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {
                                "configMap": {
                                    "name": "kube-root-ca.crt",
                                    "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                }
                            },
                        ],
                    },
                },
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
                 "tolerationSeconds": 300},
            ],
        },
        "status": {
            "phase": "Running",
            "hostIP": f"10.0.{i % 50}.1",
            "podIP": f"10.244.{(i // 250) % 250}.{i % 250}",
            "startTime": "2026-12-04T10:00:01Z",
            "conditions": [
                {"type": t, "status": "True", "lastProbeTime": None,
                 "lastTransitionTime": "2026-12-04T10:00:05Z"}
                for t in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "containerStatuses": [
                {
                    "name": "web",
                    "ready": True,
                    "restartCount": 0,
                    "image": "registry.example.com/web:1.27.3",
                    "imageID": "registry.example.com/web@sha256:" + "ab" * 32,
                    "containerID": "containerd://" + f"{i:064x}",
                    "started": True,
                    "state": {"running": {"startedAt": "2026-12-04T10:00:04Z"}},
                }
            ],
        },
    }


def event_line(i: int, kind: str = "ADDED") -> bytes:
    return orjson.dumps({"type": kind, "object": pod(i)}) + b"\n"


# -- the server (its own process) -------------------------------------------------------------


def serve(events: int, list_size: int) -> None:
    """A minimal Kubernetes-wire ASGI app: namespace ``bench`` has an empty list and a watch
    stream of ``events`` ADDED events (for rv 1; later watches hang); the cluster-wide list
    has ``list_size`` Pods in pages."""
    from hypercorn.config import Config
    from hypercorn.trio import serve as hyper_serve

    def chunked(lines: list[bytes]) -> list[bytes]:
        # ~64 KB body messages: the transport's job, not per-event server overhead, is measured
        chunks: list[bytes] = []
        batch: list[bytes] = []
        size = 0
        for line in lines:
            batch.append(line)
            size += len(line)
            if size >= 65536:
                chunks.append(b"".join(batch))
                batch, size = [], 0
        if batch:
            chunks.append(b"".join(batch))
        return chunks

    growth = chunked([event_line(i) for i in range(events)])
    churn = chunked(
        [
            orjson.dumps({"type": "MODIFIED", "object": pod(j % CHURN_KEYS, CHURN, 10_000 + j)}) + b"\n"
            for j in range(events)
        ]
    )
    churn_list = (
        b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":['
        + b",".join(orjson.dumps(pod(i, CHURN, 1000 + i)) for i in range(CHURN_KEYS))
        + b"]}"
    )
    # list items share a template; only name/uid/rv/ip differ
    template = orjson.dumps(pod(0)).replace(b"web-7d9f8c6b5-0000000", b"%NAME%")

    def item(i: int) -> bytes:
        return template.replace(b"%NAME%", f"web-7d9f8c6b5-{i:07d}".encode()).replace(
            b'"resourceVersion":"1000"', b'"resourceVersion":"%d"' % (1000 + i)
        )

    headers = [(b"content-type", b"application/json")]

    async def app(scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif msg["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        query = dict(
            p.split("=", 1) if "=" in p else (p, "") for p in scope["query_string"].decode().split("&") if p
        )
        path: str = scope["path"]
        if query.get("watch") == "true":
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            chunks = churn if f"/namespaces/{CHURN}/" in path else growth
            if query.get("resourceVersion") in ("1", "0", "") and "/namespaces/" in path:
                for chunk in chunks:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await trio.sleep_forever()
            return
        if f"/namespaces/{CHURN}/" in path:
            body = churn_list
        elif f"/namespaces/{NAMESPACE}/" in path:
            body = b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}'
        else:
            limit = int(query.get("limit") or list_size)
            start = int(query.get("continue") or 0)
            end = min(start + limit, list_size)
            more = f',"continue":"{end}","remainingItemCount":{list_size - end}' if end < list_size else ""
            body = (
                b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"200000"'
                + more.encode()
                + b'},"items":['
                + b",".join(item(i) for i in range(start, end))
                + b"]}"
            )
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    config = Config()
    config.bind = ["127.0.0.1:0"]
    config.accesslog = None
    config.errorlog = None
    config.keep_alive_timeout = 600

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            binds = await nursery.start(hyper_serve, app, config)
            print(binds[0], flush=True)

    trio.run(main)


# -- watch consumers --------------------------------------------------------------------------


async def bare_json(url: str, n: int) -> float:
    import httpx

    count = 0
    t0 = time.perf_counter()
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/namespaces/{NAMESPACE}/pods?watch=true&resourceVersion=1") as r,
    ):
        async for line in r.aiter_lines():
            if line:
                json.loads(line)
                count += 1
    assert count == n, count
    return time.perf_counter() - t0


async def bare_orjson_lines(url: str, n: int) -> float:
    import httpx

    count = 0
    t0 = time.perf_counter()
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/namespaces/{NAMESPACE}/pods?watch=true&resourceVersion=1") as r,
    ):
        async for line in r.aiter_lines():
            if line:
                orjson.loads(line)
                count += 1
    assert count == n, count
    return time.perf_counter() - t0


async def bare_split_orjson(url: str, n: int) -> float:
    import httpx

    count = 0
    rest = b""
    t0 = time.perf_counter()
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/namespaces/{NAMESPACE}/pods?watch=true&resourceVersion=1") as r,
    ):
        async for chunk in r.aiter_raw():
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line:
                    orjson.loads(line)
                    count += 1
    assert count == n, count
    return time.perf_counter() - t0


def _indexers(typed: bool) -> dict[str, Callable[[Any], Any]]:
    # The same two indexers for every variant (with the namespace index: 3). Declared by
    # path, so that on raw objects they decode only the values they read.
    from informer import field_indexer

    return {"node": field_indexer("spec.nodeName"), "app": field_indexer("metadata.labels.app")}


def _pods_resource(typed: bool, name: str = "pods") -> Any:
    from informer import ResourceType

    decoder = None
    if typed:
        from informer._decoders import typed_decoder
        from informer_kubernetes.models import Pod

        decoder = typed_decoder(Pod)
    return ResourceType(
        name=name, kind="Pod", group="", version="v1", plural="pods", namespaced=True,
        decoder=decoder, indexers=_indexers(typed),
    )


async def bare_split_orjson_keep(url: str, n: int, namespace: str = NAMESPACE) -> float:
    """The last loop, keeping each object in a dict by key: a naive cache's unavoidable costs
    (fresh memory for every object, and the garbage collector walking all of them)."""
    import httpx

    cache: dict[str, Any] = {}
    rest = b""
    t0 = time.perf_counter()
    async with (
        httpx.AsyncClient(timeout=None) as client,
        client.stream("GET", f"{url}/api/v1/namespaces/{namespace}/pods?watch=true&resourceVersion=1") as r,
    ):
        async for chunk in r.aiter_raw():
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line:
                    obj = orjson.loads(line)["object"]
                    meta = obj["metadata"]
                    cache[f"{meta['namespace']}/{meta['name']}"] = obj
    assert len(cache) == min(n, CHURN_KEYS if namespace == CHURN else n), len(cache)
    return time.perf_counter() - t0


async def pipeline(
    url: str,
    n: int,
    typed: bool = False,
    freeze: bool = False,
    compact: bool = False,
    namespace: str = NAMESPACE,
    raw: bool = False,
) -> tuple[float, dict[str, Any]]:
    """The whole informer on one stream. For the growth stream the clock runs from opening
    the informer to the n-th add handled; for the steady-state stream (after its initial
    list) from the first update handled to the n-th."""
    from informer import Scope, SourceSpec, open_informer
    from informer_http.source import HttpSource

    res = _pods_resource(typed)
    source = HttpSource(SourceSpec(resource=res, scope=Scope(namespace=namespace), options={"url": url}))
    done = trio.Event()
    churn = namespace == CHURN
    clock = {"first": 0.0, "last": 0.0}

    class NoOp:
        count = 0

        def tick(self) -> None:
            if not self.count:
                clock["first"] = time.perf_counter()
            self.count += 1
            if self.count == n:
                clock["last"] = time.perf_counter()
                done.set()

        def on_add(self, obj: Any, initial: bool) -> None:
            if not churn:
                self.tick()

        def on_update(self, old: Any, new: Any) -> None:
            self.tick()

    t0 = time.perf_counter()
    async with open_informer(res, source, page_size=500, gc_freeze=freeze, compact=compact, raw=raw) as inf:
        reg = inf.add_handler(NoOp())
        await done.wait()
        elapsed = clock["last"] - (clock["first"] if churn else t0)
        assert len(inf.store) == (CHURN_KEYS if churn else n) and len(inf.store.index_values("node")) == 50
        info = {
            "latency_p50_us": reg.latency.quantile(0.5) * 1e6,
            "latency_p99_us": reg.latency.quantile(0.99) * 1e6,
        }
    return elapsed, info


# -- the list benchmark (child process) -------------------------------------------------------


def _peak_rss_kb() -> int:
    # VmHWM, not ru_maxrss: the latter survives exec and would report the forking parent's size
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def list_child(
    url: str, n: int, typed: bool, freeze: bool, bare: bool = False, compact: bool = False, raw: bool = False
) -> None:
    from informer import SourceSpec, open_informer
    from informer_http.source import HttpSource

    res = _pods_resource(typed)
    before = _rss_kb()
    out: dict[str, Any] = {}

    async def bare_list() -> None:
        """The same pages with httpx + orjson, kept in a dict by key: a naive cache."""
        import httpx

        cache: dict[str, Any] = {}
        t0 = time.perf_counter()
        async with httpx.AsyncClient(timeout=None) as client:
            token = ""
            while True:
                r = await client.get(f"{url}/api/v1/pods", params={"limit": "500", "continue": token})
                body = orjson.loads(r.content)
                for obj in body["items"]:
                    meta = obj["metadata"]
                    cache[f"{meta['namespace']}/{meta['name']}"] = obj
                token = body["metadata"].get("continue")
                if not token:
                    break
        out["seconds"] = time.perf_counter() - t0
        assert len(cache) == n
        gc.collect()
        out["held_bytes_per_object"] = (_rss_kb() - before) * 1024 / n
        t1 = time.perf_counter()
        gc.collect()
        out["full_gc_ms"] = (time.perf_counter() - t1) * 1000

    async def main() -> None:
        source = HttpSource(SourceSpec(resource=res, options={"url": url, "timeout": 600}))
        t0 = time.perf_counter()
        async with open_informer(
            res, source, page_size=500, gc_freeze=freeze, compact=compact, raw=raw
        ) as inf:
            await inf.wait_synced(timeout=600)
            out["seconds"] = time.perf_counter() - t0
            assert len(inf.store) == n
            gc.collect()
            after = _rss_kb()
            out["held_bytes_per_object"] = (after - before) * 1024 / n
            t1 = time.perf_counter()
            gc.collect()
            out["full_gc_ms"] = (time.perf_counter() - t1) * 1000
            out["gc_tracked_objects"] = len(gc.get_objects())

    trio.run(bare_list if bare else main)
    out["peak_rss_mb"] = _peak_rss_kb() / 1024
    print(json.dumps(out))


# -- driver -----------------------------------------------------------------------------------

BARE = "bare: httpx aiter_lines + json.loads"
NAIVE_CACHE = "bare: byte split + orjson + keep in a dict"
LIST_BARE = "bare: httpx + orjson, kept in a dict"
#: the informer variants of the watch benchmarks: label, typed, gc_freeze, compact, raw
VARIANTS = [
    ("informer: dict objects", False, False, False, False),
    ("informer: dict objects, gc_freeze=True", False, True, False, False),
    ("informer: dict objects, compact=True", False, False, True, False),
    ("informer: raw=True (RawObject views)", False, False, False, True),
    ("informer: cattrs-typed Pods", True, False, False, False),
]
LIST_VARIANTS = [
    (LIST_BARE, ["--bare"]),
    ("informer: dict objects", []),
    ("informer: dict objects, gc_freeze=True", ["--freeze"]),
    ("informer: dict objects, compact=True", ["--compact"]),
    ("informer: raw=True (RawObject views)", ["--raw"]),
    ("informer: cattrs-typed Pods", ["--typed"]),
]
ETCD = "/usr/bin/etcd"


def run_etcd(events: int) -> dict[str, Any] | None:
    """``bench_etcd.py`` in a process of its own (its figures as JSON), or ``None``."""
    if not events:
        return None
    if not os.path.exists(ETCD):
        print(f"\netcd: skipped ({ETCD} is missing; Debian's etcd-server package provides it)")
        return None
    print(f"\netcd: {events:,} puts against a throw-away etcd on loopback ...", flush=True)
    here = os.path.dirname(os.path.abspath(__file__))
    cmd = [sys.executable, os.path.join(here, "bench_etcd.py"), "--events", str(events), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        print(f"etcd: failed (exit {done.returncode}): {done.stderr.strip()[-500:]}")
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def print_summary(
    summary: dict[str, dict[str, float]], *, n: int, listed: int, wire: int, etcd: dict[str, Any] | None
) -> None:
    """Everything measured, one row per way of consuming the stream."""
    bare = summary[BARE]["growth"]
    print(f"\nSUMMARY (µs per event; x = speed relative to the naive loop, {bare:.1f} µs/event)")
    print(
        f"{'':<44} {'growth':>7} {'x':>5} {'steady':>7} {'x':>5}"
        f" {'list s':>7} {'peak MB':>8} {'B/object':>9} {'full GC ms':>10}"
    )

    def cell(row: dict[str, float], key: str, fmt: str, width: int) -> str:
        return f"{row[key]:>{width}{fmt}}" if key in row else f"{'-':>{width}}"

    labels = [BARE, NAIVE_CACHE] + [label for label, *_ in VARIANTS]
    for label in labels:
        row = dict(summary.get(label, {}))
        if label == NAIVE_CACHE:
            row.update(summary.get(LIST_BARE, {}))
        for key in ("growth", "steady"):
            if key in row:
                row[f"x_{key}"] = bare / row[key]
        print(
            f"{label.removeprefix('informer: '):<44}"
            f" {cell(row, 'growth', '.1f', 7)} {cell(row, 'x_growth', '.2f', 5)}"
            f" {cell(row, 'steady', '.1f', 7)} {cell(row, 'x_steady', '.2f', 5)}"
            f" {cell(row, 'list_s', '.2f', 7)} {cell(row, 'rss_mb', ',.0f', 8)}"
            f" {cell(row, 'held', ',.0f', 9)} {cell(row, 'gc_ms', '.1f', 10)}"
        )
    print(
        f"growth: {n:,} new Pods; steady: {n:,} updates of {CHURN_KEYS:,} Pods; list: {listed:,} Pods"
        f" (B/object: RSS held per cached Pod); wire size per Pod: {wire} bytes"
    )
    if etcd is not None:
        print(
            f"etcd informer, {etcd['events']:,} puts (~300 B values):"
            f" {etcd['informer_events_per_s']:,} events/s"
            f" (etcd-bound), informer CPU {etcd['informer_cpu_us_per_event']} µs/event;"
            f" bare source replay {etcd['source_replay_events_per_s']:,} events/s;"
            f" put -> handler p50 {etcd['put_to_handler_p50_ms']} ms, p99 {etcd['put_to_handler_p99_ms']} ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=20_000, help="watch events per run")
    parser.add_argument("--list", type=int, default=100_000, help="objects in the list benchmark (0: skip)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--etcd-events", type=int, default=20_000, help="puts in the etcd benchmark (0: skip; needs etcd)"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--list-child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--typed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--freeze", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--compact", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--raw", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.events, args.list)
        return 0
    if args.list_child:
        list_child(args.list_child, args.list, args.typed, args.freeze, args.bare, args.compact, args.raw)
        return 0

    size = len(event_line(1))
    print(f"watch: {args.events} events of {size} bytes; list: {args.list} Pods; best of {args.repeat}")
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--events", str(args.events), "--list", str(args.list)],
        stdout=subprocess.PIPE,
        text=True,
    )
    #: label -> column -> figure, for the summary table printed at the end
    summary: dict[str, dict[str, float]] = {}
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()

        def best(fn: Callable[[], float]) -> float:
            return min(fn() for _ in range(args.repeat))

        n = args.events
        bare = best(lambda: trio.run(bare_json, url, n))
        print()
        title = f"watch, growth: {n:,} new Pods"
        print(f"{title:<48} {'events/s':>10} {'µs/event':>9} {'x bare':>7}")

        def show(label: str, t: float, note: str = "", column: str = "growth") -> None:
            summary.setdefault(label, {})[column] = t / n * 1e6
            print(f"{label:<48} {n / t:>10,.0f} {t / n * 1e6:>9.1f} {bare / t:>7.2f}  {note}", flush=True)

        show(BARE, bare, "(the naive watch loop)")
        for label, loop, note in (
            ("bare: httpx aiter_lines + orjson.loads", bare_orjson_lines, ""),
            ("bare: byte split + orjson.loads", bare_split_orjson, ""),
            (NAIVE_CACHE, bare_split_orjson_keep, "(a naive cache)"),
        ):
            show(label, best(lambda loop=loop: trio.run(loop, url, n)), note)

        def run_variants(namespace: str, column: str) -> None:
            for label, typed, freeze, compact, raw in VARIANTS:
                infos: list[dict[str, Any]] = []

                def once(
                    typed: bool = typed,
                    freeze: bool = freeze,
                    compact: bool = compact,
                    raw: bool = raw,
                    infos: list[Any] = infos,
                ) -> float:
                    gc.collect()
                    elapsed, info = trio.run(pipeline, url, n, typed, freeze, compact, namespace, raw)
                    infos.append(info)
                    gc.unfreeze()
                    gc.collect()
                    return elapsed

                t = best(once)
                show(label, t, f"handler latency p50 {infos[-1]['latency_p50_us']:.0f} µs", column)

        run_variants(NAMESPACE, "growth")

        def without_gc() -> float:
            gc.collect()  # the previous run's garbage (collect() works while disabled)
            gc.disable()
            try:
                return trio.run(pipeline, url, n, False, False)[0]
            finally:
                gc.enable()

        show("informer: dict objects, gc disabled", best(without_gc), "(reference: cost without the GC)")
        print()
        title = f"watch, steady state: {n:,} updates of {CHURN_KEYS:,} Pods"
        print(f"{title:<48} {'events/s':>10} {'µs/event':>9} {'x bare':>7}")
        show(
            NAIVE_CACHE,
            best(lambda: trio.run(bare_split_orjson_keep, url, n, CHURN)),
            "(a naive cache)",
            "steady",
        )
        run_variants(CHURN, "steady")

        if args.list:
            print()
            title = f"list {args.list:,} Pods (pages of 500)"
            print(f"{title:<48} {'seconds':>8} {'peak RSS MB':>12} {'held B/obj':>11} {'full GC ms':>11}")
            for label, flags in LIST_VARIANTS:
                cmd = [sys.executable, __file__, "--list-child", url, "--list", str(args.list), *flags]
                result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                row = summary.setdefault(label, {})
                row["list_s"] = result["seconds"]
                row["rss_mb"] = result["peak_rss_mb"]
                row["held"] = result["held_bytes_per_object"]
                row["gc_ms"] = result["full_gc_ms"]
                print(
                    f"{label:<48} {result['seconds']:>8.2f} {result['peak_rss_mb']:>12.0f}"
                    f" {result['held_bytes_per_object']:>11,.0f} {result['full_gc_ms']:>11.1f}",
                    flush=True,
                )
    finally:
        server.terminate()
        server.wait(5)
    etcd = run_etcd(args.etcd_events)
    print_summary(summary, n=args.events, listed=args.list, wire=size, etcd=etcd)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
