"""Geodesics and distances, checked against formulas written out independently here, against
quadrature and grids, and against mpmath at high precision where floating point is stressed."""

from __future__ import annotations

import doctest
import math

import mpmath as mp
import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad
from scipy.special import ellipkm1, erfcx, ndtri

import geoanim
from geoanim import distance, geodesic, parse
from geoanim.errors import UnsupportedError, ValidationError
from geoanim.families import Categorical, Cauchy, Exponential, Laplace, Mixture, Normal, Points, Poisson, Uniform, dirac
from geoanim.paths import available
from geoanim.paths.densities import FisherNPPoint
from geoanim.paths.registry import metric_calls
from geoanim.paths.wasserstein import QuantilePoint, squared_distance_quantile

SQ2 = math.sqrt(2.0)
TS = (0.1, 0.3, 0.5, 0.9)

# ---------------------------------------------------------------------------------------------
# Reference formulas, written from docs/math.md and first principles, not from the package
# ---------------------------------------------------------------------------------------------


def hyperbolic(x1, y1, x2, y2):
    """Distance in the Poincare half-plane ds^2 = (dx^2 + dy^2) / y^2."""
    return math.acosh(1.0 + ((x1 - x2) ** 2 + (y1 - y2) ** 2) / (2.0 * y1 * y2))


def fr_reference(p, q):
    """Fisher-Rao distance on the endpoints' common family."""
    if isinstance(p, Normal):  # ds^2 = (dmu^2 + 2 dsigma^2) / sigma^2: sqrt2 x half-plane in (mu/sqrt2, sigma)
        return SQ2 * hyperbolic(p.mean / SQ2, p.std, q.mean / SQ2, q.std)
    if isinstance(p, Laplace):  # I = diag(1, 1) / b^2: the plain half-plane
        return hyperbolic(p.loc, p.scale, q.loc, q.scale)
    if isinstance(p, Cauchy):  # I = diag(1, 1) / (2 gamma^2): half-plane / sqrt2
        return hyperbolic(p.loc, p.scale, q.loc, q.scale) / SQ2
    if isinstance(p, Exponential):  # I = 1/rate^2: arc length |log rate|
        return abs(math.log(q.rate / p.rate))
    if isinstance(p, Poisson):  # I = 1/rate: arc length 2 sqrt(rate)
        return 2.0 * abs(math.sqrt(p.rate) - math.sqrt(q.rate))
    if isinstance(p, Categorical):  # p -> 2 sqrt(p) onto the sphere of radius 2
        return 2.0 * math.acos(min(1.0, math.fsum(math.sqrt(a * b) for a, b in zip(p.probs, q.probs))))
    raise AssertionError(p)


def np_reference_bc(p, q):
    """Bhattacharyya coefficient int sqrt(p q) of two densities by scipy quadrature, cut at many scales."""
    cuts = sorted({*p.breakpoints, *q.breakpoints, *p.plot_range(), *q.plot_range()})
    cuts = sorted({c + s * w for c in cuts for w in (0.0, 1.0, 4.0, 16.0) for s in (-1, 1)})
    edges = [-np.inf, *cuts, np.inf]
    f = lambda x: math.sqrt(float(p.pdf(x)) * float(q.pdf(x)))
    return sum(quad(f, a, b, limit=200, epsabs=1e-14, epsrel=1e-12)[0] for a, b in zip(edges[:-1], edges[1:]))


def w2_discrete_reference(p, q):
    """W2 of two discrete laws by integrating (F^-1 - G^-1)^2 over the merged cdf levels."""
    (lp, mp_), (lq, mq) = p.atoms(), q.atoms()
    cp, cq = np.cumsum(mp_), np.cumsum(mq)
    cp, cq = cp / cp[-1], cq / cq[-1]
    levels = np.unique(np.concatenate([[0.0], cp, cq]))
    total = 0.0
    for a, b in zip(levels[:-1], levels[1:]):
        u = 0.5 * (a + b)
        x, y = lp[np.searchsorted(cp, u)], lq[np.searchsorted(cq, u)]
        total += (b - a) * (x - y) ** 2
    return math.sqrt(total)


def params_finite(d) -> bool:
    def walk(v):
        if isinstance(v, dict):
            return all(walk(x) for x in v.values())
        if isinstance(v, list):
            return all(walk(x) for x in v)
        return not isinstance(v, float) or math.isfinite(v)

    return walk(d.to_dict())


def assert_valid_point(x, *, integrate_pdf=True):
    """A distribution with no NaN anywhere: finite parameters, densities >= 0, a cdf in [0, 1], mass 1."""
    assert params_finite(x), x
    heavy = x.heavy_tailed
    assert not math.isnan(x.var)
    assert heavy or math.isfinite(x.mean)
    lo, hi = x.plot_range()
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    grid = np.linspace(lo, hi, 61)
    dens, cdf = np.asarray(x.pdf(grid)), np.asarray(x.cdf(grid))
    assert np.all(np.isfinite(dens)) and np.all(dens >= 0)
    assert np.all((cdf >= 0) & (cdf <= 1)) and np.all(np.diff(cdf) >= -1e-12)
    locs, masses = x.atoms()
    assert np.all(masses >= 0) and np.all(np.isfinite(locs))
    if x.kind == "discrete":
        assert math.fsum(masses) == pytest.approx(1.0, abs=1e-12)
    elif integrate_pdf:
        cuts = sorted({*x.breakpoints, lo, hi})
        edges = [-np.inf, *cuts, np.inf]
        cont = sum(quad(lambda v: float(x.pdf(v)), a, b, limit=200)[0] for a, b in zip(edges[:-1], edges[1:]))
        assert cont + math.fsum(masses) == pytest.approx(1.0, abs=1e-7)


def assert_constant_speed(g, ts=TS, rel=1e-7, dist=None):
    """d(p, g(t)) = t L and d(g(t), q) = (1 - t) L, by ``dist`` (default: the package's own distance)."""
    dist = dist or (lambda a, b: distance(a, b, g.metric))
    L = g.length
    for t in ts:
        x = g(t)
        assert dist(g.start, x) == pytest.approx(t * L, rel=rel, abs=1e-13), t
        assert dist(x, g.end) == pytest.approx((1 - t) * L, rel=rel, abs=1e-13), t


def test_metrics_registered():
    assert available()[:3] == ["fisher", "fisher-np", "wasserstein"]
    p, q = Normal(0, 1), Normal(1, 2)
    for alias, name in [("fisher-rao", "fisher"), ("FISHER", "fisher"), ("fisher_np", "fisher-np"),
                        ("w2", "wasserstein"), ("Wasserstein", "wasserstein"), ("wasserstein-2", "wasserstein"),
                        ("e", "e-geodesic"), ("m", "m-geodesic"), ("alpha(a=0.25)", "alpha(0.25)")]:
        assert geodesic(p, q, alias).metric == name
    with pytest.raises(UnsupportedError, match="KL is a divergence, not a metric"):
        geodesic(p, q, "kl")


def test_package_doctest():
    # the docstring of geoanim/__init__.py once said 4.986342 for sqrt2 * arccosh(17) = 4.985802
    result = doctest.testmod(geoanim, verbose=False)
    assert result.attempted >= 3 and result.failed == 0


# ---------------------------------------------------------------------------------------------
# Fisher-Rao: closed forms
# ---------------------------------------------------------------------------------------------

