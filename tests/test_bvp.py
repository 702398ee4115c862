"""Numerical Fisher-Rao geodesics: the collocation solver (geoanim/paths/bvp.py) and the gamma and beta
families it serves.

References are computed here by a solver that shares nothing with the package's: scipy's solve_bvp on
the geodesic equations written from the textbook metric (polygamma, in (log α, log β)), polished by
shooting with solve_ivp. The generic solver is checked against a closed form (the normal family's
half-plane), its contract against independent integrations and refusals, and the families' Fisher
information against quadrature of the score's outer product.
"""

from __future__ import annotations

import math
import subprocess
import sys

import mpmath as mp
import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad, solve_bvp, solve_ivp
from scipy.optimize import root
from scipy.special import digamma, polygamma

import geoanim
from geoanim.errors import UnsupportedError, ValidationError
from geoanim.families.beta import Beta
from geoanim.families.gamma import Gamma, trigamma_excess
from geoanim.paths import bvp
from geoanim.paths.spaces import halfplane_distance, halfplane_geodesic


def law(spec: str):
    return geoanim.parse(spec)


def fisher(a: str, b: str):
    return geoanim.geodesic(law(a), law(b), "fisher")


# ---------------------------------------------------------------------------------------------
# an independent reference: the gamma family's geodesic equations in ℓ = (log α, log β)
# ---------------------------------------------------------------------------------------------


def gamma_acceleration(ell: np.ndarray, v: np.ndarray) -> np.ndarray:
    """ℓ'' = -Γ(ℓ)[v, v] for the metric [[α²ψ1(α), -α], [-α, α]] (the (α, β) information
    [[ψ1, -1/β], [-1/β, α/β²]] with dα = α dℓ1, dβ = β dℓ2); only ∂/∂ℓ1 of it is non-zero.
    Vectorised over a trailing axis."""
    a = np.exp(ell[0])
    t1, t2 = polygamma(1, a), polygamma(2, a)
    g00, g01, g11 = a * a * t1, -a, a
    d00 = 2 * a * a * t1 + a ** 3 * t2  # ∂1 g00; ∂1 g01 = -a, ∂1 g11 = a
    # c_l = Σ ∂_i g_lj vⁱ vʲ - ½ Σ ∂_l g_ij vⁱ vʲ
    c0 = v[0] * (d00 * v[0] - a * v[1]) - 0.5 * (d00 * v[0] ** 2 - 2 * a * v[0] * v[1] + a * v[1] ** 2)
    c1 = v[0] * (-a * v[0] + a * v[1])
    det = g00 * g11 - g01 * g01
    return -np.array([(g11 * c0 - g01 * c1) / det, (-g01 * c0 + g00 * c1) / det])


def gamma_reference(p: tuple[float, float], q: tuple[float, float]) -> float:
    """The Fisher-Rao distance between gamma(p) and gamma(q) (shape, rate): scipy's solve_bvp from the
    straight line in ℓ, then Newton shooting on the initial velocity with DOP853 at rtol 1e-13."""
    lp, lq = np.log(p), np.log(q)
    t = np.linspace(0, 1, 21)
    y0 = np.vstack([lp[:, None] + np.outer(lq - lp, t), np.repeat((lq - lp)[:, None], t.size, 1)])
    coarse = solve_bvp(lambda t, y: np.vstack([y[2:], gamma_acceleration(y[:2], y[2:])]),
                       lambda ya, yb: np.concatenate([ya[:2] - lp, yb[:2] - lq]), t, y0, tol=1e-6, max_nodes=5000)
    assert coarse.success, coarse.message

    def miss(v):
        s = solve_ivp(lambda t, y: np.concatenate([y[2:], gamma_acceleration(y[:2], y[2:])]), (0, 1),
                      np.concatenate([lp, v]), method="DOP853", rtol=1e-13, atol=1e-13)
        return s.y[:2, -1] - lq

    shot = root(miss, coarse.y[2:, 0], method="hybr", options={"xtol": 1e-14})
    assert np.abs(miss(shot.x)).max() < 1e-11
    a = p[0]
    g = np.array([[a * a * polygamma(1, a), -a], [-a, a]])
    return math.sqrt(shot.x @ g @ shot.x)


