"""Discrete optimal transport for the squared Euclidean cost: arrays in, a coupling out.

A geometry primitive like :mod:`spaces`: no distributions in its API. Given masses a_i at points x_i
and b_j at points y_j (rows of (n, d) and (m, d) arrays, any dimension d), :func:`optimal_coupling`
returns a coupling π >= 0 with row sums a and column sums b minimising Σ π_ij |x_i - y_j|² (the
minimum is W2², see docs/math.md#wasserstein-2-point-clouds-exact-coupling), as the list of its
non-zero entries, with W2 itself and a certified bracket on the optimum.

No n×m array is ever built (a dense cost matrix of 20,000 points a side is 3.2 GB, and the dense
network simplex took 12 s at 5,000 a side). Up to ``EXACT_MAX_PAIRS`` point pairs (n·m) the solve is
exact:

1. **Invariance.** For vectors s, t and a symmetric positive definite M, the cost
   |M^½(x - s) - M^-½(y - t)|² differs from |x - y|² by a function of x plus a function of y
   (both expand to f(x) + g(y) - 2⟨x, y⟩, up to constants), and every coupling pays the same total
   for those; a positive factor scales all totals alike. So every plan is exactly as good for one
   cost as for the other. Each cloud is centred, x mapped by M^½ and y by M^-½ with M the optimal
   linear map between the clouds' Gaussian approximations (so matched points land near each other),
   and both scaled to unit spread: the costs the solver sees are O(1) whatever the coordinates
   (no overflow at 1e154, no cancellation for clouds far from the origin).
2. **Candidate pairs, coarse to fine.** Each cloud is coarsened 4:1 along a Morton (Z-order)
   curve, recursively, down to a problem small enough to give the solver every pair. A level's
   first candidate pairs are the next coarser level's plan between member points, the few best
   pairs for each point under that level's dual potentials, and a monotone coupling along one axis
   (which makes the candidate problem feasible). POT's network simplex solves the problem
   restricted to the candidates (``ot.emd`` with a sparse cost), warm-started from the previous
   round's or the coarser level's potentials.
3. **Certificate.** The plan is optimal for the full problem iff its dual potentials (u, v) are
   feasible for all n·m pairs: c_ij >= u_i + v_j. The c-transforms v_j = min_i c_ij - u_i and then
   u_i = min_j c_ij - v_j make them feasible; each minimum is a nearest-neighbour query in one more
   dimension (|x_i - y|² - u_i = |(x_i, h_i) - (y, 0)|² - max u with h_i² = max u - u_i, a k-d tree
   after a quadratic fit of u takes out its smooth part), so this costs O((n + m) log n) per query
   in the good case, never O(n·m) memory. Then Σ a u + Σ b v <= W2² <= Σ π c, and the difference,
   the *gap*, bounds how far the plan is from optimal. Pairs the transforms find with negative
   reduced cost join the candidates and the solve repeats; the plan is called exact when the gap
   is below ``TOLERANCE`` (relative to the squared spread of the clouds), i.e. optimal to rounding.

Above ``EXACT_MAX_PAIRS`` the result is an approximation, labelled as such, with bounds that are
proved rather than estimated: the clouds are coarsened until they fit, the summaries are coupled
exactly, and each summary pair's mass is split among its member points by a north-west corner rule.
That is a valid coupling, so its cost bounds W2 above; the triangle inequality bounds it below by
W2(summaries) minus each cloud's W2 distance to its summary (at most the root mean square distance of
the points to their summary point). Entropic (Sinkhorn) transport would need the n×m kernel, and
sliced W2 gives a number, not a coupling to animate.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..errors import UnsupportedError, ValidationError

EXACT_MAX_PAIRS = 25_000_000
"""Largest n·m solved exactly: 5,000 points a side, 2-5 s on two cores (bench/transport.py). The
time grows about as (n·m)^1.2: 7,000 a side took 8-16 s and 10,000 a side 20-40 s (on a loaded
machine), so larger problems get the labelled approximation instead."""

MAX_POINTS = 1_000_000
"""Largest cloud accepted at all (samples() reads at most 200,000; the approximation takes a few
seconds at that size, but the coupling it returns has about n + m entries)."""

DENSE_MAX_BYTES = 256 * 2**20
"""Cap on the float64 n×m matrix :func:`squared_distances` may allocate (about 5,800 points a side)."""

TOLERANCE = 1e-10
"""Largest certified gap, in units of the clouds' squared spread, for a plan to count as exact."""

