"""The Poisson law on 0, 1, 2, ..."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, as_array, out, param, register
from .charts import ArcLength, ExponentialFamily, lerp, mass_gap, sqrt_delta
from .discrete import Discrete

MAX_RATE = 1e7
TAIL = 1e-18  # atoms beyond this tail mass are dropped: below double precision of 1


@register("poisson")
@dataclass(frozen=True)
class Poisson(Discrete):
    """Poisson law with mean ``rate`` on 0, 1, 2, ..."""

    rate: float = param(Positive(upper=MAX_RATE), aliases=("mu",), doc="mean λ")
    family = "poisson"
    display_name = "Poisson"
    symbol = "Poisson"
    # I(λ) = 1/λ, so arc length is 2√λ and √λ is linear in t
    fisher_chart = ArcLength("rate", lambda r: 2.0 * math.sqrt(r), lambda s: 0.25 * s * s,
                             lambda a, b: 2.0 * sqrt_delta(a, b), note="2\u221arate",
                             move=lambda a, s: (math.sqrt(a) + 0.5 * s) ** 2)
    # T = k: θ = log λ, η = λ; KL(p‖q) = λp log(λp/λq) - λp + λq
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: Poisson(math.exp(lerp(math.log(p.rate), math.log(q.rate), t))),
        m_point=lambda p, q, t: Poisson(lerp(p.rate, q.rate, t)),
        kl=lambda p, q: mass_gap(p.rate, q.rate), note="T = k")

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def var(self) -> float:
        return self.rate

    def atoms(self):
        return _atoms(self.rate)

    def pmf(self, x):
        xa = as_array(x)
        k = np.round(xa)
        ok = (k == xa) & (k >= 0) & np.isfinite(k)
        return out(x, np.where(ok, _masses(np.where(ok, k, 0.0), self.rate), 0.0))


_CACHE: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _atoms(rate: float):
    if rate not in _CACHE:
        from scipy.special import pdtr, pdtrc

        width = 12.0 * math.sqrt(rate) + 40.0
        lo = max(0, int(rate - width))
        hi = int(rate + width)
        # shrink to the atoms whose tails are above TAIL
        while lo > 0 and pdtr(lo - 1, rate) > TAIL:
            lo = max(0, lo - int(width))
        while pdtrc(hi, rate) > TAIL:
            hi += int(width)
        k = np.arange(lo, hi + 1, dtype=float)
        masses = _masses(k, rate)  # each mass itself, never a difference of cumulative sums
        keep = masses > 0
        k, masses = k[keep], masses[keep]
        _CACHE[rate] = (k, masses / math.fsum(masses))
    return _CACHE[rate]


# log(k!) - log(sqrt(2 pi k) (k/e)^k) for k = 1 .. 15 (mpmath), the series beyond
_STIRLERR = np.array([
    0.0, 0.08106146679532726, 0.0413406959554093, 0.02767792568499834, 0.020790672103765093,
    0.016644691189821193, 0.013876128823070748, 0.01189670994589177, 0.010411265261972096,
    0.009255462182712733, 0.00833056343336287, 0.007573675487951841, 0.00694284010720953,
    0.006408994188004207, 0.0059513701127588475, 0.005554733551962801])
_FACTORIALS = np.array([float(math.factorial(i)) for i in range(171)])  # each rounded once


def _stirlerr(k: np.ndarray) -> np.ndarray:
    """log(k!) - log(sqrt(2 pi k) (k/e)^k) for integers k >= 1, to full absolute precision."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        kk = k * k
        series = (1 / 12 - (1 / 360 - (1 / 1260 - (1 / 1680 - 1 / (1188 * kk)) / kk) / kk) / kk) / k
    return np.where(k <= 15, _STIRLERR[np.clip(k, 0, 15).astype(int)], series)


def _bd0(k: np.ndarray, rate: float) -> np.ndarray:
    """k log(k / rate) + rate - k >= 0 without cancellation: for k near the rate, the series in
    v = (k - rate)/(k + rate) of Loader (2000), whose terms shrink by v² <= 0.01 each."""
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        d, s = k - rate, k + rate
        v = d / s
        total, term = d * v, 2.0 * k * v
        for j in range(1, 12):
            term = term * v * v
            total = total + term / (2 * j + 1)
        far = k * np.log(k / rate) + rate - k
    return np.where(np.abs(d) < 0.1 * s, total, far)


def _masses(k: np.ndarray, rate: float) -> np.ndarray:
    """e^-rate rate^k / k! for integers k >= 0, to a few ulps at every rate.

    exp(k log rate - rate - lgamma(k + 1)) carries the rounding of its large terms into the
    exponent: 4e-8 relative at rate 1e7, 8e-5 at rate 1e-18. Instead: the product itself wherever
    its factors are representable (k <= 170, e^-rate rate^k a normal float), else Loader's
    saddle-point form (as R's dpois_raw) exp(-stirlerr(k) - bd0(k, rate)) / sqrt(2 pi k), whose
    exponent is small near the mode.
    """
    k = np.asarray(k, dtype=float)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore", under="ignore"):
        saddle = np.exp(-_stirlerr(k) - _bd0(k, rate)) / np.sqrt(2.0 * math.pi * k)
        small = k <= 170
        head = math.exp(-rate) * rate ** np.where(small, k, 0.0)  # e^-rate rate^k
        direct = small & np.isfinite(head) & (head >= 2.2250738585072014e-308)
        masses = np.where(direct, head / _FACTORIALS[np.where(small, k, 0).astype(int)], saddle)
    return np.where(k == 0, math.exp(-rate), masses)
