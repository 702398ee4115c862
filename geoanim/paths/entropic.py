"""Entropic optimal transport with blur ε, and its Schrödinger bridge.

The plan minimises E|x - y|² + ε KL(π | p ⊗ q) (POT's ``reg`` is ε); the number shown is √OT_ε, the
square root of the optimum's value: a cost, not a distance (it is positive from p to p, is at least
W2 and tends to W2 as ε -> 0). The path is the Schrödinger bridge with a Brownian reference of
variance ε/2 per unit time: the plan's pairs (x, y) drawn, then each moves as a Brownian bridge, at
time t a normal with mean (1 - t) x + t y and variance (ε/2) t (1 - t) per coordinate.

* Normals (any dimension): closed form (Janati et al. 2020). With σ² = ε/2, D = (4 A^½ B A^½ + σ⁴ I)^½,
  the plan's cross-covariance C = ½ A^½ D A^-½ - (σ²/2) I and
  OT_ε = |Δm|² + tr A + tr B - tr D + d σ² (1 - log 2σ²) + σ² log det(D + σ² I); the bridge stays
  normal, mean (1 - t) m0 + t m1, covariance (1 - t)² A + t² B + t (1 - t)(C + Cᵀ + σ² I). On the line
  the plan's correlation is ρ = 4√(AB) / (√(16AB + ε²) + ε), written without cancellation.
* Atoms and clouds: the plan by scaling iterations and then Newton's method (:func:`_sinkhorn`), its
  marginal error measured and reported; the bridge is a mixture of normals (one per pair).
* Other laws on the line: cut into cells (:mod:`cells`), the cells' widths kept as the pieces'
  spread; the discretisation error is measured with cells twice as wide and reported.

(docs/math.md#entropic-transport-and-the-schrodinger-bridge)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.base import Matrix, Param, Positive, Reals, num, param, register
from ..families.clouds import Cloud
from . import cells
from .base import Path, geodesic_path
from .registry import blend_colors, define_metric, route
from .transport import squared_distances
from .unbalanced import MAX_PAIRS, backtrack, kernel, newton_direction, scaling

BLUE, VIOLET = ("#0072B2", "#56B4E9"), ("#7B4FA0", "#B89AD8")  # wasserstein's colours, and a blur violet


def _colors(values: dict[str, Any]) -> tuple[str, str]:
    """From the transport blue (ε small: the plan is sharp) to violet (ε large: a diffusion)."""
    s = min(max(math.log10(values["eps"]) / 4.0 + 0.5, 0.15), 0.95)
    return blend_colors(BLUE[0], BLUE[1], VIOLET[0], VIOLET[1], s)


define_metric(
    "entropic", order=38, aliases=("sinkhorn", "schrodinger", "schroedinger", "entropic-ot"),
    title="entropic OT (\u03b5 = {eps})", colors=_colors, show_model=False, constant_speed=False, cost=True,
    ground=True, length_name="\u221aOT_\u03b5",
    summary="entropic optimal transport with blur ε and its Schrödinger bridge (Brownian pairs): a diffusion "
            "between the endpoints; the number is √OT_ε, a cost (≥ W2, -> W2 as ε -> 0), not a path length",
    convention="OT_ε = min E|x - y|² + ε KL(π | p ⊗ q) (POT's reg = ε); √OT_ε shown; the bridge's Brownian "
               "reference has variance ε/2 per unit time",
    params=(Param("eps", Positive(), doc="blur ε > 0 (a squared length: the units of E|x - y|²)"),),
    examples=("entropic(0.5)",))

NEGLIGIBLE = 1e-13
"""Atoms or cells lighter than this (of the total) are left out of the plan (see _sinkhorn)."""

SINKHORN_TOL = 1e-10
"""Relative marginal error of every point the plan is solved to."""



# ---------------------------------------------------------------------------------------------
# points of the bridge
# ---------------------------------------------------------------------------------------------


@register("bridge_line")
@dataclass(frozen=True)
class BridgeLine(cells.NormalPieces):
    """A mixture of normals on the line: a point of an entropic bridge between atoms or cells (each
    pair of the plan a Brownian bridge; the cells' own width kept as a floor on the spread)."""

    locations: tuple[float, ...] = param(Reals(), role="location", doc="the pieces' means")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (sum 1)")
    sds: tuple[float, ...] = param(cells.Masses(), role="scale", doc="their standard deviations")
    family = "bridge_line"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses, self.sds)

    @functools.cached_property
    def _pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return np.array(self.locations), np.array(self.masses), np.array(self.sds)

    def describe(self, exact: bool = False) -> str:
        return f"mean {num(self.mean)}, sd {num(math.sqrt(self.var))}"


