"""Geodesic boundary-value problems for a Riemannian metric on Rᵈ: Chebyshev collocation and Newton.

The metric is given by two vectorised callables, ``metric(x) -> g`` of shape (..., d, d) and
``dmetric(x) -> ∂g`` of shape (..., d, d, d) with ``∂g[..., k, i, j] = ∂_k g_ij`` (or one callable
returning both, where they share their work). The geodesic from x0 to x0 + Δ solves
x'' + Γ(x)[x', x'] = 0 on t in [0, 1] with both ends fixed, where
Γ(x)[v, v] = g⁻¹ (Σ_ij ∂_i g_lj vⁱ vʲ - ½ Σ_ij ∂_l g_ij vⁱ vʲ).

Method:

* unknowns: z(t) = (x(t) - x0) / s with s = |Δ|∞, so that nearly identical endpoints (Δ ~ 1e-12) and
  far ones are solved at unit size and keep their relative precision: z'' + s Γ(x0 + s z)[z', z'] = 0,
  z(0) = 0, z(1) = Δ / s;
* discretisation: z at N Chebyshev-Lobatto nodes of [0, 1], derivatives by the differentiation matrix,
  the equation collocated at the interior nodes; first guess the straight line in coordinates;
* Newton's method with the exact Jacobian in z' (∂/∂v Γ[v, v] = 2 Γ[v, ·]) and a forward difference
  in z (it only steers Newton: what is accepted is checked below), damped by halving the step until
  the residual decreases;
* continuation when Newton from the straight line fails: targets σΔ for σ stepping to 1, each solve
  warm-started from the last;
* N grows (predicted from the decay of the Chebyshev coefficients) until the last three coefficients
  are below 1e-12 of the largest.

Acceptance, the contract of a numerical geodesic in geoanim: the initial-value problem from x0 with
the solution's initial velocity x'(0) alone is integrated again, independently, to t = 1 - by default
by collocation on 1.5 times as many nodes (one step of a collocation Runge-Kutta method of high order,
itself checked for resolution), or by scipy's DOP853 at rtol 1e-13 (``integrator="dop853"``, for tests
and benchmarks: about 50 times slower) - and its end must reproduce the target to ``TOL`` relative to
the extent of the path in coordinates (max |x(t) - x0|∞, at least the separation |Δ|∞); and the
length ∫ √(x'ᵀ g x') dt (Clenshaw-Curtis on the nodes) must equal the initial speed √(x'(0)ᵀ g(x0) x'(0))
to ``TOL`` (a geodesic runs at constant speed). Anything else raises NotConverged (an UnsupportedError), never a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..errors import UnsupportedError

TOL = 1e-10  # the end's error relative to the separation, and the speed's relative spread
TAIL = 1e-12  # Chebyshev coefficients below this (relative to the largest) are resolved
FIRST_N = 17  # nodes of the first solve
MAX_N = 129  # nodes of the finest solve
MAX_ITERATIONS = 30  # Newton steps per solve
FD_STEP = 1e-7  # forward differences in x for the Jacobian (relative to max(1, |x|))

Field = Callable[[np.ndarray], np.ndarray]
Fields = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


class NotConverged(UnsupportedError):
    """The solver gave up: the reason, without naming the endpoints (the caller adds them)."""


# ---------------------------------------------------------------------------------------------
# Chebyshev-Lobatto grids
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """n Chebyshev-Lobatto nodes on [0, 1] and the matrices that act on values there."""

    t: np.ndarray  # nodes, ascending: t_j = (1 - cos(πj/(n-1)))/2
    D: np.ndarray  # d/dt
    D2: np.ndarray  # d²/dt²
    bary: np.ndarray  # barycentric weights
    quad: np.ndarray  # Clenshaw-Curtis weights on [0, 1]
    coef: np.ndarray  # values -> Chebyshev coefficients

    @property
    def n(self) -> int:
        return self.t.size


@lru_cache(maxsize=64)
def grid(n: int) -> Grid:
    m = n - 1
    j = np.arange(n)
    theta = np.pi * j / m
    tau = -np.cos(theta)  # ascending on [-1, 1]
    t = np.sin(0.5 * theta) ** 2  # (1 + τ)/2 without its cancellation at the left end
    w = np.where(j % 2 == 0, 1.0, -1.0)
    w[0] *= 0.5
    w[-1] *= 0.5
    diff = tau[:, None] - tau[None, :]
    np.fill_diagonal(diff, 1.0)
    D = (w[None, :] / w[:, None]) / diff
    np.fill_diagonal(D, 0.0)
    np.fill_diagonal(D, -D.sum(axis=1))  # each row sums to 0: exact on constants (the "negative sum trick")
    D = 2.0 * D  # d/dt = 2 d/dτ
    # coefficients: a_k = (2/m) Σ'' f_j T_k(τ_j), T_k(τ_j) = (-1)^k cos(kθ_j), ends of both sums halved
    k = np.arange(n)
    C = np.cos(np.outer(k, theta)) * (2.0 / m) * np.where(k % 2 == 0, 1.0, -1.0)[:, None]
    C[:, [0, -1]] *= 0.5
    C[[0, -1]] *= 0.5
    # ∫ T_k over [-1, 1] is 2/(1 - k²) for even k, 0 for odd; dt = dτ/2
    even = k % 2 == 0
    moments = np.zeros(n)
    moments[even] = 2.0 / (1.0 - k[even] ** 2)
    return Grid(t, D, D @ D, w, 0.5 * (moments @ C), C)


def interpolate(g: Grid, values: np.ndarray, t) -> np.ndarray:
    """Barycentric interpolation of node ``values`` (n, d) at times ``t`` (m,): exact at the nodes."""
    t = np.atleast_1d(np.asarray(t, dtype=float))
    diff = t[:, None] - g.t[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = g.bary[None, :] / diff
        out = (c @ values) / c.sum(axis=1)[:, None]
    rows, cols = np.nonzero(diff == 0.0)
    out[rows] = values[cols]
    return out


def tail(g: Grid, z: np.ndarray) -> float:
    """The largest of the last three Chebyshev coefficients of z (n, d), relative to the largest one."""
    a = np.abs(g.coef @ z)
    top = float(a.max())
    return float(a[-3:].max()) / top if top > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# the geodesic equation
# ---------------------------------------------------------------------------------------------


def _inverse(g: np.ndarray) -> np.ndarray:
    """Inverses of a stack of matrices (non-finite where one is singular, instead of raising)."""
    if g.shape[-1] == 2:
        a, b, c, d = g[..., 0, 0], g[..., 0, 1], g[..., 1, 0], g[..., 1, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            r = 1.0 / (a * d - b * c)
        out = np.empty_like(g)
        out[..., 0, 0] = d * r
        out[..., 0, 1] = -b * r
        out[..., 1, 0] = -c * r
        out[..., 1, 1] = a * r
        return out
    try:
        return np.linalg.inv(g)
    except np.linalg.LinAlgError:
        return np.full_like(g, np.nan)


def christoffel(g: np.ndarray, dg: np.ndarray, v: np.ndarray, jacobian: bool = False):
    """Γ[v, v] (..., d) from the metric g (..., d, d) and its derivatives dg (..., d, d, d) at the same
    points; with ``jacobian``, also ∂Γ[v, v]/∂v (..., d, d) = 2Γ[v, ·]."""
    W = (dg @ v[..., None, :, None])[..., 0]  # W[i, l] = Σ_j ∂_i g_lj vʲ
    first = (v[..., None, :] @ W)[..., 0, :]  # Σ_i vⁱ W[i, l]
    second = (W @ v[..., :, None])[..., 0]  # Σ_i W[l, i] vⁱ = Σ_ij ∂_l g_ij vⁱ vʲ
    ginv = _inverse(g)
    gamma = (ginv @ (first - 0.5 * second)[..., None])[..., 0]
    if not jacobian:
        return gamma, None
    U = (v[..., :, None, None] * dg).sum(axis=-3)  # U[l, k] = Σ_j vʲ ∂_j g_lk
    return gamma, ginv @ (np.swapaxes(W, -1, -2) + U - W)


def geodesic_rhs(fields: Fields, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """x'' = -Γ(x)[v, v] at points x (..., d) with velocities v."""
    g, dg = fields(x)
    return -christoffel(g, dg, v)[0]


def as_fields(metric: Field | Fields, dmetric: Field | None) -> Fields:
    """One callable x -> (g, ∂g) from the two, or the one that already returns both."""
    if dmetric is None:
        return metric  # type: ignore[return-value]
    plain, derivative = metric, dmetric
    return lambda x: (plain(x), derivative(x))  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Solution:
    """A converged geodesic from x0 to x0 + Δ.

    Attributes:
        length: ∫ √(x'ᵀ g x') dt (Clenshaw-Curtis on the nodes; 0.0 exactly for Δ = 0).
        start: x0. delta: Δ. scale: s = |Δ|∞ (the unknowns are z = (x - x0)/s).
        values: z at the nodes, (n, d).
        velocity: x'(0).
        end_error: |x_ivp(1) - (x0 + Δ)|∞ relative to the path's extent max_t |x(t) - x0|∞ (at least
            |Δ|∞), x_ivp integrated from (x0, x'(0)) alone.
        speed_error: |length - √(x'(0)ᵀ g(x0) x'(0))| / length (a geodesic has constant speed).
        n: the number of nodes. continuation: whether the solve needed continuation.
        integrator: what integrated the initial-value problem for the check.
    """

    length: float
    start: np.ndarray
    delta: np.ndarray
    scale: float
    values: np.ndarray
    velocity: np.ndarray
    end_error: float
    speed_error: float
    n: int
    continuation: bool = False
    integrator: str = "collocation"

    def offset(self, t) -> np.ndarray:
        """x(t) - x0: (d,) for a scalar t, (m, d) for an array; exactly 0 and Δ at the ends."""
        ts = np.atleast_1d(np.asarray(t, dtype=float))
        if self.scale == 0.0:
            out = np.zeros((ts.size, self.start.size))
        else:
            out = self.scale * interpolate(grid(self.n), self.values, ts)
            out[ts == 1.0] = self.delta
            out[ts == 0.0] = 0.0
        return out if np.ndim(t) else out[0]

    def point(self, t) -> np.ndarray:
        """x(t): (d,) for a scalar t, (m, d) for an array."""
        return self.start + self.offset(t)


# ---------------------------------------------------------------------------------------------
# the solver
# ---------------------------------------------------------------------------------------------


def solve(metric: Field | Fields, dmetric: Field | None, start, delta, *, integrator: str = "collocation",
          max_n: int = MAX_N, max_iterations: int = MAX_ITERATIONS) -> Solution:
    """The geodesic from ``start`` to ``start + delta``.

    Args:
        metric, dmetric: x (..., d) -> g (..., d, d) and -> ∂g (..., d, d, d), ∂g[..., k, i, j] = ∂_k g_ij;
            or ``metric`` returning the pair (g, ∂g) and ``dmetric`` None.
        start: x0, (d,). delta: Δ = x1 - x0, given by the caller without cancellation (close endpoints
            keep their digits only if Δ has them).
        integrator: "collocation" or "dop853": what integrates the initial-value problem of the check.
        max_n: the most nodes to try. max_iterations: Newton steps per solve.

    Raises:
        NotConverged: no solve passed the acceptance check (the message says which part failed).
    """
    fields = as_fields(metric, dmetric)
    x0 = np.asarray(start, dtype=float).ravel()
    delta = np.asarray(delta, dtype=float).ravel()
    d = x0.size
    if not (np.all(np.isfinite(x0)) and np.all(np.isfinite(delta))):
        raise NotConverged("the endpoints' coordinates are not finite")
    s = float(np.abs(delta).max()) if d else 0.0
    if s == 0.0:
        return Solution(0.0, x0, delta, 0.0, np.zeros((2, d)), np.zeros(d), 0.0, 0.0, 2, integrator=integrator)
    problem = _Problem(fields, x0, s, delta / s)
    z, n, continued = _refine(problem, max_n, max_iterations)
    g = grid(n)
    v = g.D @ z
    fx, _ = fields(x0 + s * z)
    speeds = np.sqrt(np.maximum(np.einsum("mi,mij,mj->m", v, fx, v), 0.0))
    length = s * float(g.quad @ speeds)
    # z'(0) = z(1) - ∫ (1 - t) z''(t) dt with z'' from the equation: rounding in the differentiation
    # matrix's first row grows like n², the quadrature's does not (100 times closer on long geodesics)
    accel, _, _ = problem.accel(z, v)
    v0 = problem.target + (g.quad * (1.0 - g.t)) @ accel
    speed0 = s * math.sqrt(max(float(v0 @ fx[0] @ v0), 0.0))
    speed_error = abs(speed0 - length) / length if length > 0 else math.inf
    if not (math.isfinite(length) and speed_error <= TOL):
        raise NotConverged(f"the length and the initial speed differ by {speed_error:.1e} (not a constant-speed "
                           "curve)")
    # the end's error relative to the extent of the path in coordinates (at least the separation)
    extent = float(np.abs(z).max())
    if integrator == "dop853":
        end_error = problem.integrate_dop853(v0) / extent
    else:
        end_error = problem.integrate_collocation(g, z, v0, max_iterations) / extent
    if not end_error <= TOL:
        raise NotConverged(f"integrating from its initial velocity misses the end by {end_error:.1e} of the "
                           "path's extent")
    return Solution(length, x0, delta, s, z, s * v0, end_error, speed_error, n, continued, integrator)


def _refine(problem: _Problem, max_n: int, max_iterations: int) -> tuple[np.ndarray, int, bool]:
    """The collocation solution on the first grid that resolves it: (z, n, whether continuation was used).

    Newton from the straight line on FIRST_N nodes (continuation where that fails), then on finer grids
    from the coarser solution; where a jump to a much finer grid fails, a grid half way is tried
    first (its solution is the better start), and where the gap is small, continuation on that grid.
    """
    n = min(FIRST_N, max_n)
    z = np.outer(grid(n).t, problem.target)
    z_prev, n_prev = None, 0
    continued = False
    while True:
        g = grid(n)
        guess = z if z_prev is None else interpolate(grid(n_prev), z_prev, g.t)
        z_new, ok = problem.solve_bvp(g, guess, max_iterations, coarse=n < max_n)
        if not ok and (z_prev is None or n - n_prev <= 16):
            z_new, ok = problem.continuation(g, max_iterations)
            continued = True
        if not ok:
            if z_prev is not None and n - n_prev > 16:
                n = _odd((n + n_prev) // 2)  # a grid half way, from the same coarse solution
                continue
            raise NotConverged(f"Newton's method did not converge on {n} nodes"
                               + (" (with continuation)" if continued else ""))
        rest = tail(g, z_new)
        if rest <= TAIL:
            return z_new, n, continued
        if n >= max_n:
            raise NotConverged(f"the geodesic is not resolved by {n} nodes (Chebyshev tail {rest:.1e})")
        z_prev, n_prev = z_new, n
        n = _next_size(n, rest, max_n)


def _next_size(n: int, rest: float, max_n: int) -> int:
    """The next number of nodes: where the coefficients' geometric decay so far reaches TAIL (with a
    margin), at least 8 more; odd, so the midpoint t = 1/2 is a node."""
    if 0.0 < rest < 1.0:
        needed = n * math.log(TAIL) / math.log(rest)
        target = max(n + 8, math.ceil(1.2 * needed))
    else:
        target = 2 * n - 1
    return min(_odd(target), max_n)


def _odd(n: int) -> int:
    return n + 1 - n % 2


class _Problem:
    """z'' + s Γ(x0 + s z)[z', z'] = 0, z(0) = 0, z(1) = target, on collocation grids."""

    def __init__(self, fields: Fields, x0: np.ndarray, s: float, target: np.ndarray):
        self.fields = fields
        self.x0, self.s, self.target = x0, s, target
        d = self.d = x0.size
        # forward-difference steps, one per coordinate, on the scale of the coordinates the path can reach
        self.h = FD_STEP * np.maximum(1.0, np.abs(x0) + s)
        self.displace = np.concatenate([np.zeros((1, d)), np.diag(self.h)])[:, None, :]  # (1 + d, 1, d)
        self.blocks: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def accel(self, z: np.ndarray, v: np.ndarray, jacobian: bool = False):
        """a = s Γ(x0 + s z)[v, v] at each row, and with ``jacobian`` ∂a/∂z (forward differences) and ∂a/∂v."""
        s = self.s
        x = self.x0 + s * z
        with np.errstate(all="ignore"):
            if not jacobian:
                g, dg = self.fields(x)
                return s * christoffel(g, dg, v)[0], None, None
            # the base points and d displaced copies, in one call of the metric
            X = x + self.displace
            g, dg = self.fields(X)
            gamma, jv = christoffel(g, dg, np.broadcast_to(v, X.shape), jacobian=True)
            assert jv is not None
            jz = ((gamma[1:] - gamma[0]) * (s / self.h)[:, None, None]).transpose(1, 2, 0)  # [m, l, k] = ∂a_l/∂z_k
        return s * gamma[0], s * jz, s * jv[0]

    def _blocks(self, g: Grid, cols: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the interior rows and the unknown columns: D2 ⊗ I as (m, d, c, d), D as (m, 1, c, 1),
        and the index of each row's own column."""
        key = (g.n, cols.start)
        if key not in self.blocks:
            inner = slice(1, g.n - 1)
            eye = np.eye(self.d)
            self.blocks[key] = (g.D2[inner, cols][:, None, :, None] * eye[None, :, None, :],
                                g.D[inner, cols][:, None, :, None], np.arange(g.n - 2) + 1 - cols.start)
        return self.blocks[key]

    def ode(self, g: Grid, z: np.ndarray, cols: slice, jacobian: bool):
        """The residual at the interior nodes, (n-2, d), and its Jacobian in the node values ``cols``."""
        inner = slice(1, g.n - 1)
        v = g.D @ z
        a, jz, jv = self.accel(z[inner], v[inner], jacobian)
        r = (g.D2 @ z)[inner] + a
        if not jacobian:
            return r, None
        assert jz is not None and jv is not None
        D2blk, Dblk, own = self._blocks(g, cols)
        J = D2blk + jv[:, :, None, :] * Dblk
        rows = np.arange(g.n - 2)
        J[rows, :, own, :] += jz
        return r, J

    def solve_bvp(self, g: Grid, z: np.ndarray, iterations: int, target: np.ndarray | None = None,
                  coarse: bool = False):
        """(z, converged) for the boundary-value problem from the guess z (n, d); ``coarse``: stop once
        the steps are 100 times below what the grid resolves (its Chebyshev tail), as a finer grid follows."""
        z = z.copy()
        z[0] = 0.0
        z[-1] = self.target if target is None else target
        cols = slice(1, g.n - 1)

        def system(u: np.ndarray, jacobian: bool):
            z[cols] = u.reshape(-1, self.d)
            r, J = self.ode(g, z, cols, jacobian)
            return r.ravel(), (None if J is None else J.reshape(r.size, r.size))

        def enough(u: np.ndarray, size: float) -> bool:
            z[cols] = u.reshape(-1, self.d)
            return size < 1e-2 * tail(g, z)

        u, ok = _newton(system, z[cols].ravel(), iterations, enough if coarse else None)
        z[cols] = u.reshape(-1, self.d)
        return z, ok

    def continuation(self, g: Grid, iterations: int):
        """Solve towards σ·target for σ stepping from 0 (the constant path) to 1, warm-starting each."""
        z = np.zeros((g.n, self.d))
        done, step = 0.0, 0.5
        while done < 1.0:
            sigma = min(1.0, done + step)
            trial = z + np.outer(g.t, (sigma - done) * self.target)
            z_new, ok = self.solve_bvp(g, trial, iterations, sigma * self.target)
            if ok:
                z, done = z_new, sigma
                step *= 2.0
            else:
                step *= 0.25
                if step < 1e-3:
                    return z, False
        return z, True

    def integrate_collocation(self, g: Grid, z: np.ndarray, velocity: np.ndarray, iterations: int) -> float:
        """|z_ivp(1) - target|∞ for the initial-value problem z(0) = 0, z'(0) = velocity, collocated on
        1.5 n nodes (the equation at the interior nodes, the velocity at 0; started from z, solved by
        Newton), or inf where that solve fails or does not resolve its solution."""
        fine = grid(_odd(3 * g.n // 2))
        y = interpolate(g, z, fine.t)
        y[0] = 0.0
        cols = slice(1, fine.n)
        d = self.d
        eye = np.eye(d)
        start_row = fine.D[0, cols][None, None, :, None] * eye[None, :, None, :]

        def system(u: np.ndarray, jacobian: bool):
            y[cols] = u.reshape(-1, d)
            r, J = self.ode(fine, y, cols, jacobian)
            r = np.concatenate([(fine.D[0] @ y - velocity)[None], r])
            if J is None:
                return r.ravel(), None
            return r.ravel(), np.concatenate([start_row, J]).reshape(r.size, r.size)

        with np.errstate(all="ignore"):
            u, ok = _newton(system, y[cols].ravel(), iterations)
        y[cols] = u.reshape(-1, d)
        if not ok or not np.all(np.isfinite(y)) or tail(fine, y) > TAIL:
            return math.inf
        return float(np.abs(y[-1] - self.target).max())

    def integrate_dop853(self, velocity: np.ndarray) -> float:
        """|z_ivp(1) - target|∞ for z_ivp from z(0) = 0, z'(0) = velocity, by scipy's DOP853 at rtol 1e-13."""
        from scipy.integrate import solve_ivp

        d = self.d

        def rhs(_t, y):
            a, _, _ = self.accel(y[None, :d], y[None, d:])
            return np.concatenate([y[d:], -a[0]])

        with np.errstate(all="ignore"):
            sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([np.zeros(d), velocity]), method="DOP853",
                            rtol=1e-13, atol=1e-13)
        if not sol.success:
            return math.inf
        err = float(np.abs(sol.y[:d, -1] - self.target).max())
        return err if math.isfinite(err) else math.inf


def _newton(system: Callable[[np.ndarray, bool], tuple[np.ndarray, np.ndarray | None]], u: np.ndarray,
            iterations: int, enough: Callable[[np.ndarray, float], bool] | None = None) -> tuple[np.ndarray, bool]:
    """Damped Newton on system(u) = 0, u of unit size; returns (u, converged).

    A step is halved until the residual decreases (Newton from far away overshoots). Once steps are
    below 1e-6 the Jacobian is kept (chord steps: still converging by a factor of about 1e-6 each).
    Converged: a step below 1e-12, or steps below 1e-9 that stop shrinking (the rounding floor of the
    collocation), or ``enough(u, step)`` (a coarse grid needs no more digits than it resolves);
    whether that is good enough is for the caller's acceptance check to decide.
    """
    r, J = system(u, True)
    norm = float(np.abs(r).max())
    last = math.inf
    for _ in range(iterations):
        if not math.isfinite(norm) or J is None:
            return u, False
        try:
            step = np.linalg.solve(J, r)
        except np.linalg.LinAlgError:
            return u, False
        size = float(np.abs(step).max())
        if not math.isfinite(size):
            return u, False
        tiny = size < 1e-9
        chord = size < 1e-6
        lam = 1.0
        trial = u - step
        r2, J2 = system(trial, not chord)
        n2 = float(np.abs(r2).max())
        while not (math.isfinite(n2) and (n2 < norm or tiny)):
            lam *= 0.5
            if lam < 1e-3:
                return u, False
            trial = u - lam * step
            r2, J2 = system(trial, False)
            n2 = float(np.abs(r2).max())
        if J2 is None and not chord:
            r2, J2 = system(trial, True)
        u, r, norm = trial, r2, n2
        if J2 is not None:
            J = J2
        if lam == 1.0 and (size < 1e-12 or (tiny and size > 0.5 * last)):
            return u, True
        if lam == 1.0 and enough is not None and enough(u, size):
            return u, True
        last = size if lam == 1.0 else math.inf
    return u, False
