"""The logistic law."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import HalfPlane, LocationScale
from .space import ParamSpace, location_scale_moments

# I = diag(1/3, (π² + 3)/9) / s² (docs/math.md#fisher-rao-location-scale-families-half-plane): the half-plane
# k² ((a dμ)² + ds²)/s² with k² = (π² + 3)/9 and k² a² = 1/3
_K = math.sqrt((math.pi ** 2 + 3.0) / 9.0)
_A = math.sqrt(3.0 / (math.pi ** 2 + 3.0))


@register("logistic")
@dataclass(frozen=True)
class Logistic(Univariate):
    """Logistic law with cdf 1 / (1 + exp(-(x - loc) / scale))."""

    loc: float = param(Real(), aliases=("mu",), role="location", doc="location (mean, median and mode)")
    scale: float = param(Positive(), aliases=("s",), role="scale", doc="scale s (sd s·π/√3)")
    family = "logistic"
    plural = "logistic laws"
    symbol = "Logistic"
    fisher_chart = HalfPlane("loc", "scale", k=_K, a=_A, note="curvature -9/(\u03c0\u00b2 + 3)")
    location_scale = LocationScale(lambda d: (d.loc, d.scale), lambda a, b: Logistic(a, b), mean=0.0,
                                   var=math.pi ** 2 / 3.0)
    param_space = ParamSpace("loc", "scale", from_moments=location_scale_moments(0.0, math.pi ** 2 / 3.0),
                             xlabel="location", ylabel="scale s")

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def var(self) -> float:
        return self.scale * self.scale * (math.pi ** 2 / 3.0)

    def _z(self, x):
        return (as_array(x) - self.loc) / self.scale

    def pdf(self, x):
        z = np.abs(self._z(x))
        e = np.exp(-z)  # e^-|z| / (1 + e^-|z|)²: no overflow in either tail
        return out(x, e / (1.0 + e) ** 2 / self.scale)

    def logpdf(self, x):
        z = np.abs(self._z(x))
        return out(x, -z - 2.0 * np.log1p(np.exp(-z)) - math.log(self.scale))

    def cdf(self, x):
        from scipy.special import expit

        return out(x, expit(self._z(x)))

    def sf(self, x):
        from scipy.special import expit

        return out(x, expit(-self._z(x)))

    def ppf(self, u):
        from scipy.special import logit

        return out(u, self.loc + self.scale * logit(as_array(u)))

    def isf(self, v):
        from scipy.special import logit

        return out(v, self.loc - self.scale * logit(as_array(v)))

    def plot_range(self):
        return (self.loc - 8.0 * self.scale, self.loc + 8.0 * self.scale)

    def feature_points(self):
        return np.concatenate([self.loc + self.scale * np.linspace(-12.0, 12.0, 161), [self.loc]])
