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


def ldexp_or_inf(x: float, k: int) -> float:
    """x * 2^k (exact unless the result is subnormal), inf where it overflows (math.ldexp raises):
    moments summed in units of a power of two are scaled back with it."""
    try:
        return math.ldexp(x, k)
    except OverflowError:
        return math.copysign(math.inf, x)


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


def _ordered(x: np.ndarray) -> np.ndarray:
    """Integers in the order of the doubles x (-0.0 and 0.0 both 0; adjacent doubles differ by 1)."""
    bits = np.asarray(x, dtype=np.float64).view(np.int64)
    return np.where(bits < 0, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)), bits)


def _from_ordered(k: np.ndarray) -> np.ndarray:
    bits = np.where(k < 0, (-k) | np.int64(-0x8000000000000000), k)
    return bits.view(np.float64)


def float_midpoint(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The double halfway between lo and hi in the order of doubles (either may be infinite).

    On a bracket within one binade this is the arithmetic midpoint; on one spanning many orders of
    magnitude ([0.25, 3e299], [-1, 1e300]) it halves the exponent range instead, so bisection
    closes any bracket to adjacent doubles in at most 64 halvings (arithmetic halving needed ~1000
    to come down from 3e299 to 0.5).
    """
    a, b = _ordered(lo), _ordered(hi)
    return _from_ordered((a >> 1) + (b >> 1) + (a & b & 1))


def newton_bracketed(f, fprime, target: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     iterations: int = 200) -> np.ndarray:
    """Smallest x in [lo, hi] with f(x) >= target, for non-decreasing f with derivative fprime (the
    generalised inverse: quantiles), vectorised.

    Newton steps, falling back to bisection in the order of doubles (:func:`float_midpoint`)
    whenever a step leaves the bracket or crawls, so the bracket shrinks around the root every
    iteration and any bracket closes in at most 64 halvings, whatever orders of magnitude it spans.
    f(x) == target is not taken as the answer: on a flat stretch of f (a gap between mixture
    components, or a slope too small to move f's rounded value) the leftmost point is wanted, so the
    next probe steps just past the stretch that rounding makes flat. Stops when a Newton step is
    below a few ulps or the bracket is two adjacent doubles. Each iteration evaluates f and f' only
    where the root is still open, so a few slow points do not cost a pass over every point.
    """
    shape = np.shape(target)
    target = np.array(np.broadcast_to(target, shape), dtype=float).ravel()
    lo = np.array(np.broadcast_to(lo, shape), dtype=float).ravel()
    hi = np.array(np.broadcast_to(hi, shape), dtype=float).ravel()
    x = np.where(np.isnan(lo) | np.isnan(hi), np.nan, lo)
    open_ = np.flatnonzero(~np.isnan(x) & (lo < hi))
    x[open_] = float_midpoint(lo[open_], hi[open_])
    with np.errstate(invalid="ignore", over="ignore"):
        step = hi - lo  # the last step taken (the bracket's width before the first); inf for wide ones
    for _ in range(iterations):
        if open_.size == 0:
            break
        xo, lo_o, hi_o, to = x[open_], lo[open_], hi[open_], target[open_]
        g = np.asarray(f(xo), dtype=float).ravel() - to
        lo_o = np.where(g < 0, xo, lo_o)
        hi_o = np.where(g >= 0, xo, hi_o)
        d = np.asarray(fprime(xo), dtype=float).ravel()
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = xo - np.where(d > 0, g / d, np.nan)
            # f(x) == target: step left past the stretch where f's rounded value cannot change
            # (about ulp(target) / f' wide), to find where f reaches the target
            probe = xo - np.maximum(2.0 * np.spacing(np.abs(to)) / np.where(d > 0, d, np.nan),
                                    2.0 * np.spacing(np.abs(xo)))
            new = np.where(g == 0, probe, newton)
            # bisect when Newton leaves the bracket or crawls: a Newton step less than half the size of
            # the one before (far tails, where F is very convex). Judged by the steps, not the bracket:
            # Newton converging from one side leaves the bracket's far end where it is.
            slow = (g != 0) & (np.abs(new - xo) > 0.5 * step[open_])
            bad = ~np.isfinite(new) | (new <= lo_o) | (new >= hi_o) | slow
            new = np.where(bad, float_midpoint(lo_o, hi_o), new)
            step[open_] = np.where(bad, hi_o - lo_o, np.abs(new - xo))
        lo[open_], hi[open_] = lo_o, hi_o
        with np.errstate(over="ignore"):
            tol = 4 * np.spacing(np.maximum(np.abs(xo), 1e-300))
        mid = float_midpoint(lo_o, hi_o)
        closed = (mid == lo_o) | (mid == hi_o)  # equal or adjacent doubles
        # judged by the Newton step itself: a step that rounds to nothing lands on the bracket end
        # just moved to xo, which counts as leaving the bracket (and cost ~30 needless bisections)
        converged = (g != 0) & np.isfinite(newton) & (np.abs(newton - xo) <= tol)
        x[open_] = np.where(closed, hi_o, np.where(converged, xo, new))
        open_ = open_[~(closed | converged)]
    return x.reshape(shape)


def nondecreasing_in(levels, x):
    """Roots ``x`` found level by level (each in its own bracket), made non-decreasing in ``levels``:
    a quantile function cannot decrease, but separate bisections can disagree by an ulp (or, near the
    smallest floats, by more than the values themselves)."""
    x = np.asarray(x, dtype=float)
    if not x.ndim:
        return x
    order = np.argsort(np.asarray(levels, dtype=float).ravel(), kind="stable")
    flat = x.ravel().copy()
    flat[order] = np.maximum.accumulate(flat[order])
    return flat.reshape(x.shape)

