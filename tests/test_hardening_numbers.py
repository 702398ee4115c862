"""Never silently wrong: one test per class of wrong number an adversarial run found.

Each reference below is computed independently of the package (mpmath at 50-80 digits from the
formulas in docs/math.md, or the definition itself); each test failed before the fix it guards.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

import geoanim
from geoanim.errors import UnsupportedError
from geoanim.families import MVNormal

P = geoanim.parse
mp.mp.dps = 60


# ---------------------------------------------------------------------------------------------
# geodesic points are first-class distributions to every metric
# ---------------------------------------------------------------------------------------------


def test_planar_fisher_np_points_are_first_class():
    # the issue's own case: fisher-np from p to a point of its own fisher-np path gave pi
    p, q = P("mvnormal([0, 0], [[1, 0], [0, 1]])"), P("mvnormal([3, 1], [[2, 0.9], [0.9, 1]])")
    g = geoanim.geodesic(p, q, "fisher-np")
    for t in (0.3, 0.5, 0.9):
        x = g(t)
        assert geoanim.distance(p, x, "fisher-np") == pytest.approx(t * g.length, rel=1e-12, abs=0)
        assert geoanim.distance(x, q, "fisher-np") == pytest.approx((1 - t) * g.length, rel=1e-12, abs=0)
        assert geoanim.distance(x, x, "fisher-np") == 0.0
    assert g.length == pytest.approx(0.6743 / 0.3, rel=1e-3, abs=0)  # d(p, g(0.3)) = 0.674 in the issue
    # a normal and a cloud: the cross-fade's points sit at t·pi from the normal
    c = P("points2d([[0, 0], [1, 1]])")
    h = geoanim.geodesic(c, p, "fisher")
    assert h.length == math.pi
    assert geoanim.distance(c, h(0.3), "fisher") == pytest.approx(0.3 * math.pi, rel=1e-12, abs=0)


def test_line_fisher_np_points_between_normals_are_closed_form():
    p, q = P("normal(0, 1)"), P("normal(2, 1.5)")
    g = geoanim.geodesic(p, q, "fisher-np")
    x = g(0.25)
    d = geoanim.geodesic(p, x, "fisher-np")
    assert d.method == "closed form" and d.length == pytest.approx(0.25 * g.length, rel=1e-13, abs=0)


# ---------------------------------------------------------------------------------------------
# far-apart laws: never below or above pi
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("a, b", [
    ("laplace(0, 1)", "laplace(1e20, 1)"),  # gave 2.09
    ("laplace(0, 1)", "laplace(1e15, 1)"),
    ("cauchy(0, 1)", "cauchy(1e20, 1)"),
    ("laplace(0, 1)", "laplace(-1e308, 1)"),
    ("0.5*normal(0, 1) + 0.5*laplace(3, 1)", "laplace(1e18, 2)"),
])
def test_fisher_np_of_far_apart_laws_is_pi(a, b):
    assert geoanim.distance(P(a), P(b), "fisher-np") == math.pi


def test_fisher_np_never_exceeds_pi_and_refuses_what_it_cannot_sample():
    # two laws narrower than the float spacing where they sit cannot be integrated: a clear refusal
    with pytest.raises(UnsupportedError, match="too narrow for double precision"):
        geoanim.distance(P("laplace(1e20, 1)"), P("normal(1e20, 2)"), "fisher-np")
    # two Laplace laws need no integral (docs/math.md: BC = 2 sqrt(b1 b2) / (b1 + b2) at one location)
    assert geoanim.distance(P("laplace(1e20, 1)"), P("laplace(1e20, 2)"), "fisher-np") == \
        pytest.approx(2 * math.acos(2 * math.sqrt(2) / 3), rel=1e-15, abs=0)
    for a, b in [("cauchy(0, 1)", "cauchy(1e8, 1)"), ("exponential(1)", "exponential(1e-12)")]:
        assert geoanim.distance(P(a), P(b), "fisher-np") <= math.pi


# ---------------------------------------------------------------------------------------------
# quadrature driven by where the mass is, with an error estimate
# ---------------------------------------------------------------------------------------------


def w2_mixture_reference(weight: float, far: float) -> float:
    """W2 between (1-w) N(0,1) + w N(far,1) and N(0,1) at 50 digits, by the change of variables
    u = F(x): W2² = ∫ (x - Φ⁻¹(F(x)))² f(x) dx (docs/math.md: W2 on the line through quantiles)."""
    with mp.workdps(50):  # F stays below 1 - 1e-35 on the range: erfinv keeps its digits
        w = mp.mpf(weight)

        def integrand(x):
            F = (1 - w) * mp.ncdf(x) + w * mp.ncdf(x - far)
            f = (1 - w) * mp.npdf(x) + w * mp.npdf(x - far)
            return (x - mp.sqrt(2) * mp.erfinv(2 * F - 1)) ** 2 * f

        # beyond 12 standard deviations from both components f < 1e-32: nothing left to integrate
        pts = [-12, -6, 0, 6, far / 2, far - 6, far, far + 6, far + 12]
        return float(mp.sqrt(mp.quad(integrand, pts)))


def test_w2_quadrature_finds_a_small_distant_component():
    # 0.999999 N(0,1) + 1e-6 N(1000,1) against N(0,1): 0.921 labelled "quadrature" where 0.995 is right
    p, q = P("0.999999*normal(0, 1) + 0.000001*normal(1000, 1)"), P("normal(0, 1)")
    g = geoanim.geodesic(p, q, "wasserstein")
    assert g.method == "quadrature"
    assert g.length == pytest.approx(0.99505208, rel=1e-7, abs=0)


def test_w2_quadrature_matches_a_50_digit_reference():
    p, q = P("0.99*normal(0, 1) + 0.01*normal(30, 1)"), P("normal(0, 1)")
    assert geoanim.distance(p, q, "wasserstein") == pytest.approx(w2_mixture_reference(0.01, 30), rel=1e-9, abs=0)


def test_quadrature_error_estimates_come_back_with_every_integral():
    from geoanim.numeric import integrate_line, tanh_sinh_unit

    value, error = integrate_line(lambda x: math.exp(-x * x), -math.inf, math.inf)
    assert value == pytest.approx(math.sqrt(math.pi), rel=1e-13, abs=0) and 0 <= error < 1e-9
    value, error = tanh_sinh_unit(lambda u: u ** -0.5, ())
    assert value == pytest.approx(math.sqrt(2), rel=1e-11, abs=0) and error < 1e-9


# ---------------------------------------------------------------------------------------------
# 1-D W2: the quadrature's work is bounded, or the pair is refused with the reason
# ---------------------------------------------------------------------------------------------


def test_w2_quadrature_never_evaluates_a_quantile_at_level_0():
    # the mixture's cut at x = 91 - 128 = -37 has level 2.9e-300: the tanh-sinh nodes of the piece
    # [0, 2.9e-300] underflowed to level 0, where both quantiles are -inf and the integrand NaN, and
    # the piece fell back to adaptive quadrature, one quantile per call: 60 s (with a 100-normal
    # mixture, more than 14 minutes). Reference: w2_mixture_reference(0.5, 91), 50 digits (5 s).
    p, q = P("normal(0, 1)"), P("0.5*normal(0, 1) + 0.5*normal(91, 1)")
    with np.errstate(invalid="raise"):
        assert geoanim.distance(p, q, "wasserstein") == pytest.approx(63.7866112733675, rel=1e-12, abs=0)


def test_w2_between_poisson_1e7_and_a_mixture_is_computed():
    # 76,000 quantile cuts, each piece with 30 mixture quantiles: 15-18 s before the mixture's quantiles
    # were solved in tight brackets (about 8 s now, 4.6 million of the 7 million evaluations allowed).
    # Reference: W2 is within 5e-4 of sqrt(dmean² + (std_p - std_q)²), 1e7 - 2.0008 (the centred laws
    # are each within W2 ~1 of the normal of their variance; d/dstd of the root is 3e-4)
    p, q = P("poisson(1e7)"), P("0.5*normal(0, 1) + 0.5*normal(5, 1)")
    ref = math.hypot(1e7 - 2.5, math.sqrt(1e7) - math.sqrt(7.25))
    assert geoanim.distance(p, q, "wasserstein") == pytest.approx(ref, rel=1e-10, abs=0)


@pytest.mark.parametrize("q, limit", [
    ("+".join(f"0.1*normal({i}, 1)" for i in range(10)), None),  # 22 s (minutes before the level tables)
    ("0.5*uniform(0, 1e30) + 0.5*normal(1e7, 1)", 1_000_000),  # the second pair, a lowered limit
])
def test_w2_quadrature_beyond_its_work_limit_is_refused_before_the_work(q, limit, monkeypatch):
    import time

    from geoanim.paths import wasserstein

    if limit is not None:
        monkeypatch.setattr(wasserstein, "MAX_ROOT_WORK", limit)
    start = time.perf_counter()
    with pytest.raises(UnsupportedError, match="root-solve evaluations") as exc:
        geoanim.distance(P("poisson(1e7)"), P(q), "wasserstein")
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 300
    assert time.perf_counter() - start < 5  # refused from the count, before the solves


# ---------------------------------------------------------------------------------------------
# identical inputs give exactly 0; every distance is symmetric to the bit
# ---------------------------------------------------------------------------------------------


SPECS = ["mvnormal([0, 0], [[2, 0.3], [0.3, 1]])", "mvnormal([1e13, -3e13], [[4e26, 1e26], [1e26, 9e26]])",
         "mvnormal([3, 1], [[2, 0.9], [0.9, 1]])", "mvnormal([0, 0], [[1, 0.999999], [0.999999, 1]])"]


@pytest.mark.parametrize("metric", ["fisher", "fisher-np", "wasserstein"])
@pytest.mark.parametrize("spec", SPECS)
def test_self_distance_is_exactly_zero(spec, metric):
    d = geoanim.distance(P(spec), P(spec), metric)
    assert d == 0.0 and math.copysign(1, d) == 1


@pytest.mark.parametrize("metric", ["fisher", "wasserstein"])
def test_mvnormal_distances_are_symmetric_to_the_bit(metric):
    # a Fisher-Rao pair at scale 1e13 differed by 4e-4 between directions
    a = P("mvnormal([1e13, -3e13], [[4e26, 1e26], [1e26, 9e26]])")
    b = P("mvnormal([2e13, 1e13], [[9e26, -2e26], [-2e26, 3e26]])")
    assert geoanim.distance(a, b, metric) == geoanim.distance(b, a, metric)


def test_ill_conditioned_covariances_are_refused_with_the_reason():
    # condition number 1e12 gave W2 d(P, P) = 0.005; beyond 1e10 the matrix forms lose half their digits
    with pytest.raises(geoanim.ValidationError, match=r"too close to singular .*ratio below 1e-10"):
        P("mvnormal([0, 0], [[1, 0], [0, 1e-12]])")
    P("mvnormal([0, 0], [[1, 0], [0, 1e-9]])")  # still fine


# ---------------------------------------------------------------------------------------------
# no overflow where the answer is finite
# ---------------------------------------------------------------------------------------------


def test_w2_between_normals_with_means_1e200_apart_is_finite():
    a, b = P("mvnormal([0, 0], [[1, 0], [0, 1]])"), P("mvnormal([1e200, 1e200], [[1, 0], [0, 1]])")
    assert geoanim.distance(a, b, "wasserstein") == pytest.approx(math.sqrt(2) * 1e200, rel=1e-15, abs=0)


def halfplane_reference(loc1, s1, loc2, s2, k):
    """k · 2 asinh(|Δ| / (2 sqrt(s1 s2))) at 50 digits (docs/math.md: the half-plane distance)."""
    loc1, s1, loc2, s2 = (mp.mpf(v) for v in (loc1, s1, loc2, s2))
    return float(k * 2 * mp.asinh(mp.sqrt((loc2 - loc1) ** 2 + (s2 - s1) ** 2) / (2 * mp.sqrt(s1 * s2))))


@pytest.mark.parametrize("a, b", [("laplace(-1e308, 1)", "laplace(1e308, 1)"),
                                  ("laplace(-1e308, 1e300)", "laplace(1e308, 2)")])
def test_fisher_rao_between_laplaces_at_the_float_limit_is_finite(a, b):
    p, q = P(a), P(b)
    g = geoanim.geodesic(p, q, "fisher")
    assert g.length == pytest.approx(halfplane_reference(p.loc, p.scale, q.loc, q.scale, 1.0), rel=1e-13, abs=0)
    for t in (0.1, 0.5, 0.9):  # the path exists and runs at constant speed
        assert geoanim.distance(p, g(t), "fisher") == pytest.approx(t * g.length, rel=1e-9, abs=0)


# ---------------------------------------------------------------------------------------------
# relative precision for nearly identical endpoints
# ---------------------------------------------------------------------------------------------

SEPARATIONS = (1e-6, 1e-9, 1e-12)


@pytest.mark.parametrize("eps", SEPARATIONS)
def test_one_parameter_families_keep_relative_precision(eps):
    a = 100.0
    b = a * (1 + eps)
    ref_exp = float(abs(mp.log(mp.mpf(b) / mp.mpf(a))))
    ref_poisson = float(2 * abs(mp.sqrt(mp.mpf(b)) - mp.sqrt(mp.mpf(a))))
    assert geoanim.distance(P(f"exponential({a!r})"), P(f"exponential({b!r})"), "fisher") == \
        pytest.approx(ref_exp, rel=1e-14, abs=0)
    assert geoanim.distance(P(f"poisson({a!r})"), P(f"poisson({b!r})"), "fisher") == \
        pytest.approx(ref_poisson, rel=1e-14, abs=0)


@pytest.mark.parametrize("eps", SEPARATIONS)
def test_uniform_hellinger_keeps_relative_precision(eps):
    p, q = P("uniform(0, 1)"), P(f"uniform(0, {1 + eps!r})")
    w1, w2 = mp.mpf(1), mp.mpf(q.high)
    # H² = (w2 - w1)/w2 + w1 (1/sqrt w1 - 1/sqrt w2)², d = 4 atan2(H, sqrt(4 - H²))
    h2 = (w2 - w1) / w2 + w1 * (1 / mp.sqrt(w1) - 1 / mp.sqrt(w2)) ** 2
    ref = float(4 * mp.atan2(mp.sqrt(h2), mp.sqrt(4 - h2)))
    assert geoanim.distance(p, q, "fisher-np") == pytest.approx(ref, rel=1e-12, abs=0)


def mvn_fr_reference_fixed_mean(S1, S2) -> float:
    """sqrt(1/2 Σ log² eig(S1⁻¹ S2)) at 60 digits."""
    A = mp.matrix(S1) ** -1 * mp.matrix(S2)
    E = mp.eig(A, left=False, right=False)
    return float(mp.sqrt(mp.fsum(mp.log(mp.re(e)) ** 2 for e in E) / 2))


@pytest.mark.parametrize("eps", SEPARATIONS)
def test_matrix_formulas_keep_relative_precision(eps):
    import sys

    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    S = np.array([[2.0, 0.3], [0.3, 1.0]])
    T = S + eps * np.array([[1.0, -0.4], [-0.4, 0.5]])
    a, b = MVNormal.from_arrays(np.zeros(2), S), MVNormal.from_arrays(np.zeros(2), T)
    ref = mvn_fr_reference_fixed_mean(a.cov, b.cov)
    assert geoanim.distance(a, b, "fisher") == pytest.approx(ref, rel=1e-9, abs=0)
    # Bures-Wasserstein from the definition at 60 digits
    S1, S2 = mp.matrix(a.cov), mp.matrix(b.cov)

    def msqrt(A):
        E, Q = mp.eigsy(A)
        return Q * mp.diag([mp.sqrt(e) for e in E]) * Q.T

    r = msqrt(S1)
    M = S1 + S2 - 2 * msqrt(r * S2 * r)
    w2 = float(mp.sqrt(M[0, 0] + M[1, 1]))
    assert geoanim.distance(a, b, "wasserstein") == pytest.approx(w2, rel=1e-9, abs=0)
    # with a mean offset too (no closed form: the metric at the midpoint, O(d²) exact)
    c = MVNormal.from_arrays(np.array([eps, -eps]), T)
    d = geoanim.distance(a, c, "fisher")
    assert d > 0 and geoanim.distance(c, a, "fisher") == d
    # first-order check from the metric at p itself: relative error O(d)
    v = np.array([eps, -eps])
    Sinv = np.linalg.inv(S)
    dS = T - S
    first = math.sqrt(v @ Sinv @ v + 0.5 * np.trace(Sinv @ dS @ Sinv @ dS))
    assert d == pytest.approx(first, rel=10 * eps + 1e-9, abs=0)


def test_distinct_laws_never_give_negative_zero():
    for a, b, m in [("mvnormal([0, 0], [[1, 0], [0, 1]])", "mvnormal([0, 0], [[1, 0], [0, 1]])", "fisher-np"),
                    ("normal(0, 1)", "normal(0, 1)", "fisher-np")]:
        d = geoanim.distance(P(a), P(b), m)
        assert math.copysign(1.0, d) == 1.0
