"""Wasserstein-Fisher-Rao (Hellinger-Kantorovich): closed forms, limits and the solver's certificate.

Reference values are the two-Dirac closed forms of docs/math.md#wasserstein-fisher-rao-hellinger-kantorovich
(θ = |x1 - x0| / κ; HK² = κ²(m0 + m1 - 2√(m0 m1) cos θ) inside the cutoff θ < π/2, κ²(m0 + m1) beyond).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geoanim import parse
from geoanim.paths import unbalanced
from geoanim.paths.registry import geodesic


def hk(p: str, q: str, kappa: float):
    return geodesic(parse(p), parse(q), f"wfr({kappa})")


@pytest.mark.parametrize("x1,kappa", [(1.0, 1.0), (0.3, 2.0), (1.5, 1.0), (2.0, 1.0), (5.0, 0.5)])
def test_two_diracs_closed_form_length(x1, kappa):
    theta = x1 / kappa
    want = kappa * math.sqrt(2 - 2 * math.cos(theta)) if theta < math.pi / 2 else kappa * math.sqrt(2)
    assert hk("dirac(0)", f"dirac({x1})", kappa).length == pytest.approx(want, rel=1e-14)


def test_two_diracs_inside_cutoff_path_mass_and_position():
    path = hk("dirac(0)", "dirac(1)", 1.0)
    for t in (0.25, 0.5, 0.8):
        z = (1 - t) + t * complex(math.cos(1.0), math.sin(1.0))
        d = path(t)
        locs, masses = d.atoms()
        assert masses.size == 1
        assert d.mass == pytest.approx(abs(z) ** 2, rel=1e-14)
        assert locs[0] == pytest.approx(math.atan2(z.imag, z.real) / 1.0, rel=1e-14)
    # the mass dips below 1 midway: part of the way is paid in mass, not in distance
    assert path(0.5).mass < 0.8


def test_two_diracs_beyond_cutoff_cross_fade():
    path = hk("dirac(0)", "dirac(3)", 1.0)  # θ = 3 > π/2
    locs, masses = path(0.3).atoms()
    assert list(locs) == [0.0, 3.0]
    assert masses == pytest.approx([0.7 ** 2, 0.3 ** 2], rel=1e-14)


def test_solver_matches_weighted_dirac_closed_form():
    """Unequal masses through the general solver (not the closed-form route)."""
    a, b, theta = 0.7, 1.3, 0.9
    plan = unbalanced.hk_plan(np.array([[0.0]]), np.array([a]), np.array([[theta]]), np.array([b]))
    want = a + b - 2 * math.sqrt(a * b) * math.cos(theta)
    assert plan.value == pytest.approx(want, rel=1e-12)


def test_solver_optimality_certificate_on_clouds():
    """The static problem's dual bound: a feasible (φ, ψ) from the plan's own marginals is within the
    reported gap of the plan's value, and the gap is small against the value."""
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(60, 2)), rng.normal(size=(50, 2)) + [1.0, 0.0]
    a, b = np.full(60, 1 / 60), np.full(50, 1 / 50)
    plan = unbalanced.hk_plan(x, a, y, b)
    assert plan.gap <= 1e-5 * plan.value
    C = unbalanced.cone_cost(np.sqrt(((x[:, None] - y[None]) ** 2).sum(-1)))
    with np.errstate(divide="ignore"):
        phi = -np.log(plan.u / a)  # +inf where a point has no partner within the cutoff: all destroyed
    psi = np.min(np.where(np.isfinite(C), C - phi[:, None], np.inf), axis=0)
    lower = np.sum(-a * np.expm1(-phi)) + np.sum(-b * np.expm1(-psi))
    assert lower <= plan.value + 1e-12
    assert plan.value - lower <= 1e-4 * plan.value
    # the plan's entries are where the transport pays: reduced costs there are near 0
    assert np.isfinite(lower)
    red = C[plan.rows, plan.cols] - phi[plan.rows] - psi[plan.cols]
    heavy = plan.mass > 1e-3 * plan.mass.max()
    assert np.abs(red[heavy]).max() < 1e-2


def test_large_kappa_tends_to_w2():
    """As κ grows, mass is carried, not destroyed: HK -> W2 (from below)."""
    w2 = geodesic(parse("dirac(0)"), parse("dirac(1)"), "w2").length
    prev = 0.0
    for kappa in (1.0, 4.0, 16.0, 256.0):
        d = hk("dirac(0)", "dirac(1)", kappa).length
        assert prev < d <= w2
        prev = d
    assert prev == pytest.approx(w2, rel=1e-5)


