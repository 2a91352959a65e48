"""Raw objects: a JSON object kept as its wire bytes and decoded only where it is read.

Why
---
A decoded ~4 KB Kubernetes object is some forty dicts and lists. Decoding it costs more
than everything else an informer does with an event, and keeping it costs five times its
size in memory plus forty objects the cyclic garbage collector walks again and again (see
the performance budget in ``design.md``). Yet most of an informer's work needs three
strings of it — name, namespace, resourceVersion — and a handler often reads a field or
two, or nothing at all.

A :class:`RawObject` is a read-only :class:`~collections.abc.Mapping` over the bytes of
one JSON object. Its top level is split lazily into undecoded parts (``metadata``,
``spec``, ``status``, ...), and each part is decoded the first time it is read, then kept
for the life of this view. The identifying metadata comes from a tiny ``msgspec`` decoder
that skips everything else. So ``obj["spec"]["nodeName"]`` decodes ``spec`` only, and an
object nobody reads is never decoded at all.

With ``raw=True`` an informer works on these end to end (see :class:`~informer.Informer`):
a source that can (the HTTP source) hands them over without decoding the object, the
store keeps only the bytes (about the wire size, nothing for the collector), and
handlers, indexers and readers of the store receive ``RawObject`` views. A source that
gives plain mappings or JSON bytes (etcd values) is converted, so every source works.

What differs from a dict
------------------------
* ``isinstance(obj, dict)`` is false; ``dict(obj)`` or :meth:`RawObject.to_dict` gives a
  plain dict (a fresh one on every call, safe to mutate).
* ``orjson.dumps(obj)`` needs ``default=informer.raw_default`` (which splices the bytes in
  as they are: no re-encoding); :attr:`RawObject.data` is the object's JSON.
* ``==`` compares contents, with plain mappings too; a view is not hashable.
* Values of the top level are plain JSON data (dicts, lists, strings, ...), cached per
  view: mutating one changes that view only, never the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec
import orjson

__all__ = ["RawObject", "as_raw", "raw_default"]


class _Meta(msgspec.Struct):
    """The metadata fields the pipeline itself needs; everything else is skipped unread."""

    name: str | None = None
    namespace: str | None = None
    resourceVersion: str | None = None


_decode_parts = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
_decode_meta = msgspec.json.Decoder(_Meta).decode
_decode_any = msgspec.json.Decoder().decode
_EMPTY_META = _Meta()


_path_decoders: dict[tuple[str, ...], Any] = {}


def _path_decoder(path: tuple[str, ...]) -> Any:
    """A function: JSON bytes -> the value at ``path`` (``None`` where a step is missing)."""
    decode = _path_decoders.get(path)
    if decode is None:
        leaf: Any = Any
        for step in reversed(path):
            # field names are made up: JSON keys need not be identifiers ("app.kubernetes.io/name")
            leaf = msgspec.defstruct(
                "_Step", [("v", leaf | None, msgspec.field(default=None, name=step))], gc=False
            )
        decoder = msgspec.json.Decoder(leaf)

        def decode(data: Any, decoder: Any = decoder, depth: int = len(path)) -> Any:
            value = decoder.decode(data)
            for _ in range(depth):
                if value is None:
                    return None
                value = value.v
            return value

        _path_decoders[path] = decode
    return decode


class RawObject(Mapping[str, Any]):
    """A JSON object kept as bytes, decoded per top-level field on first read.

    Build one with :meth:`from_bytes` (validates that the bytes hold a JSON object) or
    :func:`as_raw`. ``data`` is the object's JSON (bytes). See the module docstring.
    """

    __slots__ = ("_meta", "_parts", "_values", "data")

    data: bytes

    def __init__(self, data: bytes, parts: dict[str, msgspec.Raw] | None = None) -> None:
        #: the object's JSON text (a ``bytes`` of its own, never a slice of a larger buffer)
        self.data = data
        self._parts = parts
        self._meta: _Meta | None = None
        self._values: dict[str, Any] | None = None

    @classmethod
    def from_bytes(cls, data: bytes | bytearray | memoryview | msgspec.Raw) -> RawObject:
        """A view over ``data``, checked to hold one JSON object (``ValueError`` if not).

        Anything but ``bytes`` is copied into a ``bytes`` of exactly its length: a view of
        a larger buffer (a watch line, a list page) would otherwise keep that whole buffer
        alive. (``bytes`` from ``orjson.dumps`` carry spare capacity: trim them first, as
        :func:`as_raw` does.)
        """
        own = data if data.__class__ is bytes else memoryview(data).tobytes()
        try:
            parts = _decode_parts(own)
        except msgspec.DecodeError as exc:
            raise ValueError(f"not a JSON object: {exc}") from None
        return cls(own, parts)

    # -- the fast metadata path ----------------------------------------------------------

    def _parts_(self) -> dict[str, msgspec.Raw]:
        parts = self._parts
        if parts is None:
            parts = self._parts = _decode_parts(self.data)
        return parts

    def _meta_(self) -> _Meta:
        meta = self._meta
        if meta is None:
            raw = self._parts_().get("metadata")
            if raw is None:
                meta = _EMPTY_META
            else:
                try:
                    meta = _decode_meta(raw)
                except msgspec.ValidationError:
                    # not the usual shape (a name that is a number, ...): read it the slow way
                    full = self["metadata"]
                    meta = _EMPTY_META
                    if isinstance(full, dict):
                        fields = (full.get("name"), full.get("namespace"), full.get("resourceVersion"))
                        meta = _Meta(*(v if isinstance(v, str) else None for v in fields))
            self._meta = meta
        return meta

    @property
    def name(self) -> str | None:
        """``metadata.name`` (read without decoding the rest), or ``None``."""
        return self._meta_().name

    @property
    def namespace(self) -> str | None:
        """``metadata.namespace`` (read without decoding the rest), or ``None``."""
        return self._meta_().namespace

    @property
    def resource_version(self) -> str | None:
        """``metadata.resourceVersion`` (read without decoding the rest), or ``None``."""
        return self._meta_().resourceVersion

    # -- Mapping -------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        values = self._values
        if values is None:
            values = self._values = {}
        else:
            try:
                return values[key]
            except KeyError:
                pass
        raw = self._parts_()[key]
        value = values[key] = _decode_any(raw)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts_())

    def __len__(self) -> int:
        return len(self._parts_())

    def __contains__(self, key: object) -> bool:
        return key in self._parts_()

    def lookup(self, path: tuple[str, ...]) -> Any:
        """The value at ``path`` (``("spec", "nodeName")``), or ``None`` if any step is
        missing or not an object. Decodes only what lies on the path: a one-field
        ``msgspec`` struct per step skips the rest of the part unread."""
        first = path[0]
        values = self._values
        if (values is not None and first in values) or len(path) == 1:
            value: Any = self.get(first)
            for step in path[1:]:
                if not isinstance(value, Mapping):
                    return None
                value = value.get(step)
            return value
        raw = self._parts_().get(first)
        if raw is None:
            return None
        try:
            return _path_decoder(path[1:])(raw)
        except msgspec.ValidationError:
            # the part is not nested objects along the path (a list, a string, ...)
            return None

    def to_dict(self) -> dict[str, Any]:
        """The whole object as a plain, fresh ``dict`` (one ``orjson.loads``)."""
        value: dict[str, Any] = orjson.loads(self.data)
        return value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RawObject):
            return self.data == other.data or self.to_dict() == other.to_dict()
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (RawObject, (self.data,))

    def __repr__(self) -> str:
        shown = self.data[:80].decode("utf-8", "replace")
        return f"RawObject({shown}{'...' if len(self.data) > 80 else ''})"


def as_raw(obj: Any) -> RawObject:
    """Whatever a source gave, as a :class:`RawObject`: a view passes through; a mapping is
    encoded once with orjson; ``bytes``/``str`` must hold a JSON object (``ValueError``)."""
    if isinstance(obj, RawObject):
        return obj
    if isinstance(obj, Mapping):
        # copied: orjson's result keeps its whole growth buffer (twice the size, for a Pod)
        return RawObject.from_bytes(memoryview(orjson.dumps(obj, default=raw_default)).tobytes())
    if isinstance(obj, str):
        return RawObject.from_bytes(obj.encode("utf-8"))
    if isinstance(obj, (bytes, bytearray, memoryview, msgspec.Raw)):
        return RawObject.from_bytes(obj)
    raise TypeError(f"expected JSON bytes or a mapping, got {type(obj).__name__}")


def raw_default(obj: Any) -> Any:
    """``orjson.dumps(..., default=raw_default)`` writes a :class:`RawObject` as its bytes
    (spliced in, not re-encoded); any other unsupported type still raises ``TypeError``."""
    if isinstance(obj, RawObject):
        return orjson.Fragment(obj.data)
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"Type is not JSON serializable: {type(obj).__name__}")
