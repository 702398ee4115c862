"""The Rayleigh law: the length of a round normal vector in the plane."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .base import HalfLine, Positive, as_array, out, param, register
from .charts import ArcLength, ExponentialFamily, LocationScale, log_delta, precision_mix, rms, square_gap

_MEAN = math.sqrt(math.pi / 2.0)




@register("rayleigh")
@dataclass(frozen=True)
class Rayleigh(HalfLine):
    """Rayleigh law with density x / scale² exp(-x² / (2 scale²)) on x >= 0."""

    scale: float = param(Positive(), aliases=("sigma",), role="scale", doc="scale σ (the mode)")
    family = "rayleigh"
    display_name = "Rayleigh"
    plural = "Rayleigh laws"
    symbol = "Rayleigh"
    # score ∂σ log p = -2/σ + x²/σ³, E x² = 2σ², E x⁴ = 8σ⁴: I(σ) = 4/σ², arc length 2 log σ
    fisher_chart = ArcLength("scale", lambda s: 2.0 * math.log(s), lambda a: math.exp(a / 2.0),
                             lambda a, b: 2.0 * log_delta(a, b), note="2 log scale",
                             move=lambda a, s: a * math.exp(s / 2.0))
    location_scale = LocationScale(lambda d: (0.0, d.scale), lambda a, b: Rayleigh(b), mean=_MEAN,
                                   var=2.0 - math.pi / 2.0)
    # T = x²: θ = -1/(2σ²), η = 2σ²; KL(p‖q) = r - 1 - log r with r = σp²/σq²
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: Rayleigh(precision_mix(p.scale, q.scale, t)[0]),
        m_point=lambda p, q, t: Rayleigh(rms(p.scale, q.scale, t)),
        kl=lambda p, q: square_gap(p.scale, q.scale), note="T = x\u00b2")

    @property
    def mean(self) -> float:
        return self.scale * _MEAN

    @property
    def var(self) -> float:
        return self.scale * self.scale * (2.0 - math.pi / 2.0)

    def logpdf(self, x):
        xa = as_array(x)
        z = np.maximum(xa, 0.0) / self.scale
        with np.errstate(divide="ignore"):
            return out(x, np.where(xa > 0, np.log(z) - 0.5 * z * z - math.log(self.scale), -np.inf))

    def pdf(self, x):
        z = np.maximum(as_array(x), 0.0) / self.scale
        return out(x, z * np.exp(-0.5 * z * z) / self.scale)

    def cdf(self, x):
        z = np.maximum(as_array(x), 0.0) / self.scale
        return out(x, -np.expm1(-0.5 * z * z))

    def sf(self, x):
        z = np.maximum(as_array(x), 0.0) / self.scale
        return out(x, np.exp(-0.5 * z * z))

    def ppf(self, u):
        with np.errstate(divide="ignore"):
            return out(u, self.scale * np.sqrt(-2.0 * np.log1p(-as_array(u))))

    def isf(self, v):
        with np.errstate(divide="ignore"):
            return out(v, self.scale * np.sqrt(-2.0 * np.log(as_array(v))))

    def plot_range(self):
        hi = 4.5 * self.scale
        return (-0.05 * hi, hi)

    def feature_points(self):
        return np.concatenate([[-1e-12 * self.scale, 0.0], self.scale * np.linspace(0.0, 7.0, 161)])
