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

import numpy as np


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


@dataclass(frozen=True)
class ExponentialFamily:
    """p(x) ∝ h(x) exp(θ·T(x) - A(θ)), with natural parameters θ and expectation parameters η = E T.

    Both parameter spaces are convex, so KL's two straight lines between members stay in the family:
    the e-geodesic (θ linear in t: the normalised geometric mixture p^(1-t) q^t) and the m-geodesic
    (η linear in t: the member matching the mixture's expectations of T). Each family writes them
    in its own parameters, in forms without cancellation (docs/math.md#kls-own-straight-lines).

    Attributes:
        e_point: (p, q, t) -> the member with θ = (1-t) θ_p + t θ_q.
        m_point: (p, q, t) -> the member with η = (1-t) η_p + t η_q.
        kl: (p, q) -> KL(p‖q) in closed form, evaluated without cancellation for close p, q.
        same_model: (p, q) -> whether both are members of one model (same support points, say).
        note: what T is, for the docs and ``geoanim families``.
    """

    e_point: Callable[[Any, Any, float], Any]
    m_point: Callable[[Any, Any, float], Any]
    kl: Callable[[Any, Any], float]
    same_model: Callable[[Any, Any], bool] | None = None
    note: str = ""


def lerp(a: float, b: float, t: float) -> float:
    """a + t (b - a): exact at both ends, and monotone in t."""
    return a + t * (b - a)


def harmonic(a: float, b: float, t: float) -> float:
    """1 / ((1-t)/a + t/b) for a, b > 0, scaled by the smaller of the two (no overflow, exact ends)."""
    if t in (0.0, 1.0):
        return a if t == 0.0 else b
    return b / (t + (1.0 - t) * (b / a)) if a >= b else a / ((1.0 - t) + t * (a / b))


def precision_mix(s0: float, s1: float, t: float) -> tuple[float, float]:
    """For scales s0, s1 > 0: the scale s with 1/s² = (1-t)/s0² + t/s1², and the weight w1 = t s²/s1²
    of the second end in a precision-weighted mean (normals' e-geodesic). Ratios to the smaller
    scale keep every term in [0, 1]."""
    m = min(s0, s1)
    a0, a1 = (1.0 - t) * (m / s0) ** 2, t * (m / s1) ** 2
    return m / math.sqrt(a0 + a1), a1 / (a0 + a1)


def square_gap(a: float, b: float) -> float:
    """r - 1 - log r for r = a²/b² (a, b > 0), with r - 1 formed as (a - b)(a + b)/b²: full relative
    precision however close a and b are (KL between two scales)."""
    x = (a - b) / b * ((a + b) / b)
    if abs(x) < 0.5:
        return log1p_gap(x)
    # far from 1: r itself may underflow or overflow, its log may not (normal(0, 1e200) vs normal(0, 1))
    return (a / b) ** 2 - 1.0 - 2.0 * (math.log(a) - math.log(b)) if a / b < 1e150 else math.inf


def ratio_gap(a: float, b: float) -> float:
    """r - 1 - log r for r = b/a (a, b > 0), with r - 1 formed as (b - a)/a: full relative precision
    however close a and b are (KL between two exponentials)."""
    x = (b - a) / a
    if abs(x) < 0.5:
        return log1p_gap(x)
    return b / a - 1.0 - (math.log(b) - math.log(a)) if math.isfinite(x) else math.inf


def log1p_gap(x: float) -> float:
    """x - log(1 + x) for x > -1, to full relative precision (x²/2 - x³/3 + ... for small x)."""
    if abs(x) < 0.01:
        return x * x * math.fsum((-x) ** (k - 2) / k for k in range(2, 14))
    return x - math.log1p(x)


def mass_gap(a: Any, b: Any) -> Any:
    """b·φ(a/b) = a log(a/b) - a + b >= 0 (φ(r) = r log r - r + 1), elementwise for a >= 0, b > 0: one
    term of KL(p‖q) = Σ q φ(p/q) per atom or density point. a/b - 1 is formed as x = (a - b)/b and
    (1 + x) log1p(x) - x summed as its series x² Σ (-x)^(k-2) / (k(k-1)) for |x| < 0.01 (full relative
    precision for nearly equal masses); where a/b is below 1/2 or overflows, from the logs. A float for
    floats."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = (a - b) / b
        series = x * x * sum((-x) ** (k - 2) / (k * (k - 1)) for k in range(2, 14))
        middle = (1.0 + x) * np.log1p(x) - x
        logs = a * (np.log(np.where(a > 0, a, 1.0)) - np.log(b)) - a + b
        # log1p near 1; the logs where a/b is small (x rounds to -1 there: 0 · log 0) or overflows
        value = np.where(a <= 0, b, np.where(np.abs(x) < 0.01, b * series,
                                             np.where((x > -0.5) & (x < 1e100), b * middle, logs)))
    return float(value) if value.ndim == 0 else value
