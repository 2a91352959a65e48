"""The generic HTTP source: any server speaking the Kubernetes list/watch wire format.

``HttpSource`` implements :class:`informer.Source` over :class:`httpx.AsyncClient`:

* URLs follow Kubernetes' layout (core group ``/api/v1/...``, named groups
  ``/apis/{group}/{version}/...``, ``/namespaces/{ns}/`` for a namespaced scope);
* ``list`` sends ``limit``/``continue``/``resourceVersion`` and the scope's selectors and
  returns a :class:`~informer.ListPage`; list items missing ``kind``/``apiVersion`` (core
  group lists, protocols.md B.2) get them from the list, so a listed object looks like a
  watched one;
* ``watch`` streams ``?watch=true&allowWatchBookmarks=true`` (optionally the streaming
  list, ``sendInitialEvents=true``) through :class:`WatchStream`;
* failures become the informer exceptions (see :mod:`informer_http._errors`);
* :meth:`HttpSource.enable_raw_objects` (called by an informer with ``raw=True``) makes
  both hand over objects as :class:`informer.RawObject` views of their bytes, undecoded.

The Kubernetes plugin builds on this class: it passes an ``httpx.AsyncClient`` already
carrying credentials and TLS settings (``client=``) or a factory for one, and may
override :meth:`list_params` / :meth:`watch_params`.
"""

from __future__ import annotations

import gc
import ssl
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import httpx
import msgspec
import orjson
from informer import ConfigError, ListPage, ProtocolError, RawObject, SourceError, SourceSpec, WatchEvent

from ._errors import error_for_status, error_for_transport
from ._stream import WatchStream

__all__ = ["HttpSource", "create_source"]

#: seconds a list request may take (a 100k-object page can be large)
DEFAULT_TIMEOUT = 60.0
_CONNECT_TIMEOUT = 10.0


def _verify(value: Any) -> ssl.SSLContext | bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return ssl.create_default_context(cafile=value)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"http source: options.verify: cannot load CA file {value!r}: {exc}") from exc
    raise ConfigError(f"http source: options.verify must be true, false or a CA file path, not {value!r}")


class _RawListMeta(msgspec.Struct):
    resourceVersion: str
    remainingItemCount: int | None = None
    # "continue" is a Python keyword: renamed below
    continue_: str | None = msgspec.field(default=None, name="continue")


class _RawList(msgspec.Struct):
    metadata: _RawListMeta
    kind: str | None = None
    apiVersion: str | None = None
    items: list[msgspec.Raw] | None = None


_decode_raw_list = msgspec.json.Decoder(_RawList).decode


def _decode_page(body: bytes) -> Any:
    """``orjson.loads`` of a whole list page with the cyclic GC paused.

    A page of 500 Kubernetes objects is ~50,000 new dicts and lists in one C call; with
    a large cache already in the process, the collections that allocation triggers
    mid-decode cost several times the decode itself (measured 3-5x with 20,000 cached
    Pods). Nothing can become cyclic garbage inside orjson, so pausing the collector for
    that one call loses nothing; it runs again at the next allocation after it.
    """
    if not gc.isenabled():
        return orjson.loads(body)
    gc.disable()
    try:
        return orjson.loads(body)
    finally:
        gc.enable()


