"""Wasserstein-2 geodesics on the line: McCann interpolation through quantile functions.

In one dimension the optimal coupling is monotone, so the geodesic from p to q is the law whose
quantile function is (1 - t) F^-1 + t G^-1 and W2^2 = int_0^1 (F^-1(u) - G^-1(u))^2 du.

* Two members of one location-scale family (normal, uniform, laplace, cauchy, exponential) stay
  in the family with linearly interpolated location and scale: closed form.
* Two discrete laws: the monotone coupling of their atoms, exactly (a finite sum).
* Anything else: the quantile integral by adaptive quadrature, and a QuantilePoint whose ppf is
  exactly the interpolated quantile function (pdf and cdf derived from it).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ._numeric import tanh_sinh_unit
from .base import Path
from .registry import register_metric

TITLE = "Wasserstein-2"


@dataclass(frozen=True)
class _LocationScale:
    """X = a + b Z with Z a fixed standard law of mean m1 and variance v: W2^2 = (da + m1 db)^2 + v db^2."""

    get: Callable[[fam.Distribution], tuple[float, float]]
    make: Callable[[float, float], fam.Distribution]
    m1: float
    v: float  # math.inf for Cauchy


_LOCATION_SCALE = {
    "normal": _LocationScale(lambda d: (d.mean, d.std), fam.Normal, 0.0, 1.0),
    "laplace": _LocationScale(lambda d: (d.loc, d.scale), fam.Laplace, 0.0, 2.0),
    "cauchy": _LocationScale(lambda d: (d.loc, d.scale), fam.Cauchy, 0.0, math.inf),
    # uniform(low, high) = low + width * U(0, 1): mean 1/2, variance 1/12
    "uniform": _LocationScale(lambda d: (d.low, d.width), lambda a, b: fam.Uniform(a, a + b), 0.5, 1.0 / 12.0),
    # exponential(rate) = (1/rate) * Exp(1): mean 1, variance 1
    "exponential": _LocationScale(lambda d: (0.0, 1.0 / d.rate), lambda a, b: fam.Exponential(1.0 / b), 1.0, 1.0),
}


def _location_scale_path(p, q) -> Path:
    ls = _LOCATION_SCALE[p.family]
    (a1, b1), (a2, b2) = ls.get(p), ls.get(q)
    da, db = a2 - a1, b2 - b1
    if math.isinf(ls.v):
        length = abs(da) if db == 0 else math.inf  # Cauchy: finite only for a pure shift
    else:
        length = math.hypot(da + ls.m1 * db, math.sqrt(ls.v) * db)
    return Path(p, q, "wasserstein", TITLE, p.family, length, "closed form",
                lambda t: ls.make(a1 + t * da, b1 + t * db))


def monotone_coupling(p: fam.Distribution, q: fam.Distribution):
    """Atoms of the monotone (optimal) coupling of two discrete laws: (x_i, y_j, mass) arrays."""
    lp, mp = p.atoms()
    lq, mq = q.atoms()
    cp, cq = np.cumsum(mp), np.cumsum(mq)
    cp, cq = cp / cp[-1], cq / cq[-1]  # both end at exactly 1.0, so no sliver segment at the end
    breaks = np.unique(np.concatenate([[0.0], cp, cq]))
    mass = np.diff(breaks)
    mid = 0.5 * (breaks[:-1] + breaks[1:])
    i = np.minimum(np.searchsorted(cp, mid, side="left"), lp.size - 1)
    j = np.minimum(np.searchsorted(cq, mid, side="left"), lq.size - 1)
    keep = mass > 0
    return lp[i[keep]], lq[j[keep]], mass[keep]


def _discrete_path(p, q) -> Path:
    x, y, m = monotone_coupling(p, q)
    # scaled by the largest move before squaring: (x - y)^2 underflowed to W2 = 0 for
    # dirac(0) vs dirac(1e-300) and overflowed to W2 = inf for dirac(0) vs dirac(1e200)
    scale = float(np.max(np.abs(x - y))) if x.size else 0.0
    length = scale * math.sqrt(math.fsum(m * ((x - y) / scale) ** 2)) if scale > 0 else 0.0

    def point(t):
        return fam.Points(tuple((1 - t) * x + t * y), tuple(m / math.fsum(m)))

    return Path(p, q, "wasserstein", TITLE, "distributions", length, "exact", point)


def _quantile_breaks(d: fam.Distribution) -> tuple[np.ndarray, np.ndarray]:
    """Where the quantile function jumps or bends, as lower-tail levels u and upper-tail levels v
    (for continuous laws: the levels of their breakpoints, e.g. each mixture component's centre)."""
    if d.kind == "continuous":
        xs = np.asarray(d.breakpoints, dtype=float)
        if xs.size < 2:
            return np.empty(0), np.empty(0)
        u = np.asarray(d.cdf(xs), dtype=float)
        v = np.asarray(d.sf(xs), dtype=float)
        return u[u < 0.5], v[v < 0.5]
    _, masses = d.atoms()
    c = np.cumsum(masses)
    return c[c < 0.5], (1.0 - c)[(1.0 - c) < 0.5]


def squared_distance_quantile(p: fam.Distribution, q: fam.Distribution) -> float:
    """W2^2 = int_0^1 (F^-1 - G^-1)^2 du, integrated as two halves so each tail uses its own
    accurate quantile (ppf near 0, isf near 1)."""
    bp_lo = np.concatenate([_quantile_breaks(p)[0], _quantile_breaks(q)[0]])
    bp_hi = np.concatenate([_quantile_breaks(p)[1], _quantile_breaks(q)[1]])
    lower = tanh_sinh_unit(lambda u: (p.ppf(u) - q.ppf(u)) ** 2, bp_lo)
    upper = tanh_sinh_unit(lambda v: (p.isf(v) - q.isf(v)) ** 2, bp_hi)
    return lower + upper


@functools.lru_cache(maxsize=256)
def quantile_covariance(p: fam.Distribution, q: fam.Distribution) -> float:
    """Cov(F^-1(U), G^-1(U)) for U uniform: the covariance of the optimal (monotone) coupling."""
    if p.kind == "discrete" and q.kind == "discrete":
        x, y, m = monotone_coupling(p, q)
        return math.fsum(m * (x - p.mean) * (y - q.mean))
    mp, mq = p.mean, q.mean
    bp_lo = np.concatenate([_quantile_breaks(p)[0], _quantile_breaks(q)[0]])
    bp_hi = np.concatenate([_quantile_breaks(p)[1], _quantile_breaks(q)[1]])
    lower = tanh_sinh_unit(lambda u: (p.ppf(u) - mp) * (q.ppf(u) - mq), bp_lo)
    upper = tanh_sinh_unit(lambda v: (p.isf(v) - mp) * (q.isf(v) - mq), bp_hi)
    return lower + upper


@fam.register("quantile_interpolant")
@dataclass(frozen=True)
class QuantilePoint(fam.Distribution):
    """The law whose quantile function is (1 - t) F^-1 + t G^-1: the W2 geodesic point at t."""

    start: fam.Distribution
    end: fam.Distribution
    t: float
    family: ClassVar[str] = "quantile_interpolant"
    SPEC_SIGNATURE: ClassVar = (("start", "end", "t"), 3, ("dist", "dist", "num"))

    def __post_init__(self):
        object.__setattr__(self, "t", fam.unit_time("quantile_interpolant", self.t))

    @property
    def kind(self) -> str:  # type: ignore[override]
        kinds = {self.start.kind, self.end.kind}
        if "continuous" in kinds and 0 < self.t < 1:
            return "continuous"  # a strictly increasing quantile plus a non-decreasing one has no flat part
        return "discrete" if kinds == {"discrete"} else "mixed"

    def __str__(self):
        return f"quantile_interpolant({self.start}, {self.end}, {fam.fmt(self.t)})"

    def params(self):
        return {"start": self.start.to_dict(), "end": self.end.to_dict(), "t": self.t}

    @property
    def support(self):
        (a0, a1), (b0, b1) = self.start.support, self.end.support
        return ((1 - self.t) * a0 + self.t * b0, (1 - self.t) * a1 + self.t * b1)

    @property
    def mean(self) -> float:
        return (1 - self.t) * self.start.mean + self.t * self.end.mean

    @property
    def var(self) -> float:
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.inf
        # Var(Q_t(U)) = (1-t)^2 Var p + t^2 Var q + 2 t (1-t) Cov(F^-1(U), G^-1(U)); the covariance of
        # the monotone coupling is one quadrature per pair, shared by every point of the path
        t = self.t
        cov = quantile_covariance(self.start, self.end)
        return max((1 - t) ** 2 * self.start.var + t * t * self.end.var + 2 * t * (1 - t) * cov, 0.0)

    def ppf(self, u):
        t = self.t
        return fam._out(u, (1 - t) * fam._as_array(self.start.ppf(u)) + t * fam._as_array(self.end.ppf(u)))

    def isf(self, v):
        t = self.t
        return fam._out(v, (1 - t) * fam._as_array(self.start.isf(v)) + t * fam._as_array(self.end.isf(v)))

    def cdf(self, x):
        xa = fam._as_array(x)
        return fam._out(x, fam.bisect_monotone(self.ppf, xa, np.zeros_like(xa), np.ones_like(xa), increasing=True))

    def sf(self, x):
        xa = fam._as_array(x)
        return fam._out(x, fam.bisect_monotone(self.isf, xa, np.zeros_like(xa), np.ones_like(xa), increasing=False))

    def quantile_density(self, u):
        """dQ_t/du = (1 - t) dF^-1/du + t dG^-1/du, each 1/density at the quantile (0 on atoms)."""
        ua = fam._as_array(u)
        total = np.zeros_like(ua)
        for w, d in ((1 - self.t, self.start), (self.t, self.end)):
            if w == 0 or d.kind == "discrete":
                continue
            xq = fam._as_array(d.ppf(ua))
            dens = fam._as_array(d.pdf(xq))
            with np.errstate(divide="ignore"):
                slope = np.where(dens > 0, 1.0 / dens, np.inf)
            if d.kind == "mixed":
                slope = np.where(fam._as_array(d.pmf(xq)) > 0, 0.0, slope)
            total = total + w * slope
        return fam._out(u, total)

    def pdf(self, x):
        if self.kind != "continuous":
            return super().pdf(x)
        xa = fam._as_array(x)
        u = np.clip(fam._as_array(self.cdf(xa)), 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = 1.0 / fam._as_array(self.quantile_density(u))
        inside = (u > 0) & (u < 1)
        # inside a gap of the support the quantile jumps over x: no density there
        q = fam._as_array(self.ppf(u))
        inside &= np.abs(q - xa) <= 1e-9 * (1 + np.abs(xa))
        return fam._out(x, np.where(inside & np.isfinite(dens), dens, 0.0))


def _quantile_path(p, q) -> Path:
    if p.heavy_tailed and q.heavy_tailed:
        raise UnsupportedError(
            "wasserstein: W2 between two heavy-tailed laws is supported for two cauchy laws only "
            f"(got {p} and {q})")
    if p.heavy_tailed or q.heavy_tailed:
        length, method = math.inf, "closed form (one law has no second moment)"
    else:
        length, method = math.sqrt(max(squared_distance_quantile(p, q), 0.0)), "quadrature"
    return Path(p, q, "wasserstein", TITLE, "distributions", length, method, lambda t: QuantilePoint(p, q, t))


@register_metric(
    "wasserstein", aliases=("w2", "wasserstein-2", "ot"), title=TITLE,
    summary="Wasserstein-2 (optimal transport): quantile interpolation on the line",
    support=[
        ("normal - normal", "normal", "closed form (Euclidean on (mean, std))"),
        ("uniform, laplace, exponential pairs", "same family", "closed form (location-scale)"),
        ("cauchy - cauchy", "cauchy", "closed form (finite only for equal scales)"),
        ("discrete - discrete (points, categorical, poisson)", "distributions", "exact (monotone coupling)"),
        ("any other 1-D pair", "distributions", "quadrature of quantile functions"),
        ("mvnormal - mvnormal", "mvnormal", "closed form (Bures-Wasserstein, McCann interpolant)"),
        ("cloud - cloud (points2d, samples)", "distributions", "exact coupling (assignment / network simplex)"),
    ])
def wasserstein(p: fam.Distribution, q: fam.Distribution) -> Path:
    if p.dim != 1 or q.dim != 1:
        from . import plane

        return plane.wasserstein(p, q)
    if p.family == q.family and p.family in _LOCATION_SCALE:
        return _location_scale_path(p, q)
    if p.kind == "discrete" and q.kind == "discrete":
        return _discrete_path(p, q)
    return _quantile_path(p, q)
