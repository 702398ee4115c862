"""The gamma law, with shape α and rate β (or scale 1/β).

Fisher-Rao has no closed form here; the geodesic equations are solved numerically
(geoanim.paths.bvp). In (α, β) the Fisher information is [[ψ1(α), -1/β], [-1/β, α/β²]]. In
x = (log α, log m), m = α/β the mean (so dα = α dx1, dβ = β (dx1 - dx2)), it is diagonal:

    g = diag(α²ψ1(α) - α, α) = diag(E(α), α),

E falling from 1 (α -> 0) to 1/2 (α -> inf). The metric depends on x1 only (x -> cx moves x2 alone:
Fisher-Rao's invariance), and the geodesic equation for x1 reads 2E x1'' = α x2'² - E' x1'² with
E' = dE/dx1 < 0, so x1 is convex along a geodesic: paths bend towards smaller shapes, never above the
larger end's. Between laws of one shape the geodesic is not the fixed-shape line (of length
√α |log(β2/β1)|): gamma(2, 1) -> gamma(2, 3) passes through shape 1.59 and has length 1.4938, not
√2 log 3 = 1.5537. For large α the metric tends to ½ dx1² + e^x1 dx2², the normal family's
half-plane (curvature -1/2), where long geodesics grow sensitive to their initial velocity.
"""

from __future__ import annotations

import math
from dataclasses import InitVar, dataclass, replace

import numpy as np

from ..errors import UnsupportedError, ValidationError
from .base import FAMILIES, HalfLine, Param, Positive, as_array, fmt, out, param, register
from .charts import ExponentialFamily, Riemannian, expm1_gap, lerp, log1p_gap, log_delta, log_jensen
from .space import ParamSpace

# B_2, B_4, ..., B_20: ψ1(x) ~ 1/x + 1/(2x²) + Σ B_2k / x^(2k+1), so x²ψ1(x) - x = 1/2 + Σ B_2k x^(1-2k)
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330)
_ASYMPTOTIC = 10.0  # from here the series has converged to rounding (its next term is below 1e-17)
# Stirling: log Γ(x) = (x - 1/2) log x - x + log(2π)/2 + Σ B_2k / (2k (2k - 1) x^(2k-1))
_STIRLING = tuple(b / ((2 * k + 2) * (2 * k + 1)) for k, b in enumerate(_BERNOULLI[:7]))


_B = np.array(_BERNOULLI)
_K = np.arange(len(_BERNOULLI))  # k - 1 for B_2k
_SHIFT = np.arange(1.0, _ASYMPTOTIC)  # 1, ..., 9
_B_ODD = (2 * _K + 1) * _B  # (2k - 1) B_2k
_B_PSI2 = (2 * _K + 3) * _B  # (2k + 1) B_2k


def trigamma_excess(x) -> tuple[np.ndarray, np.ndarray]:
    """E(x) = x²ψ1(x) - x and its derivative in log x, x dE/dx, elementwise for x > 0 (numpy only).

    E decreases from 1 (x -> 0) to 1/2 (x -> inf). It is the Fisher information of gamma's log shape at
    fixed mean, and beta's metric is made of it (see the module docstrings). Formed from
    ψ1 as it stands it cancels (x²ψ1(x) ~ x + 1/2, and x dE/dx ~ -1/(6x) comes from terms of size 2x):
    from x = 10 on it is the asymptotic series E = 1/2 + Σ B_2k x^(1-2k) (to B_20: converged to rounding);
    below, the recurrence ψ1(x) = Σ_(j<10) 1/(x+j)² + ψ1(x + 10) with the series at x + 10, the j = 0
    term 1/x² taken out exactly (x²/x² = 1), so nothing is lost as x -> 0 either.
    """
    x = np.asarray(x, dtype=float)
    big = x >= _ASYMPTOTIC
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if big.all():
            return _excess_series(x)
        if not big.any():
            return _excess_direct(x)
        e1, d1 = _excess_series(np.where(big, x, _ASYMPTOTIC))
        e2, d2 = _excess_direct(np.where(big, 1.0, x))
    return np.where(big, e1, e2), np.where(big, d1, d2)


