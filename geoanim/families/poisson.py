"""The Poisson law on 0, 1, 2, ..."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import Positive, as_array, out, param, register
from .charts import ArcLength, sqrt_delta
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

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def var(self) -> float:
        return self.rate

    def atoms(self):
        return _atoms(self.rate)

    def pmf(self, x):
        from scipy.special import gammaln

        xa = as_array(x)
        k = np.round(xa)
        ok = (k == xa) & (k >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            logp = np.where(ok, k * math.log(self.rate) - self.rate - gammaln(np.maximum(k, 0) + 1), -np.inf)
        return out(x, np.exp(logp))


_CACHE: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _atoms(rate: float):
    if rate not in _CACHE:
        from scipy.special import gammaln, pdtr, pdtrc

        width = 12.0 * math.sqrt(rate) + 40.0
        lo = max(0, int(rate - width))
        hi = int(rate + width)
        # shrink to the atoms whose tails are above TAIL
        while lo > 0 and pdtr(lo - 1, rate) > TAIL:
            lo = max(0, lo - int(width))
        while pdtrc(hi, rate) > TAIL:
            hi += int(width)
        k = np.arange(lo, hi + 1, dtype=float)
        masses = np.exp(k * math.log(rate) - rate - gammaln(k + 1))
        keep = masses > 0
        k, masses = k[keep], masses[keep]
        _CACHE[rate] = (k, masses / math.fsum(masses))
    return _CACHE[rate]
