"""The Cauchy law: no mean, infinite variance."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import HalfPlane, LocationScale
from .space import ParamSpace


@register("cauchy")
@dataclass(frozen=True)
class Cauchy(Univariate):
    """Cauchy law with density 1 / (pi scale (1 + ((x - loc) / scale)^2)); no mean, infinite variance."""

    loc: float = param(Real(), aliases=("x0",), role="location", doc="location (median)")
    scale: float = param(Positive(), aliases=("gamma",), role="scale", doc="scale γ (half width at half maximum)")
    family = "cauchy"
    display_name = "Cauchy"
    symbol = "Cauchy"
    second_moment = False
    # I = diag(1, 1) / (2 γ²): the half-plane in (loc, scale), scaled by 1/√2
    fisher_chart = HalfPlane("loc", "scale", k=1.0 / math.sqrt(2.0), a=1.0, note="half-plane / \u221a2")
    location_scale = LocationScale(lambda d: (d.loc, d.scale), lambda a, b: Cauchy(a, b), mean=0.0, var=math.inf)
    param_space = ParamSpace("loc", "scale", xlabel="location", ylabel="scale \u03b3")

    @property
    def tail_index(self) -> float:
        """The density falls as |x|^-(1 + ν) in both tails (ν = 1): laws of different ν have no finite W2."""
        return 1.0

    @property
    def mean(self) -> float:
        return math.nan  # undefined, not a number we failed to compute

    @property
    def var(self) -> float:
        return math.inf

    @property
    def breakpoints(self):
        return (self.loc,)

    def pdf(self, x):
        z = (as_array(x) - self.loc) / self.scale
        return out(x, 1.0 / (math.pi * self.scale * (1.0 + z * z)))

    def cdf(self, x):
        # arctan2(1, -z)/pi keeps relative precision in the lower tail, where 0.5 + atan(z)/pi cancels
        return out(x, np.arctan2(1.0, (self.loc - as_array(x)) / self.scale) / math.pi)

    def sf(self, x):
        return out(x, np.arctan2(1.0, (as_array(x) - self.loc) / self.scale) / math.pi)

    def ppf(self, u):
        ua = as_array(u)
        with np.errstate(divide="ignore"):
            return out(u, self.loc - self.scale / np.tan(math.pi * ua))

    def isf(self, v):
        va = as_array(v)
        with np.errstate(divide="ignore"):
            return out(v, self.loc + self.scale / np.tan(math.pi * va))

    def plot_range(self):
        return (self.loc - 10 * self.scale, self.loc + 10 * self.scale)

    def feature_points(self):
        return np.concatenate([self.loc + 2.0 * self.scale * np.linspace(-6.0, 6.0, 161), [self.loc]])
