"""informer-flags: feature flags kept live by trio-informer."""

from __future__ import annotations

from .model import Flag, FlagSpec, ObjectMeta

__version__ = "0.1.0"

__all__ = ["Flag", "FlagSpec", "ObjectMeta", "__version__"]
