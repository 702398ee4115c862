"""The Weibull law."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import HalfLine, Positive, as_array, out, param, register
from .charts import ExponentialFamily, HalfPlane, LocationScale, expm1_gap, log_delta
from .gumbel import EULER
from .space import ParamSpace

# log X is a Gumbel law of minima with location log λ and scale 1/k, and -log X a Gumbel law of
# maxima: the Fisher metric is Gumbel's, in u = log λ + (1 - γ)/k and β = 1/k
# (docs/math.md#fisher-rao-location-scale-families-half-plane)
_K = math.pi / math.sqrt(6.0)


def _log_moments(k: float) -> tuple[float, float]:
    """Logs of the mean and variance of Weibull(k, 1): Γ(1 + 1/k) and Γ(1 + 2/k) - Γ(1 + 1/k)²
    (logs, so a scale's power and Γ's overflow meet without 0·inf)."""
    from scipy.special import gammaln

    g1 = float(gammaln(1.0 + 1.0 / k))
    return g1, 2.0 * g1 + math.log(math.expm1(float(gammaln(1.0 + 2.0 / k)) - 2.0 * g1))


def _power_mix(p: Weibull, q: Weibull, t: float, sign: float) -> Weibull:
    """The Weibull law of p's shape k whose λ^(sign k) is the lerp of the ends': sign -1 straight in
    θ = -λ^-k (e-geodesic), +1 straight in η = E x^k = λ^k (m-geodesic). In units of the end whose
    power is the larger, so every term is in [0, 1] (no overflow for large k)."""
    k = p.shape
    big = max(p.scale, q.scale) if sign > 0 else min(p.scale, q.scale)
    total = (1.0 - t) * (p.scale / big) ** (sign * k) + t * (q.scale / big) ** (sign * k)
    return Weibull(k, big * total ** (sign / k))


def _weibull_kl(p: Weibull, q: Weibull) -> float:
    """KL(p‖q) for one shape k: r - 1 - log r with r = (λ_p/λ_q)^k, log r = k log(λ_p/λ_q)."""
    return expm1_gap(p.shape * log_delta(q.scale, p.scale))


def _exp(x: float) -> float:
    return math.exp(x) if x < 709.0 else math.inf


@register("weibull")
@dataclass(frozen=True)
class Weibull(HalfLine):
    """Weibull law with cdf 1 - exp(-(x / scale)^shape) on x >= 0."""

    shape: float = param(Positive(lower=0.01, upper=1e4), aliases=("k",), role="shape", doc="shape k")
    scale: float = param(Positive(), aliases=("lam", "lambda_"), role="scale", doc="scale λ")
    family = "weibull"
    display_name = "Weibull"
    plural = "Weibull laws"
    symbol = "Weibull"
    fisher_chart = HalfPlane("scale", "shape", k=_K, a=1.0 / _K, note="Gumbel's, through log x",
                             get=lambda d: (math.log(d.scale) + (1.0 - EULER) / d.shape, 1.0 / d.shape),
                             put=lambda d, u, b: Weibull(1.0 / b, math.exp(u - (1.0 - EULER) * b)),
                             gap=lambda p, q: (log_delta(p.scale, q.scale) + (1.0 - EULER) * (p.shape - q.shape)
                                               / (p.shape * q.shape), (p.shape - q.shape) / (p.shape * q.shape)))
    # with the shape fixed, a scale family: X = λ Z
    location_scale = LocationScale(lambda d: (0.0, d.scale), lambda d, a, b: Weibull(d.shape, b),
                                   mean=lambda d: _exp(_log_moments(d.shape)[0]),
                                   var=lambda d: _exp(_log_moments(d.shape)[1]),
                                   sd=lambda d: _exp(0.5 * _log_moments(d.shape)[1]),
                                   fixed=("shape",))
    param_space = ParamSpace("shape", "scale", xlog=True, ylog=True, xlabel="shape k", ylabel="scale \u03bb")
    # with the shape fixed, T = x^k: θ = -λ^-k, η = λ^k (docs/math.md#kls-straight-lines-in-gamma-and-beta)
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: _power_mix(p, q, t, -1.0), m_point=lambda p, q, t: _power_mix(p, q, t, 1.0),
        kl=_weibull_kl, same_model=lambda p, q: p.shape == q.shape, note="T = x\u1d4f (equal shape k)")

    @property
    def mean(self) -> float:
        return _exp(math.log(self.scale) + _log_moments(self.shape)[0])

    @property
    def var(self) -> float:
        return _exp(2.0 * math.log(self.scale) + _log_moments(self.shape)[1])

    def _r(self, x):
        return np.maximum(as_array(x), 0.0) / self.scale

    def logpdf(self, x):
        xa = as_array(x)
        r = self._r(x)
        k = self.shape
        at0 = math.inf if k < 1.0 else (-math.log(self.scale) if k == 1.0 else -math.inf)  # the density at 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inside = np.where(r > 0, math.log(k / self.scale) + (k - 1.0) * np.log(np.where(r > 0, r, 1.0)) - r ** k,
                              at0)
        return out(x, np.where(xa >= 0, inside, -np.inf))

    def pdf(self, x):
        return out(x, np.exp(as_array(self.logpdf(x))))

    def cdf(self, x):
        with np.errstate(over="ignore"):
            return out(x, -np.expm1(-self._r(x) ** self.shape))

    def sf(self, x):
        with np.errstate(over="ignore"):
            return out(x, np.exp(-self._r(x) ** self.shape))

    def ppf(self, u):
        with np.errstate(divide="ignore"):
            return out(u, self.scale * (-np.log1p(-as_array(u))) ** (1.0 / self.shape))

    def isf(self, v):
        with np.errstate(divide="ignore"):
            return out(v, self.scale * (-np.log(as_array(v))) ** (1.0 / self.shape))

    def plot_range(self):
        hi = float(self.isf(1e-3))
        return (-0.05 * hi, hi)

    def feature_points(self):
        return np.concatenate([[-1e-12, 0.0], as_array(self.isf(np.geomspace(1e-6, 1.0 - 1e-9, 200)))])
