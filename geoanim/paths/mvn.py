"""Geometry of multivariate normals: exact Fisher-Rao geodesics and Bures-Wasserstein (numpy only).

Fisher-Rao: ds^2 = dmu' S^-1 dmu + 1/2 tr((S^-1 dS)^2). It is invariant under affine maps of the
sample space, so every problem is first moved to start at N(0, I): with S1 = L L', the map
x -> L^-1 (x - mu1) sends p to N(0, I) and q to N(v, W), v = L^-1 (mu2 - mu1), W = L^-1 S2 L^-T.

From N(0, I) with initial velocity (x, B) the geodesic is known in closed form (Eriksen 1987):
Lambda(t) = expm(t A) with the *symmetric* block matrix A = [[-B, x, 0], [x', 0, -x'], [0, -x, B]],
and Sigma(t) = Delta(t)^-1, mu(t) = Delta(t)^-1 delta(t) for Delta = Lambda[:d, :d],
delta = Lambda[:d, d]. Its length is sqrt(x'x + tr(B^2) / 2). The boundary problem - which (x, B)
reaches (v, W) at t = 1 - is solved by Newton's method on the blocks themselves
(Delta(1) = W^-1 and delta(1) = W^-1 v, both linear in expm), with the exact Jacobian: A is
symmetric, so one eigendecomposition gives expm and, through divided differences of exp on the
eigenvalues, its Frechet derivative in every direction. Newton starts from the fixed-mean solution
and walks the mean offset from 0 to v (continuation) when a direct solve stalls. Convergence is
judged by the endpoint itself: the solve raises unless the path's end reproduces q to 1e-10.

Closed forms are used directly where they exist: fixed mean (SPD geodesic W^t), and problems that
reduce to one dimension (equal covariance, or mean offset along an eigenvector of W with no other
change): the univariate half-plane geodesic along that axis.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import UnsupportedError
from .spaces import divided_exp, sym_fn

TOL = 1e-10  # endpoint residual (relative) a solve must reach


def _block(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    d = x.size
    A = np.zeros((2 * d + 1, 2 * d + 1))
    A[:d, :d] = -B
    A[:d, d] = x
    A[d, :d] = x
    A[d, d + 1:] = -x
    A[d + 1:, d] = -x
    A[d + 1:, d + 1:] = B
    return A


def _unknowns(d: int) -> list[tuple[str, int, int]]:
    return [("x", i, i) for i in range(d)] + [("B", i, j) for i in range(d) for j in range(i, d)]


def _pack(x: np.ndarray, B: np.ndarray) -> np.ndarray:
    d = x.size
    iu = np.triu_indices(d)
    return np.concatenate([x, B[iu]])


def _unpack(z: np.ndarray, d: int) -> tuple[np.ndarray, np.ndarray]:
    x = z[:d].copy()
    B = np.zeros((d, d))
    iu = np.triu_indices(d)
    B[iu] = z[d:]
    B = B + B.T - np.diag(np.diag(B))
    return x, B


def _residual_and_jacobian(z: np.ndarray, d: int, Dt: np.ndarray, dt: np.ndarray):
    """Residual [vech(Delta(1) - Dt), delta(1) - dt] and its exact Jacobian in z = (x, vech B)."""
    x, B = _unpack(z, d)
    A = _block(x, B)
    lam, V = np.linalg.eigh(A)
    E = np.exp(lam)
    Lam = (V * E) @ V.T
    iu = np.triu_indices(d)
    res = np.concatenate([(Lam[:d, :d] - Dt)[iu], Lam[:d, d] - dt])
    D = divided_exp(lam)
    J = np.empty((res.size, z.size))
    for k, (kind, i, j) in enumerate(_unknowns(d)):
        dA = np.zeros_like(A)
        if kind == "x":
            dA[i, d] = dA[d, i] = 1.0
            dA[d, d + 1 + i] = dA[d + 1 + i, d] = -1.0
        else:
            dA[i, j] = dA[j, i] = -1.0
            dA[d + 1 + i, d + 1 + j] = dA[d + 1 + j, d + 1 + i] = 1.0
        dL = V @ ((V.T @ dA @ V) * D) @ V.T
        J[:, k] = np.concatenate([dL[:d, :d][iu], dL[:d, d]])
    return res, J, Lam


def exp_map(x: np.ndarray, B: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """(mu(t), Sigma(t)) of the geodesic from N(0, I) with initial velocity (x, B)."""
    d = x.size
    lam, V = np.linalg.eigh(t * _block(x, B))
    Lam = (V * np.exp(lam)) @ V.T
    Delta, delta = Lam[:d, :d], Lam[:d, d]
    Sigma = np.linalg.inv(Delta)
    Sigma = 0.5 * (Sigma + Sigma.T)
    return Sigma @ delta, Sigma


def _newton(z: np.ndarray, d: int, Dt: np.ndarray, dt: np.ndarray, iterations: int = 40) -> tuple[np.ndarray, float]:
    """Damped Newton on the block residual; returns the last iterate and its scaled residual.

    A step is halved until the residual decreases (Newton from far away overshoots); when no
    step decreases it, Newton has stalled (at rounding level, or lost) and the iterate is returned
    for the caller to judge.
    """
    scale = max(1.0, np.abs(Dt).max(), np.abs(dt).max())
    res, J, _ = _residual_and_jacobian(z, d, Dt, dt)
    err = float(np.abs(res).max()) / scale
    for _ in range(iterations):
        if not math.isfinite(err) or err < 1e-14:
            break
        try:
            step = np.linalg.solve(J, res)
        except np.linalg.LinAlgError:
            break
        lam = 1.0
        while lam > 1e-4:
            trial = z - lam * step
            r2, J2, _ = _residual_and_jacobian(trial, d, Dt, dt)
            e2 = float(np.abs(r2).max()) / scale
            if math.isfinite(e2) and e2 < err:
                break
            lam *= 0.5
        else:
            break
        z, res, J, err = trial, r2, J2, e2  # the accepted trial's Jacobian serves the next step
    return z, (err if math.isfinite(err) else math.inf)


def solve_velocity(v: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Initial velocity (x, B) of the Fisher-Rao geodesic from N(0, I) to N(v, W).

    Raises UnsupportedError when no solve reproduces the endpoint to TOL.
    """
    d = v.size
    Winv = np.linalg.inv(W)
    Winv = 0.5 * (Winv + Winv.T)
    B0 = sym_fn(W, np.log)  # the fixed-mean geodesic W^t
    z = _pack(np.zeros(d), B0)
    # continuation in the mean offset: reach N(s v, W) for s stepping to 1, each solve warm-started
    s, step = 0.0, 1.0
    while s < 1.0:
        target = min(1.0, s + step)
        vt = target * v
        z_new, err = _newton(z, d, Winv, Winv @ vt)
        # a step is taken when Newton stalls at rounding level; whether the final solve is good
        # enough is decided below, by the endpoint itself
        if err < 1e-10:
            z, s = z_new, target
            step = min(1.0, step * 2)
        else:
            step /= 4
            if step < 1e-3:
                raise UnsupportedError("fisher: the geodesic solve between these normals did not converge")
    x, B = _unpack(z, d)
    mu1, S1 = exp_map(x, B, 1.0)
    err = max(np.abs(mu1 - v).max() / max(1.0, np.abs(v).max()),
              np.abs(S1 - W).max() / np.abs(W).max())
    if not err < TOL:
        raise UnsupportedError(f"fisher: the geodesic solve missed the endpoint (residual {err:.1e})")
    return x, B


