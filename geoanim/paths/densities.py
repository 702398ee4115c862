"""The sphere of all densities: Fisher-Rao without a parametric family (Hellinger geometry).

r -> 2√r maps densities (and pmfs, and mixed laws: the square root of each part) isometrically into
L², onto the sphere of radius 2. The distance is 2 arccos of the Bhattacharyya coefficient
BC = ∫√(pq), evaluated as 4 atan2(H, √(4 - H²)) from the Hellinger chord H = ‖√p - √q‖ (H² =
∫(√p - √q)² = 2 - 2 BC), which keeps its digits near 0 and near π; the geodesic is the great
circle √r_t = a(t)√p + b(t)√q (slerp). For mutually singular laws BC = 0: distance π, a cross-fade.

Every computation returns the chord H itself, not H²: H² underflows once H < 1e-154 (normal(0, 1)
vs normal(1e-160, 1)), and sums of squares are taken in units of their largest term.

The Bhattacharyya coefficient is in closed form for two laws of one family among normal (any
dimension), half-normal, uniform, exponential, Laplace, Cauchy and Poisson (docs/math.md,
"Bhattacharyya coefficient: closed forms"); atoms are compared location by location from the exact
masses; other continuous pairs use quadrature cut at every feature of both laws. Geodesic points
that have no family of their own are the distributions :class:`FisherNPPoint` (the line) and
:class:`FisherNPPoint2D` (the plane).
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.base import Law, Unit, as_array, out, param, register
from ..families.dirichlet import Dirichlet, simplex_kl
from ..families.halfnormal import HalfNormal
from ..families.lognormal import LogNormal
from ..numeric import integrate_line, newton_bracketed, scalar
from .base import Path, PlanarPair, geodesic_path
from .features import features as _features
from .features import quadrature_cuts
from .spaces import chord_distance, slerp_coefficients, sqrt_difference

SQRT2 = math.sqrt(2.0)

# ---------------------------------------------------------------------------------------------
# scale-safe pieces
# ---------------------------------------------------------------------------------------------


def _norm(values) -> float:
    """The Euclidean norm in units of the largest entry: squares of 1e-200 neither underflow nor
    squares of 1e200 overflow."""
    v = np.abs(np.asarray(values, dtype=float)).ravel()
    if v.size == 0:
        return 0.0
    top = float(v.max())
    if not 0.0 < top < math.inf:
        return top
    return top * math.sqrt(math.fsum((v / top) ** 2))


def _root_log1p_square(r: float) -> float:
    """sqrt(log(1 + r²)) for r >= 0: r (1 - r²/4) below 1e-8 (where r² may underflow; the next
    term is r⁵/12 relative r⁴ ~ 1e-33), sqrt(2 log r) above 1e150 (where r² overflows)."""
    if r < 1e-8:
        return r * (1.0 - 0.25 * r * r)
    if r > 1e150:
        return math.sqrt(2.0 * math.log(r))
    return math.sqrt(math.log1p(r * r))


def _chord_from_root(lam: float) -> float:
    """The chord H = sqrt(2 - 2 BC) from λ = sqrt(-2 log BC) >= 0, with relative precision for
    tiny λ: H² = 2(1 - e^-x) with x = λ²/2, and H = λ (1 - x/4) below x = 1e-8 (error x²/20)."""
    x = 0.5 * lam * lam
    if x < 1e-8:
        return lam * (1.0 - 0.25 * x)
    return math.sqrt(-2.0 * math.expm1(-x))


def _ratio_root(a: float, b: float) -> float:
    """|a - b| / sqrt(a b) for a, b > 0, divided out one factor at a time (sqrt(a b) overflows for
    1e308 and underflows for 5e-324); the larger root first, so no quotient overflows on the way
    unless the result does."""
    lo, hi = min(a, b), max(a, b)
    return (hi - lo) / math.sqrt(hi) / math.sqrt(lo)


# ---------------------------------------------------------------------------------------------
# closed forms on the line (docs/math.md#bhattacharyya-coefficient-closed-forms)
# ---------------------------------------------------------------------------------------------


def _normal_root(p: fam.Normal, q: fam.Normal) -> float:
    """λ = sqrt(-2 log BC) = hypot(sqrt(log1p(r²)), |Δμ| / (sqrt 2 h)) for two normals, with
    r = |σ1 - σ2| / sqrt(2 σ1 σ2) and h = hypot(σ1, σ2), formed in ratios to the larger σ so that
    neither h (1.8e308) nor the squares (Δμ = 1e-160) leave the floats."""
    s1, s2 = p.std, q.std
    top = max(s1, s2)
    hp = math.hypot(s1 / top, s2 / top)  # h / top, in [1, sqrt 2]
    dm = abs(p.mean - q.mean)
    if math.isinf(dm):  # means 2e308 apart: the halves do not overflow
        dm = 2.0 * abs(0.5 * p.mean - 0.5 * q.mean)
    shift = dm / (SQRT2 * hp) / top  # the last division is the only one that may leave the normal range
    return math.hypot(_root_log1p_square(_ratio_root(s1, s2) / SQRT2), shift)


def _normal_cross(p: fam.Normal, q: fam.Normal) -> tuple[float, float, float]:
    """log BC, and the mean and standard deviation of the normalised sqrt(p q): the normal law with
    precision (1/σ1² + 1/σ2²)/2, mean (μ1 σ2² + μ2 σ1²)/h², sd sqrt 2 σ1 σ2 / h = sqrt 2 min(σ) / (h / max(σ))."""
    s1, s2 = p.std, q.std
    top = max(s1, s2)
    r1, r2 = s1 / top, s2 / top
    hp = math.hypot(r1, r2)
    w1, w2 = (r2 / hp) ** 2, (r1 / hp) ** 2  # weights of the means, summing to 1
    lam = _normal_root(p, q)
    return -0.5 * lam * lam, p.mean * w1 + q.mean * w2, SQRT2 * min(s1, s2) / hp


def _uniform_chord(p: fam.Uniform, q: fam.Uniform) -> float:
    """H² = (w1 - o)/w1 + (w2 - o)/w2 + o (1/sqrt w1 - 1/sqrt w2)², each term's root formed in
    ratios (the product sqrt w1 sqrt w2 (sqrt w1 + sqrt w2) overflowed for uniform(0, 1e308) and
    underflowed for uniform(0, 1e-300)): o (1/sqrt m - 1/sqrt M)² = (o/m)(1 - sqrt(m/M))² with m, M
    the smaller and larger width, and 1 - sqrt(m/M) = ((M - m)/M) / (1 + sqrt(m/M))."""
    w1, w2 = p.width, q.width
    o = p.overlap(q)
    # the parts outside the other's support and the change of width from the four ends exactly
    # (width - overlap of rounded widths lost every digit for supports 1e-23 apart)
    only_p, only_q = p.outside(q), q.outside(p)
    m, big = min(w1, w2), max(w1, w2)
    gap = math.sqrt(o) / math.sqrt(m) * (abs(p.width_change(q)) / big) / (1.0 + math.sqrt(m / big))
    return math.hypot(math.sqrt(only_p) / math.sqrt(w1), math.sqrt(only_q) / math.sqrt(w2), gap)


_INVERSE_FACTORIALS = [1.0 / math.factorial(k) for k in range(70)]


def _series(x: float, weight: Callable[[int], float], alternating: bool = False) -> float:
    """Σ_j weight(j) x^j (times (-1)^j if ``alternating``) for 0 <= x <= 1, to full precision: 30
    terms of series whose j-th term is below 1/j!."""
    terms, power = [], 1.0
    for j in range(30):
        terms.append(weight(j) * power * (-1.0 if alternating and j % 2 else 1.0))
        power *= x
    return math.fsum(terms)


def _laplace_chord(p: fam.Laplace, q: fam.Laplace) -> float:
    """H for two Laplace laws: BC = G K with G = 2 sqrt(b1 b2) / (b1 + b2) (the scales) and
    K = e^-x (cosh y + x sinh(y)/y) (the offset δ), x = δ (1/b1 + 1/b2)/4, y = ρ x, ρ = (b1 - b2)/(b1 + b2).

    H² = 2(1 - G) + 2G(1 - K) with 1 - G = (sqrt b1 - sqrt b2)² / (b1 + b2), both parts >= 0. For
    x <= 1, 1 - K = x² [A(x) - e^-x ρ² (c(y) + x s(y))] with the series A(x) = (1 - e^-x (1 + x))/x²,
    c(y) = (cosh y - 1)/y², s(y) = (sinh y - y)/y³, so nothing cancels and nothing underflows.
    """
    b1, b2 = p.scale, q.scale
    delta = abs(p.loc - q.loc)
    if math.isinf(delta):
        delta = 2.0 * abs(0.5 * p.loc - 0.5 * q.loc)
    total = b1 + b2
    if math.isinf(total):
        half = 0.5 * b1 + 0.5 * b2
        rho = (0.5 * b1 - 0.5 * b2) / half
        g = math.sqrt(b1) * math.sqrt(b2) / half
        root_1mg = abs(rho) * SQRT2 * math.sqrt(half) / (math.sqrt(b1) + math.sqrt(b2))
    else:
        rho = (b1 - b2) / total
        g = 2.0 * math.sqrt(b1) * math.sqrt(b2) / total
        root_1mg = abs(rho) * math.sqrt(total) / (math.sqrt(b1) + math.sqrt(b2))
    x = 0.0 if delta == 0.0 else delta / b1 / 4.0 + delta / b2 / 4.0
    if x == 0.0:
        return SQRT2 * root_1mg
    if x <= 1.0:
        y = rho * x
        a_x = _series(x, lambda j: (j + 1) * _INVERSE_FACTORIALS[j + 2], alternating=True)
        c_y = _series(y * y, lambda j: _INVERSE_FACTORIALS[2 * j + 2])
        s_y = _series(y * y, lambda j: _INVERSE_FACTORIALS[2 * j + 3])
        bracket = max(a_x - math.exp(-x) * rho * rho * (c_y + x * s_y), 0.0)
        return SQRT2 * math.hypot(root_1mg, math.sqrt(g) * x * math.sqrt(bracket))
    # x > 1: K itself. e^-x cosh y and e^-x x sinh(y)/y from e^(-x (1 -+ |rho|)) = e^(-δ / (2 max b)) and
    # e^(-δ / (2 min b)), formed from δ directly (x and 1 - |rho| may be inf and 0)
    r = abs(rho)
    ay = r * x if r > 0 else 0.0
    near, far = math.exp(-delta / max(b1, b2) / 2.0), math.exp(-delta / min(b1, b2) / 2.0)
    if ay <= 1.0:
        decay = x * math.exp(-x) if x < 800.0 else 0.0
        k_ = math.exp(-x) * math.cosh(ay) + decay * _series(ay * ay, lambda j: _INVERSE_FACTORIALS[2 * j + 1])
    else:
        k_ = 0.5 * (near + far) + (near - far) / (2.0 * r)
    return math.sqrt(max(2.0 * (1.0 - g * k_), 0.0))


def _agm_offset(e: float) -> float:
    """AGM(1, 1 + e) - 1 for e >= 0, iterated on the offsets from 1 (a_n - 1, b_n - 1) so that
    nothing cancels for small e: the geometric mean's offset is expm1(mean of the log1p)."""
    a, b = 0.0, e
    for _ in range(200):
        if abs(a - b) <= 4e-16 * max(a, b):
            break
        a, b = 0.5 * (a + b), math.expm1(0.5 * (math.log1p(a) + math.log1p(b)))
    return 0.5 * (a + b)


