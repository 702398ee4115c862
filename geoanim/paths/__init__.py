"""The math core: geodesics between distributions under each registered metric."""

from __future__ import annotations

from ..errors import UnsupportedError
from ..families import Distribution
from .base import Path
from .registry import METRICS, get_metric
from . import fisher, wasserstein  # noqa: F401  (register the metrics)


def geodesic(a: Distribution, b: Distribution, metric: str = "fisher") -> Path:
    """The constant-speed geodesic from ``a`` to ``b`` under ``metric`` (a name or alias)."""
    for d in (a, b):
        if not isinstance(d, Distribution):
            raise UnsupportedError(f"geodesic endpoints must be distributions (got {type(d).__name__}); "
                                   "use geoanim.parse('normal(0, 1)')")
    return get_metric(metric).build(a, b)


def distance(a: Distribution, b: Distribution, metric: str = "fisher") -> float:
    """The geodesic distance between ``a`` and ``b`` (W2, never W2 squared; inf where infinite)."""
    return geodesic(a, b, metric).length


def available() -> list[str]:
    """Canonical names of the registered metrics."""
    return list(METRICS)


__all__ = ["Path", "geodesic", "distance", "available", "get_metric", "METRICS"]
