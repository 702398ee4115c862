"""Categorical laws: probabilities on a fixed, finite set of points."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import Probabilities, Reals, merge_atoms, num, param, register
from .charts import Sphere
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
