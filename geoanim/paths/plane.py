"""Geodesics between distributions in the plane (and higher dimensions): multivariate normals and
weighted point clouds.

* fisher, mvnormal pair: the exact Fisher-Rao geodesic (closed forms by reduction where they
  exist, otherwise Eriksen's exponential map and a Newton shooting solve; see mvn.py).
* wasserstein, mvnormal pair: Bures-Wasserstein distance and the McCann interpolant (closed form).
* wasserstein, clouds: the exact optimal coupling (assignment for equal uniform clouds, POT's
  network simplex otherwise), then displacement interpolation: each coupled pair moves straight.
* fisher-np (and fisher for pairs without a common family): the sphere through sqrt(p): the
  Bhattacharyya coefficient of two normals in closed form, atoms compared location by location,
  a normal and a cloud mutually singular (distance pi, a cross-fade).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from . import mvn
from .base import Path

FR, W2 = "Fisher-Rao", "Wasserstein-2"


def _pair(p, q) -> None:
    if p.dim != q.dim:
        raise UnsupportedError(f"the endpoints live in different dimensions ({p.dim} and {q.dim})")
    for d in (p, q):
        if not isinstance(d, (fam.MVNormal, fam.Cloud, FisherNPPoint2D)):
            raise UnsupportedError(f"{d.family} is one-dimensional; in {p.dim}-D use mvnormal, points2d or samples")


# ---------------------------------------------------------------------------------------------
# Fisher-Rao between normals
# ---------------------------------------------------------------------------------------------


def _mvn(mu: np.ndarray, S: np.ndarray) -> fam.MVNormal:
    S = 0.5 * (S + S.T)
    return fam.MVNormal(tuple(float(v) for v in mu), tuple(tuple(float(v) for v in r) for r in S))


def fisher_normals(p: fam.MVNormal, q: fam.MVNormal) -> Path:
    mu1, S1, mu2, S2 = p.mu, p.sigma, q.mu, q.sigma
    L = np.linalg.cholesky(S1)
    Linv = np.linalg.inv(L)
    v = Linv @ (mu2 - mu1)
    W = Linv @ S2 @ Linv.T
    W = 0.5 * (W + W.T)

    def back(m, S):  # undo the affine map x -> L^-1 (x - mu1)
        return _mvn(mu1 + L @ m, L @ S @ L.T)

    reduced = _one_dimensional(v, W)
    if not v.any():
        # fixed mean: the SPD geodesic W^t, length sqrt(1/2 sum log^2 eig W)
        w, V = np.linalg.eigh(W)
        logw = np.log(w)
        length = math.sqrt(0.5 * float(np.sum(logw * logw)))
        point = lambda t: back(np.zeros_like(v), (V * np.exp(t * logw)) @ V.T)  # noqa: E731
        method = "closed form (fixed mean)"
    elif reduced is not None:
        e, s2, others, V = reduced
        # the normal family along e, with the other eigen-directions fixed (their variances are
        # equal at both ends and the subfamily is totally geodesic): the univariate half-plane
        from .fisher import _HALFPLANE, halfplane_distance, halfplane_geodesic

        h = _HALFPLANE["normal"]
        m = float(e @ v)
        x2, y2 = h.a * m, math.sqrt(s2)
        length = h.k * halfplane_distance(0.0, 1.0, x2, y2)
        curve = halfplane_geodesic(0.0, 1.0, x2, y2)

        def point(t):
            x, y = curve(t)
            var = np.array(others, dtype=float)
            var[0] = y * y
            return back((x / h.a) * e, (V * var) @ V.T)

        method = "closed form (one-dimensional)"
    else:
        method = "exact (closed-form exponential map, Newton shooting to 1e-10)"
        try:
            length, point = _shoot(p, q)
        except UnsupportedError:
            # the boundary problem can be better conditioned from the other end: solve q -> p and
            # run that path backwards (the geodesic is unique, the reverse is the same curve)
            length, reverse = _shoot(q, p)
            point = lambda t: reverse(1.0 - t)  # noqa: E731
            method += ", solved from the far end"
    return Path(p, q, "fisher", FR, "mvnormal", length, method, point)


def _shoot(p: fam.MVNormal, q: fam.MVNormal):
    """Length and t -> point of the geodesic from p to q by the shooting solve (see mvn.py)."""
    L = np.linalg.cholesky(p.sigma)
    Linv = np.linalg.inv(L)
    v = Linv @ (q.mu - p.mu)
    W = Linv @ q.sigma @ Linv.T
    with np.errstate(over="ignore", invalid="ignore"):
        x, B = mvn.solve_velocity(v, 0.5 * (W + W.T))
    mu1 = p.mu

    def point(t):
        with np.errstate(over="ignore", invalid="ignore"):
            m, S = mvn.exp_map(x, B, t)
        return _mvn(mu1 + L @ m, L @ S @ L.T)

    return mvn.fisher_length(x, B), point


def _one_dimensional(v: np.ndarray, W: np.ndarray):
    """If N(v, W) differs from N(0, I) along one direction e only (v = m e, W = I + (s2 - 1) e e'),
    return (e, s2, the variances along (e, e-perp basis), that basis as columns); else None.

    Then the geodesic stays in {N(m e, diag(s^2, 1, ...))}: the set fixed by every reflection
    across e's orthogonal complement, hence totally geodesic, where the metric is the univariate
    normal one in (m, s).
    """
    if not v.any():
        return None
    e = v / np.linalg.norm(v)
    s2 = float(e @ W @ e)
    P = np.outer(e, e)
    expected = np.eye(len(v)) + (s2 - 1.0) * P
    if np.abs(W - expected).max() > 1e-13 * max(1.0, np.abs(W).max()):
        return None
    # an orthonormal basis starting with e
    Q, _ = np.linalg.qr(np.column_stack([e, np.eye(len(v))]))
    Q = Q[:, : len(v)]
    Q[:, 0] = e
    variances = np.ones(len(v))
    variances[0] = s2
    return e, s2, variances, Q


# ---------------------------------------------------------------------------------------------
# Wasserstein-2
# ---------------------------------------------------------------------------------------------


def wasserstein_normals(p: fam.MVNormal, q: fam.MVNormal) -> Path:
    mu1, S1, mu2, S2 = p.mu, p.sigma, q.mu, q.sigma
    r1 = mvn.sym_fn(S1, np.sqrt)
    r1inv = mvn.sym_fn(S1, lambda w: 1 / np.sqrt(w))
    T = r1inv @ mvn.sym_fn(r1 @ S2 @ r1, np.sqrt) @ r1inv  # the optimal linear map: T S1 T = S2
    T = 0.5 * (T + T.T)
    I = np.eye(len(mu1))
    # W2^2 = |dm|^2 + E|(T - I) X|^2 = |dm|^2 + tr((T - I) S1 (T - I)): no cancellation as S2 -> S1
    D = T - I
    length = math.sqrt(float(np.sum((mu2 - mu1) ** 2)) + max(float(np.trace(D @ S1 @ D)), 0.0))

    def point(t):
        M = (1 - t) * I + t * T
        return _mvn((1 - t) * mu1 + t * mu2, M @ S1 @ M)

    return Path(p, q, "wasserstein", W2, "mvnormal", length, "closed form (Bures-Wasserstein)", point)


def optimal_coupling(p: fam.Cloud, q: fam.Cloud) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact optimal coupling for squared Euclidean cost: (source points, target points, masses)."""
    x, a = p.atoms2d()
    y, b = q.atoms2d()
    cost = ((x[:, None, :] - y[None, :, :]) ** 2).sum(axis=2)
    if len(x) == len(y) and np.allclose(a, a[0], rtol=1e-12) and np.allclose(b, b[0], rtol=1e-12):
        # equal uniform clouds: an optimal plan is a permutation (Birkhoff), found exactly
        from scipy.optimize import linear_sum_assignment

        i, j = linear_sum_assignment(cost)
        return x[i], y[j], a[i]
    try:
        import ot
    except ImportError:  # pragma: no cover - a declared dependency
        raise UnsupportedError("wasserstein between clouds of unequal sizes or weights needs POT (pip install pot)")
    a = a / a.sum()
    b = b / b.sum()
    plan = ot.emd(a, b, cost, numItermax=10_000_000)
    i, j = np.nonzero(plan > 1e-15)
    masses = plan[i, j]
    if abs(masses.sum() - 1) > 1e-9:
        raise UnsupportedError("wasserstein: the exact transport solver did not converge for these clouds")
    return x[i], y[j], masses / masses.sum()


def wasserstein_clouds(p: fam.Cloud, q: fam.Cloud) -> Path:
    xs, ys, m = optimal_coupling(p, q)
    length = math.sqrt(float(np.sum(m * ((xs - ys) ** 2).sum(axis=1))))
    w = tuple(m / m.sum())

    def point(t):
        z = (1 - t) * xs + t * ys
        return fam.Points2D(tuple(tuple(r) for r in z), w)

    return Path(p, q, "wasserstein", W2, "distributions", length, "exact (optimal coupling)", point)


# ---------------------------------------------------------------------------------------------
# nonparametric Fisher-Rao
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=128)
def hellinger_squared_plane(p, q) -> tuple[float, str]:
    """sum/integral of (sqrt p - sqrt q)^2 over continuous parts and atoms."""
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal):
        return -2.0 * math.expm1(log_bc_normals(p, q)), "closed form"
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        locs, mp, mq = union_atoms(p, q)
        return float(np.sum((mp - mq) ** 2 / np.maximum(np.sqrt(mp) + np.sqrt(mq), 1e-300) ** 2)), "exact"
    return 2.0, "exact (mutually singular)"


