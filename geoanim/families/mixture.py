"""Finite mixtures of continuous laws on the line, written ``0.3*normal(0, 1) + 0.7*uniform(2, 3)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..numeric import newton_bracketed
from .base import SUM_TOL, Univariate, as_array, fmt, fsum_or_inf, merge_atoms, out, short


@dataclass(frozen=True)
class Mixture(Univariate):
    """Finite mixture ``w1*d1 + w2*d2 + ...``; written in specs with ``*`` and ``+`` (nested ones flatten)."""

    weights: tuple[float, ...]
    components: tuple[Univariate, ...]
    family = "mixture"

    def __post_init__(self):
        comps: list[Univariate] = []
        ws: list[float] = []
        for w, c in zip(self.weights, self.components):
            if not isinstance(c, Univariate):
                raise ValidationError(f"mixture: components must be 1-D distributions (got {c!r})", param="components")
            if c.kind != "continuous":
                raise ValidationError(f"mixture: components must be continuous (got {c}); "
                                      "use points([...], [...]) for weighted atoms", param="components")
            if isinstance(c, Mixture):  # flatten nested mixtures
                comps.extend(c.components)
                ws.extend(float(w) * cw for cw in c.weights)
            else:
                comps.append(c)
                ws.append(float(w))
        if len(self.weights) != len(self.components):
            raise ValidationError("mixture: need one weight per component", param="weights")
        for w in ws:
            if not math.isfinite(w) or w <= 0:
                raise ValidationError(f"mixture: weights must be > 0 (got {fmt(w) if math.isfinite(w) else w})",
                                      param="weights")
        total = fsum_or_inf(ws)
        if abs(total - 1.0) > SUM_TOL:
            raise ValidationError(f"mixture: weights must sum to 1 (got {total!r})", param="weights")
        object.__setattr__(self, "weights", tuple(ws))
        object.__setattr__(self, "components", tuple(comps))

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property for the base's class attribute
        kinds = {c.kind for c in self.components}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def __str__(self):
        return " + ".join(f"{fmt(w)}*{c}" for w, c in zip(self.weights, self.components))

    def params(self) -> dict[str, Any]:
        return {"weights": list(self.weights), "components": [c.to_dict() for c in self.components]}

    def describe(self, exact: bool = False) -> str:
        if exact:
            return " + ".join(f"{short(w)}\u00b7{c.describe(exact=True)}"
                              for w, c in zip(self.weights, self.components))
        return super().describe(exact)

    def shifted(self, s: float) -> Mixture:
        return Mixture(self.weights, tuple(c.shifted(s) for c in self.components))

    def scaled(self, c: float) -> Mixture:
        return Mixture(self.weights, tuple(x.scaled(c) for x in self.components))

    @property
    def mean(self) -> float:
        return math.fsum(w * c.mean for w, c in zip(self.weights, self.components))

    @property
    def var(self) -> float:
        m = self.mean
        # (c.mean - m) * (...) rather than ** 2: float ** raises OverflowError where * gives inf
        return math.fsum(w * (c.var + (c.mean - m) * (c.mean - m)) for w, c in zip(self.weights, self.components))

    @property
    def support(self):
        lows, highs = zip(*(c.support for c in self.components))
        return (min(lows), max(highs))

    @property
    def breakpoints(self):
        return tuple(sorted({b for c in self.components for b in c.breakpoints}))

    def _sum(self, method: str, x):
        xa = as_array(x)
        total = np.zeros_like(xa)
        for w, c in zip(self.weights, self.components):
            total = total + w * as_array(getattr(c, method)(xa))
        return out(x, total)

    def pdf(self, x):
        return self._sum("pdf", x)

    def pmf(self, x):
        return self._sum("pmf", x)

    def cdf(self, x):
        return self._sum("cdf", x)

    def sf(self, x):
        return self._sum("sf", x)

    def atoms(self):
        parts = [(c.atoms(), w) for w, c in zip(self.weights, self.components) if c.kind != "continuous"]
        if not parts:
            return np.empty(0), np.empty(0)
        locs = np.concatenate([a[0] for a, _ in parts])
        masses = np.concatenate([w * a[1] for a, w in parts])
        return merge_atoms(locs, masses)

    def ppf(self, u):
        # the mixture quantile lies between the smallest and largest component quantiles
        ua = as_array(u)
        qs = np.array([as_array(c.ppf(ua)) for c in self.components])
        return out(u, newton_bracketed(self.cdf, self.pdf, ua, qs.min(axis=0), qs.max(axis=0)))

    def isf(self, v):
        va = as_array(v)
        qs = np.array([as_array(c.isf(va)) for c in self.components])
        # sf is decreasing with derivative -pdf: solve 1 - sf(x) = 1 - v without forming 1 - v
        return out(v, newton_bracketed(lambda x: -as_array(self.sf(x)), self.pdf, -va,
                                       qs.min(axis=0), qs.max(axis=0)))

    def plot_range(self):
        lows, highs = zip(*(c.plot_range() for c in self.components))
        return (min(lows), max(highs))

    def feature_points(self):
        return np.concatenate([c.feature_points() for c in self.components])
