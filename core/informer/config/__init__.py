"""Config files for ``informer-run``: which plugins, sources and informers to run.

::

    config = read_config("informers.yaml")              # schema-checked (file:line: path: reason)
    problems = validate_config("informers.yaml")        # + plugins loaded and names checked
    plan = build_plan(config, registry)                 # InformerSpecs + handler instances

See :mod:`informer.config._model` for the file's shape and ``informer/schemas/config.schema.json``
for its schema.
"""

from __future__ import annotations

from ._build import ConfigPlan, HandlerBinding, build_plan, check_config, read_config, validate_config
from ._model import Config, HandlerRef, InformerConfig, SourceConfig

__all__ = [
    "Config",
    "ConfigPlan",
    "HandlerBinding",
    "HandlerRef",
    "InformerConfig",
    "SourceConfig",
    "build_plan",
    "check_config",
    "read_config",
    "validate_config",
]
