"""The half-normal law: |X| for X ~ N(0, scale²)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import HalfLine, Positive, as_array, out, param, register
from .charts import ArcLength, ExponentialFamily, LocationScale, log_delta, precision_mix, rms, square_gap

_MEAN = math.sqrt(2.0 / math.pi)  # E|Z| for Z ~ N(0, 1)
_SQRT2 = math.sqrt(2.0)


@register("halfnormal", "half_normal")
@dataclass(frozen=True)
class HalfNormal(HalfLine):
    """Half-normal law with density sqrt(2/pi) / scale * exp(-x^2 / (2 scale^2)) on x >= 0."""

    scale: float = param(Positive(), aliases=("sigma",), role="scale", doc="scale σ (the std of the folded normal)")
    family = "halfnormal"
    display_name = "half-normal"
    symbol = "HalfN"
    # score ∂σ log p = -1/σ + x²/σ³, so I(σ) = E[(x²/σ³ - 1/σ)²] = 2/σ²: arc length √2 log σ
    # (docs/math.md#fisher-rao-one-parameter-families-arc-length)
    fisher_chart = ArcLength("scale", lambda s: math.sqrt(2.0) * math.log(s), lambda a: math.exp(a / math.sqrt(2.0)),
                             lambda a, b: math.sqrt(2.0) * log_delta(a, b), note="\u221a2 log scale",
                             move=lambda a, s: a * math.exp(s / math.sqrt(2.0)))
    # X = scale * |Z|: E|Z| = sqrt(2/pi), Var|Z| = 1 - 2/pi, so W2 = |Δscale|
    # (docs/math.md#wasserstein-2-location-scale-closed-form)
    location_scale = LocationScale(lambda d: (0.0, d.scale), lambda a, b: HalfNormal(b), mean=_MEAN,
                                   var=1.0 - 2.0 / math.pi)
    # T = x²: θ = -1/(2σ²), η = σ²; KL(p‖q) = (r - 1 - log r)/2 with r = σp²/σq²
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: HalfNormal(precision_mix(p.scale, q.scale, t)[0]),
        m_point=lambda p, q, t: HalfNormal(rms(p.scale, q.scale, t)),
        kl=lambda p, q: 0.5 * square_gap(p.scale, q.scale), note="T = x\u00b2")

    @property
    def mean(self) -> float:
        return self.scale * _MEAN

    @property
    def var(self) -> float:
        return self.scale * self.scale * (1.0 - 2.0 / math.pi)

    def pdf(self, x):
        z = as_array(x) / self.scale
        return out(x, np.where(z >= 0, _MEAN / self.scale * np.exp(-0.5 * z * z), 0.0))

    def logpdf(self, x):
        z = as_array(x) / self.scale
        return out(x, np.where(z >= 0, math.log(_MEAN / self.scale) - 0.5 * z * z, -np.inf))

    # scale * sqrt(2) overflows for scales above 1.27e308 (ppf(0) was inf * 0 = nan, every cdf 0):
    # the scale is divided out first and multiplied in last, so only a result beyond the largest
    # float overflows

    def cdf(self, x):
        from scipy.special import erf

        return out(x, erf(np.maximum(as_array(x), 0.0) / self.scale / _SQRT2))

    def sf(self, x):
        from scipy.special import erfc

        return out(x, erfc(np.maximum(as_array(x), 0.0) / self.scale / _SQRT2))

    def ppf(self, u):
        from scipy.special import erfinv

        return out(u, self.scale * (_SQRT2 * erfinv(as_array(u))))

    def isf(self, v):
        from scipy.special import erfcinv

        return out(v, self.scale * (_SQRT2 * erfcinv(as_array(v))))

    def plot_range(self):
        hi = 4.0 * self.scale
        return (-0.08 * hi, hi)

    def feature_points(self):
        return np.concatenate([[-1e-12 * self.scale, 0.0], self.scale * np.linspace(0.0, 6.0, 161)])
