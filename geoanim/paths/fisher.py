"""Fisher-Rao: the Fisher information metric itself, on the endpoints' common family.

Each family declares how its Fisher metric reduces to a known space (``fisher_chart``, see
geoanim.families.charts), and the routes here read that declaration:

* HalfPlane (normal, Laplace, Cauchy, ...): the scaled Poincaré half-plane, closed form,
* ArcLength (exponential, Poisson, ...): one dimension, reparametrised to arc length,
* Sphere (categorical on a shared support): the sphere of radius 2 through 2√p,
* Riemannian (gamma, beta): no closed form; the geodesic equations solved numerically by Chebyshev
  collocation (bvp.py), accepted only when the path's end reproduces the target to 1e-10,
* multivariate normals: exact (closed forms where they exist, else Eriksen's exponential map and
  a Newton shooting solve, accepted only when the path reproduces the endpoint; see mvn.py),
* any other pair: the nonparametric geometry on all densities (the same sphere in L²).

Distances are evaluated in forms without cancellation near 0 (asinh, atan2, Hellinger sums).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError, ValidationError
from ..families.charts import ArcLength, HalfPlane, Riemannian, Sphere, same_fixed
from . import bvp, densities, mvn
from .base import Path, geodesic_path
from .registry import SameFamilyWith, define_metric, route
from .spaces import (
    halfplane_distance,
    halfplane_gap,
    halfplane_geodesic,
    slerp_weights,
    sphere_distance,
    sqrt_difference,
)

define_metric(
    "fisher", aliases=("fisher-rao",), title="Fisher-Rao", colors=("#D55E00", "#FF8A3D"), order=10,
    summary="Fisher-Rao on the endpoints' common family; all densities when they share none",
    convention="ds² is the Fisher information metric itself, with no extra factor (normal: (dμ² + 2dσ²)/σ²)")


def _same_model(p, q) -> bool:
    """p and q agree on their chart's fixed parameters (binomials of one n, t laws of one df)."""
    return same_fixed(p, q, "fisher_chart")


@route("fisher", fam.Univariate, fam.Univariate, model="same family", method="closed form",
       when=SameFamilyWith("fisher_chart", HalfPlane, lambda p, q: _same_model(p, q),
                           "equal fixed parameters, such as Student's df"), note="scaled Poincaré half-plane")
def halfplane(p, q) -> Path:
    """k² ((a·dloc)² + dscale²)/scale²: the half-plane in (a·loc, scale), distances times k."""
    h: HalfPlane = type(p).fisher_chart
    k, a = h.scales(p)
    # x relative to p's location: a * (loc2 - loc1), not a * loc2 - a * loc1, which cancels for
    # close locations (normal(5, 2) vs normal(5 + 2^-40, 2 + 2^-38) lost 6 digits of its distance)
    loc1, y1 = h.coords(p)
    loc2, y2 = h.coords(q)
    # the half-plane's distances are invariant under z -> z / s: work in units of a power of two
    # that keeps every coordinate and difference finite (laplace(-1e308, 1) to laplace(1e308, 1):
    # loc2 - loc1 overflowed to inf, for a true distance of about 1420)
    e = 0
    if not math.isfinite(loc2 - loc1):
        # as far towards unit size as the smaller scale allows without leaving the normal floats
        e = max(1, min(math.frexp(max(abs(loc1), abs(loc2)))[1], math.frexp(min(y1, y2))[1] + 1021))
        loc1, loc2, y1, y2 = (math.ldexp(v, -e) for v in (loc1, loc2, y1, y2))
    x1, x2 = 0.0, a * (loc2 - loc1)
    if h.gap is not None and not e:  # charts whose coordinates are computed: their differences directly
        dloc, dy = h.gap(p, q)
        length = k * halfplane_gap(a * dloc, dy, y1, y2)
    else:
        length = k * halfplane_distance(x1, y1, x2, y2)
    if e:
        curve = halfplane_geodesic(x1, y1, x2, y2)

        def point(t):
            x, y = curve(t)
            loc, scale = math.ldexp(loc1 + x / a, e), math.ldexp(y, e)
            if not (math.isfinite(loc) and math.isfinite(scale) and scale > 0):
                # the distance is known (in logarithms), but the path's points span more orders of
                # magnitude than one normalisation of the half-plane can hold
                raise UnsupportedError(f"fisher: the geodesic from {p} to {q} spans more than the floating-point "
                                       "range; its length is known, its points are not")
            return h.build(p, loc, scale)
    elif x1 == x2:
        # same location: y(t) = y1 (y2/y1)^t exactly, the vertical geodesic; log y2 - log y1, as
        # y2 / y1 overflows for scales such as 1e-300 and 1e300 (and exp(t * ratio) with it)
        ratio = math.log(y2) - math.log(y1)

        def point(t):
            st = t * ratio
            return h.build(p, loc1, y1 * math.exp(st) if abs(st) < 700 else math.exp(math.log(y1) + st))
    else:
        curve = halfplane_geodesic(x1, y1, x2, y2)

        def point(t):
            x, y = curve(t)
            return h.build(p, loc1 + x / a, y)

    return geodesic_path(p, q, model=p.family, length=length, method="closed form", point=point)


