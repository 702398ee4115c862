"""KL's own geometry: the e-, m-, mixture and α-geodesics, their Fisher-Rao arc lengths and KL itself.

Reference values come from independent computations: the normalised geometric mixture integrated
by scipy, moments of the mixture, the Fisher-Rao speed of a curve integrated along it, and KL by
direct quadrature of p log(p/q).
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.integrate import quad

import geoanim
from geoanim.errors import UnsupportedError
from geoanim.paths.divergence import kl
from geoanim.paths.registry import geodesic, get_metric

P = geoanim.parse


def normalised_geometric(p, q, t):
    """x -> p^(1-t) q^t / Z, with Z by scipy (the e-geodesic's definition on densities)."""
    f = lambda x: math.exp((1 - t) * float(p.logpdf(x)) + t * float(q.logpdf(x)))  # noqa: E731
    z, _ = quad(f, -math.inf, math.inf, epsabs=0, epsrel=1e-12, limit=200)
    return lambda x: f(x) / z


# -- the points ------------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0.2, 0.5, 0.9])
def test_e_geodesic_between_normals_is_the_normalised_geometric_mixture(t):
    p, q = P("normal(-1, 0.7)"), P("normal(2, 1.9)")
    path = geodesic(p, q, "e-geodesic")
    assert path.model == "normal" and type(path(t)).__name__ == "Normal"
    ref = normalised_geometric(p, q, t)
    for x in (-3.0, -0.5, 0.0, 1.3, 4.0):
        assert path(t).pdf(x) == pytest.approx(ref(x), rel=1e-10)


def test_e_geodesic_in_the_family_is_the_densities_route_s_curve():
    """The e-geodesic on all densities between two normals never leaves the normals: the family's
    closed form and the general route (normalised power mean by quadrature) give the same laws."""
    from geoanim.paths.dual import PowerMeanPoint

    p, q = P("normal(0, 1)"), P("normal(3, 0.5)")
    path = geodesic(p, q, "e")
    for t in (0.25, 0.6):
        general = PowerMeanPoint(p, q, t, 0.0)
        for x in (-1.0, 0.5, 2.0, 3.5):
            assert general.pdf(x) == pytest.approx(path(t).pdf(x), rel=1e-9)


@pytest.mark.parametrize("t", [0.3, 0.5])
def test_m_geodesic_between_normals_matches_the_mixture_moments(t):
    p, q = P("normal(-4, 1)"), P("normal(4, 1)")
    point = geodesic(p, q, "m-geodesic")(t)
    mixture = geodesic(p, q, "mixture")(t)
    assert point.mean == pytest.approx(mixture.mean, rel=1e-12, abs=1e-12)
    assert point.var == pytest.approx(mixture.var, rel=1e-12)
    # Σ_t = (1-t)σ0² + tσ1² + t(1-t)Δμ²: 1 + 64 t (1 - t)
    assert point.var == pytest.approx(1 + 64 * t * (1 - t), rel=1e-14)


def test_m_geodesic_between_mvnormals_matches_the_mixture_moments():
    p = P("mvnormal([0, 0], [[1, 0.3], [0.3, 2]])")
    q = P("mvnormal([2, -1], [[0.5, 0], [0, 1.5]])")
    point = geodesic(p, q, "m")(0.4)
    mean, cov = geodesic(p, q, "mixture")(0.4).moments()
    np.testing.assert_allclose(point.mu, mean, rtol=1e-13)
    np.testing.assert_allclose(point.sigma, cov, rtol=1e-12)


def test_e_geodesic_between_mvnormals_has_linear_precision():
    p = P("mvnormal([0, 0], [[1, 0.3], [0.3, 2]])")
    q = P("mvnormal([2, -1], [[0.5, 0], [0, 1.5]])")
    t = 0.35
    point = geodesic(p, q, "e")(t)
    Pp, Pq = np.linalg.inv(p.sigma), np.linalg.inv(q.sigma)
    np.testing.assert_allclose(np.linalg.inv(point.sigma), (1 - t) * Pp + t * Pq, rtol=1e-12)
    h = (1 - t) * Pp @ p.mu + t * Pq @ q.mu
    np.testing.assert_allclose(np.linalg.inv(point.sigma) @ point.mu, h, rtol=1e-12)


def test_alpha_ends_are_e_and_mixture():
    p, q = P("normal(0, 1)"), P("laplace(1, 2)")
    e, mix = geodesic(p, q, "e"), geodesic(p, q, "mixture")
    a1, am1 = geodesic(p, q, "alpha(1)"), geodesic(p, q, "alpha(-1)")
    for t in (0.3, 0.7):
        for x in (-2.0, 0.0, 1.5):
            assert a1(t).pdf(x) == pytest.approx(e(t).pdf(x), rel=1e-12)
            assert am1(t).pdf(x) == pytest.approx(mix(t).pdf(x), rel=1e-12)
    assert a1.length == e.length and am1.length == pytest.approx(mix.length, rel=1e-12)


@pytest.mark.parametrize("pair", [("normal(0, 1)", "laplace(1, 2)"), ("exponential(1)", "exponential(3)"),
                                  ("poisson(2)", "poisson(5)"), ("normal(-4, 1)", "normal(4, 1)")])
def test_alpha_zero_is_the_fisher_rao_great_circle(pair):
    """a = 0: ((1-t)√p + t√q)² normalised runs along the great circle through √p and √q, so its length
    is the nonparametric Fisher-Rao distance 2 arccos BC, and its points lie in the span of √p, √q."""
    p, q = P(pair[0]), P(pair[1])
    path = geodesic(p, q, "alpha(0)")
    assert path.length == pytest.approx(geodesic(p, q, "fisher-np").length, rel=1e-8)
    # √p_t = c0 √p + c1 √q exactly: least squares over many points leaves no residual
    if p.kind == "continuous":
        x = np.linspace(-6.0, 9.0, 301)
        x = x[(p.pdf(x) > 0) & (q.pdf(x) > 0)]
        basis = np.column_stack([np.sqrt(p.pdf(x)), np.sqrt(q.pdf(x))])
        target = np.sqrt(path(0.37).pdf(x))
        coef, *_ = np.linalg.lstsq(basis, target, rcond=None)
        assert np.abs(basis @ coef - target).max() <= 1e-9 * target.max() and (coef > 0).all()


def test_alpha_title_and_colour_follow_the_parameter():
    path = geodesic(P("normal(0, 1)"), P("normal(1, 1)"), "alpha(0.5)")
    assert path.metric == "alpha(0.5)" and path.title == "\u03b1-geodesic (\u03b1 = 0.5)"
    a, b = get_metric("alpha(-1)").panel_colors(), get_metric("alpha(1)").panel_colors()
    assert a == get_metric("mixture").panel_colors() and b == get_metric("e").panel_colors()


# -- lengths ---------------------------------------------------------------------------------------


def test_e_geodesic_between_normals_of_one_width_is_a_horizontal_line():
    """Same σ: precisions constant, the mean linear; ds = |dμ|/σ along it, so the length is |Δμ|/σ = 8,
    against the Fisher-Rao distance 4.986 (the semicircle)."""
    p, q = P("normal(-4, 1)"), P("normal(4, 1)")
    e = geodesic(p, q, "e")
    assert e.length == pytest.approx(8.0, rel=1e-10)
    assert geodesic(p, q, "fisher").length < e.length


def _speed_integral(speed) -> float:
    value, _ = quad(speed, 0.0, 1.0, epsabs=0, epsrel=1e-12, limit=200)
    return value


def test_m_geodesic_length_is_the_integral_of_the_fisher_speed():
    """Normals: ds² = (dμ² + 2 dσ²)/σ²; along μ_t = lerp, σ_t² = 1 + 64 t(1 - t) + ... in closed form."""
    p, q = P("normal(-4, 1)"), P("normal(4, 2)")
    dm = 8.0

    def speed(t):
        var = (1 - t) * 1 + t * 4 + t * (1 - t) * dm * dm
        dvar = -1 + 4 + (1 - 2 * t) * dm * dm
        sigma = math.sqrt(var)
        dsigma = dvar / (2 * sigma)
        return math.sqrt(dm * dm + 2 * dsigma * dsigma) / sigma

    assert geodesic(p, q, "m").length == pytest.approx(_speed_integral(speed), rel=1e-9)


def test_e_geodesic_length_between_mvnormals_is_the_integral_of_the_fisher_speed():
    """ds² = μ'ᵀΣ⁻¹μ' + ½ tr((Σ⁻¹Σ')²), with (μ_t, Σ_t) from linear natural parameters (derivatives
    in closed form: P' = Pq - Pp, Σ' = -Σ P' Σ, μ' = Σ (h' - P' μ))."""
    p = P("mvnormal([0, 0], [[1, 0.3], [0.3, 2]])")
    q = P("mvnormal([2, -1], [[0.5, 0], [0, 1.5]])")
    Pp, Pq = np.linalg.inv(p.sigma), np.linalg.inv(q.sigma)
    hp, hq = Pp @ p.mu, Pq @ q.mu

    def speed(t):
        Pt = (1 - t) * Pp + t * Pq
        S = np.linalg.inv(Pt)
        mu = S @ ((1 - t) * hp + t * hq)
        dP = Pq - Pp
        dS = -S @ dP @ S
        dmu = S @ (hq - hp - dP @ mu)
        A = Pt @ dS
        return math.sqrt(dmu @ Pt @ dmu + 0.5 * np.trace(A @ A))

    assert geodesic(p, q, "e").length == pytest.approx(_speed_integral(speed), rel=1e-9)


@pytest.mark.parametrize("metric", ["e", "m", "mixture", "alpha(0.5)"])
@pytest.mark.parametrize("pair", [("normal(0, 1)", "normal(2, 3)"), ("poisson(2)", "poisson(9)"),
                                  ("categorical([0.2, 0.3, 0.5])", "categorical([0.6, 0.3, 0.1])"),
                                  ("normal(0, 1)", "laplace(1, 1)")])
def test_a_curve_is_at_least_as_long_as_the_fisher_rao_distance(metric, pair):
    p, q = P(pair[0]), P(pair[1])
    path = geodesic(p, q, metric)
    reference = geodesic(p, q, "fisher" if path.model == p.family else "fisher-np")
    assert path.length >= reference.length * (1 - 1e-9) - path.error
    assert path.error <= 1e-6 * path.length


def test_one_parameter_families_have_one_curve():
    """In a one-parameter family every curve between two members is the geodesic, reparametrised."""
    pairs = (("exponential(1)", "exponential(3)"), ("poisson(2)", "poisson(5)"), ("halfnormal(1)", "halfnormal(2)"))
    for pair in pairs:
        p, q = P(pair[0]), P(pair[1])
        d = geodesic(p, q, "fisher").length
        for metric in ("e", "m"):
            assert geodesic(p, q, metric).length == pytest.approx(d, rel=1e-9)


def test_nearly_identical_endpoints_keep_their_digits():
    p, q = P("normal(0, 1)"), P("normal(1e-9, 1)")
    for metric in ("e", "m"):
        assert geodesic(p, q, metric).length == pytest.approx(1e-9, rel=1e-9)


def test_mixture_between_disjoint_supports_has_length_pi():
    path = geodesic(P("uniform(0, 1)"), P("uniform(2, 3)"), "mixture")
    assert path.length == pytest.approx(math.pi, rel=1e-9)


# -- KL ------------------------------------------------------------------------------------------


def _kl_by_quadrature(p, q, lo=-math.inf, hi=math.inf) -> float:
    f = lambda x: p.pdf(x) * (float(p.logpdf(x)) - float(q.logpdf(x))) if p.pdf(x) > 0 else 0.0  # noqa: E731
    value, _ = quad(f, lo, hi, epsabs=0, epsrel=1e-12, limit=200)
    return value


@pytest.mark.parametrize("pair, lo", [(("normal(0, 1)", "normal(1, 2)"), -math.inf),
                                      (("exponential(1)", "exponential(3)"), 0.0),
                                      (("halfnormal(1)", "halfnormal(2.5)"), 0.0),
                                      (("normal(0, 1)", "laplace(1, 2)"), -math.inf),
                                      (("laplace(0, 1)", "normal(0.5, 1.5)"), -math.inf)])
def test_kl_against_direct_quadrature(pair, lo):
    p, q = P(pair[0]), P(pair[1])
    value, method = kl(p, q)
    assert value == pytest.approx(_kl_by_quadrature(p, q, lo), rel=1e-9)
    if type(p) is type(q):
        assert method == "closed form"


def test_kl_closed_forms():
    assert kl(P("normal(0, 1)"), P("normal(1, 2)"))[0] == pytest.approx(math.log(2) + 2 / 8 - 0.5, rel=1e-14)
    assert kl(P("poisson(2)"), P("poisson(5)"))[0] == pytest.approx(2 * math.log(0.4) - 2 + 5, rel=1e-14)
    assert kl(P("exponential(1)"), P("exponential(3)"))[0] == pytest.approx(math.log(1 / 3) + 3 - 1, rel=1e-14)
    p, q = P("categorical([0.2, 0.3, 0.5])"), P("categorical([0.5, 0.25, 0.25])")
    ref = sum(a * math.log(a / b) for a, b in zip(p.probs, q.probs))
    assert kl(p, q)[0] == pytest.approx(ref, rel=1e-14)
    # mvnormal: ½ (tr(Σq⁻¹Σp) - k - log det(Σq⁻¹Σp) + Δμᵀ Σq⁻¹ Δμ)
    p, q = P("mvnormal([0, 0], [[1, 0.3], [0.3, 2]])"), P("mvnormal([1, -1], [[2, 0], [0, 1]])")
    A = np.linalg.solve(q.sigma, p.sigma)
    d = q.mu - p.mu
    ref = 0.5 * (np.trace(A) - 2 - math.log(np.linalg.det(A)) + d @ np.linalg.solve(q.sigma, d))
    assert kl(p, q)[0] == pytest.approx(ref, rel=1e-13)


def _exact_kl(family: str, a: float, b: float) -> float:
    """KL between two members, in 50-digit arithmetic from the stored floats (mpmath)."""
    import mpmath

    mpmath.mp.dps = 50
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    if family == "normal":  # means a, b, std 1
        return float((a - b) ** 2 / 2)
    if family == "exponential":  # rates: log(a/b) + b/a - 1
        return float(mpmath.log(a / b) + b / a - 1)
    return float(a * mpmath.log(a / b) - a + b)  # poisson


@pytest.mark.parametrize("family, a, b", [("normal", 0.0, 1e-9), ("exponential", 100.0, 100.00000001),
                                          ("poisson", 3.0, 3.000000003), ("normal", 5.0, 5.0 + 1e-12),
                                          ("exponential", 2.0, 2.0 * (1 + 1e-6))])
def test_kl_keeps_its_digits_for_nearly_identical_laws(family, a, b):
    spec = {"normal": "normal({}, 1)", "exponential": "exponential({})", "poisson": "poisson({})"}[family]
    value = kl(P(spec.format(repr(a))), P(spec.format(repr(b))))[0]
    assert value == pytest.approx(_exact_kl(family, a, b), rel=1e-9, abs=0)


def test_kl_infinite_where_supports_are_not_contained():
    assert kl(P("uniform(0, 2)"), P("uniform(0, 1)"))[0] == math.inf
    assert kl(P("uniform(0, 1)"), P("uniform(0, 2)"))[0] == pytest.approx(math.log(2), rel=1e-10)
    assert kl(P("cauchy(0, 1)"), P("normal(0, 1)"))[0] == math.inf


# -- refusals ------------------------------------------------------------------------------------


def test_e_geodesic_undefined_between_different_supports():
    with pytest.raises(UnsupportedError, match="supports differ"):
        geodesic(P("uniform(0, 1)"), P("uniform(0.5, 2)"), "e")
    with pytest.raises(UnsupportedError, match="do not meet"):
        geodesic(P("uniform(0, 1)"), P("uniform(2, 3)"), "e")
    with pytest.raises(UnsupportedError, match="atoms differ"):
        geodesic(P("points([0, 1], [0.5, 0.5])"), P("points([0, 2], [0.5, 0.5])"), "e")
    with pytest.raises(UnsupportedError, match="mutually singular"):
        geodesic(P("mvnormal([0, 0], [[1, 0], [0, 1]])"), P("points2d([[0, 0]])"), "e")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "geoanim", *args], capture_output=True, text=True, timeout=120)


