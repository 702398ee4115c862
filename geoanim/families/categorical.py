"""Categorical laws: probabilities on a fixed, finite set of points."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import Probabilities, Reals, merge_atoms, num, param, register
from .charts import ExponentialFamily, Sphere, mass_gap
from .discrete import Discrete


def _default_at(d: Categorical) -> tuple[float, ...]:
    return tuple(float(i) for i in range(len(d.probs)))


@register("categorical")
@dataclass(frozen=True)
class Categorical(Discrete):
    """Probabilities ``probs`` on the support points ``at`` (default 0, 1, ..., k-1)."""

    probs: tuple[float, ...] = param(Probabilities(), aliases=("p",), role="shape", doc="probabilities")
    at: tuple[float, ...] | None = param(Reals(), role="location", optional=True, implied=_default_at, elide="both",
                                         keyword=True, doc="support points (default 0, 1, ..., k-1)")
    family = "categorical"
    fisher_chart = Sphere("probs", "at")
    # T = the indicators of the points: θ = log p (up to a constant), η = p
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: _e_point(p, q, t), m_point=lambda p, q, t: _m_point(p, q, t),
        kl=lambda p, q: math.fsum(mass_gap(a, b) for a, b in zip(p.probs, q.probs) if b > 0),
        same_model=lambda p, q: p.at == q.at and all((a > 0) == (b > 0) for a, b in zip(p.probs, q.probs)),
        note="T = the indicators of the support points (same points, same zeros)")

    def _check(self):
        at = self.at
        assert at is not None  # __post_init__ filled it in from `implied`
        if len(at) != len(self.probs):
            raise ValidationError(f"categorical: `at` must have one point per probability (got {len(at)} "
                                  f"points for {len(self.probs)} probabilities)", param="at")
        if len(set(at)) != len(at):
            raise ValidationError("categorical: `at` must not repeat a point", param="at")

    def atoms(self):
        return merge_atoms(np.array(self.at), np.array(self.probs))

    def describe(self, exact: bool = False) -> str:
        if not exact and len(self.probs) <= 4 and self.atoms()[0].size > 1:
            return "p = (" + ", ".join(num(p) for p in self.probs) + ")"
        return super().describe(exact)


def _normalised(p: Categorical, w: np.ndarray) -> Categorical:
    return Categorical(tuple(float(v) for v in w / math.fsum(w)), p.at)


def _e_point(p: Categorical, q: Categorical, t: float) -> Categorical:
    """p^(1-t) q^t, normalised (in logs, relative to the largest: no underflow)."""
    a, b = np.array(p.probs), np.array(q.probs)
    keep = a > 0
    logs = np.full(a.shape, -np.inf)
    logs[keep] = (1 - t) * np.log(a[keep]) + t * np.log(b[keep])
    return _normalised(p, np.exp(logs - logs[keep].max()))


def _m_point(p: Categorical, q: Categorical, t: float) -> Categorical:
    a, b = np.array(p.probs), np.array(q.probs)
    return _normalised(p, a + t * (b - a))
