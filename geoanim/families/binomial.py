"""The binomial law, and the arc-length chart its Fisher metric shares with the negative binomial."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Count, Probability, as_array, out, param, register
from .charts import ArcLength, ExponentialFamily, lerp, mass_gap
from .discrete import Discrete

TAIL = 1e-18  # atoms whose tails are below this are dropped (below double precision of 1)


def bernoulli_kl(p: float, q: float) -> float:
    """p log(p/q) + (1-p) log((1-p)/(1-q)) >= 0 as two mass gaps (the -p + q terms cancel exactly):
    no cancellation for close p and q."""
    return float(mass_gap(p, q)) + float(mass_gap(1.0 - p, 1.0 - q))


def logit_lerp(p: float, q: float, t: float) -> float:
    """The probability whose log-odds is (1-t) logit p + t logit q."""
    from scipy.special import expit, logit

    return float(expit(lerp(float(logit(p)), float(logit(q)), t)))


def _angle(a: float, b: float) -> float:
    """asin √b - asin √a, as the angle between (√a, √(1-a)) and (√b, √(1-b)): its sine
    (b - a)/(√(b(1-a)) + √(a(1-b))) has no cancellation, nor does the cosine √(ab) + √((1-a)(1-b))."""
    s = math.sqrt(b * (1.0 - a)) + math.sqrt(a * (1.0 - b))
    return math.atan2((b - a) / s if s > 0 else 0.0, math.sqrt(a * b) + math.sqrt((1.0 - a) * (1.0 - b)))


def _pmf(k: np.ndarray, n: int, p: float) -> np.ndarray:
    """scipy's binomial pmf (accurate for large n); where it overflows inside (p near the smallest normal
    double, 2.2e-308), exp of log C(n, k) + k log p + (n - k) log(1 - p) from log-gammas (whose
    differences lose digits for large n, where scipy's does not fail)."""
    from scipy.special import gammaln, xlog1py, xlogy
    from scipy.stats import binom

    try:
        return binom.pmf(k, n, p)
    except OverflowError:
        return np.exp(gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0) + xlogy(k, p) + xlog1py(n - k, -p))


def pmf_atoms(lo: int, hi: int, masses) -> tuple[np.ndarray, np.ndarray]:
    """The atoms lo..hi with their masses (each computed itself), normalised, zeros left out."""
    k = np.arange(lo, hi + 1, dtype=float)
    m = np.asarray(masses(k), dtype=float)
    keep = m > 0
    return k[keep], m[keep] / math.fsum(m[keep])


@register("binomial")
@dataclass(frozen=True)
class Binomial(Discrete):
    """Binomial law: successes in n independent trials of probability p."""

    n: float = param(Count(), aliases=("trials",), role=None, doc="number of trials")
    p: float = param(Probability(open_lo=True, open_hi=True), aliases=("prob",), role=None,
                     doc="success probability")
    family = "binomial"
    symbol = "Bin"
    # I(p) = n/(p(1-p)): arc length 2√n asin √p, for binomials of one n
    # (docs/math.md#fisher-rao-one-parameter-families-arc-length)
    fisher_chart = ArcLength("p", lambda p: 2.0 * math.asin(math.sqrt(p)), lambda a: math.sin(a / 2.0) ** 2,
                             lambda a, b: 2.0 * _angle(a, b), note="2\u221an asin \u221ap (equal n)",
                             fixed=("n",), factor=lambda d: math.sqrt(d.n))
    # T = k: θ = logit p, η = n p; KL = n (p log(p/q) + (1-p) log((1-p)/(1-q)))
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: Binomial(p.n, logit_lerp(p.p, q.p, t)),
        m_point=lambda p, q, t: Binomial(p.n, lerp(p.p, q.p, t)),
        kl=lambda p, q: p.n * bernoulli_kl(p.p, q.p), same_model=lambda p, q: p.n == q.n, note="T = k (equal n)")

    @property
    def mean(self) -> float:
        return self.n * self.p

    @property
    def var(self) -> float:
        return self.n * self.p * (1.0 - self.p)

    def atoms(self):
        n, p = int(self.n), self.p
        width = 12.0 * math.sqrt(n * p * (1 - p)) + 40.0
        lo, hi = max(0, int(n * p - width)), min(n, int(n * p + width) + 1)
        return pmf_atoms(lo, hi, lambda k: _pmf(k, n, p))

    def pmf(self, x):
        locs, masses = self.atoms()
        xa = as_array(x)
        idx = np.clip(np.searchsorted(locs, xa), 0, locs.size - 1)
        return out(x, np.where(locs[idx] == xa, masses[idx], 0.0))
