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


def same_fixed(p: Any, q: Any, declaration: str) -> bool:
    """Whether p and q agree on the ``fixed`` parameters of their family's ``declaration`` (its
    ``fisher_chart`` or ``location_scale``): one model, such as binomials of one n."""
    chart = getattr(type(p), declaration)
    return all(getattr(p, name) == getattr(q, name) for name in chart.fixed)


def _rebuild(chart: Any, template: Any, values: dict[str, float]) -> Any:
    """A member of template's family with ``values`` and template's fixed parameters."""
    return type(template)(**{name: getattr(template, name) for name in chart.fixed}, **values)


@dataclass(frozen=True)
class HalfPlane:
    """Fisher metric k² ((a·d loc)² + d scale²) / scale² in the parameters named ``loc``, ``scale``.

    ``fixed`` names parameters that define the model (Student's df): two members share a chart
    only where they agree on them, and path points keep them. Where the chart's coordinates are
    not parameters themselves (Gumbel's loc + (γ - 1)·scale, Weibull's log scale and 1/shape),
    ``get(d)`` gives (loc, scale) and ``put(template, loc, scale)`` the member back, and ``gap(p, q)``
    the coordinates' differences (q minus p) without the cancellation of subtracting them."""

    loc: str
    scale: str
    k: float | Callable[[Any], float]  # or a function of the member, where it depends on ``fixed``
    a: float | Callable[[Any], float] = 1.0
    note: str = ""
    fixed: tuple[str, ...] = ()
    get: Callable[[Any], tuple[float, float]] | None = None
    put: Callable[[Any, float, float], Any] | None = None
    gap: Callable[[Any, Any], tuple[float, float]] | None = None

    def coords(self, d: Any) -> tuple[float, float]:
        return self.get(d) if self.get is not None else (getattr(d, self.loc), getattr(d, self.scale))

    def scales(self, d: Any) -> tuple[float, float]:
        """(k, a) for member d."""
        return (self.k(d) if callable(self.k) else self.k), (self.a(d) if callable(self.a) else self.a)

    def build(self, template: Any, loc: float, scale: float) -> Any:
        """The member at chart coordinates (loc, scale), with template's fixed parameters."""
        if self.put is not None:
            return self.put(template, loc, scale)
        return _rebuild(self, template, {self.loc: loc, self.scale: scale})


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
    fixed: tuple[str, ...] = ()  # parameters that define the model (binomial's n), kept along the path
    factor: Callable[[Any], float] | None = None  # √ of a constant factor of I set by ``fixed`` (√n): lengths times it

    def build(self, template: Any, value: float) -> Any:
        return _rebuild(self, template, {self.param: value})


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
    make: Callable[..., Any]  # (loc, scale), or (template, loc, scale) where ``fixed`` is not empty
    mean: float | Callable[[Any], float]  # or a function of the member, where Z depends on ``fixed``
    var: float | Callable[[Any], float]
    delta: Callable[[Any, Any], tuple[float, float]] | None = None  # (Δloc, Δscale) exactly, where get() rounds
    fixed: tuple[str, ...] = ()  # parameters that fix Z (Student's df): one family only where they agree
    sd: Callable[[Any], float] | None = None  # Z's standard deviation, where the variance overflows but it does not

    def build(self, template: Any, loc: float, scale: float) -> Any:
        return self.make(template, loc, scale) if self.fixed else self.make(loc, scale)

    def std(self, d: Any) -> float:
        """Z's standard deviation for member d (inf: no second moment)."""
        return self.sd(d) if self.sd is not None else math.sqrt(self.moments(d)[1])

    def moments(self, d: Any) -> tuple[float, float]:
        """Z's mean and variance for member d."""
        mean = self.mean(d) if callable(self.mean) else self.mean
        var = self.var(d) if callable(self.var) else self.var
        return mean, var


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


def rms(a: float, b: float, t: float) -> float:
    """sqrt((1-t) a² + t b²) for a, b > 0, in units of the larger (no overflow of the squares): the
    scale whose square is linear in t (m-geodesics of scale families with T = x²)."""
    m = max(a, b)
    return m * math.sqrt((1 - t) * (a / m) ** 2 + t * (b / m) ** 2)


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


