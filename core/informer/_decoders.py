"""Decoders: the wire form of an object -> the form kept in the cache.

Decoding sits on the per-event hot path (see the performance budget in the design), so:

* the default, :func:`decode_json`, keeps JSON objects as the plain ``dict`` the source
  already parsed: for a mapping it is one type check and a return, no copy, no walk;
  bytes or text (etcd values, raw lines) go through ``orjson`` once;
* ``text`` and ``bytes`` are for values that are not JSON at all;
* a **typed decoder** (:func:`typed_decoder`) structures a mapping into an attrs class with
  the project's one cattrs :data:`converter`. It costs tens of microseconds per object, so it
  is used only where a plugin asks for it.

Wire names: Kubernetes-style APIs spell fields in camelCase (``pathPrefix``), Python in
snake_case (``path_prefix``). The converter maps between them automatically for every
attrs class: a field ``path_prefix`` is read from (and written to) ``pathPrefix``. A field
whose wire name is not the camelCase of its Python name says so in its metadata::

    @attrs.frozen
    class Route:
        path_prefix: str                                          # wire: "pathPrefix"
        service: str
        tls_secret: str | None = attrs.field(default=None, metadata={WIRE_NAME: "tls-secret"})

Unknown wire fields are ignored (servers add fields); missing fields without a default,
and values of the wrong type, are :class:`~informer.DecodeError`\\ s whose message lists
every problem with its path (``$.spec.port: invalid value for type, expected int``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import attrs
import cattrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from ._exceptions import DecodeError

__all__ = [
    "WIRE_NAME",
    "Decoder",
    "camel_case",
    "converter",
    "decode_bytes",
    "decode_json",
    "decode_text",
    "typed_decoder",
]

T = TypeVar("T")

#: wire object -> cached object
Decoder = Callable[[Any], Any]

#: attrs field metadata key naming a field's wire name when it is not the camelCase of its name.
WIRE_NAME = "wire_name"

_TEXT_TYPES = (bytes, bytearray, memoryview, str)


def camel_case(name: str) -> str:
    """``path_prefix`` -> ``pathPrefix``; names without underscores are unchanged."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _wire_name(field: attrs.Attribute[Any]) -> str:
    given = field.metadata.get(WIRE_NAME)
    return str(given) if given else camel_case(field.alias or field.name)


def _renames(cls: type) -> dict[str, Any]:
    return {f.name: override(rename=_wire_name(f)) for f in attrs.fields(cls) if _wire_name(f) != f.name}


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)

    # Hook factories run once per class, the first time it is structured; the generated
    # function is cached by the converter, so the per-object cost is only the structuring.
    def structure_factory(cls: Any) -> Any:
        return make_dict_structure_fn(cls, conv, **_renames(cls))

    def unstructure_factory(cls: Any) -> Any:
        return make_dict_unstructure_fn(cls, conv, **_renames(cls))

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


#: The project's one cattrs converter, configured once: camelCase wire names <-> snake_case
#: attrs fields, unknown keys ignored, detailed validation (errors carry their paths).
#: Plugins structure their own classes with it (``informer.converter.structure(m, Route)``)
#: and may register hooks for their own types on it.
converter: cattrs.Converter = _make_converter()


def _shown(obj: Any) -> bytes | str | None:
    if isinstance(obj, (bytes, str)):
        return obj
    if isinstance(obj, (bytearray, memoryview)):
        return bytes(obj)
    return None


def _loads(obj: Any) -> Any:
    try:
        return orjson.loads(obj)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"invalid JSON: {exc}", line=_shown(obj)) from None


def decode_json(obj: Any) -> Any:
    """The default decoder: a JSON object as a plain mapping.

    A ``dict`` (what JSON sources already give) is returned as is; ``bytes``/``str`` are
    parsed with orjson and must hold a JSON object.
    """
    if obj.__class__ is dict:
        return obj
    if isinstance(obj, _TEXT_TYPES):
        value = _loads(obj)
        if value.__class__ is not dict:
            raise DecodeError(f"expected a JSON object, got {type(value).__name__}", line=_shown(obj))
        return value
    if isinstance(obj, Mapping):
        return obj
    raise DecodeError(f"the json decoder expects bytes, str or a mapping, got {type(obj).__name__}")


def decode_text(obj: Any) -> str:
    """Values as text (UTF-8)."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        try:
            return bytes(obj).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecodeError(f"not UTF-8 text: {exc}", line=bytes(obj)) from None
    raise DecodeError(f"the text decoder expects bytes or str, got {type(obj).__name__}")


def decode_bytes(obj: Any) -> bytes:
    """Values as raw bytes (the most compact form a cache can hold)."""
    if obj.__class__ is bytes:
        return obj
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj)
    if isinstance(obj, str):
        return obj.encode("utf-8")
    raise DecodeError(f"the bytes decoder expects bytes or str, got {type(obj).__name__}")


def _format_structure_exception(exc: BaseException, type_: type | None) -> str:
    # cattrs' default says only "invalid value" for a ValueError; an attrs validator's own
    # message ("path prefix must start with '/'") is what the plugin author needs to see.
    text = format_exception(exc, type_)
    if type_ is None and isinstance(exc, ValueError) and str(exc):
        text = f"{text}: {exc}"
    return text


def _describe_structure_error(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(
            cattrs.transform_error(exc, path="$", format_exception=_format_structure_exception)
        )
    return f"{type(exc).__name__}: {exc}"


def typed_decoder(cls: type[T]) -> Callable[[Any], T]:
    """A decoder structuring objects into the attrs class ``cls`` with :data:`converter`.

    Accepts a mapping, or bytes/str holding a JSON object; an instance of ``cls`` passes
    through. Raises :class:`~informer.DecodeError` listing every problem with its path.
    """
    if not attrs.has(cls):
        raise TypeError(f"{cls!r} is not an attrs class")
    # Looked up once: calling the generated hook directly skips the converter's dispatch.
    hook = converter.get_structure_hook(cls)
    label = cls.__qualname__

    def decode(obj: Any) -> T:
        if obj.__class__ is not dict:
            if isinstance(obj, cls):
                return cast(T, obj)
            if isinstance(obj, _TEXT_TYPES):
                obj = _loads(obj)
        try:
            return hook(obj, cls)  # type: ignore[no-any-return]
        except Exception as exc:
            raise DecodeError(f"cannot structure {label}: {_describe_structure_error(exc)}") from exc

    decode.__name__ = f"decode_{cls.__name__}"
    decode.__qualname__ = f"typed_decoder({label})"
    return decode