_COMPLETE_PAIRS = 250_000  # at or below this many pairs the solver sees every pair at once
_FACTOR = 4  # points per cluster when coarsening
_KEEP_FINE = 64  # a cloud this small is not coarsened further
_CANDIDATES = 4  # best pairs per point added from each c-transform
_MAX_ROUNDS = 40
_COARSE_TOL = 1e-7  # coarse levels only seed the finer ones
_EPS = float(np.finfo(float).eps)


@dataclass(frozen=True)
class Coupling:
    """A coupling as its non-zero entries: ``mass[k]`` moves from ``x[rows[k]]`` to ``y[cols[k]]``.

    ``mass`` sums to 1. ``distance`` is this coupling's cost, sqrt(Σ mass |x - y|²), in the units of
    the input; the optimal W2 lies in [``lower``, ``distance``] (certified, see the module
    docstring). ``exact``: the bracket is within :data:`TOLERANCE`. ``method`` says which.
    """

    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray
    distance: float
    lower: float
    exact: bool
    method: str


def squared_distances(x: ArrayLike, y: ArrayLike, max_bytes: int = DENSE_MAX_BYTES) -> np.ndarray:
    """The dense matrix |x_i - y_j|² (n, m), exact to rounding, built in row blocks from coordinate
    differences (no (n, m, d) intermediate, no |x|² + |y|² - 2⟨x, y⟩ cancellation). Refuses, before
    allocating, when n·m·8 bytes exceeds ``max_bytes``."""
    xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    n, m = len(xa), len(ya)
    need = 8 * n * m  # Python ints: no overflow
    if need > max_bytes:
        raise UnsupportedError(f"transport: a {n}x{m} distance matrix needs {need / 2**20:.0f} MiB; "
                               f"the limit is {max_bytes / 2**20:.0f} MiB")
    out = np.empty((n, m))
    step = max(1, (1 << 21) // max(m, 1))  # about 16 MB of temporaries per block
    for s in range(0, n, step):
        block = out[s:s + step]
        block[...] = 0.0
        for k in range(xa.shape[1]):
            diff = np.subtract.outer(xa[s:s + step, k], ya[:, k])
            block += diff * diff
    return out


# ---------------------------------------------------------------------------------------------
# the exact solve
# ---------------------------------------------------------------------------------------------


def optimal_coupling(x: ArrayLike, a: ArrayLike, y: ArrayLike, b: ArrayLike, *,
                     max_exact_pairs: int | None = None) -> Coupling:
    """Optimal coupling of masses ``a`` at the rows of ``x`` and ``b`` at the rows of ``y`` for the
    squared Euclidean cost; exact (certified) up to ``max_exact_pairs`` point pairs (default
    :data:`EXACT_MAX_PAIRS`), a labelled approximation with proved W2 bounds above. Weights need
    not be normalised; zero weights are allowed (their points are left out). Bad input is a
    one-line :class:`ValidationError`; more than :data:`MAX_POINTS` points an
    :class:`UnsupportedError`."""
    xa, aa, ya, ba = _validated(x, a, y, b)
    limit = EXACT_MAX_PAIRS if max_exact_pairs is None else max_exact_pairs
    # one orientation for both orders of the clouds, so that W2(p, q) and W2(q, p) are the same
    # float (the solver's rounding depends on which side supplies and which demands)
    if (len(ya), ya.tobytes(), ba.tobytes()) < (len(xa), xa.tobytes(), aa.tobytes()):
        c = _couple(ya, ba, xa, aa, limit)
        return Coupling(c.cols, c.rows, c.mass, c.distance, c.lower, c.exact, c.method)
    return _couple(xa, aa, ya, ba, limit)


def _couple(x: np.ndarray, a: np.ndarray, y: np.ndarray, b: np.ndarray, max_exact_pairs: int) -> Coupling:
    keep_x, keep_y = np.flatnonzero(a), np.flatnonzero(b)
    x, a, y, b = x[keep_x], a[keep_x], y[keep_y], b[keep_y]
    a, b = _normalised(a), _normalised(b)
    n, m = len(x), len(y)
    # one power-of-two scale (exact) brings every coordinate into [-1, 1]
    top = max(float(np.abs(x).max()), float(np.abs(y).max()))
    e = math.frexp(top)[1] if top > 0 else 0
    xs, ys = np.ldexp(x, -e), np.ldexp(y, -e)

    pre = _precondition(xs, a, ys, b)
    low = 0.0
    if pre is None or n == 1 or m == 1:
        # a single point on one side, or every point of each cloud at one place: one coupling (or
        # all couplings equally) optimal, the north-west corner one among them
        rows, cols, mass = _northwest(a, b)
        gap, exact = 0.0, True
        method = "exact (the only coupling)" if n == 1 or m == 1 else "exact (all points coincide)"
    else:
        X, Y, spread2 = pre
        if n * m <= max_exact_pairs:
            plan = _solve(X, a, Y, b, TOLERANCE)
            rows, cols, mass = plan.rows, plan.cols, plan.mass
            gap = plan.gap * spread2  # back in the units of xs (module docstring, point 1)
            exact = plan.gap <= TOLERANCE
            method = (f"exact: network simplex on {plan.arcs:,} candidate pairs, certified by duality"
                      if exact else f"not certified: the duality gap stalled at {plan.gap:.1e} of the spread²")
        else:
            rows, cols, mass, low, sizes = _approximate(X, xs, a, Y, ys, b, spread2, max_exact_pairs)
            gap, exact = math.nan, False
            method = f"approximate: exact transport between {sizes[0]:,}- and {sizes[1]:,}-point summaries"

    upper = _distance(x, y, rows, cols, mass)
    if math.isnan(gap):  # the approximation's own lower bound
        lower = min(_unscale(low, e), upper)
    elif gap == 0.0:
        lower = upper
    else:  # W2² >= upper² - gap, the gap in units of 4^e
        ratio = math.sqrt(gap) / math.ldexp(upper, -e) if upper > 0 else math.inf
        lower = upper * math.sqrt(max(1.0 - ratio * ratio, 0.0))
    if not exact:
        method += f"; W2 in [{lower:.6g}, {upper:.6g}]"
    return Coupling(keep_x[rows], keep_y[cols], mass, upper, lower, exact, method)


@dataclass(frozen=True)
class _Plan:
    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray
    u: np.ndarray
    v: np.ndarray
    gap: float
    arcs: int


def _solve(x: np.ndarray, a: np.ndarray, y: np.ndarray, b: np.ndarray, tol: float) -> _Plan:
    """Optimal plan of the (preconditioned) problem with a duality certificate (module docstring)."""
    n, m = len(x), len(y)
    warm: tuple[np.ndarray, np.ndarray] | None = None
    if n * m <= max(_COMPLETE_PAIRS, 16 * (n + m)):
        key = np.arange(n * m, dtype=np.int64)
    else:
        xc, ac, ox, fx = _coarsen(x, a) if n > _KEEP_FINE else (x, a, np.arange(n), 1)
        yc, bc, oy, fy = _coarsen(y, b) if m > _KEEP_FINE else (y, b, np.arange(m), 1)
        coarse = _solve(xc, ac, yc, bc, max(tol, _COARSE_TOL))
        keys = []
        for p in range(fx):  # the coarse plan between all members of each coupled pair of clusters
            for q in range(fy):
                i, j = fx * coarse.rows + p, fy * coarse.cols + q
                ok = (i < n) & (j < m)
                keys.append(ox[i[ok]].astype(np.int64) * m + oy[j[ok]])
        pi, pj, _ = _northwest(a, b, np.argsort(x[:, 0], kind="stable"), np.argsort(y[:, 0], kind="stable"))
        keys.append(pi.astype(np.int64) * m + pj)  # a feasible plan: the candidate problem has a solution
        u = _ctransform(yc, coarse.v, x, 1)[1][:, 0]  # the coarse potentials, extended to the points
        idx, vals, _ = _ctransform(x, u, y, _CANDIDATES)
        keys.append((idx * m + np.arange(m)[:, None]).ravel())
        v = vals.min(axis=1)
        idx, _, _ = _ctransform(y, v, x, _CANDIDATES)
        keys.append((np.arange(n, dtype=np.int64)[:, None] * m + idx).ravel())
        key = np.unique(np.concatenate(keys))
        warm = (u, v)

    for _ in range(_MAX_ROUNDS):
        ki, kj = np.divmod(key, m)
        rows, cols, mass, u, warm_v = _network_simplex(a, b, ki, kj, _sq(x, y, ki, kj), warm)
        warm = (u, warm_v)
        # certificate: v = c-transform of u, then u = c-transform of v; (u, v) is feasible
        idx, vals, _ = _ctransform(x, u, y, _CANDIDATES)
        v = vals.min(axis=1)
        jdx, vals, err = _ctransform(y, v, x, _CANDIDATES)
        u = vals.min(axis=1) - err  # the tree may miss a minimum by up to err: (u, v) stays feasible
        primal = float(mass @ _sq(x, y, rows, cols))
        dual = float(a @ u) + float(b @ v)
        gap = max(primal - dual, 0.0)
        if gap <= tol:
            break
        cand = np.concatenate([(idx * m + np.arange(m)[:, None]).ravel(),
                               (np.arange(n, dtype=np.int64)[:, None] * m + jdx).ravel()])
        new = np.setdiff1d(cand, key)
        if not new.size:
            break  # nothing left to add: the gap is the solver's rounding
        key = np.union1d(key, new)
    return _Plan(rows, cols, mass, u, v, gap, len(key))


def _network_simplex(a, b, rows, cols, cost, warm=None):
    """POT's exact network simplex on the listed pairs only: (rows, cols, mass, u, v) of the plan.

    ``warm``: dual potentials to start from (the previous round's, or the coarser level's), which
    cuts the solve several-fold. ``ot.emd`` does not pass them on for a sparse cost (POT 0.9.7), so
    they go to the solver it wraps, ``ot.lp.emd_wrap.emd_c_sparse``; if that private function is
    missing or its signature changed, the public cold start runs instead. Either way the result is
    checked here (result code, marginals) and certified by the caller, so the shortcut cannot make
    an answer wrong."""
    iterations = max(10**7, 200 * len(cost))
    # supplies sum to 1: POT requires the two totals equal to 1e-8 absolute, and sums them in order
    result = _warm_start(a, b, rows, cols, cost, iterations, warm) if warm is not None else None
    if result is None or result[-1] != 1:  # no warm start, or it failed: the public cold start
        import ot
        from scipy.sparse import coo_array

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a non-optimal exit warns; its result code is checked below
            plan, log = ot.emd(a, b, coo_array((cost, (rows, cols)), shape=(len(a), len(b))),
                               numItermax=iterations, log=True)
        result = (plan.row, plan.col, plan.data, log["u"], log["v"], log["result_code"])
    rows, cols, mass, u, v, code = result
    if code != 1:
        why = {0: "infeasible", 2: "unbounded", 3: f"no optimum after {iterations:,} iterations"}.get(code, code)
        raise UnsupportedError(f"transport: the network simplex stopped without an optimum ({why})")
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    mass = np.asarray(mass, dtype=float)
    out_a = np.bincount(rows, mass, len(a))
    out_b = np.bincount(cols, mass, len(b))
    if max(float(np.abs(out_a - a).max()), float(np.abs(out_b - b).max())) > 1e-9:
        raise UnsupportedError("transport: the network simplex returned a plan with the wrong marginals")
    return rows, cols, mass / mass.sum(), np.asarray(u, dtype=float), np.asarray(v, dtype=float)


def _warm_start(a, b, rows, cols, cost, iterations, warm):
    try:
        from ot.lp.emd_wrap import emd_c_sparse

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = emd_c_sparse(np.ascontiguousarray(a, dtype=float), np.ascontiguousarray(b, dtype=float),
                               np.ascontiguousarray(rows, dtype=np.uint64), np.ascontiguousarray(cols, dtype=np.uint64),
                               np.ascontiguousarray(cost, dtype=float), np.uint64(iterations),
                               np.ascontiguousarray(warm[0], dtype=float), np.ascontiguousarray(warm[1], dtype=float))
        flow_rows, flow_cols, flow, _, u, v, code = out
    except (ImportError, TypeError, ValueError):
        return None
    return flow_rows, flow_cols, flow, u, v, code


def _ctransform(src: np.ndarray, pot: np.ndarray, dst: np.ndarray, k: int):
    """For each dst point y: the k src points with the smallest |x - y|² - pot (indices (len(dst), k)
    and those values, computed exactly), and for each dst point a bound on how much smaller the
    true minimum can be (the tree compares rounded lifted distances).

    Write pot(x) = xᵀQx + βᵀx + r(x) (Q, β a least-squares quadratic fit, or 0, with S = I - Q
    clipped to eigenvalues >= 0.01: the identity below holds for whichever Q is used). Then
    |x - y|² - pot(x) = |S^½x - S^-½(y + β/2)|² - r(x) + (terms in y alone), and with
    h(x)² = max r - r(x) >= 0 that is a squared distance in one more dimension: the minimiser is a
    nearest neighbour. The fit is used when it makes h smaller, which keeps the search local."""
    from scipy.spatial import cKDTree

    if not np.all(np.isfinite(pot)):
        raise UnsupportedError("transport: the solver returned non-finite dual potentials")
    n, d = src.shape
    k = min(k, n)
    best = None
    for fit in (False, True) if n > 4 * (d + 1) * (d + 2) // 2 else (False,):
        w, V, beta = np.ones(d), np.eye(d), np.zeros(d)
        if fit:
            iu = np.triu_indices(d)
            features = np.column_stack([src[:, iu[0]] * src[:, iu[1]], src, np.ones(n)])
            coef = np.linalg.lstsq(features, pot, rcond=None)[0]
            Q = np.zeros((d, d))
            Q[iu] = coef[:len(iu[0])]
            w, V = np.linalg.eigh(np.eye(d) - 0.5 * (Q + Q.T))  # the x0 x1 feature carries Q01 + Q10
            w = np.clip(w, 1e-2, None)  # S near 0 (pot near |x|², a collapsing map) would blow y up
            beta = coef[len(iu[0]):len(iu[0]) + d]
        Qc = np.eye(d) - (V * w) @ V.T  # the Q actually used: the identity holds for it exactly
        r = pot - np.einsum("ij,jk,ik->i", src, Qc, src) - src @ beta
        h = np.sqrt(np.maximum(r.max() - r, 0.0))
        lifted_src = np.column_stack([src @ ((V * np.sqrt(w)) @ V.T), h])
        lifted_dst = np.column_stack([(dst + beta / 2) @ ((V / np.sqrt(w)) @ V.T), np.zeros(len(dst))])
        size = float((lifted_src ** 2).sum(axis=1).max()) + (lifted_dst ** 2).sum(axis=1)
        spread = float(h.max()) ** 2  # how far the search must reach beyond the nearest point
        # the fit is kept if it narrows the search without inflating the coordinates (and so the
        # rounding bound) more than tenfold
        if best is None or (spread < best[0] and float(size.max()) < 10 * float(best[3].max())):
            best = (spread, lifted_src, lifted_dst, size)
    assert best is not None
    _, lifted_src, lifted_dst, size = best
    _, idx = cKDTree(lifted_src).query(lifted_dst, k=k, workers=-1)
    idx = np.asarray(idx, dtype=np.int64).reshape(len(dst), k)
    vals = _sq(src, dst, idx.ravel(), np.repeat(np.arange(len(dst)), k)).reshape(len(dst), k) - pot[idx]
    # each rounded squared distance is within about 4 eps (|p|² + |q|²) of the exact one
    return idx, vals, (16 * _EPS * size if k < n else np.zeros(len(dst)))  # k = n: every point was compared


# ---------------------------------------------------------------------------------------------
# above the exact limit: summaries coupled exactly, then glued
# ---------------------------------------------------------------------------------------------


def _approximate(X: np.ndarray, xs: np.ndarray, a: np.ndarray, Y: np.ndarray, ys: np.ndarray, b: np.ndarray,
                 spread2: float, max_pairs: int):
    """Summaries of consecutive Morton-order points, as many as ``max_pairs`` allows, coupled
    exactly; each summary pair's mass split among its members by a north-west corner rule (members
    in Morton order). Returns (rows, cols, mass, lower bound on W2 in the units of xs, summary sizes)."""
    n, m = len(X), len(Y)
    side = math.isqrt(max_pairs)
    if m <= side:
        fx, fy = -(-n * m // max_pairs), 1
    elif n <= side:
        fx, fy = 1, -(-n * m // max_pairs)
    else:
        fx, fy = -(-n // side), -(-m // side)
    Xc, ac, order_x, _ = _coarsen(X, a, fx)
    Yc, bc, order_y, _ = _coarsen(Y, b, fy)
    label_x, label_y = _labels(order_x, fx), _labels(order_y, fy)
    plan = _solve(Xc, ac, Yc, bc, TOLERANCE)
    # glue: every summary pair k lists its members with masses a_i π_k / A_I (and likewise for y),
    # in one sequence per side; both sequences have equal cumulative masses at the pair boundaries,
    # so one north-west corner pass splits each pair's mass among its own members only
    mx = _member_sequence(label_x, a, ac, plan.rows, plan.mass, order_x)
    my = _member_sequence(label_y, b, bc, plan.cols, plan.mass, order_y)
    i, j, mass = _northwest(mx[1], my[1])
    # lower bound: W2(p, q) >= W2(p', q') - W2(p, p') - W2(q, q') for the summaries p', q', and
    # W2(p, p') is at most the root mean square distance of the points to their summary point
    # (sending each point there is a coupling); all in the units of xs (barycentres commute with
    # the affine preconditioning)
    sx, sy = _barycentres(xs, a, label_x, len(Xc)), _barycentres(ys, b, label_y, len(Yc))
    summary2 = float(plan.mass @ _sq(sx, sy, plan.rows, plan.cols)) - plan.gap * spread2
    qx = math.sqrt(float(a @ _sq(xs, sx, np.arange(n), label_x)))
    qy = math.sqrt(float(b @ _sq(ys, sy, np.arange(m), label_y)))
    lower = max(math.sqrt(max(summary2, 0.0)) - qx - qy, 0.0)
    return mx[0][i], my[0][j], mass, lower, (len(Xc), len(Yc))


def _labels(order: np.ndarray, factor: int) -> np.ndarray:
    label = np.empty(len(order), np.int64)
    label[order] = np.arange(len(order)) // factor
    return label


def _barycentres(points: np.ndarray, w: np.ndarray, label: np.ndarray, count: int) -> np.ndarray:
    mass = np.bincount(label, w, count)
    sums = [np.bincount(label, w * points[:, k], count) for k in range(points.shape[1])]
    return np.column_stack(sums) / mass[:, None]


def _member_sequence(label, w, cluster_mass, pair_cluster, pair_mass, order):
    """(member index, mass) for every (pair, member of the pair's cluster), pairs in order; the
    members of a cluster are consecutive in ``order`` (Morton order)."""
    counts = np.bincount(label, minlength=len(cluster_mass))
    start = np.concatenate([[0], np.cumsum(counts)])
    size = counts[pair_cluster]
    pair = np.repeat(np.arange(len(pair_cluster)), size)
    offset = np.arange(int(size.sum())) - np.repeat(np.cumsum(size) - size, size)
    member = order[start[pair_cluster][pair] + offset]
    return member, w[member] * pair_mass[pair] / cluster_mass[pair_cluster][pair]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _validated(x: ArrayLike, a: ArrayLike, y: ArrayLike,
               b: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    try:
        xa, ya = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        aa, ba = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"transport: points and weights must be real numbers ({exc})") from None
    for name, pts, w in (("source", xa, aa), ("target", ya, ba)):
        if pts.ndim != 2 or pts.shape[0] == 0 or pts.shape[1] == 0:
            raise ValidationError(f"transport: {name} points must be a non-empty (n, d) array (got shape {pts.shape})")
        if w.shape != (pts.shape[0],):
            raise ValidationError(f"transport: {name} weights must have one weight per point "
                                  f"(got {w.shape} for {pts.shape[0]} points)")
        if not np.all(np.isfinite(pts)):
            raise ValidationError(f"transport: {name} points must be finite (got nan or inf)")
        if not np.all(np.isfinite(w)) or (w < 0).any() or not (w > 0).any():
            raise ValidationError(f"transport: {name} weights must be finite, >= 0 and not all 0")
        if pts.shape[0] > MAX_POINTS:
            raise UnsupportedError(f"transport: {pts.shape[0]:,} {name} points; the limit is {MAX_POINTS:,}")
    if xa.shape[1] != ya.shape[1]:
        raise ValidationError(f"transport: the clouds live in different dimensions ({xa.shape[1]} and {ya.shape[1]})")
    return xa, aa, ya, ba


def _normalised(w: np.ndarray) -> np.ndarray:
    w = w / w.max()  # first: a sum of weights near 1e308 would overflow
    return w / w.sum()


def _unscale(value: float, e: int) -> float:
    try:
        return math.ldexp(value, e)
    except OverflowError:
        raise UnsupportedError("transport: W2 exceeds the largest float (about 1.8e308)") from None


def _precondition(x: np.ndarray, a: np.ndarray, y: np.ndarray, b: np.ndarray):
    """(X, Y, spread²): centred clouds mapped by M^½ and M^-½ (M the Bures map between their
    Gaussian approximations, eigenvalues clipped to 1e-6 of the largest) and divided by one spread,
    so the larger has unit root mean square radius. Σ π |X - Y|² differs between couplings by
    exactly 1/spread² times the difference of Σ π |x - y|² (module docstring, point 1). None when
    both clouds are single places."""
    X, Y = x - a @ x, y - b @ y
    d = x.shape[1]
    Sx, Sy = (X * a[:, None]).T @ X, (Y * b[:, None]).T @ Y
    size = max(float(np.trace(Sx)), float(np.trace(Sy)))
    if size == 0.0:
        return None
    reg = 1e-9 * size * np.eye(d)
    w, V = np.linalg.eigh(Sx + reg)
    root, inv_root = (V * np.sqrt(w)) @ V.T, (V / np.sqrt(w)) @ V.T
    w, V = np.linalg.eigh(root @ (Sy + reg) @ root)
    M = inv_root @ ((V * np.sqrt(np.maximum(w, 0.0))) @ V.T) @ inv_root
    w, V = np.linalg.eigh(0.5 * (M + M.T))
    w = np.clip(w, float(w.max()) * 1e-6, None)
    X, Y = X @ ((V * np.sqrt(w)) @ V.T), Y @ ((V / np.sqrt(w)) @ V.T)
    spread2 = max(float(a @ (X ** 2).sum(axis=1)), float(b @ (Y ** 2).sum(axis=1)))
    spread = math.sqrt(spread2)
    return X / spread, Y / spread, spread2


def _distance(x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray, mass: np.ndarray) -> float:
    """sqrt(Σ mass |x[rows] - y[cols]|²) in the input's units, without overflow or underflow: the
    differences are scaled by a power of two before squaring (halved first if they could overflow)."""
    half = max(float(np.abs(x).max()), float(np.abs(y).max())) >= 2.0**1022
    diff = x[rows] * 0.5 - y[cols] * 0.5 if half else x[rows] - y[cols]
    top = float(np.abs(diff).max()) if diff.size else 0.0
    if top == 0.0:
        return 0.0
    e = math.frexp(top)[1]
    scaled = np.ldexp(diff, -e)
    return _unscale(math.sqrt(float(mass @ np.einsum("ij,ij->i", scaled, scaled))), e + int(half))


def _sq(x: np.ndarray, y: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """|x[rows] - y[cols]|², pair by pair."""
    diff = x[rows] - y[cols]
    return np.einsum("ij,ij->i", diff, diff)


def _northwest(ma: np.ndarray, mb: np.ndarray, order_a: np.ndarray | None = None,
               order_b: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The north-west corner coupling of two mass sequences (taken in the given orders): the monotone
    coupling when the orders sort the points along a line. (rows, cols, masses summing to 1)."""
    oa = np.arange(len(ma)) if order_a is None else order_a
    ob = np.arange(len(mb)) if order_b is None else order_b
    ca, cb = np.cumsum(ma[oa]), np.cumsum(mb[ob])
    ca, cb = ca / ca[-1], cb / cb[-1]  # both end at exactly 1.0
    breaks = np.unique(np.concatenate([[0.0], ca, cb]))
    mid = 0.5 * (breaks[:-1] + breaks[1:])
    i = np.minimum(np.searchsorted(ca, mid), len(ca) - 1)
    j = np.minimum(np.searchsorted(cb, mid), len(cb) - 1)
    return oa[i], ob[j], np.diff(breaks)


def _morton(points: np.ndarray) -> np.ndarray:
    """Z-order codes: sorting by them keeps nearby points mostly together."""
    n, d = points.shape
    lo, hi = points.min(axis=0), points.max(axis=0)
    bits = min(62 // d, 20)
    q = ((points - lo) / np.where(hi > lo, hi - lo, 1.0) * (2**bits - 1)).astype(np.int64)
    code = np.zeros(n, np.int64)
    for bit in range(bits):
        for k in range(d):
            code |= ((q[:, k] >> bit) & 1) << (bit * d + k)
    return code


def _coarsen(x: np.ndarray, w: np.ndarray, factor: int = _FACTOR):
    """Clusters of ``factor`` consecutive points in Morton order: (barycentres, masses, order,
    factor); cluster c holds the points order[factor c : factor (c + 1)]."""
    order = np.argsort(_morton(x), kind="stable")
    label = _labels(order, factor)
    count = int(label.max()) + 1
    return _barycentres(x, w, label, count), np.bincount(label, w, count), order, factor
