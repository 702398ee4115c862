"""Panel colours that stay apart for every reader: colour-vision-deficiency simulation, CIELAB
differences, the named palettes, and the choice of one colour per panel (pure numpy).

Two panels of one render must not look alike with normal vision or any of the three dichromacies
(Machado, Oliveira and Fernandes 2009, severity 1): where the metrics' own colours would (fisher-np's
green beside Wasserstein's blue, to a tritanope), the later panel takes the colour of a reserve that
differs most from the panels before it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

import numpy as np

VISION = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
PANEL_MIN_DELTA = 20.0  # CIE76 between two panels of one render, for every vision: a different colour at a glance
MIN_FROM_BACKGROUND = 20.0
RESERVE_FROM_BACKGROUND = 40.0  # a replacement colour must also stand out as a thin line on the background

# (light theme, dark theme) pairs
OKABE_ITO = (("#D55E00", "#FF8A3D"), ("#0072B2", "#56B4E9"), ("#009E73", "#2BC49A"), ("#CC79A7", "#E69ACB"),
             ("#E69F00", "#F0B840"), ("#56B4E9", "#9AD3F5"), ("#000000", "#FFFFFF"))
TOL_BRIGHT = (("#EE6677", "#EE6677"), ("#4477AA", "#77AADD"), ("#228833", "#44BB55"), ("#AA3377", "#DD77AA"),
              ("#CCBB44", "#CCBB44"), ("#66CCEE", "#66CCEE"), ("#555555", "#BBBBBB"))
TOL_MUTED = (("#332288", "#8877DD"), ("#117733", "#66CC88"), ("#882255", "#DD88BB"), ("#44AA99", "#44AA99"),
             ("#999933", "#DDCC77"), ("#CC6677", "#FFAABB"))
NAMED = {"okabe-ito": OKABE_ITO, "tol": TOL_BRIGHT}


def _linear(color: str) -> np.ndarray:
    c = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(color: str, vision: str) -> np.ndarray:
    """CIELAB of ``color`` ('#RRGGBB') as a reader with ``vision`` sees it."""
    return _lab(VISION[vision] @ _linear(color))


def delta_e(a: str, b: str, vision: str = "normal") -> float:
    """CIE76 difference of two colours as seen with ``vision``."""
    return float(np.linalg.norm(seen(a, vision) - seen(b, vision)))


@functools.lru_cache(maxsize=4096)
def worst_delta(a: str, b: str) -> float:
    """The smallest difference of two colours over normal vision and the three dichromacies."""
    return min(delta_e(a, b, v) for v in VISION)


def panel_colors(declared: Sequence[str], background: str, palette: str | tuple[str, ...] = "metrics",
                 dark: bool = False, first: Sequence[int] = ()) -> list[str]:
    """One colour per panel.

    ``palette``: "metrics" (each metric's ``declared`` colour; where two panels would look alike to some
    reader, the one chosen later is replaced), "okabe-ito" or "tol" (in panel order), or a tuple of
    '#RRGGBB' given by the user (in panel order, used as given). ``first``: the panels whose colours are
    settled first (Fisher-Rao and Wasserstein keep theirs), then the rest in panel order.
    """
    from ..errors import ValidationError

    n = len(declared)
    if isinstance(palette, tuple) and not (len(palette) == 1 and palette[0] in ("metrics", *NAMED)):
        if len(palette) < n:
            raise ValidationError(f"render: `palette` has {len(palette)} colour{'s' if len(palette) != 1 else ''} "
                                  f"for {n} metric panels", param="palette")
        return list(palette[:n])
    name = palette[0] if isinstance(palette, tuple) else palette
    if name in NAMED:
        pool = [pair[1 if dark else 0] for pair in NAMED[name]]
        return [pool[i % len(pool)] for i in range(n)]
    reserve = [pair[1 if dark else 0] for pair in OKABE_ITO[:-1] + TOL_BRIGHT[:-1] + TOL_MUTED]  # not grey: m's
    order = [i for i in first if 0 <= i < n] + [i for i in range(n) if i not in first]
    kept: dict[int, str] = {}
    for i in order:  # a metric keeps its colour unless it looks like one already kept
        if all(worst_delta(declared[i], o) >= PANEL_MIN_DELTA for o in kept.values()):
            kept[i] = declared[i]
    moved = [i for i in range(n) if i not in kept]
    if moved:  # the replacements together: the set whose closest pair is farthest apart
        pool = [r for r in dict.fromkeys(reserve) if r not in kept.values()
                and worst_delta(r, background) >= RESERVE_FROM_BACKGROUND]
        best = max(itertools.combinations(pool, len(moved)),
                   key=lambda extra: closest_pair([*kept.values(), *extra]))
        kept.update(zip(moved, best))
    return [kept[i] for i in range(n)]


def closest_pair(colors: Sequence[str]) -> float:
    """The smallest worst-case difference between any two of ``colors`` (inf for fewer than two)."""
    return min((worst_delta(a, b) for a, b in itertools.combinations(colors, 2)), default=float("inf"))