@register("bridge_cloud")
@dataclass(frozen=True)
class BridgeCloud(cells.RoundPieces):
    """A mixture of round normals of one sd in the plane: a point of an entropic bridge between
    clouds (the pairs' means (1 - t) x + t y, the Brownian bridge's sd √((ε/2) t (1 - t)))."""

    locations: tuple[tuple[float, ...], ...] = param(Matrix(), role="location", doc="the pieces' means [x, y]")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (sum 1)")
    sd: float = param(Positive(), role="scale", doc="the pieces' common standard deviation")
    family = "bridge_cloud"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses, dim=2)

    @functools.cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m = np.array(self.masses)
        return np.array(self.locations, dtype=float).reshape(-1, 2), m, np.full(m.shape, self.sd)

    def describe(self, exact: bool = False) -> str:
        return f"blur sd {num(self.sd)}"


# ---------------------------------------------------------------------------------------------
# normals: closed form
# ---------------------------------------------------------------------------------------------


def _normal_line(p: fam.Normal, q: fam.Normal, eps: float) -> tuple[float, float]:
    """(OT_ε, the plan's correlation ρ) between normals on the line, without cancellation."""
    a, b = p.std, q.std
    g = a * b  # √(AB)
    s = math.sqrt(16.0 * g * g + eps * eps)
    rho = 4.0 * g / (s + eps)
    one_minus_rho = (eps + eps * eps / (s + 4.0 * g)) / (s + eps)  # 1 - ρ, from √(16AB + ε²) - 4√AB
    # A + B - 2ρ√(AB) = (a - b)² + 2√(AB)(1 - ρ); KL(π | p ⊗ q) = -½ log(1 - ρ²)
    value = ((p.mean - q.mean) ** 2 + (a - b) ** 2 + 2.0 * g * one_minus_rho
             - 0.5 * eps * math.log(one_minus_rho * (1.0 + rho)))
    return value, rho


@route("entropic", fam.Normal, fam.Normal, model="normal", method="closed form",
       note="ρ = 4√(AB) / (√(16AB + ε²) + ε); the bridge stays normal")
def normals_line(p: fam.Normal, q: fam.Normal, eps: float) -> Path:
    value, rho = _normal_line(p, q, eps)
    a, b, half = p.std, q.std, 0.5 * eps
    dm = q.mean - p.mean

    def point(t: float):
        var = ((1 - t) * a) ** 2 + (t * b) ** 2 + t * (1 - t) * (2.0 * rho * a * b + half)
        return fam.Normal(p.mean + t * dm, math.sqrt(var))

    return geodesic_path(p, q, model="normal", length=math.sqrt(value), method="closed form", point=point)


