"""Where a two-parameter family draws its parameter-space panel (read by the renderer, never by the maths)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ParamSpace:
    """The panel's axes: the parameters ``x`` and ``y`` of the family, each on a log axis or not.

    A path point outside the family (W2's quantile average of two gamma laws is not a gamma law) is
    drawn, dashed, at the member with its mean and variance where ``from_moments(mean, var)`` gives
    one (None where no member has them); with no ``from_moments`` such a path is left out and a note
    says so. ``fixed`` names parameters two laws must share to be drawn in one panel (Student's df).
    """

    x: str
    y: str
    xlog: bool = False
    ylog: bool = False
    from_moments: Callable[[float, float], tuple[float, float] | None] | None = None
    fixed: tuple[str, ...] = ()
    xlabel: str = ""
    ylabel: str = ""
    symbols: tuple[str, str] = ("", "")  # short names for the panel's title ("μ", "σ"); else x and y

    def coords(self, d: Any, cls: type) -> tuple[float, float]:
        """(x, y) of law d in this panel: its parameters if it is a member, else moment-matched, else nan."""
        if type(d) is cls:
            return float(getattr(d, self.x)), float(getattr(d, self.y))
        if self.from_moments is not None:
            try:
                mean, var = float(d.mean), float(d.var)
            except (AttributeError, ValueError, OverflowError):
                return math.nan, math.nan
            if math.isfinite(mean) and math.isfinite(var) and var > 0:
                got = self.from_moments(mean, var)
                if got is not None:
                    return got
        return math.nan, math.nan


def location_scale_moments(mean_z: float, var_z: float) -> Callable[[float, float], tuple[float, float]]:
    """from_moments for X = loc + scale·Z with Z of mean ``mean_z`` and variance ``var_z``."""
    sd_z = math.sqrt(var_z)

    def match(mean: float, var: float) -> tuple[float, float]:
        scale = math.sqrt(var) / sd_z
        return mean - mean_z * scale, scale
    return match


def lognormal_moments(mean: float, var: float) -> tuple[float, float] | None:
    """(mu, sigma) of the log-normal law with this mean and variance (mean > 0)."""
    if mean <= 0:
        return None
    s2 = math.log1p(var / (mean * mean))
    return math.log(mean) - 0.5 * s2, math.sqrt(s2)
