"""The von Mises family: parameters, the law on [-π, π), the Fisher metric against quadrature of the
score, its numerical geodesics against an independent integration, and KL's straight lines against
mpmath (docs/math.md#fisher-rao-von-mises-the-circle)."""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

import geoanim
from geoanim.errors import SpecError, UnsupportedError, ValidationError
from geoanim.families import vonmises as vm
from geoanim.families.vonmises import VonMises
from geoanim.paths import bvp

PI = vm.PI_HI
# scipy's quad, the reference here, warns about its own roundoff on the peaked integrands of large κ
pytestmark = pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")


def law(spec: str) -> VonMises:
    d = geoanim.parse(spec)
    assert isinstance(d, VonMises)
    return d


# ---------------------------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["vonmises(1, 2)", "vonmises(mu=-3.5, k=0.5)", "vonmises(loc=1e300, concentration=3)",
                                  "vonmises(7, 1e6)", "vonmises(-3.141592653589793, 1e-300)", "vonmises(-0.0, 1)"])
def test_spec_round_trip(spec):
    d = law(spec)
    assert -PI <= d.loc <= PI
    assert str(geoanim.parse(str(d))) == str(d) and geoanim.parse(str(d)) == d


def test_loc_is_reduced_through_sin_and_cos():
    assert law("vonmises(7, 2)").loc == pytest.approx(7 - 2 * math.pi, rel=1e-15)
    assert law("vonmises(-3.5, 2)").loc == pytest.approx(2 * math.pi - 3.5, rel=1e-15)
    assert law("vonmises(3.141592653589793, 2)").loc == math.pi  # kept: the double lies below π
    # 2π as a double is 2π - 2.4e-16: reduced, not rounded to 0
    assert law(f"vonmises({2 * math.pi!r}, 1)").loc == pytest.approx(-2.4492935982947064e-16, rel=1e-12)


@pytest.mark.parametrize("spec, message", [
    ("vonmises(0, 0)", "vonmises: `kappa` must be > 0 (got 0)"),
    ("vonmises(0, -1)", "vonmises: `kappa` must be > 0 (got -1)"),
    ("vonmises(0, 2e6)", "vonmises: `kappa` must be <= 1e6 (got 2000000)"),
])
def test_bad_parameters_are_one_line_errors(spec, message):
    with pytest.raises(ValidationError) as info:
        geoanim.parse(spec)
    assert info.value.message == message and "\n" not in info.value.message


def test_missing_and_non_finite_arguments():
    with pytest.raises(SpecError):
        geoanim.parse("vonmises(0)")
    with pytest.raises(ValidationError):
        geoanim.parse("vonmises(inf, 1)")
    with pytest.raises(ValidationError, match="`loc` must be a number"):
        VonMises("north", 1.0)  # type: ignore[arg-type]


def test_circular_law_is_not_shifted_or_scaled_as_a_line_law():
    d = law("vonmises(1, 2)")
    for move in (lambda: d.shifted(1.0), lambda: d.scaled(2.0)):
        with pytest.raises(UnsupportedError):
            move()


# ---------------------------------------------------------------------------------------------
# the law on [-π, π)
# ---------------------------------------------------------------------------------------------

LAWS = [(0.0, 1.0), (1.0, 2.0), (3.1, 2.0), (-2.5, 50.0), (0.5, 400.0), (-1.0, 1e4), (math.pi, 1e6), (0.3, 0.01)]


def shape_integral(loc: float, kappa: float, a: float, b: float) -> float:
    """∫_a^b exp(-2κ sin²((x - loc)/2)) dx by scipy's quad, split every tenth of a standard deviation
    near the peak (a reference independent of the family's panels)."""
    f = lambda x: math.exp(-2.0 * kappa * math.sin(0.5 * (x - loc)) ** 2)
    step = min(0.1, 0.2 / math.sqrt(kappa))
    cuts = [a, *[c for c in np.arange(loc - 40 * step, loc + 40 * step, step) if a < c < b], b]
    return math.fsum(quad(f, u, v, epsabs=0.0, epsrel=1e-13, limit=200)[0] for u, v in zip(cuts[:-1], cuts[1:]))