def _sqrtm(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S^½, S^-½) of a symmetric positive definite matrix."""
    w, V = np.linalg.eigh(0.5 * (S + S.T))
    w = np.maximum(w, np.finfo(float).tiny)
    r = np.sqrt(w)
    return (V * r) @ V.T, (V / r) @ V.T


@route("entropic", fam.MVNormal, fam.MVNormal, model="mvnormal", method="closed form (Janati et al.)",
       note="D = (4 A^½ B A^½ + σ⁴)^½, σ² = ε/2; the bridge stays normal")
def normals(p: fam.MVNormal, q: fam.MVNormal, eps: float) -> Path:
    A, B = p.sigma, q.sigma
    d = len(p.mu)
    s2 = 0.5 * eps
    Ah, Aih = _sqrtm(A)
    D, _ = _sqrtm(4.0 * Ah @ B @ Ah + s2 * s2 * np.eye(d))
    C = 0.5 * Ah @ D @ Aih - 0.5 * s2 * np.eye(d)
    _, logdet = np.linalg.slogdet(D + s2 * np.eye(d))
    dm = q.mu - p.mu
    value = (float(dm @ dm) + float(np.trace(A) + np.trace(B) - np.trace(D))
             + d * s2 * (1.0 - math.log(2.0 * s2)) + s2 * logdet)
    cross = C + C.T + s2 * np.eye(d)

    def point(t: float):
        S = (1 - t) ** 2 * A + t * t * B + t * (1 - t) * cross
        return fam.MVNormal.from_arrays(p.mu + t * dm, S)

    return geodesic_path(p, q, model="mvnormal", length=math.sqrt(max(value, 0.0)),
                         method="closed form (Janati et al.)", point=point)


# ---------------------------------------------------------------------------------------------
# atoms, clouds and cells: Sinkhorn
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
    rows: np.ndarray
    cols: np.ndarray
    mass: np.ndarray
    value: float  # OT_ε of this plan
    violation: float  # L1 marginal error of the plan before rounding
    error: float  # estimate of the absolute error of the value


def _sinkhorn(P: cells.Atoms, Q: cells.Atoms, eps: float) -> _Plan:
    """The entropic plan: scaling iterations (Sinkhorn, the potentials absorbed into the kernel) with
    ε-scaling, then Newton's method on the dual to SINKHORN_TOL (Sinkhorn alone needs of the order
    of max(M)/ε iterations for small blurs; Newton settles in a few steps from there). Each law is
    centred on its own mean first: |x - y|² = |x̃ - ỹ|² + |Δm|² + 2Δm·(x̃ - ỹ), whose last term has
    expectation 0 under every coupling, so the plan is the same and OT_ε shifts by |Δm|², while
    exp(-M/ε) stays representable. The plan is then rounded onto the exact marginals (Altschuler,
    Weed and Rigollet's rounding: rows and columns scaled down where they exceed, the deficit added
    as a product) and its value computed from the rounded plan."""
    a, b = P.m / P.m.sum(), Q.m / Q.m.sum()
    # masses below NEGLIGIBLE are left out (the rest renormalised): moving mass δ changes OT_ε by at
    # most about δ·max M, added to the error; their potentials would otherwise be unsettled
    live_a, live_b = np.flatnonzero(a >= NEGLIGIBLE), np.flatnonzero(b >= NEGLIGIBLE)
    dropped = float(a[a < NEGLIGIBLE].sum() + b[b < NEGLIGIBLE].sum())
    x, y, a, b = P.x[live_a], Q.x[live_b], a[live_a] / a[live_a].sum(), b[live_b] / b[live_b].sum()
    n, m = len(a), len(b)
    if n * m > MAX_PAIRS:
        raise UnsupportedError(f"entropic: {n:,} x {m:,} point pairs is more than the {MAX_PAIRS:,} the solver "
                               "takes (about 2,000 points a side)")
    mx, my = a @ x, b @ y
    M = squared_distances(x - mx, y - my, max_bytes=8 * MAX_PAIRS)
    shift = float(np.sum((mx - my) ** 2))
    with np.errstate(all="ignore"):
        f, g = _potentials(M, a, b, eps)
        G = np.exp(np.minimum((f[:, None] + g[None, :] - M) / eps, 700.0)) * a[:, None] * b[None, :]
    violation = float(np.abs(G.sum(axis=1) - a).sum() + np.abs(G.sum(axis=0) - b).sum())
    if not (np.all(np.isfinite(G)) and violation < 1e-6):
        raise UnsupportedError(f"entropic: the solver did not converge for ε = {num(eps)} between these laws "
                               "(try a larger ε)")
    # rounding onto the marginals (Altschuler, Weed, Rigollet 2017, Algorithm 2)
    G = G * np.minimum(a / np.maximum(G.sum(axis=1), 1e-300), 1.0)[:, None]
    G = G * np.minimum(b / np.maximum(G.sum(axis=0), 1e-300), 1.0)[None, :]
    da, db = a - G.sum(axis=1), b - G.sum(axis=0)
    if da.sum() > 0:
        G = G + np.outer(da, db) / da.sum()
    rows, cols = np.nonzero(G > 0)
    gm = G[rows, cols]
    violation += dropped
    ratio_ab = gm / (a[rows] * b[cols])
    value = shift + math.fsum(gm * M[rows, cols]) + eps * math.fsum(gm * np.log(ratio_ab))
    # moving mass δ changes the cost by at most δ·max M, and the entropy by about δ·(log of the
    # plan's range): an estimate, reported with the method
    spread = float(np.log(ratio_ab.max()) - np.log(ratio_ab.min()))
    error = violation * (float(M.max()) + eps * spread)
    return _Plan(live_a[rows], live_b[cols], gm, value, violation, error)


def _potentials(M: np.ndarray, a: np.ndarray, b: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The dual potentials at ε: blurs from a tenth of the largest cost down to ε by factors of 4,
    each warm-started from the last; at each, 100 scaling iterations (the potentials absorbed into
    the kernel, so nothing overflows) and then Newton's method, to a relative marginal error of 1e-6
    on the way and SINKHORN_TOL at ε."""
    stages = [eps]
    while stages[-1] < 0.1 * float(M.max()):
        stages.append(stages[-1] * 4.0)
    f, g = np.zeros(len(a)), np.zeros(len(b))
    for e in reversed(stages):
        f, g = scaling(M - f[:, None] - g[None, :], a, b, f, g, e, iterations=100, balanced=True)
        f, g = _newton(M, a, b, e, f, g, SINKHORN_TOL if e == eps else 1e-6)
    return f, g


