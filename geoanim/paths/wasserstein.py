"""Wasserstein-2 (optimal transport): W2, never W2².

On the line the optimal coupling is monotone, so the geodesic from p to q is the law whose quantile
function is (1 - t) F^-1 + t G^-1, and W2² = ∫₀¹ (F^-1(u) - G^-1(u))² du:

* two members of one location-scale family (declared as ``location_scale``: normal, uniform,
  Laplace, Cauchy, exponential, ...) stay in the family with loc and scale linear in t: closed form;
* two discrete laws: the monotone coupling of their atoms, exactly (a finite sum);
* anything else: the quantile integral by tanh-sinh quadrature, and a QuantilePoint whose ppf is
  exactly the interpolated quantile function (pdf and cdf derived from it).

In the plane: Bures-Wasserstein and the McCann interpolant between normals (closed form); between
clouds the exact optimal coupling, then each coupled pair moves on a straight line.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.base import Law, Unit, as_array, out, param, register
from ..families.charts import same_fixed
from ..numeric import bisect_monotone, newton_bracketed, tanh_sinh_unit
from . import spaces, transport
from .base import Path, geodesic_path
from .features import law_cuts
from .registry import BothKind, SameFamilyWith, define_metric, route

define_metric(
    "wasserstein", aliases=("w2", "wasserstein-2", "ot"), title="Wasserstein-2", colors=("#0072B2", "#56B4E9"),
    order=30,
    summary="Wasserstein-2 (optimal transport): quantile interpolation on the line, exact couplings in the plane",
    show_model=False, transport=True, ground=True,
    convention="W2 (the square root of the optimal expected squared distance), never W2²")


def _finite(length: float, p: fam.Distribution, q: fam.Distribution) -> float:
    """W2 between laws with second moments is finite: an inf here is an overflow, refused as such."""
    if math.isinf(length):
        raise UnsupportedError(f"wasserstein: the distance between {p} and {q} is beyond the largest "
                               "floating-point number (about 1.8e308)")
    return length


@route("wasserstein", fam.Univariate, fam.Univariate, model="same family", method="closed form",
       when=SameFamilyWith("location_scale", extra=lambda p, q: same_fixed(p, q, "location_scale"),
                           extra_text="equal fixed parameters, such as Student's df"),
       note="location-scale: loc and scale linear in t")
def location_scale(p, q) -> Path:
    """X = a + b Z with Z a fixed law of mean m1 and variance v: W2² = (Δa + m1 Δb)² + v Δb²."""
    ls: fam.LocationScale = type(p).location_scale
    (a1, b1), (a2, b2) = ls.get(p), ls.get(q)
    da, db = ls.delta(p, q) if ls.delta is not None else (a2 - a1, b2 - b1)
    mean, sd = ls.moments(p)[0], ls.std(p)
    if math.isinf(sd):
        length = abs(da) if db == 0 else math.inf  # no second moment: finite only for a pure shift
    else:
        length = _finite(math.hypot(da + mean * db, sd * db), p, q)
    return geodesic_path(p, q, model=p.family, length=length, method="closed form",
                         point=lambda t: ls.build(p, a1 + t * da, b1 + t * db))


def monotone_coupling(p: fam.Univariate, q: fam.Univariate):
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


@route("wasserstein", fam.Univariate, fam.Univariate, model="distributions", method="exact (monotone coupling)",
       when=BothKind("discrete"))
def discrete(p, q) -> Path:
    x, y, m = monotone_coupling(p, q)
    # scaled by the largest move before squaring: (x - y)^2 underflowed to W2 = 0 for
    # dirac(0) vs dirac(1e-300) and overflowed to W2 = inf for dirac(0) vs dirac(1e200)
    half = 0.5 * y - 0.5 * x  # halves first: y - x overflows for atoms at -1e308 and 1e308
    scale = float(np.max(np.abs(half))) if x.size else 0.0
    length = _finite(2.0 * scale * math.sqrt(math.fsum(m * (half / scale) ** 2)) if scale > 0 else 0.0, p, q)

    def point(t):
        # x + t (y - x): atoms that do not move stay exactly where they are
        return fam.Points(tuple(x + t * (y - x)), tuple(m / math.fsum(m)))

    return geodesic_path(p, q, model="distributions", length=length, method="exact", point=point)


def quantile_levels(d: fam.Univariate) -> tuple[np.ndarray, np.ndarray]:
    """Levels where d's quantile function jumps or bends: lower-tail levels u (for ppf) and upper-tail
    levels v (for isf), each in (0, 1/2).

    Atoms make the quantile jump at their cumulative masses; every bump of the continuous part
    (each mixture component, at every scale out to the other bumps) contributes the levels of its
    cut points, so a component of mass 1e-6 far from the rest gets levels around 1 - 1e-6 instead
    of hiding between two nodes of the quadrature.
    """
    if isinstance(d, QuantilePoint):
        # (1 - t) F⁻¹ + t G⁻¹ jumps and bends exactly where its endpoints' quantiles do
        (su, sv), (eu, ev) = quantile_levels(d.start), quantile_levels(d.end)
        return np.union1d(su, eu), np.union1d(sv, ev)
    u_parts, v_parts = [], []
    if d.kind != "continuous":
        locs, masses = d.atoms()
        below = np.asarray(d.cdf(locs), dtype=float)  # P(X <= x_k): the jump's top
        above = np.asarray(d.sf(locs), dtype=float)  # P(X > x_k)
        u_parts += [below, below - masses]
        v_parts += [above, above + masses]
    if d.kind != "discrete":
        xs = law_cuts(d)
        u_parts.append(np.asarray(d.cdf(xs), dtype=float))
        v_parts.append(np.asarray(d.sf(xs), dtype=float))

    def clean(levels: list[np.ndarray]) -> np.ndarray:
        u = np.unique(np.concatenate(levels)) if levels else np.empty(0)
        return u[(u > 0.0) & (u < 0.5)]

    return clean(u_parts), clean(v_parts)


MAX_LEVELS = 200_000  # quantile jumps and bends one quadrature may cut at (6 million nodes, a few seconds)
QUAD_RTOL = 1e-9  # the largest relative error estimate on W2² that is accepted (else: refused)
MAX_ROOT_WORK = 7_000_000
"""Largest number of mixture-component evaluations one quantile quadrature may spend solving for
quantiles (a mixture's quantile at a level is a root of its cdf: about 1.5 µs per component and
level on a 2-core machine, so about 10 s). Measured: poisson(1e7) against a 2- or 3-component
mixture needs 4.6 and 6.9 million (7 and 10 s), normal(0, 1) against a 200-normal mixture 6.7
million (10 s). Above it the pair is refused, with the reason, before the work is done: poisson(1e7)
against a 10-normal mixture (23 million) or a 300-normal mixture (11 million) took 16-22 s, and
before the level tables below, minutes."""


def _levels(p: fam.Univariate, q: fam.Univariate) -> tuple[np.ndarray, np.ndarray]:
    """Where both quantile functions jump or bend, in each half of (0, 1); refuses work it cannot bound."""
    (pu, pv), (qu, qv) = quantile_levels(p), quantile_levels(q)
    u, v = np.union1d(pu, qu), np.union1d(pv, qv)
    if u.size + v.size > MAX_LEVELS:
        many = p if pu.size + pv.size > qu.size + qv.size else q
        raise UnsupportedError(f"wasserstein: {many} has too many atoms or features for the quantile quadrature "
                               f"({u.size + v.size} cuts; the limit is {MAX_LEVELS})")
    return u, v


_TABLE_STRIDE = 32  # levels per exactly solved table entry in _quantiles
_SMALLEST = float(np.nextafter(0.0, 1.0))


QUADRATURE_ROOT_COST = 50_000
"""Work units (one ~ a mixture-component evaluation, 1.4 µs) of one quantile of a law whose cdf is
itself a quadrature (a Fisher-Rao or power-mean path point): ~0.08 s measured, so MAX_ROOT_WORK
allows ~140 such quantiles (a W2 quadrature between two such points ran for minutes)."""


def _root_cost(d: fam.Univariate) -> int:
    """Component evaluations per root-solve step of d's quantile: a mixture's components (a path
    point's quantile is its endpoints'); 0 for a closed-form quantile."""
    if getattr(d, "cdf_by_quadrature", False):
        return QUADRATURE_ROOT_COST
    if isinstance(d, fam.Mixture):
        return len(d.components)
    if isinstance(d, QuantilePoint):
        return _root_cost(d.start) + _root_cost(d.end)
    return 0


class _Work:
    """The root-solve work one quantile quadrature between p and q has spent (see MAX_ROOT_WORK);
    charged before each batch of quantiles is computed, so a refusal comes before the work."""

    def __init__(self, p: fam.Univariate, q: fam.Univariate) -> None:
        self.p, self.q, self.spent = p, q, 0

    def charge(self, d: fam.Univariate, levels: int) -> None:
        self.spent += levels * _root_cost(d)
        if self.spent > MAX_ROOT_WORK:
            raise UnsupportedError(
                f"wasserstein: the quantile quadrature between {_short(self.p)} and {_short(self.q)} would need "
                f"over {MAX_ROOT_WORK:,} root-solve evaluations (about 10 s, the limit): too many mixture "
                "components or integral-defined quantiles for its cuts")


def _short(d: fam.Univariate) -> str:
    text = str(d)
    if len(text) <= 60:
        return text
    return f"a {len(d.components)}-component mixture" if isinstance(d, fam.Mixture) else text[:57] + "..."


def _quantiles(d: fam.Univariate, lower: bool, work: _Work):
    """d.ppf (``lower``) or d.isf, for the quadrature's many levels at once, charged to ``work``.

    Levels are raised to the smallest positive double: a node of the piece next to 0 underflows to
    level 0 when the first cut is deep in a tail (5.7e-302 for a 100-normal mixture), where both
    quantiles are infinite and their difference NaN; that piece then fell back to adaptive
    quadrature, one quantile per call, for many minutes. The piece's weight there is ~1e-300.

    A mixture's quantile is a root of its cdf (or sf), bracketed by its components' quantiles. That
    bracket spans the gaps between components and often 0, and the solver halves it in the order of
    doubles: about 22 cdf evaluations per level, 15 s for the 760,000 levels of poisson(1e7) against
    a two-normal mixture. Monotonicity gives every level a far tighter bracket: one level in
    ``_TABLE_STRIDE`` of the sorted unique levels, and the first level of every binade (so that no
    bracket spans orders of magnitude deep in a tail), is solved as before; every other level is
    solved between its table neighbours' quantiles (the same root, by the same solver)."""
    plain = d.ppf if lower else d.isf

    def solve(levels):
        la = np.maximum(np.asarray(levels, dtype=float), _SMALLEST)
        if not isinstance(d, fam.Mixture):
            work.charge(d, la.size)
            return out(levels, as_array(plain(la)))
        uniq, inverse = np.unique(la, return_inverse=True)
        work.charge(d, uniq.size)
        if uniq.size <= 4 * _TABLE_STRIDE:
            return out(levels, as_array(plain(la)))
        binade = np.frexp(uniq)[1]
        first = np.flatnonzero(np.diff(binade, prepend=binade[0] - 1))
        pick = np.unique(np.r_[np.arange(0, uniq.size, _TABLE_STRIDE), first, uniq.size - 1])
        table = np.asarray(plain(uniq[pick]), dtype=float)
        right = np.searchsorted(pick, np.arange(uniq.size))  # the first table level at or above each
        values = table[right]
        rest = np.flatnonzero(pick[right] != np.arange(uniq.size))
        if rest.size:
            a, b = table[right[rest] - 1], table[right[rest]]  # quantiles at the neighbouring table levels
            if lower:  # F non-decreasing: F^-1(u) in [F^-1(u_left), F^-1(u_right)]
                values[rest] = newton_bracketed(d.cdf, d.pdf, uniq[rest], a, b)
            else:  # sf non-increasing: isf(v) in [isf(v_right), isf(v_left)]; smallest x with -sf(x) >= -v
                values[rest] = newton_bracketed(lambda x: -as_array(d.sf(x)), d.pdf, -uniq[rest], b, a)
        return out(levels, values[inverse.reshape(la.shape)])

    return solve


