"""The result type of every geodesic: a callable path with its length and the manifold it lives on."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError, ValidationError
from ..families import Distribution, family_classes, fmt

# models that are not a family: the nonparametric manifolds
SPACE_NAMES = {"densities": "all densities", "distributions": "all distributions", "measures": "all measures"}

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
        error: an estimate of the absolute error of ``length`` where it is computed to less than
            full precision (a curve's arc length by chords), else 0.
        arc: for a curve that does not run at constant speed (KL's straight lines), t -> the
            length of its piece from 0 to t (captions: "FR length 2.1 of 8"); None means t·length.
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
    error: float = 0.0
    arc: Callable[[float], float] | None = field(default=None, repr=False, compare=False)

    def travelled(self, t: float) -> float:
        """The length of the path's piece from 0 to t."""
        if self.arc is None or math.isinf(self.length):
            return t * self.length
        return self.length if t >= 1.0 else 0.0 if t <= 0.0 else min(max(self.arc(t), 0.0), self.length)

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

    def divergences(self) -> tuple[float, float]:
        """(KL(start‖end), KL(end‖start)): divergences, not distances (inf where a support is not
        contained in the other)."""
        from .divergence import divergences

        return divergences(self.start, self.end)

    def reversed(self) -> Path:
        """The same curve run from ``end`` to ``start``."""
        point, curve = self.point, self.curve
        back: CurveFactory | None = None
        if curve is not None:
            def back_curve(grid: np.ndarray) -> Callable[[float], tuple[np.ndarray, np.ndarray]]:
                at = curve(grid)
                return lambda t: at(1.0 - t)

            back = back_curve

        arc = self.arc
        back_arc = None if arc is None else (lambda t: self.length - arc(1.0 - t))
        return replace(self, start=self.end, end=self.start, point=lambda t: point(1.0 - t), curve=back,
                       arc=back_arc)


def geodesic_path(p: Distribution, q: Distribution, *, model: str, length: float, method: str,
                  point: Callable[[float], Distribution], curve: CurveFactory | None = None,
                  error: float = 0.0, arc: Callable[[float], float] | None = None) -> Path:
    """A Path as a builder returns it; the registry fills in the metric, its title and the label."""
    return Path(p, q, "", "", model, length, method, point, curve=curve, error=error, arc=arc)


class BetweenTwo:
    """For a law on the line built from two laws ``start`` and ``end`` (a point of a path between them):
    the span, kinks and plotting hints are the union of theirs."""

    start: fam.Univariate
    end: fam.Univariate

    @property
    def support(self):
        return (min(self.start.support[0], self.end.support[0]), max(self.start.support[1], self.end.support[1]))

    @property
    def breakpoints(self):
        return tuple(sorted({*self.start.breakpoints, *self.end.breakpoints}))

    def plot_range(self):
        a, b = self.start.plot_range(), self.end.plot_range()
        return (min(a[0], b[0]), max(a[1], b[1]))

    def feature_points(self):
        return np.concatenate([self.start.feature_points(), self.end.feature_points()])


class PlanarPair(fam.Multivariate):
    """For a planar law built from two planar laws: their dimension, and their kind when they share one."""

    start: fam.Multivariate
    end: fam.Multivariate

    @property
    def dim(self) -> int:  # type: ignore[override]  # a property for the base's class attribute
        return self.start.dim

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def bulk(self, xy: np.ndarray) -> np.ndarray | None:
        masks = [m for m in (self.start.bulk(xy), self.end.bulk(xy)) if m is not None]
        return None if not masks else (masks[0] & masks[1] if len(masks) == 2 else masks[0])

    def outline(self) -> np.ndarray | None:
        return self.start.outline()