@route("fisher", fam.Univariate, fam.Univariate, model="same family", method="closed form",
       when=SameFamilyWith("fisher_chart", ArcLength, lambda p, q: _same_model(p, q),
                           "equal fixed parameters, such as binomial's n"), note="one parameter, by arc length")
def arc_length(p, q) -> Path:
    """One parameter θ with arc-length coordinate φ(θ): distance |Δφ|, φ linear in t."""
    c: ArcLength = type(p).fisher_chart
    a, b = getattr(p, c.param), getattr(q, c.param)
    phi1, delta = c.phi(a), c.delta(a, b)
    move = c.move if c.move is not None else (lambda a0, s: c.phi_inv(phi1 + s))
    factor = c.factor(p) if c.factor is not None else 1.0
    return geodesic_path(p, q, model=p.family, length=factor * abs(delta), method="closed form",
                         point=lambda t: c.build(p, move(a, t * delta)))


def _same_support(p, q) -> bool:
    c: Sphere = type(p).fisher_chart
    return getattr(p, c.support) == getattr(q, c.support)


@route("fisher", fam.Univariate, fam.Univariate, model="same family", method="closed form",
       when=SameFamilyWith("fisher_chart", Sphere, _same_support, "same support"), note="sphere through 2√p")
def sphere(p, q) -> Path:
    """p -> 2√p onto the sphere of radius 2: distance 4 atan2(|√p - √q|, |√p + √q|), slerp on √p."""
    c: Sphere = type(p).fisher_chart
    cls = type(p)
    probs_p, probs_q = getattr(p, c.probs), getattr(q, c.probs)
    sp, sq = np.sqrt(np.array(probs_p)), np.sqrt(np.array(probs_q))
    length = sphere_distance(math.fsum(sqrt_difference(probs_p, probs_q) ** 2))
    support = getattr(p, c.support)

    def point(t):
        a, b = slerp_weights(length / 2, t)
        r = (a * sp + b * sq) ** 2
        return cls(**{c.probs: tuple(r / math.fsum(r)), c.support: support})

    return geodesic_path(p, q, model=p.family, length=length, method="closed form", point=point)


_NUMERICAL: dict[str, Any] = dict(
    model="same family", method="numerical (collocation, end checked to 1e-10)",
    when=SameFamilyWith("fisher_chart", Riemannian, lambda p, q: _same_model(p, q), "equal fixed parameters"),
    note="no closed form: Chebyshev collocation and Newton, accepted when the path's end reproduces q",
    refuses="pairs whose geodesic cannot be certified in floating point (very long ones) or leaves the "
            "family's parameter domain")