def test_equal_shapes_do_not_give_the_fixed_shape_line():
    """gamma(2, 1) -> gamma(2, 3): the fixed-shape line has length √2 log 3 = 1.5537; the geodesic
    of the two-parameter family dips to shape ~1.59 on the way and is shorter, 1.4938."""
    ref = gamma_reference((2.0, 1.0), (2.0, 3.0))
    assert ref == pytest.approx(1.4937974426595, abs=1e-11)
    path = fisher("gamma(2, 1)", "gamma(2, 3)")
    assert path.length == pytest.approx(ref, rel=1e-10)
    assert path.length < math.sqrt(2) * math.log(3) - 0.05
    assert path(0.5).shape < 1.7 and path.model == "gamma" and path.label == "Fisher-Rao on gamma laws"


def test_far_pair_against_the_reference():
    """gamma(0.5, 1) -> gamma(50, 0.5): 6.4823 (geomstats' solvers report 37.4 here)."""
    ref = gamma_reference((0.5, 1.0), (50.0, 0.5))
    assert ref == pytest.approx(6.48233602092698, abs=1e-10)
    assert fisher("gamma(0.5, 1)", "gamma(50, 0.5)").length == pytest.approx(ref, rel=1e-10)


PAIRS = [("gamma(2, 1)", "gamma(2, 3)"), ("gamma(0.5, 1)", "gamma(50, 0.5)"), ("gamma(0.05, 3)", "gamma(7, 0.01)"),
         ("beta(2, 5)", "beta(5, 2)"), ("beta(0.5, 0.5)", "beta(2, 3)"), ("beta(1, 1)", "beta(100, 100)"),
         ("beta(0.1, 0.1)", "beta(50, 1)")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_reversed_problem(a, b):
    """d(q, p) = d(p, q) and the path from q is the path from p backwards: exactly through the route
    (one canonical order), and to the solver's accuracy when it is solved from the other end."""
    pq, qp = fisher(a, b), fisher(b, a)
    assert pq.length == qp.length
    for t in (0.2, 0.5, 0.9):  # the same curve at t and at 1 - (1 - t), which rounds
        np.testing.assert_allclose(list(pq(t).params().values()), list(qp(1.0 - t).params().values()), rtol=1e-13)
    p, q = law(a), law(b)
    c = type(p).fisher_chart
    forward = bvp.solve(c.fields, None, c.coords(p), c.delta(p, q))
    backward = bvp.solve(c.fields, None, c.coords(q), c.delta(q, p))
    assert backward.length == pytest.approx(forward.length, rel=1e-11)
    ts = np.linspace(0.0, 1.0, 11)
    np.testing.assert_allclose(backward.point(1.0 - ts), forward.point(ts), rtol=0, atol=1e-10)


# ---------------------------------------------------------------------------------------------
# the generic solver against a closed form
# ---------------------------------------------------------------------------------------------


def normal_fields(x: np.ndarray):
    """The normal family's metric (dμ² + 2dσ²)/σ² in (μ, σ) and its derivatives (only in σ)."""
    s = x[..., 1]
    g = np.zeros(x.shape + (2,))
    g[..., 0, 0], g[..., 1, 1] = 1 / s ** 2, 2 / s ** 2
    dg = np.zeros(x.shape + (2, 2))
    dg[..., 1, 0, 0], dg[..., 1, 1, 1] = -2 / s ** 3, -4 / s ** 3
    return g, dg


@pytest.mark.parametrize("p, q", [((0, 1), (2, 1.5)), ((-4, 1), (4, 1)), ((0, 1), (0, 5)), ((0, 1), (30, 0.2)),
                                  ((1, 2), (1 + 1e-9, 2 - 3e-9)), ((3, 0.5), (-2, 4))])
def test_generic_solver_on_the_normal_half_plane(p, q):
    """Fed the normal family's metric in (μ, σ) (not the package's chart: no logarithms), the solver
    finds √2 times the half-plane distance in (μ/√2, σ) and the semicircle's points."""
    p, q = np.array(p, float), np.array(q, float)
    metric = lambda x: normal_fields(x)[0]
    dmetric = lambda x: normal_fields(x)[1]
    sol = bvp.solve(metric, dmetric, p, q - p)
    r = 1 / math.sqrt(2)
    exact = math.sqrt(2) * halfplane_distance(r * p[0], p[1], r * q[0], q[1])
    assert sol.length == pytest.approx(exact, rel=1e-10)
    curve = halfplane_geodesic(r * p[0], p[1], r * q[0], q[1])
    for t in (0.1, 0.5, 0.77):
        x, y = curve(t)
        np.testing.assert_allclose(sol.point(t), [x / r, y], rtol=1e-9, atol=1e-9 * np.abs(q - p).max())


# ---------------------------------------------------------------------------------------------
# the contract: the end reproduced by an independent integration, or a refusal
# ---------------------------------------------------------------------------------------------


def gamma_info(theta):
    a, b = theta
    return np.array([[polygamma(1, a), -1 / b], [-1 / b, a / b ** 2]]), np.array(
        [[[polygamma(2, a), 0], [0, 1 / b ** 2]], [[0, 1 / b ** 2], [1 / b ** 2, -2 * a / b ** 3]]])


def beta_info(theta):
    a, b = theta
    s1, s2 = polygamma(1, a + b), polygamma(2, a + b)
    g = np.array([[polygamma(1, a) - s1, -s1], [-s1, polygamma(1, b) - s1]])
    da = np.array([[polygamma(2, a) - s2, -s2], [-s2, -s2]])
    db = np.array([[-s2, -s2], [-s2, polygamma(2, b) - s2]])
    return g, np.array([da, db])


def parameter_velocity(d, chart_velocity):
    """The chart's x'(0) as the velocity of the law's own parameters: gamma x = (log α, log α - log β),
    beta x = (log a - log b, log(a + b))."""
    v = np.asarray(chart_velocity)
    if isinstance(d, Gamma):
        return np.array([d.shape * v[0], d.rate * (v[0] - v[1])])
    m = d.a / (d.a + d.b)
    return np.array([d.a * ((1 - m) * v[0] + v[1]), d.b * (-m * v[0] + v[1])])


@pytest.mark.parametrize("a, b", PAIRS)
def test_end_reproduced_by_an_independent_integration(a, b):
    """From p with the solver's initial velocity, the geodesic equations of the textbook metric, in the
    law's own parameters, integrated by DOP853, end at q."""
    p, q = law(a), law(b)
    c = type(p).fisher_chart
    sol = bvp.solve(c.fields, None, c.coords(p), c.delta(p, q))
    info = gamma_info if isinstance(p, Gamma) else beta_info
    theta0 = np.array([float(v) for v in p.params().values()])
    theta1 = np.array([float(v) for v in q.params().values()])

    def rhs(_t, y):
        g, dg = info(y[:2])
        v = y[2:]
        c_ = np.einsum("ilj,i,j->l", dg, v, v) - 0.5 * np.einsum("lij,i,j->l", dg, v, v)
        return np.concatenate([v, -np.linalg.solve(g, c_)])

    v0 = parameter_velocity(p, sol.velocity)
    end = solve_ivp(rhs, (0, 1), np.concatenate([theta0, v0]), method="DOP853", rtol=1e-12, atol=1e-14).y[:2, -1]
    np.testing.assert_allclose(end, theta1, rtol=1e-7)
    # its speed there is the length
    g0, _ = info(theta0)
    assert math.sqrt(v0 @ g0 @ v0) == pytest.approx(sol.length, rel=1e-9)
    # and the solver's own check with scipy's integrator agrees with its collocation check
    checked = bvp.solve(c.fields, None, c.coords(p), c.delta(p, q), integrator="dop853")
    assert checked.end_error <= bvp.TOL and checked.length == sol.length


@pytest.mark.parametrize("a, b", PAIRS)
def test_points_are_members_and_split_the_distance(a, b):
    """The path's points are laws of the family, at t·d from p and (1 - t)·d from q."""
    path = fisher(a, b)
    d = path.length
    for t in (0.3, 0.5):
        m = path(t)
        assert type(m) is type(path.start)
        first, second = geoanim.distance(path.start, m), geoanim.distance(m, path.end)
        assert first == pytest.approx(t * d, rel=1e-9)
        assert first + second == pytest.approx(d, rel=1e-10)


def test_gamma_paths_never_rise_above_the_larger_shape():
    """log α is convex along a gamma geodesic (2E x1'' = α x2'² - E' x1'², E' < 0): the shape bends down."""
    path = fisher("gamma(3, 1)", "gamma(8, 40)")
    shapes = np.array([path(t).shape for t in np.linspace(0, 1, 41)])
    assert shapes.max() <= 8.0 * (1 + 1e-12) and shapes.min() < 3.0


def test_beta_mirror_symmetry():
    """x -> 1 - x maps beta(a, b) to beta(b, a) and keeps Fisher-Rao."""
    assert fisher("beta(2, 7)", "beta(0.3, 4)").length == pytest.approx(
        fisher("beta(7, 2)", "beta(4, 0.3)").length, rel=1e-11)


@pytest.mark.parametrize("spec", ["gamma(2, 1)", "gamma(0.3, 5)", "gamma(300, 2)", "beta(2, 5)", "beta(0.5, 0.5)",
                                  "beta(400, 30)"])
@pytest.mark.parametrize("eps", [1e-4, 1e-7, 1e-12])
def test_first_order_regime(spec, eps):
    """Nearby laws: d = √(Δᵀ g(midpoint) Δ) up to O(|Δ|³), so to a relative O(|Δ|²), and the solver keeps
    its relative precision at any separation (it solves for the difference from p)."""
    p = law(spec)
    params = [float(v) for v in p.params().values()]
    q = type(p)(params[0] * (1 + eps), params[1] * (1 - 0.6 * eps))
    c = type(p).fisher_chart
    delta = c.delta(p, q)
    g, _ = c.fields(c.coords(p) + 0.5 * delta)
    local = math.sqrt(delta @ g @ delta)
    d = geoanim.distance(p, q)
    assert abs(d - local) <= (30 * eps * eps + 1e-12) * local
    assert geoanim.distance(q, p) == d


def test_coincident_endpoints():
    sol = bvp.solve(Gamma.fisher_chart.fields, None, [0.3, -1.0], [0.0, 0.0])
    assert sol.length == 0.0 and math.copysign(1.0, sol.length) == 1.0
    np.testing.assert_array_equal(sol.point(np.array([0.0, 0.4, 1.0])), [[0.3, -1.0]] * 3)
    p = law("beta(0.5, 0.5)")
    assert geoanim.distance(p, law("beta(0.5, 0.5)")) == 0.0


def test_refuses_what_it_cannot_certify():
    """Rates 1e-100 and 1e100 at shape 1: the geodesic has length ~30 through negative curvature, where
    an initial velocity right to the last bit still misses the end by ~5e-10 of the path: refused, in
    one line, not answered."""
    with pytest.raises(UnsupportedError, match="did not converge") as info:
        geoanim.distance(law("gamma(1, 1e-100)"), law("gamma(1, 1e100)"))
    assert "\n" not in str(info.value) and "gamma(1, 1e-100)" in str(info.value)
    # a geodesic that leaves the parameter domain (through shapes below 1e-3)
    with pytest.raises(UnsupportedError, match="leaves the family"):
        geoanim.distance(law("gamma(1, 1)"), law("gamma(1, 1e300)"))


def test_capped_solver_raises_instead_of_answering():
    p, q = law("gamma(0.5, 1)"), law("gamma(50, 0.5)")
    c = Gamma.fisher_chart
    with pytest.raises(bvp.NotConverged, match="Newton"):
        bvp.solve(c.fields, None, c.coords(p), c.delta(p, q), max_iterations=2)
    with pytest.raises(bvp.NotConverged, match="not resolved"):
        bvp.solve(c.fields, None, c.coords(p), c.delta(p, q), max_n=17)
    assert issubclass(bvp.NotConverged, UnsupportedError)


@pytest.mark.parametrize("a, b", [("gamma(2, 1)", "beta(2, 3)"), ("gamma(2, 1)", "weibull(2, 1)"),
                                  ("gamma(1, 2)", "exponential(2)")])
def test_different_families_fall_back_to_densities(a, b):
    path = fisher(a, b)
    assert path.model == "densities" and path.length == pytest.approx(
        geoanim.distance(law(a), law(b), "fisher-np"), rel=1e-12)


# ---------------------------------------------------------------------------------------------
# the charts: Fisher information by quadrature, derivatives, the special function
# ---------------------------------------------------------------------------------------------


def expectation(d, f) -> float:
    """E_d f(X) = ∫ f(F⁻¹(u)) du, by quad over the lower half of the levels and ∫ f(F⁻¹(1 - v)) dv over
    the upper: an infinite density at an end of the support becomes a log singularity at u = 0.
    f takes (x, log x, log(1 - x)); beta's upper half gets 1 - x from the mirrored law, exactly."""
    def lower(u):
        x = float(d.ppf(u))
        return f(x, math.log(x), math.log1p(-x) if isinstance(d, Beta) else math.nan)

    def upper(v):
        if isinstance(d, Beta):
            y = float(Beta(d.b, d.a).ppf(v))  # 1 - X is beta(b, a)
            return f(1.0 - y, math.log1p(-y), math.log(y))
        x = float(d.isf(v))
        return f(x, math.log(x), math.nan)

    return math.fsum(quad(g, lo, hi, limit=200, epsabs=1e-14, epsrel=1e-12)[0]
                     for g in (lower, upper) for lo, hi in ((0, 1e-12), (1e-12, 1e-6), (1e-6, 0.01), (0.01, 0.5)))


def score(d, x: float, log_x: float, log_1mx: float) -> np.ndarray:
    """∂ log p / ∂ parameters: gamma (α, β), beta (a, b)."""
    if isinstance(d, Gamma):
        return np.array([math.log(d.rate) + log_x - digamma(d.shape), d.shape / d.rate - x])
    s = digamma(d.a + d.b)
    return np.array([log_x - digamma(d.a) + s, log_1mx - digamma(d.b) + s])


def to_chart(d) -> np.ndarray:
    """∂θ/∂x: the law's parameters moved by the chart's coordinates."""
    if isinstance(d, Gamma):  # α = e^x1, β = e^(x1 - x2)
        return np.array([[d.shape, 0.0], [d.rate, -d.rate]])
    m = d.a / (d.a + d.b)  # a = e^x2 m, b = e^x2 (1 - m), m = 1/(1 + e^-x1)
    return np.array([[d.a * (1 - m), d.a], [-d.b * m, d.b]])


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("spec", ["gamma(0.4, 2)", "gamma(3, 0.5)", "gamma(30, 7)", "beta(0.5, 0.5)", "beta(2, 5)",
                                  "beta(30, 3)"])
def test_fisher_information_by_quadrature(spec):
    """E[score scoreᵀ] against the textbook information (polygamma) and the chart's metric."""
    d = law(spec)
    info = np.array([[expectation(d, lambda *x, i=i, j=j: score(d, *x)[i] * score(d, *x)[j]) for j in range(2)]
                     for i in range(2)])
    theta = np.array([float(v) for v in d.params().values()])
    textbook = (gamma_info if isinstance(d, Gamma) else beta_info)(theta)[0]
    np.testing.assert_allclose(info, textbook, rtol=1e-8, atol=1e-10 * np.abs(textbook).max())
    J = to_chart(d)
    np.testing.assert_allclose(type(d).fisher_chart.information(d), J.T @ info @ J, rtol=1e-8,
                               atol=1e-10 * np.abs(info).max())


@pytest.mark.parametrize("chart, x", [(Gamma.fisher_chart, [0.3, -1.0]), (Gamma.fisher_chart, [3.0, 2.0]),
                                      (Gamma.fisher_chart, [-6.0, 0.0]), (Beta.fisher_chart, [0.4, 1.0]),
                                      (Beta.fisher_chart, [-3.0, 6.0]), (Beta.fisher_chart, [2.0, -4.0])])
def test_chart_derivatives(chart, x):
    """∂g from the chart against central differences of g."""
    x = np.array(x)
    _, dg = chart.fields(x)
    h = 1e-5
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (chart.metric(x + e) - chart.metric(x - e)) / (2 * h)
        np.testing.assert_allclose(dg[k], fd, rtol=1e-7, atol=1e-9 * np.abs(chart.metric(x)).max())


def test_trigamma_excess_against_mpmath():
    xs = np.array([1e-300, 1e-3, 0.5, 0.999, 1.0, 2.5, 9.99, 10.0, 31.0, 1e3, 1e6])
    e, du = trigamma_excess(xs)
    with mp.workdps(40):
        for x, got, dgot in zip(xs, e, du):
            X = mp.mpf(float(x))
            E = X * X * mp.psi(1, X) - X
            dE = 2 * X * X * mp.psi(1, X) + X ** 3 * mp.psi(2, X) - X
            assert abs(got - E) <= 1e-14 * abs(E), x
            assert abs(dgot - dE) <= 1e-12 * abs(dE) + 1e-300, x


# ---------------------------------------------------------------------------------------------
# the laws
# ---------------------------------------------------------------------------------------------

LAWS = {
    "gamma(2.5, 1.5)": st.gamma(2.5, scale=1 / 1.5),
    "gamma(0.3, 2)": st.gamma(0.3, scale=0.5),
    "gamma(60, 0.2)": st.gamma(60, scale=5.0),
    "gamma(1, 3)": st.gamma(1, scale=1 / 3),
    "beta(2, 5)": st.beta(2, 5),
    "beta(0.5, 0.5)": st.beta(0.5, 0.5),
    "beta(0.2, 40)": st.beta(0.2, 40),
    "beta(300, 200)": st.beta(300, 200),
}


@pytest.mark.parametrize("spec", LAWS)
def test_laws_agree_with_scipy(spec):
    d, ref = law(spec), LAWS[spec]
    xs = np.linspace(ref.ppf(1e-6), ref.isf(1e-6), 31)
    np.testing.assert_allclose(d.pdf(xs), ref.pdf(xs), rtol=1e-9)
    np.testing.assert_allclose(d.cdf(xs), ref.cdf(xs), rtol=1e-10, atol=1e-300)
    np.testing.assert_allclose(d.sf(xs), ref.sf(xs), rtol=1e-9, atol=1e-300)
    us = np.array([1e-9, 0.01, 0.3, 0.5, 0.77, 0.999])
    np.testing.assert_allclose(d.ppf(us), ref.ppf(us), rtol=1e-9)
    np.testing.assert_allclose(d.isf(us), ref.isf(us), rtol=1e-9)
    tiny = np.array([1e-12, 1e-30])
    np.testing.assert_allclose(d.cdf(d.ppf(tiny)), tiny, rtol=1e-9)
    far = d.isf(tiny)
    far = far < 1.0  # beta(0.5, 0.5)'s upper 1e-12 quantile is 1 - 2.5e-24: the float 1
    np.testing.assert_allclose(d.sf(d.isf(tiny[far])), tiny[far], rtol=1e-9)
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12) and d.var == pytest.approx(ref.var(), rel=1e-12)
    # one point at a time (quadratures) gives what the arrays give
    assert d.logpdf(float(xs[7])) == pytest.approx(float(d.logpdf(xs[7:8])[0]), rel=1e-14)


