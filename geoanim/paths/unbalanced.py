"""Unbalanced transport for the Hellinger-Kantorovich (Wasserstein-Fisher-Rao) cost: arrays in, a plan out.

A geometry primitive like :mod:`transport`: no distributions in its API. With lengths in units of κ
(d_ij = |x_i - y_j| / κ) and the cost c_ij = -2 log cos(min(d_ij, π/2)) (infinite from π/2 on), the
static problem is

    HK² / κ² = min over γ >= 0 of  Σ γ_ij c_ij + KL(γ1 | a) + KL(γᵀ1 | b),   KL(u|v) = Σ u log(u/v) - u + v

(docs/math.md#wasserstein-fisher-rao-hellinger-kantorovich). Its dual is

    max over φ, ψ of  Σ a_i (1 - e^-φ_i) + Σ b_j (1 - e^-ψ_j)   subject to  φ_i + ψ_j <= c_ij,

so any plan bounds the optimum from above and any feasible (φ, ψ) from below. :func:`hk_plan`
solves the entropic problem (the same with ε KL(γ | a ⊗ b) added) for ε shrinking to ``EPS_FINAL``
and reports the certified difference of the two bounds (the *gap*) with the plan, so the tolerance
is measured, never assumed:

1. scaling iterations (unbalanced Sinkhorn in the log domain, the potentials re-absorbed into the
   kernel at each ε) while ε > ``SINKHORN_ABOVE``, ε divided by 4 each time;
2. Newton's method on the entropic dual over the pairs whose reduced cost is within 40ε (and each
   point's cheapest), ε halved each time down to ``EPS_FINAL`` (a stage that fails is retried with a
   smaller step in ε; if it still fails the last solved ε's plan is kept, and its larger gap
   reported);
3. the certificate: φ = -log(u/a) from the plan's row sums, ψ and φ again as c-transforms over
   *all* pairs (feasible by construction), whose dual value bounds the optimum from below.

Masses below ``NEGLIGIBLE`` of the total are left to fade or grow, and their total is added to the gap.
The value is a sum of non-negative terms (the pairs' costs, and a·h(u/a) with h(r) = r log r - r + 1
by a series near r = 1), so nearly identical measures keep their relative accuracy.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from ..errors import UnsupportedError
from .transport import squared_distances

MAX_PAIRS = 4_000_000
"""Largest n·m solved (the dense cost matrix is 32 MB; 2,000 points a side take a few seconds)."""

EPS_FINAL = 1e-6  # the last entropic blur, in units of min(1, the largest cost) (c is dimensionless)
SINKHORN_ABOVE = 0.002  # ε (same units) from which on Newton takes over from the scaling iterations
NEWTON_FACTOR = 0.5  # ε shrinks by this factor between Newton stages
NEWTON_STEPS = 300
TIME_LIMIT = 5.0  # seconds: past it, the last ε solved is kept (its larger gap is certified and reported)
DIRECT_BELOW = 20  # Newton systems over 1,000 points with more pairs than this times the points: CG
NEGLIGIBLE = 1e-11  # masses below this share of the total are not transported (see hk_plan)


@dataclass(frozen=True)
class UnbalancedPlan:
    """The plan as its non-zero entries (``mass[k]`` moves from ``x[rows[k]]`` to ``y[cols[k]]``),
    its row and column sums ``u`` and ``v``, the static value HK²/κ² of this plan (an upper bound
    on the optimum), and ``gap``: the certified bound on how far that is above the optimum."""

    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray
    u: np.ndarray
    v: np.ndarray
    value: float
    gap: float


def cone_cost(d: np.ndarray) -> np.ndarray:
    """c = -2 log cos(min(d, π/2)) for lengths d in units of κ: 0 at d = 0, infinite from π/2 on."""
    d = np.asarray(d, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(d < math.pi / 2, -2.0 * np.log(np.cos(np.minimum(d, math.pi / 2))), np.inf)


def relative_entropy_terms(u: np.ndarray, a: np.ndarray) -> np.ndarray:
    """a·h(u/a), h(r) = r log r - r + 1 >= 0 (the terms of KL(u|a)), without cancellation near r = 1."""
    u, a = np.asarray(u, dtype=float), np.asarray(a, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = u / a
        d = r - 1.0
        direct = np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)) - r + 1.0, 1.0)
    near = np.abs(d) < 0.1
    # h(1 + δ) = Σ_{k>=2} (-δ)^k / (k (k - 1)): 16 terms are exact to rounding for |δ| < 0.1
    d = np.where(near, d, 0.0)
    series = np.zeros_like(d)
    power = d * d
    for k in range(2, 18):
        series = series + power / (k * (k - 1))
        power = power * -d
    return a * np.where(near, series, direct)


def hk_plan(x: np.ndarray, a: np.ndarray, y: np.ndarray, b: np.ndarray) -> UnbalancedPlan:
    """The optimal plan of the static problem for masses ``a`` at the rows of ``x`` and ``b`` at the
    rows of ``y`` (coordinates already in units of κ; masses positive, any totals)."""
    x, y = np.asarray(x, dtype=float).reshape(len(a), -1), np.asarray(y, dtype=float).reshape(len(b), -1)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    n, m = len(a), len(b)
    if n * m > MAX_PAIRS:
        raise UnsupportedError(f"wfr: {n:,} x {m:,} point pairs is more than the {MAX_PAIRS:,} the unbalanced "
                               "solver takes (about 2,000 points a side)")
    C = cone_cost(np.sqrt(squared_distances(x, y, max_bytes=8 * MAX_PAIRS)))
    finite = np.isfinite(C)
    # masses below NEGLIGIBLE of the total are left to fade or grow: leaving out mass δ raises the
    # optimum by at most δ (the plan could only have saved their creation or destruction), which
    # the gap takes on; without them the solver's masses span a dozen fewer orders of magnitude
    small_a, small_b = a < NEGLIGIBLE * a.sum(), b < NEGLIGIBLE * b.sum()
    dropped = math.fsum(a[small_a]) + math.fsum(b[small_b])
    row_ok, col_ok = ~small_a, ~small_b
    for _ in range(2):  # points with no partner in reach (among the kept ones) are left out too
        row_ok = row_ok & (finite & col_ok[None, :]).any(axis=1)
        col_ok = col_ok & (finite & row_ok[:, None]).any(axis=0)
    live_r, live_c = np.flatnonzero(row_ok), np.flatnonzero(col_ok)
    if live_r.size == 0 or live_c.size == 0:  # nothing within reach: all of a is destroyed, all of b created
        empty = np.empty(0, dtype=int)
        return UnbalancedPlan(empty, empty, np.empty(0), np.zeros(n), np.zeros(m), math.fsum(a) + math.fsum(b),
                              dropped)
    Cl, al, bl = C[np.ix_(live_r, live_c)], a[live_r], b[live_c]
    with np.errstate(all="ignore"):  # overflows on the way are caught as non-finite values, not warned about
        rows, cols, mass = _scaling(Cl, al, bl)
        keep = mass > 1e-300
        _, gap = _certify(Cl, al, bl, rows[keep], cols[keep], mass[keep])
    rows, cols, mass = rows[keep], cols[keep], mass[keep]
    u, v = np.zeros(n), np.zeros(m)
    np.add.at(u, live_r[rows], mass)
    np.add.at(v, live_c[cols], mass)
    value = (math.fsum(mass * Cl[rows, cols]) + math.fsum(relative_entropy_terms(u, a))
             + math.fsum(relative_entropy_terms(v, b)))
    return UnbalancedPlan(live_r[rows], live_c[cols], mass, u, v, value, gap + dropped)


def _scaling(C: np.ndarray, a: np.ndarray, b: np.ndarray):
    """The entropic problem (marginal penalties KL with weight 1, entropy ε KL(γ | a ⊗ b)) for ε from 1
    down to EPS_FINAL, each solved from the last one's potentials: by scaling iterations while ε is
    large (the kernel is dense and the iterations contract fast), then by Newton's method on the
    dual, whose Hessian is as sparse as the kernel. The kernel keeps the pairs whose reduced cost
    is within 40ε (the rest weigh under e^-40). Returns (rows, cols, plan masses) at the last ε."""
    n, m = C.shape
    f, g = np.zeros(n), np.zeros(m)
    la, lb = np.log(a), np.log(b)
    # the blurs in units of the costs where they are all small (large κ: c ≈ d²/κ² and HK²/κ² tiny,
    # where an absolute ε of 1e-6 blurred the plan by a part in a thousand of the value)
    finite = C[np.isfinite(C)]
    scale = min(1.0, float(finite.max())) if finite.size and finite.max() > 0 else 1.0
    final, sinkhorn_above = EPS_FINAL * scale, SINKHORN_ABOVE * scale
    eps = scale
    best = None
    solved_eps: float | None = None
    retries = 3
    started = time.monotonic()
    while True:
        if best is not None and time.monotonic() - started > TIME_LIMIT:
            return best
        R = C - f[:, None] - g[None, :]
        if eps > sinkhorn_above:
            f, g = scaling(R, a, b, f, g, eps)
            R = C - f[:, None] - g[None, :]
            rows, cols = kernel(R, 40.0 * eps)
            with np.errstate(over="ignore", under="ignore"):
                mass = np.exp(-R[rows, cols] / eps + la[rows] + lb[cols])
            if np.all(np.isfinite(mass)):
                best = (rows, cols, mass)
            eps *= 0.25
            continue
        rows, cols = kernel(R, 40.0 * eps)
        cost = C[rows, cols]
        f1, g1, settled = _newton(cost, rows, cols, a, b, f, g, eps, 1e-9 if eps <= final else 1e-4,
                                  deadline=started + TIME_LIMIT if best is not None else None)
        with np.errstate(over="ignore", under="ignore"):
            mass = np.exp(-(cost - f1[rows] - g1[cols]) / eps + la[rows] + lb[cols])
        if not (settled and np.all(np.isfinite(mass))):
            # the last ε within a factor 4 of the final one is kept as it is (its gap is certified):
            # retrying the final ε from ever closer ones only crept towards it until the time ran out
            near = solved_eps is not None and solved_eps <= 4.0 * final
            if best is None or solved_eps is None or retries == 0 or near:
                if best is None:
                    raise UnsupportedError("wfr: the unbalanced solver did not converge for these measures")
                return best  # the last ε that was solved: its (larger) gap is certified and reported
            retries -= 1  # a smaller step down from the last ε solved, from its potentials
            eps = math.sqrt(solved_eps * eps)
            continue
        best = (rows, cols, mass)
        f, g = f1, g1
        solved_eps, retries = eps, 3
        if eps <= final:
            return best
        eps = max(eps * NEWTON_FACTOR, final)


def kernel(R: np.ndarray, cutoff: float) -> tuple[np.ndarray, ...]:
    """The pairs whose reduced cost is within ``cutoff``, and each row's and column's cheapest (so
    that no point loses all its partners when ε shrinks)."""
    keep = R <= cutoff
    keep[np.arange(R.shape[0]), np.argmin(R, axis=1)] = True
    keep[np.argmin(R, axis=0), np.arange(R.shape[1])] = True
    return np.nonzero(keep)


def scaling(R, a, b, f, g, eps, iterations=80, balanced=False):
    """Scaling iterations at one ε, the kernel exp(-R/ε) formed once (R = C - f ⊕ g, the potentials
    absorbed) and formed again whenever the scalings grow past e^±30, before they overflow: each
    iteration is two dense matrix-vector products. The marginal penalty is KL with weight 1 (the HK
    problem), or the marginals are exact (``balanced``, entropic OT). The plan is
    a_i b_j exp((f_i + g_j - C_ij)/ε) with the potentials returned. (Stopping at the first overflow
    instead left measures with masses over a dozen orders of magnitude, the cells of a planar normal,
    with potentials that never settled: each ε overflowed in its first iterations.)"""
    lam = 1.0 if balanced else 1.0 / (1.0 + eps)
    done = 0
    while done < iterations:
        with np.errstate(under="ignore"):
            K = np.exp(-np.minimum(R, 700.0 * eps) / eps)
        Kb, Ka = K * b[None, :], K.T * a[None, :]
        lf, lg = np.zeros(len(a)), np.zeros(len(b))
        grown = False
        while done < iterations and not grown:
            done += 1
            with np.errstate(divide="ignore"):
                lf = -lam * np.log(np.maximum(Kb @ np.exp(lg), 1e-300)) - (1 - lam) * f / eps
                lg = -lam * np.log(np.maximum(Ka @ np.exp(lf), 1e-300)) - (1 - lam) * g / eps
            grown = max(np.abs(lf).max(), np.abs(lg).max()) > 30
        f, g = f + eps * lf, g + eps * lg
        if not grown:
            break
        R = R - eps * lf[:, None] - eps * lg[None, :]
    return f, g


def _newton(cost, rows, cols, a, b, f, g, eps, tol, steps=NEWTON_STEPS, deadline=None):
    """Maximise J(f, g) = Σ a (1 - e^-f) + Σ b (1 - e^-g) - ε Σ a_i b_j (e^((f_i + g_j - c_ij)/ε) - 1)."""
    n, m = len(a), len(b)
    la, lb = np.log(a), np.log(b)

    def parts(f, g):
        with np.errstate(over="ignore"):
            plan = np.exp((f[rows] + g[cols] - cost) / eps + la[rows] + lb[cols])
        J = float(np.sum(-a * np.expm1(-f)) + np.sum(-b * np.expm1(-g)) - eps * (np.sum(plan) - a.sum() * b.sum()))
        return J, plan

    J, plan = parts(f, g)
    for _ in range(steps):
        if deadline is not None and time.monotonic() > deadline:
            return f, g, False
        u = np.bincount(rows, weights=plan, minlength=n)
        v = np.bincount(cols, weights=plan, minlength=m)
        ea, eb = a * np.exp(-f), b * np.exp(-g)
        grad = np.concatenate([ea - u, eb - v])
        # each point's marginal to a relative tol (an absolute one left the lightest points'
        # potentials unsettled, and they blew up at the next ε)
        scale = np.concatenate([ea + u, eb + v])
        if np.all(np.abs(grad) <= tol * scale):
            return f, g, True
        # -ε·Hessian: [diag(ε a e^-f + u), plan; planᵀ, diag(ε b e^-g + v)]
        step = newton_direction(rows, cols, plan, np.concatenate([eps * ea + u, eps * eb + v]), eps * grad, n,
                                forcing=forcing_term(float(np.max(np.abs(grad) / scale))))
        if not np.all(np.isfinite(step)):
            return f, g, False
        found = backtrack(parts, f, g, step, J)
        if found is None:  # no ascent left: settled if the gradient is small at all
            return f, g, bool(np.all(np.abs(grad) <= 1e3 * tol * scale))
        f, g, J, plan = found
    return f, g, False


def forcing_term(residual: float) -> float:
    """How exactly a Newton system is solved by CG, from the largest relative marginal error
    ``residual``: loosely far from the solution, tightly near it (an inexact Newton method stays
    quadratically convergent when the forcing term shrinks with the residual; solving every system
    to 1e-12 spent most of a large cloud pair's time in CG iterations the next step undid)."""
    return min(0.1, max(1e-12, residual))


def newton_direction(rows: np.ndarray, cols: np.ndarray, plan: np.ndarray, diag: np.ndarray, rhs: np.ndarray,
                     n: int, hold_last: bool = False, forcing: float = 1e-12) -> np.ndarray:
    """Solve [diag(d1), Π; Πᵀ, diag(d2)] x = rhs (``diag`` = (d1, d2); Π the plan's entries at (rows,
    cols), n rows) for the Newton step of an entropic dual. Jacobi-scaled, so the system has a unit
    diagonal although the masses span a dozen orders of magnitude, with a ridge of 1e-10 on it (where
    the pairs kept fall apart into groups, a balanced problem's shift of each group is free).
    ``hold_last``: the last variable is held at 0 (a balanced dual is unchanged when f gains what g
    loses). Factorised, or by CG for large dense kernels (where factorising fills in) to the relative
    residual ``forcing``."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.linalg import cg, spsolve

    dim = len(diag) - int(hold_last)
    inner = n + cols < dim
    r, c, w = rows[inner], n + cols[inner], plan[inner]
    s = 1.0 / np.sqrt(np.maximum(diag[:dim], 1e-300))
    off = w * s[r] * s[c]
    H = coo_matrix((np.concatenate([off, off, np.full(dim, 1.0 + 1e-10)]),
                    (np.concatenate([r, c, np.arange(dim)]), np.concatenate([c, r, np.arange(dim)]))),
                   shape=(dim, dim)).tocsc()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dim > 1000 and len(r) > DIRECT_BELOW * dim:
            y, _ = cg(H, rhs[:dim] * s, rtol=forcing, maxiter=1000)
        else:
            y = spsolve(H, rhs[:dim] * s)
    x = s * y
    return np.append(x, 0.0) if hold_last else x


def backtrack(parts, f: np.ndarray, g: np.ndarray, step: np.ndarray, J: float):
    """The Newton step on a concave dual, halved until the dual does not decrease: (f, g, J, plan)
    after it (``parts(f, g)`` gives (J, plan)), or None below a step of 1e-6 (no ascent left)."""
    n = len(f)
    t = 1.0
    while t > 1e-6:
        Jn, pn = parts(f + t * step[:n], g + t * step[n:])
        if Jn >= J - 1e-15 * abs(J):
            return f + t * step[:n], g + t * step[n:], Jn, pn
        t *= 0.5
    return None


def _certify(C: np.ndarray, a: np.ndarray, b: np.ndarray, rows, cols, mass) -> tuple[float, float]:
    """(value of the plan, certified gap): φ = -log(u/a) from the plan's row sums, then ψ and φ as
    c-transforms over all pairs, a feasible dual point whose value bounds the optimum below."""
    n, m = C.shape
    u = np.bincount(rows, weights=mass, minlength=n)
    v = np.bincount(cols, weights=mass, minlength=m)
    value = (math.fsum(mass * C[rows, cols]) + math.fsum(relative_entropy_terms(u, a))
             + math.fsum(relative_entropy_terms(v, b)))
    # φ = -log(u/a), capped where u = 0 (any finite φ gives a feasible pair after the c-transforms)
    phi = -np.log(np.maximum(u / a, 1e-300))
    with np.errstate(invalid="ignore"):  # inf - inf where nothing is in reach: that pair imposes nothing
        psi = np.min(np.where(np.isfinite(C), C - phi[:, None], np.inf), axis=0)
        phi = np.min(np.where(np.isfinite(C), C - psi[None, :], np.inf), axis=1)
    with np.errstate(over="ignore"):
        lower = math.fsum(-a * np.expm1(-phi)) + math.fsum(-b * np.expm1(-psi))
    return value, max(value - lower, 0.0)
