"""halfnormal(scale): the family against scipy, and its two closed forms against first principles.

Fisher information: the score is ∂σ log p = x²/σ³ - 1/σ, so I(σ) = E[score²] = 2/σ² and the
Fisher-Rao distance is √2 |log(σ2/σ1)| (docs/math.md#fisher-rao-one-parameter-families-arc-length).
W2: X = σ|Z| is a scale family, so the monotone coupling gives W2 = |σ2 - σ1|·(E Z²)^½ = |Δσ|
(docs/math.md#wasserstein-2-location-scale-closed-form).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats as st
from scipy.integrate import quad

import geoanim
from geoanim.errors import ValidationError
from geoanim.families import FAMILIES
from geoanim.paths.wasserstein import squared_distance_quantile

HalfNormal = FAMILIES["halfnormal"].cls


def test_density_quantiles_and_moments_match_scipy():
    d, ref = HalfNormal(1.7), st.halfnorm(scale=1.7)
    x = np.array([0.0, 0.3, 1.0, 2.5, 7.0])
    assert np.allclose(d.pdf(x), ref.pdf(x), rtol=1e-13)
    assert np.allclose(d.cdf(x), ref.cdf(x), rtol=1e-13)
    assert np.allclose(d.sf(x), ref.sf(x), rtol=1e-12)
    u = np.array([1e-12, 0.1, 0.5, 0.9])
    assert np.allclose(d.ppf(u), ref.ppf(u), rtol=1e-12)
    assert np.allclose(d.isf(u), ref.isf(u), rtol=1e-12)
    assert d.pdf(-0.1) == 0.0 and d.cdf(-1.0) == 0.0
    assert d.mean == pytest.approx(ref.mean(), rel=1e-14) and d.var == pytest.approx(ref.var(), rel=1e-14)


def test_spec_round_trip_and_validation():
    d = geoanim.parse("halfnormal(2.5)")
    assert d == HalfNormal(2.5) == geoanim.parse("halfnormal(sigma=2.5)") == geoanim.parse(str(d))
    assert d.to_dict() == {"family": "halfnormal", "params": {"scale": 2.5}}
    with pytest.raises(ValidationError, match=r"halfnormal: `scale` must be > 0 \(got -1\)"):
        geoanim.parse("halfnormal(-1)")


def fisher_information(scale: float) -> float:
    """E[(∂σ log p)²] by quadrature, from the density alone."""
    d = HalfNormal(scale)
    score = lambda x: x * x / scale ** 3 - 1.0 / scale  # noqa: E731
    return quad(lambda x: score(x) ** 2 * d.pdf(x), 0, math.inf, epsabs=0, epsrel=1e-12)[0]


@pytest.mark.parametrize("scale", [0.3, 1.0, 4.0])
def test_fisher_information_is_two_over_scale_squared(scale):
    assert fisher_information(scale) == pytest.approx(2.0 / scale ** 2, rel=1e-9)


def test_fisher_rao_closed_form_and_geodesic():
    p, q = HalfNormal(0.5), HalfNormal(3.0)
    g = geoanim.geodesic(p, q, "fisher")
    assert g.method == "closed form" and g.label == "Fisher-Rao on half-normals"
    # arc length of the curve σ in [0.5, 3] in the metric I(σ) dσ², integrated numerically
    length = quad(lambda s: math.sqrt(fisher_information(s)), 0.5, 3.0, epsrel=1e-10)[0]
    assert g.length == pytest.approx(length, rel=1e-8)
    assert g.length == pytest.approx(math.sqrt(2) * math.log(6), rel=1e-15)
    mid = g(0.5)
    assert isinstance(mid, HalfNormal) and mid.scale == pytest.approx(math.sqrt(0.5 * 3.0), rel=1e-14)
    assert geoanim.distance(p, mid, "fisher") == pytest.approx(0.5 * g.length, rel=1e-14)


def test_wasserstein_closed_form_against_quantile_quadrature():
    p, q = HalfNormal(0.5), HalfNormal(3.0)
    g = geoanim.geodesic(p, q, "wasserstein")
    assert g.method == "closed form" and g.length == pytest.approx(2.5, rel=1e-15)
    assert math.sqrt(squared_distance_quantile(p, q)[0]) == pytest.approx(2.5, rel=1e-9)
    assert g(0.4) == HalfNormal(0.5 + 0.4 * 2.5)


def test_between_families_the_fallbacks_apply():
    p, q = HalfNormal(1.0), geoanim.parse("exponential(1)")
    assert geoanim.geodesic(p, q, "fisher").model == "densities"
    assert geoanim.geodesic(p, q, "wasserstein").method == "quadrature"