@route("fisher", fam.Univariate, fam.Univariate, **_NUMERICAL)
@route("fisher", fam.Multivariate, fam.Multivariate, **_NUMERICAL)  # Dirichlet
def numerical(p, q) -> Path:
    """The geodesic equations of the family's Fisher metric, solved between p and q (bvp.solve).

    Solved in one canonical order of the endpoints, so that d(p, q) and d(q, p) agree to the last bit
    and the path from q to p is this one backwards. The coordinates' difference comes from the chart
    without cancellation, and the solver works in it: nearby laws keep their digits.
    """
    flip = str(q) < str(p)
    a, b = (q, p) if flip else (p, q)
    c: Riemannian = type(a).fisher_chart
    try:
        sol = bvp.solve(c.fields, None, c.coords(a), c.delta(a, b))
    except bvp.NotConverged as exc:
        raise UnsupportedError(f"fisher: the numerical geodesic from {p} to {q} did not converge "
                               f"({exc.message})") from None
    # every point of the path must be a member: the solution at its nodes, checked once here
    try:
        for x in sol.point(bvp.grid(sol.n).t[1:-1]):
            c.build(a, x)
    except ValidationError as exc:
        raise UnsupportedError(f"fisher: the geodesic from {p} to {q} leaves the family ({exc.message})") from None
    method = f"numerical (Chebyshev collocation, {sol.n} nodes; end reproduced to {max(sol.end_error, 1e-16):.0e})"
    path = geodesic_path(a, b, model=a.family, length=sol.length, method=method,
                         point=lambda t: c.build(a, sol.point(t)))
    return path.reversed() if flip else path


@route("fisher", fam.Univariate, fam.Univariate, model="densities", method="as fisher-np",
       note="no common family: the sphere of all densities")
def any_pair(p, q) -> Path:
    return densities.nonparametric(p, q)


# ---------------------------------------------------------------------------------------------
# multivariate normals
# ---------------------------------------------------------------------------------------------


@route("fisher", fam.MVNormal, fam.MVNormal, model="mvnormal", method="exact",
       note="closed forms (fixed mean, one-dimensional), else exponential map + Newton shooting to 1e-10")
