"""Panel colours stay apart for every reader: pairwise CIELAB differences of the metrics' colours,
as seen with normal vision and with the three dichromacies (Machado, Oliveira and Fernandes 2009,
severity 1), in both themes, and against the theme's background."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import geoanim  # noqa: F401  (registers every metric)
from geoanim.paths.registry import METRICS
from geoanim.rendering.colors import VISION, seen
from geoanim.rendering.layout import THEMES

MIN_DELTA_E = 10.0  # CIE76 between any two metrics' own colours; ~2.3 is just noticeable
MIN_FROM_BACKGROUND = 20.0


def _seen(color: str, vision: str) -> np.ndarray:
    return seen(color, vision)


FIXED = [m for m in METRICS.values() if not callable(m.colors)]  # alpha(a) blends between two of these


@pytest.mark.parametrize("theme", [0, 1], ids=["light", "dark"])
@pytest.mark.parametrize("vision", list(VISION))
def test_metric_colours_are_distinguishable(theme, vision):
    def delta(a, b) -> float:
        return float(np.linalg.norm(_seen(a.colors[theme], vision) - _seen(b.colors[theme], vision)))

    worst = min(((delta(a, b), a.name, b.name) for a, b in itertools.combinations(FIXED, 2)), key=lambda x: x[0])
    assert worst[0] >= MIN_DELTA_E, f"{worst[1]} and {worst[2]} differ by only ΔE {worst[0]:.1f} ({vision})"
    bg = list(THEMES.values())[theme].bg
    for m in FIXED:
        delta = float(np.linalg.norm(_seen(m.colors[theme], vision) - _seen(bg, vision)))
        assert delta >= MIN_FROM_BACKGROUND, f"{m.name} is too close to the background (ΔE {delta:.1f}, {vision})"


def test_the_check_can_fail():
    """Vermillion against the old brown m-geodesic colour under protanopia: the pair that set the rule."""
    assert np.linalg.norm(_seen("#D55E00", "protanopia") - _seen("#8C6D1F", "protanopia")) < MIN_DELTA_E
