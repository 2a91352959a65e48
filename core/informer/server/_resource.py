"""What the embedded server serves: one :class:`ServerResource` per collection.

Names follow kubectl: ``configmaps`` is the core group's v1 ConfigMap,
``deployments.apps`` is ``apps/v1``, ``routes.v2.gateway.example.com`` is
``gateway.example.com/v2``. Well-known Kubernetes kinds get their real Kind names and
scopes so that real clients (kubectl, the official Python client) see familiar types;
anything else gets a Kind derived from the plural.
"""

from __future__ import annotations

import re

import attrs

__all__ = ["ServerResource"]

#: plural -> (Kind, namespaced, shortNames) for the core group ("" group, v1).
_CORE_KINDS: dict[str, tuple[str, bool, tuple[str, ...]]] = {
    "pods": ("Pod", True, ("po",)),
    "services": ("Service", True, ("svc",)),
    "configmaps": ("ConfigMap", True, ("cm",)),
    "secrets": ("Secret", True, ()),
    "endpoints": ("Endpoints", True, ("ep",)),
    "events": ("Event", True, ("ev",)),
    "serviceaccounts": ("ServiceAccount", True, ("sa",)),
    "persistentvolumeclaims": ("PersistentVolumeClaim", True, ("pvc",)),
    "replicationcontrollers": ("ReplicationController", True, ("rc",)),
    "limitranges": ("LimitRange", True, ("limits",)),
    "resourcequotas": ("ResourceQuota", True, ("quota",)),
    "podtemplates": ("PodTemplate", True, ()),
    "namespaces": ("Namespace", False, ("ns",)),
    "nodes": ("Node", False, ("no",)),
    "persistentvolumes": ("PersistentVolume", False, ("pv",)),
}

#: (group, plural) -> (Kind, namespaced, shortNames) for well-known named groups.
_GROUP_KINDS: dict[tuple[str, str], tuple[str, bool, tuple[str, ...]]] = {
    ("apps", "deployments"): ("Deployment", True, ("deploy",)),
    ("apps", "statefulsets"): ("StatefulSet", True, ("sts",)),
    ("apps", "daemonsets"): ("DaemonSet", True, ("ds",)),
    ("apps", "replicasets"): ("ReplicaSet", True, ("rs",)),
    ("batch", "jobs"): ("Job", True, ()),
    ("batch", "cronjobs"): ("CronJob", True, ("cj",)),
    ("networking.k8s.io", "ingresses"): ("Ingress", True, ("ing",)),
    ("networking.k8s.io", "networkpolicies"): ("NetworkPolicy", True, ("netpol",)),
    ("discovery.k8s.io", "endpointslices"): ("EndpointSlice", True, ()),
    ("coordination.k8s.io", "leases"): ("Lease", True, ()),
    ("rbac.authorization.k8s.io", "roles"): ("Role", True, ()),
    ("rbac.authorization.k8s.io", "rolebindings"): ("RoleBinding", True, ()),
    ("rbac.authorization.k8s.io", "clusterroles"): ("ClusterRole", False, ()),
    ("rbac.authorization.k8s.io", "clusterrolebindings"): ("ClusterRoleBinding", False, ()),
    ("apiextensions.k8s.io", "customresourcedefinitions"): (
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
    ),
    ("storage.k8s.io", "storageclasses"): ("StorageClass", False, ("sc",)),
    ("scheduling.k8s.io", "priorityclasses"): ("PriorityClass", False, ("pc",)),
}

#: kinds kube-apiserver lists in the "all" category (what ``kubectl get all`` shows)
_ALL = frozenset(
    {
        ("", "pods"),
        ("", "services"),
        ("", "replicationcontrollers"),
        ("apps", "deployments"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("apps", "replicasets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    }
)

# Kubernetes API versions look like v1, v2, v1beta1, v2alpha3.
_VERSION = re.compile(r"^v\d+((alpha|beta)\d+)?$")
_PLURAL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _singular(plural: str) -> str:
    """English plural -> singular, good enough for resource names (``policies`` -> ``policy``)."""
    if plural.endswith("ies") and len(plural) > 3:
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "ches", "shes", "zzes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith("ss"):
        return plural[:-1]
    return plural


@attrs.frozen(slots=True)
class ServerResource:
    """One collection the embedded server serves (a Kubernetes ``APIResource``).

    ``group`` is ``""`` for the core group (``/api/v1``); ``kind`` defaults to the
    singular of ``plural`` capitalised; ``singular`` to the lowercase singular.
    """

    group: str
    version: str
    plural: str
    kind: str = ""
    namespaced: bool = True
    singular: str = ""
    short_names: tuple[str, ...] = ()
    #: discovery categories (``kubectl get all`` lists the resources in ``all``)
    categories: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not _PLURAL.match(self.plural):
            raise ValueError(
                f"invalid resource plural {self.plural!r}: lowercase letters, digits and '-' only"
            )
        if not _VERSION.match(self.version):
            raise ValueError(
                f"invalid API version {self.version!r} for {self.plural!r} (expected e.g. v1, v1beta1)"
            )
        if not self.kind:
            known = (
                _CORE_KINDS.get(self.plural)
                if not self.group
                else _GROUP_KINDS.get((self.group, self.plural))
            )
            kind = known[0] if known else _singular(self.plural).capitalize()
            object.__setattr__(self, "kind", kind)
        if not self.singular:
            object.__setattr__(self, "singular", self.kind.lower())

    @classmethod
    def parse(cls, name: str, *, namespaced: bool | None = None, kind: str | None = None) -> ServerResource:
        """Build a resource from its kubectl name.

        ``configmaps`` -> core v1 ConfigMap; ``deployments.apps`` -> apps/v1 Deployment;
        ``routes.gateway.example.com`` -> gateway.example.com/v1 Route;
        ``routes.v2.gateway.example.com`` -> gateway.example.com/v2 Route. Known
        Kubernetes resources get their real kind and scope; ``namespaced`` and ``kind``
        override what is derived.
        """
        text = name.strip()
        if not text:
            raise ValueError("empty resource name")
        plural, _, rest = text.partition(".")
        version = "v1"
        group = rest
        head, _, tail = rest.partition(".")
        if head and _VERSION.match(head) and tail:
            version, group = head, tail
        elif rest and _VERSION.match(rest):
            # "pods.v1": the core group with an explicit version
            version, group = rest, ""
        known = _CORE_KINDS.get(plural) if not group else _GROUP_KINDS.get((group, plural))
        derived_kind, derived_namespaced, short = known if known else ("", True, ())
        try:
            return cls(
                group=group,
                version=version,
                plural=plural,
                kind=kind or derived_kind,
                namespaced=derived_namespaced if namespaced is None else namespaced,
                short_names=short,
                categories=("all",) if (group, plural) in _ALL else (),
            )
        except ValueError as exc:
            raise ValueError(f"invalid resource name {name!r}: {exc}") from None

    @property
    def name(self) -> str:
        """The kubectl name; :meth:`parse` of it gives this resource back."""
        if not self.group:
            return self.plural
        if self.version == "v1":
            return f"{self.plural}.{self.group}"
        return f"{self.plural}.{self.version}.{self.group}"

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``group/version`` otherwise."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    def collection_path(self, namespace: str | None = None) -> str:
        """The URL path of the collection (Kubernetes URL layout, protocols.md B.1)."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace is not None:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"
