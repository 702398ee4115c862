"""Fisher-Rao geodesics: closed forms by reduction to known spaces, and the nonparametric sphere.

* normal, laplace, cauchy: scaled Poincare half-plane (curvature -1/k^2),
* categorical: the sphere of radius 2 through p -> 2 sqrt(p),
* exponential, poisson: one-dimensional, reparametrised to arc length,
* anything else: the nonparametric geometry on all densities (the same sphere in L^2).

Distances are evaluated in forms without cancellation near 0 (asinh, atan2, Hellinger sums).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import families as fam
from ._numeric import integrate_line, scalar
from .base import Path
from .registry import register_metric

TITLE = "Fisher-Rao"

# ---------------------------------------------------------------------------------------------
# The hyperbolic half-plane (curvature -1), shared by normal, Laplace and Cauchy
# ---------------------------------------------------------------------------------------------


def halfplane_distance(x1: float, y1: float, x2: float, y2: float) -> float:
    """Hyperbolic distance in the upper half-plane with ds^2 = (dx^2 + dy^2) / y^2.

    2 asinh(|z1 - z2| / (2 sqrt(y1 y2))) is arccosh(1 + |z1 - z2|^2 / (2 y1 y2)) without the
    cancellation of arccosh near 1, so tiny distances keep full relative precision.
    """
    return 2.0 * math.asinh(math.hypot(x1 - x2, y1 - y2) / (2.0 * math.sqrt(y1) * math.sqrt(y2)))


def halfplane_geodesic(x1: float, y1: float, x2: float, y2: float):
    """Constant-speed geodesic from (x1, y1) to (x2, y2): returns ``t -> (x, y)``.

    The isometry z -> (z - x1) / y1 sends the start to i. A unit-speed geodesic leaving i with
    direction angle alpha (0 = straight up, positive = towards -x) is
        y(s) = 1 / D(s),  x(s) = -sin(alpha) sinh(s) / D(s),
        D(s) = cos^2(alpha/2) e^-s + sin^2(alpha/2) e^s,
    a sum of positive terms, so neither near-vertical geodesics (whose circle centre runs off to
    infinity) nor extreme scale ratios lose precision. alpha = atan2(-2X, X^2 + Y^2 - 1) for the
    normalised target (X, Y), with Y^2 - 1 formed as (Y - 1)(Y + 1) from y2 - y1.

    Evaluated so that nothing cancels, overflows or goes subnormal (each of these once did):
    * both atan2 arguments are multiplied by y1^2 / M^2 (M the largest of |x2 - x1|, y1, y2):
      X^2 + Y^2 overflowed beyond scale ratios of ~1e154, and normal(0, 1e-160) -> normal(1, 1)
      stayed at mean 0 and ended at normal(0, 1.5);
    * sin(alpha) and the half angles come from the atan2 arguments, not from alpha: near
      alpha = pi (heading straight down) sin(alpha) kept only |alpha - pi| / 1e-16 of its digits,
      and normal(3, 1e10) -> normal(-2, 1e-10) ended at mean -2.0000011 (18 nats from q);
    * D = A^2 + B^2 with A = cos(alpha/2) e^(-s/2), B = sin(alpha/2) e^(s/2) (sin^2(alpha/2)
      alone went subnormal), and beyond s = 700 both divided by sh^2 e^s (sinh and exp
      overflowed on paths such as normal(0, 1) -> normal(1e200, 1)).
    """
    M = max(abs(x2 - x1), y1, y2)
    u, v1, v2, w = (x2 - x1) / M, y1 / M, y2 / M, (y2 - y1) / M
    py, px = -2.0 * u * v1, u * u + w * (v1 + v2)  # (sin alpha, cos alpha) times r
    r = math.hypot(py, px)
    if r == 0.0:
        return lambda t: (x1, y1)
    s = halfplane_distance(x1, y1, x2, y2)
    sin_a = py / r
    if px >= 0.0:  # |alpha| <= pi/2: cos(alpha/2) = sqrt((1 + cos alpha) / 2) does not cancel
        ch = math.sqrt(0.5 + 0.5 * px / r)
        sh = 0.5 * sin_a / ch
    else:  # |alpha| > pi/2: sin(alpha/2) = sqrt((1 - cos alpha) / 2) does not cancel
        sh = math.copysign(math.sqrt(0.5 - 0.5 * px / r), py)
        ch = 0.5 * sin_a / sh

    def at(t: float) -> tuple[float, float]:
        st = t * s
        if st < 700.0:
            A, B = ch * math.exp(-0.5 * st), sh * math.exp(0.5 * st)
            y = y1 / (A * A + B * B)
            return x1 + y * (-sin_a * math.sinh(st)), y
        # far out e^st overflows: divide D and sinh(st) by sh^2 e^st first (sh != 0 here unless
        # the geodesic is vertical; e^(-st/2) only underflows beyond scale ratios of 1e300)
        h = math.exp(-0.5 * st)
        if sh == 0.0:
            return x1, y1 / h / h if h > 0 else math.inf
        g = h / sh
        rho = ch * h * g
        y = (y1 / sh) * g * h / (1.0 + rho * rho)
        off = -ch * (-math.expm1(-2.0 * st)) * (y1 / sh) / (1.0 + rho * rho)
        return x1 + off, y

    return at


@dataclass(frozen=True)
class _HalfPlaneFamily:
    """A two-parameter family whose Fisher metric is k^2 (dx^2 + dy^2) / y^2 with x = a * loc."""

    k: float  # distance scale
    a: float  # horizontal stretch
    loc: str
    scale: str


_HALFPLANE = {
    # normal: ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2 = 2 ((dmu/sqrt2)^2 + dsigma^2) / sigma^2
    "normal": _HalfPlaneFamily(math.sqrt(2.0), 1.0 / math.sqrt(2.0), "mean", "std"),
    # laplace: I = diag(1/b^2, 1/b^2), the plain half-plane
    "laplace": _HalfPlaneFamily(1.0, 1.0, "loc", "scale"),
    # cauchy: I = diag(1, 1) / (2 gamma^2), the half-plane scaled by 1/sqrt2
    "cauchy": _HalfPlaneFamily(1.0 / math.sqrt(2.0), 1.0, "loc", "scale"),
}


def _halfplane_path(p, q) -> Path:
    h = _HALFPLANE[p.family]
    cls = type(p)
    # x relative to p's location: a * (loc2 - loc1), not a * loc2 - a * loc1, which cancels for
    # close locations (normal(5, 2) vs normal(5 + 2^-40, 2 + 2^-38) lost 6 digits of its distance)
    loc1, loc2 = getattr(p, h.loc), getattr(q, h.loc)
    dloc = loc2 - loc1
    x1, y1 = 0.0, getattr(p, h.scale)
    x2, y2 = (h.a * dloc if math.isfinite(dloc) else h.a * loc2 - h.a * loc1), getattr(q, h.scale)
    length = h.k * halfplane_distance(x1, y1, x2, y2)
    if x1 == x2:
        # same location: y(t) = y1 (y2/y1)^t exactly, the vertical geodesic; log y2 - log y1, as
        # y2 / y1 overflows for scales such as 1e-300 and 1e300 (and exp(t * ratio) with it)
        ratio = math.log(y2) - math.log(y1)

        def point(t):
            st = t * ratio
            return cls(loc1, y1 * math.exp(st) if abs(st) < 700 else math.exp(math.log(y1) + st))
    else:
        curve = halfplane_geodesic(x1, y1, x2, y2)

        def point(t):
            x, y = curve(t)
            return cls(loc1 + x / h.a, y)

    return Path(p, q, "fisher", TITLE, p.family, length, "closed form", point)


def _exponential_path(p: fam.Exponential, q: fam.Exponential) -> Path:
    # I(rate) = 1/rate^2, so arc length is |log rate| and log rate is linear in t
    # log q - log p, not log(q / p): the ratio overflows or underflows for rates such as 1e-300 and 1e300
    log_ratio = math.log(q.rate) - math.log(p.rate)
    return Path(p, q, "fisher", TITLE, "exponential", abs(log_ratio), "closed form",
                lambda t: fam.Exponential(p.rate * math.exp(t * log_ratio)))


def _poisson_path(p: fam.Poisson, q: fam.Poisson) -> Path:
    # I(rate) = 1/rate, so arc length is 2 |sqrt(rate1) - sqrt(rate2)| and sqrt(rate) is linear in t
    r1, r2 = math.sqrt(p.rate), math.sqrt(q.rate)
    return Path(p, q, "fisher", TITLE, "poisson", 2.0 * abs(r1 - r2), "closed form",
                lambda t: fam.Poisson(((1 - t) * r1 + t * r2) ** 2))


# ---------------------------------------------------------------------------------------------
# The sphere: categorical and nonparametric
# ---------------------------------------------------------------------------------------------


def sqrt_difference(p, q):
    """sqrt(p) - sqrt(q) as (p - q) / (sqrt(p) + sqrt(q)), elementwise, 0 where both are 0.

    Subtracting the square roots cancels when p ~ q: for categorical([0.5, 0.5]) vs
    categorical([0.5 + 1e-9, 0.5 - 1e-9]) it cost 8 of the 16 digits of the distance, which the
    atan2 form of sphere_distance is meant to keep; p - q is exact for close p and q.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    s = np.sqrt(p) + np.sqrt(q)
    return np.where(s > 0, (p - q) / np.where(s > 0, s, 1.0), 0.0)


