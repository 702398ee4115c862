"""Student's t law with location and scale."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import HalfPlane, LocationScale
from .space import ParamSpace

MAX_DF = 1e6


def _k(d) -> float:
    return math.sqrt(2.0 * d.df / (d.df + 3.0))


def _a(d) -> float:
    return math.sqrt((d.df + 1.0) / (2.0 * d.df))


def _var(d) -> float:
    return d.df / (d.df - 2.0) if d.df > 2.0 else math.inf


@register("student", "t", "student_t")
@dataclass(frozen=True)
class Student(Univariate):
    """Student's t law with ``df`` degrees of freedom, shifted by ``loc`` and stretched by ``scale``."""

    df: float = param(Positive(lower=0.01, upper=MAX_DF), aliases=("nu",), role="shape", doc="degrees of freedom ν")
    loc: float = param(Real(), aliases=("mu",), role="location", doc="location (median)")
    scale: float = param(Positive(), aliases=("sigma",), role="scale", doc="scale σ")
    family = "student"
    display_name = "Student t"
    plural = "Student t laws"
    symbol = "t"
    # with ν fixed, I = diag((ν + 1)/(ν + 3), 2ν/(ν + 3)) / σ²: the half-plane with k² = 2ν/(ν + 3),
    # a² = (ν + 1)/(2ν) (ν = 1 is Cauchy's k² = 1/2, a = 1) (docs/math.md#fisher-rao-location-scale-families-half-plane)
    fisher_chart = HalfPlane("loc", "scale", k=_k, a=_a, note="equal df: k\u00b2 = 2\u03bd/(\u03bd + 3)", fixed=("df",))
    location_scale = LocationScale(lambda d: (d.loc, d.scale), lambda d, a, b: Student(d.df, a, b), mean=0.0,
                                   var=_var, fixed=("df",))
    param_space = ParamSpace("loc", "scale", fixed=("df",), xlabel="location", ylabel="scale")

    @property
    def heavy_tailed(self) -> bool:
        return self.df <= 2.0

    @property
    def tail_index(self) -> float:
        """The density falls as |x|^-(1 + ν) in both tails (ν = df): laws of different ν have no finite W2."""
        return self.df

    @property
    def mean(self) -> float:
        return self.loc if self.df > 1.0 else math.nan

    @property
    def var(self) -> float:
        z = _var(self) if self.df > 1.0 else math.inf
        return math.inf if z == math.inf else self.scale * self.scale * z  # not 0·inf where scale² underflows

    @property
    def breakpoints(self):
        return (self.loc,)

    def _z(self, x):
        return (as_array(x) - self.loc) / self.scale

    def logpdf(self, x):
        from scipy.special import gammaln

        nu = self.df
        c = gammaln(0.5 * (nu + 1.0)) - gammaln(0.5 * nu) - 0.5 * math.log(nu * math.pi) - math.log(self.scale)
        z = self._z(x)
        return out(x, c - 0.5 * (nu + 1.0) * np.log1p(z * z / nu))

    def pdf(self, x):
        return out(x, np.exp(as_array(self.logpdf(x))))

    def cdf(self, x):
        from scipy.special import stdtr

        return out(x, stdtr(self.df, self._z(x)))

    def sf(self, x):
        from scipy.special import stdtr

        return out(x, stdtr(self.df, -self._z(x)))

    def _t(self, u):
        """The standard quantile, from the nearer tail.

        stdtrit loses digits above 1/2, is infinite at 0 and goes wrong far out (p ~ 1e-200), where
        the tail p = C |t|^-ν (C = c ν^((ν-1)/2), c the density's constant) holds to 1 + O(1/t²): it
        is used once |t| > 1e8, below which stdtrit is accurate.
        """
        from scipy.special import gammaln, stdtrit

        nu = self.df
        ua = as_array(u)
        low = np.minimum(ua, 1.0 - ua)
        log_c = (gammaln(0.5 * (nu + 1.0)) - gammaln(0.5 * nu) - 0.5 * math.log(nu * math.pi)
                 + 0.5 * (nu - 1.0) * math.log(nu))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            far = np.exp((log_c - np.log(low)) / nu)
            near = np.abs(stdtrit(nu, np.where(low > 0.0, low, 0.5)))
        t = -np.where(far > 1e8, far, near)
        return np.where(ua > 0.5, -t, t)

    def ppf(self, u):
        return out(u, self.loc + self.scale * self._t(u))

    def isf(self, v):
        return out(v, self.loc - self.scale * self._t(v))

    def plot_range(self):
        from scipy.special import stdtrit

        half = min(max(4.0, -float(stdtrit(self.df, 0.01))), 30.0) * self.scale
        return (self.loc - half, self.loc + half)

    def feature_points(self):
        lo, hi = self.plot_range()
        return np.concatenate([np.linspace(lo, hi, 161), [self.loc]])
