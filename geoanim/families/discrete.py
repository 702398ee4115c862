"""What every law made of finitely many atoms on the line shares: cdf, quantiles and moments from atoms()."""

from __future__ import annotations

import math

import numpy as np

from .base import Univariate, as_array, out


class Discrete(Univariate):
    """A law on finitely many atoms: everything derives from ``atoms()``."""

    kind = "discrete"

    def _cum(self):
        locs, masses = self.atoms()
        cum = np.cumsum(masses)
        tail = np.concatenate([np.cumsum(masses[::-1])[::-1][1:], [0.0]])  # P(X > x_i)
        return locs, masses, cum, tail

    def cdf(self, x):
        locs, _, cum, _ = self._cum()
        idx = np.searchsorted(locs, as_array(x), side="right")
        return out(x, np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0))

    def sf(self, x):
        locs, _, _, tail = self._cum()
        idx = np.searchsorted(locs, as_array(x), side="right")
        top = np.concatenate([[tail[0] + self.atoms()[1][0]], tail])  # P(X > x) before each atom
        return out(x, top[idx])

    def ppf(self, u):
        locs, _, cum, _ = self._cum()
        ua = as_array(u)
        idx = np.clip(np.searchsorted(cum, ua, side="left"), 0, locs.size - 1)
        return out(u, locs[idx])

    def isf(self, v):
        # inf{x : P(X > x) <= v}; tail is decreasing, so find the first atom whose tail is <= v
        locs, _, _, tail = self._cum()
        va = as_array(v)
        idx = np.clip(np.searchsorted(-tail, -va, side="left"), 0, locs.size - 1)
        return out(v, locs[idx])

    @property
    def mean(self) -> float:
        locs, masses = self.atoms()
        return math.fsum(locs * masses) / math.fsum(masses)

    @property
    def var(self) -> float:
        locs, masses = self.atoms()
        m = self.mean
        return math.fsum(masses * (locs - m) ** 2) / math.fsum(masses)

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