def sphere_distance(hellinger_sq: float) -> float:
    """Fisher-Rao distance 2 arccos(BC) from the squared Hellinger distance H^2 = sum (sqrt p - sqrt q)^2.

    |sqrt p - sqrt q|^2 = H^2 and |sqrt p + sqrt q|^2 = 4 - H^2; the atan2 form keeps precision
    near 0 (where arccos(BC) loses half the digits) and near pi.
    """
    h2 = min(max(hellinger_sq, 0.0), 4.0)  # clip: quadrature rounding can step outside [0, 4]
    return 4.0 * math.atan2(math.sqrt(h2), math.sqrt(4.0 - h2))


def slerp_weights(theta: float, t: float) -> tuple[float, float]:
    """Coefficients (a, b) with sqrt r_t = a sqrt p + b sqrt q on a great circle of angle theta."""
    if theta < 1e-8:
        # sin(x t)/sin(x) -> t with relative error O(theta^2)
        return 1.0 - t, t
    s = math.sin(theta)
    return math.sin((1.0 - t) * theta) / s, math.sin(t * theta) / s


def _categorical_path(p: fam.Categorical, q: fam.Categorical) -> Path:
    sp, sq = np.sqrt(np.array(p.probs)), np.sqrt(np.array(q.probs))
    length = sphere_distance(math.fsum(sqrt_difference(p.probs, q.probs) ** 2))

    def point(t):
        a, b = slerp_weights(length / 2, t)
        r = (a * sp + b * sq) ** 2
        return fam.Categorical(tuple(r / math.fsum(r)), p.at)

    return Path(p, q, "fisher", TITLE, "categorical", length, "closed form", point)