def quantile_distance(p: fam.Univariate, q: fam.Univariate) -> tuple[float, float, float]:
    """W2 by ∫₀¹ (F⁻¹ - G⁻¹)² du, as (W2, the integral's error estimate relative to it, the unit s).

    Integrated as two halves so each tail uses its own accurate quantile (ppf near 0, isf near 1),
    cut wherever either quantile jumps or bends, in units of s, a power of two near the laws' size:
    W2² itself overflows for normal(0, 1e160) although W2 = 1e160 does not. Each half is taken to
    1e-12 of itself, or of the laws' own size where it is nearly 0 next to it (the quantiles are
    only known to rounding there: W2² of 1e-13 against spreads of 1 cannot have 12 correct digits).
    """
    u, v = _levels(p, q)
    size = max(abs(float(x)) for d in (p, q) for x in (d.ppf(0.1), d.ppf(0.5), d.ppf(0.9)))
    s = math.ldexp(1.0, min(math.frexp(size)[1], 1023)) if size > 0 and math.isfinite(size) else 1.0
    work = _Work(p, q)
    pl, ql = _quantiles(p, True, work), _quantiles(q, True, work)
    pu, qu = _quantiles(p, False, work), _quantiles(q, False, work)
    lower, e1 = tanh_sinh_unit(lambda x: ((pl(x) - ql(x)) / s) ** 2, u, atol=1e-14)
    upper, e2 = tanh_sinh_unit(lambda x: ((pu(x) - qu(x)) / s) ** 2, v, atol=1e-14)
    squared = lower + upper
    return s * math.sqrt(max(squared, 0.0)), (e1 + e2) / max(squared, 1e-300), s


