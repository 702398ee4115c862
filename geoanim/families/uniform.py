"""The uniform law on [low, high]."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import Real, Univariate, as_array, fmt, out, param, register
from .charts import LocationScale


@register("uniform")
@dataclass(frozen=True)
class Uniform(Univariate):
    """Uniform law on [low, high]."""

    low: float = param(Real(), role="location", doc="left end")
    high: float = param(Real(), role="location", doc="right end, > low")
    family = "uniform"
    symbol = "U"
    # uniform(low, high) = low + width * U(0, 1): mean 1/2, variance 1/12
    location_scale = LocationScale(lambda d: (d.low, d.width), lambda a, b: Uniform(a, a + b), mean=0.5, var=1.0 / 12.0)

    def _check(self):
        lo, hi = self.low, self.high
        if not lo < hi:
            raise ValidationError(f"uniform: `low` must be < `high` (got {fmt(lo)} and {fmt(hi)})", param="high")
        if not math.isfinite(hi - lo):
            raise ValidationError(f"uniform: the width `high` - `low` must be finite (got {fmt(lo)} and {fmt(hi)})",
                                  param="high")

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def var(self) -> float:
        return self.width * self.width / 12.0  # * gives inf on overflow, ** raises

    @property
    def support(self):
        return (self.low, self.high)

    @property
    def breakpoints(self):
        return (self.low, self.high)

    def pdf(self, x):
        xa = as_array(x)
        return out(x, np.where((xa >= self.low) & (xa <= self.high), 1.0 / self.width, 0.0))

    def cdf(self, x):
        return out(x, np.clip((as_array(x) - self.low) / self.width, 0.0, 1.0))

    def sf(self, x):
        return out(x, np.clip((self.high - as_array(x)) / self.width, 0.0, 1.0))

    def ppf(self, u):
        return out(u, self.low + as_array(u) * self.width)

    def isf(self, v):
        return out(v, self.high - as_array(v) * self.width)

    def plot_range(self):
        pad = 0.25 * self.width
        return (self.low - pad, self.high + pad)

    def feature_points(self):
        eps = 1e-9 * max(1.0, abs(self.low), abs(self.high))
        return np.array([self.low - eps, self.low, self.high, self.high + eps])
