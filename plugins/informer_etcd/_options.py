"""The etcd source's options: where the cluster is and how to talk to it.

They arrive as a plain mapping (``SourceSpec.options``) — from a config file's
``sources:`` entry or from ``--source etcd://HOST:PORT`` (``{"url": ...}``) — and are
checked against :data:`OPTIONS_SCHEMA` by the plugin machinery. :meth:`EtcdOptions.parse`
checks them again (a library user may build a source without the registry) and turns the
``etcd://`` / ``etcds://`` spellings into the ``http://`` / ``https://`` URLs the gateway
listens on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import attrs
from informer import ConfigError

__all__ = ["OPTIONS_SCHEMA", "EtcdOptions", "normalize_endpoint"]

OPTIONS_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "etcd source options",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "url": {
            "type": "string",
            "description": "One endpoint, as given to --source: etcd://HOST:PORT (plain HTTP), "
            "etcds://HOST:PORT (HTTPS), or an http(s):// URL. Several hosts may be comma-separated: "
            "etcd://h1:2379,h2:2379.",
        },
        "endpoints": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Client URLs of the cluster members, tried in order; the next one is used "
            "when a member cannot be reached.",
        },
        "ca_file": {
            "type": "string",
            "description": "PEM file of the CA that signed the server certificates.",
        },
        "cert_file": {"type": "string", "description": "PEM client certificate (etcd --client-cert-auth)."},
        "key_file": {"type": "string", "description": "PEM private key of cert_file."},
        "username": {"type": "string", "description": "etcd user (etcd auth enabled)."},
        "password": {"type": "string", "description": "Password of username."},
        "page_size": {
            "type": "integer",
            "minimum": 1,
            "description": "Keys per range request while listing (default: the informer's page size).",
        },
        "fragment": {
            "type": "boolean",
            "description": "Ask etcd to split large watch messages into ~1.5 MiB fragments (default false: "
            "etcd 3.4 fragments slowly, about 4x fewer events/s on a replay; without it a replay may "
            "arrive as one line of many megabytes, which the source reads fine).",
        },
        "keepalive_seconds": {
            "type": "number",
            "minimum": 0,
            "description": "A watch silent this long is re-created from its revision (default 60; "
            "0 = never). An idle etcd watch sends nothing at all, so this is how a quiet prefix proves "
            "its link is alive before the informer's idle timeout gives up on it.",
        },
        "timeout": {
            "type": "number",
            "exclusiveMinimum": 0,
            "description": "Seconds to wait for a connection or a unary answer (default 30). "
            "Watches have no read timeout: an idle etcd watch sends nothing.",
        },
    },
    "anyOf": [{"required": ["url"]}, {"required": ["endpoints"]}],
    "dependentRequired": {"password": ["username"], "username": ["password"], "key_file": ["cert_file"]},
}

_SCHEMES = {"etcd": "http", "etcds": "https", "http": "http", "https": "https"}


def normalize_endpoint(url: str) -> list[str]:
    """``etcd://h1:2379,h2:2379`` → ``["http://h1:2379", "http://h2:2379"]``.

    A URL without a scheme is taken as plain HTTP; a trailing slash or path is dropped
    (the gateway lives at the root).
    """
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise ConfigError(
            f"etcd source: url {url!r}: unknown scheme {parts.scheme!r} (use etcd://, etcds://, http://, https://)"
        )
    hosts = [h.strip() for h in parts.netloc.split(",") if h.strip()]
    if not hosts:
        raise ConfigError(f"etcd source: url {url!r} names no host")
    return [f"{scheme}://{host}" for host in hosts]


@attrs.frozen(slots=True)
class EtcdOptions:
    """Validated connection options (see :data:`OPTIONS_SCHEMA` for each field)."""

    endpoints: tuple[str, ...]
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    username: str | None = None
    password: str | None = None
    page_size: int | None = None
    timeout: float = 30.0
    fragment: bool = False
    keepalive_seconds: float = 60.0

    @classmethod
    def parse(cls, options: Mapping[str, Any]) -> EtcdOptions:
        unknown = sorted(set(options) - set(OPTIONS_SCHEMA["properties"]))
        if unknown:
            raise ConfigError(f"etcd source: unknown option(s) {', '.join(unknown)}")
        endpoints: list[str] = []
        raw = options.get("endpoints")
        if raw is not None:
            if isinstance(raw, str) or not isinstance(raw, Sequence):
                raise ConfigError("etcd source: option 'endpoints' must be a list of URLs")
            for item in raw:
                if not isinstance(item, str):
                    raise ConfigError(f"etcd source: endpoints: {item!r} is not a URL string")
                endpoints.extend(normalize_endpoint(item))
        url = options.get("url")
        if url is not None:
            if not isinstance(url, str):
                raise ConfigError("etcd source: option 'url' must be a string")
            endpoints.extend(e for e in normalize_endpoint(url) if e not in endpoints)
        if not endpoints:
            raise ConfigError("etcd source: give 'url' (etcd://HOST:PORT) or 'endpoints'")

        def text(name: str) -> str | None:
            value = options.get(name)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"etcd source: option {name!r} must be a string")
            return value

        username, password = text("username"), text("password")
        if (username is None) != (password is None):
            raise ConfigError("etcd source: 'username' and 'password' go together")
        cert_file, key_file = text("cert_file"), text("key_file")
        if key_file is not None and cert_file is None:
            raise ConfigError("etcd source: 'key_file' needs 'cert_file'")
        page_size = options.get("page_size")
        if page_size is not None and (
            not isinstance(page_size, int) or isinstance(page_size, bool) or page_size < 1
        ):
            raise ConfigError(
                f"etcd source: option 'page_size' must be a positive integer, not {page_size!r}"
            )
        timeout = options.get("timeout", 30.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigError(f"etcd source: option 'timeout' must be a positive number, not {timeout!r}")
        keepalive = options.get("keepalive_seconds", 60.0)
        if not isinstance(keepalive, int | float) or isinstance(keepalive, bool) or keepalive < 0:
            raise ConfigError(
                f"etcd source: option 'keepalive_seconds' must be a number >= 0, not {keepalive!r}"
            )
        fragment = options.get("fragment", False)
        if not isinstance(fragment, bool):
            raise ConfigError(f"etcd source: option 'fragment' must be true or false, not {fragment!r}")
        return cls(
            endpoints=tuple(endpoints),
            fragment=fragment,
            keepalive_seconds=float(keepalive),
            ca_file=text("ca_file"),
            cert_file=cert_file,
            key_file=key_file,
            username=username,
            password=password,
            page_size=page_size,
            timeout=float(timeout),
        )
