"""The Laplace (double exponential) law."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import HalfPlane, LocationScale
from .space import ParamSpace, location_scale_moments


@register("laplace")
@dataclass(frozen=True)
class Laplace(Univariate):
    """Laplace law with density exp(-|x - loc| / scale) / (2 scale)."""

    loc: float = param(Real(), aliases=("mu",), role="location", doc="location (mean and median)")
    scale: float = param(Positive(), aliases=("b",), role="scale", doc="scale b")
    family = "laplace"
    display_name = "Laplace"
    symbol = "Laplace"
    # I = diag(1/b², 1/b²): the plain half-plane in (loc, scale)
    fisher_chart = HalfPlane("loc", "scale", k=1.0, a=1.0)
    location_scale = LocationScale(lambda d: (d.loc, d.scale), lambda a, b: Laplace(a, b), mean=0.0, var=2.0)
    param_space = ParamSpace("loc", "scale", from_moments=location_scale_moments(0.0, 2.0), xlabel="location",
                             ylabel="scale b")

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def var(self) -> float:
        return 2.0 * self.scale * self.scale  # * gives inf on overflow, ** raises

    @property
    def breakpoints(self):
        return (self.loc,)

    def pdf(self, x):
        return out(x, np.exp(-np.abs(as_array(x) - self.loc) / self.scale) / (2 * self.scale))

    def logpdf(self, x):
        return out(x, -np.abs(as_array(x) - self.loc) / self.scale - math.log(2 * self.scale))

    def cdf(self, x):
        z = (as_array(x) - self.loc) / self.scale
        return out(x, np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0))))

    def sf(self, x):
        z = (self.loc - as_array(x)) / self.scale
        return out(x, np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0))))

    def ppf(self, u):
        ua = as_array(u)
        with np.errstate(divide="ignore"):
            lower = self.loc + self.scale * np.log(2 * np.minimum(ua, 0.5))
            upper = self.loc - self.scale * np.log(2 * (1 - np.maximum(ua, 0.5)))
        return out(u, np.where(ua < 0.5, lower, upper))

    def isf(self, v):
        return out(v, 2 * self.loc - as_array(self.ppf(v)))

    def plot_range(self):
        return (self.loc - 6 * self.scale, self.loc + 6 * self.scale)

    def feature_points(self):
        return np.concatenate([self.loc + 1.5 * self.scale * np.linspace(-6.0, 6.0, 161), [self.loc]])
