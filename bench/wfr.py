"""Benchmark the Wasserstein-Fisher-Rao (Hellinger-Kantorovich) solver (geoanim/paths/unbalanced.py).

    python bench/wfr.py            # 1,000-point clouds a side and a continuous 1-D pair, 3 runs each
    python bench/wfr.py --quick    # 300-point clouds and the 1-D pair, 1 run

Baseline, in the same run and on the same problem: POT's non-entropic unbalanced solver
``ot.unbalanced.mm_unbalanced(a, b, M, reg_m=1, div='kl')`` (majorisation-minimisation) with the
dense cost M = -2 log cos(min(d/κ, π/2)) (infinite entries replaced by 1e4), run for 1,000 iterations.
Both values are printed with the duality gap each plan certifies (the same certificate for both:
φ = -log(u/a), c-transforms), so the ratio compares work for a known accuracy, not for a guess.
Prints medians and the ratio baseline / ours (> 1: ours faster).
"""

from __future__ import annotations

import statistics
import sys
import time
import warnings

import numpy as np
import ot

from geoanim import parse
from geoanim.paths import unbalanced, wfr
from geoanim.paths.registry import geodesic


def certified(C, a, b, G):
    """(value, gap) of a dense plan G, by the certificate of unbalanced._certify."""
    rows, cols = np.nonzero(G > 0)
    return unbalanced._certify(C, a, b, rows, cols, G[rows, cols])


def ring_square(n: int, rng):
    t = rng.uniform(0, 2 * np.pi, n)
    return np.c_[np.cos(t), np.sin(t)] * 2, rng.uniform(-1.5, 1.5, (n, 2))


def run(label, ours, base, repeats):
    t_ours, t_base = [], []
    for _ in range(repeats):  # interleaved, so both see the same load
        s = time.perf_counter()
        r1 = ours()
        t_ours.append(time.perf_counter() - s)
        s = time.perf_counter()
        r2 = base()
        t_base.append(time.perf_counter() - s)
    mo, mb = statistics.median(t_ours), statistics.median(t_base)
    print(f"{label}: ours {mo:.2f} s (value {r1[0]:.9g}, gap {r1[1]:.1e}); "
          f"mm_unbalanced {mb:.2f} s (value {r2[0]:.9g}, gap {r2[1]:.1e}); ratio {mb / mo:.1f}x")


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 1 if quick else 3
    rng = np.random.default_rng(0)
    n = 300 if quick else 1000
    x, y = ring_square(n, rng)
    a = np.full(n, 1.0 / n)
    for kappa in (0.5, 2.0):
        X, Y = x / kappa, y / kappa
        C = unbalanced.cone_cost(np.sqrt(((X[:, None] - Y[None]) ** 2).sum(-1)))
        M = np.where(np.isfinite(C), C, 1e4)

        def ours(X=X, Y=Y):
            p = unbalanced.hk_plan(X, a, Y, a)
            return p.value, p.gap

        def base(M=M, C=C):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                G = ot.unbalanced.mm_unbalanced(a, a, M, 1.0, div="kl", numItermax=1000, stopThr=1e-15)
            return certified(C, a, a, G)

        run(f"clouds {n} a side, kappa {kappa}", ours, base, repeats)

    p, q = parse("normal(-2, 1)"), parse("normal(2, 0.5)")
    P, Q = wfr._measure(p), wfr._measure(q)
    C = unbalanced.cone_cost(np.abs(P.x - Q.x.T) / 2.0)
    M = np.where(np.isfinite(C), C, 1e4)

    def ours_line():
        path = geodesic(p, q, "wfr(2)")  # both solves (the cells and twice as wide) and the error estimate
        return path.length ** 2 / 4.0, path.error

    def base_line():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G = ot.unbalanced.mm_unbalanced(P.m, Q.m, M, 1.0, div="kl", numItermax=1000, stopThr=1e-15)
        return certified(C, P.m, Q.m, G)

    run(f"normal(-2,1) -> normal(2,0.5), wfr(2), {len(P.m)} x {len(Q.m)} cells (ours: value and HK error; "
        "POT: value and gap)",
        ours_line, base_line, repeats)


if __name__ == "__main__":
    main()
