"""The Dirichlet law on the simplex, drawn in the plane for three components.

Dir(a) has density Γ(s) / Π Γ(a_i) · Π w_i^(a_i - 1) on the simplex {w_i > 0, Σ w_i = 1}, s = Σ a_i.
For k = 3 it is a law in the plane: the simplex laid out as the equilateral triangle with corners
e1 -> (0, 0), e2 -> (1, 0), e3 -> (1/2, √3/2), i.e. (x, y) = (w2 + w3/2, (√3/2) w3), so the planar
density is the simplex density over √3/2 (the map's area factor). With more components it is a law in
k - 1 dimensions: distances and KL work, pictures do not.

Fisher-Rao has no closed form; the geodesic equations are solved numerically (geoanim.paths.bvp) in
x = (log a_1, ..., log a_k), where the Fisher information a_i a_j (ψ1(a_i) δ_ij - ψ1(s)) reads, with
m = a/s and E(y) = y²ψ1(y) - y (gamma.trigamma_excess),

    g_ij = δ_ij (a_i + E(a_i)) - m_i m_j (s + E(s)),   g_ii = a_i (1 - m_i) + E(a_i) - m_i² E(s),

entries in which nothing cancels (docs/math.md#fisher-rao-numerical-geodesics-gamma-beta). Two
components are the beta law (use beta(a, b)).

KL's straight lines generalise beta's (docs/math.md#kls-straight-lines-in-gamma-and-beta): with
F(y) = log Γ(y) - y log y + y, KL(p‖q) = Σ D_F(a_qi, a_pi) - D_F(s_q, s_p) + s_q KL(m_q‖m_p), and the
m-point solves one equation in log s, each a_i an inverse digamma. beta.py calls the same functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedError, ValidationError
from .base import Multivariate, Reals, _numbers, fmt, num, param, register
from .charts import ExponentialFamily, Riemannian, lerp, log_delta, relative_gap
from .gamma import digamma_gap, shape_bregman, trigamma_excess
from .gumbel import EULER

_H = math.sqrt(3.0) / 2.0  # the triangle's height
_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, _H]])
LOWER, UPPER = 1e-3, 1e6  # each a_i: beta's bounds
BULK = 0.05  # the colour scale is measured where every w_i >= this (see Dirichlet.bulk)

# ---------------------------------------------------------------------------------------------
# shared with beta: KL, the expectation parameters and the m-point for any number of components
# ---------------------------------------------------------------------------------------------


def simplex_kl(ap: np.ndarray, aq: np.ndarray) -> float:
    """KL(Dir(ap)‖Dir(aq)) as D_F parts plus s_q KL(m_q‖m_p) (module docstring): every difference
    formed from the parameters' own differences, so close laws keep their digits."""
    ap, aq = np.asarray(ap, dtype=float), np.asarray(aq, dtype=float)
    dif = aq - ap
    sp, sq, ds = math.fsum(ap), math.fsum(aq), math.fsum(dif)
    parts = shape_bregman(np.append(aq, sq), np.append(ap, sp), np.append(dif, ds))
    shapes = max(math.fsum(parts[:-1]) - parts[-1], 0.0)  # >= 0: a positive definite Hessian
    mp = ap / sp
    # m_q - m_p: from the parameters' differences where it is small against m_p (there the two means
    # share their leading digits), else as it stands (there those products cancel instead)
    direct = aq / sq - mp
    d = np.where(np.abs(direct) < 0.25 * mp, (sp * dif - ap * ds) / (sq * sp), direct)
    return shapes + sq * math.fsum(float(m * relative_gap(float(x / m))) for m, x in zip(mp, d))


def simplex_means(a: np.ndarray) -> np.ndarray:
    """η_i = ψ(a_i) - ψ(s) as log(a_i/s) - G(a_i) + G(s), G = log - ψ (the logs carry the size)."""
    a = np.asarray(a, dtype=float)
    s = math.fsum(a)
    gs = digamma_gap(s)
    return np.array([-math.log1p((s - ai) / ai) - digamma_gap(float(ai)) + gs for ai in a])


def inverse_digamma(y: float) -> float:
    """x > 0 with ψ(x) = y: Newton from Minka's start. ψ is increasing and concave, so from the first
    step on the iterates climb to the root from below (a step past 0 is pulled back to a tenth)."""
    from scipy.special import digamma, zeta

    x = math.exp(y) + 0.5 if y >= -2.22 else -1.0 / (y + EULER)
    for _ in range(100):
        nxt = x - (float(digamma(x)) - y) / float(zeta(2, x))
        nxt = nxt if nxt > 0 else 0.1 * x
        if abs(nxt - x) <= 1e-10 * nxt:  # quadratic convergence: one more step reaches rounding
            return nxt - (float(digamma(nxt)) - y) / float(zeta(2, nxt))
        x = nxt
    raise UnsupportedError(f"no x with digamma(x) = {y:.17g}")  # pragma: no cover