def test_kl_is_not_a_metric_on_the_command_line():
    r = _cli("distance", "normal(0, 1)", "normal(1, 1)", "--metric", "kl")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "KL is a divergence, not a metric" in lines[0] and "e-geodesic" in lines[0]


def test_metric_parameters_are_checked_with_a_caret():
    r = _cli("distance", "normal(0, 1)", "normal(1, 1)", "--metric", "alpha(2)")
    assert r.returncode == 2
    lines = r.stderr.rstrip("\n").splitlines()
    assert lines[0] == "geoanim: error: alpha: `a` must be in [-1, 1] (got 2)"
    assert lines[1].strip() == "alpha(2)" and lines[2].index("^") == lines[1].index("2")
    r = _cli("distance", "normal(0, 1)", "normal(1, 1)", "--metric", "alpha")
    assert r.returncode == 2 and "alpha(0.5)" in r.stderr


def test_distance_prints_curve_lengths_and_both_divergences():
    r = _cli("distance", "normal(-4, 1)", "normal(4, 1)", "--metric", "fisher", "--metric", "e", "--json")
    assert r.returncode == 0, r.stderr
    import json

    data = json.loads(r.stdout)
    assert data["distances"]["fisher"] == pytest.approx(4.9858019211, rel=1e-9)
    assert data["curve_lengths"]["e-geodesic"] == pytest.approx(8.0, rel=1e-9)
    assert data["divergences"]["KL(p||q)"] == pytest.approx(32.0, rel=1e-12)
    # the table prints a curve's length to the digits its error estimate supports
    r = _cli("distance", "normal(0, 1)", "cauchy(0, 1)", "--metric", "e")
    row = next(line for line in r.stdout.splitlines() if line.startswith("e-geodesic"))
    assert " 1.55 " in row and "error \u2264 2e-04" in row, row