@pytest.mark.parametrize("loc, kappa", LAWS)
def test_pdf_integrates_to_one_and_matches_the_formula(loc, kappa):
    d = VonMises(loc, kappa)
    xs = np.linspace(-PI, PI, 9)
    from scipy.special import i0e
    expected = np.exp(kappa * (np.cos(xs - d.loc) - 1.0)) / (2 * math.pi * i0e(kappa))
    np.testing.assert_allclose(d.pdf(xs), expected, rtol=1e-12, atol=0)
    assert d.pdf(float(xs[3])) == pytest.approx(float(expected[3]), rel=1e-14)  # the scalar path
    assert d.pdf(4.0) == 0.0 and d.logpdf(-4.0) == -math.inf
    mass = shape_integral(d.loc, kappa, -PI, PI) * math.exp(-vm._log_norm(kappa))
    assert mass == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("loc, kappa", LAWS)
def test_cdf_and_sf_against_quadrature(loc, kappa):
    """The cdf is of the law on [-π, π): 0 at -π and 1 at π whatever μ, and both tails keep their digits."""
    d = VonMises(loc, kappa)
    assert d.cdf(-PI) == 0.0 and d.cdf(PI) == 1.0 and d.sf(PI) == 0.0 and d.sf(-PI) == 1.0
    s = 1.0 / math.sqrt(kappa)
    total = shape_integral(d.loc, kappa, -PI, PI)
    for x in [-3.0, -1.0, 0.5, 2.9, d.loc - 3 * s, d.loc + 5 * s, d.loc - 20 * s, -PI + 1e-9, PI - 1e-9]:
        x = min(max(x, -PI), PI)
        below, above = shape_integral(d.loc, kappa, -PI, x), shape_integral(d.loc, kappa, x, PI)
        for got, ref in ((d.cdf(x), below / total), (d.sf(x), above / total)):
            if ref > 1e-280:
                # the rounding of x - μ moves the density by κ |sin(x - μ)| ulp(π) relatively
                assert got == pytest.approx(ref, rel=1e-12 + 4 * kappa * 4.5e-16 * 40)


@pytest.mark.parametrize("loc, kappa", LAWS)
def test_quantiles_invert_the_cdf_and_are_monotone(loc, kappa):
    d = VonMises(loc, kappa)
    u = np.array([1e-12, 1e-6, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-6])
    for x, tail in ((d.ppf(u), d.cdf), (d.isf(u), d.sf)):
        assert np.all((x >= -PI) & (x <= PI))
        # F(x) = u to within what one ulp of x moves F by
        slack = 4 * d.pdf(x) * np.spacing(np.abs(x) + 1.0)
        assert np.all(np.abs(tail(x) - u) <= 1e-13 * u + slack)
    grid = np.linspace(0.0, 1.0, 2001)
    assert np.all(np.diff(d.ppf(grid)) >= 0) and np.all(np.diff(d.isf(grid)) <= 0)
    assert d.ppf(0.0) == -PI and d.ppf(1.0) == PI and d.isf(0.0) == PI and d.isf(1.0) == -PI


def test_wrap_mean_variance_and_plot_range():
    """vonmises(3.1, 2) and vonmises(-3.1, 2) are mirror images across the cut; the mean and variance are
    those of x on [-π, π) (the mass past the cut pulls the mean towards 0)."""
    p, q = VonMises(3.1, 2.0), VonMises(-3.1, 2.0)
    xs = np.linspace(-3.0, 3.0, 7)
    np.testing.assert_allclose(p.pdf(xs), q.pdf(-xs), rtol=1e-13)
    assert p.mean == pytest.approx(-q.mean, rel=1e-13) and p.var == pytest.approx(q.var, rel=1e-13)
    for d in (p, VonMises(1.0, 5.0), VonMises(0.2, 1e4)):
        total = shape_integral(d.loc, d.kappa, -PI, PI)
        f = lambda x, d=d, z=total: x * math.exp(-2 * d.kappa * math.sin(0.5 * (x - d.loc)) ** 2) / z
        mean = quad(f, -PI, PI, points=[d.loc], epsabs=1e-15, epsrel=1e-13, limit=200)[0]
        g = lambda x, d=d, z=total, m=mean: (x - m) ** 2 * math.exp(-2 * d.kappa * math.sin(0.5 * (x - d.loc)) ** 2) / z
        var = quad(g, -PI, PI, points=[d.loc], epsabs=0, epsrel=1e-12, limit=200)[0]
        assert d.mean == pytest.approx(mean, rel=1e-11, abs=1e-15) and d.var == pytest.approx(var, rel=1e-10)
    assert VonMises(0.2, 1e4).mean == 0.2  # nothing wraps: μ to rounding
    assert p.plot_range() == (-math.pi, math.pi) and p.support == (-PI, PI)
    assert np.all(np.abs(p.feature_points()) <= PI)


