"""Entropic optimal transport and its Schrödinger bridge: the Gaussian closed forms against an
independent Sinkhorn on a fine grid, the limits in ε, the plan's optimality conditions and the
bridge's marginals (docs/math.md#entropic-transport-and-the-schrodinger-bridge)."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext

import numpy as np
import ot
import pytest
from scipy.stats import norm

from geoanim import parse
from geoanim.errors import GeoanimError
from geoanim.families import MVNormal
from geoanim.paths import entropic
from geoanim.paths.registry import geodesic


def ent(p, q, eps: float):
    return geodesic(parse(p) if isinstance(p, str) else p, parse(q) if isinstance(q, str) else q, f"entropic({eps})")


def grid_value(m0, s0, m1, s1, eps, n=400):
    """OT_ε between two normals cut into n cells each on [-10, 10], by POT's log-domain Sinkhorn
    (an independent computation: its own grid, its own value formula)."""
    edges = np.linspace(-10, 10, n + 1)
    x = 0.5 * (edges[1:] + edges[:-1])
    a = np.diff(norm.cdf(edges, m0, s0))
    b = np.diff(norm.cdf(edges, m1, s1))
    a, b = a / a.sum(), b / b.sum()
    keep_a, keep_b = a > 1e-300, b > 1e-300
    a, b, x, y = a[keep_a], b[keep_b], x[keep_a], x[keep_b]
    M = (x[:, None] - y[None, :]) ** 2
    G = ot.bregman.sinkhorn_log(a, b, M, eps, numItermax=20000, stopThr=1e-12)
    keep = G > 0
    ab = (a[:, None] * b[None, :])[keep]
    return float(np.sum(G * M) + eps * np.sum(G[keep] * np.log(G[keep] / ab)))


@pytest.mark.parametrize("eps", [0.3, 1.0, 3.0])
def test_gaussian_closed_form_against_sinkhorn_on_a_fine_grid(eps):
    value = ent("normal(-1, 1)", "normal(2, 0.5)", eps).length ** 2
    # 400 cells of width 1/20: the cells add about w²/12 to each variance, so agreement to ~2e-5
    assert value == pytest.approx(grid_value(-1, 1, 2, 0.5, eps), rel=5e-5)


def test_closed_form_is_janati_in_one_dimension_and_separates_in_two():
    """The 1-D ρ formula and the d-dimensional Janati formula agree, and independent coordinates add."""
    eps = 0.7
    p, q = parse("normal(0.5, 1.3)"), parse("normal(-1, 0.4)")
    v1 = ent(p, q, eps).length ** 2
    P = MVNormal.from_arrays(np.array([0.5, 2.0]), np.diag([1.3 ** 2, 0.8 ** 2]))
    Q = MVNormal.from_arrays(np.array([-1.0, 1.0]), np.diag([0.4 ** 2, 1.5 ** 2]))
    v2 = ent(P, Q, eps).length ** 2
    vy = ent("normal(2, 0.8)", "normal(1, 1.5)", eps).length ** 2
    assert v2 == pytest.approx(v1 + vy, rel=1e-13)
    # and a rotation of both laws changes nothing
    c, s = math.cos(0.6), math.sin(0.6)
    R = np.array([[c, -s], [s, c]])
    Pr = MVNormal.from_arrays(R @ P.mu, R @ P.sigma @ R.T)
    Qr = MVNormal.from_arrays(R @ Q.mu, R @ Q.sigma @ R.T)
    assert ent(Pr, Qr, eps).length ** 2 == pytest.approx(v2, rel=1e-12)


def test_correlation_tends_to_one_and_cost_to_w2_as_eps_shrinks():
    p, q = parse("normal(0, 2)"), parse("normal(3, 0.5)")
    w2sq = 3.0 ** 2 + (2 - 0.5) ** 2
    previous = math.inf
    for eps in (1.0, 1e-2, 1e-4, 1e-8):
        value, rho = entropic._normal_line(p, q, eps)
        assert value >= w2sq and value < previous  # OT_ε >= W2² and decreasing with ε
        previous = value
        assert 1 - rho == pytest.approx(eps / (4 * 2 * 0.5), rel=eps)  # 1 - ρ = ε / (4√(AB)) + O(ε²)
    assert previous == pytest.approx(w2sq, rel=1e-8)


def test_one_minus_rho_has_no_cancellation():
    """For ε tiny against √(AB), 1 - ρ is computed to full relative precision (checked in 50 digits)."""
    getcontext().prec = 50
    p, q = parse("normal(0, 3)"), parse("normal(1, 2)")
    for eps in (1e-3, 1e-9, 1e-14):
        _, rho = entropic._normal_line(p, q, eps)
        g, e = Decimal(6), Decimal(eps)
        exact_rho = 4 * g / ((16 * g * g + e * e).sqrt() + e)
        # ρ itself rounds to 1 for tiny ε; the value uses 1 - ρ, which must not
        value, _ = entropic._normal_line(p, q, eps)
        kl_part = -0.5 * eps * math.log(float((1 - exact_rho) * (1 + exact_rho)))
        w2_part = 1 + 1 + 2 * 6 * float(1 - exact_rho)
        assert value == pytest.approx(w2_part + kl_part, rel=1e-14)
        assert rho == pytest.approx(float(exact_rho), rel=1e-15)


def test_bridge_between_normals_has_the_closed_form_marginals():
    eps = 0.5
    path = ent("normal(-2, 1)", "normal(2, 0.5)", eps)
    _, rho = entropic._normal_line(parse("normal(-2, 1)"), parse("normal(2, 0.5)"), eps)
    for t in (1e-12, 0.3, 0.5, 1 - 1e-12):
        d = path(t)
        var = (1 - t) ** 2 + (t * 0.5) ** 2 + t * (1 - t) * (2 * rho * 0.5 + eps / 2)
        assert d.mean == pytest.approx(-2 + 4 * t, rel=1e-14, abs=1e-14)
        assert d.std == pytest.approx(math.sqrt(var), rel=1e-14)
    # at the ends, the endpoints (to rounding)
    assert path(1e-12).std == pytest.approx(1.0, rel=1e-11)
    assert path(1 - 1e-12).std == pytest.approx(0.5, rel=1e-11)


def test_blur_is_visible_midway():
    """The bridge's midpoint is wider than W2's: by the plan's lost correlation and the Brownian
    bridge's own variance (ε/2)/4."""
    w2 = geodesic(parse("normal(-2, 1)"), parse("normal(2, 1)"), "w2")(0.5)
    for eps, low, high in ((0.01, 0.0, 0.01), (4.0, 0.2, 0.21)):
        mid = ent("normal(-2, 1)", "normal(2, 1)", eps)(0.5)
        # var = ¼ + ¼ + ¼ (2ρ + ε/2) with ρ = 4 / (√(16 + ε²) + ε): 1.0025 for ε = 0.01, 1.2071 for ε = 4
        assert low < mid.std ** 2 - w2.std ** 2 < high


