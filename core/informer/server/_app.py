"""The embedded server's ASGI application: the Kubernetes REST layout over a :class:`World`.

No web framework: the routes are the Kubernetes URL layout (protocols.md B.1), parsed by
hand, and responses are orjson bytes. What is served:

* discovery — ``/version``, ``/api``, ``/api/v1``, ``/apis``, ``/apis/{g}``, ``/apis/{g}/{v}``;
* per resource — collection ``GET`` (list, paged with ``limit``/``continue``, or
  ``watch=true`` streaming), object ``GET``, ``POST`` (create), ``PUT`` (replace),
  ``DELETE``; every error is a ``Status`` object;
* faults from :class:`Faults`, read on every request so tests can change them live.

Tables are declined (always plain JSON), which kubectl accepts and falls back from.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import logging
import re
from collections import deque
from collections.abc import Callable, Mapping
from collections.abc import Collection as AbstractCollection
from typing import Any
from urllib.parse import parse_qsl

import attrs
import orjson
import trio

from .._asgi import Message, Receive, Scope, Send, serve_lifespan
from ._patch import JSON_PATCH, MERGE_PATCHES
from ._resource import ServerResource
from ._selectors import parse_field_selector, parse_label_selector
from ._state import Collection, Event, Stored, World, watch_line
from ._status import StatusError, status_body

__all__ = ["ApiApp", "RequestRecord"]

log = logging.getLogger("informer.server")


_JSON = [(b"content-type", b"application/json")]
_VERBS = ["create", "delete", "get", "list", "patch", "update", "watch"]
_PATCHES = frozenset({*MERGE_PATCHES, JSON_PATCH})
_GIT_VERSION = "v1.32.0-informer"
#: how long a list for a future resourceVersion waits before answering 504 (kube-apiserver: ~3 s)
_FUTURE_RV_WAIT = 3.0
#: cut the response of a watch into chunks of about this size when a backlog is replayed
_CHUNK = 64 * 1024
_VERSION_PARTS = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")
_GARBAGE = b'{"type":"ADDED","object":{"metadata":{"name": this is not JSON\n'


@attrs.frozen(slots=True)
class RequestRecord:
    """One request the server answered (kept in ``EmbeddedServer.requests`` for tests)."""

    method: str
    path: str
    query: str
    status: int
    user_agent: str = ""
    accept: str = ""


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    if value in ("true", "1", "True"):
        return True
    if value in ("false", "0", "False", ""):
        return False
    raise StatusError(400, f"invalid boolean value {value!r}", "BadRequest")


def _int_param(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise StatusError(400, f"invalid value for {name}: {raw!r} is not an integer", "BadRequest") from None
    if value < 0:
        raise StatusError(400, f"invalid value for {name}: must be >= 0", "BadRequest")
    return value


def _parse_rv(raw: str | None) -> int | None:
    """``None`` for unset/""/"0" (no specific version), else the integer version."""
    if raw is None or raw in ("", "0"):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise StatusError(400, f"invalid resource version: {raw!r}", "BadRequest") from None
    if value < 0:
        raise StatusError(400, f"invalid resource version: {raw!r}", "BadRequest")
    return value


def encode_continue(rv: int, start: str) -> str:
    """kube-apiserver's token shape: base64url (no padding) of ``{"v","rv","start"}``."""
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_continue(token: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = orjson.loads(raw)
        rv, start = data["rv"], data["start"]
        if data.get("v") != "meta.k8s.io/v1" or not isinstance(rv, int) or not isinstance(start, str):
            raise ValueError("unknown token layout")
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise StatusError(400, f"continue key is not valid: {token!r}", "BadRequest") from None
    return rv, start


def _bookmark(resource: ServerResource, rv: int, *, initial_end: bool = False) -> bytes:
    meta: dict[str, Any] = {"resourceVersion": str(rv), "creationTimestamp": None}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return watch_line(
        "BOOKMARK", {"kind": resource.kind, "apiVersion": resource.api_version, "metadata": meta}
    )


class _Target:
    """What a resource URL names: a collection, maybe a namespace, maybe an object."""

    __slots__ = ("collection", "name", "namespace")

    def __init__(self, collection: Collection, namespace: str | None, name: str | None) -> None:
        self.collection = collection
        self.namespace = namespace
        self.name = name


class ApiApp:
    """The ASGI callable. ``tokens`` maps a bearer token to the verbs it may use
    (``None`` = all); when ``tokens`` is ``None`` no authentication is asked for."""

    def __init__(
        self,
        world: World,
        *,
        tokens: Mapping[str, AbstractCollection[str] | None] | None = None,
        bookmark_interval: float = 10.0,
    ) -> None:
        self.world = world
        self.tokens = tokens
        self.bookmark_interval = bookmark_interval
        #: how long a list for a future resourceVersion waits before its 504
        self.future_rv_wait = _FUTURE_RV_WAIT
        self.requests: deque[RequestRecord] = deque(maxlen=2000)
        #: open watch streams per resource name
        self.watchers_changed = trio.Event()

    # -- ASGI entry ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await serve_lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method: str = scope["method"]
        path: str = scope["path"]
        query = scope.get("query_string", b"").decode("latin-1")
        record = self.requests.append

        responded = False

        async def send_and_record(message: Message) -> None:
            nonlocal responded
            # logged as the answer starts, so a client that got it finds its request logged
            if message["type"] == "http.response.start":
                responded = True
                record(
                    RequestRecord(
                        method,
                        path,
                        query,
                        message["status"],
                        headers.get("user-agent", ""),
                        headers.get("accept", ""),
                    )
                )
            await send(message)

        try:
            await self._handle(scope, receive, send_and_record, method, path, query, headers)
        except StatusError as exc:
            extra = [(k.lower().encode(), v.encode()) for k, v in exc.headers.items()]
            await self._respond(send_and_record, exc.code, orjson.dumps(exc.body()), extra)
        except Exception as exc:  # a bug here: still answer like an API server would
            log.exception("embedded server: %s %s failed", method, path)
            if not responded:
                status = StatusError(500, f"internal error: {type(exc).__name__}: {exc}", "InternalError")
                await self._respond(send_and_record, 500, orjson.dumps(status.body()))

    async def _respond(
        self, send: Send, code: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None
    ) -> None:
        headers = [*_JSON, (b"content-length", str(len(body)).encode())]
        if extra:
            headers.extend(extra)
        await send({"type": "http.response.start", "status": code, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _read_body(self, receive: Receive) -> bytes:
        parts = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            parts.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(parts)

    # -- routing -------------------------------------------------------------------

    async def _handle(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        method: str,
        path: str,
        query: str,
        headers: Mapping[str, str],
    ) -> int:
        segments = [s for s in path.split("/") if s]
        if segments in (["healthz"], ["readyz"], ["livez"]):
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
            )
            await send({"type": "http.response.body", "body": b"ok"})
            return 200
        verb_allowed = self._authenticate(headers)
        faults = self.world.faults
        if faults.delay > 0:
            await trio.sleep(faults.delay)
        if not segments or segments[0] not in ("api", "apis", "version"):
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        if segments == ["version"]:
            return await self._json(send, 200, self._version())
        params = dict(parse_qsl(query, keep_blank_values=True))
        if segments[0] == "api":
            if len(segments) == 1:
                return await self._json(send, 200, self._api_versions())
            group, version, rest = "", segments[1], segments[2:]
        else:
            if len(segments) == 1:
                return await self._json(send, 200, self._group_list())
            if len(segments) == 2:
                return await self._json(send, 200, self._group(segments[1]))
            group, version, rest = segments[1], segments[2], segments[3:]
        if not rest:
            return await self._json(send, 200, self._resource_list(group, version))
        target = self._target(group, version, rest)
        resource = target.collection.resource

        def allow(verb: str) -> None:
            if not verb_allowed(verb):
                where = (
                    f' in the namespace "{target.namespace}"' if target.namespace else " at the cluster scope"
                )
                raise StatusError(
                    403,
                    f'{resource.name} is forbidden: User "token-user" cannot {verb} resource'
                    f' "{resource.plural}" in API group "{resource.group}"{where}',
                    "Forbidden",
                    details={"group": resource.group, "kind": resource.plural},
                )

        if method == "GET":
            if target.name is not None:
                allow("get")
                await self._respond(send, 200, self._get(target))
                return 200
            watching = _flag(params.get("watch")) or False
            allow("watch" if watching else "list")
            if faults.roll_error():
                raise self._injected(faults.error_code)
            if watching:
                return await self._watch(receive, send, target, params)
            await self._respond(send, 200, await self._list(target, params))
            return 200
        if method == "POST" and target.name is None:
            allow("create")
            if resource.namespaced and target.namespace is None:
                raise StatusError(
                    405, "POST requires a namespace for a namespaced resource", "MethodNotAllowed"
                )
            obj = self._body_object(await self._read_body(receive))
            return await self._json(send, 201, target.collection.create(obj, target.namespace))
        if method == "PUT" and target.name is not None:
            allow("update")
            obj = self._body_object(await self._read_body(receive))
            name = (obj.get("metadata") or {}).get("name")
            if name != target.name:
                raise StatusError(
                    400,
                    f"the name of the object ({name}) does not match the name on the URL ({target.name})",
                    "BadRequest",
                )
            return await self._json(send, 200, target.collection.update(obj, target.namespace))
        if method == "DELETE" and target.name is not None:
            allow("delete")
            return await self._json(send, 200, target.collection.delete(target.name, target.namespace))
        if method == "PATCH" and target.name is not None:
            allow("patch")
            content_type = headers.get("content-type", "").split(";")[0].strip()
            if content_type not in _PATCHES:
                raise StatusError(
                    415,
                    f"the body of the request was in an unknown format - accepted media types include:"
                    f" {', '.join(sorted(_PATCHES))}",
                    "UnsupportedMediaType",
                )
            patch = self._body_json(await self._read_body(receive))
            patched = target.collection.patch(target.name, target.namespace, patch, content_type)
            return await self._json(send, 200, patched)
        raise StatusError(405, f"the server does not allow this method on the requested resource ({method})")

    @staticmethod
    def _injected(code: int) -> StatusError:
        if code in (429, 503):
            return StatusError(
                code,
                "injected fault: too many requests, please try again later"
                if code == 429
                else "injected fault: service unavailable",
                details={"retryAfterSeconds": 1},
                headers={"Retry-After": "1"},
            )
        return StatusError(code, f"injected fault: error {code}")

    def _authenticate(self, headers: Mapping[str, str]) -> Callable[[str], bool]:
        """Check the bearer token; return the verb check for this caller."""
        tokens = self.tokens
        if tokens is None:
            return lambda verb: True
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in tokens:
            raise StatusError(401, "Unauthorized", "Unauthorized")
        verbs = tokens[token.strip()]
        if verbs is None:
            return lambda verb: True
        allowed = frozenset(verbs)
        return lambda verb: verb in allowed

    def _target(self, group: str, version: str, rest: list[str]) -> _Target:
        namespace: str | None = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        if len(rest) > 2:
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        collection = self.world.by_path.get((group, version, rest[0]))
        if collection is None:
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        name = rest[1] if len(rest) == 2 else None
        resource = collection.resource
        if namespace is not None and not resource.namespaced:
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        if name is not None and resource.namespaced and namespace is None:
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        return _Target(collection, namespace, name)

    @staticmethod
    def _body_json(body: bytes) -> Any:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise StatusError(400, f"the request body is not valid JSON: {exc}", "BadRequest") from None

    @staticmethod
    def _body_object(body: bytes) -> dict[str, Any]:
        try:
            obj = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise StatusError(400, f"the request body is not valid JSON: {exc}", "BadRequest") from None
        if not isinstance(obj, dict):
            raise StatusError(400, "the request body must be a JSON object", "BadRequest")
        return obj

    async def _json(self, send: Send, code: int, body: Any) -> int:
        await self._respond(send, code, orjson.dumps(body))
        return code

    # -- discovery -------------------------------------------------------------------

    def _version(self) -> dict[str, Any]:
        return {
            "major": "1",
            "minor": "32",
            "gitVersion": _GIT_VERSION,
            "gitCommit": "0000000000000000000000000000000000000000",
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "go1.23.0",
            "compiler": "gc",
            "platform": "linux/amd64",
        }

    def _api_versions(self) -> dict[str, Any]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
        }

    def _groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {}
        for group, version, _ in self.world.by_path:
            if group:
                versions = groups.setdefault(group, [])
                if version not in versions:
                    versions.append(version)
        return groups

    @staticmethod
    def _group_doc(name: str, versions: list[str]) -> dict[str, Any]:
        # preferred: the most stable, newest version (v2 over v1 over v1beta1 over v1alpha1)
        def rank(v: str) -> tuple[int, int, int]:
            match = _VERSION_PARTS.match(v)
            if match is None:  # pragma: no cover - ServerResource only admits these shapes
                return (0, 0, 0)
            major, stage, minor = match.groups()
            stability = {"alpha": 0, "beta": 1}.get(stage, 2)
            return (stability, int(major), int(minor or 0))

        preferred = max(versions, key=rank)
        return {
            "name": name,
            "versions": [{"groupVersion": f"{name}/{v}", "version": v} for v in versions],
            "preferredVersion": {"groupVersion": f"{name}/{preferred}", "version": preferred},
        }

    def _group_list(self) -> dict[str, Any]:
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [self._group_doc(g, vs) for g, vs in sorted(self._groups().items())],
        }

    def _group(self, name: str) -> dict[str, Any]:
        versions = self._groups().get(name)
        if not versions:
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        return {"kind": "APIGroup", "apiVersion": "v1", **self._group_doc(name, versions)}

    def _resource_list(self, group: str, version: str) -> dict[str, Any]:
        resources = []
        for (g, v, _), collection in sorted(self.world.by_path.items()):
            if g != group or v != version:
                continue
            r = collection.resource
            entry: dict[str, Any] = {
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": _VERBS,
            }
            if r.short_names:
                entry["shortNames"] = list(r.short_names)
            if r.categories:
                entry["categories"] = list(r.categories)
            resources.append(entry)
        if not resources and not (group == "" and version == "v1"):
            raise StatusError(404, "the server could not find the requested resource", "NotFound")
        doc: dict[str, Any] = {
            "kind": "APIResourceList",
            "groupVersion": f"{group}/{version}" if group else version,
        }
        if group:
            doc["apiVersion"] = "v1"
        doc["resources"] = resources
        return doc

    # -- get and list --------------------------------------------------------------

    def _get(self, target: _Target) -> bytes:
        collection = target.collection
        assert target.name is not None
        key = f"{target.namespace}/{target.name}" if collection.resource.namespaced else target.name
        obj = collection.objects.get(key)
        if obj is None:
            raise StatusError(
                404,
                f'{collection.resource.name} "{target.name}" not found',
                "NotFound",
                details={
                    "name": target.name,
                    "group": collection.resource.group,
                    "kind": collection.resource.plural,
                },
            )
        return collection.full(obj)

    async def _wait_for_rv(self, rv: int) -> None:
        """A list for a version the server has not reached yet waits briefly, then 504s."""
        world = self.world
        with trio.move_on_after(self.future_rv_wait):
            while world.rv < rv:
                await world.advanced.wait()
        if world.rv < rv:
            raise StatusError(
                504,
                f"Too large resource version: {rv}, current: {world.rv}",
                "Timeout",
                details={
                    "causes": [
                        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                    ],
                    "retryAfterSeconds": 1,
                },
                headers={"Retry-After": "1"},
            )

    async def _list(self, target: _Target, params: Mapping[str, str]) -> bytes:
        collection = target.collection
        resource = collection.resource
        if "sendInitialEvents" in params:
            raise StatusError(
                422, "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list", "Invalid"
            )
        limit = _int_param(params, "limit") or None
        token = params.get("continue") or None
        raw_rv = params.get("resourceVersion")
        match = params.get("resourceVersionMatch") or None
        if match is not None:
            if match not in ("NotOlderThan", "Exact"):
                raise StatusError(400, f"invalid resourceVersionMatch: {match!r}", "BadRequest")
            if not raw_rv:
                raise StatusError(
                    422,
                    "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless"
                    " resourceVersion is provided",
                    "Invalid",
                )
            if match == "Exact" and raw_rv == "0":
                raise StatusError(
                    422,
                    'resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for'
                    ' resourceVersion "0"',
                    "Invalid",
                )
        label = parse_label_selector(params.get("labelSelector"))
        field = parse_field_selector(params.get("fieldSelector"))
        collection.trim()
        start = ""
        if token is not None:
            if raw_rv not in (None, "", "0"):
                raise StatusError(
                    400, "specifying resource version is not allowed when using continue", "BadRequest"
                )
            rv, start = decode_continue(token)
            try:
                keys, objects = collection.snapshot(rv)
            except StatusError as exc:
                if exc.code != 410:
                    raise
                raise StatusError(
                    410,
                    "The provided continue parameter is too old to display a consistent list result. You can"
                    " start a new list without the continue parameter.",
                    "Expired",
                ) from None
        else:
            wanted = _parse_rv(raw_rv)
            if wanted is not None and wanted > self.world.rv:
                await self._wait_for_rv(wanted)
            exact = wanted is not None and (match == "Exact" or (match is None and limit is not None))
            rv = wanted if exact and wanted is not None else self.world.rv
            keys, objects = collection.snapshot(rv)

        lo, hi = 0, len(keys)
        if target.namespace is not None:
            lo = bisect.bisect_left(keys, target.namespace + "/")
            hi = bisect.bisect_left(keys, target.namespace + "0")  # "0" sorts right after "/"
        if start:
            lo = max(lo, bisect.bisect_left(keys, start))
        matchers = [m for m in (label, field) if m is not None]
        items: list[Stored] = []
        i = lo
        while i < hi and (limit is None or len(items) < limit):
            obj = objects[keys[i]]
            i += 1
            if matchers and not all(m(obj) for m in matchers):
                continue
            items.append(obj)
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if i < hi:
            if token is None and rv == self.world.rv:
                collection.remember_snapshot(rv)
            meta["continue"] = encode_continue(rv, keys[i - 1] + "\x00")
            if not matchers:
                meta["remainingItemCount"] = hi - i
        # built-in lists carry no kind/apiVersion on their items (protocols.md B.2)
        full = collection.full
        bodies = [full(obj) for obj in items] if resource.group else [obj.body for obj in items]
        head = orjson.dumps(
            {"kind": resource.list_kind, "apiVersion": resource.api_version, "metadata": meta}
        )
        return head[:-1] + b',"items":[' + b",".join(bodies) + b"]}"

    # -- watch -------------------------------------------------------------------------

    async def _watch(self, receive: Receive, send: Send, target: _Target, params: Mapping[str, str]) -> int:
        collection = target.collection
        raw_rv = params.get("resourceVersion")
        match = params.get("resourceVersionMatch") or None
        initial = _flag(params.get("sendInitialEvents"))
        bookmarks = bool(_flag(params.get("allowWatchBookmarks")))
        if initial is not None:
            if match != "NotOlderThan":
                raise StatusError(
                    422,
                    "resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch"
                    " to NotOlderThan",
                    "Invalid",
                )
            if initial and not bookmarks:
                raise StatusError(
                    422,
                    "allowWatchBookmarks: Required value: sendInitialEvents requires setting"
                    " allowWatchBookmarks to true",
                    "Invalid",
                )
        elif match is not None:
            raise StatusError(
                422,
                "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless"
                " sendInitialEvents is provided",
                "Invalid",
            )
        wanted = _parse_rv(raw_rv)
        timeout = _int_param(params, "timeoutSeconds")
        label = parse_label_selector(params.get("labelSelector"))
        field = parse_field_selector(params.get("fieldSelector"))
        matchers = [m for m in (label, field) if m is not None]
        namespace = target.namespace
        prefix = None if namespace is None else namespace + "/"

        def selected(obj: Stored | None, key: str) -> bool:
            if obj is None:
                return False
            if prefix is not None and not key.startswith(prefix):
                return False
            return all(m(obj) for m in matchers)

        filtering = bool(matchers) or prefix is not None
        # Get State (synthetic ADDED for everything) for rv unset/"0" unless sendInitialEvents=false,
        # and for sendInitialEvents=true whatever the version.
        get_state = initial is True or (initial is None and wanted is None)
        deadline = trio.current_time() + (
            timeout if timeout else 1800 + 1800 * self.world.faults._rng.random()
        )

        await send({"type": "http.response.start", "status": 200, "headers": _JSON})
        collection.store.watchers += 1
        self._watchers_moved()
        finished = False  # the client may disconnect before _stream returns
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._until_disconnect, receive, nursery.cancel_scope)
                finished = await self._stream(
                    send,
                    collection,
                    wanted,
                    get_state,
                    initial is True,
                    bookmarks,
                    deadline,
                    selected,
                    filtering,
                )
                nursery.cancel_scope.cancel()
        finally:
            collection.store.watchers -= 1
            self._watchers_moved()
        if finished:
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        # else: return without ending the chunked body, so the client sees a dropped connection
        return 200

    def _watchers_moved(self) -> None:
        old, self.watchers_changed = self.watchers_changed, trio.Event()
        old.set()

    @staticmethod
    async def _until_disconnect(receive: Receive, scope: trio.CancelScope) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                scope.cancel()
                return

    async def _stream(
        self,
        send: Send,
        collection: Collection,
        wanted: int | None,
        get_state: bool,
        initial_end: bool,
        bookmarks: bool,
        deadline: float,
        selected: Callable[[Stored | None, str], bool],
        filtering: bool,
    ) -> bool:
        """Write the watch stream; ``True`` when it ended cleanly, ``False`` to drop it."""
        world = self.world
        faults = world.faults
        resource = collection.resource
        sent = 0  # object events written (what watch_drop_after and garbage_every count)
        out: list[bytes] = []
        size = 0

        async def flush() -> None:
            nonlocal out, size
            if out:
                body = b"".join(out)
                out, size = [], 0
                await send({"type": "http.response.body", "body": body, "more_body": True})

        def count() -> bool:
            """Count one object event; ``True`` when the stream must now be dropped."""
            nonlocal sent, size
            sent += 1
            every = faults.garbage_every
            if every and sent % every == 0:
                out.append(_GARBAGE)
                size += len(_GARBAGE)
            drop = faults.watch_drop_after
            return bool(drop and sent >= drop)

        collection.trim()
        if wanted is not None and wanted < collection.compacted_rv and not get_state:
            out.append(self._expired_line(wanted, collection))
            await flush()
            return True
        if wanted is not None and get_state:
            # "not older than" a future version: wait for it (or the end of the watch)
            with trio.move_on_at(deadline):
                while world.rv < wanted:
                    await world.advanced.wait()
        if get_state:
            last = world.rv
            # pinned: writes may land while this is being written out
            keys, objects = collection.sorted_keys(), dict(collection.objects)
            for key in keys:
                obj = objects[key]
                if filtering and not selected(obj, key):
                    continue
                line = collection.object_line("ADDED", obj)
                out.append(line)
                size += len(line)
                if count():
                    await flush()
                    return False
                if size >= _CHUNK:
                    await flush()
            if initial_end:
                out.append(_bookmark(resource, last, initial_end=True))
        else:
            last = world.rv if wanted is None else wanted
        next_bookmark = trio.current_time() + self.bookmark_interval
        while True:
            changed = collection.changed
            collection.trim()  # the window may have been shrunk while we waited
            if last < collection.compacted_rv:
                # fell behind the history window (slow reader or shrunk history)
                out.append(self._expired_line(last, collection))
                await flush()
                return True
            for event in collection.events_after(last):
                last = event.rv
                if filtering:
                    filtered = self._filtered(collection, event, selected)
                    if filtered is None:
                        continue
                    line = filtered
                else:
                    line = collection.line(event)
                out.append(line)
                size += len(line)
                if count():
                    await flush()
                    return False
                if size >= _CHUNK:
                    await flush()
            history = collection.history
            if not history or history[-1].rv <= last:
                # Every event of this resource up to the server's current version has been
                # written (checked with no await since), so the watcher is at that version.
                last = max(last, world.rv)
            now = trio.current_time()
            if now >= deadline:
                if bookmarks:
                    out.append(_bookmark(resource, last))
                await flush()
                return True
            if bookmarks and now >= next_bookmark:
                out.append(_bookmark(resource, last))
                next_bookmark = now + self.bookmark_interval
            await flush()
            wake = min(deadline, next_bookmark) if bookmarks else deadline
            with trio.move_on_at(wake):
                await changed.wait()

    @staticmethod
    def _filtered(
        collection: Collection, event: Event, selected: Callable[[Stored | None, str], bool]
    ) -> bytes | None:
        """The event as a filtered watcher sees it: objects entering the selection are ADDED,
        objects leaving it DELETED (with their new state)."""
        now = selected(event.obj, event.key)
        if event.type == "ADDED":
            return collection.line(event) if now else None
        if event.type == "DELETED":
            return collection.line(event) if selected(event.prev, event.key) or now else None
        before = selected(event.prev, event.key)
        if before and now:
            return collection.line(event)
        if now:
            return collection.object_line("ADDED", event.obj)
        if before:
            return collection.object_line("DELETED", event.obj)
        return None

    @staticmethod
    def _expired_line(rv: int, collection: Collection) -> bytes:
        status = status_body(
            410, f"too old resource version: {rv} ({collection.compacted_rv + 1})", "Expired"
        )
        return watch_line("ERROR", status)