def simplex_m_point(eta: np.ndarray, u: float, who: str) -> np.ndarray:
    """The a with ψ(a_i) - ψ(s) = η_i, starting from u = log s. For a trial s each a_i is one inverse
    digamma of η_i + ψ(s), and s solves φ(u) = log Σ a_i - u = 0: φ falls from log k (s -> 0, where
    a_i ≈ s) to log Σ e^η_i < 0 (s -> inf; Jensen), so Newton's method in u, with steps of at most 2
    until φ changes sign and bisection inside the bracket after, converges. An error, never a law,
    where it does not."""
    from scipy.special import digamma, zeta

    lo, hi = -math.inf, math.inf
    for _ in range(200):
        s = math.exp(u)
        shift = float(digamma(s))
        a = np.array([inverse_digamma(float(e) + shift) for e in eta])
        total = math.fsum(a)
        phi = math.log(total) - u
        if phi > 0:
            lo = u
        else:
            hi = u
        # dφ/du = s ψ1(s) Σ 1/ψ1(a_i) / Σ a_i - 1 (da_i/ds = ψ1(s)/ψ1(a_i))
        slope = s * float(zeta(2, s)) * math.fsum(1.0 / float(zeta(2, ai)) for ai in a) / total - 1.0
        step = -phi / slope if slope < 0 else math.copysign(2.0, phi)
        if not (math.isfinite(lo) and math.isfinite(hi)):
            step = max(-2.0, min(2.0, step))
        nxt = u + step
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - u) <= 1e-15 * max(1.0, abs(u)) or phi == 0.0:
            return a
        u = nxt
    raise UnsupportedError(f"{who}: the m-geodesic point was not found (Newton did not converge)")


# ---------------------------------------------------------------------------------------------
# the Fisher metric in x = (log a_1, ..., log a_k) and its derivatives
# ---------------------------------------------------------------------------------------------