def _excess_series(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x >= 10: E = 1/2 + r Σ B_2k r^(2k-2) and x dE/dx = -r Σ (2k - 1) B_2k r^(2k-2), r = 1/x."""
    r = 1.0 / x
    P = (r * r)[..., None] ** _K
    return 0.5 + r * (P @ _B), -r * (P @ _B_ODD)


def _excess_direct(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x < 10: ψ1(x) - 1/x² = T1 + ψ1(y) and ψ2(x) + 2/x³ = ψ2(y) - 2 T3, y = x + 10, T_p = Σ_(0<j<10) (x+j)^-p."""
    T = 1.0 / (x[..., None] + _SHIFT)
    T2 = T * T
    T1 = T2.sum(axis=-1)
    T3 = (T2 * T).sum(axis=-1)
    ry = 1.0 / (x + _ASYMPTOTIC)
    ry2 = ry * ry
    P = ry2[..., None] ** _K
    psi1 = ry + ry2 * (0.5 + ry * (P @ _B))  # 1/y + 1/(2y²) + Σ B_2k / y^(2k+1)
    psi2 = -ry2 * (1.0 + ry + ry2 * (P @ _B_PSI2))  # -1/y² - 1/y³ - Σ (2k+1) B_2k / y^(2k+2)
    x2 = x * x
    inner = T1 + psi1  # ψ1(x) - 1/x²
    # E = 1 + x² inner - x; x dE/dx = 2x²ψ1 + x³ψ2 - x, whose constants (2 and -2) cancel exactly
    return 1.0 + x2 * inner - x, x2 * (2.0 * inner + x * (psi2 - 2.0 * T3)) - x


def _stirling_rest(a: float) -> float:
    """log Γ(a) - ((a - 1/2) log a - a + log(2π)/2), for a >= 10."""
    r = 1.0 / a
    r2 = r * r
    total = 0.0
    for c in reversed(_STIRLING):
        total = total * r2 + c
    return r * total


# ---------------------------------------------------------------------------------------------
# KL's straight lines: T = (x, log x), θ = (α - 1, -β), η = (α/β, ψ(α) - log β)
# (docs/math.md#kls-straight-lines-in-gamma-and-beta)
# ---------------------------------------------------------------------------------------------

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)
_PANEL = 1.0  # width in log shape of one 8-point Gauss-Legendre panel (see shape_bregman)