def test_gamma_parameters_and_the_scale_keyword():
    assert law("gamma(2, scale=4)") == Gamma(2, 0.25) == Gamma(2, scale=4)
    assert law("gamma(k=2, beta=3)") == law("gamma(alpha=2, rate=3)") == law("gamma(2, 3)") == law("gamma(a=2, beta=3)")
    assert law("gamma(2)").rate == 1.0 and str(law("gamma(2)")) == "gamma(2)"
    for spec in ("gamma(2, scale=3)", "gamma(0.5, 7)", "gamma(3)"):
        assert law(str(law(spec))) == law(spec)
    with pytest.raises(ValidationError, match="not both"):
        law("gamma(2, 1, scale=3)")


def test_beta_at_its_ends():
    """beta(0.5, 0.5): the density is infinite at both ends; the picture keeps both walls and samples the
    density close to them, where it is finite."""
    d = law("beta(0.5, 0.5)")
    assert d.pdf(0.0) == math.inf and d.pdf(1.0) == math.inf and d.pdf(-0.1) == 0.0
    assert d.plot_range() == (-0.05, 1.05)
    feats = d.feature_points()
    inside = feats[(feats > 0) & (feats < 1)]
    assert inside.min() < 1e-15 and 1 - inside.max() < 1e-9
    assert np.all(np.isfinite(d.pdf(inside)))
    # a concentrated law is framed around its bump, not the whole interval
    lo, hi = law("beta(300, 200)").plot_range()
    assert 0.45 < lo < 0.6 < hi < 0.7


def test_w2_through_quantiles():
    p, q = law("gamma(2, 1)"), law("gamma(5, 0.5)")
    exact = math.sqrt(quad(lambda u: (st.gamma(2).ppf(u) - st.gamma(5, scale=2).ppf(u)) ** 2, 0, 1, limit=200)[0])
    assert geoanim.distance(p, q, "wasserstein") == pytest.approx(exact, rel=1e-7)
    mixed = geoanim.distance(law("beta(2, 3)"), p, "wasserstein")
    exact = math.sqrt(quad(lambda u: (st.beta(2, 3).ppf(u) - st.gamma(2).ppf(u)) ** 2, 0, 1, limit=200)[0])
    assert mixed == pytest.approx(exact, rel=1e-7)


# ---------------------------------------------------------------------------------------------
# bad parameters: one line, exit 2
# ---------------------------------------------------------------------------------------------


def test_render_refuses_a_bad_gamma_from_the_command_line():
    out = subprocess.run([sys.executable, "-m", "geoanim", "render", "gamma(-1, 1)", "gamma(2,1)"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("geoanim: error: gamma: `shape` must be > 0 (got -1)")
    assert "Traceback" not in out.stderr
