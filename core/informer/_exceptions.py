"""Every exception trio-informer raises, in one hierarchy (as httpx keeps its own in one module).

::

    InformerError
    ├── SourceError                  a list or watch request failed
    │   ├── Expired                  the requested resourceVersion is too old (HTTP 410 / etcd compaction)
    │   │   └── ContinueExpired      a list continue token expired mid-list
    │   ├── ConnectFailed            could not reach the server (refused, DNS, TLS handshake)
    │   ├── Unauthorized             401: credentials missing or rejected
    │   ├── Forbidden                403: authenticated but not allowed (names the verb and resource)
    │   ├── ResourceNotFound         404: the server does not serve this resource
    │   ├── TooManyRequests          429: carries ``retry_after`` seconds
    │   ├── ServerError              5xx or any other unexpected status
    │   └── ProtocolError            the server answered something that is not the wire format
    ├── DecodeError                  one object or one event line could not be decoded
    ├── SyncTimeout                  ``wait_synced`` ran out of time; says why
    ├── PluginError                  a plugin failed to import, register or validate
    │   └── DescriptorError          a contribution failed its JSON Schema or a code reference did not resolve
    └── ConfigError                  a configuration file or flag is invalid (names file, line or JSON path)

Sources translate their wire errors into these, so the reflector's policy (relist on
:class:`Expired`, back off on everything else, honour ``retry_after``) is the same for every server.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConnectFailed",
    "ContinueExpired",
    "DecodeError",
    "DescriptorError",
    "Expired",
    "Forbidden",
    "InformerError",
    "PluginError",
    "ProtocolError",
    "ResourceNotFound",
    "ServerError",
    "SourceError",
    "SyncTimeout",
    "TooManyRequests",
    "Unauthorized",
]


class InformerError(Exception):
    """Base class of every error raised by trio-informer."""


class SourceError(InformerError):
    """A list or watch request failed.

    ``status`` is the HTTP status (or the closest equivalent) when there was one, and
    ``retry_after`` a server-suggested delay in seconds before retrying, when given.
    """

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class Expired(SourceError):
    """The resourceVersion asked for is older than the server's history: relist.

    Kubernetes reports it as HTTP 410 or as an ``ERROR`` watch event carrying a 410
    Status; etcd as a compacted revision.
    """


class ContinueExpired(Expired):
    """A paged list's continue token expired before the list finished."""


class ConnectFailed(SourceError):
    """The server could not be reached (connection refused, DNS failure, TLS failure)."""


class Unauthorized(SourceError):
    """HTTP 401: the credentials are missing, expired or wrong."""


class Forbidden(SourceError):
    """HTTP 403: the credentials are valid but may not perform this verb on this resource."""


class ResourceNotFound(SourceError):
    """HTTP 404: the server does not serve this resource (or namespace)."""


class TooManyRequests(SourceError):
    """HTTP 429: slow down; ``retry_after`` says for how long."""


class ServerError(SourceError):
    """A 5xx, or any status the protocol does not give a meaning to."""


class ProtocolError(SourceError):
    """The server's answer is not the wire format the source speaks."""


class DecodeError(InformerError):
    """One event line or one object could not be decoded; it is skipped and counted.

    ``resource`` names the resource type and ``line`` carries (a prefix of) the offending
    input, so a log line can show exactly what was dropped.
    """

    def __init__(self, message: str, *, resource: str | None = None, line: bytes | str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.resource = resource
        self.line = line

    def __str__(self) -> str:
        parts = [self.message]
        if self.resource:
            parts.insert(0, f"{self.resource}:")
        if self.line is not None:
            shown = self.line if isinstance(self.line, str) else self.line.decode("utf-8", "replace")
            if len(shown) > 200:
                shown = shown[:200] + "..."
            parts.append(f"(input: {shown!r})")
        return " ".join(parts)


class SyncTimeout(InformerError, TimeoutError):
    """``wait_synced`` timed out. The message says why, e.g. the last error seen."""

    def __init__(self, message: str, *, last_error: BaseException | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.last_error = last_error


class PluginError(InformerError):
    """A plugin could not be imported, registered or validated. ``plugin`` names it."""

    def __init__(self, plugin: str, message: str) -> None:
        super().__init__(f"{plugin}: {message}")
        self.plugin = plugin
        self.message = message


class DescriptorError(PluginError):
    """A contribution failed its JSON Schema, or one of its code references did not resolve.

    ``path`` is where in the plugin's contributions the fault is, e.g. ``resource_types[0].key``.
    """

    def __init__(self, plugin: str, path: str, message: str) -> None:
        super().__init__(plugin, f"{path}: {message}" if path else message)
        self.path = path


class ConfigError(InformerError):
    """A configuration file or command-line value is invalid.

    The message names the file and the line or JSON path at fault.
    """