CLOSED_FISHER = [
    ("normal(-4, 1)", "normal(4, 1)"),
    ("normal(0, 1)", "normal(2, 1.5)"),
    ("normal(1, 2)", "normal(1, 0.5)"),  # same mean: the vertical geodesic
    ("normal(0, 1)", "normal(0.5, 3)"),
    ("laplace(0, 1)", "laplace(3, 2)"),
    ("laplace(1, 1)", "laplace(1, 4)"),
    ("cauchy(0, 1)", "cauchy(3, 1)"),
    ("cauchy(-1, 0.5)", "cauchy(2, 3)"),
    ("exponential(1)", "exponential(5)"),
    ("exponential(0.2)", "exponential(0.21)"),
    ("poisson(2)", "poisson(9)"),
    ("poisson(0.5)", "poisson(40)"),
    ("categorical([0.2, 0.3, 0.5])", "categorical([0.5, 0.25, 0.25])"),
    ("categorical([0.1, 0.9], at=[-1, 2])", "categorical([0.6, 0.4], at=[-1, 2])"),
    ("categorical([1, 0, 0])", "categorical([0.2, 0.3, 0.5])"),
]


@pytest.mark.parametrize("a, b", CLOSED_FISHER, ids=[f"{a}-{b}" for a, b in CLOSED_FISHER])
def test_fisher_closed_forms(a, b):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "fisher")
    assert g.metric == "fisher" and g.model == p.family and g.method == "closed form"
    L = fr_reference(p, q)
    assert g.length == pytest.approx(L, rel=1e-13, abs=0)
    assert distance(q, p, "fisher") == pytest.approx(g.length, rel=1e-14, abs=0)
    assert g(0) is p and g(1) is q and g(0.0) is p and g(1.0) is q
    for t in TS:
        x = g(t)
        assert type(x) is type(p)
        assert params_finite(x)
        assert fr_reference(p, x) == pytest.approx(t * L, rel=1e-11, abs=1e-14)
        assert fr_reference(x, q) == pytest.approx((1 - t) * L, rel=1e-11, abs=1e-14)
        if isinstance(x, Categorical):
            assert x.at == p.at and min(x.probs) >= 0 and math.fsum(x.probs) == pytest.approx(1.0, abs=1e-15)
        # one geodesic between two points: the reversed path passes through the same point
        back = geodesic(q, p, "fisher")(1 - t)
        for k, v in x.params().items():
            assert back.params()[k] == pytest.approx(v, rel=1e-9, abs=1e-12)
    # the curve itself (not the snapped endpoint) arrives at q
    end = g.point(1.0)
    for k, v in q.params().items():
        assert end.params()[k] == pytest.approx(v, rel=1e-12, abs=1e-15)


def test_fisher_normal_reference_values():
    p, q = Normal(-4, 1), Normal(4, 1)
    g = geodesic(p, q, "fisher")
    # 1 + ((mu1 - mu2)^2 / 2 + (s1 - s2)^2) / (2 s1 s2) = 1 + (64/2) / 2 = 17
    assert g.length == pytest.approx(SQ2 * math.acosh(17.0), rel=1e-15, abs=0)
    assert round(g.length, 6) == 4.985802
    # in (x, y) = (mu/sqrt2, sigma) the endpoints (-2 sqrt2, 1), (2 sqrt2, 1) lie on the semicircle
    # centred at 0 with radius sqrt(8 + 1) = 3; by symmetry the midpoint is its top, N(0, 3)
    mid = g(0.5)
    assert mid.mean == pytest.approx(0.0, abs=1e-14) and mid.std == pytest.approx(3.0, rel=1e-14, abs=0)
    for t in np.linspace(0.05, 0.95, 7):
        x = g(t)
        assert (x.mean / SQ2) ** 2 + x.std ** 2 == pytest.approx(9.0, rel=1e-13, abs=0)
    # it widens first, then shifts: a quarter of the way the std has grown more than the mean has moved
    quarter = g(0.25)
    assert quarter.std > 2.0 and quarter.mean > -4.0 + 0.2
    # arc length along the circle, angle phi from the axis: ds = sqrt2 dphi / sin(phi), so the
    # parameter of the point at angle phi is log(tan(phi/2)) relative to the start, linear in t
    phi = lambda x: math.atan2(x.std, x.mean / SQ2)
    s0, s1 = math.log(math.tan(phi(p) / 2)), math.log(math.tan(phi(q) / 2))
    assert math.log(math.tan(phi(quarter) / 2)) == pytest.approx(s0 + 0.25 * (s1 - s0), rel=1e-12, abs=0)


def test_fisher_vs_fisher_np_on_normals():
    p, q = Normal(0, 1), Normal(2, 1.5)
    # Fisher-Rao on normals: sqrt2 arccosh(1 + (4/2 + 0.25) / 3) = sqrt2 arccosh(1.75)
    fr = distance(p, q, "fisher")
    assert fr == pytest.approx(SQ2 * math.acosh(1.75), rel=1e-14, abs=0)
    # all densities: BC = sqrt(2 s1 s2 / (s1^2 + s2^2)) exp(-dmu^2 / (4 (s1^2 + s2^2))) = sqrt(3/3.25) e^(-4/13)
    bc = math.sqrt(3.0 / 3.25) * math.exp(-4.0 / 13.0)
    frnp = distance(p, q, "fisher-np")
    assert frnp == pytest.approx(2 * math.acos(bc), rel=1e-14, abs=0)
    assert (round(fr, 3), round(frnp, 3)) == (1.639, 1.573)  # docs/math.md#conventions
    assert geodesic(p, q, "fisher").model == "normal" and geodesic(p, q, "fisher-np").model == "densities"


def test_fisher_np_normals_at_extreme_scales():
    # BC = sqrt(2 s1 s2 / (s1^2 + s2^2)) exp(-dmu^2 / (4 (s1^2 + s2^2))); regression: std ** 2 overflowed
    for (m1, s1), (m2, s2), bc in [((0, 1e200), (0, 2e200), math.sqrt(0.8)),
                                   ((1e200, 1e200), (0, 1e200), math.exp(-1 / 8)),
                                   ((0, 1e-200), (0, 2e-200), math.sqrt(0.8)), ((0, 1e200), (0, 1), 0.0)]:
        ref = 2 * math.acos(bc)
        assert distance(Normal(m1, s1), Normal(m2, s2), "fisher-np") == pytest.approx(ref, rel=1e-14, abs=0)


@pytest.mark.parametrize("a, b", [("normal(0, 1)", "normal(3, 0.2)"), ("exponential(1)", "exponential(7)"),
                                  ("poisson(1)", "poisson(6)"), ("laplace(0, 1)", "laplace(2, 3)"),
                                  ("cauchy(0, 1)", "cauchy(1, 4)")])
def test_a_family_is_a_submanifold(a, b):
    # the distance inside a family can only be longer than in the space of all densities
    p, q = parse(a), parse(b)
    assert distance(p, q, "fisher-np") < distance(p, q, "fisher")


def test_categorical_is_the_whole_simplex():
    p, q = Categorical((0.2, 0.3, 0.5)), Categorical((0.5, 0.25, 0.25))
    assert distance(p, q, "fisher") == pytest.approx(distance(p, q, "fisher-np"), rel=1e-14, abs=0)
    assert distance(p, q, "fisher") == pytest.approx(
        2 * math.acos(math.sqrt(0.1) + math.sqrt(0.075) + math.sqrt(0.125)), rel=1e-14, abs=0)