def _continuous_part(d: fam.Distribution) -> float:
    """Mass of the absolutely continuous part."""
    if d.kind == "continuous":
        return 1.0
    if d.kind == "discrete":
        return 0.0
    return 1.0 - math.fsum(d.atoms()[1])


def _union_atoms(p, q):
    lp, mp = p.atoms()
    lq, mq = q.atoms()
    locs = np.union1d(lp, lq)
    return locs, _masses_on(locs, lp, mp), _masses_on(locs, lq, mq)


def _masses_on(locs, l, m):
    out = np.zeros(locs.size)
    if l.size:
        out[np.searchsorted(locs, l)] = m
    return out


def _bhattacharyya_normal(p: fam.Normal, q: fam.Normal) -> tuple[float, float, float]:
    """log BC, and mean and variance of the normalised sqrt(p q), for two normals (closed form)."""
    # in ratios to h = hypot(s1, s2): std ** 2 raised OverflowError beyond 1e154, so
    # `geoanim distance "normal(0, 1e200)" "normal(0, 1)"` was an internal error
    s1, s2 = p.std, q.std
    h = math.hypot(s1, s2)
    ds = s1 - s2
    z = (p.mean - q.mean) / h
    log_bc = -0.5 * math.log1p(0.5 * (ds / s1) * (ds / s2)) - 0.25 * z * z
    m = p.mean * (s2 / h) ** 2 + q.mean * (s1 / h) ** 2
    w = (s1 / h) * s2
    v = 2 * w * w
    return log_bc, m, v