def squared_distance_quantile(p: fam.Univariate, q: fam.Univariate) -> tuple[float, float]:
    """W2² by quantile quadrature, and its absolute error estimate (see quantile_distance)."""
    w2, rel, _ = quantile_distance(p, q)
    return w2 * w2, rel * w2 * w2


@functools.lru_cache(maxsize=256)
def quantile_covariance(p: fam.Univariate, q: fam.Univariate) -> float:
    """Cov(F^-1(U), G^-1(U)) for U uniform: the covariance of the optimal (monotone) coupling."""
    if p.kind == "discrete" and q.kind == "discrete":
        x, y, m = monotone_coupling(p, q)
        return math.fsum(m * (x - p.mean) * (y - q.mean))
    mp, mq = p.mean, q.mean
    u, v = _levels(p, q)
    work = _Work(p, q)
    pl, ql = _quantiles(p, True, work), _quantiles(q, True, work)
    pu, qu = _quantiles(p, False, work), _quantiles(q, False, work)
    lower, _ = tanh_sinh_unit(lambda x: (pl(x) - mp) * (ql(x) - mq), u)
    upper, _ = tanh_sinh_unit(lambda x: (pu(x) - mp) * (qu(x) - mq), v)
    return lower + upper


def quantile_slopes(d: fam.Univariate, u: np.ndarray) -> np.ndarray:
    """dF^-1/du = 1 / density at the quantile; 0 for atoms (flat quantile)."""
    if d.kind == "discrete":
        return np.zeros_like(u)
    x = np.asarray(d.ppf(u), dtype=float)
    dens = np.asarray(d.pdf(x), dtype=float)
    with np.errstate(divide="ignore"):
        s = np.where(dens > 0, 1.0 / dens, np.inf)
    if d.kind == "mixed":
        s = np.where(np.asarray(d.pmf(x)) > 0, 0.0, s)
    return s