def test_laplace_and_cauchy_stay_on_their_semicircles():
    for p, q in [(Laplace(0, 1), Laplace(3, 2)), (Cauchy(-1, 0.5), Cauchy(2, 3))]:
        # the half-plane geodesic through (x1, y1), (x2, y2) is the circle centred on the axis at c
        c = ((q.loc ** 2 + q.scale ** 2) - (p.loc ** 2 + p.scale ** 2)) / (2 * (q.loc - p.loc))
        r2 = (p.loc - c) ** 2 + p.scale ** 2
        g = geodesic(p, q, "fisher")
        for t in np.linspace(0.05, 0.95, 10):
            x = g(t)
            assert (x.loc - c) ** 2 + x.scale ** 2 == pytest.approx(r2, rel=1e-12, abs=0)
    # and the distance scales: Laplace is the plain half-plane, Cauchy the half-plane / sqrt2
    assert distance(Laplace(0, 1), Laplace(0, math.e), "fisher") == pytest.approx(1.0, rel=1e-15, abs=0)
    assert distance(Cauchy(0, 1), Cauchy(0, math.e), "fisher") == pytest.approx(1 / SQ2, rel=1e-15, abs=0)
    assert distance(Exponential(1), Exponential(math.e ** 2), "fisher") == pytest.approx(2.0, rel=1e-15, abs=0)
    assert distance(Poisson(4), Poisson(9), "fisher") == pytest.approx(2.0, rel=1e-15, abs=0)  # 2 |2 - 3|


# -- the Fisher information, derived numerically ------------------------------------------------

LOGPDF = {  # written out (scipy's laplace.logpdf is -inf by x = 1e4)
    "laplace": lambda x, th: -abs(x - th[0]) / th[1] - math.log(2 * th[1]),
    "cauchy": lambda x, th: -math.log(math.pi * th[1]) - math.log1p(((x - th[0]) / th[1]) ** 2),
    "normal": lambda x, th: -0.5 * ((x - th[0]) / th[1]) ** 2 - math.log(th[1] * math.sqrt(2 * math.pi)),
}
# claimed metric tensors in (location, scale)
TENSOR = {
    "laplace": lambda th: np.diag([1.0, 1.0]) / th[1] ** 2,
    "cauchy": lambda th: np.diag([0.5, 0.5]) / th[1] ** 2,
    "normal": lambda th: np.diag([1.0, 2.0]) / th[1] ** 2,
}
MAKE = {"laplace": Laplace, "cauchy": Cauchy, "normal": Normal}


def fisher_information(name, th):
    """E[score score^T] with the score from central differences of scipy's log-density."""
    logpdf = LOGPDF[name]
    h = 1e-6 * th[1]

    def score(x):
        out = []
        for i in range(2):
            e = np.zeros(2)
            e[i] = h
            out.append((logpdf(x, th + e) - logpdf(x, th - e)) / (2 * h))
        return np.array(out)

    info = np.zeros((2, 2))
    cuts = [-np.inf, *(th[0] + k * th[1] for k in (-1e4, -100, -10, -1, 0, 1, 10, 100, 1e4)), np.inf]
    for i in range(2):
        for j in range(i, 2):
            def f(x, i=i, j=j):
                v = score(x)[i] * score(x)[j] * math.exp(logpdf(x, th))
                return v if math.isfinite(v) else 0.0  # x beyond 1e154 in quad's tail transform
            info[i, j] = info[j, i] = sum(quad(f, a, b, limit=200, epsabs=1e-12)[0]
                                          for a, b in zip(cuts[:-1], cuts[1:]))
    return info


@pytest.mark.parametrize("name", ["laplace", "cauchy", "normal"])
def test_fisher_information_by_quadrature(name):
    for th in (np.array([0.0, 1.0]), np.array([-2.0, 0.3])):
        info = fisher_information(name, th)
        np.testing.assert_allclose(info, TENSOR[name](th), rtol=2e-5, atol=2e-5 / th[1] ** 2)
        # and the package's distances have this metric: d(theta, theta + delta)^2 ~ delta^T I delta
        for direction in (np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.6, -0.8])):
            delta = 1e-5 * th[1] * direction
            d = distance(MAKE[name](*th), MAKE[name](*(th + delta)), "fisher")
            assert d == pytest.approx(math.sqrt(delta @ info @ delta), rel=1e-4, abs=0)


@pytest.mark.parametrize("name, a, b", [("laplace", (0.0, 1.0), (3.0, 2.0)), ("cauchy", (-1.0, 0.5), (2.0, 3.0)),
                                        ("normal", (-4.0, 1.0), (4.0, 1.0))])
def test_halfplane_path_is_a_geodesic(name, a, b):
    g = geodesic(MAKE[name](*a), MAKE[name](*b), "fisher")
    metric = TENSOR[name]
    ts = np.linspace(0.0, 1.0, 4001)
    pts = np.array([list(g.point(t).params().values()) for t in ts])  # (location, scale)

    def length(curve):
        mid = 0.5 * (curve[1:] + curve[:-1])
        step = np.diff(curve, axis=0)
        return sum(math.sqrt(s @ metric(m) @ s) for s, m in zip(step, mid))

    # its length in the (numerically verified) metric is the distance
    L = length(pts)
    assert L == pytest.approx(g.length, rel=1e-6, abs=0)
    # nearby curves with the same ends are longer
    bump = np.sin(np.pi * ts)[:, None]
    scale = max(a[1], b[1])
    for direction in ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0)):
        for eps in (1e-2, -1e-2):
            assert length(pts + eps * scale * bump * np.array(direction)) > L + 1e-6
    # the geodesic equations of ds^2 = (dx^2 + dy^2) / y^2 (x = location / sqrt2 for normals):
    # x'' - 2 x' y' / y = 0 and y'' + (x'^2 - y'^2) / y = 0
    k = 1 / SQ2 if name == "normal" else 1.0
    h = 1e-4
    for t in (0.2, 0.5, 0.8):
        (x0, y0), (xm, ym), (xp, yp) = [(k * c[0], c[1]) for c in
                                         (list(g.point(s).params().values()) for s in (t, t - h, t + h))]
        x1, y1 = (xp - xm) / (2 * h), (yp - ym) / (2 * h)
        x2, y2 = (xp - 2 * x0 + xm) / h ** 2, (yp - 2 * y0 + ym) / h ** 2
        size = (x1 ** 2 + y1 ** 2) / y0
        assert abs(x2 - 2 * x1 * y1 / y0) < 1e-5 * size
        assert abs(y2 + (x1 ** 2 - y1 ** 2) / y0) < 1e-5 * size
        # constant speed: |gamma'| in the metric k^2 (dx^2 + dy^2) / y^2 is the length
        speed = {"normal": SQ2, "laplace": 1.0, "cauchy": 1 / SQ2}[name] * math.hypot(x1, y1) / y0
        assert speed == pytest.approx(g.length, rel=1e-7, abs=0)


# ---------------------------------------------------------------------------------------------
# Fisher-Rao on all densities
# ---------------------------------------------------------------------------------------------