SMALL = 1e-5  # below this separation the midpoint metric is exact to rounding (its error is O(d²))


def small_geodesic(v: np.ndarray, E: np.ndarray):
    """For N(0, I) and N(v, I + E) closer than SMALL: (length, t -> (mu, Sigma)), or None when farther.

    The length is that of (v, E) in the Fisher metric at the coordinate midpoint M = I + E/2,
    sqrt(vᵀ M⁻¹ v + ½ tr((M⁻¹ E)²)): the geodesic distance up to a relative O(d²) (the midpoint rule
    cancels the O(d) term). The path is the second-order solution of the geodesic equations
    mu'' = Sigma' Sigma⁻¹ mu', Sigma'' = Sigma' Sigma⁻¹ Sigma' - mu' mu'ᵀ with the boundary values:
    gamma(t) = (1 - t) p + t q + ½ t (t - 1) gamma'', gamma'' taken at the midpoint, off the
    geodesic by O(d³). For endpoints this close both are exact to rounding, unlike the shooting
    solve, whose velocity has only the absolute accuracy of rounding (1e-16 absolute on a distance
    of 1e-12 is 1e-4 relative).
    """
    scale = math.sqrt(float(v @ v) + 0.5 * float(np.sum(E * E)))
    if not scale < SMALL:
        return None
    M = np.eye(v.size) + 0.5 * E
    Minv = np.linalg.inv(M)
    A = Minv @ E
    length = math.sqrt(float(v @ Minv @ v) + 0.5 * float(np.sum(A * A.T)))
    acc_mu = E @ Minv @ v
    acc_sigma = E @ Minv @ E - np.outer(v, v)
    eye = np.eye(v.size)

    def point(t: float) -> tuple[np.ndarray, np.ndarray]:
        bend = 0.5 * t * (t - 1.0)
        return t * v + bend * acc_mu, eye + t * E + bend * acc_sigma

    return length, point


def fisher_length(x: np.ndarray, B: np.ndarray) -> float:
    return math.sqrt(float(x @ x) + 0.5 * float(np.sum(B * B)))