def shape_bregman(x, y, diff=None):
    """F(x) - F(y) - F'(y)(x - y) >= 0 for F(a) = log Γ(a) - a log a + a, whose F'' = E(a)/a² > 0;
    elementwise for sequences (one vectorised evaluation of E for all of them), a float for floats.

    As ∫_y^x (x - s) F''(s) ds = ∫_0^h (e^v - 1) E(x e^-v) dv with v = log x - log s, h = log(x/y):
    an integrand of one sign and no difference of large terms (log Γ(x) - x log x cancels to
    ~log √x, and the Bregman difference to ~(x - y)²/x² on top). E(z) = 1 - z + z²ψ1(z + 1) is analytic
    but for poles at z = -1, -2, ..., i.e. at distance π from the real v axis: on panels of width 1
    the Gauss-Legendre error falls like 12.6^-2n, below rounding for n = 8 nodes. ``diff``: x - y
    where the caller has it more exactly than x's own rounding (the change of a sum)."""
    scalar = np.ndim(x) == 0
    x, y = np.atleast_1d(np.asarray(x, dtype=float)), np.atleast_1d(np.asarray(y, dtype=float))
    d = x - y if diff is None else np.atleast_1d(np.asarray(diff, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = d / y
        h = np.where(np.abs(r) < 0.5, np.log1p(r), np.log(x) - np.log(y))
    n = np.maximum(1, np.ceil(np.abs(h) / _PANEL)).astype(int)
    half = 0.5 * h / n
    owner = np.repeat(np.arange(x.size), n)  # one row per panel
    first = np.cumsum(n) - n
    panel = np.arange(owner.size) - first[owner]
    v = ((2 * panel + 1)[:, None] + _GL_NODES[None, :]) * half[owner][:, None]
    e, _ = trigamma_excess(x[owner][:, None] * np.exp(-v))
    per_panel = (np.expm1(v) * e) @ _GL_WEIGHTS
    value = half * np.add.reduceat(per_panel, first)
    return float(value[0]) if scalar else value


def digamma_gap(a: float) -> float:
    """log a - ψ(a), in (1/(2a), 1/a): from a = 10 the asymptotic series 1/(2a) + Σ B_2k / (2k a^2k)
    (log a and ψ(a) agree to ~1/(2a) there), below it log a - ψ(a) (>= 0.05, at most a digit lost)."""
    if a >= _ASYMPTOTIC:
        r2 = 1.0 / (a * a)
        total = 0.0
        for k in range(len(_BERNOULLI), 0, -1):
            total = total * r2 + _BERNOULLI[k - 1] / (2 * k)
        return 0.5 / a + r2 * total
    from scipy.special import digamma

    return math.log(a) - float(digamma(a))


def shape_from_gap(g: float) -> float:
    """The shape a with log a - ψ(a) = g > 0 (a decreasing function from inf to 0, bracketed by
    1/(2g) < a < 1/g): Newton in log a on log(log a - ψ(a)), kept in its bracket by bisection."""
    lo, hi = math.log(0.5 / g), math.log(1.0 / g)
    target = math.log(g)
    u = 0.5 * (lo + hi)
    for _ in range(200):
        a = math.exp(u)
        gap = digamma_gap(a)
        miss = math.log(gap) - target  # decreasing in u
        if miss > 0:
            lo = u
        else:
            hi = u
        e, _ = trigamma_excess(a)
        step = miss * a * gap / float(e)  # miss / (d log gap / du), d gap/du = -E(a)/a
        nxt = u + step
        if not lo < nxt < hi:
            nxt = 0.5 * (lo + hi)
        if abs(nxt - u) <= 1e-15 * max(1.0, abs(u)) or hi - lo <= 1e-15 * max(1.0, abs(u)):
            # a last Newton step in a itself (u's rounding is ~|u| ulp, relatively more than a's)
            a = math.exp(nxt)
            e, _ = trigamma_excess(a)
            return a * (1.0 + (digamma_gap(a) - g) * a / float(e))
        u = nxt
    raise UnsupportedError(f"gamma: no shape found with log a - digamma(a) = {g:.17g}")  # pragma: no cover


def gamma_kl(p: Gamma, q: Gamma) -> float:
    """KL(p‖q) = α_q φ(m_p/m_q) + D_F(α_q, α_p), φ(r) = r - 1 - log r, m the means: two terms >= 0 (the
    textbook form's five terms cancel for close laws and for large shapes). m_p/m_q - 1 is formed from
    the parameters' own differences."""
    ap, bp, aq, bq = p.shape, p.rate, q.shape, q.rate
    x = (ap * (bq - bp) - bp * (aq - ap)) / (aq * bp)  # m_p/m_q - 1 = (α_p β_q)/(α_q β_p) - 1
    if -0.5 < x < 0.5:
        mean_part = log1p_gap(x)
    else:  # far apart: from the logs (the ratio may overflow)
        y = log_delta(ap, aq) - log_delta(bp, bq)  # log(m_q/m_p)
        mean_part = expm1_gap(-y)  # r - 1 - log r with log r = -y
    return aq * mean_part + shape_bregman(aq, ap)


def _gamma_e_point(p: Gamma, q: Gamma, t: float) -> Gamma:
    return Gamma(lerp(p.shape, q.shape, t), lerp(p.rate, q.rate, t))


def _gamma_m_point(p: Gamma, q: Gamma, t: float) -> Gamma:
    """The mean linear in t, and ψ(α) - log β = ψ(α) - log α + log m linear too: log α_t - ψ(α_t) is
    the lerp of the ends' log α - ψ(α) plus the Jensen gap log m_t - lerp(log m) >= 0."""
    mp, mq = p.mean, q.mean
    m = lerp(mp, mq, t)
    ratio = (p.shape * (q.rate - p.rate) - p.rate * (q.shape - p.shape)) / (q.shape * p.rate)  # m_p/m_q - 1
    jensen = log_jensen(-ratio / (1.0 + ratio), t)  # ends in ratio m_q/m_p = 1/(1 + ratio)
    gap = lerp(digamma_gap(p.shape), digamma_gap(q.shape), t) + jensen
    shape = shape_from_gap(gap)
    return Gamma(shape, shape / m)


# ---------------------------------------------------------------------------------------------
# the Fisher metric in x = (log α, log mean): diag(E(α), α), no cross term (the module docstring)
# ---------------------------------------------------------------------------------------------


def _fields(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.exp(x[..., 0])
    e, du = trigamma_excess(a)
    g = np.zeros(x.shape + (2,))
    g[..., 0, 0] = e
    g[..., 1, 1] = a
    dg = np.zeros(x.shape + (2, 2))
    dg[..., 0, 0, 0] = du
    dg[..., 0, 1, 1] = a
    return g, dg


def _coords(d: Gamma) -> np.ndarray:
    return np.array([math.log(d.shape), math.log(d.shape) - math.log(d.rate)])


def _delta(p: Gamma, q: Gamma) -> np.ndarray:
    da = log_delta(p.shape, q.shape)
    return np.array([da, da - log_delta(p.rate, q.rate)])


def _build(template: Gamma, x: np.ndarray) -> Gamma:
    return Gamma(math.exp(x[0]), math.exp(x[0] - x[1]))


def _from_moments(mean: float, var: float) -> tuple[float, float] | None:
    """(shape, rate) of the gamma law with this mean and variance (mean > 0)."""
    if mean <= 0:
        return None
    return mean * (mean / var), mean / var


@register("gamma")
@dataclass(frozen=True)
class Gamma(HalfLine):
    """Gamma law with density β^α x^(α-1) e^(-βx) / Γ(α) on x >= 0 (shape α, rate β; scale= for 1/β)."""

    shape: float = param(Positive(lower=1e-3, upper=1e6), aliases=("a", "alpha", "k"), role="shape", doc="shape α")
    rate: float = param(Positive(lower=1e-300, upper=1e300), aliases=("beta",), role="rate", optional=True,
                        implied=lambda d: 1.0, doc="rate β (default 1; or give scale = 1/β)")
    scale: InitVar[float | None] = None  # the spec keyword scale=: stored as its rate
    family = "gamma"
    plural = "gamma laws"
    symbol = "Gamma"
    # no closed form: the geodesic equations are solved numerically in (log α, log mean)
    fisher_chart = Riemannian(_coords, _delta, _build, _fields, names=("log shape", "log mean"),
                              note="numerical, in (log shape, log mean): diag(x\u00b2\u03c8\u2081(x) - x, x)")
    param_space = ParamSpace("shape", "rate", xlog=True, ylog=True, from_moments=_from_moments,
                             xlabel="shape \u03b1", ylabel="rate \u03b2", symbols=("\u03b1", "\u03b2"))
    # T = (x, log x): θ = (α - 1, -β) and η = (m, ψ(α) - log β) (docs/math.md#kls-straight-lines-in-gamma-and-beta)
    exponential_family = ExponentialFamily(e_point=_gamma_e_point, m_point=_gamma_m_point,
                                           kl=lambda p, q: gamma_kl(p, q), note="T = (x, log x)")

    def __post_init__(self, scale: float | None = None) -> None:
        if scale is not None:
            if self.rate is not None:
                raise ValidationError("gamma: give `rate` or `scale`, not both (scale is 1/rate)", param="scale")
            s = Positive().check(self.family, "scale", scale)
            rate = 1.0 / s
            if not 0.0 < rate < math.inf:
                raise ValidationError(f"gamma: `scale` must have a finite reciprocal (got {fmt(s)})", param="scale")
            object.__setattr__(self, "rate", rate)
        super().__post_init__()

    @property
    def mean(self) -> float:
        return self.shape / self.rate  # inf where it overflows

    @property
    def var(self) -> float:
        return self.mean / self.rate  # not shape / rate², whose square overflows first

    def logpdf(self, x):
        from scipy.special import gammaln

        if isinstance(x, float):  # quadratures ask for one point at a time
            if 0.0 < x < math.inf:
                return self._logpdf_at(x)
            if x < 0.0 or x == math.inf:
                return -math.inf
        xa = as_array(x)
        a, b = self.shape, self.rate
        at0 = math.inf if a < 1.0 else (math.log(b) if a == 1.0 else -math.inf)  # the density at 0
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            z = b * np.where(xa > 0, xa, 1.0)
            logz = np.log(b) + np.log(np.where(xa > 0, xa, 1.0))  # not log(z): z may overflow or underflow
            if a >= 10.0:
                # -a (y - log(1 + y)) - log z + log(a / 2π)/2 - (Stirling's rest), y = z/a - 1: the terms
                # of (a - 1) log z - z - log Γ(a) are each ~a log a and cancel to ~log √a
                y = z / a - 1.0
                inside = (math.log(b) - a * log1p_gap(y) - logz + 0.5 * math.log(a / (2.0 * math.pi))
                          - _stirling_rest(a))
            else:
                inside = math.log(b) + (a - 1.0) * logz - z - float(gammaln(a))
        return out(x, np.where(xa > 0, inside, np.where(xa == 0, at0, -np.inf)))

    def _logpdf_at(self, x: float) -> float:
        """logpdf at one x > 0, with math's functions (the same formulas as for arrays)."""
        a, b = self.shape, self.rate
        z = b * x
        if not z < math.inf:
            return -math.inf
        logz = math.log(b) + math.log(x)
        if a >= 10.0:
            return (math.log(b) - a * log1p_gap(z / a - 1.0) - logz + 0.5 * math.log(a / (2.0 * math.pi))
                    - _stirling_rest(a))
        return math.log(b) + (a - 1.0) * logz - z - math.lgamma(a)

    def pdf(self, x):
        if isinstance(x, float) and x != 0.0:
            return math.exp(self.logpdf(x)) if x == x else math.nan
        return out(x, np.exp(as_array(self.logpdf(x))))

    def _z(self, x):
        with np.errstate(over="ignore"):
            return self.rate * np.maximum(as_array(x), 0.0)

    def cdf(self, x):
        from scipy.special import gammainc

        return out(x, gammainc(self.shape, self._z(x)))

    def sf(self, x):
        from scipy.special import gammaincc

        return out(x, gammaincc(self.shape, self._z(x)))

    def ppf(self, u):
        from scipy.special import gammaincinv

        with np.errstate(over="ignore"):
            return out(u, gammaincinv(self.shape, as_array(u)) / self.rate)

    def isf(self, v):
        from scipy.special import gammainccinv

        with np.errstate(over="ignore"):
            return out(v, gammainccinv(self.shape, as_array(v)) / self.rate)

    def plot_range(self):
        lo, hi = float(self.ppf(1e-3)), float(self.isf(1e-3))
        if lo <= 0.25 * (hi - lo):  # the density's wall or spike at 0 belongs in the picture
            return (-0.05 * hi, hi)
        pad = 0.08 * (hi - lo)
        return (lo - pad, hi + pad)

    def feature_points(self):
        tail = np.geomspace(1e-9, 0.5, 100)
        return np.concatenate([[-1e-12, 0.0], as_array(self.ppf(tail)), as_array(self.isf(tail))])


# the spec keyword scale= (1/rate), accepted by the parser; laws are written back with their rate
FAMILIES["gamma"] = replace(FAMILIES["gamma"], params=(
    *Gamma.PARAMS, Param("scale", Positive(), role="scale", required=False, keyword=True,
                         doc="scale 1/β (instead of rate)")))
