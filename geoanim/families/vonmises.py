"""The von Mises law on the circle, represented as a law on the interval [-π, π).

Density exp(κ cos(x - μ)) / (2π I0(κ)) for x in [-π, π): mean direction μ (``loc``, stored reduced to
[-π, π)) and concentration κ > 0 (``kappa``). It is an exponential family with T(x) = (cos x, sin x),
natural parameter θ = κ (cos μ, sin μ) in R² (θ = 0: the uniform law) and log-partition
ψ(θ) = log I0(|θ|) + log 2π. The Fisher metric is the Hessian of ψ; with r = |θ|, A(r) = I1(r)/I0(r),
n = θ/r and t the unit vector perpendicular to n,

    g = A'(r) n nᵀ + (A(r)/r) t tᵀ = b I + c θθᵀ,   b = A/r,  c = (A' - b)/r²,  A' = 1 - A/r - A²,

smooth through θ = 0 (g = I/2 there), where polar coordinates (μ, κ) would be singular. Fisher-Rao has
no closed form: the geodesic equations are solved numerically (geoanim.paths.bvp) in x = asinh(|θ|) θ/|θ|,
as smooth at 0 as θ and logarithmic in κ at large κ (in θ itself a geodesic from κ = 0.01 to 1e4 grows
exponentially along its length and the solve was refused; see _fields). The
radial and angular parts, A' and b, and their derivatives are evaluated without cancellation on three
ranges of r: a power series of A for r < 1, ratios of entire series with one-signed coefficients for
1 <= r < 30, and the quotient of the Hankel expansions of I1 and I0 for r >= 30 (docs: the derivation,
docs/math.md#fisher-rao-von-mises-the-circle).

KL's straight lines stay in the family: θ linear in t (e) and η = A(κ)(cos μ, sin μ) linear in t (m).

The circle is not the line: the family is a law on [-π, π) for the metrics on densities (fisher-np,
mixture, e/m/alpha), which only compare densities pointwise on a common domain. Transport metrics (W2,
WFR, entropic) would move mass along the interval instead of around the circle; a law here does not
say so with ``space = "circle"``, and geoanim.paths.registry refuses them for the metrics built on the
line's distance (``Metric.ground``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from ..numeric import newton_bracketed, nondecreasing_in
from .base import Positive, Real, Univariate, as_array, out, param, register
from .charts import ExponentialFamily, Riemannian
from .space import ParamSpace

PI_HI = math.pi  # π rounded down to a double: the interval is [-PI_HI, PI_HI] in floating point
PI_LO = 1.2246467991473532e-16  # π - PI_HI
TWO_PI = 2.0 * math.pi
LOG_TWO_PI = math.log(TWO_PI)
KAPPA_MAX = 1e6

# ---------------------------------------------------------------------------------------------
# the radial profile of the Fisher metric: b = A/r, A', d = A' - b, e = d/r (= c r) and A'' as
# functions of r = |θ|, each without cancellation (docs/math.md#fisher-rao-von-mises-the-circle)
# ---------------------------------------------------------------------------------------------

R_SERIES = 1.0  # below: power series of A (radius of convergence j0,1 = 2.405: terms fall like 0.17^k)
R_HANKEL = 30.0  # from here: the Hankel expansions (their error is ~e^(-2r) = 1e-26 at the switch)
_SMALL_TERMS = 24  # (1/2.405)^(2·24) = 5e-19
_ENTIRE_TERMS = 110  # at r = 30 the series of P (like I0³) needs k <= 100 for 1e-17 of its sum
_HANKEL_TERMS = 26  # at r = 30 the 26th term of each series is ~1e-24 of the first


def _times(a: list[Fraction], b: list[Fraction], n: int) -> list[Fraction]:
    """The first n coefficients of the product of two power series."""
    return [sum((a[i] * b[k - i] for i in range(k + 1) if i < len(a) and k - i < len(b)), Fraction(0))
            for k in range(n)]


def _divide(a: list[Fraction], b: list[Fraction], n: int) -> list[Fraction]:
    """The first n coefficients of a/b for power series with b[0] != 0 (exact long division)."""
    q: list[Fraction] = []
    for k in range(n):
        rest = a[k] if k < len(a) else Fraction(0)
        rest -= sum((q[i] * b[k - i] for i in range(k) if k - i < len(b)), Fraction(0))
        q.append(rest / b[0])
    return q


def _floats(coefficients: list[Fraction]) -> np.ndarray:
    return np.array([float(c) for c in coefficients])


@functools.cache
def _small_series() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Coefficients in s = r² of b = A/r, A', c = (A' - b)/r² and A''/r, from A/r = (I1/r)/I0 divided
    exactly: with A/r = Σ a_k s^k, A' = Σ (2k+1) a_k s^k, c = Σ 2(k+1) a_(k+1) s^k and
    A''/r = Σ 2(k+1)(2k+3) a_(k+1) s^k (each series alternates in sign with terms falling like (r/2.405)^2k:
    nothing cancels for r < 1)."""
    n = _SMALL_TERMS + 1
    i0 = [Fraction(1, 4 ** k * math.factorial(k) ** 2) for k in range(n)]
    i1 = [Fraction(1, 2 * 4 ** k * math.factorial(k) * math.factorial(k + 1)) for k in range(n)]  # I1/r
    a = _divide(i1, i0, n)
    m = _SMALL_TERMS
    return (_floats(a[:m]), _floats([(2 * k + 1) * a[k] for k in range(m)]),
            _floats([2 * (k + 1) * a[k + 1] for k in range(m)]),
            _floats([2 * (k + 1) * (2 * k + 3) * a[k + 1] for k in range(m)]))


