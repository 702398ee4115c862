"""The result type of every geodesic: a callable path with its length and the manifold it lives on."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

from ..errors import ValidationError
from ..families import Distribution, fmt

# human names of the models a path can live on, for titles: "Fisher-Rao on normals"
MODEL_NAMES = {
    "normal": "normals",
    "mvnormal": "normals",
    "categorical": "categoricals",
    "exponential": "exponentials",
    "poisson": "Poissons",
    "laplace": "Laplaces",
    "cauchy": "Cauchys",
    "uniform": "uniforms",
    "densities": "all densities",
    "distributions": "all distributions",
}


@dataclass(frozen=True)
class Path:
    """A constant-speed geodesic ``t -> distribution`` on [0, 1].

    Attributes:
        start, end: the endpoints; ``path(0) is start`` and ``path(1) is end``.
        metric: canonical metric name ("fisher", "fisher-np", "wasserstein").
        title: the metric's display name ("Fisher-Rao", "Wasserstein-2").
        model: the manifold the path lives on ("normal", "categorical", "densities", ...).
        length: the geodesic distance between the endpoints (``inf`` where it is infinite).
        method: "closed form", "exact" (finite sums) or "quadrature (tol ...)".
    """

    start: Distribution
    end: Distribution
    metric: str
    title: str
    model: str
    length: float
    method: str
    point: Callable[[float], Distribution] = field(repr=False, compare=False)

    def __post_init__(self):
        if math.isnan(self.length):
            from ..errors import UnsupportedError

            raise UnsupportedError(f"{self.metric}: the distance between {self.start} and {self.end} could not be "
                                   "computed in floating point (the parameters are too extreme)")

    def __call__(self, t: float) -> Distribution:
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise ValidationError(f"path: `t` must be a number (got {t!r})", param="t") from None
        if not (0.0 <= t <= 1.0):
            raise ValidationError(f"path: `t` must be in [0, 1] (got {fmt(t) if math.isfinite(t) else t})", param="t")
        if t == 0.0:
            return self.start
        if t == 1.0:
            return self.end
        return self.point(t)

    @property
    def label(self) -> str:
        """Metric and model, as a panel title: "Fisher-Rao on normals", "Wasserstein-2"."""
        if self.metric == "wasserstein":
            return self.title
        return f"{self.title} on {MODEL_NAMES.get(self.model, self.model)}"
