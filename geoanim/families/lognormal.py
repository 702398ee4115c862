"""The log-normal law: exp of a normal."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import HalfLine, Positive, Real, as_array, out, param, register
from .charts import ExponentialFamily, HalfPlane
from .normal import Normal
from .space import ParamSpace, lognormal_moments


def _normal(d: LogNormal) -> Normal:
    return Normal(d.mu, d.sigma)


def _through_log(step):
    """A normal family's e- or m-point for the logs, read back as a log-normal law."""
    def point(p: LogNormal, q: LogNormal, t: float) -> LogNormal:
        n = step(_normal(p), _normal(q), t)
        return LogNormal(n.mean, n.std)
    return point


def lognormal_w2(p, q) -> float:
    """W2 between two log-normals in closed form (the comonotone coupling: e^(μ + σz) against e^(μ' + σ'z)),
    cancellation-free: with A = μ + σ², B = μ' + σ'², δ = A - B and Δσ = σ - σ',
    W2 = e^((A+B)/2) √(4 sinh²(δ/2) - 2 expm1(-Δσ²/2)) (docs/math.md#wasserstein-2-location-scale-closed-form)."""
    dsig = p.sigma - q.sigma
    delta = (p.mu - q.mu) + dsig * (p.sigma + q.sigma)
    A, B = p.mu + p.sigma * p.sigma, q.mu + q.sigma * q.sigma
    if abs(delta) < 40.0:
        # √(4 sinh²(δ/2) + c) as hypot(δ·sinh(δ/2)/(δ/2), |Δσ|·√(c/Δσ²)): no square underflows (σ near 1e-158)
        x = 0.5 * dsig * dsig
        ratio = -math.expm1(-x) / x if x > 0.0 else 1.0
        shape = math.sinh(0.5 * delta) / (0.5 * delta) if delta != 0.0 else 1.0
        root = math.hypot(delta * shape, abs(dsig) * math.sqrt(ratio))
        if root == 0.0:
            return 0.0
        log_value = 0.5 * (A + B) + math.log(root)
    else:  # 4 sinh²(δ/2) = e^|δ| (1 - e^-|δ|)², and (A + B)/2 + |δ|/2 = max(A, B): no overflow on the way
        e = math.exp(-abs(delta))
        log_value = max(A, B) + 0.5 * math.log((1.0 - e) ** 2 - 2.0 * math.expm1(-0.5 * dsig * dsig) * e)
    return math.exp(log_value) if log_value < 709.0 else math.inf


@register("lognormal", "log_normal")
@dataclass(frozen=True)
class LogNormal(HalfLine):
    """Log-normal law: exp(X) for X ~ N(mu, sigma²)."""

    mu: float = param(Real(), aliases=("meanlog",), role=None, doc="mean of log X")
    sigma: float = param(Positive(upper=50.0), aliases=("sdlog", "s"), role=None, doc="sd of log X")
    family = "lognormal"
    display_name = "log-normal"
    symbol = "LogN"
    # x -> log x is a sufficient statistic's bijection: the Fisher metric is the normal's in (mu, sigma)
    fisher_chart = HalfPlane("mu", "sigma", k=math.sqrt(2.0), a=1.0 / math.sqrt(2.0), note="the normal's, of log x")
    param_space = ParamSpace("mu", "sigma", from_moments=lognormal_moments, xlabel="\u03bc (mean of log x)",
                             ylabel="\u03c3 (sd of log x)", symbols=("\u03bc", "\u03c3"))
    # T = (log x, log² x): the normal's straight lines and KL, for the logs
    comonotone_w2 = staticmethod(lognormal_w2)
    exponential_family = ExponentialFamily(
        e_point=_through_log(Normal.exponential_family.e_point),
        m_point=_through_log(Normal.exponential_family.m_point),
        kl=lambda p, q: Normal.exponential_family.kl(_normal(p), _normal(q)), note="T = (log x, log\u00b2 x)")

    @property
    def mean(self) -> float:
        try:
            return math.exp(self.mu + 0.5 * self.sigma * self.sigma)
        except OverflowError:  # mu near the float limit: the mean is past it
            return math.inf

    @property
    def var(self) -> float:
        s2 = self.sigma * self.sigma
        try:
            return math.expm1(s2) * math.exp(2.0 * self.mu + s2)
        except OverflowError:
            return math.inf

    def _z(self, x):
        xa = as_array(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (np.log(np.where(xa > 0, xa, 0.0)) - self.mu) / self.sigma

    def logpdf(self, x):
        xa = as_array(x)
        z = self._z(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = (-0.5 * z * z - np.log(np.where(xa > 0, xa, 1.0)) - math.log(self.sigma)
                      - 0.5 * math.log(2 * math.pi))
        return out(x, np.where(xa > 0, inside, -np.inf))

    def pdf(self, x):
        return out(x, np.exp(as_array(self.logpdf(x))))

    def cdf(self, x):
        from scipy.special import ndtr

        return out(x, ndtr(self._z(x)))

    def sf(self, x):
        from scipy.special import ndtr

        return out(x, ndtr(-self._z(x)))

    def ppf(self, u):
        from scipy.special import ndtri

        return out(u, np.exp(self.mu + self.sigma * ndtri(as_array(u))))

    def isf(self, v):
        from scipy.special import ndtri

        return out(v, np.exp(self.mu - self.sigma * ndtri(as_array(v))))

    def plot_range(self):
        hi = float(self.isf(5e-3))
        return (-0.05 * hi, hi)

    def feature_points(self):
        return np.concatenate([[-1e-12, 0.0], as_array(self.isf(np.geomspace(1e-6, 1.0 - 1e-9, 200)))])
