"""The math core: geodesics between distributions under each registered metric.

Every module in this package that defines a metric (``define_metric``) is imported on first use,
so a new metric is one new module: it defines the metric and registers its routes (see
registry.py), and everything else (the CLI's lists, ``geoanim metrics``, the renderer's colours
and titles, the property tests) reads the registry.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..families import Distribution
from ..spec import parse  # noqa: F401  (geoanim.parse: with this package loaded, geodesic points parse too)
from .base import Path
from .registry import METRICS, ROUTES, get_metric, listing
from .registry import geodesic as _geodesic

_INFRASTRUCTURE = {"base", "registry", "spaces", "mvn", "densities", "features", "curves", "divergence", "transport",
                   "unbalanced", "cells"}

for _info in pkgutil.iter_modules(__path__):
    if _info.name not in _INFRASTRUCTURE:
        importlib.import_module(f"{__name__}.{_info.name}")


def geodesic(a: Distribution, b: Distribution, metric: str = "fisher") -> Path:
    """The constant-speed geodesic from ``a`` to ``b`` under ``metric`` (a name or alias)."""
    return _geodesic(a, b, metric)


def distance(a: Distribution, b: Distribution, metric: str = "fisher") -> float:
    """The geodesic distance between ``a`` and ``b`` (W2, never W2 squared; inf where infinite)."""
    return geodesic(a, b, metric).length


def available() -> list[str]:
    """Canonical names of the registered metrics."""
    return list(METRICS)


__all__ = ["METRICS", "ROUTES", "Path", "available", "distance", "geodesic", "get_metric", "listing", "parse"]