def log1p_gap(x: Any) -> Any:
    """x - log(1 + x) for x > -1, to full relative precision (x²/2 - x³/3 + ... for |x| < 0.01);
    elementwise for arrays (gamma's density at every grid point), a float for floats."""
    if not isinstance(x, np.ndarray):
        if abs(x) < 0.01:
            return x * x * math.fsum((-x) ** (k - 2) / k for k in range(2, 14))
        return x - math.log1p(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        series = x * x * sum((-x) ** (k - 2) / k for k in range(2, 14))
        return np.where(np.abs(x) < 0.01, series, x - np.log1p(x))


def mass_gap(a: Any, b: Any) -> Any:
    """b·φ(a/b) = a log(a/b) - a + b >= 0 (φ(r) = r log r - r + 1), elementwise for a >= 0, b > 0: one
    term of KL(p‖q) = Σ q φ(p/q) per atom or density point. a/b - 1 is formed as x = (a - b)/b and
    (1 + x) log1p(x) - x summed as its series x² Σ (-x)^(k-2) / (k(k-1)) for |x| < 0.01 (full relative
    precision for nearly equal masses); where a/b is below 1/2 or overflows, from the logs. A float for
    floats."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        x = (a - b) / b
        logs = a * (np.log(np.where(a > 0, a, 1.0)) - np.log(b)) - a + b
        # log1p near 1; the logs where a/b is small (x rounds to -1 there: 0 · log 0) or overflows
        value = np.where(a <= 0, b, np.where((x > -0.5) & (x < 1e100), b * relative_gap(x), logs))
    return float(value) if value.ndim == 0 else value


def relative_gap(x: Any) -> Any:
    """φ(1 + x) = (1 + x) log1p(x) - x >= 0, elementwise for x >= -1, to full relative precision: the
    series x² Σ (-x)^(k-2) / (k(k-1)) for |x| < 0.01 (1 at x = -1, the limit). A float for floats."""
    if isinstance(x, float):  # the scalar case without numpy's overhead (KL chords call it thousands of times)
        if abs(x) < 0.01:
            return x * x * math.fsum((-x) ** (k - 2) / (k * (k - 1)) for k in range(2, 14))
        return (1.0 + x) * math.log1p(x) - x if x > -1.0 else 1.0
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        series = x * x * sum((-x) ** (k - 2) / (k * (k - 1)) for k in range(2, 14))
        value = np.where(np.abs(x) < 0.01, series, np.where(x > -1.0, (1.0 + x) * np.log1p(x) - x, 1.0))
    return float(value) if value.ndim == 0 else value


def expm1_gap(y: float) -> float:
    """e^y - 1 - y >= 0, to full relative precision (y²/2 + y³/6 + ... for small |y|; inf past overflow)."""
    if abs(y) < 0.01:
        return y * y * math.fsum(y ** (k - 2) / math.factorial(k) for k in range(2, 12))
    return math.expm1(y) - y if y < 709.0 else math.inf


def log_jensen(x: float, t: float) -> float:
    """log(1 + t x) - t log(1 + x) >= 0 for x > -1 and t in [0, 1]: the log of a lerp less the lerp of
    the logs, for ends in ratio 1 + x. For |x| < 1/2 its series Σ_(k>=2) (-1)^(k+1) xᵏ (tᵏ - t)/k, whose
    first term is x² t(1-t)/2: nearly equal ends keep their digits."""
    if abs(x) < 0.5:
        return math.fsum((-1.0) ** (k + 1) * x ** k * (t ** k - t) / k for k in range(2, 66))
    return math.log1p(t * x) - t * math.log1p(x)


@dataclass(frozen=True)
class Riemannian:
    """A Fisher metric with no known reduction: a field of matrices, whose geodesics are solved
    numerically (geoanim.paths.bvp: collocation, accepted only when the path's end reproduces q).

    The coordinates x in R^dim are unconstrained (logs of positive parameters) and chosen so that the
    metric's entries carry no cancellation (gamma: (log shape, log mean), where the metric is diagonal).

    Attributes:
        coords: member -> x, shape (dim,).
        delta: (p, q) -> x(q) - x(p), formed without the cancellation of subtracting coords.
        build: (template, x) -> the member at x, with template's ``fixed`` parameters.
        fields: x (..., dim) -> (g, ∂g): the Fisher information in these coordinates, (..., dim, dim),
            and its derivatives, (..., dim, dim, dim) with entry [..., k, i, j] = ∂g_ij/∂x_k (one
            callable, as both come from the same special functions).
        names: the coordinates, for the docs and the listing ("log shape", "log mean").
        note: one line for ``geoanim families``.
        fixed: parameters that define the model, kept along the path (none for gamma and beta).
    """

    coords: Callable[[Any], np.ndarray]
    delta: Callable[[Any, Any], np.ndarray]
    build: Callable[[Any, np.ndarray], Any]
    fields: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    names: tuple[str, ...] = ()
    note: str = ""
    fixed: tuple[str, ...] = ()

    def metric(self, x: np.ndarray) -> np.ndarray:
        """g(x), (..., dim, dim)."""
        return self.fields(np.asarray(x, dtype=float))[0]

    def dmetric(self, x: np.ndarray) -> np.ndarray:
        """∂g(x), (..., dim, dim, dim), entry [..., k, i, j] = ∂g_ij/∂x_k."""
        return self.fields(np.asarray(x, dtype=float))[1]

    def information(self, d: Any) -> np.ndarray:
        """The Fisher information of member d in these coordinates."""
        return self.metric(self.coords(d))