def _fields(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """g and ∂g (entry [..., k, i, j] = ∂g_ij/∂x_k): with ∂_k a_i = δ_ik a_i, ∂_k s = a_k,
    ∂_k m_i = m_i (δ_ik - m_k), ∂_k E(a_i) = δ_ik E'(a_i), ∂_k E(s) = m_k E'(s) (E' = y dE/dy),

        ∂_k g_ij = δ_ij δ_ik (a_i + E'(a_i)) - m_i m_j ((δ_ik + δ_jk)(s + E(s)) - m_k (s + 2E(s) - E'(s)))."""
    a = np.exp(x)
    s = a.sum(axis=-1)
    m = a / s[..., None]
    e, du = trigamma_excess(a)
    es, dus = trigamma_excess(s)
    k = x.shape[-1]
    eye = np.eye(k)
    big = (s + es)[..., None, None]
    mm = m[..., :, None] * m[..., None, :]
    g = -mm * big
    others = (a[..., None, :] * (1.0 - eye)).sum(axis=-1)  # s - a_i, summed, not subtracted (a_i may be most of s)
    # a_i + E_i - m_i² (s + E_s), with a_i - m_i² s = a_i (s - a_i)/s
    diag = a * (others / s[..., None]) + e - m * m * es[..., None]
    idx = np.arange(k)
    g[..., idx, idx] = diag
    # ∂g: [..., k, i, j]
    both = eye[:, :, None] + eye[:, None, :]  # δ_ik + δ_jk, indexed [k, i, j]
    rest = (s + 2.0 * es - dus)[..., None] * m  # m_k (s + 2E_s - E'_s), [..., k]
    dg = -mm[..., None, :, :] * (both * big[..., None] - rest[..., :, None, None])
    dg[..., idx, idx, idx] += a + du
    return g, dg


def _coords(d: Dirichlet) -> np.ndarray:
    return np.log(np.array(d.alpha))


def _delta(p: Dirichlet, q: Dirichlet) -> np.ndarray:
    return np.array([log_delta(a, b) for a, b in zip(p.alpha, q.alpha)])


def _build(template: Dirichlet, x: np.ndarray) -> Dirichlet:
    return Dirichlet(tuple(float(v) for v in np.exp(x)))


# ---------------------------------------------------------------------------------------------
# KL's straight lines
# ---------------------------------------------------------------------------------------------


def _e_point(p: Dirichlet, q: Dirichlet, t: float) -> Dirichlet:
    return Dirichlet(tuple(lerp(a, b, t) for a, b in zip(p.alpha, q.alpha)))


def _m_point(p: Dirichlet, q: Dirichlet, t: float) -> Dirichlet:
    eta = (1.0 - t) * simplex_means(np.array(p.alpha)) + t * simplex_means(np.array(q.alpha))
    u = lerp(math.log(math.fsum(p.alpha)), math.log(math.fsum(q.alpha)), t)
    return Dirichlet(tuple(float(v) for v in simplex_m_point(eta, u, "dirichlet")))


class _Alphas(Reals):
    """A list of k >= 3 concentrations, each in [1e-3, 1e6]."""

    text = "a list of 3 or more numbers > 0"

    def check(self, family: str, name: str, value) -> tuple[float, ...]:
        values = _numbers(family, name, value)
        if len(values) == 2:
            raise ValidationError(f"{family}: two components are the beta law: write beta({fmt(values[0])}, "
                                  f"{fmt(values[1])})", param=name)
        if len(values) < 2:
            raise ValidationError(f"{family}: `{name}` needs at least 3 concentrations (got {len(values)})",
                                  param=name)
        for i, v in enumerate(values):
            if not LOWER <= v <= UPPER:
                raise ValidationError(f"{family}: `{name}[{i}]` must be in [{LOWER:g}, {UPPER:g}] (got {fmt(v)})",
                                      param=name)
        return values

    @property
    def describe(self) -> str:
        return f"3 or more numbers in [{LOWER:g}, {UPPER:g}]"


@register("dirichlet")
@dataclass(frozen=True)
class Dirichlet(Multivariate):
    """Dirichlet law Dir(alpha) on the simplex; with three components drawn on the triangle
    e1 = (0, 0), e2 = (1, 0), e3 = (1/2, √3/2)."""

    alpha: tuple[float, ...] = param(_Alphas(), aliases=("a", "concentration"), role=None,
                                     doc="concentrations a_1, ..., a_k (k >= 3)")
    family = "dirichlet"
    display_name = "Dirichlet"
    plural = "Dirichlet laws"
    fisher_chart = Riemannian(_coords, _delta, _build, _fields, names=("log a_i",),
                              note="numerical, in (log a_1, ..., log a_k)")
    # T = (log w_1, ..., log w_k): θ = a - 1, η_i = ψ(a_i) - ψ(s)
    exponential_family = ExponentialFamily(
        e_point=_e_point, m_point=_m_point, kl=lambda p, q: simplex_kl(np.array(p.alpha), np.array(q.alpha)),
        same_model=lambda p, q: len(p.alpha) == len(q.alpha), note="T = (log w_1, ..., log w_k) (equal k)")

    @property
    def dim(self) -> int:  # type: ignore[override]  # a property for the base's class attribute
        return len(self.alpha) - 1

    @property
    def k(self) -> int:
        return len(self.alpha)

    def weights_at(self, xy: np.ndarray) -> np.ndarray:
        """Barycentric coordinates (..., 3) of planar points (..., 2)."""
        xy = np.asarray(xy, dtype=float)
        w3 = xy[..., 1] / _H
        w2 = xy[..., 0] - 0.5 * w3
        return np.stack([1.0 - w2 - w3, w2, w3], axis=-1)

    def logpdf_simplex(self, w: np.ndarray) -> np.ndarray:
        """log density on the simplex at barycentric points (..., k); -inf outside."""
        from scipy.special import gammaln, xlogy

        a = np.array(self.alpha)
        w = np.asarray(w, dtype=float)
        inside = (w >= 0).all(axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = xlogy(a - 1.0, np.where(w >= 0, w, 1.0)).sum(axis=-1)
        norm = float(gammaln(a.sum()) - gammaln(a).sum())
        return np.where(inside, value + norm, -np.inf)

    def pdf(self, x):
        if self.k != 3:
            raise UnsupportedError(f"{self}: a Dirichlet law with {self.k} components lives in {self.k - 1} "
                                   "dimensions; only three components are drawn (on the triangle)")
        with np.errstate(over="ignore"):
            return np.exp(self.logpdf_simplex(self.weights_at(x))) / _H

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance: on the triangle for k = 3; of (w_2, ..., w_k) otherwise."""
        a = np.array(self.alpha)
        s = a.sum()
        m = a / s
        cov = (np.diag(m) - np.outer(m, m)) / (s + 1.0)
        if self.k == 3:
            M = _CORNERS.T  # (2, 3): xy = M w
            return M @ m, M @ cov @ M.T
        return m[1:], cov[1:, 1:]

    def box(self, k: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        return np.array([0.0, 0.0]), np.array([1.0, _H])

    def bulk(self, xy: np.ndarray) -> np.ndarray | None:
        """Away from the edges (every w_i >= 0.05) where some a_i < 1 makes the density infinite there:
        the colour scale is set by the inside, and the edges show as saturated."""
        if min(self.alpha) >= 1.0:
            return None
        return np.asarray((self.weights_at(xy) >= BULK).all(axis=-1))

    def outline(self) -> np.ndarray:
        return np.vstack([_CORNERS, _CORNERS[:1]])

    def describe(self, exact: bool = False) -> str:
        n = (lambda v: f"{v:.4g}") if exact else num
        return f"Dir({', '.join(n(v) for v in self.alpha)})"

    def sample(self, n: int, seed: int = 0) -> np.ndarray:
        """n draws on the simplex (n, k)."""
        return np.random.default_rng(seed).dirichlet(np.array(self.alpha), size=n)