def test_no_overflow_at_large_kappa():
    d = VonMises(0.0, 1e6)
    assert d.pdf(0.0) == pytest.approx(math.sqrt(1e6 / (2 * math.pi)), rel=1e-6)
    assert d.var == pytest.approx(1e-6, rel=1e-5) and d.pdf(3.0) == 0.0
    assert d.cdf(-1e-3) == pytest.approx(0.15865525393145707, rel=1e-5)


# ---------------------------------------------------------------------------------------------
# the Fisher metric
# ---------------------------------------------------------------------------------------------


def profile_reference(r: float) -> list[mp.mpf]:
    """(b, A', A' - b, (A' - b)/r, A'') from mpmath's Bessel functions at 40 digits."""
    with mp.workdps(40):
        x = mp.mpf(r)
        ratio = lambda y: mp.besseli(1, y) / mp.besseli(0, y)
        A = ratio(x)
        prime = lambda y: 1 - ratio(y) / y - ratio(y) ** 2
        ap = prime(x)
        return [A / x, ap, ap - A / x, (ap - A / x) / x, mp.diff(prime, x)]


@pytest.mark.parametrize("r", [1e-3, 0.5, vm.R_SERIES, 3.0, 12.0, vm.R_HANKEL, 100.0, 1e6])
def test_profile_against_mpmath(r):
    got = vm.profile(np.array([r]))
    for value, ref in zip(got, profile_reference(r)):
        assert float(value[0]) == pytest.approx(float(ref), rel=2e-15)


@pytest.mark.parametrize("switch", [vm.R_SERIES, vm.R_HANKEL])
def test_branches_agree_at_their_switch_points(switch):
    below = np.nextafter(switch, 0.0)
    for a, b in zip(vm.profile(np.array([below])), vm.profile(np.array([switch]))):
        assert float(a[0]) == pytest.approx(float(b[0]), rel=2e-15)


def test_c_is_smooth_at_zero():
    """c = (A' - A/r)/r² -> -1/8, and g -> I/2 at θ = 0 (the uniform law)."""
    _, _, d, e, _ = vm.profile(np.array([1e-8, 0.0]))
    assert d[0] / 1e-16 == pytest.approx(-0.125, rel=1e-12) and e[1] == 0.0
    g, dg = vm.theta_fields(np.zeros(2))
    np.testing.assert_array_equal(g, 0.5 * np.eye(2))
    np.testing.assert_array_equal(dg, 0.0)


@pytest.mark.parametrize("theta", [(0.3, -0.2), (1.2, 1.9), (-7.0, 4.0), (40.0, -25.0), (3e3, 1e3)])
def test_metric_is_the_expected_outer_product_of_the_score(theta):
    """E[∇θ log p ∇θ log pᵀ] = E[(T - η)(T - η)ᵀ], T = (cos x, sin x), by quadrature."""
    t = np.array(theta)
    d = vm._from_natural(*t)
    g, _ = vm.theta_fields(t)
    eta = vm.ratio(d.kappa) * np.array([math.cos(d.loc), math.sin(d.loc)])
    width = min(math.pi, 40.0 / math.sqrt(d.kappa))
    cuts = sorted({-PI, PI, *[c for c in (d.loc - width, d.loc, d.loc + width) if -PI < c < PI]})

    def moment(i, j):
        f = lambda x: (np.array([math.cos(x), math.sin(x)])[i] - eta[i]) \
            * (np.array([math.cos(x), math.sin(x)])[j] - eta[j]) * d.pdf(x)
        return math.fsum(quad(f, a, b, epsabs=1e-300, epsrel=1e-12, limit=400)[0] for a, b in zip(cuts[:-1], cuts[1:]))

    info = np.array([[moment(i, j) for j in range(2)] for i in range(2)])
    np.testing.assert_allclose(g, info, rtol=1e-8, atol=1e-9 * np.abs(g).max())


