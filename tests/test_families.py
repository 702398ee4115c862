"""The 1-D families against scipy.stats and first principles."""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad
from scipy.special import ndtri

from geoanim import parse
from geoanim.errors import ValidationError
from geoanim.families import Categorical, Cauchy, Exponential, Laplace, Mixture, Normal, Points, Poisson, Uniform, dirac


def mixture_reference():
    """0.3 N(-2, 1) + 0.7 U(0, 2), from scipy, with the moments written out."""
    a, b = st.norm(-2, 1), st.uniform(0, 2)
    mean = 0.3 * -2 + 0.7 * 1
    second = 0.3 * (1 + 4) + 0.7 * (4 / 12 + 1)
    return {"pdf": lambda x: 0.3 * a.pdf(x) + 0.7 * b.pdf(x), "cdf": lambda x: 0.3 * a.cdf(x) + 0.7 * b.cdf(x),
            "sf": lambda x: 0.3 * a.sf(x) + 0.7 * b.sf(x), "mean": mean, "var": second - mean ** 2}


CONTINUOUS = {
    "normal": (Normal(1.5, 2.0), st.norm(1.5, 2.0)),
    "uniform": (Uniform(-1.0, 3.0), st.uniform(-1.0, 4.0)),
    "exponential": (Exponential(2.5), st.expon(scale=1 / 2.5)),
    "laplace": (Laplace(1.0, 0.5), st.laplace(1.0, 0.5)),
    "cauchy": (Cauchy(-1.0, 2.0), st.cauchy(-1.0, 2.0)),
}
DISCRETE = {
    "poisson": (Poisson(3.5), st.poisson(3.5)),
    "categorical": (Categorical((0.2, 0.3, 0.5), (3.0, -1.0, 7.0)),
                    st.rv_discrete(values=([-1, 3, 7], [0.3, 0.2, 0.5]))),
    "points": (Points((0.0, 1.0, 1.0, 4.0), (0.1, 0.2, 0.3, 0.4)), st.rv_discrete(values=([0, 1, 4], [0.1, 0.5, 0.4]))),
    "dirac": (dirac(2.0), st.rv_discrete(values=([2], [1.0]))),
}
MIX = Mixture((0.3, 0.7), (Normal(-2.0, 1.0), Uniform(0.0, 2.0)))
ALL = {**{k: v[0] for k, v in CONTINUOUS.items()}, **{k: v[0] for k, v in DISCRETE.items()}, "mixture": MIX}


def integrate(f, d):
    """Integral of f over the line, split at the law's kinks so quad sees smooth pieces."""
    cuts = sorted({*d.breakpoints, *d.plot_range()})
    edges = [-np.inf, *cuts, np.inf]
    return sum(quad(f, a, b, limit=200, epsabs=1e-13, epsrel=1e-12)[0] for a, b in zip(edges[:-1], edges[1:]))


@pytest.mark.parametrize("name", [*CONTINUOUS, "mixture"])
def test_pdf_integrates_to_one(name):
    d = ALL[name]
    assert integrate(lambda x: d.pdf(x), d) == pytest.approx(1.0, abs=1e-10)
    assert d.pmf(0.5) == 0.0 and d.atoms()[0].size == 0


@pytest.mark.parametrize("name", DISCRETE)
def test_pmf_sums_to_one_and_matches_scipy(name):
    d, ref = DISCRETE[name]
    locs, masses = d.atoms()
    assert np.all(np.diff(locs) > 0) and np.all(masses > 0)
    assert math.fsum(masses) == pytest.approx(1.0, abs=1e-14)
    np.testing.assert_allclose(d.pmf(locs), ref.pmf(locs), rtol=1e-12, atol=1e-300)
    assert d.pmf(float(locs[0]) + 0.5) == 0.0 or name == "poisson" and d.pmf(0.5) == 0.0
    assert np.all(d.pdf(locs) == 0.0)


