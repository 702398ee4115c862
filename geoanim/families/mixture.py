"""Finite mixtures of continuous laws on the line, written ``0.3*normal(0, 1) + 0.7*uniform(2, 3)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ValidationError
from ..numeric import ldexp_or_inf, newton_bracketed, nondecreasing_in
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
        """Σ w_i mean_i: nan where a component has no mean (or means of +inf and -inf meet), inf where
        it overflows."""
        terms = [w * c.mean for w, c in zip(self.weights, self.components)]
        if any(math.isnan(t) for t in terms):
            return math.nan
        infinite = {t for t in terms if math.isinf(t)}
        if infinite:
            return infinite.pop() if len(infinite) == 1 else math.nan
        try:
            return math.fsum(terms)
        except OverflowError:  # the exact sum is beyond the largest float
            return math.copysign(math.inf, sum(terms))

    @property
    def var(self) -> float:
        """Σ w_i (var_i + (mean_i - m)²), a sum of non-negative terms, in units of a power of two 2^k
        near the largest spread so that no square overflows or underflows on the way (a component
        1e160 away with weight 1e-20 adds 1e300, not inf). inf where a component has no second
        moment or the mean overflows (then so does the second moment), nan where a component's is
        undefined."""
        variances = [c.var for c in self.components]
        if any(math.isnan(v) for v in variances):
            return math.nan
        m = self.mean
        if not math.isfinite(m) or any(math.isinf(v) for v in variances):
            return math.inf
        # the deviations, halved so that mean_i - m cannot overflow (means at -1e308 and 1e308)
        spread = [(w, v, 0.5 * c.mean - 0.5 * m) for w, v, c in zip(self.weights, variances, self.components)]
        size = max(max(0.5 * math.sqrt(v), abs(dev)) for _, v, dev in spread)
        if size == 0:
            return 0.0
        k = math.frexp(size)[1]
        # var_i / 4 and the halved deviation in units of 2^k: exact scalings, every term <= 1
        total = math.fsum(w * (math.ldexp(v, -2 * k - 2) + math.ldexp(dev, -k) ** 2) for w, v, dev in spread)
        return ldexp_or_inf(total, 2 * k + 2)  # 2^2k for the units, 4 for the halves

    @property
    def support(self):
        lows, highs = zip(*(c.support for c in self.components))
        return (min(lows), max(highs))

    @property
    def breakpoints(self):
        return tuple(sorted({b for c in self.components for b in c.breakpoints}))

    def _sum(self, method: str, x):
        if isinstance(x, float):  # one point (a quadrature's): the components' own scalar paths
            return math.fsum(w * float(getattr(c, method)(x)) for w, c in zip(self.weights, self.components))
        xa = as_array(x)
        total = np.zeros_like(xa)
        for w, c in zip(self.weights, self.components):
            total = total + w * as_array(getattr(c, method)(xa))
        return out(x, total)

    def pdf(self, x):
        return self._sum("pdf", x)

    def logpdf(self, x):
        from scipy.special import logsumexp

        xa = as_array(x)
        with np.errstate(divide="ignore"):
            logs = np.array([math.log(w) + as_array(c.logpdf(xa)) for w, c in zip(self.weights, self.components)
                             if w > 0])
        return out(x, logsumexp(logs, axis=0))

    def pmf(self, x):
        return self._sum("pmf", x)

    def cdf(self, x):
        # the weights sum to 1 only to rounding (and SUM_TOL): a weighted sum of 1s can exceed 1
        return out(x, np.clip(as_array(self._sum("cdf", x)), 0.0, 1.0))

    def sf(self, x):
        return out(x, np.clip(as_array(self._sum("sf", x)), 0.0, 1.0))

    def atoms(self):
        parts = [(c.atoms(), w) for w, c in zip(self.weights, self.components) if c.kind != "continuous"]
        if not parts:
            return np.empty(0), np.empty(0)
        locs = np.concatenate([a[0] for a, _ in parts])
        masses = np.concatenate([w * a[1] for a, w in parts])
        return merge_atoms(locs, masses)

    def ppf(self, u):
        # inf{x : F(x) >= u} lies between the smallest and largest component quantiles (at each of
        # them F is at most, resp. at least, u); u = 0 and 1 give the ends of the support
        ua = as_array(u)
        qs = np.array([as_array(c.ppf(ua)) for c in self.components])
        lo, hi = _ends(ua, qs.min(axis=0), qs.max(axis=0))
        return out(u, nondecreasing_in(ua, newton_bracketed(self.cdf, self.pdf, ua, lo, hi)))

    def isf(self, v):
        va = as_array(v)
        qs = np.array([as_array(c.isf(va)) for c in self.components])
        hi, lo = _ends(va, qs.max(axis=0), qs.min(axis=0))
        # sf is decreasing with derivative -pdf: the smallest x with -sf(x) >= -v, without forming 1 - v
        return out(v, newton_bracketed(lambda x: -as_array(self.sf(x)), self.pdf, -va, lo, hi))

    def plot_range(self):
        lows, highs = zip(*(c.plot_range() for c in self.components))
        return (min(lows), max(highs))

    def feature_points(self):
        return np.concatenate([c.feature_points() for c in self.components])


def _ends(level: np.ndarray, at_0: np.ndarray, at_1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The bracket (at_0, at_1), closed onto at_0 where level <= 0 and onto at_1 where level >= 1
    (the ends of the support: nothing to solve there)."""
    first, last = level <= 0, level >= 1
    return np.where(last, at_1, at_0), np.where(first, at_0, at_1)
