"""Typed objects of the gateway world: :class:`Service` and :class:`Route`.

Wire objects look like Kubernetes custom resources::

    {"apiVersion": "gateway.example.com/v1", "kind": "Route",
     "metadata": {"name": "catalog", "namespace": "shop", "resourceVersion": "12", ...},
     "spec": {"pathPrefix": "/catalog", "service": "catalog", "port": 8080}}

The plugin contributes decoders of type ``informer_gateway.model:Service`` and
``informer_gateway.model:Route``: trio-informer structures each wire object into these
frozen, slotted attrs classes with its one cattrs converter, which maps the camelCase wire
names (``pathPrefix``, ``resourceVersion``) onto the snake_case fields below and ignores
fields nobody here reads (``status``, ``managedFields``, ...). A malformed object is
refused with the path of the bad field, is not cached, and the informer goes on.

Only what a routing table needs is modelled; everything is immutable, so objects can be
shared between the informer's cache and the table without copying.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Endpoint", "ObjectMeta", "Route", "RouteSpec", "Service", "ServiceSpec"]


@attrs.frozen(slots=True, kw_only=True)
class ObjectMeta:
    """The standard metadata every object carries (the fields a gateway reads)."""

    name: str
    namespace: str = ""
    uid: str = ""
    resource_version: str = ""
    generation: int = 0
    labels: Mapping[str, str] = attrs.field(factory=dict)
    creation_timestamp: str | None = None

    @property
    def key(self) -> str:
        """``namespace/name``, or ``name`` for a cluster-wide object (client-go's key)."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@attrs.frozen(slots=True, kw_only=True)
class Endpoint:
    """One backend address of a service.

    ``ready`` defaults to true when absent, as Kubernetes reads an absent readiness
    condition: only an explicit ``"ready": false`` takes an endpoint out of rotation.
    """

    address: str
    port: int
    ready: bool = True

    @property
    def target(self) -> str:
        """``address:port``, as a gateway's upstream list names it."""
        return f"{self.address}:{self.port}"


@attrs.frozen(slots=True, kw_only=True)
class ServiceSpec:
    endpoints: tuple[Endpoint, ...] = ()


@attrs.frozen(slots=True, kw_only=True)
class Service:
    """A backend service: a name and its endpoints (``services.gateway.example.com``)."""

    metadata: ObjectMeta
    spec: ServiceSpec = ServiceSpec()
    api_version: str = ""
    kind: str = "Service"

    @property
    def key(self) -> str:
        return self.metadata.key

    @property
    def ready_endpoints(self) -> tuple[Endpoint, ...]:
        return tuple(e for e in self.spec.endpoints if e.ready)


def _check_prefix(_instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    # A prefix that does not start with "/" can never match a request path; refusing it at
    # decode time names the object and field instead of silently routing nothing.
    if not value.startswith("/"):
        raise ValueError(f"{attribute.name} must start with '/', got {value!r}")


@attrs.frozen(slots=True, kw_only=True)
class RouteSpec:
    """Where a path prefix goes.

    ``service`` names a service in the route's own namespace, or ``namespace/name`` for one
    elsewhere; ``port`` is the service port the route asks for (informational: each
    endpoint carries its own port).
    """

    path_prefix: str = attrs.field(validator=_check_prefix)
    service: str
    port: int | None = None


@attrs.frozen(slots=True, kw_only=True)
class Route:
    """A gateway route: requests under ``spec.path_prefix`` go to ``spec.service``
    (``routes.gateway.example.com``)."""

    metadata: ObjectMeta
    spec: RouteSpec
    api_version: str = ""
    kind: str = "Route"

    @property
    def key(self) -> str:
        return self.metadata.key

    @property
    def service_key(self) -> str:
        """The backend as ``namespace/name``."""
        if "/" in self.spec.service:
            return self.spec.service
        ns = self.metadata.namespace
        return f"{ns}/{self.spec.service}" if ns else self.spec.service