@functools.cache
def _entire_series() -> tuple[np.ndarray, ...]:
    """Coefficients in u = (r/2)² of entire functions whose ratios give the profile on [1, 30):

    I0 = Σ uᵏ/k!², I1/r = Σ uᵏ/(2 k!(k+1)!), and, by Vandermonde's identity on the products,

        N = I0² - I1² - I0 I1/r = Σ C_k uᵏ / (2 k!(k+1)!)                  (A' = N/I0²),
        Q = (I0² - I1² - 2 I0 I1/r)/r² = -Σ C_(k+1) uᵏ / (4 k!(k+2)!)      (c = Q/I0²),
        P = N_u I0 - 2 N I0_u = Σ S_k uᵏ / (2 k!(k+2)!)                      (A'' = r P / (2 I0³)),

    C_k the Catalan numbers and S_k = Σ_i binom(k, i) (C_(i+1) binom(k+2, i+2) - 2 C_i binom(k+2, i+1)) < 0,
    integers (checked here). Each is a sum of terms of one sign, so nothing cancels: the direct Bessel
    formula 1 - A/r - A² loses log10(2r²) digits (3 at r = 30) to the cancellation of its terms."""
    m = _ENTIRE_TERMS
    fact = [math.factorial(k) for k in range(m + 3)]
    cat = [math.comb(2 * k, k) // (k + 1) for k in range(m + 2)]
    s = [sum(math.comb(k, i) * (cat[i + 1] * math.comb(k + 2, i + 2) - 2 * cat[i] * math.comb(k + 2, i + 1))
             for i in range(k + 1)) for k in range(m)]
    assert all(v < 0 for v in s)
    i0 = [1 / fact[k] ** 2 for k in range(m)]  # int / int: correctly rounded (0.0 past the smallest double)
    i1 = [1 / (2 * fact[k] * fact[k + 1]) for k in range(m)]
    big_n = [cat[k] / (2 * fact[k] * fact[k + 1]) for k in range(m)]
    q = [-cat[k + 1] / (4 * fact[k] * fact[k + 2]) for k in range(m)]
    p = [s[k] / (2 * fact[k] * fact[k + 2]) for k in range(m)]
    return tuple(np.array(c) for c in (i0, i1, big_n, q, p))


@functools.cache
def _hankel_series() -> tuple[np.ndarray, ...]:
    """Coefficients in z = 1/r of b, A', d = A' - b, e = d z, A'' and 1 - A for r >= 30.

    I_ν(r) ~ e^r (2πr)^(-1/2) Σ (-1)^k a_k(ν) z^k with a_k(ν) = Π_(j<=k) (4ν² - (2j-1)²) / (k! 8^k); the
    common factor cancels in A = I1/I0, divided exactly, and A' = 1 - zA - A² is formed on the exact
    coefficients, whose constant and z terms cancel exactly (A' = z²/2 + ...): in floating point at
    r = 30 they would cancel to 1/(2r²), three digits lost. A'' = -z² dA'/dz."""
    n = _HANKEL_TERMS + 4

    def hankel(nu: int) -> list[Fraction]:
        out_, term = [], Fraction(1)
        for k in range(n):
            out_.append(term)
            term = term * (4 * nu * nu - (2 * k + 1) ** 2) / ((k + 1) * 8)
        return [(-1) ** k * c for k, c in enumerate(out_)]

    a = _divide(hankel(1), hankel(0), n)
    za = [Fraction(0)] + a[:-1]
    aa = _times(a, a, n)
    prime = [(1 if k == 0 else 0) - za[k] - aa[k] for k in range(n)]
    assert prime[0] == 0 and prime[1] == 0
    d = [prime[k] - za[k] for k in range(n)]
    e = [Fraction(0)] + d[:-1]
    second = [Fraction(0), Fraction(0)] + [-(k + 1) * prime[k + 1] for k in range(n - 2)]  # -z² d/dz
    gap = [(1 if k == 0 else 0) - a[k] for k in range(n)]
    m = _HANKEL_TERMS
    # (1 + r²) A'' + 2r A' = A'' + A''/z² + 2A'/z: the radial chart's dα/dr (see _fields), whose terms
    # cancel from ~1 to ~1/r² at large r
    w = [second[k] + second[k + 2] + 2 * prime[k + 1] for k in range(n - 2)]
    return tuple(_floats(c[:m]) for c in (za, prime, d, e, second, gap, w))


def _poly(coefficients: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ c_k x^k by Horner's rule."""
    total = np.full_like(x, coefficients[-1])
    for c in coefficients[-2::-1]:
        total = total * x + c
    return total


@functools.cache
def _stacked(which: str) -> np.ndarray:
    """One series family's coefficients as the columns of a matrix (all of one length)."""
    if which == "small":
        return np.column_stack(_small_series())
    return np.column_stack(_entire_series() if which == "entire" else _hankel_series()[:5])


def _polys(which: str, x: np.ndarray) -> list[np.ndarray]:
    """Every series of one family at x at once, Σ_k c_k x^k as a product of the powers of x with the
    coefficient matrix: one vectorised operation instead of a Horner loop per series (the KL chords of
    a curve ask for the profile thousands of times). The powers stay finite (x <= 225, 110 terms:
    225^110 ~ 1e259) and the coefficients whose products would underflow are 0 already."""
    C = _stacked(which)
    powers = x[:, None] ** np.arange(C.shape[0])
    return list((powers @ C).T)


def profile(r: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(b, A', d, e, A'') at r = |θ| >= 0, elementwise: b = A/r, d = A' - b = c r², e = d/r = c r.

    A = I1/I0 rises from 0 to 1; b falls from 1/2 (r = 0) like 1/r; A' falls from 1/2 like 1/(2r²);
    each is computed in the form for its range of r (see the series above), without cancellation.
    """
    r = np.asarray(r, dtype=float)
    small, large = r < R_SERIES, r >= R_HANKEL
    middle = ~(small | large)
    outs = [np.empty_like(r) for _ in range(5)]
    if small.any():
        rs = r[small]
        s = rs * rs
        vb, vp, c, vs = _polys("small", s)
        for o, v in zip(outs, (vb, vp, c * s, c * rs, vs * rs)):
            o[small] = v
    if middle.any():
        rm = r[middle]
        u = 0.25 * rm * rm
        i0, i1, big_n, q, p = _polys("entire", u)
        i02 = i0 * i0
        c = q / i02
        for o, v in zip(outs, (i1 / i0, big_n / i02, c * rm * rm, c * rm, 0.5 * rm * p / (i02 * i0))):
            o[middle] = v
    if large.any():
        z = 1.0 / r[large]
        for o, v in zip(outs, _polys("hankel", z)):
            o[large] = v
    return outs[0], outs[1], outs[2], outs[3], outs[4]


def ratio(r: float) -> float:
    """A(r) = I1(r)/I0(r) for r >= 0."""
    return float(profile(np.array([r]))[0][0]) * r


def ratio_gap(r: float) -> float:
    """1 - A(r) for r >= 0, to full relative precision also as A -> 1 (from the Hankel series at r >= 30,
    where 1 - A ~ 1/(2r); below, 1 - A >= 1/60 loses at most two digits)."""
    if r >= R_HANKEL:
        return float(_poly(_hankel_series()[5], np.array([1.0 / r]))[0])
    return 1.0 - ratio(r)


# ---------------------------------------------------------------------------------------------
# angles
# ---------------------------------------------------------------------------------------------


class Angle(Real):
    """A finite real number read as an angle and stored reduced to [-π, π) as atan2(sin v, cos v).

    Values already in [-PI_HI, PI_HI] (PI_HI = π rounded down, so every such double lies in the open
    interval (-π, π)) are kept as they are: ``str(d)`` parses back to an equal law. Others are reduced
    through sin and cos, whose argument reduction is exact (Payne-Hanek), so vonmises(2π + 1e-20, 1)
    keeps its offset's digits: loc is 1e-20 - 2.4e-16 (2π as a double is not 2π)."""

    text: ClassVar[str] = "an angle (any real number, reduced to [-π, π))"

    def check(self, family: str, name: str, value: Any) -> float:
        v = super().check(family, name, value)
        if -PI_HI <= v <= PI_HI:
            return v
        return math.atan2(math.sin(v), math.cos(v))


def angle_gap(a: float, b: float) -> float:
    """b - a reduced to [-π, π], for angles a, b in [-π, π], to full relative precision: across the cut
    at ±π (3.1 and -3.1) as (b ∓ PI_HI) - (a ± PI_HI) ∓ 2 PI_LO, each difference exact (Sterbenz) where
    the result is small."""
    d = b - a
    if d > PI_HI:
        return ((b - PI_HI) - (a + PI_HI)) - 2.0 * PI_LO
    if d < -PI_HI:
        return ((b + PI_HI) - (a - PI_HI)) + 2.0 * PI_LO
    return d


# ---------------------------------------------------------------------------------------------
# the Fisher metric in θ = κ (cos μ, sin μ) (docs/math.md#fisher-rao-von-mises-the-circle)
# ---------------------------------------------------------------------------------------------


def theta_fields(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Fisher metric in θ itself and its derivatives (the reference the chart is tested against):
    g = A' n nᵀ + b t tᵀ, ∂_k g_ij = A'' n_i n_j n_k + e (n_k t_i t_j + n_j t_i t_k + n_i t_j t_k), n = θ/r,
    t = n turned by 90°, e = (A' - b)/r: the same tensors as b I + c θθᵀ and its derivative, assembled
    from the radial and angular parts so that A' ~ 1/(2r²) is never the difference of two entries of
    size b ~ 1/r (at r = 1e6 that difference would keep 4 digits)."""
    x = np.asarray(x, dtype=float)
    r = np.hypot(x[..., 0], x[..., 1])
    b, ap, d, e, app = profile(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        n1 = np.where(r > 0, x[..., 0] / r, 1.0)  # at θ = 0 any direction: A' = b and A'' = e = 0 there
        n2 = np.where(r > 0, x[..., 1] / r, 0.0)
    n = np.stack([n1, n2], axis=-1)
    t = np.stack([-n2, n1], axis=-1)
    g = np.empty(x.shape + (2,))
    g[..., 0, 0] = ap * n1 * n1 + b * n2 * n2
    g[..., 1, 1] = ap * n2 * n2 + b * n1 * n1
    g[..., 0, 1] = g[..., 1, 0] = d * n1 * n2
    nnn = np.einsum("...i,...j,...k->...kij", n, n, n)
    ntt = np.einsum("...k,...i,...j->...kij", n, t, t)
    mixed = ntt + np.swapaxes(ntt, -3, -1) + np.swapaxes(ntt, -3, -2)  # n_k t_i t_j + n_j t_i t_k + n_i t_k t_j
    dg = app[..., None, None, None] * nnn + e[..., None, None, None] * mixed
    return g, dg


def _sinhc_gap(v: np.ndarray) -> np.ndarray:
    """sinh(v)/v - 1 = v²/6 + v⁴/120 + ..., elementwise for v >= 0 without its cancellation near 0."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        small = v < 0.5
        w = np.where(small, v, 1.0)
        series = sum(w ** (2 * k) / math.factorial(2 * k + 1) for k in range(1, 12))
        return np.where(small, series, np.sinh(v) / np.where(small, 1.0, v) - 1.0)


def _fields(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Fisher metric in the chart's coordinates x = asinh(κ) (cos μ, sin μ) and its derivatives.

    With ρ = |x| = asinh r, m = x/ρ and s = m turned by 90°, the metric A' dr² + rA dμ² reads
    g = α m mᵀ + β s sᵀ, α = A'(r)(1 + r²), β = r A/ρ² = b (r/ρ)², both -> 1/2 at x = 0 (smooth there,
    as in θ) and α -> 1/2 at large r, where the θ chart's radial entry falls like 1/(2r²): a geodesic
    from κ = 0.01 to 1e4 runs at a nearly constant speed in x, and its coordinates are resolved by a
    few dozen Chebyshev nodes (in θ they grow exponentially along it and the solve failed). Derivatives:
    ∂_k g_ij = α' m_i m_j m_k + β' m_k s_i s_j + ((α - β)/ρ)(m_j s_i s_k + m_i s_j s_k), with
    α' = cosh ρ ((1 + r²) A'' + 2r A'), β' = (2b/ρ)(sinh 2ρ/2ρ - (r/ρ)²) + cosh ρ r² e/ρ²,
    α - β = d + r² A' - b ((r/ρ)² - 1), each difference of near-equal terms formed by series
    (docs/math.md#fisher-rao-von-mises-the-circle)."""
    x = np.asarray(x, dtype=float)
    rho = np.hypot(x[..., 0], x[..., 1])
    with np.errstate(over="ignore"):
        r = np.sinh(rho)
        ch = np.cosh(rho)
    b, ap, d, e, app = profile(r)
    g1 = _sinhc_gap(rho)  # r/ρ - 1
    q1 = g1 * (g1 + 2.0)  # (r/ρ)² - 1
    q = 1.0 + q1
    alpha = ap + ap * r * r
    beta = b * q
    big = r >= R_HANKEL
    with np.errstate(invalid="ignore", over="ignore"):
        w = app * (1.0 + r * r) + 2.0 * r * ap
        if big.any():
            w = np.where(big, _poly(_hankel_series()[6], 1.0 / np.where(big, r, 1.0)), w)
        dalpha = ch * w
        gap = d + r * r * ap - b * q1  # α - β
        live = rho > 0
        safe = np.where(live, rho, 1.0)
        dbeta = np.where(live, (2.0 * b / safe) * (_sinhc_gap(2.0 * rho) - q1) + ch * q * e, 0.0)
        mix = np.where(live, gap / safe, 0.0)
        m1 = np.where(live, x[..., 0] / safe, 1.0)
        m2 = np.where(live, x[..., 1] / safe, 0.0)
    m = np.stack([m1, m2], axis=-1)
    s = np.stack([-m2, m1], axis=-1)
    g = np.empty(x.shape + (2,))
    g[..., 0, 0] = alpha * m1 * m1 + beta * m2 * m2
    g[..., 1, 1] = alpha * m2 * m2 + beta * m1 * m1
    g[..., 0, 1] = g[..., 1, 0] = gap * m1 * m2
    mmm = np.einsum("...i,...j,...k->...kij", m, m, m)
    mss = np.einsum("...k,...i,...j->...kij", m, s, s)
    other = np.einsum("...j,...i,...k->...kij", m, s, s) + np.einsum("...i,...j,...k->...kij", m, s, s)
    dg = dalpha[..., None, None, None] * mmm + dbeta[..., None, None, None] * mss + mix[..., None, None, None] * other
    return g, dg


def _coords(d: VonMises) -> np.ndarray:
    rho = math.asinh(d.kappa)
    return np.array([rho * math.cos(d.loc), rho * math.sin(d.loc)])


def asinh_delta(a: float, b: float) -> float:
    """asinh b - asinh a for a, b >= 0, as asinh((b - a)(b + a)/(b√(1+a²) + a√(1+b²))): no cancellation."""
    if a == b:
        return 0.0
    return math.asinh((b - a) * (b + a) / (b * math.sqrt(1.0 + a * a) + a * math.sqrt(1.0 + b * b)))


def _turn(rp: float, dr: float, p: VonMises, q: VonMises) -> np.ndarray:
    """r_q u(μ_q) - r_p u(μ_p) = Δr u(μ_q) + r_p (u(μ_q) - u(μ_p)), u(μ) = (cos μ, sin μ), with
    u(μ_q) - u(μ_p) = 2 sin(δ/2) (-sin m, cos m), δ = μ_q - μ_p (across the cut: angle_gap), m = μ_p + δ/2:
    close laws keep their digits, also on either side of ±π."""
    delta = angle_gap(p.loc, q.loc)
    m = p.loc + 0.5 * delta
    chord = 2.0 * math.sin(0.5 * delta)
    return np.array([dr * math.cos(q.loc) - rp * chord * math.sin(m), dr * math.sin(q.loc) + rp * chord * math.cos(m)])


def _delta(p: VonMises, q: VonMises) -> np.ndarray:
    """x_q - x_p in the chart, x = asinh(κ) u(μ)."""
    return _turn(math.asinh(p.kappa), asinh_delta(p.kappa, q.kappa), p, q)


def theta_delta(p: VonMises, q: VonMises) -> np.ndarray:
    """θ_q - θ_p, θ = κ u(μ), without cancellation for close laws."""
    return _turn(p.kappa, q.kappa - p.kappa, p, q)


def theta(d: VonMises) -> np.ndarray:
    return np.array([d.kappa * math.cos(d.loc), d.kappa * math.sin(d.loc)])


def _from_natural(x1: float, x2: float) -> VonMises:
    """The law with θ = (x1, x2): vonmises(atan2(x2, x1), |θ|).

    θ = 0 is the uniform law, which no (loc, kappa > 0) names: it is given the smallest positive κ (a law
    5e-324 from it in θ, far below the rounding of any computed θ). A κ above KAPPA_MAX by rounding
    alone (a relative 1e-12) is brought back to it."""
    return _member(math.atan2(x2, x1), math.hypot(x1, x2))


def _member(loc: float, kappa: float) -> VonMises:
    """vonmises(loc, kappa) for a computed κ >= 0: 0 (the uniform law) made the smallest positive
    double, and a κ above KAPPA_MAX by rounding alone brought back to it (see _from_natural)."""
    if kappa == 0.0:
        return VonMises(0.0, 5e-324)
    if KAPPA_MAX < kappa <= KAPPA_MAX * (1.0 + 1e-12):
        kappa = KAPPA_MAX
    return VonMises(loc, kappa)


def _build(template: VonMises, x: np.ndarray) -> VonMises:
    rho = math.hypot(float(x[0]), float(x[1]))
    return _member(math.atan2(float(x[1]), float(x[0])), math.sinh(rho))


# ---------------------------------------------------------------------------------------------
# KL's straight lines: T = (cos x, sin x), θ = κ u(μ), η = A(κ) u(μ)
# (docs/math.md#fisher-rao-von-mises-the-circle)
# ---------------------------------------------------------------------------------------------

J0 = 2.404825557695773  # the first zero of J0: I0(r) = 0 at r = ±i J0, the poles of A/r nearest to the reals
_GL16 = np.polynomial.legendre.leggauss(16)


def vonmises_kl(p: VonMises, q: VonMises) -> float:
    """KL(p‖q) = ψ(θ_q) - ψ(θ_p) - η_p·Δ = ∫₀¹ (1-s) Δᵀ g(θ_p + sΔ) Δ ds, Δ = θ_q - θ_p (the Bregman
    divergence of ψ by Taylor's formula with integral remainder).

    The integrand is A'(r) (θ·Δ)²/r² + b (θ×Δ)²/r² >= 0 (θ×Δ = θ_p×Δ is constant), so the sum carries no
    cancellation, and close laws keep their digits (KL ~ ½ΔᵀgΔ with Δ formed by _delta); the textbook
    form log I0(κ_q) - log I0(κ_p) - A(κ_p)(κ_q cos(μ_q - μ_p) - κ_p) cancels to nothing there.

    Quadrature: g is analytic along the segment except where |θ(s)|² = -J0² (zeros of I0), i.e. at
    s = s* ± iρ with s* the point nearest to θ = 0 and ρ = √(r_min² + J0²)/|Δ|. Panels graded
    geometrically away from s* (widths ρ, 2ρ, 4ρ, ...) see that pole at least 1.4 half-widths off the
    real axis (Bernstein ellipse parameter >= 4.6), so 16-point Gauss-Legendre on each errs by < 4.6^-32
    ~ 1e-21 relative: the sum is exact to rounding, with ~2 log2(1/ρ) panels (<= 40 for κ <= 1e6)."""
    delta = theta_delta(p, q)
    size2 = float(delta @ delta)
    if size2 == 0.0:
        return 0.0
    start = theta(p)
    size = math.sqrt(size2)
    along = float(start @ delta)  # θ_p·Δ
    cross = float(start[0] * delta[1] - start[1] * delta[0])  # θ_p×Δ
    centre = min(max(-along / size2, 0.0), 1.0)
    rho = math.hypot(cross / size, J0) / size
    edges = {0.0, 1.0, centre}
    step = rho
    while centre + step < 1.0 or centre - step > 0.0:
        edges.update(v for v in (centre + step, centre - step) if 0.0 < v < 1.0)
        step *= 2.0
    cuts = np.array(sorted(edges))
    half = 0.5 * np.diff(cuts)
    s = (cuts[:-1] + half)[:, None] + half[:, None] * _GL16[0][None, :]
    dot = along + s * size2  # θ(s)·Δ
    r = np.hypot(start[0] + s * delta[0], start[1] + s * delta[1])
    b, ap, _, _, _ = profile(r)
    with np.errstate(invalid="ignore", divide="ignore"):
        inner = np.where(r > 0, (ap * dot * dot + b * cross * cross) / (r * r), b * size2)
    return float(((1.0 - s) * inner @ _GL16[1]) @ half)


def _e_point(p: VonMises, q: VonMises, t: float) -> VonMises:
    x = theta(p) + t * theta_delta(p, q)
    return _from_natural(float(x[0]), float(x[1]))


def inverse_ratio(a: float, gap: float) -> float:
    """κ with A(κ) = a, given a in [0, 1) and gap = 1 - a (the caller's, exact where a is near 1).

    A rises from 0 to 1 and is concave (A'' < 0), so A(κ) <= κ/2 and κ >= 2a; Newton's method, bracketed
    (geoanim.numeric.newton_bracketed), on A(κ) = a for a <= 1/2 and on -(1 - A(κ)) = -gap above, where
    the gap carries the digits (κ ~ 1/(2 gap))."""
    if a <= 0.0:
        return 0.0
    lo = 2.0 * a
    hi = max(4.0 * a, 1.0 / gap)
    low = a <= 0.5
    f = (lambda k: ratio(k)) if low else (lambda k: -ratio_gap(k))
    target = a if low else -gap
    while f(hi) < target:
        hi *= 2.0
    first = lambda k: np.array([f(float(v)) for v in np.atleast_1d(k)])  # noqa: E731
    slope = lambda k: profile(np.atleast_1d(k))[1]  # noqa: E731
    return float(newton_bracketed(first, slope, np.array([target]), np.array([lo]), np.array([hi]))[0])


def _m_point(p: VonMises, q: VonMises, t: float) -> VonMises:
    """η_t = (1-t) η_p + t η_q, η = A(κ) u(μ); then κ_t = A⁻¹(|η_t|) and μ_t its direction. Near |η| = 1
    (large κ) 1 - |η_t| comes from the ends' 1 - A and their angle, not from |η_t| itself:
    1 - |η_t|² = ā(2 - ā) + 4t(1-t) A_p A_q sin²(δ/2), ā = (1-t) ā_p + t ā_q, a sum of terms >= 0."""
    ap, aq = ratio(p.kappa), ratio(q.kappa)
    gp, gq = ratio_gap(p.kappa), ratio_gap(q.kappa)
    eta = (1.0 - t) * ap * np.array([math.cos(p.loc), math.sin(p.loc)]) \
        + t * aq * np.array([math.cos(q.loc), math.sin(q.loc)])
    size = math.hypot(float(eta[0]), float(eta[1]))
    g_line = (1.0 - t) * gp + t * gq
    half = math.sin(0.5 * angle_gap(p.loc, q.loc))
    gap = (g_line * (2.0 - g_line) + 4.0 * t * (1.0 - t) * ap * aq * half * half) / (1.0 + size)
    return _member(math.atan2(float(eta[1]), float(eta[0])), inverse_ratio(size, gap))


# ---------------------------------------------------------------------------------------------
# the law on [-π, π): the density in y = x - μ, cumulated over panels (docs/math.md#fisher-rao-von-mises-the-circle)
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _log_norm(kappa: float) -> float:
    """log(2π I0(κ)) - κ = log 2π + log i0e(κ) (I0(κ) itself overflows past κ = 713)."""
    from scipy.special import i0e

    return LOG_TWO_PI + math.log(float(i0e(kappa)))


def _shape(kappa: float, y: Any) -> Any:
    """exp(κ (cos y - 1)) = exp(-2κ sin²(y/2)): the density times 2π i0e(κ), without cos y - 1's cancellation."""
    h = np.sin(0.5 * np.asarray(y, dtype=float))
    return np.exp(-2.0 * kappa * h * h)


def _offsets(kappa: float) -> np.ndarray:
    """Panel edges in |y| from 0 to π, adapted to exp(-2κ sin²(y/2)): widths at most 0.25, 1.5/√κ and
    4/(κ sin y), so that on each panel log density varies by a slope of at most ~3 half-widths and a
    curvature of at most ~0.3: 16-point Gauss-Legendre is exact to rounding there (error ~3^32/32! ~ 1e-20).
    Past the offset where the density underflows (2κ sin²(y/2) > 746) one panel holds the (zero) rest."""
    cutoff = 2.0 * math.asin(math.sqrt(373.0 / kappa)) if kappa > 373.0 else math.pi
    edges = [0.0]
    o = 0.0
    while o < cutoff:
        # (κ sin y bounded below: κ = 1e-24 times 1e-300 underflows to 0)
        o += min(0.25, 1.5 / math.sqrt(kappa), 4.0 / max(kappa * math.sin(o), 1e-300))
        edges.append(min(o, math.pi))
    if edges[-1] < math.pi:
        edges.append(math.pi)
    return np.array(edges)


def _kahan_cumsum(values: np.ndarray) -> np.ndarray:
    """Partial sums 0, v0, v0 + v1, ... with compensated summation (a few hundred positive masses)."""
    out_ = np.empty(values.size + 1)
    total, carry = 0.0, 0.0
    out_[0] = 0.0
    for i, v in enumerate(values.tolist()):
        y = v - carry
        t = total + y
        carry = (t - total) - y
        total = t
        out_[i + 1] = total
    return out_


@dataclass(frozen=True)
class _Table:
    """Panels of [-PI_HI, PI_HI] adapted to one law's density, with their masses: F at each edge
    (``below``, summed from the left) and 1 - F (``above``, summed from the right), both sums of
    positive terms, so the cdf is exact to rounding near -π and the sf near π. The panels' ends are
    points x of the interval (so the first and last panel's widths are exact), the density is
    evaluated at y = x - μ. ``total``: the integral of exp(-2κ sin²(y/2)) over the interval."""

    loc: float
    kappa: float
    edges: np.ndarray
    below: np.ndarray
    above: np.ndarray
    total: float
    moment2: float  # E (x - μ)²

    def partial(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The mass of [a, b], for a <= b inside one panel (16-point Gauss-Legendre)."""
        half = 0.5 * (b - a)
        x = (a + half)[..., None] + half[..., None] * _GL16[0]
        return half * (_shape(self.kappa, x - self.loc) @ _GL16[1]) / self.total


@functools.lru_cache(maxsize=256)
def _table(loc: float, kappa: float) -> _Table:
    o = _offsets(kappa)
    candidates = loc + np.concatenate([o, -o, TWO_PI - o, o - TWO_PI])  # around the peaks at y = 0 and y = ±2π
    inside = candidates[(candidates > -PI_HI) & (candidates < PI_HI)]
    edges = np.unique(np.concatenate([[-PI_HI, PI_HI], inside]))
    half = 0.5 * np.diff(edges)
    x = (edges[:-1] + half)[:, None] + half[:, None] * _GL16[0][None, :]
    y = x - loc
    shape = _shape(kappa, y)
    masses = half * (shape @ _GL16[1])
    total = math.fsum(masses.tolist())
    masses = masses / total
    below = _kahan_cumsum(masses)
    above = _kahan_cumsum(masses[::-1])[::-1]
    moment2 = float((half * ((y * y * shape) @ _GL16[1])).sum()) / total
    return _Table(loc, kappa, edges, below, above, total, moment2)


def _from_moments(mean: float, var: float) -> tuple[float, float] | None:
    return None  # a mean and variance on [-π, π) name no direction and concentration


@register("vonmises", "von_mises")
@dataclass(frozen=True)
class VonMises(Univariate):
    """Von Mises law on the circle, as a law on [-π, π): density exp(κ cos(x - μ)) / (2π I0(κ)).

    ``loc`` (μ, any real number) is stored reduced to [-π, π); ``kappa`` (κ) is the concentration. Only
    metrics that compare densities point by point (Fisher-Rao, fisher-np, mixture, e/m/alpha) treat it
    as the circle's law; transport on the interval would cut the circle at ±π, so W2, WFR and entropic OT
    refuse it (``space``)."""

    loc: float = param(Angle(), aliases=("mu",), role=None, doc="mean direction μ (reduced to [-π, π))")
    kappa: float = param(Positive(upper=KAPPA_MAX), aliases=("k", "concentration"), role=None,
                         doc="concentration κ")
    family = "vonmises"
    display_name = "von Mises"
    plural = "von Mises laws"
    symbol = "vM"
    # the metrics built on the line's distance (W2, WFR, entropic OT: Metric.ground) refuse laws on the circle
    space = "circle"
    fisher_chart = Riemannian(_coords, _delta, _build, _fields,
                              names=("asinh \u03ba cos \u03bc", "asinh \u03ba sin \u03bc"),
                              note="numerical, in asinh(\u03ba) (cos \u03bc, sin \u03bc)")
    param_space = ParamSpace("theta1", "theta2", xlabel="\u03b8\u2081 = \u03ba cos \u03bc",
                             ylabel="\u03b8\u2082 = \u03ba sin \u03bc", symbols=("\u03b8\u2081", "\u03b8\u2082"))
    # T = (cos x, sin x): θ = κ u(μ), η = A(κ) u(μ) (docs/math.md#fisher-rao-von-mises-the-circle)
    exponential_family = ExponentialFamily(e_point=_e_point, m_point=_m_point, kl=lambda p, q: vonmises_kl(p, q),
                                           note="T = (cos x, sin x)")

    @property
    def theta1(self) -> float:
        return self.kappa * math.cos(self.loc)

    @property
    def theta2(self) -> float:
        return self.kappa * math.sin(self.loc)

    @property
    def _tab(self) -> _Table:
        return _table(self.loc, self.kappa)

    @property
    def mean(self) -> float:
        """The mean of x on [-π, π): μ less 2π times the mass that wraps past the cut (for μ >= 0 the
        points of [-π, μ - π) sit at y = x - μ + 2π around the circle from μ), so the mean of a
        concentrated law far from the cut is μ to rounding."""
        if self.loc >= 0.0:
            return self.loc - TWO_PI * float(self.cdf((self.loc - PI_HI) - PI_LO))
        return self.loc + TWO_PI * float(self.sf((self.loc + PI_HI) + PI_LO))

    @property
    def var(self) -> float:
        """E (x - μ)² - (mean - μ)², the first a sum of terms >= 0 over the panels."""
        shift = self.mean - self.loc
        return max(self._tab.moment2 - shift * shift, 0.0)

    @property
    def support(self):
        return (-PI_HI, PI_HI)

    @property
    def breakpoints(self):
        return (-PI_HI, PI_HI)

    def logpdf(self, x):
        if isinstance(x, float):  # quadratures ask for one point at a time
            if -PI_HI <= x <= PI_HI:
                h = math.sin(0.5 * (x - self.loc))
                return -2.0 * self.kappa * h * h - _log_norm(self.kappa)
            return -math.inf if x == x else math.nan
        xa = as_array(x)
        half = np.sin(0.5 * (xa - self.loc))
        inside = (xa >= -PI_HI) & (xa <= PI_HI)
        return out(x, np.where(inside, -2.0 * self.kappa * half * half - _log_norm(self.kappa),
                               np.where(np.isnan(xa), np.nan, -np.inf)))

    def pdf(self, x):
        if isinstance(x, float):
            return math.exp(self.logpdf(x)) if x == x else math.nan
        return out(x, np.exp(as_array(self.logpdf(x))))

    def _locate(self, x) -> tuple[_Table, np.ndarray, np.ndarray]:
        tab = self._tab
        xs = np.clip(as_array(x), -PI_HI, PI_HI)
        j = np.clip(np.searchsorted(tab.edges, xs, side="right") - 1, 0, tab.edges.size - 2)
        return tab, xs, j

    def cdf(self, x):
        tab, y, j = self._locate(x)
        value = tab.below[j] + tab.partial(tab.edges[j], y)
        return out(x, np.where(as_array(x) >= PI_HI, 1.0, np.minimum(value, 1.0)))

    def sf(self, x):
        tab, y, j = self._locate(x)
        value = tab.partial(y, tab.edges[j + 1]) + tab.above[j + 1]
        return out(x, np.where(as_array(x) <= -PI_HI, 1.0, np.minimum(value, 1.0)))

    def _quantile(self, p: np.ndarray, lower: bool) -> np.ndarray:
        """x with F(x) = p (``lower``) or 1 - F(x) = p, for p in (0, 1): each half inverted from its own
        tail's sums (F's below the median, the sf's above it, so 1 - p is formed only where it is exact),
        by bracketed Newton (geoanim.numeric.newton_bracketed) inside the panel holding the level."""
        tab = self._tab
        flat = np.clip(p.ravel(), 0.0, 1.0)
        on_sf = (flat > 0.5) if lower else (flat < 0.5)
        levels = np.where(on_sf, 1.0 - flat if lower else flat, flat if lower else 1.0 - flat)
        result = np.empty(flat.size)
        density = lambda xs: as_array(self.pdf(as_array(xs)))  # noqa: E731
        for mask, sums, fun, sign in ((~on_sf, tab.below, lambda xs: as_array(self.cdf(xs)), 1.0),
                                      (on_sf, -tab.above, lambda xs: -as_array(self.sf(xs)), -1.0)):
            idx = np.flatnonzero(mask)
            if not idx.size:
                continue
            target = sign * levels[idx]
            j = np.clip(np.searchsorted(sums, target, side="left") - 1, 0, tab.edges.size - 2)
            result[idx] = newton_bracketed(fun, density, target, tab.edges[j], tab.edges[j + 1])
        return result.reshape(p.shape)

    def ppf(self, u):
        p = as_array(u)
        x = self._quantile(p, lower=True)
        x = np.where(p <= 0.0, -PI_HI, np.where(p >= 1.0, PI_HI, x))
        return out(u, nondecreasing_in(p, x))

    def isf(self, v):
        p = as_array(v)
        x = self._quantile(p, lower=False)
        x = np.where(p <= 0.0, PI_HI, np.where(p >= 1.0, -PI_HI, x))
        return out(v, nondecreasing_in(-p, x))

    def plot_range(self):
        return (-math.pi, math.pi)  # the whole circle, cut at ±π

    def feature_points(self):
        tail = np.geomspace(1e-9, 0.5, 60)
        body = np.linspace(0.005, 0.995, 100)
        antipode = self.loc - PI_HI if self.loc >= 0 else self.loc + PI_HI
        return np.concatenate([[-PI_HI, PI_HI, self.loc, antipode], as_array(self.ppf(tail)),
                               as_array(self.isf(tail)), as_array(self.ppf(body))])