@register("quantile_interpolant")
@dataclass(frozen=True)
class QuantilePoint(fam.Univariate):
    """The law whose quantile function is (1 - t) F^-1 + t G^-1: the W2 geodesic point at t."""

    start: fam.Univariate = param(Law(dim=1), doc="start of the geodesic")
    end: fam.Univariate = param(Law(dim=1), doc="end of the geodesic")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    family = "quantile_interpolant"
    derived = True

    @property
    def _end(self) -> fam.Univariate | None:
        """At t = 0 or 1 the point is that endpoint, exactly (0 * inf in the combination gave nan)."""
        return self.start if self.t == 0.0 else self.end if self.t == 1.0 else None

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        if self._end is not None:
            return self._end.kind
        kinds = {self.start.kind, self.end.kind}
        if "continuous" in kinds and 0 < self.t < 1:
            return "continuous"  # a strictly increasing quantile plus a non-decreasing one has no flat part
        return "discrete" if kinds == {"discrete"} else "mixed"

    def atoms(self):
        if self._end is not None:
            return self._end.atoms()
        if self.kind != "discrete":
            return super().atoms()
        x, y, m = monotone_coupling(self.start, self.end)
        return fam.base.merge_atoms(x + self.t * (y - x), m)

    def pmf(self, x):
        return self._end.pmf(x) if self._end is not None else super().pmf(x)

    @property
    def support(self):
        if self._end is not None:
            return self._end.support
        (a0, a1), (b0, b1) = self.start.support, self.end.support
        return ((1 - self.t) * a0 + self.t * b0, (1 - self.t) * a1 + self.t * b1)

    @property
    def mean(self) -> float:
        if self._end is not None:
            return self._end.mean
        return (1 - self.t) * self.start.mean + self.t * self.end.mean

    @property
    def var(self) -> float:
        if self._end is not None:
            return self._end.var
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.inf
        # Var(Q_t(U)) = (1-t)^2 Var p + t^2 Var q + 2 t (1-t) Cov(F^-1(U), G^-1(U)); the covariance of
        # the monotone coupling is one quadrature per pair, shared by every point of the path
        t = self.t
        if not (math.isfinite(self.start.var) and math.isfinite(self.end.var)):
            return math.inf  # an end whose variance overflows (lognormal(1e308, 1)): so does every inner point's
        cov = quantile_covariance(self.start, self.end)
        return max((1 - t) ** 2 * self.start.var + t * t * self.end.var + 2 * t * (1 - t) * cov, 0.0)

    def ppf(self, u):
        if self._end is not None:
            return self._end.ppf(u)
        t = self.t
        return out(u, (1 - t) * as_array(self.start.ppf(u)) + t * as_array(self.end.ppf(u)))

    def isf(self, v):
        if self._end is not None:
            return self._end.isf(v)
        t = self.t
        return out(v, (1 - t) * as_array(self.start.isf(v)) + t * as_array(self.end.isf(v)))

    def cdf(self, x):
        if self._end is not None:
            return self._end.cdf(x)
        xa = as_array(x)
        return out(x, bisect_monotone(self.ppf, xa, np.zeros_like(xa), np.ones_like(xa), increasing=True))

    def sf(self, x):
        if self._end is not None:
            return self._end.sf(x)
        xa = as_array(x)
        return out(x, bisect_monotone(self.isf, xa, np.zeros_like(xa), np.ones_like(xa), increasing=False))

    def quantile_density(self, u):
        """dQ_t/du = (1 - t) dF^-1/du + t dG^-1/du, each 1/density at the quantile (0 on atoms)."""
        ua = as_array(u)
        total = np.zeros_like(ua)
        for w, d in ((1 - self.t, self.start), (self.t, self.end)):
            if w > 0:
                total = total + w * quantile_slopes(d, ua)
        return out(u, total)

    def pdf(self, x):
        if self._end is not None:
            return self._end.pdf(x)
        if self.kind != "continuous":
            return super().pdf(x)
        xa = as_array(x)
        u = np.clip(as_array(self.cdf(xa)), 0.0, 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dens = 1.0 / as_array(self.quantile_density(u))
        inside = (u > 0) & (u < 1)
        # inside a gap of the support the quantile jumps over x: no density there
        q = as_array(self.ppf(u))
        inside &= np.abs(q - xa) <= 1e-9 * (1 + np.abs(xa))
        return out(x, np.where(inside & np.isfinite(dens), dens, 0.0))


def support_gaps(d: fam.Univariate, u: np.ndarray) -> list[float]:
    """The levels at which a continuous law's quantile jumps over a gap in its support (a mixture of
    disjoint pieces): between two samples u_i < u_i+1 the quantile rises far more than its slope
    allows, and the cdf is flat across the gap, so its value in the gap is the level."""
    x = np.asarray(d.ppf(u), dtype=float)
    slope = np.asarray(quantile_slopes(d, u), dtype=float)
    rise = np.diff(x)
    with np.errstate(invalid="ignore"):
        allowed = 50.0 * np.diff(u) * np.maximum(slope[:-1], slope[1:])
    jump = np.isfinite(rise) & np.isfinite(allowed) & (rise > allowed) & (rise > 1e-9 * (1 + np.abs(x[:-1])))
    levels = []
    for i in np.flatnonzero(jump):
        mid = 0.5 * (x[i] + x[i + 1])
        if float(d.pdf(np.array([mid]))[0]) == 0.0:  # really outside the support
            levels.append(float(d.cdf(np.array([mid]))[0]))
    return levels


class QuantileCurve:
    """The W2 interpolant drawn exactly as the parametric curve u -> (Q_t(u), 1 / Q_t'(u)).

    Endpoint quantiles and quantile densities are computed once; each frame is a linear
    combination. Jumps of a discrete endpoint's quantile leave gaps in the support, drawn at 0.
    """

    def __init__(self, p: fam.Univariate, q: fam.Univariate, grid: np.ndarray):
        tails = np.geomspace(1e-7, 2e-3, 40)
        u = np.concatenate([tails, np.linspace(2e-3, 1 - 2e-3, 300), 1 - tails[::-1]])
        # add the levels at which each endpoint crosses the x grid, so steep stretches of a quantile
        # function (valleys between modes) are sampled as finely in x as flat ones
        for d in (p, q):
            if d.kind == "continuous":
                c = np.asarray(d.cdf(grid[::2]), dtype=float)
                u = np.concatenate([u, c[(c > 1e-7) & (c < 1 - 1e-7)]])
        levels: list[float] = []
        for d in (p, q):
            if d.kind != "continuous":
                c = np.cumsum(d.atoms()[1])[:-1]
                levels.extend(c[(c > 1e-6) & (c < 1 - 1e-6)])
            else:
                levels.extend(support_gaps(d, np.unique(np.clip(u, 1e-9, 1 - 1e-9))))
        breaks = np.array(sorted(set(levels)))
        if breaks.size:
            u = np.union1d(u, np.concatenate([breaks - 1e-10, breaks + 1e-10]))
        u = np.unique(np.clip(u, 1e-9, 1 - 1e-9))
        lo_support = [d.support[0] for d in (p, q)]
        hi_support = [d.support[1] for d in (p, q)]
        if all(math.isfinite(v) for v in lo_support):
            u = np.concatenate([[0.0], u])
        if all(math.isfinite(v) for v in hi_support):
            u = np.concatenate([u, [1.0]])
        self.u = u
        self.qp = np.asarray(p.ppf(u), dtype=float)
        self.qq = np.asarray(q.ppf(u), dtype=float)
        self.sp = quantile_slopes(p, u)
        self.sq = quantile_slopes(q, u)
        # indices i where the quantile jumps between u[i] and u[i+1] (a gap in the support)
        # (the quantile is left-continuous: at a level itself it is still on the left side of the jump)
        self.gaps = np.searchsorted(u, breaks, side="right") - 1 if breaks.size else np.empty(0, int)

    def __call__(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        x = (1 - t) * self.qp + t * self.qq
        with np.errstate(divide="ignore"):
            y = 1.0 / ((1 - t) * self.sp + t * self.sq)
        y = np.where(np.isfinite(y), y, 0.0)
        if self.gaps.size:
            # ..., (x_g, y_g), (x_g, 0), (x_g+1, 0), (x_g+1, y_g+1), ...: the curve drops to 0 across the gap
            idx = np.repeat(self.gaps + 1, 2)
            x = np.insert(x, idx, np.stack([x[self.gaps], x[self.gaps + 1]], axis=1).ravel())
            y = np.insert(y, idx, 0.0)
        x = np.concatenate([[x[0]], x, [x[-1]]])
        y = np.concatenate([[0.0], y, [0.0]])
        return x, y


@route("wasserstein", fam.Univariate, fam.Univariate, model="distributions", method="quadrature",
       note="of quantile functions; infinite when exactly one law has no second moment")
def quantiles(p, q) -> Path:
    tails = (getattr(p, "tail_index", None), getattr(q, "tail_index", None))
    if p.heavy_tailed and q.heavy_tailed and (None in tails or tails[0] == tails[1]):
        raise UnsupportedError(
            "wasserstein: W2 between two heavy-tailed laws is supported for two members of one location-scale "
            f"family (two cauchy laws, t laws of one df) and laws of different tail indices only (got {p} and {q})")
    if p.heavy_tailed and q.heavy_tailed:
        # quantiles ~ u^(-1/ν) in each tail: their difference is the heavier one's, not square-integrable
        length, method = math.inf, "closed form (different tail indices: no coupling has a finite cost)"
    elif p.heavy_tailed or q.heavy_tailed:
        length, method = math.inf, "closed form (one law has no second moment)"
    elif type(p) is type(q) and type(p).comonotone_w2 is not None:  # the family's own closed form (log-normal)
        length, method = type(p).comonotone_w2(p, q), "closed form (comonotone coupling; the path through quantiles)"
    else:
        length, rel, s = quantile_distance(p, q)
        # relative to W2², or to the laws' size (1 in units of s) where W2 is nearly 0 next to it
        if not rel * (length / s) ** 2 <= QUAD_RTOL * (length / s) ** 2 + 1e-13:
            raise UnsupportedError(f"wasserstein: the quantile quadrature between {p} and {q} did not converge "
                                   f"(relative error estimate {rel:.1e}, tolerance {QUAD_RTOL:g})")
        method = "quadrature"
    return geodesic_path(p, q, model="distributions", length=length, method=method,
                         point=lambda t: QuantilePoint(p, q, t), curve=lambda grid: QuantileCurve(p, q, grid))


# ---------------------------------------------------------------------------------------------
# the plane
# ---------------------------------------------------------------------------------------------


@route("wasserstein", fam.MVNormal, fam.MVNormal, model="mvnormal", method="closed form (Bures-Wasserstein)",
       note="McCann interpolant: S_t = M_t S1 M_t with M_t = (1 - t) I + t T")
def normals(p: fam.MVNormal, q: fam.MVNormal) -> Path:
    """Bures-Wasserstein distance and the McCann interpolant between normals (any dimension).

    In the eigenbasis of S1 = V diag(s) Vᵀ, with K = S1^½ (S2 - S1) S1^½, the optimal map is
    T = I + D^-½ X D^-½ where X = (D² + K)^½ - D (spaces.sqrt_increment: no cancellation as
    S2 -> S1), and W2² = |Δm|² + tr((T - I) S1 (T - I)) = |Δm|² + Σ_ij X_ij² / s_j, a sum of
    positive terms (docs/math.md#wasserstein-2-gaussians-bures-wasserstein). Solved in one canonical
    order of the endpoints, so that d(p, q) and d(q, p) agree to the last bit.
    """
    if str(q) < str(p):
        return normals(q, p).reversed()
    mu1, S1, mu2, S2 = p.mu, p.sigma, q.mu, q.sigma
    # in units of c, a power of two near the covariances' size (T is unitless; W2 scales by √c):
    # covariances of 1e-300 lost every digit of K to underflow
    c = math.ldexp(1.0, math.frexp(max(np.abs(S1).max(), np.abs(S2).max()))[1])
    S1c, S2c = S1 / c, S2 / c
    s, V = np.linalg.eigh(S1c)
    r = np.sqrt(s)
    rr = r[:, None] * r[None, :]
    K = (V.T @ (S2c - S1c) @ V) * rr  # S2 - S1 first: exact for close covariances
    M = (V.T @ S2c @ V) * rr
    X = spaces.sqrt_increment(s, 0.5 * (K + K.T), 0.5 * (M + M.T))
    X = 0.5 * (X + X.T)
    G = X / rr  # T - I in the eigenbasis
    spread = math.sqrt(c) * math.sqrt(max(float(np.sum(X * X / s[None, :])), 0.0))
    length = _finite(math.hypot(math.hypot(*(mu2 - mu1)), spread), p, q)  # hypot: no overflow for 1e200
    eye = np.eye(len(mu1))
    dmu = mu2 - mu1

    def point(t):
        A = V @ (eye + t * G) @ V.T
        # mu1 + t dmu, not (1 - t) mu1 + t mu2, which moves a coordinate the two share by an ulp
        return fam.MVNormal.from_arrays(mu1 + t * dmu, A @ S1 @ A)

    return geodesic_path(p, q, model="mvnormal", length=length, method="closed form (Bures-Wasserstein)",
                         point=point)


def optimal_coupling(p: fam.Cloud, q: fam.Cloud) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Optimal coupling for squared Euclidean cost: (source points, target points, masses), by
    :func:`transport.optimal_coupling` (exact and certified up to transport.EXACT_MAX_PAIRS point
    pairs, a labelled approximation above)."""
    x, a = p.atoms2d()
    y, b = q.atoms2d()
    c = transport.optimal_coupling(x, a, y, b)
    return x[c.rows], y[c.cols], c.mass


@route("wasserstein", fam.Cloud, fam.Cloud, model="distributions", method="exact (optimal coupling)",
       note=f"network simplex on candidate pairs, optimality certified by duality, up to "
            f"{transport.EXACT_MAX_PAIRS:,} point pairs; above, a labelled approximation with W2 bounds; "
            "pairs move straight")
def clouds(p: fam.Cloud, q: fam.Cloud) -> Path:
    """The optimal coupling, then displacement interpolation: each coupled pair moves straight."""
    x, a = p.atoms2d()
    y, b = q.atoms2d()
    c = transport.optimal_coupling(x, a, y, b)
    xs, ys, w = x[c.rows], y[c.cols], tuple(c.mass)
    # x + t (y - x), not (1 - t) x + t y, which moves a coordinate the pair shares by an ulp; where
    # y - x overflows (coordinates near ±1.8e308) the halves are subtracted and t doubled instead
    with np.errstate(over="ignore", invalid="ignore"):
        step = ys - xs
    far = ~np.isfinite(step)
    half = np.where(far, ys * 0.5 - xs * 0.5, 0.0)

    def point(t):
        z = np.where(far, xs + (2 * t) * half, xs + t * np.where(far, 0.0, step))
        return fam.Points2D(tuple(tuple(r) for r in z), w)

    # above the exact limit the method names the approximation and its W2 bounds; the length is
    # then the cost of the coupling drawn (the upper bound)
    method = "exact (optimal coupling)" if c.exact else c.method
    return geodesic_path(p, q, model="distributions", length=c.distance, method=method, point=point)
