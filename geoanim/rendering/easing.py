"""Rate functions on [0, 1]: map animation progress to the geodesic parameter t (pure)."""

from __future__ import annotations

import numpy as np

from ..errors import ValidationError


def linear(s):
    return np.asarray(s, dtype=float)


def smooth(s):
    """Smootherstep 6s^5 - 15s^4 + 10s^3: zero velocity and acceleration at both ends."""
    s = np.asarray(s, dtype=float)
    return s * s * s * (s * (6 * s - 15) + 10)


EASINGS = {"linear": linear, "smooth": smooth}


def get(name: str):
    try:
        return EASINGS[name]
    except KeyError:
        raise ValidationError(f"render: `easing` must be one of {', '.join(EASINGS)} (got {name!r})",
                              param="easing") from None