def test_discretised_pair_at_large_kappa_is_w2_within_its_reported_error():
    """Laws with a density, cut into cells: at κ = 100 HK is W2 to O((W2/κ)²) (1e-4 here), so the
    computed HK must lie within its own reported error (discretisation plus duality gap) of W2. A
    third of the coarse-fine difference (the h² Richardson estimate) was too small here."""
    p, q = parse("normal(0, 1)"), parse("normal(1, 1.5)")
    w2 = geodesic(p, q, "w2").length
    path = geodesic(p, q, "wfr(100)")
    assert "discretised" in path.method
    assert abs(path.length - w2) <= path.error + 1e-4 * w2
    assert path.error < 1e-2 * w2  # and the error is not so loose as to say nothing


def test_small_kappa_tends_to_hellinger():
    """As κ shrinks nothing is carried: HK/κ -> √(Σ(√a - √b)²), √2 times the Hellinger distance."""
    p, q = "points([0, 1, 2], [0.2, 0.3, 0.5])", "points([0, 1, 2], [0.5, 0.25, 0.25])"
    want = math.sqrt(sum((math.sqrt(u) - math.sqrt(v)) ** 2 for u, v in zip([0.2, 0.3, 0.5], [0.5, 0.25, 0.25])))
    path = hk(p, q, 0.01)  # atoms 1 apart are far beyond the cutoff π/200
    assert path.length / 0.01 == pytest.approx(want, rel=1e-9)


def test_disjoint_uniforms_small_kappa_is_pure_cross_fade():
    """The issue's example: beyond the cutoff nothing moves, HK = κ√2 and the mass at t = 1/2 is 1/2."""
    path = hk("uniform(-3, -1)", "uniform(1, 3)", 0.5)
    assert path.length == pytest.approx(0.5 * math.sqrt(2), rel=1e-12)
    assert path(0.5).mass == pytest.approx(0.5, rel=1e-12)


def test_disjoint_uniforms_large_kappa_carries_mass():
    small, large = (hk("uniform(-3, -1)", "uniform(1, 3)", k) for k in (0.5, 4.0))
    assert small(0.5).mass < large(0.5).mass < 1.0
    # the mass is carried: at t = 1/2 it is one bump about 0, none of it left near either endpoint
    d = large(0.5)
    assert abs(d.mean) < 1e-3 and d.cdf(-2.0) < 1e-3 and d.sf(2.0) < 1e-3
    assert large.length < 4.0  # below W2 = 4: paying in mass is cheaper than carrying all of it


def test_mass_readout_in_panel_label():
    assert hk("dirac(0)", "dirac(1)", 1.0)(0.5).describe().startswith("mass 0.7")


def test_bad_kappa_is_one_line_error():
    from geoanim.errors import GeoanimError
    with pytest.raises(GeoanimError, match="kappa"):
        hk("dirac(0)", "dirac(1)", -1.0)


@pytest.mark.parametrize("spec", [
    "hk_atoms([0, 0], [0, 0])", "hk_atoms([0, 1], [1])", "hk_cells([0, 1], [1, 1], [0, 1])", "hk_cloud([[0, 1]], [0])",
    "bridge_line([0], [1], [0])", "bridge_cloud([[0, 0]], [0], 1)"])
def test_path_point_families_refuse_empty_or_mismatched_pieces(spec):
    """Path points parse back from their own text (geoanim.parse(str(path(t)))); a hand-written one
    with no mass, a mass per location missing, or a spread that is not > 0 is refused cleanly."""
    from geoanim.errors import GeoanimError

    with pytest.raises(GeoanimError):
        parse(spec)


def test_path_points_round_trip_through_their_text():
    path = hk("uniform(-3, -1)", "uniform(1, 3)", 4.0)
    for t in (0.3, 0.7):
        d = path(t)
        assert parse(str(d)) == d


# ---------------------------------------------------------------------------------------------
# normals in the plane, cut into square cells
# ---------------------------------------------------------------------------------------------

P2 = "mvnormal([0, 0], [[1, 0], [0, 1]])"


