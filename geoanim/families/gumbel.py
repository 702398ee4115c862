"""The Gumbel (largest extreme value) law."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import HalfPlane, LocationScale
from .space import ParamSpace, location_scale_moments

EULER = 0.57721566490153286061  # γ, the mean of the standard Gumbel law

# I = [[1, γ - 1], [γ - 1, (1 - γ)² + π²/6]] / β², i.e. ds² = ((dμ + (γ - 1) dβ)² + (π²/6) dβ²) / β²:
# in u = μ + (γ - 1) β the half-plane k² ((a du)² + dβ²)/β² with k = π/√6, a = √6/π
# (docs/math.md#fisher-rao-location-scale-families-half-plane)
_K = math.pi / math.sqrt(6.0)


@register("gumbel")
@dataclass(frozen=True)
class Gumbel(Univariate):
    """Gumbel law (of maxima) with cdf exp(-exp(-(x - loc) / scale))."""

    loc: float = param(Real(), aliases=("mu",), role="location", doc="location (the mode)")
    scale: float = param(Positive(), aliases=("beta",), role="scale", doc="scale β (sd β·π/√6)")
    family = "gumbel"
    display_name = "Gumbel"
    plural = "Gumbel laws"
    symbol = "Gumbel"
    fisher_chart = HalfPlane("loc", "scale", k=_K, a=1.0 / _K, note="in (loc - (1 - \u03b3) scale, scale)",
                             get=lambda d: (d.loc - (1.0 - EULER) * d.scale, d.scale),
                             put=lambda d, u, b: Gumbel(u + (1.0 - EULER) * b, b),
                             gap=lambda p, q: (q.loc - p.loc - (1.0 - EULER) * (q.scale - p.scale), q.scale - p.scale))
    location_scale = LocationScale(lambda d: (d.loc, d.scale), lambda a, b: Gumbel(a, b), mean=EULER,
                                   var=math.pi ** 2 / 6.0)
    param_space = ParamSpace("loc", "scale", from_moments=location_scale_moments(EULER, math.pi ** 2 / 6.0),
                             xlabel="location (mode)", ylabel="scale \u03b2")

    @property
    def mean(self) -> float:
        return self.loc + EULER * self.scale

    @property
    def var(self) -> float:
        return self.scale * self.scale * (math.pi ** 2 / 6.0)

    def _z(self, x):
        return (as_array(x) - self.loc) / self.scale

    def logpdf(self, x):
        z = self._z(x)
        with np.errstate(over="ignore"):
            return out(x, -z - np.exp(-z) - math.log(self.scale))

    def pdf(self, x):
        return out(x, np.exp(as_array(self.logpdf(x))))

    def cdf(self, x):
        with np.errstate(over="ignore"):
            return out(x, np.exp(-np.exp(-self._z(x))))

    def sf(self, x):
        with np.errstate(over="ignore"):
            return out(x, -np.expm1(-np.exp(-self._z(x))))

    def ppf(self, u):
        with np.errstate(divide="ignore"):
            return out(u, self.loc - self.scale * np.log(-np.log(as_array(u))))

    def isf(self, v):
        with np.errstate(divide="ignore"):
            return out(v, self.loc - self.scale * np.log(-np.log1p(-as_array(v))))

    def plot_range(self):
        return (self.loc - 3.0 * self.scale, self.loc + 8.0 * self.scale)

    def feature_points(self):
        return np.concatenate([self.loc + self.scale * np.linspace(-4.0, 16.0, 161), [self.loc]])
