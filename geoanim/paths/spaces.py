"""Geometry primitives the metric modules share: the hyperbolic half-plane, the sphere, SPD matrices.

Pure numpy, no distributions: the metric modules map a family onto one of these spaces (through the
family's declared chart) and read distances and geodesics off here. Metric modules import this
module, never each other.
"""

from __future__ import annotations

import math

import numpy as np

# ---------------------------------------------------------------------------------------------
# the hyperbolic half-plane (curvature -1)
# ---------------------------------------------------------------------------------------------


def halfplane_distance(x1: float, y1: float, x2: float, y2: float) -> float:
    """Hyperbolic distance in the upper half-plane with ds^2 = (dx^2 + dy^2) / y^2.

    2 asinh(|z1 - z2| / (2 sqrt(y1 y2))) is arccosh(1 + |z1 - z2|^2 / (2 y1 y2)) without the
    cancellation of arccosh near 1, so tiny distances keep full relative precision.
    """
    return halfplane_gap(x2 - x1, y2 - y1, y1, y2)


def halfplane_gap(dx: float, dy: float, y1: float, y2: float) -> float:
    """halfplane_distance from the differences themselves (for callers that know dy more exactly
    than y2 - y1, such as sqrt(1 + e) - 1 = e / (1 + sqrt(1 + e))).

    z = |dz| / (2 sqrt(y1 y2)) is divided out one factor at a time (2 sqrt(y1) sqrt(y2) overflows
    for scales near 1e308 and underflows for 5e-324), and where z itself would overflow, 2 asinh z
    = 2 log(2z) + O(z⁻²) is taken in logarithms.
    """
    r = math.hypot(dx, dy)
    if r == 0.0:
        return 0.0
    if math.isfinite(r):
        z = r / math.sqrt(y1) / math.sqrt(y2) / 2.0
        if math.isfinite(z) and z < 1e150:
            return 2.0 * math.asinh(z)
        log_r = math.log(r)
    else:  # the differences themselves overflowed: |dz| = 2 |dz / 2|
        log_r = math.log(2.0) + math.log(math.hypot(dx / 2.0, dy / 2.0))
    log_z = log_r - 0.5 * math.log(y1) - 0.5 * math.log(y2) - math.log(2.0)
    return 2.0 * (log_z + math.log(2.0))


