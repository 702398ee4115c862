"""Benchmark the planar math: the Fisher-Rao solve between bivariate normals, and exact optimal
transport between 1000-point clouds.

    python bench/plane.py

1. Median time of geoanim's Fisher-Rao geodesic solve (exact Jacobian Newton, continuation only
   when needed) against, in the same run, a plain finite-difference Newton shooting with
   continuation in the mean offset (the baseline the issue quotes at about 7 ms), on the same
   200 random pairs; both must reproduce the endpoint. Target: median under 5 ms.
2. W2 between two 1000-point clouds: uniform weights (exact assignment) and random weights (POT's
   network simplex). Target: under a second each.
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy.linalg import expm

import geoanim
from geoanim import families as fam
from geoanim.paths import mvn


def baseline_solve(v: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite-difference Newton shooting with continuation, using scipy's expm (the naive route)."""
    d = v.size
    iu = np.triu_indices(d)
    Winv = np.linalg.inv(W)

    def unpack(z):
        x = z[:d]
        B = np.zeros((d, d))
        B[iu] = z[d:]
        return x, B + B.T - np.diag(np.diag(B))

    def residual(z, vt):
        x, B = unpack(z)
        A = np.zeros((2 * d + 1, 2 * d + 1))
        A[:d, :d], A[:d, d], A[d, :d] = -B, x, x
        A[d, d + 1:], A[d + 1:, d], A[d + 1:, d + 1:] = -x, -x, B
        L = expm(A)
        return np.concatenate([(L[:d, :d] - Winv)[iu], L[:d, d] - Winv @ vt])

    w, V = np.linalg.eigh(W)
    z = np.concatenate([np.zeros(d), ((V * np.log(w)) @ V.T)[iu]])
    for s in np.linspace(0.1, 1.0, 10):
        vt = s * v
        for _ in range(50):
            r = residual(z, vt)
            if np.abs(r).max() < 1e-12:
                break
            h = 1e-7
            J = np.column_stack([(residual(z + h * e, vt) - r) / h for e in np.eye(z.size)])
            z = z - np.linalg.solve(J, r)
    return unpack(z)


def main() -> None:
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(200):
        M = rng.normal(size=(2, 2))
        pairs.append((rng.normal(size=2) * rng.uniform(0.2, 6), M @ M.T + 0.1 * np.eye(2)))
    ours, base = [], []
    for v, W in pairs:
        t = time.perf_counter()
        x, B = mvn.solve_velocity(v, W)
        ours.append(time.perf_counter() - t)
        t = time.perf_counter()
        xb, Bb = baseline_solve(v, W)
        base.append(time.perf_counter() - t)
        assert abs(mvn.fisher_length(x, B) - mvn.fisher_length(xb, Bb)) < 1e-6 * mvn.fisher_length(x, B)
    mo, mb = statistics.median(ours) * 1e3, statistics.median(base) * 1e3
    print(f"Fisher-Rao solve, 200 random bivariate pairs: geoanim median {mo:.2f} ms (max {max(ours) * 1e3:.1f} ms), "
          f"finite-difference shooting median {mb:.2f} ms: {mb / mo:.1f}x faster (target: median < 5 ms)")

    for label, weights in (("uniform weights (assignment)", None), ("random weights (network simplex)", "random")):
        a_pts, b_pts = rng.normal(size=(1000, 2)), rng.normal(size=(1000, 2)) * 2 + 3
        wa = wb = None
        if weights:
            wa = tuple(rng.uniform(0.5, 1.5, 1000) / 1000)
            wa = tuple(np.array(wa) / sum(wa))
            wb = tuple(rng.uniform(0.5, 1.5, 1000) / 1000)
            wb = tuple(np.array(wb) / sum(wb))
        a = fam.Points2D(tuple(map(tuple, a_pts)), wa)
        b = fam.Points2D(tuple(map(tuple, b_pts)), wb)
        times = []
        for _ in range(3):
            t = time.perf_counter()
            g = geoanim.geodesic(a, b, "wasserstein")
            times.append(time.perf_counter() - t)
        print(f"W2 between 1000-point clouds, {label}: median {statistics.median(times):.3f} s "
              f"(W2 = {g.length:.4f}; target < 1 s)")


if __name__ == "__main__":
    main()
