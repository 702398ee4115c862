"""The beta law on [0, 1].

Fisher-Rao has no closed form here; the geodesic equations are solved numerically
(geoanim.paths.bvp). In (a, b) the Fisher information is [[ψ1(a) - ψ1(s), -ψ1(s)], [-ψ1(s), ψ1(b) - ψ1(s)]],
s = a + b, whose determinant cancels to leading order for large a and b (ψ1(y) ~ 1/y). In
x = (log(a/b), log s), with m = a/s (so d log a = (1-m) dx1 + dx2, d log b = -m dx1 + dx2) and
E(y) = y²ψ1(y) - y (gamma.trigamma_excess), it is

    g11 = (1-m)² (a + E(a)) + m² (b + E(b)),  g12 = (1-m) E(a) - m E(b),  g22 = E(a) + E(b) - E(s),

entries of sizes ~s, ~1 and ~1/2 in which nothing cancels. The law is symmetric under x -> 1 - x with
(a, b) -> (b, a), and so is the metric (x1 -> -x1). As a, b -> 0 it degenerates towards the Bernoulli
law's one dimension (det g -> 2m(1-m)).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, Univariate, as_array, out, param, register
from .charts import ExponentialFamily, Riemannian, lerp, log_delta
from .dirichlet import simplex_kl, simplex_m_point, simplex_means
from .gamma import trigamma_excess
from .space import ParamSpace

# ---------------------------------------------------------------------------------------------
# the Fisher metric in x = (log(a/b), log(a + b)), as in the module docstring, and its derivatives
# ---------------------------------------------------------------------------------------------


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(m, 1 - m, a, b) at x, m = a/(a + b) = 1/(1 + e^-x1), each without cancellation."""
    e = np.exp(-np.abs(x[..., 0]))
    big = 1.0 / (1.0 + e)
    small = e / (1.0 + e)
    up = x[..., 0] >= 0
    m, n = np.where(up, big, small), np.where(up, small, big)
    s = np.exp(x[..., 1])
    return m, n, s * m, s * n