def ring_square(n: int):
    rng = np.random.default_rng(3)
    t = rng.uniform(0, 2 * np.pi, n)
    ring = ", ".join(f"[{2 * math.cos(a):.6f}, {2 * math.sin(a):.6f}]" for a in t)
    square = ", ".join(f"[{x:.6f}, {y:.6f}]" for x, y in rng.uniform(-1.5, 1.5, (n, 2)))
    return parse(f"points2d([{ring}])"), parse(f"points2d([{square}])")


def test_cloud_plan_satisfies_the_optimality_conditions():
    """The plan has the Gibbs form G_ij = exp((f_i + g_j - M_ij)/ε) on its support and the exact
    marginals: the first-order conditions of the entropic problem."""
    p, q = ring_square(60)
    P, Q = entropic._measure(p), entropic._measure(q)
    eps = 1.0  # every pair keeps a representable mass (e^-(M/ε) >= e^-13)
    plan = entropic._sinkhorn(P, Q, eps)
    n, m = len(P.m), len(Q.m)
    G = np.zeros((n, m))
    G[plan.rows, plan.cols] = plan.mass
    assert np.allclose(G.sum(axis=1), P.m, atol=1e-12) and np.allclose(G.sum(axis=0), Q.m, atol=1e-12)
    M = ((P.x[:, None, :] - Q.x[None, :, :]) ** 2).sum(-1)
    L = np.log(G / np.outer(P.m, Q.m)) + M / eps  # = (f_i + g_j)/ε: rank one in the additive sense
    residual = L - L.mean(axis=1, keepdims=True) - L.mean(axis=0, keepdims=True) + L.mean()
    # in mass: the plan is the Gibbs plan to 1e-8 (the rounding onto the exact marginals moves
    # about the marginal error, which is relatively more on the smallest entries)
    assert np.abs(G * residual).max() < 1e-8
    assert np.abs(residual).max() < 1e-4
    assert plan.violation < 1e-8


def test_cloud_cost_tends_to_w2_and_bridge_ends_at_the_clouds():
    p, q = ring_square(40)
    w2 = geodesic(p, q, "w2").length
    eps = 0.05
    small = geodesic(p, q, f"entropic({eps})")
    # the optimal plan's KL to p ⊗ q is at most log n: W2² <= OT_ε <= W2² + ε log n
    assert w2 ** 2 <= small.length ** 2 <= w2 ** 2 + eps * math.log(40)
    path = geodesic(p, q, "entropic(0.5)")
    assert path.length > small.length
    for t, end in ((1e-9, p), (1 - 1e-9, q)):
        mean, cov = path(t).moments()
        m_end, c_end = end.moments()
        assert np.allclose(mean, m_end, atol=1e-6) and np.allclose(cov, c_end, atol=1e-4)
    mid = path(0.5)
    assert mid.sd == pytest.approx(math.sqrt(0.5 / 2 * 0.25), rel=1e-14)


def test_atoms_bridge_is_a_mixture_of_brownian_bridges():
    """Two atoms to two atoms: each coupled pair is a normal with mean on the segment and variance
    (ε/2) t (1 - t); the marginals at the ends are the atoms."""
    eps = 0.4
    path = ent("points([0, 1], [0.5, 0.5])", "points([3, 4], [0.5, 0.5])", eps)
    d = path(0.5)
    sd = math.sqrt(eps / 2 * 0.25)
    assert np.allclose(d.sds, sd, rtol=1e-14)
    assert d.mean == pytest.approx(2.0, rel=1e-12)
    near = path(1e-9)
    assert near.cdf(0.5) == pytest.approx(0.5, abs=1e-9) and near.cdf(-0.5) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("spec", ["entropic(0)", "entropic(-1)", "entropic(eps=nan)", "entropic"])
def test_bad_eps_is_refused_clearly(spec):
    with pytest.raises(GeoanimError) as info:
        geodesic(parse("normal(0, 1)"), parse("normal(1, 1)"), spec)
    assert "eps" in str(info.value)
