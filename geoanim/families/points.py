"""Weighted atoms on the line, and the point mass dirac(x)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import Param, Probabilities, Real, Reals, fmt, merge_atoms, param, register, register_constructor
from .discrete import Discrete


def _uniform_weights(d: Points) -> tuple[float, ...]:
    return tuple(1.0 / len(d.locations) for _ in d.locations)


@register("points")
@dataclass(frozen=True)
class Points(Discrete):
    """Weighted atoms on the line; ``dirac(x)`` is a single one. Weights default to uniform."""

    locations: tuple[float, ...] = param(Reals(), aliases=("x",), role="location", doc="atom locations")
    weights: tuple[float, ...] | None = param(Probabilities(), aliases=("w",), role="shape", optional=True,
                                              implied=_uniform_weights, doc="masses (default uniform)")
    family = "points"

    def _check(self):
        weights = self.weights
        assert weights is not None  # __post_init__ filled it in from `implied`
        if len(weights) != len(self.locations):
            raise ValidationError(f"points: `weights` must have one weight per location (got {len(weights)} "
                                  f"weights for {len(self.locations)} locations)", param="weights")

    def __str__(self):
        if len(self.locations) == 1 and self.weights == (1.0,):
            return f"dirac({fmt(self.locations[0])})"
        return super().__str__()

    def atoms(self):
        return merge_atoms(np.array(self.locations), np.array(self.weights))


def dirac(x: float) -> Points:
    """A unit point mass at ``x``."""
    return Points((Real().check("dirac", "x", x),), (1.0,))


register_constructor("dirac", "points", (Param("x", Real(), role="location", doc="location"),), dirac,
                     "A unit point mass at x (a one-atom points law).")
