"""Typed models of a few core kinds — Pod, Service, ConfigMap, Deployment — for plugin authors to copy.

These are deliberately small: typed ``metadata`` and the fields people actually read
(a Pod's phase and IP, a Service's ports, a Deployment's replica counts), with the rest of
``spec``/``status`` kept as plain dicts. A generated model of every field would cost tens
of microseconds per object to decode (see the performance budget in the design) and
hundreds of classes to maintain; a model of what you use costs little and reads well.

They are decoded with the project's one cattrs converter (:data:`informer.converter`),
which maps camelCase wire names to snake_case fields (``resourceVersion`` →
``resource_version``). A wire name that is not plain camelCase of the field name is given
in the field's metadata (``podIP`` is not ``podIp``)::

    pod_ip: str | None = attrs.field(default=None, metadata={WIRE_NAME: "podIP"})

Use one by naming its decoder in a resource type (``decoder: kubernetes.pod``) or directly::

    from informer._decoders import typed_decoder
    decode = typed_decoder(Pod)
    pod = decode(wire_dict)
    pod.metadata.name, pod.status.phase

Unknown wire fields are ignored; missing ones take the defaults below (list items of
built-in kinds carry no ``kind``/``apiVersion``, so those default too).
"""

from __future__ import annotations

from typing import Any

import attrs
from informer._decoders import WIRE_NAME

__all__ = [
    "ConfigMap",
    "Deployment",
    "DeploymentSpec",
    "DeploymentStatus",
    "ObjectMeta",
    "OwnerReference",
    "Pod",
    "PodStatus",
    "Service",
    "ServicePort",
    "ServiceSpec",
]


@attrs.frozen(slots=True)
class OwnerReference:
    api_version: str
    kind: str
    name: str
    uid: str
    controller: bool = False
    block_owner_deletion: bool = False


@attrs.frozen(slots=True)
class ObjectMeta:
    """The metadata every Kubernetes object has (``managedFields`` is not modelled: drop it)."""

    name: str = ""
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] = attrs.field(factory=dict)
    annotations: dict[str, str] = attrs.field(factory=dict)
    owner_references: list[OwnerReference] = attrs.field(factory=list)
    finalizers: list[str] = attrs.field(factory=list)


# --------------------------------------------------------------------------- Pod


@attrs.frozen(slots=True)
class PodStatus:
    phase: str | None = None
    pod_ip: str | None = attrs.field(default=None, metadata={WIRE_NAME: "podIP"})
    host_ip: str | None = attrs.field(default=None, metadata={WIRE_NAME: "hostIP"})
    start_time: str | None = None
    conditions: list[dict[str, Any]] = attrs.field(factory=list)
    container_statuses: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.frozen(slots=True)
class Pod:
    """``v1/Pod``: typed metadata and status basics; ``spec`` as a dict."""

    metadata: ObjectMeta = attrs.field(factory=ObjectMeta)
    spec: dict[str, Any] = attrs.field(factory=dict)
    status: PodStatus = attrs.field(factory=PodStatus)
    api_version: str = "v1"
    kind: str = "Pod"

    @property
    def node_name(self) -> str | None:
        """``spec.nodeName``: where the pod was scheduled (None while pending)."""
        value = self.spec.get("nodeName")
        return str(value) if value else None

    @property
    def ready(self) -> bool:
        """The ``Ready`` condition is ``True``."""
        return any(c.get("type") == "Ready" and c.get("status") == "True" for c in self.status.conditions)


# --------------------------------------------------------------------------- Service


@attrs.frozen(slots=True)
class ServicePort:
    port: int
    name: str | None = None
    protocol: str = "TCP"
    #: a number or a named container port: left untyped (an ``int | str`` union)
    target_port: Any = None
    node_port: int | None = None
    app_protocol: str | None = None


@attrs.frozen(slots=True)
class ServiceSpec:
    type: str = "ClusterIP"
    cluster_ip: str | None = attrs.field(default=None, metadata={WIRE_NAME: "clusterIP"})
    cluster_ips: list[str] = attrs.field(factory=list, metadata={WIRE_NAME: "clusterIPs"})
    ports: list[ServicePort] = attrs.field(factory=list)
    selector: dict[str, str] = attrs.field(factory=dict)
    external_name: str | None = None


@attrs.frozen(slots=True)
class Service:
    """``v1/Service``: typed metadata and the spec's addressing; ``status`` as a dict."""

    metadata: ObjectMeta = attrs.field(factory=ObjectMeta)
    spec: ServiceSpec = attrs.field(factory=ServiceSpec)
    status: dict[str, Any] = attrs.field(factory=dict)
    api_version: str = "v1"
    kind: str = "Service"


# --------------------------------------------------------------------------- ConfigMap


@attrs.frozen(slots=True)
class ConfigMap:
    """``v1/ConfigMap``: the whole thing (it is small)."""

    metadata: ObjectMeta = attrs.field(factory=ObjectMeta)
    data: dict[str, str] = attrs.field(factory=dict)
    #: base64 values, as on the wire
    binary_data: dict[str, str] = attrs.field(factory=dict)
    immutable: bool | None = None
    api_version: str = "v1"
    kind: str = "ConfigMap"


# --------------------------------------------------------------------------- Deployment


@attrs.frozen(slots=True)
class DeploymentSpec:
    replicas: int = 1
    selector: dict[str, Any] = attrs.field(factory=dict)
    #: the pod template, as a dict (decode it with :class:`Pod` if you need it typed)
    template: dict[str, Any] = attrs.field(factory=dict)
    strategy: dict[str, Any] = attrs.field(factory=dict)
    paused: bool = False


@attrs.frozen(slots=True)
class DeploymentStatus:
    observed_generation: int | None = None
    replicas: int = 0
    updated_replicas: int = 0
    ready_replicas: int = 0
    available_replicas: int = 0
    unavailable_replicas: int = 0
    conditions: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.frozen(slots=True)
class Deployment:
    """``apps/v1/Deployment``: typed replica bookkeeping, the template as a dict."""

    metadata: ObjectMeta = attrs.field(factory=ObjectMeta)
    spec: DeploymentSpec = attrs.field(factory=DeploymentSpec)
    status: DeploymentStatus = attrs.field(factory=DeploymentStatus)
    api_version: str = "apps/v1"
    kind: str = "Deployment"

    @property
    def rolled_out(self) -> bool:
        """The controller has seen the latest spec and every replica is updated and available."""
        meta_gen = self.metadata.generation
        st = self.status
        return (
            (meta_gen is None or st.observed_generation == meta_gen)
            and st.updated_replicas == self.spec.replicas
            and st.available_replicas == self.spec.replicas
        )
