"""The geometric and negative binomial laws: failures before the first (r-th) success."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import Positive, Probability, as_array, out, param, register
from .binomial import bernoulli_kl, pmf_atoms
from .charts import ArcLength, ExponentialFamily, log_delta
from .discrete import Discrete

MAX_ATOMS = 1_000_000  # laws whose bulk needs more atoms than this are refused
TAIL = 1e-18


def _phi(p: float) -> float:
    """The arc length of I(p) = 1/(p²(1-p)): log p - 2 log(1 + √(1-p)) = -2 artanh √(1-p)."""
    return math.log(p) - 2.0 * math.log1p(math.sqrt(1.0 - p))


def _phi_inv(phi: float) -> float:
    """p = sech²(φ/2)."""
    return 1.0 / math.cosh(phi / 2.0) ** 2


def _delta(a: float, b: float) -> float:
    """φ(b) - φ(a) without cancellation: log(b/a) - 2 log((1 + s_b)/(1 + s_a)), s = √(1 - p), with
    s_b - s_a = (a - b)/(s_a + s_b)."""
    sa, sb = math.sqrt(1.0 - a), math.sqrt(1.0 - b)
    ds = (a - b) / (sa + sb) if sa + sb > 0 else 0.0
    return log_delta(a, b) - 2.0 * math.log1p(ds / (1.0 + sa))


def _e_prob(p: float, q: float, t: float) -> float:
    """θ = log(1 - p) linear in t."""
    return -math.expm1((1.0 - t) * math.log1p(-p) + t * math.log1p(-q))


def _m_prob(p: float, q: float, t: float) -> float:
    """η = (1 - p)/p (the mean per success) linear in t."""
    return 1.0 / (1.0 + (1.0 - t) * (1.0 - p) / p + t * (1.0 - q) / q)


_CHART_NOTE = "-2\u221ar artanh \u221a(1 - p)"


def _check_bulk(family: str, r: float, p: float) -> None:
    mean, sd = r * (1.0 - p) / p, math.sqrt(r * (1.0 - p)) / p
    if mean + 40.0 * sd + 40.0 / p > MAX_ATOMS:
        raise ValidationError(f"{family}: p = {p:g} is too small (its bulk spans more than {MAX_ATOMS:,} atoms)",
                              param="p")


def lgamma_gap(x: np.ndarray, h: float) -> np.ndarray:
    """log Γ(x + h) - log Γ(x), elementwise for x > 0: where |h| < x/100, the Taylor series
    Σ hⁿ ψ⁽ⁿ⁻¹⁾(x)/n! to n = 8 (the difference of two nearly equal lgammas would keep only the digits
    left after their common part); else the difference itself."""
    from scipy.special import gammaln, polygamma

    x = np.asarray(x, dtype=float)
    small = abs(h) < 0.01 * x
    series = sum(h ** n / math.factorial(n) * polygamma(n - 1, x) for n in range(1, 9))
    return np.where(small, series, gammaln(x + h) - gammaln(x))


def _atoms(r: float, p: float) -> tuple[np.ndarray, np.ndarray]:
    from scipy.stats import nbinom

    hi = int(nbinom.isf(TAIL, r, p)) + 1
    lo = max(0, int(nbinom.ppf(TAIL, r, p)) - 1)
    return pmf_atoms(lo, hi, lambda k: nbinom.pmf(k, r, p))


class _Failures(Discrete):
    """Shared by the geometric and negative binomial laws: r (1 for the geometric) and p."""

    r: float
    p: float

    @property
    def mean(self) -> float:
        return self.r * (1.0 - self.p) / self.p

    @property
    def var(self) -> float:
        return self.r * (1.0 - self.p) / (self.p * self.p)

    def atoms(self):
        return _atoms(self.r, self.p)

    def log_mass_ratio(self, other: _Failures, k: np.ndarray) -> np.ndarray:
        """log(P(X = k) / P(Y = k)) for Y ~ other, without cancellation for nearly equal laws:
        log Γ(k + r) - log Γ(r) + r log p + k log(1 - p), differenced term by term."""
        r1, p1, r2, p2 = self.r, self.p, other.r, other.p
        h = r1 - r2
        binomial = lgamma_gap(k + r2, h) - lgamma_gap(np.asarray(r2), h) if h else np.zeros_like(k)
        log_p = -log_delta(p1, p2)  # log p1 - log p2
        log_q = math.log1p((p2 - p1) / (1.0 - p2))  # log(1 - p1) - log(1 - p2)
        return binomial + r1 * log_p + h * math.log(p2) + k * log_q

    def pmf(self, x):
        locs, masses = self.atoms()
        xa = as_array(x)
        idx = np.clip(np.searchsorted(locs, xa), 0, locs.size - 1)
        return out(x, np.where(locs[idx] == xa, masses[idx], 0.0))


@register("negbinomial", "nbinom", "negative_binomial")
@dataclass(frozen=True)
class NegBinomial(_Failures):
    """Negative binomial law: failures before the r-th success, each trial a success with probability p."""

    r: float = param(Positive(upper=1e6, lower=1e-6), aliases=("n", "successes"), role=None,
                     doc="successes r (any r >= 1e-6)")
    p: float = param(Probability(open_lo=True, open_hi=True), aliases=("prob",), role=None, doc="success probability")
    family = "negbinomial"
    display_name = "negative binomial"
    symbol = "NB"
    # I(p) = r/(p²(1-p)): √r times the geometric's arc length, for laws of one r
    fisher_chart = ArcLength("p", _phi, _phi_inv, _delta, note=_CHART_NOTE + " (equal r)", fixed=("r",),
                             factor=lambda d: math.sqrt(d.r))
    # T = k: θ = log(1 - p), η = r(1 - p)/p; KL = r (p log(p/q) + (1-p) log((1-p)/(1-q)))/p
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: NegBinomial(p.r, _e_prob(p.p, q.p, t)),
        m_point=lambda p, q, t: NegBinomial(p.r, _m_prob(p.p, q.p, t)),
        kl=lambda p, q: p.r * bernoulli_kl(p.p, q.p) / p.p, same_model=lambda p, q: p.r == q.r,
        note="T = k (equal r)")

    def _check(self) -> None:
        _check_bulk(self.family, self.r, self.p)


@register("geometric")
@dataclass(frozen=True)
class Geometric(_Failures):
    """Geometric law: failures before the first success, each trial a success with probability p."""

    p: float = param(Probability(open_lo=True, open_hi=True), aliases=("prob",), role=None, doc="success probability")
    family = "geometric"
    plural = "geometric laws"
    symbol = "Geom"
    fisher_chart = ArcLength("p", _phi, _phi_inv, _delta, note=_CHART_NOTE.replace("\u221ar ", ""))
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: Geometric(_e_prob(p.p, q.p, t)),
        m_point=lambda p, q, t: Geometric(_m_prob(p.p, q.p, t)),
        kl=lambda p, q: bernoulli_kl(p.p, q.p) / p.p, note="T = k")

    @property
    def r(self) -> float:  # type: ignore[override]
        return 1.0

    def _check(self) -> None:
        _check_bulk(self.family, 1.0, self.p)