MIXTURE = "0.5*normal(-2, 1) + 0.5*normal(2, 0.5)"
NONPARAMETRIC = [
    # (p, q, metric, reference distance or None)
    ("normal(0, 1)", "laplace(0, 1)", "fisher", None),
    ("normal(0, 1)", "laplace(1, 2)", "fisher", None),
    ("uniform(0, 2)", "uniform(1, 3)", "fisher", 2 * math.pi / 3),  # BC = overlap / sqrt(w1 w2) = 1/2
    ("uniform(0, 1)", "uniform(0, 4)", "fisher", 2 * math.acos(0.5)),  # BC = 1 / sqrt(1 * 4)
    ("uniform(-3, -1)", "uniform(1, 3)", "fisher", math.pi),
    (MIXTURE, "normal(0, 1)", "fisher", None),
    ("dirac(0)", "dirac(1)", "fisher", math.pi),
    ("points([0, 1, 2])", "categorical([0.2, 0.3, 0.5])", "fisher",
     2 * math.acos(math.sqrt(0.2 / 3) + math.sqrt(0.3 / 3) + math.sqrt(0.5 / 3))),
    ("dirac(0)", "normal(0, 1)", "fisher", math.pi),
    ("exponential(1)", "uniform(0, 3)", "fisher", None),
    ("cauchy(0, 1)", "normal(0, 2)", "fisher", None),
    ("normal(-1, 1)", "normal(2, 0.5)", "fisher-np", None),
    ("exponential(1)", "exponential(5)", "fisher-np", 2 * math.acos(2 * math.sqrt(5) / 6)),  # 2 sqrt(l1 l2)/(l1+l2)
    # sum_k sqrt(p_k q_k) = e^-(l1+l2)/2 sum_k sqrt(l1 l2)^k / k! = exp(-(sqrt l1 - sqrt l2)^2 / 2)
    ("poisson(2)", "poisson(9)", "fisher-np", 2 * math.acos(math.exp(-(3 - math.sqrt(2)) ** 2 / 2))),
    ("laplace(0, 1)", "laplace(0, 3)", "fisher-np", 2 * math.acos(2 * math.sqrt(3) / 4)),  # 2 sqrt(b1 b2)/(b1+b2)
    ("cauchy(0, 1)", "cauchy(2, 1)", "fisher-np", None),
    ("points([0, 1], [0.3, 0.7])", "points([0.5, 2, 3])", "fisher-np", math.pi),
    ("categorical([0.5, 0.5])", "poisson(1)", "fisher-np", None),
]


@pytest.mark.parametrize("a, b, metric, ref", NONPARAMETRIC, ids=[f"{m}:{a}-{b}" for a, b, m, _ in NONPARAMETRIC])
def test_nonparametric_paths(a, b, metric, ref):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, metric)
    assert g.model == "densities" and g.metric == metric and g.title == "Fisher-Rao"
    assert g.label == "Fisher-Rao on all densities"
    if ref is None:
        if p.kind == "continuous" and q.kind == "continuous":
            ref = 2 * math.acos(np_reference_bc(p, q))
        elif p.kind == "discrete" and q.kind == "discrete":
            locs = np.union1d(p.atoms()[0], q.atoms()[0])
            ref = 2 * math.acos(math.fsum(np.sqrt(p.pmf(locs) * q.pmf(locs))))
    assert g.length == pytest.approx(ref, rel=1e-9, abs=0)
    assert distance(q, p, metric) == pytest.approx(g.length, rel=1e-12, abs=0)
    assert 0 < g.length <= math.pi + 1e-15
    assert g(0) is p and g(1) is q
    assert_constant_speed(g, rel=1e-9)
    for t in (0.3, 0.7):
        assert_valid_point(g(t))


def test_fisher_falls_back_to_densities_only_without_a_common_family():
    assert geodesic(Normal(0, 1), Laplace(0, 1), "fisher").model == "densities"
    assert geodesic(Categorical((0.5, 0.5)), Categorical((0.5, 0.5), (1.0, 2.0)), "fisher").model == "densities"
    assert geodesic(Uniform(0, 1), Uniform(0, 2), "fisher").model == "densities"  # no smooth uniform family
    assert geodesic(Normal(0, 1), Normal(0, 2), "fisher").model == "normal"


@pytest.mark.parametrize("a, b", [("uniform(-3, -1)", "uniform(1, 3)"), ("dirac(0)", "dirac(1)"),
                                  ("dirac(0)", "normal(0, 1)"), ("points([0, 1])", "uniform(-1, 2)")])
def test_disjoint_supports_cross_fade(a, b):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "fisher-np")
    assert g.length == math.pi  # however far apart
    for t in (0.2, 0.5, 0.85):
        x = g(t)
        wp, wq = math.cos(math.pi * t / 2) ** 2, math.sin(math.pi * t / 2) ** 2
        grid = np.linspace(-4, 4, 33)
        np.testing.assert_allclose(x.pdf(grid), wp * p.pdf(grid) + wq * q.pdf(grid), rtol=1e-12, atol=1e-15)
        locs = np.union1d(p.atoms()[0], q.atoms()[0])
        np.testing.assert_allclose(x.pmf(locs), wp * p.pmf(locs) + wq * q.pmf(locs), rtol=1e-12, atol=1e-15)
        if p.kind == q.kind == "discrete":
            assert isinstance(x, Points)
        # a cross-fade's moments are the weighted ones
        mean = wp * p.mean + wq * q.mean
        assert x.mean == pytest.approx(mean, rel=1e-9, abs=1e-12)
        assert x.var == pytest.approx(wp * (p.var + p.mean ** 2) + wq * (q.var + q.mean ** 2) - mean ** 2,
                                      rel=1e-9, abs=1e-12)


def normal_laplace_distance(sigma, b):
    """2 arccos BC for N(0, sigma) and Laplace(0, b): BC = 2 c int_0^inf exp(-x^2/(4 s^2) - x/2) dx with
    s = sigma/b, c = (2 s sqrt(2 pi))^-1/2, and the integral is s sqrt(pi) erfcx(s / 2)."""
    s = sigma / b
    bc = 2 * (2 * s * math.sqrt(2 * math.pi)) ** -0.5 * s * math.sqrt(math.pi) * erfcx(s / 2)
    return 2 * math.acos(bc)


def cauchy_pair_distance(a, b):
    """Cauchy(0, a), Cauchy(0, b), a > b: BC = (2/pi) sqrt(ab) K(1 - b^2/a^2) / a (complete elliptic K)."""
    return 2 * math.acos(2 / math.pi * math.sqrt(a * b) * ellipkm1(b * b / (a * a)) / a)


@pytest.mark.parametrize("p, q, ref", [
    (Normal(0, 1), Laplace(0, 1), normal_laplace_distance(1, 1)),
    (Normal(0, 1e-4), Laplace(0, 1), normal_laplace_distance(1e-4, 1)),
    (Normal(0, 1e-6), Laplace(0, 1), normal_laplace_distance(1e-6, 1)),
    (Normal(0, 1), Laplace(0, 1e5), normal_laplace_distance(1, 1e5)),
    (Exponential(1), Exponential(1e-6), 2 * math.acos(2 * math.sqrt(1e-6) / (1 + 1e-6))),
    (Exponential(1e6), Exponential(1e-6), 2 * math.acos(2 / (1e6 + 1e-6))),
    (Laplace(5, 1), Laplace(5, 1e8), 2 * math.acos(2 * math.sqrt(1e8) / (1 + 1e8))),
    (Cauchy(0, 3), Cauchy(0, 1), cauchy_pair_distance(3, 1)),
    (Cauchy(0, 1e4), Cauchy(0, 1), cauchy_pair_distance(1e4, 1)),
], ids=str)
def test_fisher_np_across_scales(p, q, ref):
    # regression: with quadrature cuts only at breakpoints, a law 1e4 times wider or narrower was
    # missed and these came out as 2 pi / 3 (one law's mass lost)
    assert distance(p, q, "fisher-np") == pytest.approx(ref, rel=1e-10, abs=0)