def _newton(M, a, b, eps, f, g, tol, steps=50):
    """Maximise D(f, g) = a·f + b·g - ε Σ a_i b_j e^((f_i + g_j - M_ij)/ε) by Newton's method, on
    the pairs within 40ε of tight (the rest weigh under e^-40); g's last entry is held (D does not
    change when f gains what g loses). Stops when every marginal is within ``tol`` relatively."""
    n, m = len(a), len(b)
    la, lb = np.log(a), np.log(b)
    rows, cols = kernel(M - f[:, None] - g[None, :], 40.0 * eps)
    cost = M[rows, cols]

    def parts(f, g):
        plan = np.exp((f[rows] + g[cols] - cost) / eps + la[rows] + lb[cols])
        return float(a @ f + b @ g - eps * plan.sum()), plan

    D, plan = parts(f, g)
    for _ in range(steps):
        u = np.bincount(rows, weights=plan, minlength=n)
        v = np.bincount(cols, weights=plan, minlength=m)
        grad = np.concatenate([a - u, b - v])
        if np.all(np.abs(grad) <= tol * np.concatenate([a, b])):
            break
        # -ε·Hessian: [diag(u), plan; planᵀ, diag(v)], g's last entry held
        step = newton_direction(rows, cols, plan, np.concatenate([u, v]), eps * grad, n, hold_last=True)
        if not np.all(np.isfinite(step)):
            break
        found = backtrack(parts, f, g, step, D)
        if found is None:
            break
        f, g, D, plan = found
    return f, g


def _measure(d: fam.Distribution, coarsen: int = 1) -> cells.Atoms:
    return cells.atoms(d, "entropic", coarsen)


def _method(kind: str, plan: _Plan) -> str:
    return f"{kind}; Sinkhorn and Newton to marginals within {plan.violation:.0e}"


@route("entropic", fam.Univariate, fam.Univariate, model="distributions", method="entropic plan (Sinkhorn and Newton)",
       note=f"atoms as they are, densities cut into {cells.CELLS}-{2 * cells.CELLS} cells (discretisation error "
            "measured with cells twice as wide); the bridge a mixture of normals",
       refuses="laws with heavy tails (no cells hold all but 1e-9 of their mass)")
def line(p, q, eps: float) -> Path:
    P, Q = _measure(p), _measure(q)
    plan = _sinkhorn(P, Q, eps)
    value, error = plan.value, plan.error
    kind = "entropic plan"
    if P.width is not None or Q.width is not None:
        coarse = _sinkhorn(_measure(p, 2), _measure(q, 2), eps)
        disc = cells.discretisation_error(value, coarse.value, plan.error, coarse.error)
        error += disc
        kind = f"discretised on {cells.CELLS}-{2 * cells.CELLS} cells a law (error ~{disc:.1e} in OT_ε)"
    length = math.sqrt(max(value, 0.0))
    x0, x1 = P.x[plan.rows, 0], Q.x[plan.cols, 0]
    w0 = P.width[plan.rows] if P.width is not None else np.zeros(len(plan.rows))
    w1 = Q.width[plan.cols] if Q.width is not None else np.zeros(len(plan.cols))
    g = plan.mass
    heavy = g > 1e-15 * g.max()
    x0, x1, w0, w1, g = x0[heavy], x1[heavy], w0[heavy], w1[heavy], g[heavy]

    def point(t: float):
        blur = 0.5 * eps * t * (1 - t)
        sd = np.sqrt(blur + ((1 - t) * w0 + t * w1) ** 2)
        centre, mass, spread = cells.gather(x0 + t * (x1 - x0), g, sd)
        return BridgeLine(tuple(float(v) for v in centre), tuple(float(v) for v in mass / mass.sum()),
                          tuple(float(v) for v in spread))

    return geodesic_path(p, q, model="distributions", length=length, method=_method(kind, plan), point=point,
                         error=cells.root_error(value, error))


@route("entropic", Cloud, Cloud, model="distributions", method="entropic plan (Sinkhorn and Newton)",
       note="clouds and planar atoms; the bridge a mixture of round normals")
def clouds(p, q, eps: float) -> Path:
    P, Q = _measure(p), _measure(q)
    plan = _sinkhorn(P, Q, eps)
    value = plan.value
    length = math.sqrt(max(value, 0.0))
    heavy = plan.mass > 1e-12 * plan.mass.max()
    x0, x1, g = P.x[plan.rows[heavy]], Q.x[plan.cols[heavy]], plan.mass[heavy]
    extent = float(np.ptp(np.concatenate([P.x, Q.x]), axis=0).max()) or 1.0

    def point(t: float):
        sd = math.sqrt(0.5 * eps * t * (1 - t))
        # pieces closer than a quarter of the sd (or 1/2000 of the picture) drawn as one
        centre, mass, _ = cells.gather(x0 + t * (x1 - x0), g, sd, floor=extent / 2000.0)
        return BridgeCloud(tuple(tuple(float(v) for v in r) for r in centre),
                           tuple(float(v) for v in mass / mass.sum()), sd)

    return geodesic_path(p, q, model="distributions", length=length, method=_method("entropic plan", plan),
                         point=point, error=cells.root_error(value, plan.error))