@pytest.mark.parametrize("fields", [vm.theta_fields, vm._fields])
@pytest.mark.parametrize("x", [(0.3, -0.2), (0.02, 0.01), (0.45, 0.2), (2.0, 1.5), (20.0, -25.0), (8.0, 9.0)])
def test_metric_derivatives_against_finite_differences(fields, x):
    x = np.array(x)
    _, dg = fields(x)
    h = 1e-5 * max(1.0, float(np.abs(x).max()))
    for k in range(2):
        e = np.zeros(2)
        e[k] = h
        fd = (fields(x + e)[0] - fields(x - e)[0]) / (2 * h)
        np.testing.assert_allclose(dg[k], fd, rtol=1e-7, atol=1e-8 * max(float(np.abs(dg).max()), 1e-3))


def test_chart_is_the_pullback_of_the_theta_metric():
    """x = asinh(r) n: g_x = Jᵀ g_θ J with J = ∂θ/∂x."""
    for x in (np.array([0.3, -0.2]), np.array([2.0, 1.5]), np.array([-6.0, 7.0])):
        rho = float(np.hypot(*x))
        th = math.sinh(rho) * x / rho
        h = 1e-6
        J = np.column_stack([(math.sinh(np.hypot(*(x + e))) * (x + e) / np.hypot(*(x + e))
                              - math.sinh(np.hypot(*(x - e))) * (x - e) / np.hypot(*(x - e))) / (2 * h)
                             for e in h * np.eye(2)])
        np.testing.assert_allclose(vm._fields(x)[0], J.T @ vm.theta_fields(th)[0] @ J, rtol=1e-8)


# ---------------------------------------------------------------------------------------------
# geodesics
# ---------------------------------------------------------------------------------------------


def integrate(x0: np.ndarray, v0: np.ndarray) -> np.ndarray:
    """x(1) of x'' = -Γ(x)[x', x'] from (x0, v0) by scipy's DOP853, with Γ written out here from the
    chart's (g, ∂g) (independent of geoanim.paths.bvp)."""
    def rhs(_, y):
        x, v = y[:2], y[2:]
        g, dg = vm._fields(x)
        # Γ^l_ij v^i v^j = g^{lm} (Σ_ij ∂_i g_mj v^i v^j - ½ Σ_ij ∂_m g_ij v^i v^j)
        first = np.einsum("imj,i,j->m", dg, v, v)
        second = np.einsum("mij,i,j->m", dg, v, v)
        return np.concatenate([v, -np.linalg.solve(g, first - 0.5 * second)])

    sol = solve_ivp(rhs, (0.0, 1.0), np.concatenate([x0, v0]), method="DOP853", rtol=1e-12, atol=1e-13)
    return sol.y[:2, -1]