def test_fisher_np_point_across_scales():
    # the point's moments and cdf take the cross term int x^k sqrt(p q) by quadrature, which must
    # find a bump 1e6 times narrower than the other law, as hellinger_squared must
    p, q = Normal(3.0, 1e-6), Laplace(0.0, 1.0)
    x = geodesic(p, q, "fisher-np")(0.5)
    cuts = [-np.inf, -10, -1, 0, 1, *(3 + k * 1e-6 for k in (-20, -2, 0, 2, 20)), 5, 10, np.inf]
    pieces = list(zip(cuts[:-1], cuts[1:]))

    def integral(f, upto=np.inf):
        return sum(quad(f, lo, min(hi, upto), limit=200, epsabs=1e-14)[0] for lo, hi in pieces if lo < upto)

    density = lambda v: float(x.pdf(v))
    m1, m2 = integral(lambda v: v * density(v)), integral(lambda v: v * v * density(v))
    assert integral(density) == pytest.approx(1.0, abs=1e-9)
    assert x.mean == pytest.approx(m1, rel=1e-9, abs=0)
    assert x.var == pytest.approx(m2 - m1 ** 2, rel=1e-9, abs=0)
    for v in (3 - 2e-6, 3 + 2e-6, 4.0):
        assert x.cdf(v) == pytest.approx(integral(density, v), rel=1e-9, abs=0)


@pytest.mark.parametrize("a, b, lo, hi", [
    ("normal(0, 1)", "laplace(1, 2)", -40, 40),
    ("normal(0, 1)", "normal(2, 1.5)", -20, 20),
    (MIXTURE, "normal(0, 1)", -20, 20),
    ("uniform(0, 2)", "uniform(1, 3)", 0, 3),
    ("exponential(1)", "uniform(0, 3)", 0, 45),
])
def test_fisher_np_against_a_fine_grid(a, b, lo, hi):
    # discretise both laws into 24k cells (edges on the uniforms' jumps) and take the categorical
    # distance 2 arccos sum sqrt(p_i q_i); cell masses come from the package's cdfs, which
    # test_cdf_masses_used_by_the_grid_are_right pins to scipy
    p, q = parse(a), parse(b)
    edges = np.linspace(lo, hi, 24_001)
    mp_, mq = np.diff(p.cdf(edges)), np.diff(q.cdf(edges))
    mp_, mq = mp_ / mp_.sum(), mq / mq.sum()
    grid = 2 * math.acos(min(1.0, math.fsum(np.sqrt(mp_ * mq))))
    assert distance(p, q, "fisher-np") == pytest.approx(grid, abs=2e-6)
    # the same through the package's categorical geometry
    assert distance(Categorical(tuple(mp_)), Categorical(tuple(mq)), "fisher") == pytest.approx(grid, rel=1e-12, abs=0)


def test_cdf_masses_used_by_the_grid_are_right():
    # the grid test takes cell masses from the package's cdfs; pin those to scipy here
    x = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(parse(MIXTURE).cdf(x), 0.5 * st.norm.cdf(x, -2, 1) + 0.5 * st.norm.cdf(x, 2, 0.5),
                               rtol=1e-13)
    np.testing.assert_allclose(Laplace(1, 2).cdf(x), st.laplace.cdf(x, 1, 2), rtol=1e-13)


def test_fisher_np_point_moments_by_quadrature():
    g = geodesic(Normal(0, 1), Laplace(1, 2), "fisher")
    x = g(0.4)
    assert isinstance(x, FisherNPPoint)
    m1 = quad(lambda v: v * x.pdf(v), -np.inf, np.inf, points=None, limit=200)[0]
    m2 = quad(lambda v: v * v * x.pdf(v), -np.inf, np.inf, limit=200)[0]
    assert x.mean == pytest.approx(m1, rel=1e-8, abs=0)
    assert x.var == pytest.approx(m2 - m1 ** 2, rel=1e-8, abs=0)
    for u in (0.05, 0.5, 0.9):
        assert x.cdf(x.ppf(u)) == pytest.approx(u, rel=1e-9, abs=0)
    # the point is also the geodesic point when built directly, and its spec parses back
    assert FisherNPPoint(Normal(0, 1), Laplace(1, 2), 0.4) == x
    assert parse(str(x)) == x


# ---------------------------------------------------------------------------------------------
# Wasserstein-2
# ---------------------------------------------------------------------------------------------

W2_CLOSED = [
    # (p, q, W2 by hand)
    ("normal(-4, 1)", "normal(4, 1)", 8.0),
    ("normal(0, 1)", "normal(2, 1.5)", math.hypot(2, 0.5)),  # the Euclidean norm on (mean, std)
    ("uniform(0, 2)", "uniform(1, 3)", 1.0),  # a pure shift
    ("uniform(0, 1)", "uniform(1, 4)", math.sqrt(2 ** 2 + 2 ** 2 / 12)),  # (d midpoint)^2 + (d width)^2 / 12
    ("laplace(0, 1)", "laplace(3, 2)", math.sqrt(9 + 2 * 1)),  # dmu^2 + 2 db^2 (Laplace variance 2 b^2)
    ("exponential(1)", "exponential(5)", SQ2 * 0.8),  # quantiles -log(1-u)/rate: 2 (1/l1 - 1/l2)^2
    ("cauchy(0, 1)", "cauchy(3, 1)", 3.0),  # equal scales: a shift
]


@pytest.mark.parametrize("a, b, ref", W2_CLOSED, ids=[f"{a}-{b}" for a, b, _ in W2_CLOSED])
def test_wasserstein_closed_forms(a, b, ref):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "wasserstein")
    assert g.length == pytest.approx(ref, rel=1e-14, abs=0)
    assert g.model == p.family and g.method == "closed form" and g.label == "Wasserstein-2"
    assert distance(q, p, "w2") == pytest.approx(ref, rel=1e-14, abs=0)
    assert g(0) is p and g(1) is q
    # McCann: location and scale move linearly, so the law stays in its family
    loc_scale = {"normal": ("mean", "std"), "laplace": ("loc", "scale"), "cauchy": ("loc", "scale")}
    for t in TS:
        x = g(t)
        assert type(x) is type(p)
        if p.family in loc_scale:
            for k in loc_scale[p.family]:
                assert getattr(x, k) == pytest.approx((1 - t) * getattr(p, k) + t * getattr(q, k), rel=1e-14, abs=0)
        elif p.family == "uniform":
            assert (x.low, x.high) == pytest.approx(((1 - t) * p.low + t * q.low, (1 - t) * p.high + t * q.high))
        else:
            assert 1 / x.rate == pytest.approx((1 - t) / p.rate + t / q.rate, rel=1e-14, abs=0)
    assert_constant_speed(g, rel=1e-13)
    if p.family != "cauchy":  # the quantile integral agrees with the closed form
        assert math.sqrt(squared_distance_quantile(p, q)[0]) == pytest.approx(ref, rel=1e-9, abs=0)


def test_wasserstein_reference_midpoint():
    g = geodesic(Normal(-4, 1), Normal(4, 1), "wasserstein")
    assert g.length == 8.0 and g(0.5) == Normal(0.0, 1.0)


