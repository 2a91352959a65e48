"""The embedded server's data: objects, the global resourceVersion, event history.

One :class:`World` holds every served resource. Like kube-apiserver over etcd, there is
one resourceVersion counter for all of them (so versions are unique server-wide) and
each resource keeps a window of recent events, which is what a watch resumes from and
what a paged list's snapshot is rebuilt from. A version older than that window is
"expired" (410), exactly the condition clients have to survive on a real cluster.

Objects are kept as their JSON bytes (:class:`Stored`), not as dicts. The server often
shares a process with the informers it feeds (the embedded default, tests, benchmarks),
and a decoded 4 KB object is ~100 dicts and lists that the cyclic garbage collector walks
on every full collection, at ~5x the memory; bytes are one untracked object at ~1x.
Serving becomes concatenation: a list is the items' bytes joined, a watch line the
object's bytes in a small frame. Only the name, namespace and labels are kept decoded,
for selectors. Stored records are never mutated, so lists, snapshots and history share
them freely.
"""

from __future__ import annotations

import bisect
import datetime
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson
import trio

from ._faults import Faults
from ._patch import apply_patch
from ._resource import ServerResource
from ._status import StatusError

__all__ = ["DEFAULT_HISTORY", "Collection", "Event", "Storage", "Stored", "World", "key_of", "watch_line"]

MERGE_PATCH = "application/merge-patch+json"
#: events kept per resource when ``Faults.history`` is not set.
DEFAULT_HISTORY = 100_000
#: paged-list snapshots kept (by resource and version) so later pages are cheap.
_SNAPSHOTS = 16

Snapshot = tuple[list[str], dict[str, "Stored"]]


class Stored(NamedTuple):
    """One object as stored: ``body`` is its JSON without ``kind``/``apiVersion`` (which
    core-group list items omit anyway; the collection adds them where needed)."""

    body: bytes
    name: str
    namespace: str | None
    labels: dict[str, str] | None


class Event:
    """One change in a collection's history.

    ``prev`` is the object's state before the change (``None`` for ADDED); the history
    can be undone with it to rebuild the collection as it was at an older version.
    ``line`` caches the serialised watch line: it is the same for every watcher that
    does not filter, so it is built at most once.
    """

    __slots__ = ("key", "line", "obj", "prev", "rv", "type")

    def __init__(self, rv: int, type: str, key: str, obj: Stored, prev: Stored | None) -> None:
        self.rv = rv
        self.type = type
        self.key = key
        self.obj = obj
        self.prev = prev
        self.line: bytes | None = None


def watch_line(type: str, obj: bytes | Mapping[str, Any]) -> bytes:
    """One watch event on the wire: a JSON object and a newline."""
    raw = obj if isinstance(obj, bytes) else orjson.dumps(obj)
    return b'{"type":"' + type.encode() + b'","object":' + raw + b"}\n"


