"""The typed form of a Flag, as the cache holds it.

On the wire a flag is a Kubernetes-style object:

    {"apiVersion": "flags.example.com/v1", "kind": "Flag",
     "metadata": {"name": "dark-mode", "namespace": "shop", "resourceVersion": "7"},
     "spec": {"enabled": true, "owner": "web", "rolloutPercent": 25}}

trio-informer's cattrs converter maps camelCase wire names (rolloutPercent) onto these
snake_case fields and ignores wire fields the classes do not name.
"""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True, kw_only=True)
class ObjectMeta:
    name: str
    namespace: str = ""
    resource_version: str = ""


@attrs.frozen(slots=True, kw_only=True)
class FlagSpec:
    enabled: bool = False
    owner: str = ""
    rollout_percent: int = 100


@attrs.frozen(slots=True, kw_only=True)
class Flag:
    metadata: ObjectMeta
    spec: FlagSpec = FlagSpec()