def log_bc_normals(p: fam.MVNormal, q: fam.MVNormal) -> float:
    """log of the Bhattacharyya coefficient of two normals (closed form)."""
    S1, S2 = p.sigma, q.sigma
    S = 0.5 * (S1 + S2)
    dm = q.mu - p.mu
    _, ld = np.linalg.slogdet(S)
    _, l1 = np.linalg.slogdet(S1)
    _, l2 = np.linalg.slogdet(S2)
    return float(-0.125 * dm @ np.linalg.solve(S, dm) - 0.5 * ld + 0.25 * (l1 + l2))


def union_atoms(p, q):
    lp, mp = p.atoms2d()
    lq, mq = q.atoms2d()
    locs = np.unique(np.concatenate([lp, lq]), axis=0)
    return locs, _on(locs, lp, mp), _on(locs, lq, mq)


def _on(locs, l, m):
    index = {tuple(r): k for k, r in enumerate(locs)}
    out = np.zeros(len(locs))
    for r, w in zip(l, m):
        out[index[tuple(r)]] += w
    return out


@fam.register("fisher_np_interpolant2d")
@dataclass(frozen=True)
class FisherNPPoint2D(fam.Distribution):
    """Point at time t of the nonparametric Fisher-Rao geodesic in the plane: density
    (a sqrt p + b sqrt q)^2 on the continuous parts, (a sqrt P + b sqrt Q)^2 on the atoms."""

    start: fam.Distribution
    end: fam.Distribution
    t: float
    family: ClassVar[str] = "fisher_np_interpolant2d"
    SPEC_SIGNATURE: ClassVar = (("start", "end", "t"), 3, ("dist", "dist", "num"))

    def __post_init__(self):
        _pair(self.start, self.end)
        object.__setattr__(self, "t", fam.unit_time("fisher_np_interpolant2d", self.t))
        from .fisher import slerp_weights, sphere_distance

        h2, _ = hellinger_squared_plane(self.start, self.end)
        object.__setattr__(self, "_ab", slerp_weights(sphere_distance(h2) / 2, self.t))

    @property
    def dim(self) -> int:  # type: ignore[override]
        return self.start.dim

    @property
    def kind(self) -> str:  # type: ignore[override]
        kinds = {self.start.kind, self.end.kind}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def var(self) -> float:
        return math.nan

    def __str__(self):
        return f"fisher_np_interpolant2d({self.start}, {self.end}, {fam.fmt(self.t)})"

    def params(self):
        return {"start": self.start.to_dict(), "end": self.end.to_dict(), "t": self.t}

    def pdf(self, x):
        a, b = self._ab
        parts = [np.sqrt(d.pdf(x)) if isinstance(d, fam.MVNormal) else 0.0 for d in (self.start, self.end)]
        return (a * parts[0] + b * parts[1]) ** 2 + np.zeros(np.shape(x)[:-1])

    def atoms2d(self):
        a, b = self._ab
        clouds = [d for d in (self.start, self.end) if isinstance(d, fam.Cloud)]
        if not clouds:
            return np.empty((0, self.dim)), np.empty(0)
        if len(clouds) == 2:
            locs, mp, mq = union_atoms(self.start, self.end)
            m = (a * np.sqrt(mp) + b * np.sqrt(mq)) ** 2
        else:
            locs, w = clouds[0].atoms2d()
            m = (a if clouds[0] is self.start else b) ** 2 * w
        keep = m > 0
        return locs[keep], m[keep]

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean vector and covariance matrix of the point, exactly: r = a^2 p + b^2 q + 2ab sqrt(pq)
        on the continuous parts (sqrt(pq) of two normals is BC N(m, S) with precision (S1^-1 + S2^-1)/2),
        plus the atoms."""
        a, b = self._ab
        pieces = []  # (mass, first moment, second moment) of each part of r
        for w, d in ((a * a, self.start), (b * b, self.end)):
            if isinstance(d, fam.MVNormal):
                pieces.append((w, w * d.mu, w * (d.sigma + np.outer(d.mu, d.mu))))
        if isinstance(self.start, fam.MVNormal) and isinstance(self.end, fam.MVNormal):
            P1, P2 = np.linalg.inv(self.start.sigma), np.linalg.inv(self.end.sigma)
            S = np.linalg.inv(0.5 * (P1 + P2))
            m = S @ (0.5 * (P1 @ self.start.mu + P2 @ self.end.mu))
            c = 2 * a * b * math.exp(log_bc_normals(self.start, self.end))
            pieces.append((c, c * m, c * (S + np.outer(m, m))))
        locs, masses = self.atoms2d()
        if masses.size:
            pieces.append((float(masses.sum()), masses @ locs, (locs.T * masses) @ locs))
        mass = sum(piece[0] for piece in pieces)
        mean = sum(piece[1] for piece in pieces) / mass
        return mean, sum(piece[2] for piece in pieces) / mass - np.outer(mean, mean)

    def box(self, k: float = 3.0):
        boxes = [d.box(k) for d in (self.start, self.end)]
        return np.minimum(boxes[0][0], boxes[1][0]), np.maximum(boxes[0][1], boxes[1][1])


def fisher_np_plane(p, q, metric: str) -> Path:
    from .fisher import slerp_weights, sphere_distance

    h2, method = hellinger_squared_plane(p, q)
    length = sphere_distance(h2)
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        locs, mp, mq = union_atoms(p, q)
        sp, sq = np.sqrt(mp), np.sqrt(mq)

        def point(t):
            a, b = slerp_weights(length / 2, t)
            r = (a * sp + b * sq) ** 2
            keep = r > 0
            return fam.Points2D(tuple(tuple(v) for v in locs[keep]), tuple(r[keep] / r[keep].sum()))
    else:
        point = lambda t: FisherNPPoint2D(p, q, t)  # noqa: E731
    return Path(p, q, metric, FR, "densities", length, method, point)


# ---------------------------------------------------------------------------------------------
# dispatch from the registered metrics
# ---------------------------------------------------------------------------------------------


def fisher(p, q) -> Path:
    _pair(p, q)
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal):
        return fisher_normals(p, q)
    return fisher_np_plane(p, q, "fisher")


def fisher_np(p, q) -> Path:
    _pair(p, q)
    return fisher_np_plane(p, q, "fisher-np")


def wasserstein(p, q) -> Path:
    _pair(p, q)
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal):
        return wasserstein_normals(p, q)
    if isinstance(p, fam.Cloud) and isinstance(q, fam.Cloud):
        return wasserstein_clouds(p, q)
    raise UnsupportedError("wasserstein between a normal and a point cloud (semi-discrete transport) is not "
                           "supported; supported in 2-D: mvnormal - mvnormal (Bures-Wasserstein), "
                           "cloud - cloud (exact coupling)")
