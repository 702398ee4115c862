"""The sphere of all densities: Fisher-Rao without a parametric family (Hellinger geometry).

r -> 2√r maps densities (and pmfs, and mixed laws: the square root of each part) isometrically into
L², onto the sphere of radius 2. The distance is 2 arccos of the Bhattacharyya coefficient
BC = ∫√(pq), evaluated as 4 atan2(H, √(4 - H²)) from the squared Hellinger distance
H² = ∫(√p - √q)², which keeps its digits near 0 and near π; the geodesic is the great circle
√r_t = a(t)√p + b(t)√q (slerp). For mutually singular laws BC = 0: distance π, a cross-fade.

The Bhattacharyya coefficient is in closed form for two normals (any dimension) and two uniforms;
atoms are compared location by location (exact sums); other continuous pairs use quadrature cut at
every feature of both laws. Geodesic points that have no family of their own are the
distributions :class:`FisherNPPoint` (the line) and :class:`FisherNPPoint2D` (the plane).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.base import Law, Unit, as_array, out, param, register
from ..numeric import bisect_monotone, integrate_line, scalar
from .base import Path, geodesic_path
from .features import features as _features
from .features import quadrature_cuts
from .spaces import slerp_weights, sphere_distance, sqrt_difference

# ---------------------------------------------------------------------------------------------
# the line
# ---------------------------------------------------------------------------------------------


def _continuous_part(d: fam.Univariate) -> float:
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


def _masses_on(locs, at, m):
    out = np.zeros(locs.size)
    if at.size:
        out[np.searchsorted(locs, at)] = m
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


DISJOINT = 1e-17  # a Bhattacharyya coefficient below this leaves H² = 2 - 2 BC at exactly 2.0 in double precision
QUAD_TOL = 1e-9  # the largest quadrature error estimate on H² that is accepted (else: refused)


def _line_hellinger(p: fam.Univariate, q: fam.Univariate) -> tuple[float, str]:
    """H² = ∫(√p - √q)² over the continuous and atomic parts of two laws on the line, and the method."""
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        log_bc, _, _ = _bhattacharyya_normal(p, q)
        return -2.0 * math.expm1(log_bc), "closed form"
    if isinstance(p, fam.Uniform) and isinstance(q, fam.Uniform):
        lo, hi = max(p.low, q.low), min(p.high, q.high)
        overlap = max(hi - lo, 0.0)
        only_p, only_q = p.width - overlap, q.width - overlap
        # 1/√w1 - 1/√w2 = (w2 - w1) / (√w1 √w2 (√w1 + √w2)): no cancellation for close widths
        r1, r2 = math.sqrt(p.width), math.sqrt(q.width)
        gap = (q.width - p.width) / (r1 * r2 * (r1 + r2))
        return only_p / p.width + only_q / q.width + overlap * gap * gap, "closed form"
    method = "exact"
    total = 0.0
    if p.kind != "continuous" or q.kind != "continuous":
        _, mp, mq = _union_atoms(p, q)
        total += math.fsum(sqrt_difference(mp, mq) ** 2)
    cp, cq = _continuous_part(p), _continuous_part(q)
    if cp > 0 and cq > 0:
        if p.kind == q.kind == "continuous" and _bc_upper_bound(p, q) < DISJOINT:
            return 2.0, "exact (disjoint in double precision)"
        _check_resolvable(p, q)
        f = scalar(lambda x: sqrt_difference(p.pdf(x), q.pdf(x)) ** 2)
        lo = min(p.support[0], q.support[0])
        hi = max(p.support[1], q.support[1])
        value, error = integrate_line(f, lo, hi, quadrature_cuts(p, q))
        if not error <= QUAD_TOL:
            raise UnsupportedError(f"fisher-np: the Hellinger integral between {p} and {q} did not converge "
                                   f"(error estimate {error:.1e}, tolerance {QUAD_TOL:g})")
        total += value
        method = "quadrature"
    else:
        total += cp + cq  # mutually singular continuous parts contribute their masses
    return total, method


def _bc_upper_bound(p: fam.Univariate, q: fam.Univariate) -> float:
    """An upper bound on the Bhattacharyya coefficient of two continuous laws, from their cdfs alone.

    For any partition of the line into cells A_i, Cauchy-Schwarz on each cell gives
    ∫√(pq) <= Σ √(P(A_i) Q(A_i)). Cells cut at every feature of both laws, and masses taken from
    the tail each cell is in (cdf left of the median, sf right of it), keep the bound tight where
    the laws are far apart: there the densities cannot even be sampled (laplace(1e20, 1) is narrower
    than the floating-point spacing at 1e20), but their tails are exact.
    """
    finite_support = [c for d in (p, q) for c in d.support if math.isfinite(c)]
    cuts = np.array(sorted({*quadrature_cuts(p, q), *finite_support}))
    edges = np.concatenate([[-math.inf], cuts, [math.inf]])

    def masses(d: fam.Univariate) -> np.ndarray:
        median = float(d.ppf(0.5))
        lower = np.diff(np.asarray(d.cdf(edges), dtype=float))
        upper = -np.diff(np.asarray(d.sf(edges), dtype=float))
        return np.clip(np.where(edges[1:] <= median, lower, upper), 0.0, 1.0)

    return float(np.sum(np.sqrt(masses(p) * masses(q))))


def _check_resolvable(p: fam.Univariate, q: fam.Univariate) -> None:
    """Refuse a law whose shape is finer than the floating-point spacing where it sits: no quadrature
    can sample it (laplace(1e20, 1): x near 1e20 comes in steps of 16384)."""
    for d in (p, q):
        for c, w in _features(d):
            if math.isfinite(c) and not w > 1e3 * math.ulp(c):
                raise UnsupportedError(
                    f"fisher-np: {d} is too narrow for double precision at its location (x near {c:.3g} "
                    f"comes in steps of {math.ulp(c):.3g}); shift both laws closer to 0")


@functools.lru_cache(maxsize=256)
def _cross_moment(p: fam.Univariate, q: fam.Univariate, k: int) -> float:
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
    return integrate_line(f, lo, hi, quadrature_cuts(p, q))[0]


@register("fisher_np_interpolant")
@dataclass(frozen=True)
class FisherNPPoint(fam.Univariate):
    """The point at time t of the nonparametric Fisher-Rao geodesic from ``start`` to ``end``.

    Its density is (a sqrt p + b sqrt q)^2 with the great-circle coefficients (a, b), on the
    continuous part and on the atoms alike. For disjoint supports this is the cross-fade
    cos^2(pi t / 2) p + sin^2(pi t / 2) q.
    """

    start: fam.Univariate = param(Law(dim=1), doc="start of the geodesic")
    end: fam.Univariate = param(Law(dim=1), doc="end of the geodesic")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    family = "fisher_np_interpolant"
    derived = True

    def _check(self) -> None:
        # derived state, declared for the type checker and set past the frozen dataclass
        self._ab: tuple[float, float]
        self._cuts: tuple[float, ...]
        h2, _ = hellinger(self.start, self.end)
        object.__setattr__(self, "_ab", slerp_weights(sphere_distance(h2) / 2, self.t))
        object.__setattr__(self, "_cuts", quadrature_cuts(self.start, self.end))

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def support(self):
        return (min(self.start.support[0], self.end.support[0]), max(self.start.support[1], self.end.support[1]))

    @property
    def breakpoints(self):
        return tuple(sorted({*self.start.breakpoints, *self.end.breakpoints}))

    def pdf(self, x):
        a, b = self._ab
        xa = as_array(x)
        return out(x, (a * np.sqrt(as_array(self.start.pdf(xa))) + b * np.sqrt(as_array(self.end.pdf(xa)))) ** 2)

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
        xa = as_array(x)
        locs, masses = self.atoms()
        atomic = np.array([math.fsum(masses[locs <= v]) for v in xa.ravel()]).reshape(xa.shape)

        def cont_cdf(d):
            if d.kind == "discrete":
                return np.zeros_like(xa)
            if d.kind == "continuous":
                return as_array(d.cdf(xa))
            dl, dm = d.atoms()
            return as_array(d.cdf(xa)) - np.array([math.fsum(dm[dl <= v]) for v in xa.ravel()]).reshape(xa.shape)

        if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
            log_bc, m, v = _bhattacharyya_normal(p, q)
            cross = math.exp(log_bc) * as_array(fam.Normal(m, math.sqrt(v)).cdf(xa))
        elif p.kind == "discrete" or q.kind == "discrete":
            cross = np.zeros_like(xa)
        else:
            f = scalar(lambda s: np.sqrt(p.pdf(s) * q.pdf(s)))
            lo = max(p.support[0], q.support[0])
            cross = np.array([integrate_line(f, lo, min(v, min(p.support[1], q.support[1])), self._cuts)[0]
                              if v > lo else 0.0 for v in xa.ravel()]).reshape(xa.shape)
        total = a * a * cont_cdf(p) + b * b * cont_cdf(q) + 2 * a * b * cross + atomic
        return out(x, np.clip(total, 0.0, 1.0))

    def ppf(self, u):
        # r_t = (a sqrt p + b sqrt q)^2 <= 2 (a^2 + b^2)(p + q), so F_t >= u needs max(F_p, F_q) >= u / c
        # with c = 4 (a^2 + b^2); the same holds for the upper tails. The endpoints thus bracket the quantile.
        a, b = self._ab
        c = 4.0 * (a * a + b * b)
        ua = as_array(u)
        p, q = self.start, self.end
        lo = np.minimum(as_array(p.ppf(ua / c)), as_array(q.ppf(ua / c)))
        hi = np.maximum(as_array(p.isf((1 - ua) / c)), as_array(q.isf((1 - ua) / c)))
        return out(u, bisect_monotone(self.cdf, ua, lo, hi, increasing=True, iterations=80))

    def isf(self, v):
        return self.ppf(1.0 - as_array(v)) if np.ndim(v) else self.ppf(1.0 - float(v))

    def plot_range(self):
        a, b = self.start.plot_range(), self.end.plot_range()
        return (min(a[0], b[0]), max(a[1], b[1]))

    def feature_points(self):
        return np.concatenate([self.start.feature_points(), self.end.feature_points()])


def nonparametric(p: fam.Univariate, q: fam.Univariate) -> Path:
    """The great circle from p to q on the sphere of all densities (atoms: of all pmfs)."""
    h2, method = hellinger(p, q)
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
    return geodesic_path(p, q, model="densities", length=length, method=method, point=point)


# ---------------------------------------------------------------------------------------------
# the plane
# ---------------------------------------------------------------------------------------------


def _plane_hellinger(p: fam.Multivariate, q: fam.Multivariate) -> tuple[float, str]:
    """H² between two base laws in the plane: normals in closed form, clouds exactly, else singular."""
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal):
        return -2.0 * math.expm1(log_bc_normals(p, q)), "closed form"
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        _, mp, mq = union_atoms(p, q)
        return float(np.sum((mp - mq) ** 2 / np.maximum(np.sqrt(mp) + np.sqrt(mq), 1e-300) ** 2)), "exact"
    return 2.0, "exact (mutually singular)"


def log_bc_normals(p: fam.MVNormal, q: fam.MVNormal) -> float:
    """log of the Bhattacharyya coefficient of two normals (closed form)."""
    S1, S2 = p.sigma, q.sigma
    S = 0.5 * S1 + 0.5 * S2
    dm = q.mu - p.mu
    if not np.all(np.isfinite(dm)):  # means 2e308 apart: the Mahalanobis term is +inf, BC = 0
        half = 0.5 * q.mu - 0.5 * p.mu
        with np.errstate(over="ignore"):
            return float(-0.5 * half @ np.linalg.solve(S, half))
    _, ld = np.linalg.slogdet(S)
    _, l1 = np.linalg.slogdet(S1)
    _, l2 = np.linalg.slogdet(S2)
    return float(-0.125 * dm @ np.linalg.solve(S, dm) - 0.5 * ld + 0.25 * (l1 + l2))


def union_atoms(p, q):
    lp, mp = p.atoms2d()
    lq, mq = q.atoms2d()
    locs = np.unique(np.concatenate([lp, lq]), axis=0)
    return locs, _on(locs, lp, mp), _on(locs, lq, mq)


def _on(locs, at, m):
    index = {tuple(r): k for k, r in enumerate(locs)}
    out = np.zeros(len(locs))
    for r, w in zip(at, m):
        out[index[tuple(r)]] += w
    return out


@register("fisher_np_interpolant2d")
@dataclass(frozen=True)
class FisherNPPoint2D(fam.Multivariate):
    """Point at time t of the nonparametric Fisher-Rao geodesic in the plane: density
    (a sqrt p + b sqrt q)^2 on the continuous parts, (a sqrt P + b sqrt Q)^2 on the atoms."""

    start: fam.Multivariate = param(Law(planar=True), doc="start of the geodesic")
    end: fam.Multivariate = param(Law(planar=True), doc="end of the geodesic")
    t: float = param(Unit(), doc="time along it, in [0, 1]")
    family = "fisher_np_interpolant2d"
    derived = True

    def _check(self) -> None:
        if self.start.dim != self.end.dim:
            raise UnsupportedError(f"the endpoints live in different dimensions ({self.start.dim} and {self.end.dim})")
        self._ab: tuple[float, float]  # declared for the type checker, set past the frozen dataclass
        h2, _ = hellinger(self.start, self.end)
        object.__setattr__(self, "_ab", slerp_weights(sphere_distance(h2) / 2, self.t))

    @property
    def dim(self) -> int:  # type: ignore[override]  # a property for the base's class attribute
        return self.start.dim

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def pdf(self, x):
        a, b = self._ab
        parts = [np.sqrt(d.pdf(x)) if isinstance(d, fam.MVNormal) else 0.0 for d in (self.start, self.end)]
        return (a * parts[0] + b * parts[1]) ** 2 + np.zeros(np.shape(x)[:-1])

    def atoms2d(self):
        a, b = self._ab
        clouds = [d for d in (self.start, self.end) if isinstance(d, fam.Cloud)]
        if not clouds:
            return np.empty((0, self.dim)), np.empty(0)
        if len(clouds) == 2:
            locs, mp, mq = union_atoms(self.start, self.end)
            m = (a * np.sqrt(mp) + b * np.sqrt(mq)) ** 2
        else:
            locs, w = clouds[0].atoms2d()
            m = (a if clouds[0] is self.start else b) ** 2 * w
        keep = m > 0
        return locs[keep], m[keep]

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean vector and covariance matrix of the point, exactly: r = a^2 p + b^2 q + 2ab sqrt(pq)
        on the continuous parts (sqrt(pq) of two normals is BC N(m, S) with precision (S1^-1 + S2^-1)/2),
        plus the atoms."""
        a, b = self._ab
        pieces: list[tuple[float, np.ndarray, np.ndarray]] = []  # (mass, first moment, second moment) of each part of r
        for w, d in ((a * a, self.start), (b * b, self.end)):
            if isinstance(d, fam.MVNormal):
                pieces.append((w, w * d.mu, w * (d.sigma + np.outer(d.mu, d.mu))))
        if isinstance(self.start, fam.MVNormal) and isinstance(self.end, fam.MVNormal):
            P1, P2 = np.linalg.inv(self.start.sigma), np.linalg.inv(self.end.sigma)
            S = np.linalg.inv(0.5 * (P1 + P2))
            m = S @ (0.5 * (P1 @ self.start.mu + P2 @ self.end.mu))
            c = 2 * a * b * math.exp(log_bc_normals(self.start, self.end))
            pieces.append((c, c * m, c * (S + np.outer(m, m))))
        locs, masses = self.atoms2d()
        if masses.size:
            pieces.append((float(masses.sum()), masses @ locs, (locs.T * masses) @ locs))
        mass = sum(piece[0] for piece in pieces)
        mean = sum(piece[1] for piece in pieces) / mass
        second = sum(piece[2] for piece in pieces) / mass
        # sum() starts from the int 0, so its type admits a number; with no pieces, mass is 0 and
        # the division above has already raised
        assert isinstance(mean, np.ndarray) and isinstance(second, np.ndarray)
        return mean, second - np.outer(mean, mean)

    def box(self, k: float = 3.0):
        boxes = [d.box(k) for d in (self.start, self.end)]
        return np.minimum(boxes[0][0], boxes[1][0]), np.maximum(boxes[0][1], boxes[1][1])


