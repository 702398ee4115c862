"""Panel colours stay apart for every reader: pairwise CIELAB differences of the metrics' colours,
as seen with normal vision and with the three dichromacies (Machado, Oliveira and Fernandes 2009,
severity 1), in both themes, and against the theme's background."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import geoanim  # noqa: F401  (registers every metric)
from geoanim.paths.registry import METRICS
from geoanim.rendering.layout import THEMES

VISION = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
MIN_DELTA_E = 10.0  # CIE76; ~2.3 is just noticeable, 10 reads as a different colour at a glance
MIN_FROM_BACKGROUND = 20.0


def _linear(color: str) -> np.ndarray:
    c = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(color: str, vision: str) -> np.ndarray:
    return _lab(VISION[vision] @ _linear(color))


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