# -- gamma, beta and Weibull (one shape): the two-parameter families without a Fisher-Rao closed form ---------


def _gamma_info(a, b):
    """Fisher information of gamma in (shape, rate), from polygamma: [[ψ1(α), -1/β], [-1/β, α/β²]]."""
    from scipy.special import polygamma

    return np.array([[float(polygamma(1, a)), -1 / b], [-1 / b, a / b**2]])


def _beta_info(a, b):
    from scipy.special import polygamma

    s = float(polygamma(1, a + b))
    return np.array([[float(polygamma(1, a)) - s, -s], [-s, float(polygamma(1, b)) - s]])


@pytest.mark.parametrize("pair, info, params", [
    (("gamma(2, 1)", "gamma(5, 3)"), _gamma_info, ("shape", "rate")),
    (("gamma(0.5, 1)", "gamma(50, 0.5)"), _gamma_info, ("shape", "rate")),
    (("beta(0.5, 0.5)", "beta(5, 2)"), _beta_info, ("a", "b")),
    (("beta(2, 5)", "beta(5, 2)"), _beta_info, ("a", "b"))])
def test_e_geodesic_in_gamma_and_beta_is_straight_in_the_parameters(pair, info, params):
    """Natural parameters (α - 1, -β) and (a - 1, b - 1) are affine in the parameters: the points are
    the lerp, and the length is ∫ √(Δᵀ I Δ) dt with the Fisher information from polygamma."""
    p, q = P(pair[0]), P(pair[1])
    path = geodesic(p, q, "e")
    assert path.model == p.family and path.method.startswith("closed-form points")
    x0, x1 = (np.array([getattr(d, n) for n in params]) for d in (p, q))
    mid = path(0.3)
    assert [getattr(mid, n) for n in params] == pytest.approx(0.7 * x0 + 0.3 * x1, rel=1e-15)
    d = x1 - x0
    speed = lambda t: math.sqrt(d @ info(*(x0 + t * d)) @ d)  # noqa: E731
    assert path.length == pytest.approx(_speed_integral(speed), rel=1e-9)
    assert path.length > geodesic(p, q, "fisher").length


