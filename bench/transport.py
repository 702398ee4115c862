"""Benchmark exact optimal transport between point clouds (geoanim/paths/transport.py).

    python bench/transport.py            # 1,000 and 5,000 points a side, plus the approximation
    python bench/transport.py --quick    # 1,000 a side only

For each size, two cloud pairs: equal uniform weights (a Gaussian to a shifted, stretched one) and
random weights (two lumps to one elongated lump, a map far from affine). Median wall time of
``transport.optimal_coupling`` against, in the same run and on the same clouds, the baseline: POT's
network simplex ``ot.emd`` on the dense n×m cost matrix, which is what the old route ran for
non-uniform clouds. (For equal uniform clouds the old route ran scipy's linear_sum_assignment
instead, which is slower still: O(n³), 2 s at 1,000 and 402 s at 5,000 a side on this machine, so
it is timed at 1,000 only.) Both results must agree to 1e-10.

5,000 a side (25 million pairs) is transport.EXACT_MAX_PAIRS, the largest exact size; above it the
route returns the labelled approximation, timed at 20,000 and 200,000 a side (no baseline: the dense
cost alone would be 3.2 GB and 320 GB).
"""

from __future__ import annotations

import math
import statistics
import sys
import time

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment

from geoanim.paths import transport


def clouds(n: int, weighted: bool, rng: np.random.Generator):
    if not weighted:
        x, y = rng.normal(size=(n, 2)), rng.normal(size=(n, 2)) * [2.0, 1.0] + [3.0, 1.0]
        return x, np.ones(n), y, np.ones(n)
    x = rng.normal(size=(n, 2))
    x[::3] += [5.0, 0.0]
    y = rng.normal(size=(n, 2)) * [0.4, 2.5] + [1.0, 1.0]
    return x, rng.uniform(0.2, 1.0, n), y, rng.uniform(0.2, 1.0, n)


def baseline(x, a, y, b) -> float:
    """The dense network simplex: W2."""
    cost = transport.squared_distances(x, y, max_bytes=2**31)
    return math.sqrt(ot.emd2(a / a.sum(), b / b.sum(), cost, numItermax=10**9))


def old_assignment(x, y) -> float:
    """The old route for equal uniform clouds: the n×m×2 difference array, then an assignment."""
    cost = ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=2)
    i, j = linear_sum_assignment(cost)
    return math.sqrt(cost[i, j].mean())


def timed(fn, repeats: int, *args) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(0)
    ot.emd2(np.ones(2) / 2, np.ones(2) / 2, np.eye(2))  # imports and first-call set-up, outside the timings
    transport.optimal_coupling(rng.normal(size=(50, 2)), np.ones(50), rng.normal(size=(50, 2)), np.ones(50))
    print("W2 between clouds: geoanim (exact, certified) vs ot.emd on the dense cost, medians")
    for n, repeats in ((1000, 5),) if quick else ((1000, 5), (5000, 3)):
        for weighted in (False, True):
            x, a, y, b = clouds(n, weighted, rng)
            t_ours, c = timed(transport.optimal_coupling, repeats, x, a, y, b)
            t_base, w_base = timed(baseline, repeats, x, a, y, b)
            assert isinstance(c, transport.Coupling) and c.exact
            assert abs(c.distance - w_base) <= 1e-10 * w_base, (c.distance, w_base)
            label = "random weights " if weighted else "uniform weights"
            print(f"  {n:>6,} a side, {label}: geoanim {t_ours:7.3f} s, dense ot.emd {t_base:7.3f} s: "
                  f"{t_base / t_ours:5.1f}x faster   (W2 = {c.distance:.10f}; {c.method})")
            if n == 1000 and not weighted:
                t_old, w_old = timed(old_assignment, 1, x, y)
                assert isinstance(w_old, float) and abs(w_old - c.distance) <= 1e-10 * c.distance
                print(f"  {n:>6,} a side, uniform weights: the old route (n×m×2 array + linear_sum_assignment) "
                      f"{t_old:7.3f} s: {t_old / t_ours:5.1f}x slower than geoanim")
    if quick:
        return
    print("above the exact limit (transport.EXACT_MAX_PAIRS = "
          f"{transport.EXACT_MAX_PAIRS:,} pairs): the labelled approximation, no baseline")
    for n in (20_000, 200_000):
        x, a, y, b = clouds(n, True, rng)
        t_ours, c = timed(transport.optimal_coupling, 1, x, a, y, b)
        assert isinstance(c, transport.Coupling) and not c.exact
        width = (c.distance - c.lower) / c.distance
        print(f"  {n:>7,} a side, random weights: {t_ours:6.2f} s, {c.method} (bracket {100 * width:.1f}% wide)")


if __name__ == "__main__":
    main()
