"""Quadrature shared by the metrics whose distances have no closed form."""

from __future__ import annotations

import math
from typing import Callable, Iterable

import numpy as np

EPSREL = 1e-11
EPSABS = 1e-14


def integrate_line(f: Callable[[float], float], lo: float, hi: float, breakpoints: Iterable[float] = ()) -> float:
    """Integral of ``f`` over [lo, hi] (either end may be infinite), split at ``breakpoints``.

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
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if a == b:
            continue
        if math.isinf(b) and math.isfinite(a) and a - mid > 0:
            s = a - mid
            value, _ = quad(lambda y: s * f(a + s * y), 0.0, math.inf, epsabs=EPSABS, epsrel=EPSREL, limit=400)
        elif math.isinf(a) and math.isfinite(b) and mid - b > 0:
            s = mid - b
            value, _ = quad(lambda y: s * f(b - s * y), 0.0, math.inf, epsabs=EPSABS, epsrel=EPSREL, limit=400)
        else:
            value, _ = quad(f, a, b, epsabs=EPSABS, epsrel=EPSREL, limit=400)
        total += value
    return total


def integrate_unit(f: Callable[[float], float], breakpoints: Iterable[float] = ()) -> float:
    """Integral of ``f`` over (0, 1/2), split at the given breakpoints (for quantile integrals)."""
    from scipy.integrate import quad

    cuts = sorted({float(b) for b in breakpoints if 0.0 < b < 0.5})
    edges = [0.0, *cuts, 0.5]
    total = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        if b - a <= 0:
            continue
        value, _ = quad(f, a, b, epsabs=EPSABS, epsrel=EPSREL, limit=400)
        total += value
    return total


def scalar(f: Callable) -> Callable[[float], float]:
    """Wrap a vectorised function for quad, which calls with Python floats."""
    return lambda x: float(f(np.float64(x)))