@pytest.mark.parametrize("pair", [("gamma(0.5, 1)", "gamma(50, 0.5)"), ("gamma(2, 1)", "gamma(2, 3)"),
                                  ("gamma(1e5, 1e3)", "gamma(0.01, 2)")])
def test_m_geodesic_in_gamma_matches_the_expectations_of_x_and_log_x(pair):
    """η = (E x, E log x) = (α/β, ψ(α) - log β), here from mpmath (independent of the solver's forms)."""
    import mpmath

    mpmath.mp.dps = 30
    p, q = P(pair[0]), P(pair[1])
    eta = lambda d: np.array([d.shape / d.rate, float(mpmath.digamma(d.shape) - mpmath.log(d.rate))])  # noqa: E731
    for t in (0.25, 0.7):
        m = geodesic(p, q, "m")(t)
        assert m.family == "gamma"
        assert eta(m) == pytest.approx((1 - t) * eta(p) + t * eta(q), rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("pair", [("beta(0.5, 0.5)", "beta(5, 2)"), ("beta(0.01, 100)", "beta(100, 0.01)"),
                                  ("beta(20, 30)", "beta(25, 20)")])
def test_m_geodesic_in_beta_matches_the_expectations_of_the_logs(pair):
    """η = (E log x, E log(1 - x)), here from mpmath's digamma (independent of the solver's forms)."""
    import mpmath

    mpmath.mp.dps = 30
    p, q = P(pair[0]), P(pair[1])
    eta = lambda d: np.array([float(mpmath.digamma(d.a) - mpmath.digamma(d.a + d.b)),  # noqa: E731
                              float(mpmath.digamma(d.b) - mpmath.digamma(d.a + d.b))])
    for t in (0.1, 0.5, 0.9):
        m = geodesic(p, q, "m")(t)
        assert eta(m) == pytest.approx((1 - t) * eta(p) + t * eta(q), rel=1e-12, abs=1e-13)


def test_weibull_of_one_shape_is_an_exponential_family_and_of_two_is_not():
    p, q = P("weibull(1.5, 2)"), P("weibull(1.5, 3)")
    e, m = geodesic(p, q, "e"), geodesic(p, q, "m")
    # T = x^1.5: λ^-1.5 linear along e, λ^1.5 linear along m; one parameter, so both have the FR length
    assert e(0.5).scale ** -1.5 == pytest.approx((2**-1.5 + 3**-1.5) / 2, rel=1e-14)
    assert m(0.5).scale ** 1.5 == pytest.approx((2**1.5 + 3**1.5) / 2, rel=1e-14)
    fr = 1.5 * math.log(1.5)  # √I = k/λ in λ for fixed k: the distance k |log(λq/λp)|
    assert e.length == pytest.approx(fr, rel=1e-9) and m.length == pytest.approx(fr, rel=1e-9)
    other = geodesic(p, P("weibull(2, 3)"), "e")
    assert other.model != "weibull"  # the densities' normalised geometric mixture, labelled so


def _exact_family_kl(p, q) -> float:
    """KL(p‖q) from the textbook closed forms in 50-digit arithmetic (mpmath), from the stored floats."""
    import mpmath

    mpmath.mp.dps = 50
    if p.family == "gamma":
        ap, bp, aq, bq = map(mpmath.mpf, (p.shape, p.rate, q.shape, q.rate))
        return float((ap - aq) * mpmath.digamma(ap) - mpmath.loggamma(ap) + mpmath.loggamma(aq)
                     + aq * (mpmath.log(bp) - mpmath.log(bq)) + ap * (bq - bp) / bp)
    ap, bp, aq, bq = map(mpmath.mpf, (p.a, p.b, q.a, q.b))
    lb = lambda a, b: mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b)  # noqa: E731
    return float(lb(aq, bq) - lb(ap, bp) + (ap - aq) * mpmath.digamma(ap) + (bp - bq) * mpmath.digamma(bp)
                 + (aq - ap + bq - bp) * mpmath.digamma(ap + bp))


