"""Two dimensions: exact Fisher-Rao between multivariate normals, Bures-Wasserstein, clouds by
exact optimal transport, the nonparametric cross-fade, file input, and planar renders."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

import geoanim
from geoanim import families as fam
from geoanim.errors import GeoanimError, UnsupportedError, ValidationError
from geoanim.paths import mvn, spaces, wasserstein

P = geoanim.parse


def mvnormal(mean, cov) -> fam.MVNormal:
    return fam.MVNormal(tuple(mean), tuple(tuple(r) for r in cov))


def random_pair(rng, d=2, spread=4.0):
    def one():
        M = rng.normal(size=(d, d))
        return mvnormal(rng.normal(size=d) * spread, M @ M.T + 0.2 * np.eye(d))
    return one(), one()


def fr_1d(m1, s1, m2, s2):
    # univariate Fisher-Rao distance, docs/math.md#the-hyperbolic-half-plane-distance-and-geodesic:
    # 2 sqrt2 asinh(sqrt(((dm)^2/2 + (ds)^2) / (4 s1 s2)))
    return 2 * math.sqrt(2) * math.asinh(math.sqrt(((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (4 * s1 * s2)))


def general_solve(p, q):
    """Force the shooting solver (no closed-form shortcut) on a pair: its length."""
    L = np.linalg.cholesky(p.sigma)
    Li = np.linalg.inv(L)
    v, W = Li @ (q.mu - p.mu), Li @ q.sigma @ Li.T
    x, B = mvn.solve_velocity(v, 0.5 * (W + W.T))
    return mvn.fisher_length(x, B), x, B, L


# ---------------------------------------------------------------------------------------------
# Fisher-Rao between normals: closed-form subcases
# ---------------------------------------------------------------------------------------------


def test_fixed_mean_is_the_spd_distance():
    p = mvnormal([1, 2], [[2, 0.3], [0.3, 0.5]])
    q = mvnormal([1, 2], [[0.7, -0.2], [-0.2, 3]])
    # fixed mean: sqrt(1/2 sum log^2 eig(S1^-1 S2))
    ref = math.sqrt(0.5 * sum(np.log(np.linalg.eigvals(np.linalg.solve(p.sigma, q.sigma)).real) ** 2))
    g = geoanim.geodesic(p, q, "fisher")
    assert g.length == pytest.approx(ref, rel=1e-13, abs=0)
    assert general_solve(p, q)[0] == pytest.approx(ref, rel=1e-10, abs=0)
    assert np.allclose(g(0.5).mu, [1, 2])


@pytest.mark.parametrize("mean2", [[3.0, 1.0], [0.0, 0.1], [-8.0, 5.0]])
def test_equal_covariance_matches_pinele_strapasson_costa(mean2):
    S = np.array([[2.0, 0.5], [0.5, 1.0]])
    p, q = mvnormal([0, 0], S), mvnormal(mean2, S)
    dm = np.array(mean2)
    delta = math.sqrt(dm @ np.linalg.solve(S, dm))  # Mahalanobis distance
    ref = math.sqrt(2) * math.acosh(1 + delta ** 2 / 4)
    assert geoanim.distance(p, q, "fisher") == pytest.approx(ref, rel=1e-12, abs=0)
    assert general_solve(p, q)[0] == pytest.approx(ref, rel=1e-10, abs=0)


def test_one_dimensional_problem_embedded_in_the_plane():
    # N((m, 0), diag(s^2, 1)): the second coordinate never changes, so this is the univariate case
    p, q = mvnormal([-4, 0], [[1, 0], [0, 1]]), mvnormal([4, 0], [[1, 0], [0, 1]])
    ref = math.sqrt(2) * math.acosh(17)  # the seed pair of the 1-D core
    g = geoanim.geodesic(p, q, "fisher")
    assert g.length == pytest.approx(ref, rel=1e-13, abs=0)
    mid = g(0.5)
    assert mid.mu == pytest.approx([0, 0], abs=1e-12)
    assert mid.sigma == pytest.approx(np.array([[9, 0], [0, 1]]), rel=1e-12, abs=1e-12)  # the semicircle's top: std 3
    p, q = mvnormal([0, 0], [[1, 0], [0, 1]]), mvnormal([4, 0], [[9, 0], [0, 1]])
    assert geoanim.distance(p, q, "fisher") == pytest.approx(fr_1d(0, 1, 4, 3), rel=1e-13, abs=0)
    assert general_solve(p, q)[0] == pytest.approx(fr_1d(0, 1, 4, 3), rel=1e-10, abs=0)


# ---------------------------------------------------------------------------------------------
# Fisher-Rao between normals: the general solve
# ---------------------------------------------------------------------------------------------


def test_issue_example_reference_value():
    # cross-checked by integrating the geodesic equations below; geomstats' product metric differs
    p, q = P("mvnormal([0,0],[[1,0],[0,1]])"), P("mvnormal([4,1],[[0.3,0],[0,3]])")
    g = geoanim.geodesic(p, q, "fisher")
    assert g.model == "mvnormal" and g.label == "Fisher-Rao on normals"
    assert g.length == pytest.approx(4.103700487630516, rel=1e-9, abs=0)


@pytest.mark.parametrize("seed", range(6))
def test_general_pairs_symmetry_endpoint_speed_and_definiteness(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng)
    g = geoanim.geodesic(p, q, "fisher")
    back = geoanim.geodesic(q, p, "fisher")
    assert back.length == pytest.approx(g.length, rel=1e-9, abs=0)
    # the end of the computed path reproduces q (the solver's own exp map at t=1)
    end = g.point(1.0)
    assert end.mu == pytest.approx(q.mu, rel=1e-9, abs=1e-9)
    assert end.sigma == pytest.approx(q.sigma, rel=1e-9, abs=1e-9)
    for t in (0.2, 0.5, 0.8):
        mid = g(t)
        assert np.linalg.eigvalsh(mid.sigma).min() > 0
        # constant speed: the geodesic from p to gamma(t) has length t L, and from gamma(t) to q (1-t) L
        assert geoanim.distance(p, mid, "fisher") == pytest.approx(t * g.length, rel=1e-8, abs=0)
        assert geoanim.distance(mid, q, "fisher") == pytest.approx((1 - t) * g.length, rel=1e-8, abs=0)


def test_three_dimensions_work_too():
    rng = np.random.default_rng(7)
    p, q = random_pair(rng, d=3, spread=2.0)
    g = geoanim.geodesic(p, q, "fisher")
    assert geoanim.distance(q, p, "fisher") == pytest.approx(g.length, rel=1e-9, abs=0)
    assert g.point(1.0).sigma == pytest.approx(q.sigma, rel=1e-9, abs=1e-9)


def _geodesic_ode(_, y, d):
    # Skovgaard / Calvo-Oller: mu'' = S' S^-1 mu',  S'' = S' S^-1 S' - mu' mu'^T
    S = y[d:d + d * d].reshape(d, d)  # (mu itself does not enter the equations)
    dmu, dS = y[d + d * d:2 * d + d * d], y[2 * d + d * d:].reshape(d, d)
    Si = np.linalg.inv(S)
    ddmu = dS @ Si @ dmu
    ddS = dS @ Si @ dS - np.outer(dmu, dmu)
    return np.concatenate([dmu, dS.ravel(), ddmu, ddS.ravel()])


@pytest.mark.parametrize("seed", range(3))
def test_integrating_the_geodesic_equations_lands_on_q(seed):
    rng = np.random.default_rng(100 + seed)
    p, q = random_pair(rng, spread=3.0)
    length, x, B, L = general_solve(p, q)
    d = 2
    # initial velocity in the original coordinates: mu'(0) = L x, S'(0) = L B L^T
    y0 = np.concatenate([p.mu, p.sigma.ravel(), L @ x, (L @ B @ L.T).ravel()])
    sol = solve_ivp(_geodesic_ode, (0, 1), y0, args=(d,), rtol=1e-11, atol=1e-12, method="DOP853")
    yT = sol.y[:, -1]
    assert yT[:d] == pytest.approx(q.mu, rel=1e-7, abs=1e-7)
    assert yT[d:d + d * d].reshape(d, d) == pytest.approx(q.sigma, rel=1e-7, abs=1e-7)
    # and the speed in the Fisher metric is the length everywhere (checked at t = 0)
    Si = np.linalg.inv(p.sigma)
    dmu, dS = L @ x, L @ B @ L.T
    speed = math.sqrt(dmu @ Si @ dmu + 0.5 * np.trace(Si @ dS @ Si @ dS))
    assert speed == pytest.approx(length, rel=1e-10, abs=0)


def test_known_bounds_bracket_the_distance():
    p = mvnormal([0, 0], [[1, 0], [0, 2]])
    q = mvnormal([3, -2], [[0.5, 0], [0, 4]])
    d = geoanim.distance(p, q, "fisher")
    # per-coordinate sum of univariate distances: an upper bound (product manifold)
    upper = fr_1d(0, 1, 3, math.sqrt(0.5)) + fr_1d(0, math.sqrt(2), -2, 2)
    # Calvo-Oller embedding into SPD(3): a lower bound
    def embed(n):
        m = n.mu
        return np.block([[n.sigma + np.outer(m, m), m[:, None]], [m[None, :], np.ones((1, 1))]])
    lam = np.linalg.eigvals(np.linalg.solve(embed(p), embed(q))).real
    lower = math.sqrt(0.5 * np.sum(np.log(lam) ** 2))
    assert lower < d < upper


def test_non_convergence_is_an_error_not_a_wrong_answer(monkeypatch):
    monkeypatch.setattr(mvn, "_newton", lambda z, d, Dt, dt, iterations=40: (z, 1.0))
    with pytest.raises(UnsupportedError, match="did not converge"):
        geoanim.geodesic(P("mvnormal([0,0],[[1,0],[0,1]])"), P("mvnormal([4,1],[[0.3,0.1],[0.1,3]])"), "fisher")


def test_a_solution_that_misses_the_endpoint_is_refused(monkeypatch):
    real = mvn.exp_map
    monkeypatch.setattr(mvn, "exp_map", lambda x, B, t: (real(x, B, t)[0] + 1e-6, real(x, B, t)[1]))
    with pytest.raises(UnsupportedError, match="missed the endpoint"):
        geoanim.geodesic(P("mvnormal([0,0],[[1,0],[0,1]])"), P("mvnormal([4,1],[[0.3,0.1],[0.1,3]])"), "fisher")


# ---------------------------------------------------------------------------------------------
# Wasserstein-2
# ---------------------------------------------------------------------------------------------


def test_bures_wasserstein_commuting_case_and_interpolant():
    p = mvnormal([0, 0], [[1, 0], [0, 4]])
    q = mvnormal([3, 4], [[9, 0], [0, 1]])
    # commuting (diagonal) covariances: W2^2 = |dm|^2 + sum (sqrt a - sqrt b)^2 = 25 + 4 + 1
    g = geoanim.geodesic(p, q, "wasserstein")
    assert g.length == pytest.approx(math.sqrt(30), rel=1e-13, abs=0)
    mid = g(0.5)
    assert mid.mu == pytest.approx([1.5, 2])
    # std linear: (1+3)/2, (2+1)/2
    assert mid.sigma == pytest.approx(np.array([[4, 0], [0, 2.25]]), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_bures_wasserstein_general(seed):
    rng = np.random.default_rng(seed)
    p, q = random_pair(rng)
    S1, S2 = p.sigma, q.sigma
    r1 = spaces.sym_fn(S1, np.sqrt)
    ref2 = np.sum((q.mu - p.mu) ** 2) + np.trace(S1 + S2 - 2 * spaces.sym_fn(r1 @ S2 @ r1, np.sqrt))
    g = geoanim.geodesic(p, q, "wasserstein")
    assert g.length == pytest.approx(math.sqrt(ref2), rel=1e-9, abs=0)
    assert g.point(1.0).sigma == pytest.approx(S2, rel=1e-10, abs=1e-10)
    for t in (0.3, 0.6):
        assert geoanim.distance(p, g(t), "wasserstein") == pytest.approx(t * g.length, rel=1e-9, abs=0)


def test_clouds_translate_and_match_the_general_solver():
    rng = np.random.default_rng(3)
    pts = rng.normal(size=(40, 2))
    a = fam.Points2D(tuple(map(tuple, pts)))
    b = fam.Points2D(tuple(map(tuple, pts + [3.0, 4.0])))
    g = geoanim.geodesic(a, b, "wasserstein")
    assert g.length == pytest.approx(5.0, rel=1e-12)  # a pure translation moves every point by |(3, 4)|
    # assignment (equal uniform clouds) agrees with POT's network simplex on the same problem
    other = fam.Points2D(tuple(map(tuple, rng.normal(size=(40, 2)) * 2)))
    x, y, m = wasserstein.optimal_coupling(a, other)
    import ot

    la, wa = a.atoms2d()
    lb, wb = other.atoms2d()
    cost = ((la[:, None] - lb[None]) ** 2).sum(axis=2)
    assert float(np.sum(m * ((x - y) ** 2).sum(axis=1))) == pytest.approx(ot.emd2(wa, wb, cost), rel=1e-10)


def test_clouds_with_unequal_sizes_use_exact_transport():
    a = P("points2d([[0, 0], [1, 0]])")
    b = P("points2d([[0, 1], [1, 1], [2, 1]], [0.25, 0.25, 0.5])")
    g = geoanim.geodesic(a, b, "wasserstein")
    mid = g(0.5)
    locs, w = mid.atoms2d()
    assert w.sum() == pytest.approx(1)
    assert g(0.0) is a and g(1.0) is b
    # every moved unit travels in a straight line: the midpoint cloud's mean is the average of means
    assert (w @ locs) == pytest.approx(0.5 * (a.atoms2d()[1] @ a.atoms2d()[0] + b.atoms2d()[1] @ b.atoms2d()[0]))
    assert geoanim.distance(a, mid, "wasserstein") == pytest.approx(0.5 * g.length, rel=1e-9)


# ---------------------------------------------------------------------------------------------
# nonparametric Fisher-Rao
# ---------------------------------------------------------------------------------------------


def test_fisher_np_normals_against_a_grid():
    p, q = P("mvnormal([0,0],[[1,0.3],[0.3,1]])"), P("mvnormal([1.5,-0.5],[[0.6,0],[0,2]])")
    xs = np.linspace(-9, 9, 901)
    X, Y = np.meshgrid(xs, xs)
    xy = np.stack([X, Y], axis=-1)
    bc = np.sqrt(p.pdf(xy) * q.pdf(xy)).sum() * (xs[1] - xs[0]) ** 2
    assert geoanim.distance(p, q, "fisher-np") == pytest.approx(2 * math.acos(bc), rel=1e-7)


def test_disjoint_clouds_cross_fade_at_pi():
    a, b = P("points2d([[0, 0], [1, 1]])"), P("points2d([[5, 5]])")
    g = geoanim.geodesic(a, b, "fisher")
    assert g.length == pytest.approx(math.pi) and g.model == "densities"
    locs, w = g(0.5).atoms2d()
    assert sorted(w) == pytest.approx([0.25, 0.25, 0.5])  # cos^2(pi/4) of a's mass, sin^2(pi/4) of b's
    normal_vs_cloud = geoanim.geodesic(P("mvnormal([0,0],[[1,0],[0,1]])"), b, "fisher-np")
    assert normal_vs_cloud.length == pytest.approx(math.pi)


# ---------------------------------------------------------------------------------------------
# specs, files and errors
# ---------------------------------------------------------------------------------------------


def test_specs_round_trip_and_validate(tmp_path):
    for text in ["mvnormal([0, 0], [[1, 0.5], [0.5, 2]])", "points2d([[0, 0], [1, 2]])",
                 "points2d([[0, 0], [1, 2]], [0.25, 0.75])", "mvnormal([1, 2, 3], [[1, 0, 0], [0, 1, 0], [0, 0, 1]])"]:
        d = P(text)
        assert str(d) == text and P(str(d)) == d
    for bad, needle in [("mvnormal([0,0],[[1,2],[2,1]])", "positive definite"),
                        ("mvnormal([0,0],[[1,0.5],[0.4,1]])", "symmetric"),
                        ("mvnormal([0,0],[[1,0],[0,1],[0,0]])", "2x2"),
                        ("mvnormal([0, nan], [[1,0],[0,1]])", "finite"),
                        ("points2d([[0,0,1]])", "pair"),
                        ("points2d([[0,0],[1,1]], [1])", "one weight per point")]:
        with pytest.raises(GeoanimError, match=needle):
            P(bad)


def test_samples_files(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("x,y,w\n0,0,1\n1,0,1\n0,1,2\n")
    d = P(f'samples("{csv}")')
    locs, w = d.atoms2d()
    # atoms come sorted by location: (0, 0), (0, 1), (1, 0) with weights 1, 2, 1 normalised
    assert locs.tolist() == [[0, 0], [0, 1], [1, 0]] and w == pytest.approx([0.25, 0.5, 0.25])
    assert P(str(d)) == d
    npy = tmp_path / "c.npy"
    np.save(npy, np.array([[0.0, 0.0], [2.0, 0.0]]))
    assert len(P(f'samples("{npy}")').atoms2d()[0]) == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n0,0\n1,abc\n")
    wrongshape = tmp_path / "w.npy"
    np.save(wrongshape, np.zeros((3, 4)))
    neg = tmp_path / "n.csv"
    neg.write_text("0,0,-1\n1,1,2\n")
    for spec, needle in [(f'samples("{tmp_path / "missing.csv"}")', "no such file"),
                         (f'samples("{bad}")', "row 2 is not numbers"),
                         (f'samples("{wrongshape}")', "need rows of (x, y)"),
                         (f'samples("{neg}")', "weights must be >= 0"),
                         (f'samples("{tmp_path / "x.json"}")', "no such file"),
                         ("samples(3)", "quoted string")]:
        with pytest.raises(GeoanimError) as exc:
            P(spec)
        assert needle in str(exc.value)


def test_unsupported_pairs_say_what_exists():
    with pytest.raises(UnsupportedError, match="different dimensions"):
        geoanim.geodesic(P("normal(0,1)"), P("points2d([[0,0]])"), "fisher")
    with pytest.raises(UnsupportedError, match="supported in 2-D"):
        geoanim.geodesic(P("mvnormal([0,0],[[1,0],[0,1]])"), P("points2d([[0,0]])"), "wasserstein")


# ---------------------------------------------------------------------------------------------
# planar renders
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p, q", [
    ("mvnormal([0,0],[[1,0],[0,1]])", "mvnormal([4,1],[[0.3,0],[0,3]])"),
    ("points2d([[0,0],[1,0],[0,1]])", "points2d([[3,3],[4,3]], [0.3, 0.7])"),
    ("mvnormal([0,0],[[1,0],[0,1]])", "points2d([[3,3]])"),
])
def test_planar_renders(tmp_path, p, q):
    from PIL import Image

    a, b = P(p), P(q)
    paths = []
    for m in ("fisher", "fisher-np", "wasserstein"):
        try:
            paths.append(geoanim.geodesic(a, b, m))
        except UnsupportedError:
            pass
    out = tmp_path / "x.gif"
    anim = geoanim.render(paths, out, frames=5, hold=0, size=(640, 240))
    with Image.open(out) as im:
        assert im.n_frames == anim.frames == 5 and im.size == (640, 240)
        frames = []
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")).astype(int))
    assert all(f.std() > 5 for f in frames)
    assert np.abs(frames[0] - frames[-1]).sum() > 0  # it moves
    with pytest.raises(ValidationError, match="filmstrips are one-dimensional"):
        geoanim.render(paths, tmp_path / "x.png")


def test_fisher_np_point_moments_match_a_grid():
    p, q = P("mvnormal([0,0],[[1,0.3],[0.3,1]])"), P("mvnormal([2,-1],[[0.6,0],[0,2]])")
    d = geoanim.geodesic(p, q, "fisher-np")(0.4)
    mean, cov = d.moments()
    xs = np.linspace(-8, 10, 721)
    X, Y = np.meshgrid(xs, xs)
    xy = np.stack([X, Y], axis=-1)
    r = d.pdf(xy) * (xs[1] - xs[0]) ** 2
    assert r.sum() == pytest.approx(1, rel=1e-6)  # the point is a probability density
    m = np.array([(r * X).sum(), (r * Y).sum()])
    assert mean == pytest.approx(m, abs=1e-6)
    assert cov[0, 0] == pytest.approx((r * (X - m[0]) ** 2).sum(), rel=1e-5)
    assert cov[0, 1] == pytest.approx((r * (X - m[0]) * (Y - m[1])).sum(), abs=1e-6)
    # cross-fade between a normal and a point: a^2 of the normal, b^2 at the point
    e = geoanim.geodesic(p, P("points2d([[4, 4]])"), "fisher-np")(0.5)
    mean, _ = e.moments()
    assert mean == pytest.approx([2, 2])


def test_trails_draw_the_transport_lines_of_w2_only():
    from geoanim.rendering import artists, layout

    a, b = P("points2d([[0, 0], [0, 1]])"), P("points2d([[4, 0], [4, 1]])")
    paths = [geoanim.geodesic(a, b, m) for m in ("fisher", "wasserstein")]
    times = layout.timeline(3, fps=10)
    frames = {}
    for trails in (False, True):
        plan = layout.plan(paths, times, size=(640, 300), trails=trails)
        fr = artists.FrameRenderer(plan)
        frames[trails] = np.asarray(fr.frame(0.0)).astype(int).copy()
    diff = np.abs(frames[True] - frames[False]).sum(axis=2) > 0
    assert diff[:, 320:].sum() > 100  # the Wasserstein-2 panel gained its lines
    assert diff[:, :300].sum() == 0  # the Fisher-Rao cross-fade has no transport lines