def halfplane_geodesic(x1: float, y1: float, x2: float, y2: float):
    """Constant-speed geodesic from (x1, y1) to (x2, y2): returns ``t -> (x, y)``.

    The isometry z -> (z - x1) / y1 sends the start to i. A unit-speed geodesic leaving i with
    direction angle alpha (0 = straight up, positive = towards -x) is
        y(s) = 1 / D(s),  x(s) = -sin(alpha) sinh(s) / D(s),
        D(s) = cos^2(alpha/2) e^-s + sin^2(alpha/2) e^s,
    a sum of positive terms, so neither near-vertical geodesics (whose circle centre runs off to
    infinity) nor extreme scale ratios lose precision. alpha = atan2(-2X, X^2 + Y^2 - 1) for the
    normalised target (X, Y), with Y^2 - 1 formed as (Y - 1)(Y + 1) from y2 - y1.

    Evaluated so that nothing cancels, overflows or goes subnormal (each of these once did):
    * both atan2 arguments are multiplied by y1^2 / M^2 (M the largest of |x2 - x1|, y1, y2):
      X^2 + Y^2 overflowed beyond scale ratios of ~1e154, and normal(0, 1e-160) -> normal(1, 1)
      stayed at mean 0 and ended at normal(0, 1.5);
    * sin(alpha) and the half angles come from the atan2 arguments, not from alpha: near
      alpha = pi (heading straight down) sin(alpha) kept only |alpha - pi| / 1e-16 of its digits,
      and normal(3, 1e10) -> normal(-2, 1e-10) ended at mean -2.0000011 (18 nats from q);
    * D = A^2 + B^2 with A = cos(alpha/2) e^(-s/2), B = sin(alpha/2) e^(s/2) (sin^2(alpha/2)
      alone went subnormal), and beyond s = 700 both divided by sh^2 e^s (sinh and exp
      overflowed on paths such as normal(0, 1) -> normal(1e200, 1)).
    """
    M = max(abs(x2 - x1), y1, y2)
    u, v1, v2, w = (x2 - x1) / M, y1 / M, y2 / M, (y2 - y1) / M
    py, px = -2.0 * u * v1, u * u + w * (v1 + v2)  # (sin alpha, cos alpha) times r
    r = math.hypot(py, px)
    if r == 0.0:
        return lambda t: (x1, y1)
    s = halfplane_distance(x1, y1, x2, y2)
    sin_a = py / r
    if px >= 0.0:  # |alpha| <= pi/2: cos(alpha/2) = sqrt((1 + cos alpha) / 2) does not cancel
        ch = math.sqrt(0.5 + 0.5 * px / r)
        sh = 0.5 * sin_a / ch
    else:  # |alpha| > pi/2: sin(alpha/2) = sqrt((1 - cos alpha) / 2) does not cancel
        sh = math.copysign(math.sqrt(0.5 - 0.5 * px / r), py)
        ch = 0.5 * sin_a / sh

    def at(t: float) -> tuple[float, float]:
        st = t * s
        if st < 700.0:
            A, B = ch * math.exp(-0.5 * st), sh * math.exp(0.5 * st)
            y = y1 / (A * A + B * B)
            return x1 + y * (-sin_a * math.sinh(st)), y
        # far out e^st overflows: divide D and sinh(st) by sh^2 e^st first (sh != 0 here unless
        # the geodesic is vertical; e^(-st/2) only underflows beyond scale ratios of 1e300)
        h = math.exp(-0.5 * st)
        if sh == 0.0:
            return x1, y1 / h / h if h > 0 else math.inf
        g = h / sh
        rho = ch * h * g
        y = (y1 / sh) * g * h / (1.0 + rho * rho)
        off = -ch * (-math.expm1(-2.0 * st)) * (y1 / sh) / (1.0 + rho * rho)
        return x1 + off, y

    return at


# ---------------------------------------------------------------------------------------------
# the sphere (square roots of probability vectors and densities)
# ---------------------------------------------------------------------------------------------


def sqrt_difference(p, q):
    """sqrt(p) - sqrt(q) as (p - q) / (sqrt(p) + sqrt(q)), elementwise, 0 where both are 0.

    Subtracting the square roots cancels when p ~ q: for categorical([0.5, 0.5]) vs
    categorical([0.5 + 1e-9, 0.5 - 1e-9]) it cost 8 of the 16 digits of the distance, which the
    atan2 form of sphere_distance is meant to keep; p - q is exact for close p and q.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    s = np.sqrt(p) + np.sqrt(q)
    return np.where(s > 0, (p - q) / np.where(s > 0, s, 1.0), 0.0)


def sphere_distance(hellinger_sq: float) -> float:
    """Fisher-Rao distance 2 arccos(BC) from the squared Hellinger distance H^2 = sum (sqrt p - sqrt q)^2.

    |sqrt p - sqrt q|^2 = H^2 and |sqrt p + sqrt q|^2 = 4 - H^2; the atan2 form keeps precision
    near 0 (where arccos(BC) loses half the digits) and near pi.
    """
    # clip: quadrature rounding can step outside [0, 4]; + 0.0 turns a -0.0 (from -2 expm1(0)) into 0.0
    h2 = min(max(hellinger_sq, 0.0), 4.0) + 0.0
    return 4.0 * math.atan2(math.sqrt(h2), math.sqrt(4.0 - h2))


def slerp_weights(theta: float, t: float) -> tuple[float, float]:
    """Coefficients (a, b) with sqrt r_t = a sqrt p + b sqrt q on a great circle of angle theta."""
    if theta < 1e-8:
        # sin(x t)/sin(x) -> t with relative error O(theta^2)
        return 1.0 - t, t
    s = math.sin(theta)
    return math.sin((1.0 - t) * theta) / s, math.sin(t * theta) / s


def slerp_coefficients(theta: float, t: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The slerp weights with their distances from 1: ((a, a - 1), (b, b - 1)).

    A law compared with a point of its own great circle leaves the coefficient 1 - a on its square
    root; 1 - a formed from a rounded a near 1 keeps only |1 - a| / 1e-16 of its digits (d(p, path(1e-12))
    for normal(0, 1) -> normal(1e-9, 1) came out 4.4e-17 instead of 1e-21). So a - 1 comes from
        sin((1-t)θ) - sin θ = -2 cos((1 - t/2)θ) sin(tθ/2),
    and b - 1 likewise from sin(tθ) - sin θ = -2 cos((1+t)θ/2) sin((1-t)θ/2): products, no
    difference of nearby numbers. Below θ = 1e-8 the weights are (1 - t, t) as in slerp_weights,
    with a - 1 = -t and b - 1 = t - 1 exactly, so that a - 1 + b is exactly 0 there.
    """
    if theta < 1e-8:
        return (1.0 - t, -t), (t, t - 1.0)
    s = math.sin(theta)
    a, b = math.sin((1.0 - t) * theta) / s, math.sin(t * theta) / s
    a1 = -2.0 * math.cos((1.0 - 0.5 * t) * theta) * math.sin(0.5 * t * theta) / s
    b1 = -2.0 * math.cos(0.5 * (1.0 + t) * theta) * math.sin(0.5 * (1.0 - t) * theta) / s
    return (a, a1), (b, b1)