def _cauchy_chord(p: fam.Cauchy, q: fam.Cauchy) -> float:
    """H for two Cauchy laws: BC = 1 / AGM(1, sqrt(1 + χ/2)) with χ = ((x1 - x2)² + (γ1 - γ2)²) / (2 γ1 γ2)
    (invariance under the real Möbius maps reduces any pair to Cauchy(0, 1) vs Cauchy(0, γ), where
    BC = sqrt(γ) ∫ dx / (π sqrt((x² + 1)(x² + γ²))) = sqrt(γ) / AGM(1, γ)). H² = 2α/(1 + α) with
    α = AGM - 1 from the offsets; below sqrt χ = 1e-8, H = sqrt(χ)/2 (relative error 9χ/64)."""
    dx = p.loc - q.loc
    if math.isinf(dx):
        dx = 2.0 * (0.5 * p.loc - 0.5 * q.loc)
    g1, g2 = p.scale, q.scale
    root_chi = math.hypot(dx, g1 - g2) / SQRT2 / math.sqrt(max(g1, g2)) / math.sqrt(min(g1, g2))
    if root_chi < 1e-8:
        return 0.5 * root_chi
    if math.isinf(root_chi):
        return SQRT2
    if root_chi > 1e150:
        offset = root_chi / SQRT2  # sqrt(1 + χ/2) - 1 = sqrt(χ/2) to the last bit
    else:
        half_chi = 0.5 * root_chi * root_chi
        offset = half_chi / (math.sqrt(1.0 + half_chi) + 1.0)
    alpha = _agm_offset(offset)
    return math.sqrt(2.0 * alpha / (1.0 + alpha)) if math.isfinite(alpha) else SQRT2


