"""KL's own straight lines (Amari's dual geometry): the e-geodesic, the m-geodesic, the mixture, α-geodesics.

KL is a divergence, not a metric; the Fisher-Rao metric is its local quadratic form, and its own
geometry is a dually flat pair of connections:

* e-geodesic: p_t ∝ p^(1-t) q^t, straight in natural parameters; an exponential family is e-flat,
  so between two of its members the path stays in the family (``exponential_family`` declarations);
  on all densities the normalised geometric mixture, undefined where the supports do not meet;
* m-geodesic: straight in expectation parameters (normals: the mean linear, Σ_t = (1-t)Σ0 + tΣ1 +
  t(1-t)ΔμΔμᵀ, the mixture's moments); on all densities the mixture itself;
* mixture: (1-t) p + t q, always, on all densities (atoms and clouds included);
* alpha(a): the normalised power mean ((1-t) p^b + t q^b)^(1/b), b = (1-a)/2: a = 1 the e-geodesic,
  a = -1 the mixture, a = 0 the Fisher-Rao great circle up to reparametrisation.

None of them runs at constant speed: t is each curve's own affine parameter, and ``length`` is the
curve's Fisher-Rao arc length (see curves.py), at least the Fisher-Rao distance, equal only where
the curve is the Fisher-Rao geodesic. (docs/math.md#kls-own-straight-lines)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError, ValidationError
from ..families.base import Interval, Law, Param, Unit, as_array, fmt, merge_atoms, out, param, register
from ..families.charts import ExponentialFamily
from ..numeric import bisect_monotone, nondecreasing_in
from . import curves
from .base import BetweenTwo, Path, PlanarPair, geodesic_path
from .registry import SameFamilyWith, blend_colors, define_metric, explain, geodesic, route

AFFINE = ("not constant speed: t is the curve's own affine parameter; the length is the curve's "
          "Fisher-Rao arc length, at least the Fisher-Rao distance")

define_metric(
    "e-geodesic", order=40, aliases=("e", "exponential-geodesic"), title="e-geodesic", colors=("#CC79A7", "#E69ACB"),
    summary="KL's e-geodesic: p_t ∝ p^(1-t) q^t, straight in natural parameters (stays in exponential families)",
    constant_speed=False, length_name="FR length", convention=AFFINE)
define_metric(
    "m-geodesic", order=50, aliases=("m",), title="m-geodesic", colors=("#4D4D4D", "#D0D0D0"),
    summary="KL's m-geodesic: straight in expectation parameters (a family's moment match of the mixture); "
            "the mixture on all densities",
    constant_speed=False, length_name="FR length", convention=AFFINE)
define_metric(
    "mixture", order=60, aliases=("mix",), title="mixture", colors=("#E69F00", "#F0E442"),
    summary="the mixture (1-t) p + t q, on all densities: mass teleports",
    constant_speed=False, length_name="FR length", convention=AFFINE)


def _alpha_colors(values: dict) -> tuple[str, str]:
    """From the mixture's orange (a = -1) to the e-geodesic's reddish purple (a = 1)."""
    return blend_colors("#E69F00", "#F0E442", "#CC79A7", "#E69ACB", (values["a"] + 1.0) / 2.0)


define_metric(
    "alpha", order=70, aliases=("alpha-geodesic",), title="\u03b1-geodesic (\u03b1 = {a})", colors=_alpha_colors,
    summary="Amari's α-geodesic on all densities: the normalised power mean ((1-t) p^b + t q^b)^(1/b), "
            "b = (1-a)/2 (a = 1: e, a = -1: mixture, a = 0: the Fisher-Rao circle)",
    constant_speed=False, length_name="FR length", convention=AFFINE,
    params=(Param("a", Interval(-1.0, 1.0), doc="α in [-1, 1]"),), examples=("alpha(0.5)",))

explain("kl", "kl: KL is a divergence, not a metric (it is not symmetric and breaks the triangle inequality); "
              "use fisher (its local form, the geodesic the seed argument calls the KL one), e-geodesic or "
              "m-geodesic (KL's own straight lines); `geoanim distance` also prints KL(p||q) and KL(q||p)")


# ---------------------------------------------------------------------------------------------
# inside an exponential family
# ---------------------------------------------------------------------------------------------


def _same_model(p, q) -> bool:
    ef: ExponentialFamily = type(p).exponential_family
    return ef.same_model is None or ef.same_model(p, q)


IN_FAMILY = SameFamilyWith("exponential_family", ExponentialFamily, _same_model, "same model")


def family_length(point, ef: ExponentialFamily) -> curves.Measured:
    """Fisher-Rao arc length of a curve inside an exponential family, by chords sqrt(J) with J the
    symmetrised KL in closed form: J = d² + O(d⁴) (both are even about the chord's midpoint and
    share its metric), so the chord sums converge like exact Fisher-Rao chords, and with no solve
    (an mvnormal's Fisher-Rao distance is a shooting problem). docs/math.md#arc-length-of-kl-geodesics"""
    return curves.chord_length(lambda s, t: math.sqrt(max(ef.kl(point(s), point(t)) + ef.kl(point(t), point(s)), 0.0)))


NEAR = 1e-5
"""Below this Fisher-Rao distance a KL straight line's length is the distance itself: they differ
by O(d³) (relative 1e-10 here), while chords between points 1e-5/1024 apart would carry the
rounding of their parameters."""


def _curve_path(p, q, model: str, points: str, measured: curves.Measured, point) -> Path:
    """A curve's Path: its points (described by ``points``: "closed-form points", "quadrature") and its
    Fisher-Rao arc length with the length's error estimate and the partial lengths for captions."""
    return geodesic_path(p, q, model=model, length=measured.length, point=point, error=measured.error,
                         arc=measured.arc, method=f"{points}, Fisher-Rao length by chords "
                                                 f"(error \u2264 {max(measured.error, 1e-16):.0e})")


def _flat(p, q, coordinate: str) -> Path:
    """Straight in the family's natural ("natural") or expectation ("mean") parameters."""
    ef: ExponentialFamily = type(p).exponential_family
    along = ef.e_point if coordinate == "natural" else ef.m_point

    def point(t: float):
        if t in (0.0, 1.0):
            return p if t == 0.0 else q
        try:
            return along(p, q, t)
        except ValidationError as exc:  # the straight line left the parameters geoanim accepts
            raise UnsupportedError(f"{'e' if coordinate == 'natural' else 'm'}-geodesic: from {p} to {q} the curve "
                                   f"leaves the family's accepted parameters at t = {t:.3g} ({exc.message})") from None

    if p == q:
        return _no_way(p, p.family)
    d = geodesic(p, q, "fisher").length if p.dim == 1 else math.inf
    if d < NEAR:
        return geodesic_path(p, q, model=p.family, length=d, point=point, arc=lambda t: t * d,
                             method="closed-form points, length the Fisher-Rao distance (equal to O(d\u00b3) "
                                    "this close)")
    # each chord end is used by two chords, at every resolution: evaluate each point once
    return _curve_path(p, q, p.family, "closed-form points", family_length(functools.cache(point), ef), point)


def _both(metric: str, **kw):
    """Register a builder for pairs on the line and in the plane alike."""
    def deco(build):
        route(metric, fam.Univariate, fam.Univariate, **kw)(build)
        route(metric, fam.Multivariate, fam.Multivariate, **kw)(build)
        return build
    return deco


@_both("e-geodesic", model="same family", method="closed form (natural parameters)", when=IN_FAMILY,
       note="an exponential family is e-flat: the path stays in it")
def e_in_family(p, q) -> Path:
    return _flat(p, q, "natural")


@_both("m-geodesic", model="same family", method="closed form (expectation parameters)", when=IN_FAMILY,
       note="the moment match of the mixture")
def m_in_family(p, q) -> Path:
    return _flat(p, q, "mean")


# ---------------------------------------------------------------------------------------------
# on all densities: the mixture and the normalised power means
# ---------------------------------------------------------------------------------------------


def _union_atoms(p: fam.Univariate, q: fam.Univariate):
    lp, mp = p.atoms()
    lq, mq = q.atoms()
    locs = np.union1d(lp, lq)
    return locs, np.asarray(p.pmf(locs), dtype=float), np.asarray(q.pmf(locs), dtype=float)


def _continuous_mass(d: fam.Univariate) -> float:
    if d.kind == "continuous":
        return 1.0
    if d.kind == "discrete":
        return 0.0
    return max(0.0, 1.0 - math.fsum(d.atoms()[1]))


@register("mixture_interpolant")
@dataclass(frozen=True)
class MixturePoint(BetweenTwo, fam.Univariate):
    """(1 - t) p + t q on the line: the mixture path's point at t, atoms and densities alike."""

    start: fam.Univariate = param(Law(dim=1), doc="start of the path")
    end: fam.Univariate = param(Law(dim=1), doc="end of the path")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    family = "mixture_interpolant"
    derived = True

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {d.kind for w, d in self._parts() if w > 0}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def _parts(self):
        return ((1.0 - self.t, self.start), (self.t, self.end))

    def _sum(self, method: str, x):
        xa = as_array(x)
        total = np.zeros_like(xa)
        for w, d in self._parts():
            if w > 0:
                total = total + w * as_array(getattr(d, method)(xa))
        return out(x, total)

    def pdf(self, x):
        return self._sum("pdf", x)

    def pmf(self, x):
        return self._sum("pmf", x)

    def cdf(self, x):
        return self._sum("cdf", x)

    def sf(self, x):
        return self._sum("sf", x)

    def atoms(self):
        parts = [(d.atoms(), w) for w, d in self._parts() if w > 0 and d.kind != "continuous"]
        if not parts:
            return np.empty(0), np.empty(0)
        return merge_atoms(np.concatenate([a[0] for a, _ in parts]), np.concatenate([w * a[1] for a, w in parts]))

    def _quantile(self, levels, lower: bool):
        """ppf (``lower``) or isf: F_t lies between F_p and F_q, so its quantile lies between theirs
        (their own values at the ends of [0, 1], where a bisection has nothing to bracket)."""
        la = as_array(levels)
        qs = np.array([as_array(getattr(d, "ppf" if lower else "isf")(la)) for w, d in self._parts() if w > 0])
        lo, hi = qs.min(axis=0), qs.max(axis=0)
        inner = bisect_monotone(self.cdf if lower else self.sf, la, np.where(np.isfinite(lo), lo, hi),
                                np.where(np.isfinite(hi), hi, lo), increasing=lower)
        at_lo, at_hi = (la <= 0, la >= 1) if lower else (la >= 1, la <= 0)
        return out(levels, np.where(lo == hi, lo, np.where(at_lo, lo, np.where(at_hi, hi, inner))))

    def ppf(self, u):
        return self._quantile(u, True)

    def isf(self, v):
        return self._quantile(v, False)

    @property
    def mean(self) -> float:
        if self.heavy_tailed:
            return math.nan
        return math.fsum(w * d.mean for w, d in self._parts() if w > 0)

    @property
    def var(self) -> float:
        if self.heavy_tailed:
            return math.inf
        m = self.mean
        return math.fsum(w * (d.var + (d.mean - m) * (d.mean - m)) for w, d in self._parts() if w > 0)


@functools.lru_cache(maxsize=32)
def shared_grid(p: fam.Univariate, q: fam.Univariate) -> curves.Grid:
    """The quadrature grid of a pair, shared by every point of a curve between them."""
    return curves.Grid(p, q)


def _power_mean(a: np.ndarray, b: np.ndarray, t: float | np.ndarray, beta: float) -> np.ndarray:
    """((1-t) a^β + t b^β)^(1/β) elementwise (β = 0: a^(1-t) b^t), 0 where the mean vanishes."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if beta == 0.0:
            value = np.where((a > 0) & (b > 0), np.exp((1 - t) * np.log(a) + t * np.log(b)), 0.0)
        else:
            # in units of the larger of the two, so neither power underflows nor overflows
            m = np.maximum(a, b)
            safe = np.where(m > 0, m, 1.0)
            inner = (1 - t) * (a / safe) ** beta + t * (b / safe) ** beta
            value = np.where(m > 0, safe * inner ** (1.0 / beta), 0.0)
    return np.where(np.isfinite(value), value, 0.0)


def _geometric(la, lb, t: float | np.ndarray) -> np.ndarray:
    """exp((1-t) la + t lb) from log densities, 0 where either is -inf."""
    la, lb = np.asarray(la, dtype=float), np.asarray(lb, dtype=float)
    ok = np.isfinite(la) & np.isfinite(lb)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(ok, np.exp(np.where(ok, (1 - t) * la + t * lb, -np.inf)), 0.0)


@register("power_mean_interpolant")
@dataclass(frozen=True)
class PowerMeanPoint(BetweenTwo, fam.Univariate):
    """The α-geodesic's point at t on all densities: ((1-t) p^b + t q^b)^(1/b) / Z on the densities
    and on the atoms alike (b = 0: the normalised geometric mixture p^(1-t) q^t / Z)."""

    start: fam.Univariate = param(Law(dim=1), doc="start of the path")
    end: fam.Univariate = param(Law(dim=1), doc="end of the path")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    b: float = param(Interval(0.0, 1.0), doc="the power, (1 - α) / 2")
    family = "power_mean_interpolant"
    derived = True
    cdf_by_quadrature = True  # each quantile a root of quadratures (see wasserstein.QUADRATURE_ROOT_COST)

    def _check(self) -> None:
        self._z: float
        _, a, b = _union_atoms(self.start, self.end)
        atomic = float(np.sum(_power_mean(a, b, self.t, self.b))) if a.size else 0.0
        continuous = 0.0
        masses = (_continuous_mass(self.start) > 0, _continuous_mass(self.end) > 0)
        if all(masses) or (self.b > 0 and any(masses)):  # the geometric mean needs both, a power mean either
            # on the pair's shared Gauss-Legendre grid (curves.Grid: pieces cut at both laws' features
            # and kinks, out to their 1e-17 quantiles), built once per pair: every frame of a render
            # is a new point, and adaptive quadrature per point took a second each
            grid = shared_grid(self.start, self.end)
            continuous = math.fsum(grid.w * as_array(self._raw(grid.x)))
        z = atomic + continuous
        if not z > 0:
            raise UnsupportedError(f"the normalised power mean of {self.start} and {self.end} does not exist: "
                                   "their supports do not meet (the geometric mean vanishes everywhere)")
        object.__setattr__(self, "_z", z)

    def _raw(self, x):
        if self.b == 0.0:
            # in logs: a light tail's density underflows long before p^(1-t) q^t does (a Cauchy's
            # tail times a Laplace's to a small power: 8e-4 of the mass was lost beyond |x| = 745)
            return _geometric(self.start.logpdf(x), self.end.logpdf(x), self.t)
        return _power_mean(self.start.pdf(x), self.end.pdf(x), self.t, self.b)

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        locs, m = self.atoms()
        cont = _continuous_mass(self.start) > 0 and _continuous_mass(self.end) > 0
        if self.b > 0:
            cont = _continuous_mass(self.start) > 0 or _continuous_mass(self.end) > 0
        if m.size and cont:
            return "mixed"
        return "discrete" if m.size else "continuous"

    @property
    def heavy_tailed(self) -> bool:
        # a power mean with b > 0 keeps the heavier tail; the geometric mean only one both share
        if self.b > 0:
            return self.start.heavy_tailed or self.end.heavy_tailed
        return self.start.heavy_tailed and self.end.heavy_tailed

    def pdf(self, x):
        return out(x, as_array(self._raw(as_array(x))) / self._z)

    def atoms(self):
        locs, a, b = _union_atoms(self.start, self.end)
        if not locs.size:
            return np.empty(0), np.empty(0)
        m = _power_mean(a, b, self.t, self.b) / self._z
        keep = m > 0
        return locs[keep], m[keep]

    def cdf(self, x):
        """Atoms up to x plus the density's integral, on the pair's shared grid (the normaliser's own
        nodes, so cdf(+inf) is 1 to rounding)."""
        locs, m = self.atoms()
        xa = as_array(x).astype(float)
        cont = np.zeros_like(xa)
        if self.kind != "discrete":
            cont = shared_grid(self.start, self.end).integral_below(lambda v: as_array(self.pdf(v)), xa)
        below = np.array([math.fsum(m[locs <= v]) for v in xa.ravel()]).reshape(xa.shape) if locs.size else 0.0
        return out(x, np.clip(cont + below, 0.0, 1.0))

    def sf(self, x):
        return out(x, 1.0 - as_array(self.cdf(x)))

    def ppf(self, u):
        ua = as_array(u)
        # the power mean is at most max(p, q) <= p + q, so F_t(x) <= (F_p(x) + F_q(x)) / Z
        c = 2.0 / self._z
        p, q = self.start, self.end
        with np.errstate(invalid="ignore"):
            lo = np.minimum(as_array(p.ppf(np.clip(ua / c, 0, 1))), as_array(q.ppf(np.clip(ua / c, 0, 1))))
            hi = np.maximum(as_array(p.isf(np.clip((1 - ua) / c, 0, 1))), as_array(q.isf(np.clip((1 - ua) / c, 0, 1))))
        return out(u, nondecreasing_in(ua, bisect_monotone(self.cdf, ua, lo, hi, increasing=True, iterations=80)))

    def isf(self, v):
        return self.ppf(1.0 - as_array(v)) if np.ndim(v) else self.ppf(1.0 - float(v))

    def _moment(self, f) -> float:
        """∫ f(x) p_t(x) dx over the continuous part, on the shared grid, plus Σ f(atom) mass."""
        locs, m = self.atoms()
        total = math.fsum(m * f(locs)) if locs.size else 0.0
        if self.kind != "discrete":
            grid = shared_grid(self.start, self.end)
            total += math.fsum(grid.w * f(grid.x) * as_array(self.pdf(grid.x)))
        return total

    @property
    def mean(self) -> float:
        if self.heavy_tailed:
            return math.nan
        return self._moment(lambda x: x)

    @property
    def var(self) -> float:
        if self.heavy_tailed:
            return math.inf
        mu = self.mean
        return self._moment(lambda x: (x - mu) ** 2)


def _ends_on(grid: curves.Grid, p, q, beta: float) -> curves.Values:
    """The unnormalised power mean of p's and q's values on the grid at t (what the length needs)."""
    (dp, mp), (dq, mq) = grid.density(p), grid.density(q)
    dp, mp, dq, mq = dp[None, :], mp[None, :], dq[None, :], mq[None, :]  # one row per t
    if beta == 0.0 and grid.x.ndim == 1 and grid.x.size:
        lp = np.asarray(p.logpdf(grid.x), dtype=float)[None, :]
        lq = np.asarray(q.logpdf(grid.x), dtype=float)[None, :]

        def geometric(ts: np.ndarray):
            t = ts[:, None]
            return _geometric(lp, lq, t), _power_mean(mp, mq, t, beta)

        return geometric

    def values(ts: np.ndarray):
        t = ts[:, None]
        return _power_mean(dp, dq, t, beta), _power_mean(mp, mq, t, beta)

    return values


def _no_way(p, model: str = "densities") -> Path:
    """From a law to itself: the constant curve (no grid, no chords; the registry makes it exact)."""
    return geodesic_path(p, p, model=model, length=0.0, method="exact", point=lambda t: p)


def _line_mixture(p: fam.Univariate, q: fam.Univariate, model: str = "densities") -> Path:
    if p == q:
        return _no_way(p)
    if p.kind == "discrete" and q.kind == "discrete":
        locs, a, b = _union_atoms(p, q)

        def point(t: float):
            m = a + t * (b - a)
            keep = m > 0
            return fam.Points(tuple(locs[keep]), tuple(m[keep] / math.fsum(m[keep])))
    else:
        def point(t: float):
            return MixturePoint(p, q, t)
    grid = curves.Grid(p, q)
    return _curve_path(p, q, model, "quadrature", curves.grid_length(grid, _ends_on(grid, p, q, 1.0)), point)


def _line_power_mean(p: fam.Univariate, q: fam.Univariate, beta: float) -> Path:
    if beta == 1.0:
        return _line_mixture(p, q)
    if p == q:
        return _no_way(p)
    grid = curves.Grid(p, q)
    if p.kind == "discrete" and q.kind == "discrete":
        locs, a, b = _union_atoms(p, q)

        def point(t: float):
            m = _power_mean(a, b, t, beta)
            keep = m > 0
            if not keep.any():
                raise UnsupportedError(f"the normalised power mean of {p} and {q} does not exist: no common atom")
            return fam.Points(tuple(locs[keep]), tuple(m[keep] / math.fsum(m[keep])))
    else:
        def point(t: float):
            return PowerMeanPoint(p, q, t, beta)
    point(0.5)  # undefined paths fail here, in one line, before anything is drawn
    return _curve_path(p, q, "densities", "quadrature", curves.grid_length(grid, _ends_on(grid, p, q, beta)), point)


def _geometric_undefined(p, q) -> None:
    """p^(1-t) q^t / Z is a path from p to q only between laws with the same support: elsewhere it
    lives on the common part for every 0 < t < 1 and jumps at both ends (or does not exist at all)."""
    if p.kind != q.kind:
        raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: one has atoms the other lacks, so "
                               "p^(1-t) q^t loses that mass for every 0 < t < 1")
    if p.kind != "continuous":
        lp, lq = p.atoms()[0], q.atoms()[0]
        if lp.size != lq.size or not np.array_equal(lp, lq):
            raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: their atoms differ, and "
                                   "p^(1-t) q^t keeps only the common ones for every 0 < t < 1")
    if p.kind != "discrete" and (p.support[1] <= q.support[0] or q.support[1] <= p.support[0]):
        raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: their supports do not meet, so "
                               "p^(1-t) q^t vanishes everywhere (use mixture or fisher-np: a cross-fade)")
    if p.kind != "discrete" and p.support != q.support:
        raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: their supports differ "
                               f"({fmt(p.support[0])}..{fmt(p.support[1])} and {fmt(q.support[0])}.."
                               f"{fmt(q.support[1])}), and p^(1-t) q^t lives on the common part only")


@route("e-geodesic", fam.Univariate, fam.Univariate, model="densities", method="quadrature",
       note="the normalised geometric mixture", refuses="laws with different supports or atoms (undefined)")
def e_line(p, q) -> Path:
    _geometric_undefined(p, q)
    return _line_power_mean(p, q, 0.0)


@route("m-geodesic", fam.Univariate, fam.Univariate, model="densities", method="quadrature",
       note="no common exponential family: the mixture")
def m_line(p, q) -> Path:
    return _line_mixture(p, q)


@route("mixture", fam.Univariate, fam.Univariate, model="densities", method="exact points, quadrature length")
def mixture_line(p, q) -> Path:
    return _line_mixture(p, q)


@route("alpha", fam.Univariate, fam.Univariate, model="densities", method="quadrature",
       note="a = 1 and a = -1 as e-geodesic and mixture")
def alpha_line(p, q, a: float) -> Path:
    if a == 1.0:
        return geodesic(p, q, "e-geodesic")
    return _line_power_mean(p, q, (1.0 - a) / 2.0)


# ---------------------------------------------------------------------------------------------
# the plane
# ---------------------------------------------------------------------------------------------


def _cloud_weights(p: fam.Cloud, q: fam.Cloud):
    lp, wp = p.atoms2d()
    lq, wq = q.atoms2d()
    locs = np.unique(np.concatenate([lp, lq]), axis=0)
    index = {tuple(r): k for k, r in enumerate(locs)}

    def on(at, m):
        v = np.zeros(len(locs))
        for r, w in zip(at, m):
            v[index[tuple(r)]] += w
        return v

    return locs, on(lp, wp), on(lq, wq)


def _cloud_path(p: fam.Cloud, q: fam.Cloud, beta: float) -> Path:
    locs, a, b = _cloud_weights(p, q)

    def masses(t: float) -> np.ndarray:
        m = _power_mean(a, b, t, beta)
        if not m.any():
            raise UnsupportedError(f"the normalised power mean of {p} and {q} does not exist: no common point")
        return m / math.fsum(m)

    def point(t: float):
        m = masses(t)
        keep = m > 0
        return fam.Points2D(tuple(tuple(float(v) for v in r) for r in locs[keep]), tuple(m[keep] / math.fsum(m[keep])))

    masses(0.5)

    def at(t: float) -> np.ndarray:
        return a if t == 0.0 else b if t == 1.0 else masses(t)

    def chord(s: float, t: float) -> float:
        u, v = at(s), at(t)
        sq = np.sqrt(u) + np.sqrt(v)
        d = np.where(sq > 0, (u - v) / np.where(sq > 0, sq, 1.0), 0.0)
        return curves.hellinger_chord(float(np.sum(d * d)))

    return _curve_path(p, q, "distributions", "exact points", curves.chord_length(chord, last=512, ends=3), point)


@route("mixture", fam.Cloud, fam.Cloud, model="distributions", method="exact")
def mixture_clouds(p, q) -> Path:
    return _cloud_path(p, q, 1.0)


@route("m-geodesic", fam.Cloud, fam.Cloud, model="distributions", method="exact", note="the mixture")
def m_clouds(p, q) -> Path:
    return _cloud_path(p, q, 1.0)


@route("e-geodesic", fam.Cloud, fam.Cloud, model="distributions", method="exact",
       note="the normalised geometric mean of the weights", refuses="clouds on different points (undefined)")
def e_clouds(p, q) -> Path:
    if not np.array_equal(p.atoms2d()[0], q.atoms2d()[0]):
        raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: they sit on different points, and "
                               "p^(1-t) q^t keeps only the common ones for every 0 < t < 1")
    return _cloud_path(p, q, 0.0)


@route("alpha", fam.Cloud, fam.Cloud, model="distributions", method="exact")
def alpha_clouds(p, q, a: float) -> Path:
    return _cloud_path(p, q, (1.0 - a) / 2.0)


@register("mixture_interpolant2d")
@dataclass(frozen=True)
class MixturePoint2D(PlanarPair):
    """(1 - t) p + t q in the plane: densities and atoms alike."""

    start: fam.Multivariate = param(Law(planar=True), doc="start of the path")
    end: fam.Multivariate = param(Law(planar=True), doc="end of the path")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    family = "mixture_interpolant2d"
    derived = True

    def _check(self) -> None:
        if self.start.dim != self.end.dim:
            raise UnsupportedError(f"the endpoints live in different dimensions ({self.start.dim} and {self.end.dim})")

    def pdf(self, x):
        return (1 - self.t) * np.asarray(self.start.pdf(x)) + self.t * np.asarray(self.end.pdf(x))

    def atoms2d(self):
        parts = [(d.atoms2d(), w) for w, d in ((1 - self.t, self.start), (self.t, self.end)) if w > 0]
        locs = np.concatenate([a[0] for a, _ in parts])
        masses = np.concatenate([w * a[1] for a, w in parts])
        if not locs.size:
            return np.empty((0, self.dim)), np.empty(0)
        uniq, inverse = np.unique(locs, axis=0, return_inverse=True)
        return uniq, np.bincount(inverse.ravel(), weights=masses, minlength=len(uniq))

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        (m0, c0), (m1, c1) = self.start.moments(), self.end.moments()
        t = self.t
        mean = (1 - t) * m0 + t * m1
        second = (1 - t) * (c0 + np.outer(m0, m0)) + t * (c1 + np.outer(m1, m1))
        return mean, second - np.outer(mean, mean)

    def box(self, k: float = 3.0):
        boxes = [d.box(k) for d in (self.start, self.end)]
        return np.minimum(boxes[0][0], boxes[1][0]), np.maximum(boxes[0][1], boxes[1][1])


def _plane_mixture(p: fam.Multivariate, q: fam.Multivariate, model: str = "densities") -> Path:
    if p == q:
        return _no_way(p)
    grid = curves.PlaneGrid(p, q)
    return _curve_path(p, q, model, "quadrature", curves.grid_length(grid, _ends_on(grid, p, q, 1.0)),
                     lambda t: MixturePoint2D(p, q, t))


@route("mixture", fam.Multivariate, fam.Multivariate, model="densities", method="exact points, quadrature length")
def mixture_plane(p, q) -> Path:
    return _plane_mixture(p, q)


@route("m-geodesic", fam.Multivariate, fam.Multivariate, model="densities", method="quadrature",
       note="no common exponential family: the mixture")
def m_plane(p, q) -> Path:
    return _plane_mixture(p, q)


@route("e-geodesic", fam.Multivariate, fam.Multivariate, model="densities", method="-",
       refuses="a normal and a cloud (mutually singular: undefined)")
def e_plane(p, q) -> Path:
    raise UnsupportedError(f"e-geodesic: undefined between {p} and {q}: they are mutually singular, so "
                           "p^(1-t) q^t vanishes everywhere")


@route("alpha", fam.Multivariate, fam.Multivariate, model="densities", method="-",
       note="at a = 1 and a = -1 as e-geodesic and mixture",
       refuses="-1 < a < 1 unless both are clouds (the normaliser would need a planar integral)")
def alpha_plane(p, q, a: float) -> Path:
    if a == 1.0:
        return geodesic(p, q, "e-geodesic")
    if a == -1.0:
        return geodesic(p, q, "mixture")
    raise UnsupportedError(f"alpha({fmt(a)}): in the plane the power mean is supported between clouds only "
                           "(its normaliser needs a two-dimensional integral)")