def test_wasserstein_cauchy():
    assert distance(Cauchy(0, 1), Cauchy(3, 1), "wasserstein") == 3.0
    assert geodesic(Cauchy(0, 1), Cauchy(3, 1), "w2")(0.5) == Cauchy(1.5, 1.0)
    assert distance(Cauchy(0, 1), Cauchy(0, 2), "wasserstein") == math.inf
    g = geodesic(Cauchy(0, 1), Normal(0, 2), "wasserstein")
    assert g.length == math.inf
    x = g(0.5)
    assert math.isnan(x.mean) and x.var == math.inf
    with pytest.raises(UnsupportedError):
        geodesic(Cauchy(0, 1), parse("0.5*cauchy(0, 2) + 0.5*normal(0, 1)"), "wasserstein")


DISCRETE_W2 = [
    ("dirac(0)", "dirac(3)"),
    ("points([0, 1, 2])", "categorical([0.2, 0.3, 0.5])"),
    ("points([0, 1], [0.3, 0.7])", "points([0.5, 2, 3])"),
    ("categorical([0.2, 0.3, 0.5], at=[-1, 4, 2])", "categorical([0.5, 0.5])"),
    ("poisson(2)", "poisson(9)"),
    ("poisson(30)", "dirac(30)"),
]


@pytest.mark.parametrize("a, b", DISCRETE_W2, ids=[f"{a}-{b}" for a, b in DISCRETE_W2])
def test_wasserstein_discrete(a, b):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "wasserstein")
    ref = w2_discrete_reference(p, q)
    assert g.length == pytest.approx(ref, rel=1e-12, abs=0)
    assert distance(q, p, "wasserstein") == pytest.approx(ref, rel=1e-12, abs=0)
    assert g.method == "exact" and g.model == "distributions"
    for t in TS:
        x = g(t)
        assert isinstance(x, Points)
        assert_valid_point(x)
        assert x.mean == pytest.approx((1 - t) * p.mean + t * q.mean, rel=1e-12, abs=1e-12)
        assert w2_discrete_reference(p, x) == pytest.approx(t * ref, rel=1e-10, abs=0)
        assert w2_discrete_reference(x, q) == pytest.approx((1 - t) * ref, rel=1e-10, abs=0)


def points_of(locs):
    return Points(tuple(locs))


def test_wasserstein_tiny_shift_of_a_dirac():
    for eps in (1e-3, 2.0 ** -30, 1e-12):
        shift = (1.0 + eps) - 1.0  # the shift the floats actually carry
        assert distance(dirac(1.0), dirac(1.0 + eps), "wasserstein") == shift
    # regression: the squared moves underflowed (W2 = 0) and overflowed (W2 = inf)
    assert distance(dirac(0.0), dirac(1e-300), "w2") == 1e-300
    assert distance(dirac(0.0), dirac(1e200), "w2") == 1e200
    # sorted atoms: 0 -> 1e-200 and 1e-200 -> 3e-200, half the mass each
    assert distance(points_of((0.0, 1e-200)), points_of((3e-200, 1e-200)), "w2") == pytest.approx(
        math.sqrt(0.5 * 1 + 0.5 * 4) * 1e-200, rel=1e-15, abs=0)


def mixture_normal_w2():
    """W2 between 0.5 N(-2, 1) + 0.5 N(2, 0.5) and N(0, 1): int (x - G^-1(F(x)))^2 f(x) dx with scipy,
    G^-1(F(x)) taken as ndtri(F) below the median and -ndtri(1 - F) above it (tails keep their digits)."""
    F = lambda x: 0.5 * st.norm.cdf(x, -2, 1) + 0.5 * st.norm.cdf(x, 2, 0.5)
    S = lambda x: 0.5 * st.norm.sf(x, -2, 1) + 0.5 * st.norm.sf(x, 2, 0.5)
    f = lambda x: 0.5 * st.norm.pdf(x, -2, 1) + 0.5 * st.norm.pdf(x, 2, 0.5)
    g_inv = lambda x: ndtri(F(x)) if x < 0 else -ndtri(S(x))
    h = lambda x: (x - g_inv(x)) ** 2 * f(x) if min(F(x), S(x)) > 0 else 0.0  # 0 * inf where F underflows
    return math.sqrt(sum(quad(h, a, b, limit=200, epsrel=1e-12)[0] for a, b in
                         [(-np.inf, -2), (-2, 0), (0, 2), (2, np.inf)]))


def uniform_exponential_w2(a, b, rate):
    """W2^2 = int_0^1 (a + (b - a) u + log(1 - u) / rate)^2 du, by mpmath."""
    with mp.workdps(30):
        f = lambda u: (a + (b - a) * u + mp.log(1 - u) / rate) ** 2
        return float(mp.sqrt(mp.quad(f, [0, 0.5, 1])))


W2_GENERIC = [
    (MIXTURE, "normal(0, 1)", mixture_normal_w2),
    ("dirac(0)", "normal(0, 1)", lambda: 1.0),  # int (x - c)^2 dN = (mu - c)^2 + sigma^2
    ("dirac(3)", "normal(0, 2)", lambda: math.sqrt(9 + 4)),
    ("normal(0, 1)", "dirac(-1)", lambda: SQ2),
    ("uniform(0, 1)", "exponential(1)", lambda: uniform_exponential_w2(0, 1, 1.0)),
    ("uniform(-1, 2)", "exponential(0.5)", lambda: uniform_exponential_w2(-1, 2, 0.5)),
    ("normal(0, 1)", "laplace(0, 1)", None),
]


@pytest.mark.parametrize("a, b, ref", W2_GENERIC, ids=[f"{a}-{b}" for a, b, _ in W2_GENERIC])
def test_wasserstein_quantile_route(a, b, ref):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "wasserstein")
    assert g.model == "distributions" and g.method == "quadrature"
    if ref is not None:
        assert g.length == pytest.approx(ref(), rel=1e-9, abs=0)
    assert distance(q, p, "wasserstein") == pytest.approx(g.length, rel=1e-10, abs=0)
    assert g(0) is p and g(1) is q
    x = g(0.5)
    if p.family == "mixture":  # a mixture's quantiles are bisections: one check, to keep the suite fast
        assert distance(p, x, "wasserstein") == pytest.approx(0.5 * g.length, rel=1e-7, abs=0)
    else:
        assert_constant_speed(g, ts=(0.25, 0.5, 0.8), rel=1e-7)
    assert isinstance(x, QuantilePoint) and x.kind == "continuous"
    assert x.mean == pytest.approx(0.5 * (p.mean + q.mean), abs=1e-12)
    assert_valid_point(x, integrate_pdf=False)


def test_wasserstein_normal_laplace_against_own_quadrature():
    # F^-1 and G^-1 from scipy, integrated separately on each half so neither tail cancels
    h = lambda u: (st.norm.ppf(u) - st.laplace.ppf(u)) ** 2
    ref = math.sqrt(2 * quad(h, 0, 0.5, limit=200, epsrel=1e-12)[0])  # symmetric laws: twice the lower half
    assert distance(Normal(0, 1), Laplace(0, 1), "wasserstein") == pytest.approx(ref, rel=1e-9, abs=0)


@pytest.mark.parametrize("a, b", [("uniform(0, 1)", "uniform(2, 5)"), ("laplace(-1, 0.5)", "laplace(2, 3)"),
                                  ("normal(-4, 1)", "normal(4, 2)")])