# ---------------------------------------------------------------------------------------------
# any two laws of one dimension, geodesic points included
# ---------------------------------------------------------------------------------------------


def sqrt_terms(d: fam.Distribution) -> list[tuple[float, fam.Distribution]]:
    """√d as a combination Σ c_k √b_k of base laws: a point of this sphere's geodesics expands into
    its endpoints (√r_t = a √p + b √q), recursively; any other law is its own single term."""
    if isinstance(d, (FisherNPPoint, FisherNPPoint2D)):
        a, b = d._ab
        return [(a * c, x) for c, x in sqrt_terms(d.start)] + [(b * c, x) for c, x in sqrt_terms(d.end)]
    return [(1.0, d)]


_RANK = {"closed form": 0, "exact": 1, "exact (disjoint in double precision)": 1, "exact (mutually singular)": 1,
         "quadrature": 2}


@functools.lru_cache(maxsize=512)
def hellinger(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """H² = ‖√p - √q‖² (between 0 and 2) for two laws of one dimension, and how it was computed.

    Base laws go to the closed forms, exact sums or quadrature above. Where either law is a geodesic
    point of this sphere, √p - √q = Σ γ_k √f_k over base laws f_k, and with H²_kl = H²(f_k, f_l),
        ‖Σ γ_k √f_k‖² = (Σ γ_k)² - Σ_{k<l} γ_k γ_l H²_kl
    (from ⟨√f_k, √f_l⟩ = 1 - H²_kl / 2), which stays accurate as p and q meet: Σγ then tends to
    0 and every H²_kl is itself computed without cancellation. Cached: every point of a path shares it.
    """
    base = _line_hellinger if p.dim == 1 else _plane_hellinger
    terms: dict[fam.Distribution, float] = {}
    for c, x in sqrt_terms(p) + [(-c, x) for c, x in sqrt_terms(q)]:
        terms[x] = terms.get(x, 0.0) + c
    items = [(c, x) for x, c in terms.items() if c != 0.0]
    if len(items) == 2 and sqrt_terms(p) == [(1.0, p)] and sqrt_terms(q) == [(1.0, q)]:
        h2, method = base(p, q)  # type: ignore[arg-type]
    elif len(items) <= 1:
        h2, method = (items[0][0] ** 2 if items else 0.0), "closed form"  # a law against itself, rescaled
    else:
        total = math.fsum(c for c, _ in items) ** 2
        ranks = []
        for i, (ci, xi) in enumerate(items):
            for cj, xj in items[i + 1:]:
                hij, how = hellinger(xi, xj)
                total -= ci * cj * hij
                ranks.append(_RANK.get(how, 2))
        h2 = total
        method = ["closed form", "exact", "quadrature"][max(ranks)]
    return min(max(h2, 0.0), 2.0) + 0.0, method  # H² of probability laws is in [0, 2]; + 0.0: never -0.0


def nonparametric_plane(p: fam.Multivariate, q: fam.Multivariate) -> Path:
    """The great circle from p to q on the sphere of all densities in the plane."""
    h2, method = hellinger(p, q)
    length = sphere_distance(h2)
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        locs, mp, mq = union_atoms(p, q)
        sp, sq = np.sqrt(mp), np.sqrt(mq)

        def point(t):
            a, b = slerp_weights(length / 2, t)
            r = (a * sp + b * sq) ** 2
            keep = r > 0
            return fam.Points2D(tuple(tuple(v) for v in locs[keep]), tuple(r[keep] / r[keep].sum()))
    else:
        def point(t):
            return FisherNPPoint2D(p, q, t)
    return geodesic_path(p, q, model="densities", length=length, method=method, point=point)