def chord_distance(chord: float) -> float:
    """Fisher-Rao distance 2 arccos(BC) from the chord H = |sqrt p - sqrt q| itself (H^2 = 2 - 2 BC).

    H^2 underflows once H < 1e-154 and has no digits left below 1e-162 (normal(0, 1) vs
    normal(1e-160, 1)); H itself keeps them. Where H^2 is a normal float this is
    sphere_distance(H^2) (H^2 clipped to 2: probability laws are never more than pi apart, and
    mutually singular ones exactly pi); below, 4 atan2(H, sqrt(4 - H^2)) = 2H to the last bit.
    """
    h = min(max(chord, 0.0), 2.0) + 0.0
    h2 = h * h
    if h2 >= 1e-200:
        return sphere_distance(min(h2, 2.0))
    return 2.0 * h


# ---------------------------------------------------------------------------------------------
# symmetric positive definite matrices
# ---------------------------------------------------------------------------------------------


def sym_fn(S: np.ndarray, fn) -> np.ndarray:
    """fn applied to a symmetric matrix through its eigendecomposition."""
    w, V = np.linalg.eigh(S)
    return (V * fn(w)) @ V.T


def sqrt_increment(s: np.ndarray, K: np.ndarray, M: np.ndarray | None = None) -> np.ndarray:
    """X = M^½ - diag(s) for M = diag(s)² + K (s > 0, K symmetric), without cancellation as K -> 0.

    X solves the Riccati equation X D + D X + X² = K (D = diag s). For small K the fixed point
    X <- (K - X²) ⊘ (s_i + s_j) converges fast (a contraction with factor about |K| / s_min²) and
    keeps full relative precision; otherwise the square root is taken directly, of M itself when
    the caller has it (diag(s)² + K loses M's small eigenvalues: N(0, [[1, .5], [.5, 1]]) against
    N(0, 1e-20 I) lost 8 digits).
    """
    denom = s[:, None] + s[None, :]
    if np.abs(K).max() <= 0.1 * s.min() ** 2:
        X = K / denom
        for _ in range(100):
            new = (K - X @ X) / denom
            if np.abs(new - X).max() <= 1e-17 * np.abs(new).max():
                return new
            X = new
        return X
    w, V = np.linalg.eigh(np.diag(s * s) + K if M is None else M)
    return (V * np.sqrt(np.maximum(w, 0.0))) @ V.T - np.diag(s)


def divided_exp(lam: np.ndarray) -> np.ndarray:
    """D_ij = (e^li - e^lj) / (li - lj), and e^li on the diagonal, without cancellation."""
    a, b = lam[:, None], lam[None, :]
    diff = a - b
    with np.errstate(invalid="ignore", divide="ignore"):
        # e^b (e^(a-b) - 1) / (a - b) = e^b expm1(d)/d, exact as d -> 0
        ratio = np.where(np.abs(diff) > 1e-12, np.expm1(diff) / np.where(diff == 0, 1, diff), 1 + diff / 2)
    return np.exp(b) * ratio