def test_quantile_point_matches_the_closed_form(a, b):
    p, q = parse(a), parse(b)
    closed = geodesic(p, q, "wasserstein")
    for t in (0.25, 0.6):
        exact, generic = closed(t), QuantilePoint(p, q, t)
        u = np.array([1e-9, 0.01, 0.3, 0.5, 0.77, 0.999])
        np.testing.assert_allclose(generic.ppf(u), exact.ppf(u), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(generic.isf(u), exact.isf(u), rtol=1e-12, atol=1e-12)
        lo, hi = exact.plot_range()
        x = np.linspace(lo, hi, 23)
        np.testing.assert_allclose(generic.cdf(x), exact.cdf(x), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(generic.sf(x), exact.sf(x), rtol=1e-10, atol=1e-13)
        inner = x[(exact.pdf(x) > 1e-6)]
        inner = inner[np.abs(inner - np.array(exact.breakpoints)[:, None]).min(axis=0) > 1e-6]  # off the kinks
        np.testing.assert_allclose(generic.pdf(inner), exact.pdf(inner), rtol=1e-7)
        assert generic.mean == pytest.approx(exact.mean, rel=1e-12, abs=1e-12)
        assert generic.var == pytest.approx(exact.var, rel=1e-8, abs=0)
        assert distance(p, generic, "wasserstein") == pytest.approx(t * closed.length, rel=1e-8, abs=0)


# ---------------------------------------------------------------------------------------------
# Precision where floating point is stressed, against mpmath
# ---------------------------------------------------------------------------------------------


def mp_fr_normal(m1, s1, m2, s2):
    with mp.workdps(60):
        m1, s1, m2, s2 = map(mp.mpf, (m1, s1, m2, s2))
        return 2 * mp.sqrt(2) * mp.asinh(mp.sqrt(((m1 - m2) ** 2 / 2 + (s1 - s2) ** 2) / (4 * s1 * s2)))


def mp_normal_geodesic(m1, s1, m2, s2, t):
    """docs/math.md's semicircle parametrisation, evaluated with enough digits to resolve it."""
    with mp.workdps(1600):
        x1, y1, x2, y2 = mp.mpf(m1) / mp.sqrt(2), mp.mpf(s1), mp.mpf(m2) / mp.sqrt(2), mp.mpf(s2)
        t = mp.mpf(t)
        if x1 == x2:
            return mp.mpf(m1), y1 * (y2 / y1) ** t
        c = ((x2 ** 2 + y2 ** 2) - (x1 ** 2 + y1 ** 2)) / (2 * (x2 - x1))
        r = mp.sqrt((x1 - c) ** 2 + y1 ** 2)
        u1, u2 = mp.asinh((x1 - c) / y1), mp.asinh((x2 - c) / y2)
        u = (1 - t) * u1 + t * u2
        return (c + r * mp.tanh(u)) * mp.sqrt(2), r / mp.cosh(u)


NORMAL_EXTREMES = [
    (0.0, 1.0, 1.0, 1e6),  # sigma ratio 1e6
    (0.0, 1.0, 1.0, 1e-6),  # and 1e-6
    (2.0, 3.0, 2.0, 3e6),  # vertical
    (0.0, 1.0, 1e-9, 1.0),  # mean offset 1e-9
    (0.0, 1.0, 1e-9, 1.0 + 2.0 ** -30),  # distance ~1e-9
    (5.0, 2.0, 5.0 + 2.0 ** -40, 2.0 + 2.0 ** -38),  # distance ~1e-12, offset below the mean's digits
    (0.0, 1.0, 1e-10, 2.0),  # near-vertical, upwards
    (0.0, 1.0, -1e-10, 1e-6),  # near-vertical, downwards
    (1e-10, 1.0, 0.0, 1e-6),
    (5.0, 1.0, 5.0 + 1e-9, 1e6),
    (-4.0, 1.0, 4.0, 1.0),
    # regressions (the path did not reach q, or lost digits; see halfplane_geodesic)
    (0.0, 1e-160, 1.0, 1.0),
    (3.0, 1e10, -2.0, 1e-10),
    (0.0, 1.0, 1e200, 1.0),
    (0.0, 1e300, 1.0, 1e-300),
]


@pytest.mark.parametrize("case", NORMAL_EXTREMES, ids=str)
def test_normal_fisher_against_mpmath(case):
    m1, s1, m2, s2 = case
    p, q = Normal(m1, s1), Normal(m2, s2)
    g = geodesic(p, q, "fisher")
    L = mp_fr_normal(*case)
    assert g.length == pytest.approx(float(L), rel=4e-15, abs=0)
    for t in (0.1, 0.5, 0.9, 1.0):
        x = g.point(t)  # the curve itself, also at t = 1
        rm, rs = mp_normal_geodesic(*case, t)
        # what floating point allows: a few ulps of the coordinates, and t * L to ~1e-16 relative
        floor = 1e-15 * max(float(L), 1.0) + 32 * math.ulp(max(abs(m1), abs(m2), abs(float(rm)))) / float(rs)
        assert float(mp_fr_normal(x.mean, x.std, rm, rs)) <= floor, (t, x)
        assert abs(float(mp_fr_normal(m1, s1, x.mean, x.std) - t * L)) <= floor + 1e-15 * float(L), t


def test_vertical_geodesic_across_extreme_scales():
    # regression: log(y2 / y1) overflowed, and the midpoint N(0, 1) became std = inf
    g = geodesic(Normal(0.0, 1e-300), Normal(0.0, 1e300), "fisher")
    assert g.length == pytest.approx(SQ2 * 600 * math.log(10), rel=1e-15, abs=0)
    assert g(0.5).std == pytest.approx(1.0, rel=1e-13, abs=0) and g(0.5).mean == 0.0
    assert g(0.25).std == pytest.approx(1e-150, rel=1e-13, abs=0)


@pytest.mark.parametrize("family, k", [(Laplace, 1.0), (Cauchy, 1 / SQ2)])
def test_close_locations_keep_their_digits(family, k):
    # the location difference is taken before any scaling: 5 + 2^-40 - 5 is exact
    p, q = family(5.0, 2.0), family(5.0 + 2.0 ** -40, 2.0 + 2.0 ** -38)
    with mp.workdps(50):
        x1, y1, x2, y2 = (mp.mpf(v) for v in (p.loc, p.scale, q.loc, q.scale))
        ref = k * 2 * mp.asinh(mp.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2) / (2 * mp.sqrt(y1 * y2)))
    assert distance(p, q, "fisher") == pytest.approx(float(ref), rel=1e-14, abs=0)


def mp_categorical(p, q):
    with mp.workdps(60):
        h = mp.sqrt(mp.fsum((mp.sqrt(mp.mpf(a)) - mp.sqrt(mp.mpf(b))) ** 2 for a, b in zip(p, q)))
        return 4 * mp.asin(h / 2)  # chord 2h on the sphere of radius 2


def mp_slerp(p, q, t):
    with mp.workdps(60):
        theta = mp_categorical(p, q) / 2
        sp, sq = [mp.sqrt(mp.mpf(a)) for a in p], [mp.sqrt(mp.mpf(b)) for b in q]
        a, b = mp.sin((1 - mp.mpf(t)) * theta) / mp.sin(theta), mp.sin(mp.mpf(t) * theta) / mp.sin(theta)
        return [(a * x + b * y) ** 2 for x, y in zip(sp, sq)]


@pytest.mark.parametrize("p, q", [
    ((0.5, 0.5), (0.5 + 1e-9, 1 - (0.5 + 1e-9))),  # d ~ 2e-9
    ((0.5, 0.5), (0.5 + 2.0 ** -30, 0.5 - 2.0 ** -30)),
    ((0.25, 0.25, 0.5), (0.25, 0.25 + 1e-12, 0.75 - (0.25 + 1e-12))),  # d ~ 2e-12
    ((1 - 2.0 ** -40, 2.0 ** -40), (2.0 ** -40, 1 - 2.0 ** -40)),  # near-antipodal
    ((1.0, 0.0), (0.0, 1.0)),  # antipodal
    ((0.125, 0.375, 0.5), (0.5, 0.375, 0.125)),
], ids=str)
def test_categorical_against_mpmath(p, q):
    # inputs sum to 1 exactly, so the arccos and Hellinger forms agree; tiny distances once lost
    # half their digits to sqrt(p) - sqrt(q) (2.0e-9 came out as 1.99999995e-9)
    assert math.fsum(p) == 1.0 and math.fsum(q) == 1.0
    g = geodesic(Categorical(p), Categorical(q), "fisher")
    L = mp_categorical(p, q)
    assert g.length == pytest.approx(float(L), rel=4e-16, abs=0)
    for t in (0.1, 0.5, 0.9):
        x = g(t)
        ref = mp_slerp(p, q, t)
        assert x.probs == pytest.approx([float(r) for r in ref], abs=4e-16)
        assert math.fsum(x.probs) == pytest.approx(1.0, abs=4e-16)
        # at distance t L from p, up to what rounding the probabilities allows
        assert abs(float(mp_categorical(p, x.probs) - t * L)) <= 1e-15 * float(L) + 2e-15


def test_exponential_extreme_rates_against_mpmath():
    p, q = Exponential(1e-8), Exponential(1e8)
    g = geodesic(p, q, "fisher")
    with mp.workdps(40):
        assert g.length == pytest.approx(float(mp.log(mp.mpf(1e8) / mp.mpf(1e-8))), rel=1e-15, abs=0)
        for t in (0.25, 0.5, 0.75):
            ref = mp.mpf(1e-8) * (mp.mpf(1e8) / mp.mpf(1e-8)) ** mp.mpf(t)
            assert g(t).rate == pytest.approx(float(ref), rel=1e-14, abs=0)
    # regression: log(q.rate / p.rate) overflowed to log(inf) = inf, or raised for a ratio of 0
    six_hundred_log10 = pytest.approx(600 * math.log(10), rel=1e-15, abs=0)
    assert distance(Exponential(1e-300), Exponential(1e300), "fisher") == six_hundred_log10
    assert distance(Exponential(1e300), Exponential(1e-300), "fisher") == six_hundred_log10


def test_poisson_tiny_and_huge_rates():
    g = geodesic(Poisson(1e-6), Poisson(1e7), "fisher")
    assert g.length == pytest.approx(2 * (math.sqrt(1e7) - 1e-3), rel=1e-15, abs=0)
    assert math.sqrt(g(0.5).rate) == pytest.approx(0.5 * (1e-3 + math.sqrt(1e7)), rel=1e-14, abs=0)


# ---------------------------------------------------------------------------------------------
# Every path, every metric: no NaN, valid points
# ---------------------------------------------------------------------------------------------

SWEEP = ["normal(0, 1)", "normal(3, 0.5)", "laplace(1, 2)", "uniform(-1, 2)", "exponential(2)", "cauchy(0, 1)",
         "poisson(3)", "categorical([0.2, 0.8])", "points([0, 1.5], [0.25, 0.75])", "dirac(1)",
         "0.5*normal(-1, 0.5) + 0.5*uniform(0, 2)"]
PAIRS = [(a, b) for i, a in enumerate(SWEEP) for b in SWEEP[i + 1:]]


@pytest.mark.parametrize("metric", ["fisher", "fisher-np"])
@pytest.mark.parametrize("a, b", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_sweep_fisher(a, b, metric):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, metric)
    assert 0 < g.length <= math.pi + 1e-12 or g.model != "densities"
    assert not math.isnan(g.length)
    assert distance(q, p, metric) == pytest.approx(g.length, rel=1e-9, abs=0)
    assert_valid_point(g(0.5), integrate_pdf=False)


W2_SWEEP = [(a, b) for a, b in PAIRS if "0.5*" not in a + b]  # mixtures cost a second each; covered above


@pytest.mark.parametrize("a, b", W2_SWEEP, ids=[f"{a}-{b}" for a, b in W2_SWEEP])
def test_sweep_wasserstein(a, b):
    p, q = parse(a), parse(b)
    g = geodesic(p, q, "wasserstein")
    assert not math.isnan(g.length) and g.length > 0
    assert (g.length == math.inf) == (p.heavy_tailed or q.heavy_tailed)
    assert distance(q, p, "wasserstein") == pytest.approx(g.length, rel=1e-9, abs=0)
    x = g(0.5)
    assert_valid_point(x, integrate_pdf=False)
    if math.isfinite(g.length):
        assert x.mean == pytest.approx(0.5 * (p.mean + q.mean), rel=1e-9, abs=1e-12)


def test_identical_endpoints():
    for d in (Normal(1, 2), Categorical((0.3, 0.7)), Exponential(3), Poisson(2), Laplace(0, 1), Uniform(0, 1)):
        for metric in metric_calls():
            g = geodesic(d, d, metric)
            assert g.length == 0.0
            x = g(0.5)
            assert params_finite(x) and not math.isnan(x.mean)


def test_path_call_validation():
    g = geodesic(Normal(0, 1), Normal(1, 1), "fisher")
    for bad in (-0.1, 1.5, math.nan, math.inf):
        with pytest.raises(ValidationError, match="`t` must be in \\[0, 1\\]"):
            g(bad)
    with pytest.raises(ValidationError, match="must be a number"):
        g("half")  # type: ignore[arg-type]
    assert g(np.float64(0.5)) == g(0.5)


def test_unknown_metric_and_bad_endpoints():
    with pytest.raises(UnsupportedError, match="unknown metric 'fishr' \\(did you mean 'fisher'\\?\\)"):
        geodesic(Normal(0, 1), Normal(1, 1), "fishr")
    with pytest.raises(UnsupportedError, match="available: " + ", ".join(available())):
        geodesic(Normal(0, 1), Normal(1, 1), "hellinger")
    with pytest.raises(UnsupportedError, match="must be distributions"):
        geodesic("normal(0, 1)", Normal(1, 1))  # type: ignore[arg-type]


def test_mixture_path_points_are_not_mixtures():
    # the W2 interpolant of two mixtures is not a mixture: its quantile function is the average
    p = parse("0.5*normal(-3, 0.5) + 0.5*normal(3, 0.5)")
    q = Normal(0, 1)
    x = QuantilePoint(p, q, 0.5)
    for u in (0.1, 0.5, 0.9):
        assert x.ppf(u) == pytest.approx(0.5 * p.ppf(u) + 0.5 * st.norm.ppf(u), rel=1e-12, abs=1e-12)
    naive = Mixture((0.5, 0.5), (p, q))
    assert abs(naive.cdf(1.0) - x.cdf(1.0)) > 0.01