def normals(p: fam.MVNormal, q: fam.MVNormal) -> Path:
    """The exact Fisher-Rao geodesic between multivariate normals (any dimension).

    Solved in one canonical order of the endpoints (so d(p, q) and d(q, p) agree to the last bit)
    after the affine map sending p to N(0, I): q becomes N(v, I + E) with E = L⁻¹ (S2 - S1) L⁻ᵀ
    formed from the difference of the covariances, which keeps close endpoints' distances to full
    relative precision (docs/math.md#fisher-rao-multivariate-normals).
    """
    if str(q) < str(p):
        return normals(q, p).reversed()
    mu1, S1 = p.mu, p.sigma
    L = np.linalg.cholesky(S1)
    Linv = np.linalg.inv(L)
    v = Linv @ (q.mu - mu1)
    E = Linv @ (q.sigma - S1) @ Linv.T
    E = 0.5 * (E + E.T)
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(E))):
        raise UnsupportedError(f"fisher: {p} and {q} are too far apart to compare in floating point")

    def back(m, S):  # undo the affine map x -> L^-1 (x - mu1)
        return fam.MVNormal.from_arrays(mu1 + L @ m, L @ S @ L.T)

    reduced = _one_dimensional(v, E)
    if not v.any():
        # fixed mean: the SPD geodesic W^t, length sqrt(1/2 sum log^2 eig W), eig W = 1 + eig E: by
        # log1p near 1, and from W itself far from 1 (1 + E cancels for an eigenvalue of 1e-308)
        w, V = np.linalg.eigh(E)
        W = Linv @ q.sigma @ Linv.T
        direct = np.einsum("ij,ik,kj->j", V, 0.5 * W + 0.5 * W.T, V)  # v' W v for each eigenvector
        with np.errstate(divide="ignore"):
            logw = np.where(np.abs(w) < 0.5, np.log1p(w), np.log(direct))
        length = math.sqrt(0.5 * float(np.sum(logw * logw)))
        point = lambda t: back(np.zeros_like(v), (V * np.exp(t * logw)) @ V.T)  # noqa: E731
        method = "closed form (fixed mean)"
    elif reduced is not None:
        e, s2m1, others, V = reduced
        # the normal family along e, with the other eigen-directions fixed (their variances are
        # equal at both ends and the subfamily is totally geodesic): the univariate half-plane,
        # with sqrt(1 + s2m1) - 1 formed without cancellation
        hk, ha = fam.Normal.fisher_chart.scales(None)
        m = float(e @ v)
        y2 = math.sqrt(1.0 + s2m1)
        dy = s2m1 / (1.0 + y2)
        length = hk * halfplane_gap(ha * m, dy, 1.0, y2)
        curve = halfplane_geodesic(0.0, 1.0, ha * m, y2)

        def point(t):
            x, y = curve(t)
            var = np.array(others, dtype=float)
            var[0] = y * y
            return back((x / ha) * e, (V * var) @ V.T)

        method = "closed form (one-dimensional)"
    else:
        method = "exact (closed-form exponential map, Newton shooting to 1e-10)"
        small = mvn.small_geodesic(v, E)
        if small is not None:
            length, local = small
            method = "closed form (second order at the midpoint, exact to rounding this close)"
            point = lambda t: back(*local(t))  # noqa: E731
            return geodesic_path(p, q, model="mvnormal", length=length, method=method, point=point)
        try:
            length, point = _shoot(p, q)
        except (UnsupportedError, np.linalg.LinAlgError):
            # the boundary problem can be better conditioned from the other end: solve q -> p and
            # run that path backwards (the geodesic is unique, the reverse is the same curve)
            try:
                length, reverse = _shoot(q, p)
            except np.linalg.LinAlgError:  # non-finite entries: expm of the velocity overflowed
                raise UnsupportedError(f"fisher: the geodesic solve between {p} and {q} did not converge "
                                       "(the exponential map overflows at this separation)") from None
            point = lambda t: reverse(1.0 - t)  # noqa: E731
            method += ", solved from the far end"
    return geodesic_path(p, q, model="mvnormal", length=length, method=method, point=point)


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
        return fam.MVNormal.from_arrays(mu1 + L @ m, L @ S @ L.T)

    return mvn.fisher_length(x, B), point


def _one_dimensional(v: np.ndarray, E: np.ndarray):
    """If N(v, I + E) differs from N(0, I) along one direction e only (v = m e, E = (s2 - 1) e e'),
    return (e, s2 - 1, the variances along (e, e-perp basis), that basis as columns); else None.

    Then the geodesic stays in {N(m e, diag(s^2, 1, ...))}: the set fixed by every reflection
    across e's orthogonal complement, hence totally geodesic, where the metric is the univariate
    normal one in (m, s).
    """
    if not v.any():
        return None
    w = v / np.abs(v).max()  # scaled first: the norm of (0, 1e300) overflows
    e = w / np.linalg.norm(w)
    s2m1 = float(e @ E @ e)
    # relative to E itself: an absolute tolerance took any nearly identical pair (E ~ 1e-12) for a
    # one-dimensional one, whatever the shape of E
    if np.abs(E - s2m1 * np.outer(e, e)).max() > 1e-12 * np.abs(E).max():
        return None
    # an orthonormal basis starting with e
    Q, _ = np.linalg.qr(np.column_stack([e, np.eye(len(v))]))
    Q = Q[:, : len(v)]
    Q[:, 0] = e
    variances = np.ones(len(v))
    variances[0] = 1.0 + s2m1
    return e, s2m1, variances, Q


@route("fisher", fam.Multivariate, fam.Multivariate, model="densities", method="as fisher-np",
       note="clouds, or a normal and a cloud: the sphere of all densities")
def any_planar_pair(p, q) -> Path:
    return densities.nonparametric_plane(p, q)