def _fields(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m, n, a, b = _split(x)
    s = np.exp(x[..., 1])
    e, du = trigamma_excess(np.stack([a, b, s]))
    ea, eb, es = e
    ua, ub, us = du
    fa, fb = a + ea, b + eb  # y²ψ1(y) and its derivative in log y, y + E'(y)
    fua, fub = a + ua, b + ub
    n2, m2 = n * n, m * m
    g = np.empty(x.shape + (2,))
    g[..., 0, 0] = n2 * fa + m2 * fb
    g[..., 0, 1] = g[..., 1, 0] = n * ea - m * eb
    g[..., 1, 1] = ea + eb - es
    # ∂/∂x1 moves log a by 1 - m and log b by -m (and m by m(1 - m)); ∂/∂x2 moves log a, log b, log s by 1
    mn = m * n
    dg = np.empty(x.shape + (2, 2))
    dg[..., 0, 0, 0] = n * (n2 * fua - 2.0 * mn * fa) + m * (2.0 * mn * fb - m2 * fub)
    dg[..., 1, 0, 0] = n2 * fua + m2 * fub
    dg[..., 0, 0, 1] = dg[..., 0, 1, 0] = n2 * ua + m2 * ub - mn * (ea + eb)
    dg[..., 1, 0, 1] = dg[..., 1, 1, 0] = dg[..., 0, 1, 1] = n * ua - m * ub
    dg[..., 1, 1, 1] = ua + ub - us
    return g, dg


def _coords(d: Beta) -> np.ndarray:
    return np.array([math.log(d.a) - math.log(d.b), math.log(d.a + d.b)])


def _delta(p: Beta, q: Beta) -> np.ndarray:
    da, db = log_delta(p.a, q.a), log_delta(p.b, q.b)
    s = p.a + p.b
    grow = ((q.a - p.a) + (q.b - p.b)) / s  # (a + b) of q over p's, minus 1, from the exact differences
    ds = math.log1p(grow) if abs(grow) < 0.5 else math.log(q.a + q.b) - math.log(s)
    return np.array([da - db, ds])


def _build(template: Beta, x: np.ndarray) -> Beta:
    _, _, a, b = _split(np.asarray(x, dtype=float))
    return Beta(float(a), float(b))


# ---------------------------------------------------------------------------------------------
# KL's straight lines: T = (log x, log(1 - x)), θ = (a - 1, b - 1), η = (ψ(a) - ψ(s), ψ(b) - ψ(s))
# (docs/math.md#kls-straight-lines-in-gamma-and-beta)
# ---------------------------------------------------------------------------------------------


def beta_kl(p: Beta, q: Beta) -> float:
    """KL(p‖q): the Dirichlet law's form with two components (dirichlet.simplex_kl), the Bregman
    divergence of log B(a, b) split into D_F parts and s_q KL(Bernoulli(m_q)‖Bernoulli(m_p)), each >= 0;
    the textbook form's seven terms cancel for close laws and for large a + b."""
    return simplex_kl(np.array([p.a, p.b]), np.array([q.a, q.b]))


def _beta_e_point(p: Beta, q: Beta, t: float) -> Beta:
    return Beta(lerp(p.a, q.a, t), lerp(p.b, q.b, t))


def _beta_m_point(p: Beta, q: Beta, t: float) -> Beta:
    """The beta law with η = (1-t) η_p + t η_q, η = (ψ(a) - ψ(s), ψ(b) - ψ(s)): dirichlet.simplex_m_point
    (one equation in log s, each of a and b an inverse digamma)."""
    eta = (1.0 - t) * simplex_means(np.array([p.a, p.b])) + t * simplex_means(np.array([q.a, q.b]))
    a, b = simplex_m_point(eta, lerp(math.log(p.a + p.b), math.log(q.a + q.b), t), "beta")
    return Beta(float(a), float(b))


@functools.lru_cache(maxsize=256)
def _log_beta(a: float, b: float) -> float:
    """log B(a, b), once per law (a quadrature asks for the density point by point)."""
    from scipy.special import betaln

    return float(betaln(a, b))


def _upper_tail(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """1 - I_x(a, b) for x < 1/2: scipy's betaincc where it exists (scipy >= 1.11), else 1 - I_x(a, b)."""
    try:
        from scipy.special import betaincc
    except ImportError:  # pragma: no cover - older scipy
        from scipy.special import betainc

        return 1.0 - betainc(a, b, x)
    return betaincc(a, b, x)


def _upper_quantile(a: float, b: float, v: np.ndarray) -> np.ndarray:
    """x with 1 - I_x(a, b) = v: scipy's betainccinv where it exists, else 1 - (the mirrored law's
    quantile), which keeps the upper tail's probability but not the digits of an x far below 1."""
    try:
        from scipy.special import betainccinv
    except ImportError:  # pragma: no cover - older scipy
        from scipy.special import betaincinv

        return 1.0 - betaincinv(b, a, v)
    return betainccinv(a, b, v)


def _far_tail(a: float, b: float, u: np.ndarray) -> np.ndarray:
    """x with I_x(a, b) = u for tiny u > 0: from I_x ~ x^a / (a B(a, b)) as x -> 0, refined by Newton's
    method on log I_x in log x (slope x p(x) / I_x), while betainc still resolves I_x."""
    from scipy.special import betainc

    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        logx = (np.log(u) + math.log(a) + _log_beta(a, b)) / a
        for _ in range(4):
            x = np.exp(logx)
            tail = betainc(a, b, x)
            logp = (a - 1.0) * logx + np.log1p(-x) * (b - 1.0) - _log_beta(a, b)
            step = (np.log(tail) - np.log(u)) / np.exp(logx + logp - np.log(tail))
            logx = np.where(np.isfinite(step) & (tail > 0), logx - step, logx)
        return np.where(u > 0, np.exp(logx), 0.0)


def _from_moments(mean: float, var: float) -> tuple[float, float] | None:
    """(a, b) of the beta law with this mean and variance (0 < mean < 1, var < mean (1 - mean))."""
    if not 0.0 < mean < 1.0:
        return None
    spread = mean * (1.0 - mean) / var - 1.0  # a + b
    if not spread > 0:
        return None
    return mean * spread, (1.0 - mean) * spread


@register("beta")
@dataclass(frozen=True)
class Beta(Univariate):
    """Beta law with density x^(a-1) (1-x)^(b-1) / B(a, b) on [0, 1]."""

    a: float = param(Positive(lower=1e-3, upper=1e6), aliases=("alpha",), role=None, doc="shape a (weight near 1)")
    b: float = param(Positive(lower=1e-3, upper=1e6), aliases=("beta",), role=None, doc="shape b (weight near 0)")
    family = "beta"
    plural = "beta laws"
    symbol = "Beta"
    fisher_chart = Riemannian(_coords, _delta, _build, _fields, names=("log(a/b)", "log(a + b)"),
                              note="numerical, in (log(a/b), log(a + b))")
    param_space = ParamSpace("a", "b", xlog=True, ylog=True, from_moments=_from_moments, xlabel="a", ylabel="b")
    # T = (log x, log(1 - x)) (docs/math.md#kls-straight-lines-in-gamma-and-beta)
    exponential_family = ExponentialFamily(e_point=_beta_e_point, m_point=_beta_m_point,
                                           kl=lambda p, q: beta_kl(p, q), note="T = (log x, log(1 - x))")

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def var(self) -> float:
        s = self.a + self.b
        return (self.a / s) * (self.b / s) / (s + 1.0)

    @property
    def support(self):
        return (0.0, 1.0)

    @property
    def breakpoints(self):
        return (0.0, 1.0)

    def logpdf(self, x):
        from scipy.special import xlog1py, xlogy

        if isinstance(x, float) and 0.0 < x < 1.0:  # quadratures ask for one point at a time
            return (self.a - 1.0) * math.log(x) + (self.b - 1.0) * math.log1p(-x) - _log_beta(self.a, self.b)
        xa = as_array(x)
        a, b = self.a, self.b
        inside = np.clip(xa, 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            # xlogy: 0·log 0 = 0, the finite density at an end where the exponent is 0 (a = 1 or b = 1)
            value = xlogy(a - 1.0, inside) + xlog1py(b - 1.0, -inside) - _log_beta(a, b)
        return out(x, np.where((xa >= 0.0) & (xa <= 1.0), value, -np.inf))

    def pdf(self, x):
        if isinstance(x, float) and 0.0 < x < 1.0:
            return math.exp(self.logpdf(x))
        return out(x, np.exp(as_array(self.logpdf(x))))

    def cdf(self, x):
        from scipy.special import betainc

        return out(x, betainc(self.a, self.b, np.clip(as_array(x), 0.0, 1.0)))

    def sf(self, x):
        from scipy.special import betainc

        xa = np.clip(as_array(x), 0.0, 1.0)
        # the upper tail by symmetry, I_(1-x)(b, a), where 1 - x is exact (x >= 1/2); below, the
        # complement itself (1 - x would round x < 1e-16 away, where the density may be infinite)
        value = betainc(self.b, self.a, 1.0 - xa)
        low = xa < 0.5
        if low.any():
            value = np.where(low, _upper_tail(self.a, self.b, np.where(low, xa, 0.0)), value)
        return out(x, value)

    def ppf(self, u):
        return out(u, self._quantile(as_array(u), lower=True))

    def isf(self, v):
        return out(v, self._quantile(as_array(v), lower=False))

    def _quantile(self, p: np.ndarray, lower: bool) -> np.ndarray:
        """The quantile at lower-tail probability p (``lower``) or upper-tail probability p.

        Each half is inverted from its own tail: I_x(a, b) = u below the median, 1 - I_x(a, b) = v
        above it, so 1 - p is formed only where it is exact (p >= 1/2, Sterbenz)."""
        from scipy.special import betaincinv

        u = p if lower else 1.0 - p
        v = 1.0 - p if lower else p
        upper_half = (p > 0.5) if lower else (p < 0.5)
        with np.errstate(invalid="ignore"):
            below = betaincinv(self.a, self.b, np.where(upper_half, 0.5, u))
            above = _upper_quantile(self.a, self.b, np.where(upper_half, v, 0.5))
            # scipy gives nan for tail probabilities below ~1e-200 (beta(2, 4) at 1e-300): the tail's own inverse
            below = np.where(np.isnan(below) & ~upper_half, _far_tail(self.a, self.b, u), below)
            above = np.where(np.isnan(above) & upper_half, 1.0 - _far_tail(self.b, self.a, v), above)
        return np.where(upper_half, above, below)

    def plot_range(self):
        lo, hi = float(self.ppf(1e-3)), float(self.isf(1e-3))
        width = hi - lo
        # a wall or a spike at an end belongs in the picture; a narrow bump far from both ends does not
        left = -0.05 if lo < 0.25 * width + 0.02 else lo - 0.08 * width
        right = 1.05 if 1.0 - hi < 0.25 * width + 0.02 else hi + 0.08 * width
        return (left, right)

    def feature_points(self):
        tail = np.geomspace(1e-9, 0.5, 100)
        return np.concatenate([[-1e-12, 0.0, 1.0, 1.0 + 1e-12], as_array(self.ppf(tail)), as_array(self.isf(tail))])
