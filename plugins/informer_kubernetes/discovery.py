"""Discovery: what resources does this API server serve? As resource type descriptors.

The async API (what ``informer-run --source k8s --discover`` and ``--resource NAME`` use)::

    from informer_kubernetes.discovery import discover_resource_types, discover_resource, resolve_resource

    descriptors = await discover_resource_types({"kubeconfig": "~/.kube/config"})
    # [{"name": "pods", "kind": "Pod", "group": "", "version": "v1", "plural": "pods",
    #   "namespaced": True, "short_names": ["po"], "transform": "drop-managed-fields", ...}, ...]
    deploy = resolve_resource("deploy", descriptors)          # -> the deployments.apps descriptor
    one = await discover_resource({"context": "prod"}, "deployments.v1.apps")

``options`` are the Kubernetes source's options (``kubeconfig``, ``context``,
``in_cluster``, ``server``; see :mod:`informer_kubernetes.kubeconfig`); an existing
:class:`httpx.AsyncClient` may be passed as ``client=`` instead (it is not closed).

What is fetched (protocols.md B.9): ``GET /api`` and ``GET /apis`` with the aggregated
discovery ``Accept`` header; an aggregated answer (``APIGroupDiscoveryList``) is read as
such, a legacy answer (``APIVersions`` / ``APIGroupList``) is followed by ``/api/v1`` and
``/apis/{group}/{version}`` for every version. A 404 on ``/api`` or ``/apis`` means "no
groups there". A group version that fails (an aggregated API server that is down, say) is
logged and skipped, as kubectl does, unless every request failed.

What becomes a descriptor: every resource (not ``name/subresource``) whose verbs include
both ``list`` and ``watch``; named as kubectl names it (``pods``, ``deployments.apps``);
the group's *preferred* version by default, and resources that exist only in a
non-preferred version under that version. With ``all_versions=True`` the other versions
are listed too, named ``plural.version.group``. Every descriptor drops
``metadata.managedFields`` (transform ``drop-managed-fields``) and is validated against
the resource type schema before it is returned.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
import jsonschema
import jsonschema.exceptions
import orjson
from informer import (
    ConnectFailed,
    DescriptorError,
    Forbidden,
    ProtocolError,
    ResourceNotFound,
    ServerError,
    TooManyRequests,
    Unauthorized,
)

from .client import build_client
from .kubeconfig import load_client_config

__all__ = [
    "AGGREGATED_ACCEPT",
    "describe_transport_error",
    "discover_resource",
    "discover_resource_types",
    "resolve_resource",
    "resource_descriptor",
]

log = logging.getLogger("informer.kubernetes.discovery")

#: what kubectl 1.26+ sends to /api and /apis (protocols.md B.9)
AGGREGATED_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)
_LEGACY_ACCEPT = "application/json, */*"
_VERSION = re.compile(r"^v\d+((alpha|beta)\d+)?$")
_PLUGIN = "kubernetes"


def resource_descriptor(
    *,
    group: str,
    version: str,
    plural: str,
    kind: str,
    namespaced: bool,
    short_names: Iterable[str] = (),
    preferred: bool = True,
    where: str = "",
) -> dict[str, Any]:
    """The resource type descriptor of one Kubernetes resource, in the kubectl naming."""
    if preferred:
        name = f"{plural}.{group}" if group else plural
    else:
        name = f"{plural}.{version}.{group}" if group else f"{plural}.{version}"
    api_version = f"{group}/{version}" if group else version
    descriptor: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "group": group,
        "version": version,
        "plural": plural,
        "namespaced": namespaced,
        "transform": "drop-managed-fields",
        "description": f"{kind} ({api_version}){', discovered from ' + where if where else ''}",
    }
    shorts = sorted(set(short_names))
    if shorts:
        descriptor["short_names"] = shorts
    return descriptor


def _validate(descriptors: list[dict[str, Any]]) -> None:
    # the same schema every plugin's resource types are checked against
    from informer.plugins import load_schema

    validator = jsonschema.Draft202012Validator(load_schema("resource_types"))
    for index, descriptor in enumerate(descriptors):
        error = jsonschema.exceptions.best_match(validator.iter_errors(descriptor))
        if error is not None:
            where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            raise DescriptorError(_PLUGIN, f"discovered resource_types[{index}]{where}", error.message)


# --------------------------------------------------------------------------- HTTP


def describe_transport_error(exc: httpx.TransportError, url: httpx.URL) -> str:
    """``TLS handshake with HOST:PORT failed: certificate verify failed: REASON`` and the like."""
    host = f"{url.host}:{url.port}" if url.port else url.host
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS handshake with {host} failed: certificate verify failed: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake with {host} failed: {cause.reason or cause}"
        cause = cause.__cause__ or cause.__context__
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text or "[SSL" in text:
        return f"TLS handshake with {host} failed: {text}"
    return f"cannot connect to {host}: {text or type(exc).__name__}"


async def _get(client: httpx.AsyncClient, path: str, accept: str) -> tuple[int, Any, str]:
    try:
        response = await client.get(path, headers={"Accept": accept})
    except httpx.TransportError as exc:
        raise ConnectFailed(describe_transport_error(exc, client.base_url.join(path))) from exc
    status = response.status_code
    content_type = response.headers.get("content-type", "")
    body: Any = None
    if response.content:
        try:
            body = orjson.loads(response.content)
        except orjson.JSONDecodeError:
            if status < 300:
                raise ProtocolError(f"GET {path}: answer is not JSON", status=status) from None
    if status < 300 or status == 404:
        return status, body, content_type
    message = body.get("message") if isinstance(body, Mapping) else None
    text = f"GET {path}: {status} {message or response.reason_phrase}"
    if status == 401:
        raise Unauthorized(text, status=status)
    if status == 403:
        raise Forbidden(text, status=status)
    if status == 429:
        retry = response.headers.get("retry-after")
        raise TooManyRequests(
            text, status=status, retry_after=float(retry) if retry and retry.isdigit() else None
        )
    raise ServerError(text, status=status)


# --------------------------------------------------------------------------- parsing


def _add(
    out: dict[tuple[str, str, str], dict[str, Any]],
    group: str,
    version: str,
    resource: Mapping[str, Any],
    *,
    plural_key: str,
    kind: str | None,
    namespaced: bool,
    where: str,
) -> None:
    plural = resource.get(plural_key)
    if not isinstance(plural, str) or not plural or "/" in plural:
        return  # subresources (pods/status) are not collections
    verbs = resource.get("verbs") or []
    if "list" not in verbs or "watch" not in verbs:
        return
    if not kind:
        return
    out[(group, version, plural)] = {
        "group": group,
        "version": version,
        "plural": plural,
        "kind": kind,
        "namespaced": namespaced,
        "short_names": [s for s in resource.get("shortNames") or [] if isinstance(s, str)],
        "where": where,
    }


def _legacy_resources(
    out: dict[tuple[str, str, str], dict[str, Any]], group: str, version: str, body: Any, where: str
) -> None:
    if not isinstance(body, Mapping) or not isinstance(body.get("resources"), list):
        raise ProtocolError(f"{where}: not an APIResourceList")
    for resource in body["resources"]:
        if isinstance(resource, Mapping):
            _add(
                out,
                group,
                version,
                resource,
                plural_key="name",
                kind=resource.get("kind"),
                namespaced=bool(resource.get("namespaced")),
                where=where,
            )


def _aggregated(
    out: dict[tuple[str, str, str], dict[str, Any]], order: dict[str, list[str]], body: Any, where: str
) -> None:
    """Read an ``APIGroupDiscoveryList`` (apidiscovery.k8s.io/v2 or v2beta1)."""
    items = body.get("items") if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ProtocolError(f"{where}: not an APIGroupDiscoveryList")
    for item in items:
        group = str((item.get("metadata") or {}).get("name") or "")
        versions = order.setdefault(group, [])
        for entry in item.get("versions") or []:
            version = entry.get("version")
            if not isinstance(version, str):
                continue
            versions.append(version)  # listed in preference order
            for resource in entry.get("resources") or []:
                response_kind = resource.get("responseKind") or {}
                _add(
                    out,
                    group,
                    version,
                    resource,
                    plural_key="resource",
                    kind=response_kind.get("kind"),
                    namespaced=resource.get("scope") == "Namespaced",
                    where=where,
                )


def _is_aggregated(content_type: str, body: Any) -> bool:
    return "as=APIGroupDiscoveryList" in content_type or (
        isinstance(body, Mapping) and body.get("kind") == "APIGroupDiscoveryList"
    )


async def _discover_all(client: httpx.AsyncClient) -> list[tuple[str, list[str], dict[str, dict[str, Any]]]]:
    """``[(group, versions in preference order, {version/plural: descriptor})]``, core first."""
    where = str(client.base_url).rstrip("/")
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    order: dict[str, list[str]] = {}
    failures: list[str] = []
    attempts = 0

    # core group
    status, body, ctype = await _get(client, "/api", AGGREGATED_ACCEPT)
    if status != 404:
        if _is_aggregated(ctype, body):
            _aggregated(found, order, body, where)
        else:
            versions = body.get("versions") if isinstance(body, Mapping) else None
            if not isinstance(versions, list):
                raise ProtocolError("GET /api: not an APIVersions document")
            order[""] = [v for v in versions if isinstance(v, str)]

    # named groups
    status, body, ctype = await _get(client, "/apis", AGGREGATED_ACCEPT)
    legacy_groups: list[tuple[str, list[str]]] = []
    if status != 404:
        if _is_aggregated(ctype, body):
            _aggregated(found, order, body, where)
        else:
            groups = body.get("groups") if isinstance(body, Mapping) else None
            if not isinstance(groups, list):
                raise ProtocolError("GET /apis: not an APIGroupList document")
            for group in groups:
                name = group.get("name")
                if not isinstance(name, str):
                    continue
                listed = [v.get("version") for v in group.get("versions") or [] if isinstance(v, Mapping)]
                names = [v for v in listed if isinstance(v, str)]
                preferred = (group.get("preferredVersion") or {}).get("version")
                ordered = [preferred] if preferred in names else []
                ordered += [v for v in names if v != preferred]
                order[name] = ordered
                legacy_groups.append((name, ordered))

    # legacy bodies name versions only: fetch each resource list
    fetch: list[tuple[str, str, str]] = []
    if "" in order and not any(g == "" for g, _, _ in found):
        fetch += [("", v, f"/api/{v}") for v in order[""]]
    for name, versions in legacy_groups:
        fetch += [(name, v, f"/apis/{name}/{v}") for v in versions]
    for group, version, path in fetch:
        attempts += 1
        try:
            status, body, _ = await _get(client, path, _LEGACY_ACCEPT)
        except (ServerError, ProtocolError, TooManyRequests) as exc:
            log.warning("discovery: skipping %s: %s", path, exc)
            failures.append(f"{path}: {exc}")
            continue
        if status == 404:
            continue
        _legacy_resources(found, group, version, body, f"{where}")
    if attempts and len(failures) == attempts:
        raise ServerError("discovery failed for every group version: " + "; ".join(failures[:3]))

    result = []
    for group, versions in order.items():
        per: dict[str, dict[str, Any]] = {}
        for (g, v, plural), descriptor in found.items():
            if g == group:
                per[f"{v}/{plural}"] = descriptor
        result.append((group, versions, per))
    result.sort(key=lambda item: item[0] != "")  # core group first, then server order
    return result


def _select(
    groups: list[tuple[str, list[str], dict[str, dict[str, Any]]]], all_versions: bool
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for _group, versions, per in groups:
        seen: set[str] = set()
        for version in versions:
            for key, info in per.items():
                v, plural = key.split("/", 1)
                if v != version:
                    continue
                # the first version a plural appears in (preference order) gets the kubectl
                # name; later versions only with all_versions, named with their version
                preferred = plural not in seen
                seen.add(plural)
                if preferred or all_versions:
                    out.append(
                        resource_descriptor(
                            **{
                                k: info[k]
                                for k in ("group", "version", "plural", "kind", "namespaced", "where")
                            },
                            short_names=info["short_names"] if preferred else (),
                            preferred=preferred,
                        )
                    )
    return out


async def discover_resource_types(
    options: Mapping[str, Any] | None = None,
    *,
    client: httpx.AsyncClient | None = None,
    all_versions: bool = False,
) -> list[dict[str, Any]]:
    """Every listable and watchable resource the server offers, as validated descriptors.

    Raises :class:`informer.ConfigError` for bad options/kubeconfig and the
    :class:`informer.SourceError` family for the server's answers (``ConnectFailed`` names
    the host and the TLS or socket reason; ``Unauthorized``/``Forbidden`` on 401/403).
    """
    if client is None:
        async with build_client(load_client_config(options or {})) as own:
            return await discover_resource_types(client=own, all_versions=all_versions)
    descriptors = _select(await _discover_all(client), all_versions)
    _validate(descriptors)
    return descriptors


async def discover_resource(
    options: Mapping[str, Any] | None,
    name: str,
    *,
    client: httpx.AsyncClient | None = None,
) -> dict[str, Any]:
    """Discover, then :func:`resolve_resource` one name (any version may be asked for)."""
    return resolve_resource(name, await discover_resource_types(options, client=client, all_versions=True))


# --------------------------------------------------------------------------- name resolution


def _parse_name(name: str) -> tuple[str, str | None, str | None]:
    """``deployments.v1.apps`` -> ("deployments", "v1", "apps"); ``pods`` -> ("pods", None, None)."""
    head, _, rest = name.partition(".")
    if not rest:
        return head, None, None
    version, _, group = rest.partition(".")
    if _VERSION.match(version):
        return head, version, group  # group "" = core (pods.v1)
    return head, None, rest


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "ches", "shes")):
        return plural[:-2]
    return plural[:-1] if plural.endswith("s") else plural


def resolve_resource(name: str, discovered: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The descriptor ``name`` means, the way kubectl reads resource names.

    Accepted: the plural (``pods``), the singular (``pod``), a short name (``po``), the
    kind (``Pod``, ``Deployment``), each optionally qualified by a group
    (``deployments.apps``, ``deploy.apps``, ``Deployment.apps``) or a version and group
    (``deployments.v1.apps``; ``pods.v1`` for the core group). An unqualified name
    matching several groups picks the core group first, then the server's order — as
    kubectl does (``events`` is ``v1`` events, not ``events.events.k8s.io``).

    A version that is not the preferred one is found only in descriptors discovered with
    ``all_versions=True``. Raises :class:`informer.ResourceNotFound` naming what the server
    does offer when nothing matches.
    """
    if not name:
        raise ResourceNotFound("an empty resource name")
    for descriptor in discovered:
        if descriptor.get("name") == name:
            return dict(descriptor)
    resource, version, group = _parse_name(name)
    lowered = resource.lower()

    def matches(d: Mapping[str, Any]) -> bool:
        if group is not None and d.get("group", "") != group:
            return False
        if version is not None and d.get("version") != version:
            return False
        plural = str(d.get("plural", ""))
        return (
            lowered == plural
            or lowered == _singular(plural)
            or lowered in (d.get("short_names") or ())
            or lowered == str(d.get("kind", "")).lower()
        )

    candidates = [d for d in discovered if matches(d)]
    if version is None:
        # unqualified by version: the preferred one (named without the version)
        preferred = [
            d for d in candidates if str(d.get("name", "")).count(".") == (1 if d.get("group") else 0)
        ]
        candidates = preferred or candidates
    if not candidates:
        offered = sorted(str(d.get("name")) for d in discovered)
        shown = ", ".join(offered[:20]) + (", ..." if len(offered) > 20 else "")
        raise ResourceNotFound(
            f"the server doesn't have a resource type {name!r} (it has: {shown or 'none'})"
        )
    core = [d for d in candidates if not d.get("group")]
    return dict((core or candidates)[0])
