"""The exponential law with rate λ."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import HalfLine, Positive, as_array, out, param, register
from .charts import ArcLength, ExponentialFamily, LocationScale, harmonic, lerp, log_delta, ratio_gap


@register("exponential")
@dataclass(frozen=True)
class Exponential(HalfLine):
    """Exponential law with density rate * exp(-rate * x) on x >= 0."""

    rate: float = param(Positive(), role="rate", doc="rate λ")
    family = "exponential"
    symbol = "Exp"
    # I(λ) = 1/λ², so arc length is |log λ| and log λ is linear in t
    fisher_chart = ArcLength("rate", math.log, math.exp, log_delta, note="log rate",
                             move=lambda a, s: a * math.exp(s))
    # exponential(rate) = (1/rate) * Exp(1): mean 1, variance 1
    # 1/λ2 - 1/λ1 = (λ1 - λ2) / λ1 / λ2, exact where the reciprocals are not
    location_scale = LocationScale(lambda d: (0.0, 1.0 / d.rate), lambda a, b: Exponential(1.0 / b), mean=1.0, var=1.0,
                                   delta=lambda p, q: (0.0, (p.rate - q.rate) / p.rate / q.rate))
    # T = x: θ = -λ, η = 1/λ; KL(p‖q) = r - 1 - log r with r = λq/λp
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: Exponential(lerp(p.rate, q.rate, t)),
        m_point=lambda p, q, t: Exponential(harmonic(p.rate, q.rate, t)),
        kl=lambda p, q: ratio_gap(p.rate, q.rate), note="T = x")

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    @property
    def var(self) -> float:
        m = 1.0 / self.rate  # not 1 / rate ** 2: ZeroDivisionError when rate ** 2 underflows
        return m * m

    def pdf(self, x):
        xa = as_array(x)
        with np.errstate(over="ignore"):
            return out(x, np.where(xa >= 0, self.rate * np.exp(-self.rate * np.maximum(xa, 0)), 0.0))

    def logpdf(self, x):
        xa = as_array(x)
        return out(x, np.where(xa >= 0, math.log(self.rate) - self.rate * np.maximum(xa, 0), -np.inf))

    def cdf(self, x):
        return out(x, -np.expm1(-self.rate * np.maximum(as_array(x), 0.0)))

    def sf(self, x):
        return out(x, np.exp(-self.rate * np.maximum(as_array(x), 0.0)))

    def ppf(self, u):
        with np.errstate(divide="ignore"):  # ppf(1) = inf
            return out(u, -np.log1p(-as_array(u)) / self.rate)

    def isf(self, v):
        with np.errstate(divide="ignore"):  # isf(0) = inf
            return out(v, -np.log(as_array(v)) / self.rate)

    def plot_range(self):
        hi = 6.0 / self.rate
        return (-0.08 * hi, hi)

    def feature_points(self):
        return np.concatenate([[-1e-12, 0.0], self.isf(np.geomspace(1e-6, 1.0, 200))])