_HEADS = {t: b'{"type":"' + t.encode() + b'","object":' for t in ("ADDED", "MODIFIED", "DELETED")}


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fresh_copy(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy that is also a JSON round trip: what is stored is exactly what can be
    served (and orjson round-trips a 4 KB object several times faster than ``deepcopy``)."""
    try:
        copied = orjson.loads(orjson.dumps(obj))
    except TypeError as exc:
        raise StatusError(400, f"object is not JSON-serialisable: {exc}", "BadRequest") from None
    if not isinstance(copied, dict):
        raise StatusError(400, "object must be a JSON object", "BadRequest")
    return copied


def key_of(namespace: str | None, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


class Storage:
    """The objects and history of one resource, shared by all its served versions (as
    Kubernetes serves one custom resource's objects at each of its versions)."""

    __slots__ = ("changed", "compacted_rv", "history", "objects", "snapshots", "sorted", "watchers")

    def __init__(self) -> None:
        self.objects: dict[str, Stored] = {}
        self.history: list[Event] = []
        self.compacted_rv = 0
        self.sorted: list[str] | None = []
        self.snapshots: OrderedDict[int, Snapshot] = OrderedDict()
        self.changed = trio.Event()
        #: open watch streams on these objects, at any version
        self.watchers = 0


class Collection:
    """One served resource version: the objects of a :class:`Storage`, as one
    ``apiVersion``/``kind`` presents them."""

    def __init__(self, world: World, resource: ServerResource, storage: Storage | None = None) -> None:
        self.world = world
        self.resource = resource
        #: shared with the other served versions of the same group and plural
        self.store = storage if storage is not None else Storage()
        # only the first version caches watch lines on events (a line names its apiVersion)
        self._caches_lines = storage is None
        # '{"apiVersion":"...","kind":"...",' — completes a stored body into the full object
        head = orjson.dumps({"apiVersion": resource.api_version, "kind": resource.kind})
        self._prefix = head[:-1] + b","

    @property
    def objects(self) -> dict[str, Stored]:
        return self.store.objects

    @property
    def history(self) -> list[Event]:
        return self.store.history

    @property
    def compacted_rv(self) -> int:
        """The newest version whose events are no longer all in ``history``."""
        return self.store.compacted_rv

    @property
    def changed(self) -> trio.Event:
        """Set (and replaced) on every change; watchers wait on it."""
        return self.store.changed

    # -- encoding ------------------------------------------------------------------

    def full(self, stored: Stored) -> bytes:
        """The object with ``apiVersion`` and ``kind`` (as watch events and gets carry it)."""
        return b"".join((self._prefix, memoryview(stored.body)[1:]))

    def object_line(self, type: str, stored: Stored) -> bytes:
        """A watch line for a stored object, built with a single copy of its bytes."""
        return b"".join((_HEADS[type], self._prefix, memoryview(stored.body)[1:], b"}\n"))

    def decode(self, stored: Stored) -> dict[str, Any]:
        result: dict[str, Any] = orjson.loads(self.full(stored))
        return result

    def line(self, event: Event) -> bytes:
        if not self._caches_lines:
            return self.object_line(event.type, event.obj)
        line = event.line
        if line is None:
            line = event.line = self.object_line(event.type, event.obj)
        return line

    def _store(self, obj: dict[str, Any]) -> Stored:
        meta = obj["metadata"]
        body = {k: v for k, v in obj.items() if k != "apiVersion" and k != "kind"}
        labels = meta.get("labels")
        if labels is not None and not (
            isinstance(labels, dict) and all(isinstance(v, str) for v in labels.values())
        ):
            raise StatusError(
                422,
                f"{self.resource.kind} is invalid: metadata.labels: must map strings to strings",
                "Invalid",
            )
        # orjson hands back its growth buffer (measured 8 KB held for a 3.2 KB Pod): copy the
        # bytes once into an exact-size object before keeping them
        raw = memoryview(orjson.dumps(body)).tobytes()
        return Stored(raw, meta["name"], meta.get("namespace"), labels or None)

    # -- reading ---------------------------------------------------------------

    def sorted_keys(self) -> list[str]:
        keys = self.store.sorted
        if keys is None:
            keys = self.store.sorted = sorted(self.store.objects)
        return keys

    def snapshot(self, rv: int) -> Snapshot:
        """Sorted keys and objects as they were at version ``rv``.

        Raises a 410 :class:`StatusError` (reason Expired) when the history no longer
        reaches back to ``rv``.
        """
        if rv >= self.world.rv:
            return self.sorted_keys(), self.store.objects
        if rv < self.store.compacted_rv:
            raise StatusError(
                410, f"too old resource version: {rv} ({self.store.compacted_rv + 1})", "Expired"
            )
        cached = self.store.snapshots.get(rv)
        if cached is not None:
            self.store.snapshots.move_to_end(rv)
            return cached
        start = bisect.bisect_right(self.store.history, rv, key=lambda e: e.rv)
        if start == len(self.store.history):
            return self.sorted_keys(), self.store.objects
        objects = dict(self.store.objects)
        for event in reversed(self.store.history[start:]):
            if event.prev is None:
                objects.pop(event.key, None)
            else:
                objects[event.key] = event.prev
        return sorted(objects), objects

    def remember_snapshot(self, rv: int) -> None:
        """Pin the current state as version ``rv`` for the next pages of a paged list."""
        if rv in self.store.snapshots:
            return
        self.store.snapshots[rv] = (self.sorted_keys(), dict(self.store.objects))
        while len(self.store.snapshots) > _SNAPSHOTS:
            self.store.snapshots.popitem(last=False)

    def events_after(self, rv: int) -> list[Event]:
        start = bisect.bisect_right(self.store.history, rv, key=lambda e: e.rv)
        return self.store.history[start:]

    # -- writing ---------------------------------------------------------------

    def trim(self) -> None:
        """Forget events beyond the history window (``Faults.history``, read live).

        An explicit window is kept exactly; the default one is trimmed in batches (an
        eighth of it at a time) so that a write is not a list shift every time.
        """
        store = self.store
        limit = self.world.faults.history
        slack = 0
        if limit is None:
            limit, slack = DEFAULT_HISTORY, DEFAULT_HISTORY // 8
        excess = len(store.history) - limit
        if excess > slack:
            store.compacted_rv = store.history[excess - 1].rv
            del store.history[:excess]

    def _record(self, type: str, key: str, rv: int, obj: Stored, prev: Stored | None) -> None:
        store = self.store
        store.history.append(Event(rv, type, key, obj, prev))
        self.trim()
        old, store.changed = store.changed, trio.Event()
        old.set()

    def _identify(self, obj: Mapping[str, Any], namespace: str | None = None) -> tuple[str, str | None, str]:
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):
            raise StatusError(422, f"{self.resource.kind} is invalid: metadata: Required value", "Invalid")
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise StatusError(
                422, f"{self.resource.kind} is invalid: metadata.name: Required value", "Invalid"
            )
        ns: str | None = None
        if self.resource.namespaced:
            ns = meta.get("namespace") or namespace or "default"
            if namespace is not None and ns != namespace:
                raise StatusError(
                    400,
                    f"the namespace of the provided object ({ns}) does not match the namespace sent on the"
                    f" request ({namespace})",
                    "BadRequest",
                )
        return name, ns, key_of(ns, name)

    def _not_found(self, name: str) -> StatusError:
        return StatusError(
            404,
            f'{self.resource.name} "{name}" not found',
            "NotFound",
            details={"name": name, "group": self.resource.group, "kind": self.resource.plural},
        )

    def _fresh(self, obj: Mapping[str, Any], ns: str | None) -> dict[str, Any]:
        # kind and apiVersion first, as kube-apiserver writes them
        new: dict[str, Any] = {"apiVersion": self.resource.api_version, "kind": self.resource.kind}
        new.update((k, v) for k, v in _fresh_copy(obj).items() if k != "apiVersion" and k != "kind")
        meta = new["metadata"] = dict(new["metadata"])
        if ns is not None:
            meta["namespace"] = ns
        else:
            meta.pop("namespace", None)
        return new

    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        name, ns, key = self._identify(obj, namespace)
        if key in self.store.objects:
            raise StatusError(
                409,
                f'{self.resource.name} "{name}" already exists',
                "AlreadyExists",
                details={"name": name, "group": self.resource.group, "kind": self.resource.plural},
            )
        new = self._fresh(obj, ns)
        meta = new["metadata"]
        meta["uid"] = str(uuid.uuid4())
        rv = self.world.next_rv()
        meta["resourceVersion"] = str(rv)
        meta["creationTimestamp"] = _now()
        meta["generation"] = 1
        stored = self._store(new)
        self.store.objects[key] = stored
        self.store.sorted = None
        self._record("ADDED", key, rv, stored, None)
        return new

    def update(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        name, ns, key = self._identify(obj, namespace)
        old_stored = self.store.objects.get(key)
        if old_stored is None:
            raise self._not_found(name)
        old = orjson.loads(old_stored.body)
        old_meta = old["metadata"]
        wanted = obj["metadata"].get("resourceVersion")
        if wanted not in (None, "") and str(wanted) != old_meta["resourceVersion"]:
            raise StatusError(
                409,
                f'Operation cannot be fulfilled on {self.resource.name} "{name}": the object has been'
                " modified; please apply your changes to the latest version and try again",
                "Conflict",
                details={"name": name, "group": self.resource.group, "kind": self.resource.plural},
            )
        new = self._fresh(obj, ns)
        meta = new["metadata"]
        meta["uid"] = old_meta["uid"]
        meta["creationTimestamp"] = old_meta["creationTimestamp"]
        generation = old_meta.get("generation", 1)
        if new.get("spec") != old.get("spec"):
            generation += 1
        meta["generation"] = generation
        rv = self.world.next_rv()
        meta["resourceVersion"] = str(rv)
        stored = self._store(new)
        self.store.objects[key] = stored
        self._record("MODIFIED", key, rv, stored, old_stored)
        return new

    def patch(
        self, name: str, namespace: str | None, patch: Any, content_type: str = MERGE_PATCH
    ) -> dict[str, Any]:
        """Apply a merge patch (or a JSON patch, by ``content_type``) to an object.

        As in Kubernetes, a ``metadata.resourceVersion`` the patch sets is a precondition:
        the update is refused with 409 Conflict unless it is the current version.
        """
        key = key_of(namespace if self.resource.namespaced else None, name)
        stored = self.store.objects.get(key)
        if stored is None:
            raise self._not_found(name)
        current = self.decode(stored)
        current_rv = current["metadata"]["resourceVersion"]
        merged = apply_patch(content_type, current, patch)
        if not isinstance(merged, dict) or not isinstance(merged.get("metadata"), dict):
            raise StatusError(422, f"{self.resource.kind} is invalid: the patch removes metadata", "Invalid")
        meta = merged["metadata"]
        if meta.get("name") != name or (self.resource.namespaced and meta.get("namespace") != namespace):
            raise StatusError(400, "a patch may not change metadata.name or metadata.namespace", "BadRequest")
        if meta.get("resourceVersion") == current_rv:
            meta.pop("resourceVersion")
        return self.update(merged, namespace)

    def delete(self, name: str, namespace: str | None = None) -> dict[str, Any]:
        key = key_of(namespace if self.resource.namespaced else None, name)
        old = self.store.objects.pop(key, None)
        if old is None:
            raise self._not_found(name)
        self.store.sorted = None
        # DELETED carries the last state, stamped with the version of the deletion
        gone = self.decode(old)
        rv = self.world.next_rv()
        gone["metadata"]["resourceVersion"] = str(rv)
        self._record("DELETED", key, rv, self._store(gone), old)
        return gone


class World:
    """Every collection the server serves plus the shared resourceVersion counter."""

    def __init__(self, resources: list[ServerResource], faults: Faults) -> None:
        self.faults = faults
        self.rv = 1
        self.collections: dict[str, Collection] = {}
        self.by_path: dict[tuple[str, str, str], Collection] = {}
        #: set when rv moves; list requests for a future version wait on it
        self.advanced = trio.Event()
        for resource in resources:
            self.add(resource)

    def add(self, resource: ServerResource) -> Collection:
        path = (resource.group, resource.version, resource.plural)
        if path in self.by_path:
            raise ValueError(f"resource {resource.name} is already served")
        shared = next(
            (
                c.store
                for (g, _, p), c in self.by_path.items()
                if g == resource.group and p == resource.plural
            ),
            None,
        )
        if shared is not None and not resource.group:
            shared = None  # the core group has one version
        collection = Collection(self, resource, shared)
        self.collections[resource.name] = collection
        self.by_path[path] = collection
        return collection

    def next_rv(self) -> int:
        self.rv += 1
        old, self.advanced = self.advanced, trio.Event()
        old.set()
        return self.rv

    def collection(self, name: str) -> Collection:
        found = self.collections.get(name)
        if found is None:
            try:
                parsed = ServerResource.parse(name)
            except ValueError:
                parsed = None
            if parsed is not None:
                found = self.by_path.get((parsed.group, parsed.version, parsed.plural))
        if found is None:
            served = ", ".join(sorted(self.collections)) or "none"
            raise KeyError(f"resource {name!r} is not served by this server (served: {served})")
        return found
