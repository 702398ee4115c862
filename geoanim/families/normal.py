"""The normal law N(mean, std²)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import ExponentialFamily, HalfPlane, LocationScale, lerp, precision_mix, square_gap


@register("normal", "gaussian", "N")
@dataclass(frozen=True)
class Normal(Univariate):
    """Normal law N(mean, std^2)."""

    mean: float = param(Real(), aliases=("mu", "loc"), role="location", doc="mean")
    std: float = param(Positive(), aliases=("sigma", "sd", "scale"), role="scale", doc="standard deviation")
    family = "normal"
    symbol = "N"
    # ds² = (dμ² + 2dσ²)/σ² = 2((dμ/√2)² + dσ²)/σ²: the half-plane in (μ/√2, σ), scaled by √2
    fisher_chart = HalfPlane("mean", "std", k=math.sqrt(2.0), a=1.0 / math.sqrt(2.0), note="curvature -1/2")
    location_scale = LocationScale(lambda d: (d.mean, d.std), lambda a, b: Normal(a, b), mean=0.0, var=1.0)
    # T = (x, x²): θ = (μ/σ², -1/(2σ²)), η = (μ, μ² + σ²) (docs/math.md#kls-own-straight-lines)
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: _e_point(p, q, t), m_point=lambda p, q, t: _m_point(p, q, t),
        kl=lambda p, q: 0.5 * square_gap(p.std, q.std) + 0.5 * ((p.mean - q.mean) / q.std) ** 2,
        note="T = (x, x\u00b2)")

    def describe(self, exact: bool = False) -> str:
        text = super().describe(exact)
        return text[:-1] + "\u00b2)"  # N(mean, std²)

    @property
    def var(self) -> float:
        return self.std * self.std  # not std ** 2: float ** raises OverflowError where * gives inf

    @property
    def breakpoints(self):
        return (self.mean,)

    def pdf(self, x):
        z = (as_array(x) - self.mean) / self.std
        return out(x, np.exp(-0.5 * z * z) / (self.std * math.sqrt(2 * math.pi)))

    def logpdf(self, x):
        z = (as_array(x) - self.mean) / self.std
        return out(x, -0.5 * z * z - math.log(self.std) - 0.5 * math.log(2 * math.pi))

    def cdf(self, x):
        from scipy.special import ndtr

        return out(x, ndtr((as_array(x) - self.mean) / self.std))

    def sf(self, x):
        from scipy.special import ndtr

        return out(x, ndtr((self.mean - as_array(x)) / self.std))

    def ppf(self, u):
        from scipy.special import ndtri

        return out(u, self.mean + self.std * ndtri(as_array(u)))

    def isf(self, v):
        from scipy.special import ndtri

        return out(v, self.mean - self.std * ndtri(as_array(v)))

    def plot_range(self):
        return (self.mean - 4 * self.std, self.mean + 4 * self.std)

    def feature_points(self):
        return self.mean + self.std * np.linspace(-6.0, 6.0, 161)


def _e_point(p: Normal, q: Normal, t: float) -> Normal:
    """Precisions linear in t, the mean their weighted mean: the normalised p^(1-t) q^t."""
    s, w = precision_mix(p.std, q.std, t)
    return Normal(lerp(p.mean, q.mean, w), s)


def _m_point(p: Normal, q: Normal, t: float) -> Normal:
    """The mixture's mean and variance: σ² = (1-t)σp² + tσq² + t(1-t)Δμ² (in units of the largest)."""
    dm = q.mean - p.mean
    m = max(p.std, q.std, abs(dm))
    a, b, c = p.std / m, q.std / m, dm / m
    return Normal(lerp(p.mean, q.mean, t), m * math.sqrt((1 - t) * a * a + t * b * b + t * (1 - t) * c * c))
