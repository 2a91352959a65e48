"""Resource types for key prefixes given on the command line or in code.

etcd has no schema and no discovery: a "resource" is whatever lives under a key prefix.
:func:`resource_for_prefix` builds the :class:`~informer.ResourceType` for one, which is
what ``informer-run --source etcd://HOST:PORT --resource /some/prefix/`` does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from informer import ResourceType

__all__ = ["is_prefix", "name_for_prefix", "resource_for_prefix"]

_INVALID = re.compile(r"[^A-Za-z0-9._/-]+")


def is_prefix(text: str) -> bool:
    """Whether a ``--resource`` argument names an etcd key prefix (it starts with ``/``)."""
    return text.startswith("/")


def name_for_prefix(prefix: str) -> str:
    """A resource type name for ``prefix``: ``/registry/pods/`` → ``registry/pods``.

    Characters a resource name may not hold become ``-``; the empty or root prefix is
    named ``etcd``.
    """
    name = _INVALID.sub("-", prefix).strip("/-._")
    return name or "etcd"


def _decoder(decoder: str | Callable[[Any], Any]) -> Callable[[Any], Any]:
    if callable(decoder):
        return decoder
    from informer._decoders import decode_bytes, decode_json, decode_text

    builtins: dict[str, Callable[[Any], Any]] = {
        "json": decode_json,
        "text": decode_text,
        "bytes": decode_bytes,
    }
    try:
        return builtins[decoder]
    except KeyError:
        raise ValueError(f"etcd: unknown decoder {decoder!r} (built in: json, text, bytes)") from None


def resource_for_prefix(
    prefix: str,
    *,
    name: str | None = None,
    decoder: str | Callable[[Any], Any] = "json",
    description: str = "",
) -> ResourceType:
    """The resource type of the keys under ``prefix``.

    Objects are the values, decoded by ``decoder`` (``"json"`` — the default —,
    ``"text"``, ``"bytes"`` or any callable); keys are the etcd keys minus the prefix
    (the source gives them, so no key function is set). A prefix is used verbatim: end it
    with ``/`` to stop ``/app`` from also matching ``/apple``.
    """
    return ResourceType(
        name=name or name_for_prefix(prefix),
        kind="Key",
        version="v3",
        namespaced=False,
        prefix=prefix,
        decoder=_decoder(decoder),
        plugin="etcd",
        description=description or f"etcd keys under {prefix!r}",
    )
