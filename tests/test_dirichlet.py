"""The Dirichlet law: the family, its numerical Fisher-Rao geodesic, the closed-form nonparametric
distance, KL's straight lines, and its picture on the triangle.

References are independent of the code under test: polygamma for the Fisher information, quadrature
over the triangle for the Bhattacharyya integral, mpmath for KL and the expectation parameters, and
the beta family (Dirichlet with two components) for the solver in its chart.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from scipy.integrate import dblquad, quad
from scipy.special import polygamma

import geoanim
from geoanim.errors import GeoanimError, UnsupportedError
from geoanim.families.dirichlet import Dirichlet, _fields
from geoanim.paths import bvp
from geoanim.paths.divergence import kl

P = geoanim.parse
H = math.sqrt(3) / 2


def test_spec_round_trip_and_bad_parameters():
    d = P("dirichlet([0.5, 2, 8])")
    assert isinstance(d, Dirichlet) and d.alpha == (0.5, 2.0, 8.0) and d.dim == 2
    assert P(str(d)) == d and P("dirichlet(alpha=[1, 1, 1])") == P("dirichlet([1, 1, 1])")
    for spec, words in [("dirichlet([1, 2])", "beta(1, 2)"), ("dirichlet([1, -1, 2])", "alpha[1]"),
                        ("dirichlet([1, 0, 2])", "alpha[1]"), ("dirichlet([1, 2, 1e7])", "[0.001, 1e+06]"),
                        ("dirichlet(3)", "alpha")]:
        with pytest.raises(GeoanimError) as info:
            P(spec)
        assert words in str(info.value) and "\n" in str(info.value)  # one line, then the caret under the token


def test_density_on_the_triangle_integrates_to_one_and_has_the_moments():
    d = P("dirichlet([2, 3, 4])")
    f = lambda y, x: float(d.pdf(np.array([x, y])))  # noqa: E731

    def over(g):
        return dblquad(lambda y, x: g(x, y) * f(y, x), 0, 1, 0, lambda x: 2 * H * min(x, 1 - x),
                       epsabs=1e-12, epsrel=1e-10)[0]

    assert over(lambda x, y: 1.0) == pytest.approx(1.0, rel=1e-8)
    mean, cov = d.moments()
    assert [over(lambda x, y: x), over(lambda x, y: y)] == pytest.approx(mean, rel=1e-8)
    assert over(lambda x, y: (x - mean[0]) * (y - mean[1])) == pytest.approx(cov[0, 1], abs=1e-10)
    assert float(d.pdf(np.array([1.2, 0.1]))) == 0.0  # outside


def test_metric_is_the_fisher_information_and_its_derivatives_are_right():
    for a in ([0.7, 2.5, 40.0], [1e-3, 1.0, 1e5], [3.0, 3.0, 3.0, 3.0]):
        x = np.log(a)
        g, dg = _fields(x)
        # in a, by mpmath (the double-precision form a_i a_j (ψ1(a_i) δ_ij - ψ1(s)) cancels for large a)
        import mpmath

        mpmath.mp.dps = 40
        s = mpmath.fsum(mpmath.mpf(v) for v in a)
        ref = np.array([[float(mpmath.mpf(u) * mpmath.mpf(v) * ((mpmath.psi(1, mpmath.mpf(u)) if i == j else 0)
                                                             - mpmath.psi(1, s)))
                         for j, v in enumerate(a)] for i, u in enumerate(a)])
        assert g == pytest.approx(ref, rel=1e-13, abs=1e-15 * np.abs(g).max())
        a = np.array(a)
        for k in range(len(a)):
            h = 1e-6 * np.eye(len(a))[k]
            fd = (_fields(x + h)[0] - _fields(x - h)[0]) / 2e-6
            assert np.abs(fd - dg[k]).max() <= 1e-6 * np.abs(dg[k]).max() + 1e-9 * np.abs(g).max()  # FD's rounding


def test_two_components_in_the_dirichlet_chart_give_the_beta_distance():
    """The chart's fields work for any k: with k = 2 the solver must find beta's geodesic."""
    sol = bvp.solve(_fields, None, np.log([0.5, 0.5]), np.log([5.0, 2.0]) - np.log([0.5, 0.5]))
    assert sol.length == pytest.approx(geoanim.geodesic(P("beta(0.5, 0.5)"), P("beta(5, 2)"), "fisher").length,
                                       rel=1e-10)


def test_diagonal_pairs_move_along_the_concentration_alone():
    """Dir(c, c, c) for c from 1 to 10 is a geodesic by symmetry (permuting the components is an isometry):
    its length is ∫ √(1ᵀ g 1) d log c = ∫ √(3 E(c) - E(3c)) d log c, E(y) = y²ψ1(y) - y, by quadrature; the
    e- and m-geodesics are the same curve."""
    E = lambda y: y * y * float(polygamma(1, y)) - y  # noqa: E731
    ref, _ = quad(lambda u: math.sqrt(3 * E(math.exp(u)) - E(3 * math.exp(u))), 0, math.log(10), epsabs=0,
                  epsrel=1e-12)
    p, q = P("dirichlet([1, 1, 1])"), P("dirichlet([10, 10, 10])")
    fr = geoanim.geodesic(p, q, "fisher")
    assert fr.length == pytest.approx(ref, rel=1e-10)
    a = fr(0.5).alpha
    assert a[0] == pytest.approx(a[1], rel=1e-10) and a[1] == pytest.approx(a[2], rel=1e-10)
    for m in ("e", "m"):
        assert geoanim.geodesic(p, q, m).length == pytest.approx(ref, rel=1e-8)


@pytest.mark.parametrize("pair", [("dirichlet([0.5, 0.5, 0.5])", "dirichlet([5, 2, 8])"),
                                  ("dirichlet([2, 3, 4, 5])", "dirichlet([5, 4, 3, 2])"),
                                  ("dirichlet([2, 3, 4])", "dirichlet([2, 3, 4.000001])")])
def test_fisher_rao_is_symmetric_and_at_least_the_nonparametric_distance(pair):
    p, q = P(pair[0]), P(pair[1])
    there, back = geoanim.geodesic(p, q, "fisher"), geoanim.geodesic(q, p, "fisher")
    assert there.length == back.length and there.model == "dirichlet"
    assert there.method.startswith("numerical")
    assert there.length >= geoanim.geodesic(p, q, "fisher-np").length * (1 - 1e-12)
    assert there(0.3).alpha == pytest.approx(back(0.7).alpha, rel=1e-8)


def test_nearby_laws_are_at_the_metric_distance():
    p, q = P("dirichlet([2, 3, 4])"), P("dirichlet([2, 3, 4.000001])")
    dx = np.log(q.alpha) - np.log(p.alpha)
    dx[2] = math.log1p(1e-6 / 4)
    g, _ = _fields(np.log(p.alpha))
    assert geoanim.geodesic(p, q, "fisher").length == pytest.approx(math.sqrt(dx @ g @ dx), rel=1e-6)


def test_nonparametric_distance_matches_the_bhattacharyya_integral():
    p, q = P("dirichlet([2, 3, 4])"), P("dirichlet([4, 3, 2])")
    bc, _ = dblquad(lambda y, x: math.sqrt(float(p.pdf(np.array([x, y]))) * float(q.pdf(np.array([x, y])))),
                    0, 1, 0, lambda x: 2 * H * min(x, 1 - x), epsabs=1e-13, epsrel=1e-11)
    path = geoanim.geodesic(p, q, "fisher-np")
    assert path.method == "closed form"
    assert path.length == pytest.approx(2 * math.acos(bc), rel=1e-8)
    # the point's moments: a mixture of Dir(p), Dir(q) and BC·Dir((p+q)/2) in weights a², b², 2ab
    mean, _ = path(0.5).moments()
    assert np.all((mean > 0) & (mean < 1))


def _exact_kl(p, q) -> float:
    import mpmath

    mpmath.mp.dps = 50
    a, b = [mpmath.mpf(x) for x in p.alpha], [mpmath.mpf(x) for x in q.alpha]
    sa, sb = sum(a), sum(b)
    lb = lambda v, s: sum(mpmath.loggamma(x) for x in v) - mpmath.loggamma(s)  # noqa: E731
    return float(lb(b, sb) - lb(a, sa) + sum((x - y) * (mpmath.digamma(x) - mpmath.digamma(sa)) for x, y in zip(a, b)))


@pytest.mark.parametrize("pair", [("dirichlet([2, 3, 4])", "dirichlet([4, 3, 2])"),
                                  ("dirichlet([0.5, 0.5, 0.5])", "dirichlet([5, 2, 8])"),
                                  ("dirichlet([2, 3, 4])", "dirichlet([2, 3.000001, 4])"),
                                  ("dirichlet([1e4, 2e4, 3e4])", "dirichlet([10000.01, 20000.02, 30000.03])")])
def test_kl_keeps_its_digits(pair):
    p, q = P(pair[0]), P(pair[1])
    value, method = kl(p, q)
    assert method == "closed form"
    assert value == pytest.approx(_exact_kl(p, q), rel=1e-11, abs=0)


def test_m_geodesic_matches_the_expectations_of_the_logs():
    import mpmath

    mpmath.mp.dps = 30
    p, q = P("dirichlet([0.5, 0.5, 0.5])"), P("dirichlet([5, 2, 8])")
    eta = lambda d: np.array([float(mpmath.digamma(a) - mpmath.digamma(sum(d.alpha))) for a in d.alpha])  # noqa: E731
    for t in (0.2, 0.6):
        m = geoanim.geodesic(p, q, "m")(t)
        assert eta(m) == pytest.approx((1 - t) * eta(p) + t * eta(q), rel=1e-12, abs=1e-13)
    e = geoanim.geodesic(p, q, "e")(0.25)
    assert e.alpha == pytest.approx((0.5 * 0.75 + 5 * 0.25, 0.5 * 0.75 + 2 * 0.25, 0.5 * 0.75 + 8 * 0.25), rel=1e-15)


def test_a_dirichlet_against_another_density_is_refused_not_called_singular():
    with pytest.raises(UnsupportedError, match="no closed form"):
        geoanim.geodesic(P("dirichlet([2, 3, 4])"), P("mvnormal([0.5, 0.3], [[0.1, 0], [0, 0.1]])"), "fisher-np")


def test_render_draws_the_triangle_and_falls_back_from_wasserstein(tmp_path):
    """A plain render of two Dirichlet laws: Wasserstein has no route there, so the default panels become
    fisher and fisher-np (said on stderr). The edges of Dir(0.5, 0.5, 0.5), where the density is
    infinite, do not set the colour scale: the bulk (every w_i >= 0.05) does, and the edges saturate."""
    out = tmp_path / "d.gif"
    run = subprocess.run([sys.executable, "-m", "geoanim", "render", "dirichlet([0.5, 0.5, 0.5])",
                          "dirichlet([5, 2, 8])", "-o", str(out), "--frames", "12", "-q"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "wasserstein has no route between dirichlet and dirichlet; showing fisher-np" in run.stderr
    assert out.stat().st_size > 10_000
    from geoanim.rendering.layout import Plane

    snap = Plane((-0.1, 1.1), (-0.1, 1.0)).snapshot(P("dirichlet([0.5, 0.5, 0.5])"))
    assert math.isfinite(snap.peak) and snap.peak < 10 and snap.image is not None and snap.image.max() > 10 * snap.peak
