"""The uniform law on [low, high]."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

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
    # uniform(low, high) = low + width * U(0, 1): mean 1/2, variance 1/12. The widths are rounded
    # (high - low), so their change comes from the four ends exactly (see width_change)
    location_scale = LocationScale(lambda d: (d.low, d.width), lambda a, b: Uniform(a, a + b), mean=0.5, var=1.0 / 12.0,
                                   delta=lambda p, q: (q.low - p.low, p.width_change(q)))

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

    def width_change(self, other: Uniform) -> float:
        """other.width - self.width, from the four ends exactly, rounded once: each width is rounded on
        its own, so the difference of the rounded widths can lose every digit (uniform(-3, 5.7) to
        uniform(-3.000000000001, 5.7): the rounded widths differ by 9e-4 relative to the true 1e-12)."""
        return _exact_sum(other.high, -other.low, -self.high, self.low)

    def overlap(self, other: Uniform) -> float:
        """The length of the intersection of the two supports (0 if they are disjoint), rounded once."""
        lo, hi = max(self.low, other.low), min(self.high, other.high)
        return hi - lo if hi > lo else 0.0

    def outside(self, other: Uniform) -> float:
        """The length of this law's support outside the other's, width - overlap, from the ends exactly
        and rounded once (the rounded width minus the overlap is 0 for uniform(-1.45e-21, 1) against
        uniform(-1.44e-21, 1), whose supports differ by 1e-23)."""
        if other.high <= self.low or other.low >= self.high:  # disjoint: all of it
            return self.width
        parts = [other.low, -self.low] if other.low > self.low else []
        if self.high > other.high:
            parts += [self.high, -other.high]
        return _exact_sum(*parts)

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


def _exact_sum(*xs: float) -> float:
    """The exact sum of the floats xs, rounded once (inf where it overflows)."""
    total = sum((Fraction(x) for x in xs), Fraction(0))
    try:
        return float(total)
    except OverflowError:
        return math.copysign(math.inf, total)
