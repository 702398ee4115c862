"""Numerics shared by the families and the metrics: bracketed root finders and quadrature.

Nothing here knows about distributions; every routine states its tolerance, and every quadrature
returns its estimate together with an error estimate (value, error), so a caller can refuse an
answer it cannot vouch for.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable

import numpy as np

EPSREL = 1e-11
EPSABS = 1e-14


def integrate_line(f: Callable[[float], float], lo: float, hi: float,
                   breakpoints: Iterable[float] = ()) -> tuple[float, float]:
    """Integral of ``f`` over [lo, hi] (either end may be infinite), split at ``breakpoints``, and
    the sum of the pieces' absolute error estimates.

    Splitting at kinks and support edges lets adaptive Gauss-Kronrod reach full precision; the
    infinite end pieces use quad's own change of variables.
    """
    from scipy.integrate import quad

    cuts = sorted({float(b) for b in breakpoints if lo < b < hi and math.isfinite(b)})
    edges = [lo, *cuts, hi]
    # Infinite end pieces: x = a + s*y with s the distance from the middle of the cuts, so a tail
    # far from the origin keeps its own scale (quad's own x = a + (1 - t)/t assumes scale 1 and
    # lost 1e-4 of a cauchy(0, 1e4) tail beyond the last cut).
    mid = 0.5 * (cuts[0] + cuts[-1]) if cuts else 0.0
    total, error = 0.0, 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if a == b:
            continue
        if math.isinf(b) and math.isfinite(a) and a - mid > 0:
            s = a - mid
            value, err = _quad(quad, lambda y, a=a, s=s: s * f(a + s * y), 0.0, math.inf)
        elif math.isinf(a) and math.isfinite(b) and mid - b > 0:
            s = mid - b
            value, err = _quad(quad, lambda y, b=b, s=s: s * f(b - s * y), 0.0, math.inf)
        else:
            value, err = _quad(quad, f, a, b)
        total, error = total + value, error + err
    return total, error


def _quad(quad, f, a: float, b: float) -> tuple[float, float]:
    # quad warns when it cannot certify EPSREL; its error estimate says how far off the answer may
    # be, and the callers decide from it (the warning itself would only clutter the CLI's stderr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value, err = quad(f, a, b, epsabs=EPSABS, epsrel=EPSREL, limit=400)
    return value, err


def integrate_unit(f: Callable[[float], float], breakpoints: Iterable[float] = ()) -> tuple[float, float]:
    """Integral of ``f`` over (0, 1/2), split at the given breakpoints (for quantile integrals), and
    its absolute error estimate."""
    from scipy.integrate import quad

    cuts = sorted({float(b) for b in breakpoints if 0.0 < b < 0.5})
    edges = [0.0, *cuts, 0.5]
    total, error = 0.0, 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a <= 0:
            continue
        value, err = _quad(quad, f, a, b)
        total, error = total + value, error + err
    return total, error


def scalar(f: Callable) -> Callable[[float], float]:
    """Wrap a vectorised function for quad, which calls with Python floats."""
    return lambda x: float(f(np.float64(x)))


def tanh_sinh_unit(f: Callable[[np.ndarray], np.ndarray], breakpoints: Iterable[float] = (),
                   rtol: float = 1e-12, atol: float = 0.0) -> tuple[float, float]:
    """Integral over (0, 1/2) of a vectorised ``f`` smooth between ``breakpoints`` (where it may jump),
    with an error estimate; the integrand may have an integrable singularity at 0.

    Pieces away from 0 get Gauss-Legendre with 20 and 10 nodes, every piece in one vectorised call:
    on a smooth piece both are exact to rounding, and where they disagree (a steep stretch inside the
    piece) the piece joins the first one, which tanh-sinh handles (see _tanh_sinh). Thousands of
    pieces (a Poisson law's atoms) thus cost 30 evaluations each instead of hundreds. ``rtol`` and
    ``atol`` (the accuracy the caller needs on a scale of its own, for an integral nearly 0 next to
    it) bound the error; the returned estimate is the sum of the pieces' estimates.
    """
    cuts = sorted({float(b) for b in breakpoints if 0.0 < b < 0.5})
    edges = np.array([0.0, *cuts, 0.5])
    a, b = edges[:-1], edges[1:]
    keep = b > a
    a, b = a[keep], b[keep]
    total, error = 0.0, 0.0
    hard = np.zeros(a.size, dtype=bool)
    hard[0] = a[0] == 0.0  # the piece at 0 holds the singularity
    if (~hard).any():
        ia, ib = a[~hard], b[~hard]
        fine, coarse = _gauss_legendre(f, ia, ib, 20), _gauss_legendre(f, ia, ib, 10)
        share = (ib - ia) / 0.5
        ok = np.abs(fine - coarse) <= rtol * np.abs(fine) + atol * share + 1e-300
        total, error = float(np.sum(fine[ok])), float(np.sum(np.abs(fine - coarse)[ok]))
        hard[np.flatnonzero(~hard)[~ok]] = True
    if hard.any():
        value, err = _tanh_sinh(f, a[hard], b[hard], rtol, atol * float(np.sum(b[hard] - a[hard])) / 0.5)
        total, error = total + value, error + err
    return total, error


def _gauss_legendre(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """n-point Gauss-Legendre integral of f over each [a_i, b_i] (one vectorised call)."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    half, mid = 0.5 * (b - a)[:, None], 0.5 * (a + b)[:, None]
    x = mid + half * nodes[None, :]
    values = np.asarray(f(x.ravel()), dtype=float).reshape(x.shape)
    return np.sum(values * weights[None, :], axis=1) * half[:, 0]


def _tanh_sinh(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, rtol: float,
               atol: float) -> tuple[float, float]:
    """Tanh-sinh quadrature over the pieces [a_i, b_i], every piece's nodes evaluated in one call.

    The double-exponential substitution crowds nodes towards both ends of each piece, where
    quantile integrands have their (integrable) singularities, and node distances from an end are
    formed directly (never as a - x), so ppf(1e-40) is evaluated at 1e-40, not at 0. The step is
    halved until two levels agree to ``rtol`` or ``atol``; the difference of the last two levels is
    the error estimate (a bound on the coarser level's error, so a generous one for the finer).
    """
    previous = None
    for level in range(4, 14):  # h = 1/16 ... 1/8192
        h = 2.0 ** -level
        tau = np.arange(-4.0, 4.0 + h / 2, h)
        z = 0.5 * np.pi * np.sinh(tau)
        left = 1.0 / (1.0 + np.exp(-2.0 * z))  # sigma(2z): fraction of the piece from its left end
        right = 1.0 / (1.0 + np.exp(2.0 * z))  # 1 - sigma(2z), formed without cancellation
        weight = h * 0.5 * np.pi * np.cosh(tau) / (2.0 * np.cosh(z) ** 2)
        width = (b - a)[:, None]
        # nodes in the left half of a piece measured from its left end, the rest from its right end
        x = np.where(tau[None, :] <= 0, a[:, None] + width * left[None, :], b[:, None] - width * right[None, :])
        values = np.asarray(f(x.ravel()), dtype=float).reshape(x.shape)
        total = float(np.sum(values * weight[None, :] * width))
        if previous is not None and abs(total - previous) <= rtol * abs(total) + atol + 1e-300:
            return total, abs(total - previous)
        previous = total
    # the levels never agreed (a sharp interior feature): adaptive Gauss-Kronrod, piece by piece
    value, error = 0.0, 0.0
    for lo, hi in zip(a, b):
        v, e = _quad_scipy(lambda u: float(np.asarray(f(np.array([u])), dtype=float)[0]), float(lo), float(hi))
        value, error = value + v, error + e
    return value, max(error, abs(value - previous) if previous is not None else error)


def _quad_scipy(f: Callable[[float], float], a: float, b: float) -> tuple[float, float]:
    from scipy.integrate import quad

    return _quad(quad, f, a, b)


# ----------------------------------------------------------------------------------------------
# root finders (quantiles of mixtures and geodesic points)
# ----------------------------------------------------------------------------------------------


def bisect_monotone(f, target: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, increasing: bool,
                    iterations: int = 200) -> np.ndarray:
    """Smallest x in [lo, hi] with f(x) >= target (or f(x) <= target when decreasing), vectorised.

    Bisection halves the bracket until it stops shrinking in floating point, so the answer is
    exact to the last bit wherever f is continuous and strictly monotone; at a jump of f it returns
    the jump location, matching the generalised inverse used for quantiles.
    """
    lo = np.array(np.broadcast_to(lo, np.shape(target)), dtype=float)
    hi = np.array(np.broadcast_to(hi, np.shape(target)), dtype=float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        active = (mid > lo) & (mid < hi)
        if not active.any():
            break
        fm = np.asarray(f(mid))
        go_left = fm >= target if increasing else fm <= target
        hi = np.where(active & go_left, mid, hi)
        lo = np.where(active & ~go_left, mid, lo)
    return hi


def newton_bracketed(f, fprime, target: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     iterations: int = 100) -> np.ndarray:
    """Solve f(x) = target for increasing f on brackets [lo, hi], vectorised.

    Newton steps from the bracket's midpoint, falling back to bisection whenever a step leaves the
    bracket, which shrinks around the root every iteration: as sure as bisection, and about ten
    times fewer evaluations. Stops when every step is below a few ulps. Each iteration evaluates
    f and f' only where the root is still open, so a few slow points (a quantile in the flat gap
    between two far-apart mixture components) do not cost a full pass over every point.
    """
    shape = np.shape(target)
    target = np.array(np.broadcast_to(target, shape), dtype=float).ravel()
    lo = np.array(np.broadcast_to(lo, shape), dtype=float).ravel()
    hi = np.array(np.broadcast_to(hi, shape), dtype=float).ravel()
    x = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), np.where(np.isfinite(lo), lo, hi))
    step = hi - lo  # the last step taken (the bracket's width before the first)
    open_ = np.flatnonzero(np.isfinite(x) & (lo != hi))
    for _ in range(iterations):
        if open_.size == 0:
            break
        xo, lo_o, hi_o = x[open_], lo[open_], hi[open_]
        g = np.asarray(f(xo), dtype=float).ravel() - target[open_]
        lo_o = np.where(g < 0, xo, lo_o)
        hi_o = np.where(g >= 0, xo, hi_o)
        d = np.asarray(fprime(xo), dtype=float).ravel()
        with np.errstate(divide="ignore", invalid="ignore"):
            new = xo - np.where(d > 0, g / d, np.nan)
        # bisect when Newton leaves the bracket or crawls: a Newton step less than half the size of
        # the one before (far tails, where F is very convex). Judged by the steps, not the bracket:
        # Newton converging from one side leaves the bracket's far end where it is.
        slow = np.abs(new - xo) > 0.5 * step[open_]
        bad = ~np.isfinite(new) | (new <= lo_o) | (new >= hi_o) | slow
        new = np.where(bad, 0.5 * (lo_o + hi_o), new)
        step[open_] = np.where(bad, hi_o - lo_o, np.abs(new - xo))
        lo[open_], hi[open_] = lo_o, hi_o
        tol = 4 * np.spacing(np.maximum(np.abs(xo), 1e-300))
        finished = (np.abs(new - xo) <= tol) | (hi_o - lo_o <= tol) | (g == 0)
        x[open_] = np.where(finished, xo, new)
        open_ = open_[~finished]
    return x.reshape(shape)
