"""What every law made of finitely many atoms on the line shares: cdf, quantiles and moments from atoms()."""

from __future__ import annotations

import math

import numpy as np

from ..numeric import ldexp_or_inf
from .base import Univariate, as_array, out


class Discrete(Univariate):
    """A law on finitely many atoms: everything derives from ``atoms()``."""

    kind = "discrete"

    def cumulative(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(locs, below, above): the sorted atoms, P(X <= x_i) and P(X > x_i).

        Each is a sum of masses from its own end (the masses divided by their total), never a
        difference of sums: a tail of mass 1e-20 is 1e-20, not 1 - (1 - 1e-20) = 0. A level above
        1/2 is taken as 1 minus the other end's sum, so ``below`` ends at exactly 1, ``above`` at
        exactly 0, both stay in [0, 1] and below_i + above_i = 1 to rounding; below is non-decreasing
        and above non-increasing.
        """
        locs, masses = self.atoms()
        total = math.fsum(masses)
        up = np.cumsum(masses) / total  # from the bottom
        down = np.concatenate([np.cumsum(masses[::-1])[::-1][1:], [0.0]]) / total  # from the top
        below = np.maximum.accumulate(np.clip(np.where(up <= 0.5, up, 1.0 - down), 0.0, 1.0))
        above = np.minimum.accumulate(np.clip(np.where(down <= 0.5, down, 1.0 - up), 0.0, 1.0))
        return locs, below, above

    def cdf(self, x):
        locs, below, _ = self.cumulative()
        idx = np.searchsorted(locs, as_array(x), side="right")  # atoms <= x
        return out(x, np.concatenate([[0.0], below])[idx])

    def sf(self, x):
        locs, _, above = self.cumulative()
        idx = np.searchsorted(locs, as_array(x), side="right")
        return out(x, np.concatenate([[1.0], above])[idx])  # P(X > x) is 1 below the first atom

    def ppf(self, u):
        locs, below, _ = self.cumulative()
        idx = np.clip(np.searchsorted(below, as_array(u), side="left"), 0, locs.size - 1)
        return out(u, locs[idx])

    def isf(self, v):
        # inf{x : P(X > x) <= v}; above is non-increasing, so find the first atom whose tail is <= v
        locs, _, above = self.cumulative()
        idx = np.clip(np.searchsorted(-above, -as_array(v), side="left"), 0, locs.size - 1)
        return out(v, locs[idx])

    def _spread(self) -> tuple[np.ndarray, np.ndarray, float, int]:
        """The atoms of positive mass, their masses, the total mass, and k with every |x_i| < 2^k."""
        locs, masses = self.atoms()
        keep = masses > 0  # an atom of mass 0 adds nothing (not 0 * inf) and sets no scale
        locs, masses = locs[keep], masses[keep]
        size = float(np.max(np.abs(locs)))
        return locs, masses, math.fsum(masses), math.frexp(size)[1] if size > 0 else 0

    @property
    def mean(self) -> float:
        locs, masses, total, k = self._spread()
        with np.errstate(over="ignore"):
            products = locs * masses
        if np.isfinite(products).all():
            try:
                mean = math.fsum(products) / total  # fsum: atoms at -x and x cancel exactly
                if math.isfinite(mean):
                    return mean
            except OverflowError:
                pass
        # beyond the largest float on the way: add up in units of 2^k
        return ldexp_or_inf(math.fsum(np.ldexp(locs, -k) * masses) / total, k)

    @property
    def var(self) -> float:
        """Σ m_i (x_i - mean)² / Σ m_i with the halved deviations in units of 2^k near the largest,
        so that no difference or square overflows or underflows on the way: a mass 1e-300 at 1e200
        gives 1e100, and atoms at -1e308 and 1e308 give inf only because the variance does."""
        locs, masses, total, _ = self._spread()
        m = self.mean
        if not math.isfinite(m):
            return math.inf
        half = 0.5 * locs - 0.5 * m  # halves: x - m overflows for x = 1e308, m = -1e308
        size = float(np.max(np.abs(half)))
        if size == 0:
            return 0.0
        k = math.frexp(size)[1]
        dev = np.ldexp(half, -k)  # exact: in [-1, 1]
        return ldexp_or_inf(math.fsum(masses * dev * dev) / total, 2 * k + 2)

    @property
    def support(self):
        locs, _ = self.atoms()
        return (float(locs[0]), float(locs[-1]))

    @property
    def breakpoints(self):
        return tuple(float(v) for v in self.atoms()[0])

    def plot_range(self):
        locs, masses = self.atoms()
        keep = locs[masses > 1e-4 * masses.max()]
        lo, hi = float(keep.min()), float(keep.max())
        pad = max(0.15 * (hi - lo), 0.6)
        return (lo - pad, hi + pad)