@pytest.mark.parametrize("pair", [
    ("gamma(2, 1)", "gamma(2, 3)"), ("gamma(0.5, 1)", "gamma(50, 0.5)"), ("gamma(2, 1)", "gamma(2.000001, 1)"),
    ("gamma(1e5, 1)", "gamma(100000.01, 1.0000001)"), ("gamma(0.001, 3)", "gamma(0.0010001, 3)"),
    ("beta(2, 5)", "beta(5, 2)"), ("beta(0.5, 0.5)", "beta(5, 2)"), ("beta(2, 3)", "beta(2.000001, 3)"),
    ("beta(1e5, 2e5)", "beta(100000.01, 200000.02)"), ("beta(0.001, 1e6)", "beta(1e6, 0.001)"),
    ("beta(0.002, 13)", "beta(0.002000001, 13.0000001)")])
def test_gamma_and_beta_kl_keep_their_digits(pair):
    """The textbook forms cancel for close laws and for large shapes (five and seven terms of size
    log Γ); ours are sums of terms >= 0 (docs/math.md#kls-straight-lines-in-gamma-and-beta)."""
    p, q = P(pair[0]), P(pair[1])
    value, method = kl(p, q)
    assert method == "closed form"
    assert value == pytest.approx(_exact_family_kl(p, q), rel=1e-11, abs=0)