PAIRS = [("vonmises(0, 1)", "vonmises(2, 5)"), ("vonmises(3.1, 2)", "vonmises(-3.1, 2)"),
         ("vonmises(0, 0.01)", "vonmises(2, 1e4)"), ("vonmises(1, 0.5)", "vonmises(-2, 0.5)")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_geodesic_against_an_independent_integration_and_reversal(a, b):
    p, q = law(a), law(b)
    c = VonMises.fisher_chart
    sol = bvp.solve(c.fields, None, c.coords(p), c.delta(p, q))
    end = integrate(c.coords(p), sol.velocity)
    target = c.coords(p) + c.delta(p, q)
    assert np.abs(end - target).max() <= 1e-8 * max(1.0, float(np.abs(c.delta(p, q)).max()))
    back = bvp.solve(c.fields, None, c.coords(q), c.delta(q, p))
    assert back.length == pytest.approx(sol.length, rel=1e-10)
    # constant speed: the length is the initial speed
    g0 = c.metric(c.coords(p))
    assert sol.length == pytest.approx(math.sqrt(sol.velocity @ g0 @ sol.velocity), rel=1e-10)
    path = geoanim.geodesic(p, q, "fisher")
    assert path.length == geoanim.geodesic(q, p, "fisher").length == pytest.approx(sol.length, rel=1e-10)
    assert path(0.0) == p and path(1.0) == q and isinstance(path(0.5), VonMises)


def test_reference_distance():
    """vonmises(0, 1) -> vonmises(2, 5): 2.2665241974570 (the solve in the chart, checked by DOP853 above)."""
    assert geoanim.geodesic(law("vonmises(0, 1)"), law("vonmises(2, 5)"), "fisher").length == pytest.approx(
        2.2665241974570, rel=1e-11)


def test_nearby_laws_first_order():
    """d(p, q) = √(Δθᵀ g Δθ) (1 + O(|Δ|²)), with g at the midpoint; also across the cut at ±π."""
    for p, q in [(VonMises(0.4, 3.0), VonMises(0.4 + 1e-6, 3.0 + 2e-6)),
                 (VonMises(PI, 2.0), VonMises(-PI + 1e-7, 2.0)), (VonMises(-1.0, 1e5), VonMises(-1.0 + 1e-6, 1e5))]:
        dth = vm.theta_delta(p, q)
        g, _ = vm.theta_fields(vm.theta(p) + 0.5 * dth)
        assert geoanim.geodesic(p, q, "fisher").length == pytest.approx(math.sqrt(dth @ g @ dth), rel=1e-9)


def test_large_kappa_tends_to_the_normal_half_plane():
    """At large κ the law is nearly N(μ, 1/κ) and the metric nearly the normal family's (dμ² + 2dσ²)/σ² with
    σ = κ^(-1/2): distances between vonmises(0, κ) and vonmises(δ, κ), δ√κ fixed, converge to the normal's."""
    gaps = []
    for kappa in (1e2, 1e4):
        delta = 2.0 / math.sqrt(kappa)
        vmd = geoanim.geodesic(VonMises(0.0, kappa), VonMises(delta, kappa), "fisher").length
        sigma = 1.0 / math.sqrt(kappa)
        ends = geoanim.parse(f"normal(0, {sigma!r})"), geoanim.parse(f"normal({delta!r}, {sigma!r})")
        normal = geoanim.geodesic(*ends, "fisher").length
        gaps.append(abs(vmd / normal - 1.0))
    assert gaps[1] < 2e-3 and gaps[1] < gaps[0] / 50  # O(1/κ)


def test_opposite_means_pass_near_the_uniform_law():
    """vonmises(0, κ) -> vonmises(π, κ): the geodesic runs along the line through θ = 0 (the fixed set of
    the reflection θ2 -> -θ2), through κ ~ 0; the nonparametric Fisher-Rao distance bounds it from below."""
    p, q = VonMises(0.0, 2.0), VonMises(math.pi, 2.0)
    path = geoanim.geodesic(p, q, "fisher")
    assert min(path(float(t)).kappa for t in np.linspace(0, 1, 41)) < 1e-10
    # along the line, twice the radial distance from κ = 0: 2 ∫_0^2 √A'(r) dr
    radial = quad(lambda r: math.sqrt(float(vm.profile(np.array([r]))[1][0])), 0.0, 2.0, epsrel=1e-13)[0]
    assert path.length == pytest.approx(2 * radial, rel=1e-9)
    assert geoanim.geodesic(p, q, "fisher-np").length <= path.length


def test_wrap_neighbours_are_close():
    near = geoanim.geodesic(law("vonmises(3.1, 2)"), law("vonmises(-3.1, 2)"), "fisher").length
    far = geoanim.geodesic(law("vonmises(3.1, 2)"), law("vonmises(0, 2)"), "fisher").length
    assert near == pytest.approx(0.0982370678940, rel=1e-9) and near < far / 20


# ---------------------------------------------------------------------------------------------
# KL's straight lines
# ---------------------------------------------------------------------------------------------


def kl_textbook(p: VonMises, q: VonMises) -> mp.mpf:
    """log I0(κq) - log I0(κp) + A(κp)(κp - κq cos(μq - μp)), at 50 digits."""
    with mp.workdps(50):
        kp, kq = mp.mpf(p.kappa), mp.mpf(q.kappa)
        a = mp.besseli(1, kp) / mp.besseli(0, kp)
        return mp.log(mp.besseli(0, kq)) - mp.log(mp.besseli(0, kp)) + a * (kp - kq * mp.cos(mp.mpf(q.loc) - p.loc))


@pytest.mark.parametrize("p, q", [
    (VonMises(0, 1), VonMises(2, 5)), (VonMises(3.1, 2), VonMises(-3.1, 2)), (VonMises(0, 1e4), VonMises(3, 1e4)),
    (VonMises(0.3, 0.01), VonMises(0.3 + 1e-9, 0.01)), (VonMises(1, 1e6), VonMises(1 + 1e-7, 999999.999)),
    (VonMises(0, 0.01), VonMises(2, 1e4)), (VonMises(1.0, 50.0), VonMises(1.0, 50.0000001))])
def test_kl_against_the_textbook_form_in_mpmath(p, q):
    assert vm.vonmises_kl(p, q) == pytest.approx(float(kl_textbook(p, q)), rel=2e-14)


def test_kl_against_direct_quadrature():
    p, q = VonMises(0.5, 3.0), VonMises(-1.0, 0.7)
    f = lambda x: p.pdf(x) * (p.logpdf(x) - q.logpdf(x))
    direct = quad(f, -PI, PI, points=[0.5], epsabs=0, epsrel=1e-13)[0]
    assert vm.vonmises_kl(p, q) == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize("p, q", [
    (VonMises(0, 1), VonMises(2, 5)), (VonMises(3.1, 2), VonMises(-3.1, 2)),
    (VonMises(0, 1e4), VonMises(0.5, 1e6)), (VonMises(-1, 1e5), VonMises(-1 + 1e-6, 2e5))])
def test_m_point_is_linear_in_eta(p, q):
    def eta(d):
        with mp.workdps(40):
            k = mp.mpf(d.kappa)
            a = mp.besseli(1, k) / mp.besseli(0, k)
            return [a * mp.cos(d.loc), a * mp.sin(d.loc)], 1 - a

    (ep, _), (eq, _) = eta(p), eta(q)
    for t in (0.25, 0.5, 0.9):
        m = VonMises.exponential_family.m_point(p, q, t)
        em, gap = eta(m)
        target = [(1 - t) * a + t * b for a, b in zip(ep, eq)]
        assert max(abs(float(a - b)) for a, b in zip(em, target)) <= 1e-15
        with mp.workdps(40):
            assert float(gap) == pytest.approx(float(1 - mp.sqrt(target[0] ** 2 + target[1] ** 2)), rel=1e-13)


def test_e_point_is_linear_in_theta_and_passes_the_uniform_law():
    p, q = VonMises(0.0, 2.0), VonMises(1.0, 3.0)
    e = VonMises.exponential_family.e_point(p, q, 0.3)
    np.testing.assert_allclose(vm.theta(e), 0.7 * vm.theta(p) + 0.3 * vm.theta(q), rtol=1e-15)
    through = VonMises.exponential_family.e_point(VonMises(1.5, 2.0), VonMises(-1.5, 2.0), 0.5)
    assert through.kappa == pytest.approx(2.0 * math.cos(1.5), rel=1e-14)


def test_inverse_ratio_round_trip():
    for kappa in (1e-6, 0.3, 1.2, 29.0, 31.0, 1e4, 1e6):
        a, gap = vm.ratio(kappa), vm.ratio_gap(kappa)
        assert vm.inverse_ratio(a, gap) == pytest.approx(kappa, rel=1e-13)


@pytest.mark.parametrize("metric", ["wasserstein", "wfr(1)", "entropic(0.5)"])
def test_transport_on_the_line_refuses_the_circle(metric):
    """W2, WFR and entropic OT use the line's |x - y|: between vonmises(3.1, 2) and vonmises(-3.1, 2) the
    interval's W2 is 0.505 (all the mass carried across), the circle's about 0.08; refused, with the reason."""
    from geoanim.errors import UnsupportedError

    with pytest.raises(UnsupportedError, match="lives on the circle"):
        geoanim.geodesic(geoanim.parse("vonmises(3.1, 2)"), geoanim.parse("vonmises(-3.1, 2)"), metric)
    with pytest.raises(UnsupportedError, match="lives on the circle"):
        geoanim.geodesic(geoanim.parse("normal(0, 1)"), geoanim.parse("vonmises(0, 2)"), metric)


def test_families_listing_and_a_plain_render_know_the_circle(tmp_path):
    import json
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "geoanim", "families", "--json"], capture_output=True, text=True,
                         timeout=60)
    vm = {f["name"]: f for f in json.loads(run.stdout)}["vonmises"]
    assert all(vm["metrics"][m] is None for m in ("wasserstein", "wfr", "entropic"))  # "not supported" in text
    assert vm["metrics"]["fisher"].startswith("numerical")
    out = tmp_path / "vm.gif"
    run = subprocess.run([sys.executable, "-m", "geoanim", "render", "vonmises(0, 1)", "vonmises(2, 5)", "-o",
                          str(out), "--frames", "8", "-q"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wasserstein has no route between vonmises and vonmises; showing fisher-np instead" in run.stderr
    assert out.stat().st_size > 10_000