def test_planar_cells_keep_the_mean_and_add_a_cell_width_of_variance():
    """The cells of a planar normal: masses sum to 1, the mean is the normal's (quadrature to 1e-9)
    and the covariance is the normal's plus the cells' own w²/12 per coordinate (midpoint cells)."""
    from geoanim.paths import cells

    d = parse("mvnormal([0.7, 0.2], [[1.2, 0.2], [0.2, 0.9]])")
    A = cells.plane(d, "wfr")
    assert cells.CELLS2D <= len(A.m) <= 4 * cells.CELLS2D + 200
    assert math.fsum(A.m) == pytest.approx(1.0, abs=1e-14)
    mean = A.m @ A.x
    cov = (A.x - mean).T @ ((A.x - mean) * A.m[:, None])
    assert mean == pytest.approx([0.7, 0.2], abs=1e-9)
    w = float(A.width[0])
    assert cov == pytest.approx(np.array([[1.2, 0.2], [0.2, 0.9]]) + w * w / 12 * np.eye(2), abs=1e-7)
    # the lattice is a power of two, so the same law always gives the same cells
    assert math.log2(w) == int(math.log2(w))


def test_planar_normals_at_large_kappa_are_w2_within_the_reported_error():
    p, q = parse(P2), parse("mvnormal([1, 0.5], [[1.5, 0.3], [0.3, 0.8]])")
    w2 = geodesic(p, q, "w2").length  # Bures-Wasserstein, closed form
    path = geodesic(p, q, "wfr(100)")
    assert "square cells" in path.method and "error ~" in path.method
    assert abs(path.length - w2) <= path.error + 1e-4 * w2
    assert path.error < 0.15 * w2  # coarse cells: an honest but not a vacuous error


def test_far_apart_planar_normals_at_small_kappa_cross_fade():
    """No cell of one is within the cutoff πκ/2 of a cell of the other: HK = κ√2 (all of p destroyed,
    all of q created) and the mass at t = 1/2 is 1/4 + 1/4."""
    path = hk(P2, "mvnormal([20, 0], [[1, 0], [0, 1]])", 0.5)
    assert path.length == pytest.approx(0.5 * math.sqrt(2), rel=1e-9)
    assert path(0.5).mass == pytest.approx(0.5, rel=1e-9)


def test_kappa_too_short_for_planar_cells_names_the_kappa_that_would_do():
    from geoanim.errors import GeoanimError

    with pytest.raises(GeoanimError, match=r"no wider than \u03ba = 0.1; \u03ba >= 0.5 would do"):
        hk(P2, "mvnormal([1, 0], [[1, 0], [0, 1]])", 0.1)


def test_planar_path_points_are_measures_of_varying_mass_read_as_densities():
    p, q = parse("mvnormal([-2, 0], [[1, 0], [0, 1]])"), parse("mvnormal([2, 1], [[2, 0.5], [0.5, 0.5]])")
    small, large = geodesic(p, q, "wfr(0.5)"), geodesic(p, q, "wfr(8)")
    assert small.length < large.length  # carrying costs more than fading where κ allows it
    d = small(0.5)
    assert d.family == "hk_cells2d" and 0.3 < d.mass < large(0.5).mass < 1.0
    assert d.describe().startswith("mass ")
    # the drawn density holds the path point's mass (grid averages over a box holding it all)
    xe, ye = np.linspace(-12, 12, 241), np.linspace(-12, 12, 241)
    assert d.cell_density(xe, ye).sum() * 0.1 * 0.1 == pytest.approx(d.mass, rel=1e-6)
    # the view holds the bulk, not the tail cells at six sds
    lo, hi = d.box(2.6)
    assert lo[0] > -7 and hi[0] < 7
    assert parse(str(d)) == d


def test_identical_planar_normals_are_at_zero():
    path = hk(P2, P2, 1.0)
    assert path.length == 0.0 and path(0.5) == parse(P2)


def test_cloud_to_planar_normal_keeps_the_cloud_as_atoms():
    path = hk("points2d([[0, 0], [1, 0], [0, 1], [1, 1]])", "mvnormal([0.5, 0.5], [[0.3, 0], [0, 0.3]])", 2.0)
    assert path(0.5).family == "hk_cloud" and "square cells" in path.method
    assert 0 < path.length < 1.0


@pytest.mark.parametrize("q,match", [
    ("mvnormal([0, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])", "plane|dimension"),
    ("mvnormal([0, 0], [[400, 0], [0, 0.01]])", "elongated")])
def test_planar_normals_refused_cleanly(q, match):
    from geoanim.errors import GeoanimError

    p = P2 if "0, 0, 0" not in q else "mvnormal([1, 0, 0], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])"
    with pytest.raises(GeoanimError, match=match):
        hk(p, q, 1.0)