def _features(d: fam.Distribution) -> list[tuple[float, float]]:
    """(centre, width) of each smooth bump of a law's continuous part, for quadrature cuts."""
    if d.kind == "discrete":
        return []
    parts = getattr(d, "components", None)
    if parts is None and isinstance(getattr(d, "start", None), fam.Distribution):
        parts = (d.start, d.end)  # geodesic points: their bumps are their endpoints'
    if parts is not None:
        return [f for c in parts for f in _features(c)]
    lo, hi = d.plot_range()
    centres = {0.5 * (lo + hi), *(b for b in d.breakpoints if math.isfinite(b))}
    return [(c, hi - lo) for c in centres]


def quadrature_cuts(p: fam.Distribution, q: fam.Distribution) -> tuple[float, ...]:
    """Breakpoints for integrals over the line of functions of p's and q's densities.

    Adaptive quadrature only finds a bump if some interval is not much longer than the bump is
    wide. With cuts only at the laws' breakpoints, a law 1e4 times wider or narrower than the
    other was missed: fisher-np of normal(0, 1e-4) and laplace(0, 1), or exponential(1) and
    exponential(1e-6), came out as 2*pi/3 (one law's mass lost) instead of ~3.11 and ~3.14.
    So around each bump of width w, cut at distances w * 4^k out to the span of both laws:
    every interval is then comparable to its distance from every bump.
    """
    feats = _features(p) + _features(q)
    feats = [(c, w) for c, w in feats if math.isfinite(c) and math.isfinite(w) and w > 0]
    if not feats:
        return tuple(b for d in (p, q) for b in d.breakpoints)
    span = max(c + w for c, w in feats) - min(c - w for c, w in feats)
    cuts = {b for d in (p, q) for b in d.breakpoints}
    for c, w in feats:
        ratio = span / w  # inf when the span overflows: then as many levels as allowed
        levels = min(int(math.ceil(math.log(max(ratio, 1.0), 4.0))) + 2, 40) if math.isfinite(ratio) else 40
        for k in range(levels + 1):
            cuts.update((c - w * 4.0 ** k, c + w * 4.0 ** k))
    return tuple(sorted(x for x in cuts if math.isfinite(x)))


