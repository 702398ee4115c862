"""The result type of every geodesic: a callable path with its length and the manifold it lives on."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import UnsupportedError, ValidationError
from ..families import Distribution, family_classes, fmt

# models that are not a family: the nonparametric manifolds
SPACE_NAMES = {"densities": "all densities", "distributions": "all distributions"}

CurveFactory = Callable[[np.ndarray], Callable[[float], tuple[np.ndarray, np.ndarray]]]


def model_name(model: str) -> str:
    """Plural human name of a model, for titles: "normals", "Poissons", "all densities"."""
    cls = family_classes().get(model)
    return cls.plural_name() if cls is not None else SPACE_NAMES.get(model, model)


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
        point: t -> the distribution at t, for 0 < t < 1.
        label: metric and model as a panel title: "Fisher-Rao on normals", "Wasserstein-2".
        curve: optional, for plots: ``curve(grid)`` precomputes what every frame shares and
            returns ``t -> (x, density)``, an exact density curve of the point at t.
    """

    start: Distribution
    end: Distribution
    metric: str
    title: str
    model: str
    length: float
    method: str
    point: Callable[[float], Distribution] = field(repr=False, compare=False)
    label: str = ""
    curve: CurveFactory | None = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        if math.isnan(self.length):
            raise UnsupportedError(f"{self.metric or 'geodesic'}: the distance between {self.start} and {self.end} "
                                   "could not be computed in floating point (the parameters are too extreme)")

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

    def reversed(self) -> Path:
        """The same curve run from ``end`` to ``start``."""
        point, curve = self.point, self.curve
        back: CurveFactory | None = None
        if curve is not None:
            def back_curve(grid: np.ndarray) -> Callable[[float], tuple[np.ndarray, np.ndarray]]:
                at = curve(grid)
                return lambda t: at(1.0 - t)

            back = back_curve

        return replace(self, start=self.end, end=self.start, point=lambda t: point(1.0 - t), curve=back)


def geodesic_path(p: Distribution, q: Distribution, *, model: str, length: float, method: str,
                  point: Callable[[float], Distribution], curve: CurveFactory | None = None) -> Path:
    """A Path as a builder returns it; the registry fills in the metric, its title and the label."""
    return Path(p, q, "", "", model, length, method, point, curve=curve)