@pytest.mark.parametrize("name", CONTINUOUS)
def test_pdf_cdf_sf_ppf_against_scipy(name):
    d, ref = CONTINUOUS[name]
    lo, hi = d.plot_range()
    x = np.linspace(lo, hi, 41)
    np.testing.assert_allclose(d.pdf(x), ref.pdf(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.cdf(x), ref.cdf(x), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(d.sf(x), ref.sf(x), rtol=1e-12, atol=1e-300)
    u = np.array([1e-12, 1e-6, 0.01, 0.2, 0.5, 0.7, 0.99, 1 - 1e-6])
    np.testing.assert_allclose(d.ppf(u), ref.ppf(u), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(d.isf(u), ref.isf(u), rtol=1e-10, atol=1e-12)
    assert isinstance(d.pdf(0.3), float) and d.pdf(np.array([0.3, 0.4])).shape == (2,)


@pytest.mark.parametrize("name", [*CONTINUOUS, "mixture"])
def test_cdf_of_ppf_is_identity(name):
    d = ALL[name]
    u = np.array([1e-300, 1e-100, 1e-12, 1e-3, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999])
    for x, back in ((d.ppf(u), d.cdf), (d.isf(u), d.sf)):  # the upper tail through sf/isf, where 1 - u rounds
        # besides 1e-9 relative, allow the probability of one rounding step of x (a uniform's
        # ppf(1e-300) is -1 + 4e-300, which is -1 in floating point)
        with np.errstate(over="ignore"):  # a cauchy pdf at 1e300 squares the offset
            floor = 2 * d.pdf(x) * np.spacing(np.abs(x))
        assert np.all(np.abs(back(x) - u) <= 1e-9 * u + floor), (back(x), u)


@pytest.mark.parametrize("name", [*ALL])
def test_isf_is_ppf_of_one_minus(name):
    d = ALL[name]
    # dyadic v, so 1 - v is exact and both sides ask the same question; for discrete laws stay off
    # the jump levels of the cdf (0.3, 0.5, ... are cumulative masses of the test laws)
    v = np.array([0.0078125, 0.0625, 0.1875, 0.40625, 0.59375, 0.8125, 0.9375])
    np.testing.assert_allclose(d.isf(v), d.ppf(1 - v), rtol=1e-12, atol=1e-12)


def test_isf_keeps_precision_in_far_tails():
    v = 1e-300
    assert Normal(0, 1).isf(v) == pytest.approx(-ndtri(v), rel=1e-14, abs=0)
    assert Normal(2, 3).isf(v) == pytest.approx(2 - 3 * ndtri(v), rel=1e-14, abs=0)
    assert math.isfinite(Normal(0, 1).isf(v)) and math.isinf(Normal(0, 1).ppf(1 - v))  # 1 - 1e-300 == 1
    assert Exponential(2.0).isf(v) == pytest.approx(300 * math.log(10) / 2, rel=1e-14, abs=0)
    assert Laplace(1.0, 0.5).isf(v) == pytest.approx(1.0 - 0.5 * math.log(2 * v), rel=1e-14, abs=0)
    assert Cauchy(0.0, 2.0).isf(1e-200) == pytest.approx(2.0 / (math.pi * 1e-200), rel=1e-12, abs=0)
    assert Uniform(-1, 3).isf(0.25) == 2.0
    # the mixture's upper tail is its normal component's, weighted: 0.3 * N(2, 1).sf(x) = v
    m = Mixture((0.3, 0.7), (Normal(2.0, 1.0), Uniform(-5.0, 0.0)))
    assert m.isf(1e-200) == pytest.approx(2.0 - ndtri(1e-200 / 0.3), rel=1e-12, abs=0)
    assert Normal(0, 1).sf(30.0) == pytest.approx(st.norm.sf(30.0), rel=1e-12, abs=0)  # not 1 - cdf = 0
    assert Exponential(1.0).cdf(1e-20) == pytest.approx(1e-20, rel=1e-14, abs=0)  # expm1, not 1 - exp


@pytest.mark.parametrize("name", DISCRETE)
def test_discrete_quantiles(name):
    d, ref = DISCRETE[name]
    locs, _ = d.atoms()
    for u in [1e-9, 0.05, 0.2, 0.33, 0.5001, 0.77, 0.95, 0.999999]:
        x = d.ppf(u)
        assert x in locs
        assert d.cdf(x) >= u
        below = locs[locs < x]
        assert below.size == 0 or d.cdf(below[-1]) < u  # the smallest such atom
        assert x == ref.ppf(u)
    np.testing.assert_allclose(d.cdf(locs), ref.cdf(locs), rtol=1e-12)
    np.testing.assert_allclose(d.sf(locs), ref.sf(locs), rtol=1e-9, atol=1e-15)
    between = locs[:-1] + 0.5 * np.diff(locs) if locs.size > 1 else locs - 0.5
    np.testing.assert_allclose(d.cdf(between), ref.cdf(between), rtol=1e-12)


def test_discrete_isf_is_exact_where_one_minus_v_rounds():
    # P(X > -1) = 0.7 exactly, so isf(0.7) = -1; ppf(1 - 0.7) would see 0.30000000000000004 > 0.3
    d = Categorical((0.2, 0.3, 0.5), (3.0, -1.0, 7.0))
    assert d.isf(0.7) == -1.0
    assert d.isf(0.5) == 3.0 and d.isf(0.49) == 7.0 and d.isf(0.0) == 7.0


MOMENTS = [
    (Normal(1.5, 2.0), st.norm(1.5, 2.0)),
    (Uniform(-1.0, 3.0), st.uniform(-1.0, 4.0)),
    (Exponential(2.5), st.expon(scale=0.4)),
    (Laplace(1.0, 0.5), st.laplace(1.0, 0.5)),
    (Poisson(3.5), st.poisson(3.5)),
    (Poisson(2e6), st.poisson(2e6)),
    (Categorical((0.2, 0.3, 0.5), (3.0, -1.0, 7.0)), st.rv_discrete(values=([-1, 3, 7], [0.3, 0.2, 0.5]))),
    (Points((0.0, 1.0, 1.0, 4.0), (0.1, 0.2, 0.3, 0.4)), st.rv_discrete(values=([0, 1, 4], [0.1, 0.5, 0.4]))),
]


@pytest.mark.parametrize("d, ref", MOMENTS, ids=[str(m[0]) for m in MOMENTS])
def test_moments_against_scipy(d, ref):
    assert d.mean == pytest.approx(ref.mean(), rel=1e-12, abs=0)
    assert d.var == pytest.approx(ref.var(), rel=1e-10, abs=0)


def test_mixture_against_reference():
    ref = mixture_reference()
    x = np.linspace(-6, 3, 37)
    np.testing.assert_allclose(MIX.pdf(x), ref["pdf"](x), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(MIX.cdf(x), ref["cdf"](x), rtol=1e-13)
    np.testing.assert_allclose(MIX.sf(x), ref["sf"](x), rtol=1e-13)
    assert MIX.mean == pytest.approx(ref["mean"], rel=1e-14, abs=0)
    assert MIX.var == pytest.approx(ref["var"], rel=1e-13, abs=0)
    # moments again, by quadrature of the density
    assert integrate(lambda x: x * MIX.pdf(x), MIX) == pytest.approx(ref["mean"], rel=1e-10, abs=0)


def test_cauchy_has_no_mean_and_infinite_variance():
    c = Cauchy(3.0, 2.0)
    assert math.isnan(c.mean) and c.var == math.inf and c.heavy_tailed
    assert not Normal(0, 1).heavy_tailed
    assert math.isnan(parse("0.5*cauchy(0, 1) + 0.5*normal(0, 1)").mean)


def test_extreme_scales_give_inf_not_exceptions():
    # regression: std ** 2 raised OverflowError and 1 / rate ** 2 ZeroDivisionError for valid laws
    assert Normal(0.0, 1e200).var == math.inf
    assert Laplace(0.0, 1e200).var == math.inf
    assert Uniform(-1e200, 1e200).var == math.inf
    assert Exponential(1e-320).var == math.inf and Exponential(1e-320).mean == math.inf
    assert Mixture((0.5, 0.5), (Normal(-1e200, 1.0), Normal(1e200, 1.0))).var == math.inf
    assert Normal(0.0, 1e150).var == pytest.approx(1e300, rel=1e-15, abs=0)


def test_support_and_plot_range():
    assert Normal(0, 1).support == (-math.inf, math.inf)
    assert Uniform(-1, 3).support == (-1.0, 3.0)
    assert Exponential(2).support == (0.0, math.inf)
    assert Categorical((0.5, 0.5), (4.0, -2.0)).support == (-2.0, 4.0)
    assert Poisson(3.5).support[0] == 0.0
    for name, d in ALL.items():
        lo, hi = d.plot_range()
        assert lo < hi, name
        if d.kind == "continuous":
            assert d.cdf(lo) < 0.1 and d.sf(hi) < 0.1, name  # the range shows most of the mass
        else:
            locs, masses = d.atoms()
            assert lo < locs[masses > 1e-3].min() and locs[masses > 1e-3].max() < hi, name


# -- description -----------------------------------------------------------------------------------

DICTS = [
    (Normal(1.5, 2.0), {"family": "normal", "params": {"mean": 1.5, "std": 2.0}}),
    (Uniform(-1.0, 3.0), {"family": "uniform", "params": {"low": -1.0, "high": 3.0}}),
    (Exponential(2.5), {"family": "exponential", "params": {"rate": 2.5}}),
    (Laplace(1.0, 0.5), {"family": "laplace", "params": {"loc": 1.0, "scale": 0.5}}),
    (Cauchy(-1.0, 2.0), {"family": "cauchy", "params": {"loc": -1.0, "scale": 2.0}}),
    (Poisson(3.5), {"family": "poisson", "params": {"rate": 3.5}}),
    (Categorical((0.2, 0.8)), {"family": "categorical", "params": {"probs": [0.2, 0.8]}}),
    (Categorical((0.2, 0.8), (1.0, 3.0)), {"family": "categorical", "params": {"probs": [0.2, 0.8], "at": [1.0, 3.0]}}),
    (Points((0.0, 2.0), (0.25, 0.75)),
     {"family": "points", "params": {"locations": [0.0, 2.0], "weights": [0.25, 0.75]}}),
    (Points((0.0, 2.0)), {"family": "points", "params": {"locations": [0.0, 2.0], "weights": [0.5, 0.5]}}),
    (dirac(3.0), {"family": "points", "params": {"locations": [3.0], "weights": [1.0]}}),
    (MIX, {"family": "mixture", "params": {"weights": [0.3, 0.7], "components": [
        {"family": "normal", "params": {"mean": -2.0, "std": 1.0}},
        {"family": "uniform", "params": {"low": 0.0, "high": 2.0}}]}}),
]


@pytest.mark.parametrize("d, expected", DICTS, ids=[str(x[0]) for x in DICTS])
def test_to_dict(d, expected):
    assert d.to_dict() == expected


@pytest.mark.parametrize("d", [x[0] for x in DICTS if x[0].family != "mixture"], ids=str)
def test_to_dict_names_are_spec_keywords(d):
    # the argument names in to_dict are the ones the parser accepts as keywords
    def text(v):
        return "[" + ", ".join(repr(float(x)) for x in v) + "]" if isinstance(v, list) else repr(float(v))

    params = d.to_dict()["params"]
    spec = f"{d.family}(" + ", ".join(f"{k}={text(v)}" for k, v in reversed(list(params.items()))) + ")"
    assert parse(spec) == d


VALIDATION = [
    (lambda: Normal(0, -1), "normal: `std` must be > 0 (got -1)", "std"),
    (lambda: Normal(0, 0), "normal: `std` must be > 0 (got 0)", "std"),
    (lambda: Normal(math.nan, 1), "normal: `mean` must be finite (got nan)", "mean"),
    (lambda: Normal("a", 1), "normal: `mean` must be a number (got 'a')", "mean"),
    (lambda: Uniform(1, 1), "uniform: `low` must be < `high` (got 1 and 1)", "high"),
    (lambda: Exponential(0), "exponential: `rate` must be > 0 (got 0)", "rate"),
    (lambda: Exponential(math.inf), "exponential: `rate` must be finite (got inf)", "rate"),
    (lambda: Laplace(0, -2.5), "laplace: `scale` must be > 0 (got -2.5)", "scale"),
    (lambda: Cauchy(0, -1), "cauchy: `scale` must be > 0 (got -1)", "scale"),
    (lambda: Poisson(-1), "poisson: `rate` must be > 0 (got -1)", "rate"),
    (lambda: Poisson(2e7), "poisson: `rate` must be <= 1e7 (got 20000000)", "rate"),
    (lambda: Categorical((0.5, 0.6)), "categorical: `probs` must sum to 1 (got 1.1)", "probs"),
    (lambda: Categorical((1.5, -0.5)), "categorical: `probs[1]` must be >= 0 (got -0.5)", "probs"),
    (lambda: Categorical(()), "categorical: `probs` must not be empty", "probs"),
    (lambda: Categorical((0.5, 0.5), (1.0, 1.0)), "categorical: `at` must not repeat a point", "at"),
    (lambda: Points((0.0, math.inf)), "points: `locations[1]` must be finite (got inf)", "locations"),
    (lambda: Points((0.0, 1.0), (1.0,)),
     "points: `weights` must have one weight per location (got 1 weights for 2 locations)", "weights"),
    (lambda: Mixture((0.5, 0.5), (Normal(0, 1), dirac(0))), None, "components"),
    (lambda: Mixture((0.5, 0.6), (Normal(0, 1), Normal(1, 1))), "mixture: weights must sum to 1 (got 1.1)", "weights"),
    (lambda: Mixture((1e308, 1e308), (Normal(0, 1), Normal(1, 1))), "mixture: weights must sum to 1 (got inf)",
     "weights"),
    (lambda: Points((0.0, 1.0), (9e307, 9e307)), "points: `weights` must sum to 1 (got inf)", "weights"),
]


@pytest.mark.parametrize("make, message, param", VALIDATION, ids=[str(v[1] or v[2]) for v in VALIDATION])
def test_validation_messages(make, message, param):
    with pytest.raises(ValidationError) as info:
        make()
    exc = info.value
    if message is not None:
        assert exc.message == message
    # the one-sentence style: "family: `argument` must ... (got ...)", one line, no final period
    assert re.match(r"^[a-z_]+: .*\S$", exc.message) and "\n" not in exc.message
    assert not exc.message.endswith(".")
    assert exc.param == param
    assert str(exc) == exc.message  # no spec text, so no caret block


def test_frozen_and_hashable():
    d = Normal(0, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.std = 2.0  # type: ignore[misc]
    c = Categorical((0.5, 0.5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.probs = (1.0, 0.0)  # type: ignore[misc]
    assert isinstance(c.probs, tuple) and isinstance(Points((1, 2)).weights, tuple)
    # values are normalised to floats, so equal laws are equal and hash alike
    assert Normal(0, 1) == Normal(0.0, 1.0) and hash(Normal(0, 1)) == hash(Normal(0.0, 1.0))
    assert len({Normal(0, 1), parse("normal(0, 1)"), parse("gaussian(0.0, 1.0)")}) == 1
    assert hash(MIX) == hash(parse(str(MIX)))


def test_kinds():
    assert Normal(0, 1).kind == "continuous" and MIX.kind == "continuous"
    assert Poisson(1).kind == "discrete" and dirac(0).kind == "discrete"
    assert isinstance(dirac(0), Points)