def _closed_form_chord(p: fam.Univariate, q: fam.Univariate) -> float | None:
    """H for two laws of one family with a closed-form Bhattacharyya coefficient, else None."""
    if type(p) is not type(q):
        return None
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        return _chord_from_root(_normal_root(p, q))
    if isinstance(p, LogNormal) and isinstance(q, LogNormal):
        # the Hellinger distance does not change under x -> log x: the normals' chord
        return _chord_from_root(_normal_root(fam.Normal(p.mu, p.sigma), fam.Normal(q.mu, q.sigma)))
    if isinstance(p, HalfNormal) and isinstance(q, HalfNormal):
        # |X| for X ~ N(0, σ): BC = ∫_0^∞ 2 sqrt(φ1 φ2) = the BC of N(0, σ1) and N(0, σ2)
        return _chord_from_root(_root_log1p_square(_ratio_root(p.scale, q.scale) / SQRT2))
    if isinstance(p, fam.Exponential) and isinstance(q, fam.Exponential):
        # BC = 2 sqrt(λ1 λ2) / (λ1 + λ2): -2 log BC = log1p((λ1 - λ2)² / (4 λ1 λ2))
        return _chord_from_root(_root_log1p_square(0.5 * _ratio_root(p.rate, q.rate)))
    if isinstance(p, fam.Poisson) and isinstance(q, fam.Poisson):
        # BC = exp(-(sqrt λ1 - sqrt λ2)² / 2): λ = |sqrt λ1 - sqrt λ2| = |λ1 - λ2| / (sqrt λ1 + sqrt λ2)
        return _chord_from_root(abs(p.rate - q.rate) / (math.sqrt(p.rate) + math.sqrt(q.rate)))
    if isinstance(p, fam.Uniform) and isinstance(q, fam.Uniform):
        return _uniform_chord(p, q)
    if isinstance(p, fam.Laplace) and isinstance(q, fam.Laplace):
        return _laplace_chord(p, q)
    if isinstance(p, fam.Cauchy) and isinstance(q, fam.Cauchy):
        return _cauchy_chord(p, q)
    return None


# ---------------------------------------------------------------------------------------------
# atoms: exact masses
# ---------------------------------------------------------------------------------------------


def _continuous_part(d: fam.Univariate) -> float:
    """Mass of the absolutely continuous part."""
    if d.kind == "continuous":
        return 1.0
    if d.kind == "discrete":
        return 0.0
    return 1.0 - math.fsum(d.atoms()[1])


def _raw_atoms(d: fam.Distribution) -> tuple[np.ndarray, np.ndarray]:
    """A law's atoms as its parameters give them, before repeated locations are merged (a merged
    mass is a rounded sum, and the rounding decides H when two such laws are close)."""
    if isinstance(d, fam.Points):
        return np.asarray(d.locations, dtype=float), np.asarray(d.weights, dtype=float)
    if isinstance(d, fam.Categorical):
        return np.asarray(d.at, dtype=float), np.asarray(d.probs, dtype=float)
    if isinstance(d, fam.Points2D):
        return np.asarray(d.locations, dtype=float).reshape(-1, 2), np.asarray(d.weights, dtype=float)
    if isinstance(d, fam.Multivariate):
        return d.atoms2d()
    assert isinstance(d, fam.Univariate)
    return d.atoms()


@functools.lru_cache(maxsize=256)
def _exact_atoms(p: fam.Distribution, q: fam.Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(locations, P, Q, sqrt P - sqrt Q) on the union of two laws' atoms.

    A discrete law's masses are its weights over their total (weights need only sum to 1 within
    SUM_TOL). P - Q is formed from the weights exactly: per location, the exact sum of p's weights
    minus q's, rounded once (math.fsum), corrected for the totals (P = S_p/(1 + τ_p), τ_p = Σw - 1,
    so P - Q = (S_p - S_q) - (S_p ε_p - S_q ε_q) with ε = τ/(1 + τ)), and sqrt P - sqrt Q = (P - Q) /
    (sqrt P + sqrt Q): nothing cancels when the laws are close.
    """
    lp, wp = _raw_atoms(p)
    lq, wq = _raw_atoms(q)
    planar = lp.ndim == 2 or lq.ndim == 2
    if planar:
        lp, lq = lp.reshape(-1, 2), lq.reshape(-1, 2)
    everything = np.concatenate([lp, lq])
    if len(everything) == 0:
        empty = np.empty((0, 2)) if planar else np.empty(0)
        return empty, np.empty(0), np.empty(0), np.empty(0)
    locs, inverse = np.unique(everything, axis=0 if planar else None, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    ip, iq = inverse[:len(wp)], inverse[len(wp):]
    n = len(locs)
    sp = np.bincount(ip, weights=wp, minlength=n)
    sq = np.bincount(iq, weights=wq, minlength=n)
    diff = sp - sq  # one rounding where each side has at most one weight at the location
    repeated = np.flatnonzero((np.bincount(ip, minlength=n) > 1) | (np.bincount(iq, minlength=n) > 1))
    for k in repeated:
        gp, gq = wp[ip == k], wq[iq == k]
        sp[k], sq[k] = math.fsum(gp), math.fsum(gq)
        diff[k] = math.fsum([*gp, *(-gq)])

    def excess(d: fam.Distribution, w: np.ndarray) -> float:  # ε = τ/(1 + τ) of a discrete law, else 0
        if d.kind != "discrete" or w.size == 0:
            return 0.0
        tau = math.fsum([*w, -1.0])
        return tau / (1.0 + tau)

    ep, eq = excess(p, wp), excess(q, wq)
    P, Q = sp - sp * ep, sq - sq * eq
    delta = diff - (sp * ep - sq * eq)
    s = np.sqrt(np.maximum(P, 0.0)) + np.sqrt(np.maximum(Q, 0.0))
    roots = np.where(s > 0, delta / np.where(s > 0, s, 1.0), 0.0)
    if type(p) is type(q) and hasattr(p, "log_mass_ratio") and not planar:
        # masses computed one by one (a pmf) differ by their roundings: where the family knows
        # log(P/Q) itself, √P - √Q = √Q·expm1(log(P/Q)/2)
        both = (P > 0) & (Q > 0)
        with np.errstate(over="ignore", invalid="ignore"):
            ratio = np.asarray(p.log_mass_ratio(q, locs), dtype=float)
            roots = np.where(both, np.sqrt(np.where(both, Q, 0.0)) * np.expm1(0.5 * ratio), roots)
    return locs, P, Q, roots


def union_atoms(p: fam.Distribution, q: fam.Distribution) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(locations, P, Q) on the union of two laws' atoms (masses as in :func:`_exact_atoms`)."""
    locs, P, Q, _ = _exact_atoms(p, q)
    return locs, P, Q


# ---------------------------------------------------------------------------------------------
# the line
# ---------------------------------------------------------------------------------------------

DISJOINT = 1e-17  # a Bhattacharyya coefficient below this leaves H² = 2 - 2 BC at exactly 2.0 in double precision
QUAD_TOL = 1e-9  # the largest quadrature error estimate on H² that is accepted (else: refused)