def hellinger_squared(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """H^2 = integral of (sqrt p - sqrt q)^2 over the continuous and atomic parts, and the method."""
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        log_bc, _, _ = _bhattacharyya_normal(p, q)
        return -2.0 * math.expm1(log_bc), "closed form"
    if isinstance(p, fam.Uniform) and isinstance(q, fam.Uniform):
        lo, hi = max(p.low, q.low), min(p.high, q.high)
        overlap = max(hi - lo, 0.0)
        only_p, only_q = p.width - overlap, q.width - overlap
        both = overlap * (1 / math.sqrt(p.width) - 1 / math.sqrt(q.width)) ** 2
        return only_p / p.width + only_q / q.width + both, "closed form"
    method = "exact"
    total = 0.0
    if p.kind != "continuous" or q.kind != "continuous":
        _, mp, mq = _union_atoms(p, q)
        total += math.fsum(sqrt_difference(mp, mq) ** 2)
    cp, cq = _continuous_part(p), _continuous_part(q)
    if cp > 0 and cq > 0:
        f = scalar(lambda x: sqrt_difference(p.pdf(x), q.pdf(x)) ** 2)
        lo = min(p.support[0], q.support[0])
        hi = max(p.support[1], q.support[1])
        total += integrate_line(f, lo, hi, quadrature_cuts(p, q))
        method = "quadrature"
    else:
        total += cp + cq  # mutually singular continuous parts contribute their masses
    return total, method


@functools.lru_cache(maxsize=256)
def _np_geometry(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """hellinger_squared, computed once per pair: every point of a path shares it."""
    return hellinger_squared(p, q)


@functools.lru_cache(maxsize=256)
def _cross_moment(p: fam.Distribution, q: fam.Distribution, k: int) -> float:
    """The k-th moment of sqrt(p q) over the continuous parts (closed form for two normals)."""
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        log_bc, m, v = _bhattacharyya_normal(p, q)
        return math.exp(log_bc) * (1.0 if k == 0 else (m if k == 1 else v + m * m))
    if p.kind == "discrete" or q.kind == "discrete":
        return 0.0
    lo, hi = max(p.support[0], q.support[0]), min(p.support[1], q.support[1])
    if not lo < hi:
        return 0.0
    f = scalar(lambda x: x ** k * np.sqrt(p.pdf(x) * q.pdf(x)))
    # quadrature_cuts, not just the breakpoints: a narrow bump (normal(3, 1e-6) vs laplace(0, 1))
    # was missed, and the geodesic point's mean came out 1.4995 instead of 1.5005
    return integrate_line(f, lo, hi, quadrature_cuts(p, q))


@fam.register("fisher_np_interpolant")
@dataclass(frozen=True)
class FisherNPPoint(fam.Distribution):
    """The point at time t of the nonparametric Fisher-Rao geodesic from ``start`` to ``end``.

    Its density is (a sqrt p + b sqrt q)^2 with the great-circle coefficients (a, b), on the
    continuous part and on the atoms alike. For disjoint supports this is the cross-fade
    cos^2(pi t / 2) p + sin^2(pi t / 2) q.
    """

    start: fam.Distribution
    end: fam.Distribution
    t: float
    family: ClassVar[str] = "fisher_np_interpolant"
    SPEC_SIGNATURE: ClassVar = (("start", "end", "t"), 3, ("dist", "dist", "num"))

    def __post_init__(self):
        object.__setattr__(self, "t", fam.unit_time("fisher_np_interpolant", self.t))
        h2, _ = _np_geometry(self.start, self.end)
        object.__setattr__(self, "_ab", slerp_weights(sphere_distance(h2) / 2, self.t))
        object.__setattr__(self, "_cuts", quadrature_cuts(self.start, self.end))

    @property
    def kind(self) -> str:  # type: ignore[override]
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def __str__(self):
        return f"fisher_np_interpolant({self.start}, {self.end}, {fam.fmt(self.t)})"

    def params(self):
        return {"start": self.start.to_dict(), "end": self.end.to_dict(), "t": self.t}

    @property
    def support(self):
        return (min(self.start.support[0], self.end.support[0]), max(self.start.support[1], self.end.support[1]))

    @property
    def breakpoints(self):
        return tuple(sorted({*self.start.breakpoints, *self.end.breakpoints}))

    def pdf(self, x):
        a, b = self._ab
        xa = fam._as_array(x)
        return fam._out(x, (a * np.sqrt(fam._as_array(self.start.pdf(xa))) + b * np.sqrt(fam._as_array(self.end.pdf(xa)))) ** 2)

    def atoms(self):
        if self.start.kind == "continuous" and self.end.kind == "continuous":
            return np.empty(0), np.empty(0)
        a, b = self._ab
        locs, mp, mq = _union_atoms(self.start, self.end)
        m = (a * np.sqrt(mp) + b * np.sqrt(mq)) ** 2
        keep = m > 0
        return locs[keep], m[keep]

    # moments and cdf: a^2 (p part) + b^2 (q part) + 2ab (cross part sqrt(p q))
    def _continuous_moment(self, k: int) -> float:
        a, b = self._ab
        p, q = self.start, self.end

        def part_moment(d):
            if d.kind == "discrete":
                return 0.0
            if d.kind == "continuous":
                return 1.0 if k == 0 else (d.mean if k == 1 else d.var + d.mean * d.mean)
            locs, masses = d.atoms()
            total = 1.0 if k == 0 else (d.mean if k == 1 else d.var + d.mean * d.mean)
            return total - math.fsum(masses * locs ** k)

        cross = _cross_moment(p, q, k)
        return a * a * part_moment(p) + b * b * part_moment(q) + 2 * a * b * cross

    @property
    def mean(self) -> float:
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.nan
        locs, masses = self.atoms()
        return self._continuous_moment(1) + math.fsum(locs * masses)

    @property
    def var(self) -> float:
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.inf
        locs, masses = self.atoms()
        second = self._continuous_moment(2) + math.fsum(locs ** 2 * masses)
        m = self.mean  # m * m, not m ** 2: float ** raises OverflowError for means beyond 1e154
        return max(second - m * m, 0.0)

    def cdf(self, x):
        a, b = self._ab
        p, q = self.start, self.end
        xa = fam._as_array(x)
        locs, masses = self.atoms()
        atomic = np.array([math.fsum(masses[locs <= v]) for v in xa.ravel()]).reshape(xa.shape)

        def cont_cdf(d):
            if d.kind == "discrete":
                return np.zeros_like(xa)
            if d.kind == "continuous":
                return fam._as_array(d.cdf(xa))
            dl, dm = d.atoms()
            return fam._as_array(d.cdf(xa)) - np.array([math.fsum(dm[dl <= v]) for v in xa.ravel()]).reshape(xa.shape)

        if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
            log_bc, m, v = _bhattacharyya_normal(p, q)
            cross = math.exp(log_bc) * fam._as_array(fam.Normal(m, math.sqrt(v)).cdf(xa))
        elif p.kind == "discrete" or q.kind == "discrete":
            cross = np.zeros_like(xa)
        else:
            f = scalar(lambda s: np.sqrt(p.pdf(s) * q.pdf(s)))
            lo = max(p.support[0], q.support[0])
            cross = np.array([integrate_line(f, lo, min(v, min(p.support[1], q.support[1])), self._cuts)
                              if v > lo else 0.0 for v in xa.ravel()]).reshape(xa.shape)
        total = a * a * cont_cdf(p) + b * b * cont_cdf(q) + 2 * a * b * cross + atomic
        return fam._out(x, np.clip(total, 0.0, 1.0))

    def ppf(self, u):
        # r_t = (a sqrt p + b sqrt q)^2 <= 2 (a^2 + b^2)(p + q), so F_t >= u needs max(F_p, F_q) >= u / c
        # with c = 4 (a^2 + b^2); the same holds for the upper tails. The endpoints thus bracket the quantile.
        a, b = self._ab
        c = 4.0 * (a * a + b * b)
        ua = fam._as_array(u)
        p, q = self.start, self.end
        lo = np.minimum(fam._as_array(p.ppf(ua / c)), fam._as_array(q.ppf(ua / c)))
        hi = np.maximum(fam._as_array(p.isf((1 - ua) / c)), fam._as_array(q.isf((1 - ua) / c)))
        return fam._out(u, fam.bisect_monotone(self.cdf, ua, lo, hi, increasing=True, iterations=80))

    def isf(self, v):
        return self.ppf(1.0 - fam._as_array(v)) if np.ndim(v) else self.ppf(1.0 - float(v))

    def plot_range(self):
        a, b = self.start.plot_range(), self.end.plot_range()
        return (min(a[0], b[0]), max(a[1], b[1]))


def _nonparametric_path(p, q, metric: str) -> Path:
    h2, method = _np_geometry(p, q)
    length = sphere_distance(h2)
    if p.kind == "discrete" and q.kind == "discrete":
        locs, mp, mq = _union_atoms(p, q)
        sp, sq = np.sqrt(mp), np.sqrt(mq)

        def point(t):
            a, b = slerp_weights(length / 2, t)
            r = (a * sp + b * sq) ** 2
            keep = r > 0
            return fam.Points(tuple(locs[keep]), tuple(r[keep] / math.fsum(r[keep])))
    else:
        def point(t):
            return FisherNPPoint(p, q, t)
    return Path(p, q, metric, TITLE, "densities", length, method, point)


_PARAMETRIC = {
    "normal": _halfplane_path,
    "laplace": _halfplane_path,
    "cauchy": _halfplane_path,
    "exponential": _exponential_path,
    "poisson": _poisson_path,
}


def parametric_model(p: fam.Distribution, q: fam.Distribution) -> str | None:
    """The family both endpoints share and whose Fisher-Rao geodesic geoanim knows exactly, or None."""
    if fam.family_key(p) != fam.family_key(q):
        return None
    if isinstance(p, fam.Categorical):
        return "categorical"
    return p.family if p.family in _PARAMETRIC else None


@register_metric(
    "fisher", aliases=("fisher-rao", "kl"), title=TITLE,
    summary="Fisher-Rao on the endpoints' common family; all densities when they share none",
    support=[
        ("normal - normal", "normal", "closed form (half-plane, curvature -1/2)"),
        ("categorical - categorical (same support)", "categorical", "closed form (sphere)"),
        ("exponential - exponential", "exponential", "closed form"),
        ("poisson - poisson", "poisson", "closed form"),
        ("laplace - laplace", "laplace", "closed form (half-plane)"),
        ("cauchy - cauchy", "cauchy", "closed form (half-plane / sqrt 2)"),
        ("any other 1-D pair", "densities", "as fisher-np"),
        ("mvnormal - mvnormal (any dimension)", "mvnormal", "exact: closed forms, else exponential map + Newton shooting"),
        ("clouds, normal - cloud (2-D)", "densities", "as fisher-np"),
    ])
def fisher(p: fam.Distribution, q: fam.Distribution) -> Path:
    if p.dim != 1 or q.dim != 1:
        from . import plane

        return plane.fisher(p, q)
    model = parametric_model(p, q)
    if model == "categorical":
        return _categorical_path(p, q)
    if model is not None:
        return _PARAMETRIC[model](p, q)
    return _nonparametric_path(p, q, "fisher")


@register_metric(
    "fisher-np", aliases=("fisher-rao-np", "fisher-nonparametric"), title=TITLE,
    summary="Fisher-Rao on all densities (or pmfs): the sphere through sqrt(p); pi for disjoint supports",
    support=[
        ("normal - normal, uniform - uniform", "densities", "closed form"),
        ("discrete - discrete (pmfs on the union of supports)", "densities", "exact"),
        ("any continuous pair", "densities", "quadrature"),
        ("discrete - continuous (mutually singular)", "densities", "exact (distance pi, cross-fade)"),
        ("mvnormal - mvnormal", "densities", "closed form (Bhattacharyya)"),
        ("cloud - cloud (2-D)", "densities", "exact (pmfs on the union of points)"),
    ])
def fisher_np(p: fam.Distribution, q: fam.Distribution) -> Path:
    if p.dim != 1 or q.dim != 1:
        from . import plane

        return plane.fisher_np(p, q)
    return _nonparametric_path(p, q, "fisher-np")