class HttpSource:
    """List + watch of one resource type on a Kubernetes-wire server.

    ``spec.options``: ``url`` (required unless ``base_url`` is given), optional ``headers``,
    ``token`` (bearer), ``verify`` (bool or CA bundle path), ``timeout`` (seconds per list
    request). ``client`` is used as is and not closed; ``client_factory`` builds a client
    this source owns; with neither, the source builds its own from the options.
    """

    def __init__(
        self,
        spec: SourceSpec,
        *,
        client: httpx.AsyncClient | None = None,
        client_factory: Callable[[], httpx.AsyncClient] | None = None,
        base_url: str | None = None,
    ) -> None:
        self.spec = spec
        options = spec.options
        url = base_url if base_url is not None else options.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ConfigError(
                f"http source for {spec.resource.name}: options.url must be an http:// or https:// URL,"
                f" not {url!r}"
            )
        self.base_url = url.rstrip("/")
        self.path = self.collection_path()
        self.url = self.base_url + self.path
        self.timeout = float(options.get("timeout", DEFAULT_TIMEOUT))
        self.description = f"{self.base_url} {spec.resource.name}"
        self._resource_name = spec.resource.name
        #: hand objects over as :class:`~informer.RawObject` (see :meth:`enable_raw_objects`)
        self.raw = False
        self._owns_client = client is None
        if client is not None:
            self.client = client
        elif client_factory is not None:
            self.client = client_factory()
        else:
            headers = dict(options.get("headers") or {})
            token = options.get("token")
            if token:
                headers["Authorization"] = f"Bearer {token}"
            self.client = httpx.AsyncClient(
                headers=headers,
                verify=_verify(options.get("verify", True)),
                timeout=httpx.Timeout(self.timeout, connect=_CONNECT_TIMEOUT),
            )

    # -- URL and parameters --------------------------------------------------------------

    def collection_path(self) -> str:
        """``/api/v1[/namespaces/ns]/plural`` or ``/apis/g/v[/namespaces/ns]/plural`` (B.1)."""
        resource = self.spec.resource
        plural = resource.plural or resource.name.split(".", 1)[0]
        version = resource.version or "v1"
        base = f"/apis/{resource.group}/{version}" if resource.group else f"/api/{version}"
        namespace = self.spec.scope.namespace
        if resource.namespaced and namespace:
            return f"{base}/namespaces/{quote(namespace, safe='')}/{plural}"
        return f"{base}/{plural}"

    def _selectors(self, params: dict[str, str]) -> dict[str, str]:
        scope = self.spec.scope
        if scope.label_selector:
            params["labelSelector"] = scope.label_selector
        if scope.field_selector:
            params["fieldSelector"] = scope.field_selector
        return params

    def list_params(
        self, *, resource_version: str | None, limit: int | None, continue_token: str | None
    ) -> dict[str, str]:
        """Query parameters of one list request (protocols.md B.4/B.5)."""
        params: dict[str, str] = {}
        if limit:
            params["limit"] = str(limit)
        if continue_token:
            # a continue token carries its own version; sending one too is a 400
            params["continue"] = continue_token
        elif resource_version is not None:
            params["resourceVersion"] = resource_version
        return self._selectors(params)

    def watch_params(
        self, *, resource_version: str, timeout_seconds: int | None, send_initial_events: bool
    ) -> dict[str, str]:
        """Query parameters of one watch request (B.4, B.6, B.8)."""
        params = {"watch": "true", "allowWatchBookmarks": "true", "resourceVersion": resource_version}
        if send_initial_events:
            params["sendInitialEvents"] = "true"
            params["resourceVersionMatch"] = "NotOlderThan"
        if timeout_seconds:
            params["timeoutSeconds"] = str(int(timeout_seconds))
        return self._selectors(params)

    def enable_raw_objects(self) -> None:
        """From now on, list items and watch objects are :class:`~informer.RawObject` views
        of their JSON bytes: only name, namespace and resourceVersion are read (by a tiny
        msgspec decoder), the rest is decoded by whoever reads it. An informer with
        ``raw=True`` calls this (an optional extension of the Source protocol)."""
        self.raw = True

    # -- Source protocol -----------------------------------------------------------------

    async def list(
        self,
        *,
        resource_version: str | None,
        limit: int | None,
        continue_token: str | None,
    ) -> ListPage:
        params = self.list_params(
            resource_version=resource_version, limit=limit, continue_token=continue_token
        )
        try:
            response = await self.client.get(self.url, params=params, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise error_for_transport(
                exc, resource=self._resource_name, verb="list", url=self.base_url
            ) from exc
        if response.status_code != 200:
            raise error_for_status(
                response.status_code,
                response.content,
                resource=self._resource_name,
                verb="list",
                url=self.base_url,
                headers=response.headers,
                continued=continue_token is not None,
            )
        if self.raw:
            page = self._raw_page(response.content)
            if page is not None:
                return page
        return self._page(response.content)

    def _raw_page(self, body: bytes) -> ListPage | None:
        """Raw mode: the page's items as undecoded views; ``None`` if the page is not the
        usual shape (then :meth:`_page` decodes it and reports what is wrong)."""
        try:
            data = _decode_raw_list(body)
        except msgspec.DecodeError:
            return None
        meta = data.metadata
        kind = data.kind[:-4] if data.kind and data.kind.endswith("List") else None
        # core-group list items carry no kind/apiVersion: splice the list's in (B.2)
        head = (
            b'{"kind":' + orjson.dumps(kind) + b',"apiVersion":' + orjson.dumps(data.apiVersion) + b","
            if kind is not None and data.apiVersion is not None
            else None
        )
        items: list[tuple[str | None, Any, str]] = []
        append = items.append
        for raw in data.items or ():
            try:
                obj = RawObject.from_bytes(raw)
                if head is not None and "kind" not in obj and len(obj):
                    obj = RawObject.from_bytes(head + obj.data[obj.data.index(b"{") + 1 :])
            except ValueError:
                append((None, bytes(raw), ""))  # not an object: the informer rejects and counts it
                continue
            append((None, obj, obj.resource_version or ""))
        remaining = meta.remainingItemCount
        return ListPage(items, meta.resourceVersion, meta.continue_ or None, remaining)

    def _page(self, body: bytes) -> ListPage:
        try:
            data = _decode_page(body)
            meta = data.get("metadata") or {}
            raw_items = data.get("items") or []
            list_rv = meta["resourceVersion"]
        except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError) as exc:
            shown = body[:200].decode("utf-8", "replace")
            raise ProtocolError(
                f"list {self._resource_name}: the answer of {self.url} is not a Kubernetes list"
                f" ({type(exc).__name__}: {exc}): {shown!r}"
            ) from None
        list_kind = data.get("kind")
        api_version = data.get("apiVersion")
        kind = list_kind[:-4] if isinstance(list_kind, str) and list_kind.endswith("List") else None
        items: list[tuple[str | None, Any, str]] = []
        append = items.append
        for item in raw_items:
            if kind is not None and isinstance(item, dict) and "kind" not in item:
                item["kind"] = kind
                item["apiVersion"] = api_version
            try:
                rv = item["metadata"]["resourceVersion"]
            except (KeyError, TypeError):
                rv = ""  # the key function / decoder will reject and count it
            append((None, item, rv))
        remaining = meta.get("remainingItemCount")
        return ListPage(
            items,
            str(list_rv),
            meta.get("continue") or None,
            remaining if isinstance(remaining, int) else None,
        )

    @asynccontextmanager
    async def watch(
        self,
        *,
        resource_version: str,
        timeout_seconds: int | None,
        send_initial_events: bool = False,
    ) -> AsyncIterator[AsyncIterator[WatchEvent]]:
        params = self.watch_params(
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            send_initial_events=send_initial_events,
        )
        # no read timeout: an idle watch is normal; the reflector has its own idle deadline
        request = self.client.build_request(
            "GET",
            self.url,
            params=params,
            headers={"Accept": "application/json"},
            timeout=httpx.Timeout(None, connect=_CONNECT_TIMEOUT),
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TransportError as exc:
            raise error_for_transport(
                exc, resource=self._resource_name, verb="watch", url=self.base_url
            ) from exc
        try:
            if response.status_code != 200:
                try:
                    body = await response.aread()
                except httpx.TransportError:
                    body = b""
                raise error_for_status(
                    response.status_code,
                    body,
                    resource=self._resource_name,
                    verb="watch",
                    url=self.base_url,
                    headers=response.headers,
                )

            def in_stream_error(status: Mapping[str, Any]) -> SourceError:
                code = status.get("code")
                return error_for_status(
                    code if isinstance(code, int) else 500,
                    status,
                    resource=self._resource_name,
                    verb="watch",
                    url=self.base_url,
                )

            yield WatchStream(
                response.aiter_bytes(),
                resource=self._resource_name,
                resource_version=resource_version,
                error=in_stream_error,
                raw=self.raw,
            )
        finally:
            await response.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self.client.aclose()


def create_source(spec: SourceSpec) -> HttpSource:
    """The ``http`` plugin's source factory."""
    return HttpSource(spec)
