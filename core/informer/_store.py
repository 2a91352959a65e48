"""The cache: key -> object, with named indices kept up to date incrementally.

Why there are no locks
----------------------
client-go's ``threadSafeMap`` takes a read/write lock on every access because its
reflector, its handlers and its users run on different goroutines. Here every writer
and every reader is a trio task on one thread, and a write is a plain synchronous method
call with no ``await`` inside, so no reader can ever observe a half-applied write. The
remaining rule is *one writer*: only the informer's reflector task calls :meth:`put`,
:meth:`remove` and :meth:`add_indexer` (``add_indexer`` is safe from any task, being
synchronous too). With one writer, "what the reflector applied last" is the only order
there is, and the notifications handlers receive are derived from that same order.

Indices
-------
An indexer maps an object to the values it is filed under (client-go's ``IndexFunc``):
``by_index("namespace", "prod")`` answers in O(result) from ``index -> value -> set of
keys``. Indices are updated on every write by re-running the indexer on the old and
the new object and moving the key between value sets only when the values changed; an
emptied set is dropped so ``index_values`` only lists values that still have objects.
Running the indexer on the old object (instead of remembering each key's values) costs a
call per write but no memory per cached object, which is the scarcer resource.

The store also keeps every key's ``resourceVersion`` in a parallel dict, so a relist can
tell an unchanged object from a changed one by comparing two short strings, never the
objects themselves.

Compact form
------------
A decoded Kubernetes object is some forty dicts and lists: about five times its wire size
in memory, and forty objects the cyclic garbage collector walks again and again. A store
built with ``compact``/``expand`` functions (the informer's ``compact=True`` uses
``orjson.dumps``/``orjson.loads``) keeps each object in its compact form instead — bytes:
about its wire size, and nothing for the collector — and expands it on every read. Reads
then return a fresh object each time (mutating it changes nothing in the store). Index
maintenance cannot re-run indexers on a compact old object cheaply, so in this mode each
key's index values are remembered (small tuples of strings).

The informer's ``raw=True`` uses the same two doors with other functions: it stores the
wire bytes of a :class:`~informer.RawObject` and expands them into a new view, which
decodes nothing until a field is read (see :mod:`informer._raw`).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._resource import Indexer

__all__ = ["Store"]

_Values = Iterable[str]


def _values_of(fn: Indexer, obj: Any) -> _Values:
    values = fn(obj)
    if values is None:
        return ()
    if isinstance(values, str):
        # A lone string is one value, not a sequence of characters.
        return (values,)
    return values


def _quiet_values(fn: Indexer, obj: Any) -> _Values:
    # The old object's values: it was indexed (or counted as failing) when it was stored.
    try:
        return _values_of(fn, obj)
    except Exception:
        return ()


class Store:
    """Key -> object map with named incremental indices.

    Read API (any task): :meth:`get`, :meth:`list`, :meth:`keys`, :meth:`items`,
    :meth:`by_index`, :meth:`index_keys`, :meth:`index_values`, :meth:`resource_version`,
    ``len(store)``, ``key in store``.

    Write API (the owning informer's reflector only, see the module docstring):
    :meth:`put`, :meth:`remove`, :meth:`clear`, plus :meth:`add_indexer`.

    An indexer that raises for some object files that object under no value of that
    index (the error is counted in :attr:`index_errors`); the object itself is still
    stored, because an index is a view and must not lose data.
    """

    __slots__ = (
        "_compact",
        "_expand",
        "_indexers",
        "_indices",
        "_items",
        "_key_values",
        "_rvs",
        "index_errors",
        "on_index_error",
    )

    def __init__(
        self,
        indexers: dict[str, Indexer] | None = None,
        *,
        compact: Callable[[Any], Any] | None = None,
        expand: Callable[[Any], Any] | None = None,
    ) -> None:
        if (compact is None) != (expand is None):
            raise ValueError("compact and expand go together")
        self._items: dict[str, Any] = {}
        self._rvs: dict[str, str] = {}
        self._indexers: dict[str, Indexer] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._compact = compact
        self._expand = expand
        #: compact mode only: index name -> key -> the values the key is filed under
        self._key_values: dict[str, dict[str, tuple[str, ...]]] = {}
        self.index_errors = 0
        #: called as ``(index_name, key, exception)`` when an indexer raises
        self.on_index_error: Callable[[str, str, BaseException], None] | None = None
        for name, fn in (indexers or {}).items():
            self.add_indexer(name, fn)

    # -- read ------------------------------------------------------------------------

    @property
    def compacting(self) -> bool:
        """True when objects are kept in a compact form and expanded on every read."""
        return self._expand is not None

    def expand(self, stored: Any) -> Any:
        """The object for a stored form (identity unless the store is compacting)."""
        expand = self._expand
        return stored if expand is None else expand(stored)

    def get(self, key: str, default: Any = None) -> Any:
        """The object stored under ``key``, or ``default``."""
        stored = self._items.get(key)
        if stored is None:
            return default
        expand = self._expand
        return stored if expand is None else expand(stored)

    def __getitem__(self, key: str) -> Any:
        return self.expand(self._items[key])

    def list(self) -> builtins.list[Any]:
        """Every object (a new list; safe to keep)."""
        expand = self._expand
        if expand is None:
            return list(self._items.values())
        return [expand(v) for v in self._items.values()]

    def keys(self) -> builtins.list[str]:
        """Every key (a new list)."""
        return list(self._items)

    def items(self) -> builtins.list[tuple[str, Any]]:
        """``(key, object)`` pairs (a new list)."""
        expand = self._expand
        if expand is None:
            return list(self._items.items())
        return [(k, expand(v)) for k, v in self._items.items()]

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __bool__(self) -> bool:
        # An empty store is still a store: ``if inf.store:`` must not mean "has objects".
        return True

    def resource_version(self, key: str) -> str | None:
        """The resourceVersion the object under ``key`` was stored with."""
        return self._rvs.get(key)

    @property
    def indexers(self) -> dict[str, Indexer]:
        return dict(self._indexers)

    def index_names(self) -> builtins.list[str]:
        return list(self._indexers)

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """Keys filed under ``value`` in index ``name``. Unknown index -> ``KeyError``."""
        try:
            index = self._indices[name]
        except KeyError:
            raise KeyError(f"no index named {name!r} (have: {', '.join(self._indices) or 'none'})") from None
        return sorted(index.get(value, ()))

    def by_index(self, name: str, value: str) -> builtins.list[Any]:
        """Objects filed under ``value`` in index ``name``, in key order."""
        items = self._items
        expand = self._expand
        if expand is None:
            return [items[k] for k in self.index_keys(name, value)]
        return [expand(items[k]) for k in self.index_keys(name, value)]

    def index_values(self, name: str) -> builtins.list[str]:
        """Every value of index ``name`` that has at least one object, sorted."""
        try:
            return sorted(self._indices[name])
        except KeyError:
            raise KeyError(f"no index named {name!r} (have: {', '.join(self._indices) or 'none'})") from None

    # -- write (owner only) ------------------------------------------------------------

    def add_indexer(self, name: str, fn: Indexer) -> None:
        """Add (or replace) index ``name`` and file every stored object in it now."""
        self._indexers[name] = fn
        index: dict[str, set[str]] = {}
        self._indices[name] = index
        remembered: dict[str, tuple[str, ...]] | None = None
        if self._expand is not None:
            remembered = self._key_values[name] = {}
        for key, stored in self._items.items():
            values = tuple(self._safe_values(name, fn, key, self.expand(stored)))
            if remembered is not None and values:
                remembered[key] = values
            for value in values:
                bucket = index.get(value)
                if bucket is None:
                    index[value] = {key}
                else:
                    bucket.add(key)

    def remove_indexer(self, name: str) -> None:
        self._indexers.pop(name, None)
        self._indices.pop(name, None)
        self._key_values.pop(name, None)

    def put(self, key: str, obj: Any, resource_version: str) -> Any:
        """Store ``obj`` under ``key``; returns the previous *stored form* or ``None``
        (the object itself unless compacting: see :meth:`expand`)."""
        items = self._items
        old = items.get(key)
        compact = self._compact
        if compact is None:
            items[key] = obj
            if self._indexers:
                self._reindex(key, old, obj)
        else:
            try:
                items[key] = compact(obj)
            except Exception:
                items[key] = obj  # not compactable: kept as is (expand must pass it through)
            if self._indexers:
                self._reindex_remembered(key, obj)
        self._rvs[key] = resource_version
        return old

    def remove(self, key: str) -> Any:
        """Drop ``key``; returns the stored form it held, or ``None`` if there was none."""
        old = self._items.pop(key, None)
        if old is None:
            return None
        del self._rvs[key]
        if self._indexers:
            if self._compact is None:
                self._reindex(key, old, None)
            else:
                self._reindex_remembered(key, None)
        return old

    def clear(self) -> None:
        self._items.clear()
        self._rvs.clear()
        for index in self._indices.values():
            index.clear()
        for remembered in self._key_values.values():
            remembered.clear()

    # -- internals ---------------------------------------------------------------------

    def _safe_values(self, name: str, fn: Indexer, key: str, obj: Any) -> _Values:
        try:
            return _values_of(fn, obj)
        except Exception as exc:
            self.index_errors += 1
            if self.on_index_error is not None:
                self.on_index_error(name, key, exc)
            return ()

    def _reindex(self, key: str, old: Any, new: Any) -> None:
        # The per-event path: indexers are called inline (no helper per call) and the
        # common outcomes — an add, or an update that does not move the object — cost one
        # or two calls, a comparison and at most one set operation per index.
        indices = self._indices
        for name, fn in self._indexers.items():
            new_values: Any
            old_values: Any
            try:
                new_values = fn(new) if new is not None else ()
                old_values = fn(old) if old is not None else ()
            except Exception:
                # Slow path: find which side failed, file that side under no value.
                new_values = self._safe_values(name, fn, key, new) if new is not None else ()
                old_values = _quiet_values(fn, old) if old is not None else ()
            if old_values == new_values:
                continue
            index = indices[name]
            if old_values:
                for value in (old_values,) if old_values.__class__ is str else old_values:
                    bucket = index.get(value)
                    if bucket is not None:
                        bucket.discard(key)
                        if not bucket:
                            del index[value]
            if new_values:
                for value in (new_values,) if new_values.__class__ is str else new_values:
                    bucket = index.get(value)
                    if bucket is None:
                        index[value] = {key}
                    else:
                        bucket.add(key)

    def _reindex_remembered(self, key: str, new: Any) -> None:
        """Compact mode: the old values come from memory, not from the old object."""
        indices = self._indices
        for name, fn in self._indexers.items():
            remembered = self._key_values[name]
            old_values = remembered.get(key, ())
            new_values = tuple(self._safe_values(name, fn, key, new)) if new is not None else ()
            if old_values == new_values:
                continue
            if new_values:
                remembered[key] = new_values
            else:
                remembered.pop(key, None)
            index = indices[name]
            for value in old_values:
                bucket = index.get(value)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del index[value]
            for value in new_values:
                bucket = index.get(value)
                if bucket is None:
                    index[value] = {key}
                else:
                    bucket.add(key)

    def __repr__(self) -> str:
        return f"<Store {len(self._items)} objects, indices: {', '.join(self._indices) or 'none'}>"
