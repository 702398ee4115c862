"""Declarations of how a family's geometry reduces to a space the metrics know.

A family states these as class attributes; the metric modules read them and do the geometry.
They are data (numbers and small coordinate maps), so a new family with a known reduction is one
file and needs no code in the metrics. The derivation of each family's chart is in docs/math.md.

* ``fisher_chart``: the Fisher-Rao metric of the family, in coordinates where it is a known space.
  - :class:`HalfPlane`: ds² = k² ((a·d loc)² + d scale²) / scale², the Poincaré half-plane of
    curvature -1/k² in (a·loc, scale) (normal: k = √2, a = 1/√2; Laplace: k = 1, a = 1; ...).
  - :class:`ArcLength`: a one-parameter family with φ(θ) = ∫ √I(θ) dθ, so distance is |Δφ| and
    the geodesic is φ linear in t.
  - :class:`Sphere`: a probability vector on a fixed support, p -> 2√p onto the sphere of
    radius 2 (categorical).
* ``location_scale``: X = loc + scale·Z for a fixed standard law Z of mean ``mean`` and variance
  ``var``: W2² = (Δloc + mean·Δscale)² + var·Δscale², and the W2 geodesic stays in the family
  with loc and scale linear in t (monotone coupling of two affine images of Z).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HalfPlane:
    """Fisher metric k² ((a·d loc)² + d scale²) / scale² in the parameters named ``loc``, ``scale``."""

    loc: str
    scale: str
    k: float
    a: float = 1.0
    note: str = ""

    def coords(self, d: Any) -> tuple[float, float]:
        return getattr(d, self.loc), getattr(d, self.scale)


@dataclass(frozen=True)
class ArcLength:
    """One parameter ``param`` whose arc-length coordinate is ``phi`` (inverse ``phi_inv``).

    ``delta(a, b)`` is phi(b) - phi(a), formed without cancellation where that matters.
    """

    param: str
    phi: Callable[[float], float]
    phi_inv: Callable[[float], float]
    delta: Callable[[float, float], float]
    note: str = ""
    move: Callable[[float, float], float] | None = None  # phi_inv(phi(a) + s), without rounding phi(a)


@dataclass(frozen=True)
class Sphere:
    """Probabilities ``probs`` on the support ``support``: the sphere of radius 2 through 2√p."""

    probs: str
    support: str
    note: str = "sphere through 2\u221ap"


@dataclass(frozen=True)
class LocationScale:
    """X = loc + scale·Z, Z a fixed law with mean ``mean`` and variance ``var`` (inf: no second moment).

    ``get(d)`` -> (loc, scale); ``make(loc, scale)`` -> the law.
    """

    get: Callable[[Any], tuple[float, float]]
    make: Callable[[float, float], Any]
    mean: float
    var: float
    delta: Callable[[Any, Any], tuple[float, float]] | None = None  # (Δloc, Δscale) exactly, where get() rounds


def log_delta(a: float, b: float) -> float:
    """log b - log a for a, b > 0, to full relative precision.

    Close values: log1p((b - a) / a), as log b - log a cancels (exponential(100) against
    exponential(100.00000001) kept 5 digits); far apart: log b - log a, as b / a overflows for
    1e-300 and 1e300.
    """
    if 0.5 <= b / a <= 2.0:
        return math.log1p((b - a) / a)
    return math.log(b) - math.log(a)


def sqrt_delta(a: float, b: float) -> float:
    """sqrt b - sqrt a for a, b >= 0 as (b - a) / (sqrt a + sqrt b): no cancellation for close values."""
    s = math.sqrt(a) + math.sqrt(b)
    return (b - a) / s if s > 0 else 0.0
