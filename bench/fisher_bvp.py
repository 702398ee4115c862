"""Benchmark the numerical Fisher-Rao geodesics of gamma, beta, Dirichlet and von Mises (geoanim/paths/bvp.py).

    python bench/fisher_bvp.py            # 26 pairs, 7 timed runs each
    python bench/fisher_bvp.py --quick    # 3 runs each

Ours: ``bvp.solve`` on the family's chart, exactly as the Fisher-Rao route calls it (Chebyshev
collocation, Newton, and the acceptance check: the end reproduced to 1e-10 by an independent
integration). Baseline, in the same run, on the same pairs, charts and tolerance: shooting on the
initial velocity, each shot integrated by scipy's solve_ivp (DOP853, rtol 1e-12), Newton steps
with a forward-difference Jacobian (two extra shots), halved until the end's miss decreases, from
the straight-line velocity, stopping once the end is reproduced to 1e-10 of the path's extent.
Both lengths must agree to 1e-8 where both converge. Prints each pair, the medians over pairs of
each pair's median time, and the ratio baseline / ours (> 1: ours faster). Target: ours < 5 ms.
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

import geoanim
from geoanim.paths import bvp

PAIRS = [
    ("gamma(2, 1)", "gamma(2, 3)"),  # 1.4938, not the fixed-shape √2 log 3
    ("gamma(0.5, 1)", "gamma(50, 0.5)"),  # 6.4823 (geomstats: 37.4)
    ("gamma(1, 1)", "gamma(3, 1)"),
    ("gamma(0.3, 2)", "gamma(0.9, 0.5)"),
    ("gamma(5, 5)", "gamma(5.5, 4)"),
    ("gamma(10, 1)", "gamma(2, 0.2)"),
    ("gamma(0.05, 3)", "gamma(7, 0.01)"),
    ("gamma(100, 10)", "gamma(120, 9)"),
    ("gamma(2, 1)", "gamma(2.000001, 1)"),
    ("gamma(1, 1)", "gamma(1, 1e10)"),
    ("beta(2, 5)", "beta(5, 2)"),
    ("beta(0.5, 0.5)", "beta(2, 3)"),
    ("beta(1, 1)", "beta(100, 100)"),
    ("beta(0.1, 0.1)", "beta(50, 1)"),
    ("beta(2, 2)", "beta(3, 1.5)"),
    ("beta(0.7, 3)", "beta(0.6, 4)"),
    ("beta(20, 30)", "beta(25, 20)"),
    ("beta(1, 3)", "beta(3, 1)"),
    ("beta(2, 3)", "beta(2.000001, 3)"),
    ("beta(0.01, 100)", "beta(100, 0.01)"),
    ("dirichlet([0.5, 0.5, 0.5])", "dirichlet([5, 2, 8])"),
    ("dirichlet([2, 3, 4])", "dirichlet([4, 3, 2])"),
    ("dirichlet([1, 2, 3, 4, 5])", "dirichlet([5, 4, 3, 2, 1])"),
    ("vonmises(0, 1)", "vonmises(2, 5)"),
    ("vonmises(3.1, 2)", "vonmises(-3.1, 2)"),
    ("vonmises(0, 0.01)", "vonmises(2, 10000)"),
]


def ours(p, q) -> float:
    c = type(p).fisher_chart
    return bvp.solve(c.fields, None, c.coords(p), c.delta(p, q)).length


def baseline(p, q, iterations: int = 60) -> float:
    """Finite-difference Newton shooting (nan where it does not converge)."""
    c = type(p).fisher_chart
    x0, delta = np.asarray(c.coords(p)), np.asarray(c.delta(p, q))
    d = x0.size

    def rhs(_t, y):
        return np.concatenate([y[d:], bvp.geodesic_rhs(c.fields, y[None, :d], y[None, d:])[0]])

    def shoot(v):
        with np.errstate(all="ignore"):
            sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([x0, v]), method="DOP853", rtol=1e-12, atol=1e-12)
        end = sol.y[:d, -1] - x0 if sol.success else np.full(d, np.inf)
        return end - delta, float(np.abs(sol.y[:d] - x0[:, None]).max()) if sol.success else np.inf

    v = delta.copy()
    miss, extent = shoot(v)
    for _ in range(iterations):
        err = float(np.abs(miss).max())
        if not math.isfinite(err):
            return math.nan
        if err <= 1e-10 * max(extent, float(np.abs(delta).max())):
            g, _ = c.fields(x0[None])
            return math.sqrt(float(v @ g[0] @ v))
        h = 1e-7 * max(1.0, float(np.abs(v).max()))
        J = np.column_stack([(shoot(v + h * e)[0] - miss) / h for e in np.eye(d)])
        try:
            step = np.linalg.solve(J, miss)
        except np.linalg.LinAlgError:
            return math.nan
        lam = 1.0
        while lam > 1e-3:
            trial, trial_extent = shoot(v - lam * step)
            if float(np.abs(trial).max()) < err:
                break
            lam *= 0.5
        else:
            return math.nan
        v, miss, extent = v - lam * step, trial, trial_extent
    return math.nan


def timed(fn, p, q) -> tuple[float, float]:
    t = time.perf_counter()
    try:
        value = fn(p, q)
    except geoanim.GeoanimError:
        value = math.nan
    return time.perf_counter() - t, value


def main() -> None:
    repeats = 3 if "--quick" in sys.argv else 7
    laws = [(geoanim.parse(a), geoanim.parse(b)) for a, b in PAIRS]
    for p, q in laws[:2]:  # warm up: imports, the grids' cache
        ours(p, q)
    t_ours, t_base = [], []
    print(f"{'pair':58s} {'length':>18s} {'ours':>9s} {'baseline':>9s}")
    for (a, b), (p, q) in zip(PAIRS, laws):
        mine, theirs = [], []
        for _ in range(repeats):  # interleaved, so both see the same load
            dt, length = timed(ours, p, q)
            mine.append(dt)
            dt, base_length = timed(baseline, p, q)
            theirs.append(dt)
        mo, mb = statistics.median(mine), statistics.median(theirs)
        t_ours.append(mo)
        t_base.append(mb)
        note = ""
        if math.isnan(base_length):
            note = "  baseline did not converge"
        elif math.isnan(length):
            note = "  ours refused"
        else:
            assert abs(length - base_length) <= 1e-8 * length, (a, b, length, base_length)
        print(f"{a + ' -> ' + b:58s} {length:18.13f} {mo * 1e3:7.2f}ms {mb * 1e3:7.1f}ms{note}")
    mo, mb = statistics.median(t_ours) * 1e3, statistics.median(t_base) * 1e3
    print(f"median over {len(PAIRS)} pairs: ours {mo:.2f} ms (max {max(t_ours) * 1e3:.1f} ms), finite-difference "
          f"shooting {mb:.1f} ms: ratio {mb / mo:.1f}x (target: ours < 5 ms)")


if __name__ == "__main__":
    main()