def _line_chord(p: fam.Univariate, q: fam.Univariate) -> tuple[float, str]:
    """H = ‖√p - √q‖ over the continuous and atomic parts of two laws on the line, and the method."""
    closed = _closed_form_chord(p, q)
    if closed is not None:
        return closed, "closed form"
    method = "exact"
    atomic = 0.0
    if p.kind != "continuous" or q.kind != "continuous":
        atomic = _norm(_exact_atoms(p, q)[3])
    cp, cq = _continuous_part(p), _continuous_part(q)
    if cp > 0 and cq > 0:
        if p.kind == q.kind == "continuous" and _bc_upper_bound(p, q) < DISJOINT:
            return SQRT2, "exact (disjoint in double precision)"
        _check_resolvable(p, q)
        f = scalar(lambda x: sqrt_difference(p.pdf(x), q.pdf(x)) ** 2)
        lo = min(p.support[0], q.support[0])
        hi = max(p.support[1], q.support[1])
        value, error = integrate_line(f, lo, hi, quadrature_cuts(p, q))
        if not error <= QUAD_TOL:
            raise UnsupportedError(f"fisher-np: the Hellinger integral between {p} and {q} did not converge "
                                   f"(error estimate {error:.1e}, tolerance {QUAD_TOL:g})")
        continuous = math.sqrt(max(value, 0.0))
        method = "quadrature"
    else:
        continuous = math.sqrt(cp + cq)  # mutually singular continuous parts contribute their masses
    return math.hypot(atomic, continuous), method


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


# ---------------------------------------------------------------------------------------------
# the cross part sqrt(p q) of a geodesic point's density (a^2 p + b^2 q + 2ab sqrt(pq))
# ---------------------------------------------------------------------------------------------


class _Cross:
    """sqrt(p q) over the continuous parts of two laws: its mass (the continuous BC), its two tails
    ∫_-∞^x and ∫_x^∞, and its normalised mean and variance."""

    mass: float

    def lower(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def upper(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - every kind overrides
        raise NotImplementedError

    def moments(self) -> tuple[float, float]:  # pragma: no cover - every kind overrides
        raise NotImplementedError


class _ClosedCross(_Cross):
    """sqrt(p q) = BC times a law of a family (two normals, half-normals, exponentials, uniforms)."""

    def __init__(self, mass: float, law: fam.Univariate):
        self.mass, self.law = mass, law

    def lower(self, x):
        return self.mass * np.asarray(self.law.cdf(x), dtype=float)

    def upper(self, x):
        return self.mass * np.asarray(self.law.sf(x), dtype=float)

    def moments(self):
        return self.law.mean, self.law.var


def _quad_piece(f: Callable[[float], float], a: float, b: float) -> float:
    """∫_a^b f to a relative 1e-11 (no absolute floor: a tail of 1e-300 keeps its digits)."""
    from scipy.integrate import quad

    if not a < b:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = quad(f, a, b, epsabs=0.0, epsrel=1e-11, limit=200)[0]
    return max(float(value), 0.0) if math.isfinite(value) else 0.0


class _QuadratureCross(_Cross):
    """sqrt(p q) by quadrature, its integrals from both ends to every quadrature cut taken once
    (shared by every point of the path); a tail at x then costs one short integral."""

    def __init__(self, p: fam.Univariate, q: fam.Univariate):
        self.p, self.q = p, q
        self.lo, self.hi = max(p.support[0], q.support[0]), min(p.support[1], q.support[1])
        self.cuts = tuple(c for c in quadrature_cuts(p, q) if self.lo < c < self.hi)
        self.edges = np.array([self.lo, *self.cuts, self.hi])
        pieces = np.array([_quad_piece(self.f, a, b) for a, b in zip(self.edges[:-1], self.edges[1:])])
        self.below = np.concatenate([[0.0], np.cumsum(pieces)])  # ∫ from lo to each edge: sums of positives
        self.above = np.concatenate([np.cumsum(pieces[::-1])[::-1], [0.0]])  # ∫ from each edge to hi
        self.mass = math.fsum(pieces)
        self._moments: tuple[float, float] | None = None

    def f(self, x: float) -> float:
        v = math.sqrt(float(self.p.pdf(np.float64(x))) * float(self.q.pdf(np.float64(x))))
        return v if math.isfinite(v) else 0.0  # a density that is inf * 0 = nan where it underflows

    def _piece_of(self, x: float) -> int:
        return int(np.searchsorted(self.edges, x, side="right")) - 1

    def lower(self, x):
        xa = np.asarray(x, dtype=float)
        values = []
        for v in xa.ravel():
            if not v > self.lo:
                values.append(0.0)
            elif v >= self.hi:
                values.append(self.mass)
            else:
                k = self._piece_of(v)
                values.append(self.below[k] + _quad_piece(self.f, self.edges[k], v))
        return np.array(values).reshape(xa.shape)

    def upper(self, x):
        xa = np.asarray(x, dtype=float)
        values = []
        for v in xa.ravel():
            if not v < self.hi:
                values.append(0.0)
            elif v <= self.lo:
                values.append(self.mass)
            else:
                k = self._piece_of(v)
                values.append(self.above[k + 1] + _quad_piece(self.f, v, self.edges[k + 1]))
        return np.array(values).reshape(xa.shape)

    def moments(self):
        if self._moments is None:
            self._moments = self._integrate_moments()
        return self._moments

    def _integrate_moments(self) -> tuple[float, float]:
        # quadrature_cuts, not just the breakpoints: a narrow bump (normal(3, 1e-6) vs laplace(0, 1))
        # was missed, and the geodesic point's mean came out 1.4995 instead of 1.5005
        m1 = integrate_line(lambda x: x * self.f(x), self.lo, self.hi, self.cuts)[0] / self.mass
        v = integrate_line(lambda x: (x - m1) * (x - m1) * self.f(x), self.lo, self.hi, self.cuts)[0] / self.mass
        return m1, max(v, 0.0)


@functools.lru_cache(maxsize=256)
def _cross(p: fam.Univariate, q: fam.Univariate) -> _Cross | None:
    """The cross part of two laws' geodesic points, or None where it has no mass."""
    if p.kind == "discrete" or q.kind == "discrete":
        return None
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        log_bc, m, sd = _normal_cross(p, q)
        mass = math.exp(log_bc)
        return _ClosedCross(mass, fam.Normal(m, sd)) if mass > 0 and sd > 0 else None
    if isinstance(p, LogNormal) and isinstance(q, LogNormal):
        # sqrt(p q)(x) = sqrt(n1 n2)(log x) / x: the normals' cross term, through log x, is a log-normal
        log_bc, m, sd = _normal_cross(fam.Normal(p.mu, p.sigma), fam.Normal(q.mu, q.sigma))
        mass = math.exp(log_bc)
        return _ClosedCross(mass, LogNormal(m, sd)) if mass > 0 and sd > 0 else None
    if isinstance(p, HalfNormal) and isinstance(q, HalfNormal):
        s1, s2 = p.scale, q.scale
        top = max(s1, s2)
        lam = _root_log1p_square(_ratio_root(s1, s2) / SQRT2)
        mass = math.exp(-0.5 * lam * lam)
        return _ClosedCross(mass, HalfNormal(SQRT2 * min(s1, s2) / math.hypot(s1 / top, s2 / top))) if mass > 0 \
            else None
    if isinstance(p, fam.Exponential) and isinstance(q, fam.Exponential):
        lam = _root_log1p_square(0.5 * _ratio_root(p.rate, q.rate))
        mass = math.exp(-0.5 * lam * lam)
        return _ClosedCross(mass, fam.Exponential(0.5 * p.rate + 0.5 * q.rate)) if mass > 0 else None
    if isinstance(p, fam.Uniform) and isinstance(q, fam.Uniform):
        lo, hi = max(p.low, q.low), min(p.high, q.high)
        if not lo < hi:
            return None
        o = hi - lo
        mass = math.sqrt(o / p.width) * math.sqrt(o / q.width)
        return _ClosedCross(mass, fam.Uniform(lo, hi)) if mass > 0 else None
    h, _ = hellinger_distance(p, q)
    if h * h >= 2.0:  # BC below 1e-17: disjoint in double precision
        return None
    lo, hi = max(p.support[0], q.support[0]), min(p.support[1], q.support[1])
    if not lo < hi:
        return None
    cross = _QuadratureCross(p, q)
    return cross if cross.mass > 0 else None


def _continuous_tail(d: fam.Univariate, x: np.ndarray, upper: bool) -> np.ndarray:
    """P(X <= x) (or P(X > x)) over the continuous part of d alone."""
    if d.kind == "discrete":
        return np.zeros_like(x)
    tail = np.asarray(d.sf(x) if upper else d.cdf(x), dtype=float)
    if d.kind == "continuous":
        return tail
    locs, masses = d.atoms()
    return np.maximum(tail - _atomic_tail(locs, masses, x, upper), 0.0)


def _atomic_tail(locs: np.ndarray, masses: np.ndarray, x: np.ndarray, upper: bool) -> np.ndarray:
    """The mass of the atoms at or below x (or above x)."""
    if masses.size == 0:
        return np.zeros_like(x)
    if upper:
        above = np.concatenate([np.cumsum(masses[::-1])[::-1], [0.0]])  # mass from each atom up
        return above[np.searchsorted(locs, x, side="right")]
    below = np.concatenate([[0.0], np.cumsum(masses)])
    return below[np.searchsorted(locs, x, side="right")]


def _spread(pieces: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Mean and variance of a law made of parts (mass, mean, variance), as Σ m_i (v_i + (μ_i - μ)²) / Σ m_i
    with the deviations halved and in units of a power of two near the largest (nothing overflows
    on the way unless the variance itself does; no 0 * inf)."""
    pieces = [(m, mu, v) for m, mu, v in pieces if m > 0]
    total = math.fsum(m for m, _, _ in pieces)
    if not pieces or not total > 0:
        return math.nan, math.nan
    try:
        mean = math.fsum(m * mu for m, mu, _ in pieces) / total
    except OverflowError:
        mean = 2.0 * math.fsum(m * (0.5 * mu) for m, mu, _ in pieces) / total
    if not math.isfinite(mean) or any(not math.isfinite(v) for _, _, v in pieces):
        return mean, math.inf
    spread = [(m, v, 0.5 * mu - 0.5 * mean) for m, mu, v in pieces]
    size = max(max(0.5 * math.sqrt(v), abs(dev)) for _, v, dev in spread)
    if size == 0:
        return mean, 0.0
    k = math.frexp(size)[1]
    units = math.fsum(m * (math.ldexp(v, -2 * k - 2) + math.ldexp(dev, -k) ** 2) for m, v, dev in spread) / total
    try:
        return mean, math.ldexp(units, 2 * k + 2)
    except OverflowError:
        return mean, math.inf


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
    # its cdf is an integral of (a sqrt p + b sqrt q)^2, so each quantile is a root of quadratures:
    # ~0.08 s a level (wasserstein.QUADRATURE_ROOT_COST charges it; a W2 quadrature ran for minutes)
    cdf_by_quadrature = True

    def _check(self) -> None:
        # derived state, declared for the type checker and set past the frozen dataclass
        self._ab: tuple[float, float]
        self._coefficients: tuple[tuple[float, float], tuple[float, float]]
        h, _ = hellinger_distance(self.start, self.end)
        coefficients = slerp_coefficients(chord_distance(h) / 2, self.t)
        object.__setattr__(self, "_coefficients", coefficients)
        object.__setattr__(self, "_ab", (coefficients[0][0], coefficients[1][0]))

    def _endpoint(self) -> fam.Univariate | None:
        """At t = 0 (b = 0) or t = 1 (a = 0) the point is that endpoint, exactly."""
        a, b = self._ab
        return self.start if b == 0.0 else self.end if a == 0.0 else None

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def support(self):
        end = self._endpoint()
        if end is not None:
            return end.support
        return (min(self.start.support[0], self.end.support[0]), max(self.start.support[1], self.end.support[1]))

    @property
    def breakpoints(self):
        return tuple(sorted({*self.start.breakpoints, *self.end.breakpoints}))

    def pdf(self, x):
        a, b = self._ab
        xa = as_array(x)
        return out(x, (a * np.sqrt(as_array(self.start.pdf(xa))) + b * np.sqrt(as_array(self.end.pdf(xa)))) ** 2)

    @functools.cached_property
    def _atoms(self) -> tuple[np.ndarray, np.ndarray]:
        if self.start.kind == "continuous" and self.end.kind == "continuous":
            return np.empty(0), np.empty(0)
        a, b = self._ab
        locs, mp, mq = union_atoms(self.start, self.end)
        m = (a * np.sqrt(mp) + b * np.sqrt(mq)) ** 2
        keep = m > 0
        return locs[keep], m[keep]

    def atoms(self):
        return self._atoms

    # cdf, sf and moments: a^2 (p part) + b^2 (q part) + 2ab (cross part sqrt(p q)) + the atoms
    def _tail(self, x: np.ndarray, upper: bool) -> np.ndarray:
        a, b = self._ab
        total = a * a * _continuous_tail(self.start, x, upper) + b * b * _continuous_tail(self.end, x, upper)
        cross = _cross(self.start, self.end)
        if cross is not None:
            total = total + 2.0 * a * b * (cross.upper(x) if upper else cross.lower(x))
        locs, masses = self.atoms()
        total = (total + _atomic_tail(locs, masses, x, upper)) / self._mass
        return np.clip(np.where(np.isnan(x), np.nan, total), 0.0, 1.0)

    @functools.cached_property
    def _mass(self) -> float:
        """a² + b² + 2ab BC as the parts add up (1 but for rounding, and the quadrature's 1e-11): the
        tails are divided by it, so that the cdf reaches 1 and cdf + sf = 1."""
        a, b = self._ab
        cross = _cross(self.start, self.end)
        parts = [a * a * _continuous_part(self.start), b * b * _continuous_part(self.end),
                 2.0 * a * b * cross.mass if cross is not None else 0.0, *self.atoms()[1]]
        total = math.fsum(parts)
        return total if total > 0 else 1.0

    def cdf(self, x):
        end = self._endpoint()
        if end is not None:
            return end.cdf(x)
        return out(x, self._tail(as_array(x).astype(float), upper=False))

    def sf(self, x):
        end = self._endpoint()
        if end is not None:
            return end.sf(x)
        return out(x, self._tail(as_array(x).astype(float), upper=True))

    def _pieces(self) -> list[tuple[float, float, float]]:
        """(mass, mean, variance) of each part of the point: the continuous parts of p and q weighted
        a² and b², the cross part weighted 2ab BC, the atoms."""
        a, b = self._ab
        pieces = []
        for w, d in ((a * a, self.start), (b * b, self.end)):
            if w == 0 or d.kind == "discrete":
                continue
            if d.kind == "continuous":
                pieces.append((w, d.mean, d.var))
                continue
            locs, masses = d.atoms()
            share = 1.0 - math.fsum(masses)
            if share <= 0:
                continue
            # the continuous part's own mean and variance, from the whole law's minus the atoms'
            mu = (d.mean - math.fsum(masses * locs)) / share
            second = d.var + (d.mean - mu) * (d.mean - mu) - math.fsum(masses * (locs - mu) * (locs - mu)) / share
            pieces.append((w * share, mu, max(second, 0.0)))
        cross = _cross(self.start, self.end)
        if cross is not None and a * b > 0:
            mu, v = cross.moments()
            pieces.append((2.0 * a * b * cross.mass, mu, v))
        locs, masses = self.atoms()
        pieces.extend((m, x, 0.0) for x, m in zip(locs, masses))
        return pieces

    @property
    def mean(self) -> float:
        end = self._endpoint()
        if end is not None:
            return end.mean
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.nan
        return _spread(self._pieces())[0]

    @property
    def var(self) -> float:
        end = self._endpoint()
        if end is not None:
            return end.var
        if self.start.heavy_tailed or self.end.heavy_tailed:
            return math.inf
        return _spread(self._pieces())[1]

    # quantiles: the smallest x with F(x) >= u, solved from the lower tail for u <= 1/2 and from the
    # upper tail (P(X > x) <= 1 - u) above, so both tails keep their digits
    def ppf(self, u):
        return self._quantile(u, True)

    def isf(self, v):
        return self._quantile(v, False)

    def _quantile(self, levels, lower: bool):
        """ppf (``lower``) or isf: u = F(x) from the lower tail where u <= 1/2, else from the upper."""
        end = self._endpoint()
        if end is not None:
            return end.ppf(levels) if lower else end.isf(levels)
        la = as_array(levels).astype(float)
        u = la if lower else 1.0 - la  # the cdf level (rounded only where it is above 1/2 for isf)
        low_tail, high_tail = (la, 1.0 - la) if lower else (1.0 - la, la)
        with np.errstate(invalid="ignore"):
            return out(levels, self._quantiles(np.where(u <= 0.5 if lower else la >= 0.5, low_tail, np.nan),
                                               np.where(u > 0.5 if lower else la < 0.5, high_tail, np.nan), u))

    def _quantiles(self, lower: np.ndarray, upper: np.ndarray, level: np.ndarray) -> np.ndarray:
        """x with F(x) >= lower (where given) or P(X > x) <= upper (where given); level = 1 - upper or
        lower, for the ends of the support at 0 and 1."""
        lo_end, hi_end = self.support
        result = np.full(level.shape, np.nan)
        result = np.where(level <= 0.0, lo_end, result)
        result = np.where(level >= 1.0, hi_end, result)
        inside = (level > 0.0) & (level < 1.0)
        for tail, which in ((lower, False), (upper, True)):
            pick = inside & ~np.isnan(tail)
            if pick.any():
                result[pick] = self._solve(tail[pick], which)
        return result

    def _solve(self, level: np.ndarray, upper: bool) -> np.ndarray:
        """The smallest x with F(x) >= level (or P(X > x) <= level when ``upper``), 0 < level <= 1/2."""
        if self.kind == "discrete":
            locs, masses = self.atoms()
            total = math.fsum(masses)
            if upper:  # the first atom with P(X > x) <= level
                above = np.concatenate([np.cumsum(masses[::-1])[::-1][1:], [0.0]]) / total
                idx = np.searchsorted(-above, -level, side="left")
            else:
                idx = np.searchsorted(np.cumsum(masses) / total, level, side="left")
            return locs[np.clip(idx, 0, locs.size - 1)]
        # r_t <= 2 (a^2 + b^2)(p + q), so each tail of F_t is at most c = 4 (a^2 + b^2) times the larger
        # of the endpoints' tails: the endpoints' quantiles at level / c and (1 - level) / c bracket x
        a, b = self._ab
        c = 4.0 * (a * a + b * b)
        p, q = self.start, self.end
        near, far = level / c, (1.0 - level) / c
        if upper:
            lo = np.minimum(as_array(p.ppf(far)), as_array(q.ppf(far)))
            hi = np.maximum(as_array(p.isf(near)), as_array(q.isf(near)))
        else:
            lo = np.minimum(as_array(p.ppf(near)), as_array(q.ppf(near)))
            hi = np.maximum(as_array(p.isf(far)), as_array(q.isf(far)))
        lo = np.broadcast_to(lo, level.shape).astype(float)
        hi = np.broadcast_to(hi, level.shape).astype(float)
        if upper:
            def f(x):
                return -self._tail(np.asarray(x, dtype=float), upper=True)

            target = -level
        else:
            def f(x):
                return self._tail(np.asarray(x, dtype=float), upper=False)

            target = level
        lo, hi = self._finite_bracket(f, target, lo, hi)
        return newton_bracketed(f, lambda x: as_array(self.pdf(x)), target, lo, hi)

    @staticmethod
    def _finite_bracket(f, target: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Replace an infinite end of a bracket (a level below what the endpoints' quantiles resolve)
        by a finite point on the right side of the root, stepping out 4 times farther each time."""
        lo, hi = lo.copy(), hi.copy()
        biggest = float(np.finfo(float).max)
        for i in range(target.size):
            if math.isfinite(lo[i]) and math.isfinite(hi[i]):
                continue
            anchor = hi[i] if math.isfinite(hi[i]) else lo[i] if math.isfinite(lo[i]) else 0.0
            for sign, end in ((-1.0, lo), (1.0, hi)):
                if math.isfinite(end[i]):
                    continue
                step = 1.0 + abs(anchor)
                x = anchor + sign * step
                # on the wrong side while F(x) >= target below the root, F(x) < target above it
                while math.isfinite(x) and (float(f(np.array([x]))[0]) >= target[i]) == (sign < 0):
                    step *= 4.0
                    x = anchor + sign * step
                end[i] = x if math.isfinite(x) else sign * biggest
        return lo, hi

    def plot_range(self):
        a, b = self.start.plot_range(), self.end.plot_range()
        return (min(a[0], b[0]), max(a[1], b[1]))

    def feature_points(self):
        return np.concatenate([self.start.feature_points(), self.end.feature_points()])


def nonparametric(p: fam.Univariate, q: fam.Univariate) -> Path:
    """The great circle from p to q on the sphere of all densities (atoms: of all pmfs)."""
    h, method = hellinger_distance(p, q)
    length = chord_distance(h)
    if p.kind == "discrete" and q.kind == "discrete" and method != "closed form":
        # atoms compared mass by mass: the point is a law of atoms of its own. (Two Poisson laws
        # are compared in closed form; their points stay geodesic points, so that distances to them
        # use that closed form and not the atoms' rounding.)
        locs, mp, mq = union_atoms(p, q)
        sp, sq = np.sqrt(mp), np.sqrt(mq)

        def point(t):
            (a, _), (b, _) = slerp_coefficients(length / 2, t)
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


def _plane_chord(p: fam.Multivariate, q: fam.Multivariate) -> tuple[float, str]:
    """H between two base laws in the plane: normals in closed form, clouds exactly, else singular."""
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal):
        return _chord_from_root(_mvnormal_root(p, q)), "closed form"
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        return _norm(_exact_atoms(p, q)[3]), "exact"
    dirichlets = [isinstance(d, Dirichlet) for d in (p, q)]
    if isinstance(p, Dirichlet) and isinstance(q, Dirichlet):
        # BC = B((a + b)/2) / sqrt(B(a) B(b)), so -2 log BC = KL(c‖a) + KL(c‖b) with c = (a + b)/2: the Jensen
        # gap of log B as two Bregman divergences, each >= 0 and without cancellation (docs/math.md)
        a, b = np.array(p.alpha), np.array(q.alpha)
        c = 0.5 * a + 0.5 * b
        return _chord_from_root(math.sqrt(simplex_kl(c, a) + simplex_kl(c, b))), "closed form"
    if any(dirichlets) and p.kind == q.kind == "continuous":
        raise UnsupportedError(f"fisher-np: between {p} and {q} (a Dirichlet law and another density in the plane) "
                               "the Bhattacharyya integral has no closed form here")
    return SQRT2, "exact (mutually singular)"


def _mvnormal_root(p: fam.MVNormal, q: fam.MVNormal) -> float:
    """λ = sqrt(-2 log BC) for two normals, from their differences.

    -2 log BC = ¼ ΔᵀS⁻¹Δ + ½ Σ log1p(μ_i² / (4 (1 + μ_i))) with S = (S1 + S2)/2 and μ_i the eigenvalues
    of S1⁻¹ (S2 - S1) (docs/math.md): each term >= 0, so nothing cancels (slogdet differences lost
    every digit for covariances 1e-19 apart). μ comes from L1⁻¹ (S2 - S1) L1⁻ᵀ (S1 = L1 L1ᵀ) where it
    is small, and as ν - 1 from the eigenvalues ν of L1⁻¹ S2 L1⁻ᵀ where it is not (1 + μ near 0
    would cancel). The Mahalanobis part is the norm of L⁻¹ Δ/2 (S = L Lᵀ), in units of its largest entry.
    """
    from scipy.linalg import solve_triangular

    S1, S2 = p.sigma, q.sigma
    half = 0.5 * q.mu - 0.5 * p.mu
    try:
        with np.errstate(all="ignore"):
            L = np.linalg.cholesky(0.5 * S1 + 0.5 * S2)
            shift = _norm(solve_triangular(L, half, lower=True))
            L1 = np.linalg.cholesky(S1)
            if not math.isfinite(shift):
                return math.inf
            A = solve_triangular(L1, solve_triangular(L1, S2 - S1, lower=True).T, lower=True)
            B = solve_triangular(L1, solve_triangular(L1, S2, lower=True).T, lower=True)
            if not (np.isfinite(A).all() and np.isfinite(B).all()):
                return math.inf  # a covariance ratio beyond the floats: BC < 1e-150
            mu = np.linalg.eigvalsh(0.5 * (A + A.T))
            nu = np.linalg.eigvalsh(0.5 * (B + B.T))
    except np.linalg.LinAlgError as exc:
        raise UnsupportedError(f"fisher-np: the covariances of {p} and {q} are not positive definite in "
                               f"double precision ({exc})") from None
    small = np.abs(mu) <= 0.5
    nu = np.where(small, 1.0 + mu, np.maximum(nu, np.finfo(float).tiny))
    mu = np.where(small, mu, nu - 1.0)
    roots = [_root_log1p_square(abs(m) / (2.0 * math.sqrt(n))) for m, n in zip(mu, nu)]
    return math.hypot(shift, _norm(roots) / SQRT2)


def log_bc_normals(p: fam.MVNormal, q: fam.MVNormal) -> float:
    """log of the Bhattacharyya coefficient of two normals (closed form, -λ²/2)."""
    lam = _mvnormal_root(p, q)
    return -0.5 * lam * lam


@register("fisher_np_interpolant2d")
@dataclass(frozen=True)
class FisherNPPoint2D(PlanarPair):
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
        # declared for the type checker, set past the frozen dataclass
        self._ab: tuple[float, float]
        self._coefficients: tuple[tuple[float, float], tuple[float, float]]
        h, _ = hellinger_distance(self.start, self.end)
        coefficients = slerp_coefficients(chord_distance(h) / 2, self.t)
        object.__setattr__(self, "_coefficients", coefficients)
        object.__setattr__(self, "_ab", (coefficients[0][0], coefficients[1][0]))

    def pdf(self, x):
        a, b = self._ab
        parts = [0.0 if isinstance(d, fam.Cloud) else np.sqrt(d.pdf(x)) for d in (self.start, self.end)]
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
            if not isinstance(d, fam.Cloud):
                mu, sigma = d.moments()
                pieces.append((w, w * mu, w * (sigma + np.outer(mu, mu))))
        if isinstance(self.start, fam.MVNormal) and isinstance(self.end, fam.MVNormal):
            P1, P2 = np.linalg.inv(self.start.sigma), np.linalg.inv(self.end.sigma)
            S = np.linalg.inv(0.5 * (P1 + P2))
            m = S @ (0.5 * (P1 @ self.start.mu + P2 @ self.end.mu))
            c = 2 * a * b * math.exp(log_bc_normals(self.start, self.end))
            pieces.append((c, c * m, c * (S + np.outer(m, m))))
        if isinstance(self.start, Dirichlet) and isinstance(self.end, Dirichlet):
            # sqrt(Dir(α) Dir(β)) = BC · Dir((α + β)/2)
            mid = Dirichlet(tuple(0.5 * x + 0.5 * y for x, y in zip(self.start.alpha, self.end.alpha)))
            h, _ = _plane_chord(self.start, self.end)
            c = 2 * a * b * (1.0 - 0.5 * h * h)
            m, S = mid.moments()
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

Coefficient = tuple[float, float]  # (c, c - 1): a coefficient and its distance from 1, each to full precision


def _times(u: Coefficient, v: Coefficient) -> Coefficient:
    """(u v, u v - 1) with u v - 1 = (u - 1)(v - 1) + (u - 1) + (v - 1)."""
    return u[0] * v[0], u[1] * v[1] + u[1] + v[1]


def sqrt_terms(d: fam.Distribution) -> list[tuple[Coefficient, fam.Distribution]]:
    """√d as a combination Σ c_k √b_k of base laws: a point of this sphere's geodesics expands into
    its endpoints (√r_t = a √p + b √q), recursively; any other law is its own single term. Each
    coefficient comes with its distance from 1, (c, c - 1)."""
    if isinstance(d, (FisherNPPoint, FisherNPPoint2D)):
        wa, wb = d._coefficients
        return [(_times(wa, c), x) for c, x in sqrt_terms(d.start)] + [(_times(wb, c), x) for c, x in sqrt_terms(d.end)]
    return [((1.0, 0.0), d)]


def _collect(terms: list[tuple[Coefficient, fam.Distribution]]) -> dict[fam.Distribution, Coefficient]:
    out_: dict[fam.Distribution, Coefficient] = {}
    for c, x in terms:
        if x in out_:
            c0, m0 = out_[x]
            out_[x] = (c0 + c[0], m0 + c[0])
        else:
            out_[x] = c
    return out_


def _differences(p: fam.Distribution, q: fam.Distribution) -> list[tuple[float, fam.Distribution]]:
    """The coefficients γ_k of √p - √q = Σ γ_k √f_k over base laws f_k (non-zero ones only). Where
    both sides hold f_k with coefficients near 1 (a law against a nearby point of its own geodesic),
    γ_k is the difference of the distances from 1, which does not cancel."""
    left, right = _collect(sqrt_terms(p)), _collect(sqrt_terms(q))
    items = []
    for x in [*left, *(x for x in right if x not in left)]:
        if x in left and x in right:
            (cp, mp), (cq, mq) = left[x], right[x]
            g = mp - mq if max(abs(mp), abs(mq)) < max(abs(cp), abs(cq)) else cp - cq
        elif x in left:
            g = left[x][0]
        else:
            g = -right[x][0]
        if g != 0.0:
            items.append((g, x))
    return items


_RANK = {"closed form": 0, "exact": 1, "exact (disjoint in double precision)": 1, "exact (mutually singular)": 1,
         "quadrature": 2}


@functools.lru_cache(maxsize=512)
def hellinger_distance(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """The chord H = ‖√p - √q‖ (between 0 and √2) for two laws of one dimension, and how it was computed.

    Base laws go to the closed forms, exact sums or quadrature above. Where either law is a geodesic
    point of this sphere, √p - √q = Σ γ_k √f_k over base laws f_k, and with H_kl = H(f_k, f_l),
        ‖Σ γ_k √f_k‖² = (Σ γ_k)² - Σ_{k<l} γ_k γ_l H_kl²
    (from ⟨√f_k, √f_l⟩ = 1 - H_kl² / 2), which stays accurate as p and q meet: Σγ then tends to
    0, each γ_k keeps its digits (see _differences) and every H_kl is itself computed without
    cancellation. The terms are taken in units of the largest, so a chord of 1e-200 keeps its digits.
    Cached: every point of a path shares it.
    """
    items = _differences(p, q)
    if not items:
        return 0.0, "closed form"
    if not isinstance(p, (FisherNPPoint, FisherNPPoint2D)) and not isinstance(q, (FisherNPPoint, FisherNPPoint2D)):
        h, method = (_line_chord if p.dim == 1 else _plane_chord)(p, q)  # type: ignore[arg-type]
        return min(max(h, 0.0), SQRT2) + 0.0, method
    if len(items) == 1:
        return min(abs(items[0][0]), SQRT2) + 0.0, "closed form"  # a law against itself, rescaled
    total = math.fsum(g for g, _ in items)
    terms: list[tuple[float, float]] = []  # (sign, sqrt|γk γl| H_kl) of each pair
    ranks = []
    for i, (gi, xi) in enumerate(items):
        for gj, xj in items[i + 1:]:
            hij, how = hellinger_distance(xi, xj)
            terms.append((1.0 if (gi > 0) == (gj > 0) else -1.0, math.sqrt(abs(gi)) * math.sqrt(abs(gj)) * hij))
            ranks.append(_RANK.get(how, 2))
    unit = max(abs(total), *(v for _, v in terms))
    if unit == 0:
        return 0.0, "closed form"
    square = math.fsum([(total / unit) ** 2, *(-sign * (v / unit) ** 2 for sign, v in terms)])
    h = unit * math.sqrt(max(square, 0.0))
    return min(h, SQRT2) + 0.0, ["closed form", "exact", "quadrature"][max(ranks)]


def hellinger(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """H² = ‖√p - √q‖² (between 0 and 2) and the method; H² underflows below H = 1e-154, so the
    distances use :func:`hellinger_distance` (H itself)."""
    h, method = hellinger_distance(p, q)
    return min(h * h, 2.0), method


def nonparametric_plane(p: fam.Multivariate, q: fam.Multivariate) -> Path:
    """The great circle from p to q on the sphere of all densities in the plane."""
    h, method = hellinger_distance(p, q)
    length = chord_distance(h)
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        locs, mp, mq = union_atoms(p, q)
        sp, sq = np.sqrt(mp), np.sqrt(mq)

        def point(t):
            (a, _), (b, _) = slerp_coefficients(length / 2, t)
            r = (a * sp + b * sq) ** 2
            keep = r > 0
            return fam.Points2D(tuple(tuple(v) for v in locs[keep]), tuple(r[keep] / r[keep].sum()))
    else:
        def point(t):
            return FisherNPPoint2D(p, q, t)
    return geodesic_path(p, q, model="densities", length=length, method=method, point=point)
