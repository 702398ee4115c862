"""Everything about a render that is decided before drawing, as one frozen Plan: pure numpy, no matplotlib.

* the timeline: the geodesic parameter t of every frame (easing, holds, bounce),
* the pixel geometry: font size, header and caption blocks, one rectangle per panel,
* one sampler protocol for every panel: ``Sampler(path, window)(t) -> Snapshot``, where the window
  (a line or a plane) decides what a snapshot holds (density curve or image, atoms, ellipses);
  per-path work (endpoint quantiles, the density grid) is done once, so frames cost a few vector
  operations,
* axis limits fixed once from all frames, so axes never jump (equal aspect in the plane, from the
  panels' pixel shape),
* each metric panel's style from its metric's registration (colour, whether mass moves on lines),
* the parameter-space panel (normals: the (mean, std) half-plane; 3 categories: the simplex;
  normals in the plane: means and covariance ellipses).

The artists module draws a Plan and never changes it.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import families as fam
from ..errors import ValidationError
from ..paths import get_metric
from ..paths.base import Path

GRID = 480  # points across the x range (about 1.5 per pixel); each frame adds the law's own feature points
GRID2D = 150  # density image samples along the window's longer side (about one per 2 pixels)
GRID2D_MIN = 40  # and at least this many along the shorter
PROBES = (0.0, 0.5, 1.0)  # the times at which a panel decides which artists it needs
MANY_ATOMS = 24  # a panel whose frames show more stems than this draws thin stems without dots, throughout

Rect = tuple[float, float, float, float]  # (left, bottom, width, height) in figure fractions


# ---------------------------------------------------------------------------------------------
# themes and geometry
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str
    fg: str
    muted: str
    ghost: str
    grid: str
    fill_alpha: float
    transparent: bool = False  # the figure and axes unpainted: the page shows through (GIF, WebP, PNG)

    def color(self, metric: str) -> str:
        """The metric's own colour (declared with the metric: Okabe-Ito, safe for colour-vision deficiencies)."""
        light, dark = get_metric(metric).panel_colors()
        return light if self.name == "light" else dark

    @property
    def face(self) -> str:
        """What the figure and axes are painted with: ``bg``, or nothing when transparent. Everything else
        drawn in ``bg`` (the rims that part a dot from its line) keeps it, so a transparent frame laid on
        ``bg`` is the opaque frame."""
        return "none" if self.transparent else self.bg

    def see_through(self) -> Theme:
        """This theme over a transparent background."""
        return dataclasses.replace(self, transparent=True)


THEMES = {
    "light": Theme("light", "#FFFFFF", "#1A1A1A", "#5F6368", "#9AA0A6", "#E3E5E8", 0.28),
    "dark": Theme("dark", "#121417", "#E8EAED", "#A8ADB4", "#6E747C", "#2A2E33", 0.32),
}


CHAR_EM = 0.6  # a generous mean character width of DejaVu Sans, in ems: wrapping never relies on a line
# being narrower than this (the drawing still shrinks a line that would not fit)


def wrap(text: str, chars: float, max_lines: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``chars`` characters, at most ``max_lines`` of them
    (the last one carries the rest, and is shrunk to fit when drawn)."""
    words = text.split()
    if not words:
        return []
    chars = max(int(chars), 8)
    lines: list[str] = []
    for w in words:
        if lines and len(lines) < max_lines and len(lines[-1]) + 1 + len(w) > chars:
            lines.append(w)
        elif lines:
            lines[-1] += " " + w
        else:
            lines.append(w)
    return lines


def panel_colors(metrics: Sequence[str], theme: Theme, palette: str = "metrics") -> list[str]:
    """Each panel's colour: see :func:`geoanim.rendering.colors.panel_colors`."""
    from ..options import parse_palette
    from .colors import panel_colors as choose

    poles = [i for i, m in enumerate(metrics) if get_metric(m).name in ("fisher", "wasserstein")]
    return choose([theme.color(m) for m in metrics], theme.bg, parse_palette(palette), dark=theme.name == "dark",
                  first=poles)


def rgb(color: str) -> tuple[int, int, int]:
    """'#D55E00' -> (213, 94, 0)."""
    h = color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@dataclass(frozen=True)
class Geometry:
    """Pixel geometry of a W x H frame with a given number of panels (lengths in pixels)."""

    width: int
    height: int
    font: float
    header: float
    top_block: float
    bottom_block: float
    gap: float
    left_param: float
    margin: float

    title_lines: tuple[str, ...] = ()
    footer_lines: tuple[str, ...] = ()
    two_line_titles: bool = False  # a panel title too long for its panel is drawn on two lines

    def fits(self, text: str, width_px: float, size: float = 1.08) -> bool:
        """Whether ``text`` at ``size`` fonts fits ``width_px`` by the generous CHAR_EM estimate."""
        return len(text) * CHAR_EM * size * self.font <= width_px

    def with_two_line_titles(self) -> Geometry:
        return dataclasses.replace(self, top_block=self.top_block + 1.15 * 1.08 * self.font, two_line_titles=True)

    @classmethod
    def for_frame(cls, width: int, height: int, n_panels: int, *, font_scale: float = 1.0, title: str = "",
                  caption: str = "", title_size: float = 1.2, scale: float = 1.0) -> Geometry:
        # font size in pixels: grows with the frame but stays readable on small renders (a scaled frame,
        # a preview, is the unscaled one in miniature, text included)
        f = float(np.clip(min(height / scale * 0.036, width / scale / n_panels * 0.05), 10.5, 22.0)) \
            * font_scale * scale
        margin = 1.2 * f
        # the headline shares its line with "t = 0.00" at the right; a long one wraps (at most 3 lines)
        lines = wrap(title, (width - 2 * margin - 6.5 * f) / (CHAR_EM * title_size * f), 3)
        footer = wrap(caption, (width - 2 * margin) / (CHAR_EM * 0.95 * f), 3)
        header = 2.3 * f + 1.2 * title_size * f * (len(lines) - 1)
        bottom = 2.9 * f + (1.25 * 0.95 * f * len(footer) + 0.35 * f if footer else 0.0)
        return cls(width, height, f, header=header, top_block=2.75 * f, bottom_block=bottom, gap=3.4 * f,
                   left_param=3.6 * f, margin=margin, title_lines=tuple(lines), footer_lines=tuple(footer))

    def footer_lines_bottom(self, k: int) -> float:
        """The baseline (pixels from the bottom) of the caption's k-th line counted from the last."""
        return 0.55 * self.font + k * 1.25 * 0.95 * self.font

    def rects(self, n_metric: int, param: bool, y_labels: bool) -> list[Rect]:
        """One axes rectangle per panel, left to right (metric panels, then the parameter panel)."""
        W, H = self.width, self.height
        bottom = self.bottom_block
        top = H - self.header - self.top_block
        lefts = [self.left_param if y_labels else self.margin] * n_metric + ([self.left_param] if param else [])
        total_left = sum(lefts) + self.gap * (len(lefts) - 1) + self.margin
        width = (W - total_left) / len(lefts)
        rects, x = [], 0.0
        for i, left in enumerate(lefts):
            x += left if i == 0 else self.gap + left - self.margin
            rects.append((x / W, bottom / H, width / W, (top - bottom) / H))
            x += width
        return rects


# ---------------------------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------------------------


def timeline(transition_frames: int, *, fps: float, hold: float = 0.0, bounce: bool = False,
             easing: Callable = lambda s: s) -> np.ndarray:
    """The geodesic parameter t of every frame.

    ``transition_frames`` frames go from t=0 to t=1 (both included) through ``easing``; each
    endpoint is held for ``hold`` seconds; ``bounce`` plays the transition back so the loop is
    seamless (the return omits both endpoints, which the holds or the next loop show).
    """
    if transition_frames < 2:
        raise ValidationError(f"render: `frames` must be >= 2 (got {transition_frames})", param="frames")
    s = np.linspace(0.0, 1.0, transition_frames)
    ts = np.clip(np.asarray(easing(s), dtype=float), 0.0, 1.0)
    ts[0], ts[-1] = 0.0, 1.0
    h = int(round(hold * fps))
    parts = [np.zeros(h), ts, np.ones(h)]
    if bounce:
        parts.append(ts[-2:0:-1])
    return np.concatenate(parts)


def runs(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive equal entries of a timeline merged: (each distinct t, how many frames it lasts).

    A hold is one frame shown for ``hold`` seconds: drawn and encoded once, with a long delay
    where the format has per-frame delays (GIF, WebP).
    """
    times = np.asarray(times, dtype=float)
    if times.size == 0:
        return times, np.zeros(0, dtype=int)
    starts = np.flatnonzero(np.concatenate([[True], times[1:] != times[:-1]]))
    return times[starts], np.diff(np.append(starts, times.size))


# ---------------------------------------------------------------------------------------------
# snapshots: what a panel shows at one t
# ---------------------------------------------------------------------------------------------

_EMPTY = np.empty(0)


@dataclass(frozen=True)
class Snapshot:
    """What one panel shows at one t.

    On the line: a density curve (a closed polygon, ``curve_x``/``curve_y``) and atoms
    (``atoms`` of shape (n,), ``masses``). In the plane: a density ``image`` on the window's grid,
    atoms of shape (n, 2) and, for a normal, its 1- and 2-sigma ``ellipses``.
    """

    label: str
    dist: fam.Distribution
    atoms: np.ndarray
    masses: np.ndarray
    curve_x: np.ndarray = field(default_factory=lambda: _EMPTY)
    curve_y: np.ndarray = field(default_factory=lambda: _EMPTY)
    image: np.ndarray | None = None
    ellipses: tuple[np.ndarray, ...] = ()
    bulk: Callable[[], np.ndarray | None] | None = None  # where the image's peak is measured (None: everywhere),
    # asked only by ``peak`` (the planning probes), never by the per-frame drawing

    @property
    def peak(self) -> float:
        """The highest density or mass shown (sets the y range on the line, the colour scale in the plane;
        there, on the law's bulk where its density is unbounded at the edges, which then show saturated)."""
        if self.image is not None:
            mask = None if self.bulk is None else self.bulk()
            shown = self.image if mask is None or not mask.any() else self.image[mask]
            return float(np.max(shown[np.isfinite(shown)], initial=0.0))
        peaks = [0.0]
        shown = self.curve_y[self.curve_y < OFF_SCALE]
        if shown.size:
            peaks.append(float(np.max(shown)))
        if self.masses.size:
            peaks.append(float(np.max(self.masses)))
        return max(peaks)


STEM_REACH = 3.0
"""Pixels: pieces of mass closer than this to the first piece of their group are drawn as one stem of
their summed mass (a stem is 2.6 px wide; two stems nearer than that would be read as one, showing the
taller piece instead of the sum)."""


def pixel_stems(locs: np.ndarray, masses: np.ndarray, unit: float | None,
                reach: float = STEM_REACH) -> tuple[np.ndarray, np.ndarray]:
    """Atoms as the stems a reader sees: pieces within ``reach`` pixels (``unit`` data units per pixel)
    of the first piece of their group become one stem at their mass-weighted mean with their summed mass.

    A transport plan splits an atom into pieces that start (and end) at one place: drawn apart, each
    would show a fraction of the mass that is really there. Groups are formed left to right from their
    first piece, so no group spans more than ``reach`` pixels, however dense the pieces are."""
    if unit is None or locs.size < 2:
        return locs, masses
    order = np.argsort(locs, kind="stable")
    x, m = locs[order], masses[order]
    u = x / unit
    if np.all(np.diff(u) > reach):
        return x, m
    starts = [0]
    first = u[0]
    for i in range(1, u.size):  # greedy from each group's first piece: bounded width
        if u[i] - first > reach:
            starts.append(i)
            first = u[i]
    idx = np.asarray(starts)
    mass = np.add.reduceat(m, idx)
    centre = np.add.reduceat(m * x, idx) / np.where(mass > 0, mass, 1.0)
    lone = np.diff(np.append(idx, u.size)) == 1  # a piece on its own keeps its exact place
    centre[lone] = x[idx[lone]]
    return centre, mass


def close_notches(x: np.ndarray, y: np.ndarray, unit: float | None) -> np.ndarray:
    """``y`` with every dip narrower than a pixel (``unit`` data units) filled to its lower shoulder.

    A gap in the support a tenth of a pixel wide (W2 between a mixture and a normal near t = 1) would
    otherwise be drawn as a full-height line by the 2 px outline, though the pixel column holds nearly
    all of its mass. A point is lifted to min(highest point within a pixel to its left, highest within
    a pixel to its right): on a slope that is the point itself, at a smooth minimum a sub-pixel amount,
    so only dips narrower than a pixel change. Peaks are never lowered."""
    if unit is None or x.size < 3:
        return y
    left = y.copy()
    right = y.copy()
    k = 1
    while k < x.size:
        near = x[k:] - x[:-k] <= unit
        if not near.any():
            break
        left[k:] = np.where(near, np.maximum(left[k:], y[:-k]), left[k:])
        right[:-k] = np.where(near, np.maximum(right[:-k], y[k:]), right[:-k])
        k += 1
    return np.maximum(y, np.minimum(left, right))


class Line:
    """A window on the line: densities sampled on a grid plus each law's own feature points.

    Given the panel's width in pixels, snapshots show what that many pixels can: coincident pieces of
    mass summed into one stem (:func:`pixel_stems`), dips narrower than a pixel closed (:func:`close_notches`).
    """

    def __init__(self, xlim: tuple[float, float], px: float | None = None):
        self.xlim = xlim
        self.grid = np.linspace(xlim[0], xlim[1], GRID)
        self.unit = (xlim[1] - xlim[0]) / px if px else None

    def curve(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return close_notches(x, off_scale(np.asarray(y, dtype=float)), self.unit)

    def snapshot(self, d: fam.Distribution, label: str | None = None) -> Snapshot:
        assert isinstance(d, fam.Univariate)
        if d.kind == "discrete":
            cx = cy = _EMPTY
        else:
            lo, hi = self.grid[0], self.grid[-1]
            feats = d.feature_points()
            cx = np.union1d(self.grid, feats[(feats > lo) & (feats < hi)])
            cy = self.curve(cx, d.pdf(cx))
            cx = np.concatenate([[cx[0]], cx, [cx[-1]]])
            cy = np.concatenate([[0.0], cy, [0.0]])  # close the polygon on the axis
        if d.kind == "continuous":
            locs, masses = _EMPTY, _EMPTY
        else:
            locs, masses = d.atoms()
            keep = masses > 1e-6 * (masses.max() if masses.size else 1.0)
            locs, masses = pixel_stems(locs[keep], masses[keep], self.unit)
        return Snapshot(d.describe() if label is None else label, d, locs, masses, cx, cy)


class Plane:
    """A window in the plane: densities as an image on a grid (GRID2D samples along the longer side, as
    many per unit along the shorter), atoms, normals' ellipses.

    Given the panel's width in pixels (``px``), snapshots show what that many pixels can: atoms that
    land in one pixel are one dot of their summed mass (:func:`pixel_atoms`). A window made
    :meth:`for_path` of a path between two point clouds labels the clouds met on the way with both
    ends' counts (:func:`cloud_label`).
    """

    def __init__(self, xlim: tuple[float, float], ylim: tuple[float, float], px: float | None = None):
        self.xlim, self.ylim = xlim, ylim
        self.unit = (xlim[1] - xlim[0]) / px if px else None
        self.ends: tuple[int, int] | None = None
        w, h = xlim[1] - xlim[0], ylim[1] - ylim[0]
        nx, ny = (GRID2D, max(GRID2D_MIN, round(GRID2D * h / w))) if w >= h else \
            (max(GRID2D_MIN, round(GRID2D * w / h)), GRID2D)
        gx, gy = np.linspace(xlim[0], xlim[1], nx), np.linspace(ylim[0], ylim[1], ny)
        X, Y = np.meshgrid(gx, gy)
        self.xy = np.stack([X, Y], axis=-1)
        # each grid point's cell (half way to its neighbours), for laws that give their mean density
        # over a cell: pieces narrower than a pixel would otherwise fall between the samples
        self.edges = (_cell_edges(gx), _cell_edges(gy))

    def for_path(self, path: Path) -> Plane:
        """This window for one path: one between two point clouds gets its ends' counts for the labels."""
        if not (_is_cloud(path.start) and _is_cloud(path.end)):
            return self
        window = copy.copy(self)
        window.ends = (_cloud_size(path.start), _cloud_size(path.end))
        return window

    def snapshot(self, d: fam.Distribution, label: str | None = None) -> Snapshot:
        assert isinstance(d, fam.Multivariate)
        image = None
        if d.kind != "discrete":
            cells = getattr(d, "cell_density", None)
            image = np.asarray(cells(*self.edges) if cells is not None else d.pdf(self.xy), dtype=float)
            if not image.any():
                image = None
        atoms, masses = d.atoms2d()
        if label is None:
            label = cloud_label(*self.ends, masses.size) if self.ends and _is_cloud(d) else d.describe()
        atoms, masses = pixel_atoms(atoms, masses, self.unit, (self.xlim[0], self.ylim[0]))
        ellipses: tuple[np.ndarray, ...] = ()
        if isinstance(d, fam.MVNormal):
            ellipses = (ellipse(d.mu, d.sigma, 1.0), ellipse(d.mu, d.sigma, 2.0))
        return Snapshot(label, d, atoms, masses, image=image, ellipses=ellipses,
                        bulk=None if image is None else functools.partial(d.bulk, self.xy))


def _is_cloud(d: fam.Distribution) -> bool:
    """A cloud of points of total mass 1 (one whose label is its count, not its mass)."""
    return isinstance(d, (fam.Points2D, fam.Samples))


def _cloud_size(d: fam.Distribution) -> int:
    assert isinstance(d, fam.Multivariate)
    return len(d.atoms2d()[1])


def cloud_label(n_start: int, n_end: int, pieces: int) -> str:
    """The corner label of a cloud on a path between clouds of ``n_start`` and ``n_end`` points: the
    ends' counts throughout, and on the way the pieces of mass the path has cut them into (a W2 plan
    splits a point whose mass goes to two places: 150 points to 200 make some 300 pieces)."""
    ends = f"{n_start} point{'s' * (n_start != 1)}" if n_start == n_end else f"{n_start} \u2192 {n_end} points"
    return ends if pieces in (n_start, n_end) else f"{pieces} pieces, {ends}"


def pixel_atoms(atoms: np.ndarray, masses: np.ndarray, unit: float | None,
                origin: tuple[float, float] = (0.0, 0.0)) -> tuple[np.ndarray, np.ndarray]:
    """Atoms as the dots a reader sees: those in one pixel cell (``unit`` data units a side, the grid
    starting at ``origin``) become one atom of their summed mass at their mass-weighted mean.

    A transport plan splits a point's mass into pieces that start (and end) at one place: drawn
    apart, the dots would overlap and show the heaviest piece, not the mass that is there. An atom
    alone in its cell keeps its exact place."""
    if unit is None or masses.size < 2:
        return atoms, masses
    cells = np.floor((atoms - np.asarray(origin)) / unit)
    cells -= cells.min(axis=0)
    span = cells.max(axis=0) + 1
    if not np.all(np.isfinite(span)) or span[0] * span[1] > 2.0 ** 62:
        return atoms, masses  # atoms far outside the window: nothing there is drawn anyway
    key = cells[:, 0].astype(np.int64) * int(span[1]) + cells[:, 1].astype(np.int64)
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    if uniq.size == key.size:
        return atoms, masses
    mass = np.bincount(inverse, weights=masses, minlength=uniq.size)
    safe = np.where(mass > 0, mass, 1.0)
    centre = np.stack([np.bincount(inverse, weights=masses * atoms[:, k], minlength=uniq.size) / safe
                       for k in (0, 1)], axis=1)
    first = np.zeros(uniq.size, dtype=np.intp)
    first[inverse[::-1]] = np.arange(key.size)[::-1]  # each cell's first atom
    lone = (counts == 1) | (mass <= 0)
    centre[lone] = atoms[first[lone]]
    return centre, mass


SIGMA_MASSES = (1 - math.exp(-0.5), 1 - math.exp(-2.0))
"""The mass inside a planar normal's 1- and 2-sigma ellipses (0.39, 0.86): the outlines drawn around any
other density hold these fractions of its mass, so they read like a normal's ellipses."""


def mass_levels(image: np.ndarray, fractions: Sequence[float] = SIGMA_MASSES) -> list[float]:
    """The density levels whose regions {density >= level} hold these fractions of an image's mass (on
    a grid of equal cells; the smallest regions that hold them). Empty for an image with no mass."""
    v = image[np.isfinite(image) & (image > 0)]
    if v.size == 0:
        return []
    v = np.sort(v)[::-1]
    c = np.cumsum(v)
    idx = np.minimum(np.searchsorted(c, np.asarray(fractions, dtype=float) * c[-1]), v.size - 1)
    return [float(v[i]) for i in idx]


def _cell_edges(g: np.ndarray) -> np.ndarray:
    mid = 0.5 * (g[1:] + g[:-1])
    return np.concatenate([[g[0] - (mid[0] - g[0])], mid, [g[-1] + (g[-1] - mid[-1])]])


def ellipse(mean: np.ndarray, cov: np.ndarray, k: float = 1.0, n: int = 73) -> np.ndarray:
    """Points (n, 2) on the k-sigma ellipse of a 2-D normal."""
    w, V = np.linalg.eigh(cov)
    a = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(a), np.sin(a)])
    return (mean[:, None] + k * (V * np.sqrt(w)) @ circle).T


OFF_SCALE = 1e12
"""Where a density is infinite (beta(0.5, 0.5) at 0 and 1, Weibull with shape < 1 at 0) its curve is
drawn to this height, far above any panel's top (a polygon with an infinite vertex is broken into
pieces and fills the wrong side); such points set no peak."""


def off_scale(y: np.ndarray) -> np.ndarray:
    return np.minimum(y, OFF_SCALE)


class Sampler:
    """t -> Snapshot for one path on a fixed window (the same protocol on the line and in the plane)."""

    def __init__(self, path: Path, window: Line | Plane):
        self.path = path
        self.window = window
        # a path may draw its own exact density curves, precomputed once (W2 through quantiles)
        self._curve = path.curve(window.grid) if path.curve is not None and isinstance(window, Line) else None

    def __call__(self, t: float) -> Snapshot:
        d = self.path(t)
        if self._curve is not None and 0.0 < t < 1.0 and d.kind == "continuous":
            x, y = self._curve(t)
            assert isinstance(self.window, Line)
            return Snapshot(d.describe(), d, _EMPTY, _EMPTY, x, self.window.curve(x, y))
        return self.window.snapshot(d)


# ---------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------

TOO_WIDE = ("render: these distributions span more orders of magnitude than one plot can show; "
            "bring the scales closer together")


def x_limits(paths: Sequence[Path], times: np.ndarray) -> tuple[float, float]:
    """One x window for every panel and frame: the union of every frame's plotting range."""
    ts = np.unique(np.concatenate([np.linspace(0, 1, 41), times]))
    if ts.size > 121:
        ts = np.unique(np.concatenate([np.linspace(0, 1, 121), [0.0, 1.0]]))
    lo, hi = math.inf, -math.inf
    for path in paths:
        for t in ts:
            d = path(float(t))
            assert isinstance(d, fam.Univariate)
            a, b = d.plot_range()
            lo, hi = min(lo, a), max(hi, b)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ValidationError("render: cannot find a finite x range for these distributions")
    if not math.isfinite(hi - lo):
        raise ValidationError(TOO_WIDE)
    return lo, hi


HEADROOM = 1.2  # the axes' top over the highest value drawn: room for the panel's corner label


def y_limit(peaks: np.ndarray, policy: str | float = "auto") -> float:
    """The highest value drawn in every panel and frame (curves and stems above it are cut there and
    marked), from the peak of every frame.

    ``"auto"``: a path that concentrates (towards a point mass) has unbounded peaks; rather than squash
    every other frame flat, the ceiling then follows the bulk of the frames and the spike is clipped
    (and marked). ``"peak"``: the highest peak of all, nothing clipped. A number: that ceiling.
    """
    if not isinstance(policy, str):
        return float(policy)
    peaks = peaks[np.isfinite(peaks) & (peaks > 0)]
    if peaks.size == 0:
        return 1.0 / HEADROOM
    top = float(peaks.max())
    if policy == "peak":
        return top
    typical = float(np.median(peaks))
    if top > 4.0 * typical:
        top = min(top, 4.0 * typical, float(np.quantile(peaks, 0.9)))
    return top


def plane_limits(paths: Sequence[Path]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box every panel and frame fits in: each law's 2.6-sigma box (just past where the density's faintest
    band ends, see artists.DENSITY_BANDS) or its points, and a dot's room around them."""
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    for path in paths:
        for t in np.linspace(0, 1, 21):
            d = path(float(t))
            assert isinstance(d, fam.Multivariate)
            a, b = d.box(2.6)
            lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    span = np.maximum(hi - lo, 1e-9)
    pad = 0.04 * span.max()
    lo, hi = lo - pad, hi + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


def equal_aspect(xlim, ylim, aspect: float):
    """Widen x or y limits (about their centres) so one data unit has the same length on both axes."""
    (x0, x1), (y0, y1) = xlim, ylim
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        c, w = 0.5 * (x0 + x1), h * aspect
        return (c - w / 2, c + w / 2), ylim
    c, h = 0.5 * (y0 + y1), w / aspect
    return xlim, (c - h / 2, c + h / 2)


# ---------------------------------------------------------------------------------------------
# parameter space
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParamPanel:
    """The parameter-space panel: one curve per path, and where each path is at t.

    kind: "normal" (the (mean, std) half-plane), "simplex" (3 categories), "means" (normals in
    the plane: each path's mean trajectory, the 1-sigma ellipses of the ends and of each path half
    way) or "family" (two laws of one two-parameter family: its own parameters, see
    geoanim.families.space).
    """

    kind: str
    rect: Rect
    title: str
    xlabel: str
    ylabel: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    curves: tuple[tuple[np.ndarray, np.ndarray, bool], ...]  # x, y, dashed (the path leaves the family)
    colors: tuple[str, ...]
    titles: tuple[str, ...]  # each path's metric title, for notes
    coords: Callable[[fam.Distribution], tuple[float, float]] | None = None  # a point's place in this panel
    ends: tuple[tuple[float, float], ...] = ()  # start and end markers
    vertex_labels: tuple[str, ...] = ()
    ellipses: tuple[tuple[np.ndarray, ...], ...] = ()  # "means": per path, 1-sigma ellipses at t = 0, 0.5, 1
    # (at t = 0 and 1 only, for a path that leaves the normals)
    xlog: bool = False  # "family": log axes (gamma's shape and rate)
    ylog: bool = False

    @property
    def left_out(self) -> tuple[str, ...]:
        """Titles of the paths that leave the panel's space (drawn as a note, not a curve)."""
        return tuple(title for title, (xs, _, _) in zip(self.titles, self.curves) if np.isnan(xs).any())


def _normal_coords(d: fam.Distribution) -> tuple[float, float]:
    assert isinstance(d, fam.Univariate)
    return d.mean, math.sqrt(d.var)


def _simplex_coords(d: fam.Distribution, at: tuple[float, ...]) -> tuple[float, float]:
    assert isinstance(d, fam.Univariate)
    locs, masses = d.atoms()
    p = np.zeros(3)
    for x, m in zip(locs, masses):
        p[at.index(float(x))] += m
    return p[1] + 0.5 * p[2], p[2] * math.sqrt(3) / 2


def param_space_kind(paths: Sequence[Path]) -> str | None:
    """Which parameter panel the endpoints have, or None."""
    p, q = paths[0].start, paths[0].end
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        return "normal"
    if isinstance(p, fam.Categorical) and isinstance(q, fam.Categorical) and len(p.probs) == 3 and p.at == q.at:
        return "simplex"
    if isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal) and p.dim == 2:
        return "means"
    space = getattr(type(p), "param_space", None)
    if space is not None and type(p) is type(q) and all(getattr(p, k) == getattr(q, k) for k in space.fixed):
        return "family"
    return None


def wants_param(paths: Sequence[Path], requested: bool | None) -> bool:
    """Whether there will be a parameter panel (an error if one is asked for where there is none)."""
    if requested is False:
        return False
    if param_space_kind(paths) is None:
        if requested:
            raise ValidationError(
                f"render: no parameter space to show for {paths[0].start} and {paths[0].end} "
                "(normals have the (mean, std) half-plane, 3-category categoricals the simplex, "
                "normals in the plane their means, two laws of one two-parameter family its parameters); "
                "use --no-param-space")
        return False
    return True


def param_panel(paths: Sequence[Path], rect: Rect, aspect: float, colors: Sequence[str]) -> ParamPanel:
    """The parameter-space panel for these paths (``wants_param`` said there is one), in the panels' colours."""
    kind = param_space_kind(paths)
    colors = tuple(colors)
    titles = tuple(p.title for p in paths)
    p0 = paths[0]
    if kind == "means":
        return _means_panel(paths, rect, colors, titles, aspect)
    if kind == "family":
        return _family_panel(paths, rect, colors, titles)
    ts = np.linspace(0.0, 1.0, 241)
    if kind == "normal":
        curves = []
        for path in paths:
            pts = np.array([_normal_coords(path(float(t))) for t in ts])
            curves.append((pts[:, 0], pts[:, 1], path.model != "normal"))
        xs = np.concatenate([c[0] for c in curves])
        ys = np.concatenate([c[1] for c in curves])
        xpad = 0.12 * (xs.max() - xs.min()) or 1.0
        if not (np.isfinite(xpad) and np.isfinite(1.15 * ys.max())):
            raise ValidationError(TOO_WIDE)
        ends = (_normal_coords(p0.start), _normal_coords(p0.end))
        return ParamPanel("normal", rect, "paths in (\u03bc, \u03c3)", "mean \u03bc", "std \u03c3",
                          (xs.min() - xpad, xs.max() + xpad), (0.0, 1.15 * ys.max()), tuple(curves), colors, titles,
                          _normal_coords, ends)
    assert isinstance(p0.start, fam.Categorical)
    at: tuple[float, ...] = p0.start.at  # type: ignore[assignment]

    def coords(d):
        try:
            return _simplex_coords(d, at)
        except ValueError:  # the path left the simplex (W2 moves atoms off the support)
            return (math.nan, math.nan)

    curves = []
    for path in paths:
        pts = np.array([coords(path(float(t))) for t in ts])
        if np.isnan(pts).any():
            pts[:] = np.nan
        curves.append((pts[:, 0], pts[:, 1], False))
    return ParamPanel("simplex", rect, "paths on the simplex", "", "", (-0.12, 1.12), (-0.12, 0.98), tuple(curves),
                      colors, titles, coords, (coords(p0.start), coords(p0.end)),
                      tuple(f"x = {fam.fmt(a)}" for a in at))


def _span(values: np.ndarray, log: bool, lo_pad: float, hi_pad: float) -> tuple[float, float]:
    """Axis limits around finite ``values``: padded by fractions of the span, in logs on a log axis."""
    v = values[np.isfinite(values) & ((values > 0) if log else True)]
    if v.size == 0:
        raise ValidationError("render: no parameter values to draw in the parameter panel")
    if log:
        lo, hi = math.log10(v.min()), math.log10(v.max())
        span = (hi - lo) or 1.0
        return 10.0 ** (lo - lo_pad * span), 10.0 ** (hi + hi_pad * span)
    lo, hi = float(v.min()), float(v.max())
    span = (hi - lo) or max(abs(hi), 1.0)
    return lo - lo_pad * span, hi + hi_pad * span


def _family_panel(paths: Sequence[Path], rect: Rect, colors, titles) -> ParamPanel:
    """A two-parameter family's own parameters (gamma's shape and rate on log axes, ...): each path
    that stays in the family as a solid curve, one that leaves it dashed at the members with its
    points' means and variances, or left out (with a note) where the family has no such member."""
    p0 = paths[0]
    cls = type(p0.start)
    space = cls.param_space

    def coords(d):
        return space.coords(d, cls)

    ts = np.linspace(0.0, 1.0, 161)
    curves = []
    for path in paths:
        pts = np.array([coords(path(float(t))) for t in ts])
        if np.isnan(pts).any():
            pts[:] = np.nan
        curves.append((pts[:, 0], pts[:, 1], path.model != p0.start.family))
    xs = np.concatenate([c[0] for c in curves] + [np.array([coords(p0.start)[0], coords(p0.end)[0]])])
    ys = np.concatenate([c[1] for c in curves] + [np.array([coords(p0.start)[1], coords(p0.end)[1]])])
    xlim = _span(xs, space.xlog, 0.12, 0.12)
    ylim = _span(ys, space.ylog, 0.12 if space.ylog else 0.25, 0.18)
    if not space.ylog and ys[np.isfinite(ys)].min() >= 0:
        ylim = (0.0, ylim[1])  # a scale: its axis starts at 0
    name = cls.display_name or cls.family
    xlabel = space.xlabel or space.x
    ylabel = space.ylabel or space.y
    title = f"{name} paths in ({space.symbols[0] or space.x}, {space.symbols[1] or space.y})"
    if space.xlog or space.ylog:
        title += ", log axes"
    return ParamPanel("family", rect, title, xlabel, ylabel, xlim, ylim, tuple(curves), colors, titles, coords,
                      (coords(p0.start), coords(p0.end)), xlog=space.xlog, ylog=space.ylog)


def _means_panel(paths: Sequence[Path], rect: Rect, colors, titles, aspect: float) -> ParamPanel:
    """Each path's mean trajectory (left out where the path leaves the normals), the endpoints' and each
    path's half-way 1-sigma ellipse; limits that hold every frame's 1-sigma ellipse (mean +- the square
    roots of the covariance's diagonal bound it exactly)."""
    ts = np.linspace(0, 1, 121)
    p, q = paths[0].start, paths[0].end
    assert isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal)
    curves, boxes = [], [ellipse(p.mu, p.sigma), ellipse(q.mu, q.sigma)]
    ells: list[tuple[np.ndarray, ...]] = []
    for path in paths:
        points = [path(float(t)) for t in ts]
        normals = [d for d in points if isinstance(d, fam.MVNormal)]
        if len(normals) < len(points):  # WFR cells, a mixture: no mean trajectory, only the ends' ellipses
            curves.append((np.full(ts.size, np.nan), np.full(ts.size, np.nan), False))
            ells.append((boxes[0], boxes[1]))
            continue
        c = np.array([d.mu for d in normals])
        curves.append((c[:, 0], c[:, 1], False))
        half = np.sqrt(np.array([np.diag(d.sigma) for d in normals]))
        boxes += [c - half, c + half]
        mid = path(0.5)
        assert isinstance(mid, fam.MVNormal)
        ells.append((ellipse(normals[0].mu, normals[0].sigma), ellipse(mid.mu, mid.sigma),
                     ellipse(normals[-1].mu, normals[-1].sigma)))
    allpts = np.concatenate(boxes)
    allpts = allpts[np.isfinite(allpts).all(axis=1)]
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    pad = 0.06 * (hi - lo).max()
    xlim, ylim = equal_aspect((lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad), aspect)
    ends = ((float(p.mu[0]), float(p.mu[1])), (float(q.mu[0]), float(q.mu[1])))
    return ParamPanel("means", rect, "means and 1\u03c3 ellipses", "", "", xlim, ylim, tuple(curves), colors, titles,
                      ends=ends, ellipses=tuple(ells))


# ---------------------------------------------------------------------------------------------
# the plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricPanel:
    """One metric's panel: its path, where it sits, its fixed axes, its style and what it can show."""

    path: Path
    sampler: Sampler
    rect: Rect
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    color: str
    ghosts: tuple[Snapshot, Snapshot]  # the endpoints, drawn faintly
    has_density: bool  # which per-frame artists can show something (probed at PROBES)
    has_atoms: bool
    has_ellipses: bool
    widest_label: str  # the corner label to fit the font to
    trails: np.ndarray | None = None  # (n, 2, 2): each transported point's straight line
    atom_count: int = 1  # planar: particles of a uniform cloud of this many points get the base size
    ceiling: float = math.inf  # on the line: curves and stems are cut here, and the cut marked
    many_atoms: bool = False  # on the line: thin stems without dots, for the whole animation
    vmax: float = 1.0  # planar: the density at the top of this panel's colour scale

    @property
    def title(self) -> str:
        return self.path.label


@dataclass(frozen=True)
class Plan:
    """Everything a frame needs, decided once: artists draw it and never change it."""

    width: int
    height: int
    theme: Theme
    geometry: Geometry
    title: str
    times: np.ndarray
    panels: tuple[MetricPanel, ...]
    param: ParamPanel | None
    planar: bool

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(p.path for p in self.panels)


def default_size(n_panels: int, planar: bool = False) -> tuple[int, int]:
    if planar:  # the plan asks planar_size, whose height follows the data
        return (max(480, 340 * n_panels), 420)
    return (960, 400) if n_panels == 3 else (max(480, 330 * n_panels), 400)


PLANAR_ASPECT = (0.8, 2.2)  # the panel shapes (width over height) a default planar frame may take
PLANAR_HEIGHT = (200, 900)  # and its height in pixels


def planar_size(paths: Sequence[Path], n_panels: int, has_param: bool, *, title: str = "", caption: str = "",
                font_scale: float = 1.0, width: int | None = None) -> tuple[int, int]:
    """The default frame in the plane: the usual width (or ``width``), and the height at which the panels'
    pixel shape is the data's (clamped to PLANAR_ASPECT), so that equal axes leave no band of the panels empty."""
    width = width or max(480, 340 * n_panels)
    (x0, x1), (y0, y1) = plane_limits(paths)
    want = float(np.clip((x1 - x0) / (y1 - y0), *PLANAR_ASPECT))
    height = 420.0
    for _ in range(6):  # the text blocks grow with the height: a few steps settle it to a pixel
        geo = Geometry.for_frame(width, int(round(height)), n_panels, font_scale=font_scale, title=title,
                                 caption=caption, title_size=1.05)
        rect = geo.rects(len(paths), has_param, y_labels=True)[0]
        height = float(np.clip(height + rect[2] * width / want - rect[3] * height, *PLANAR_HEIGHT))
    return width, int(round(height))


def check_paths(paths: Sequence[Path]) -> list[Path]:
    paths = list(paths)
    if not paths or not all(isinstance(p, Path) for p in paths):
        raise ValidationError("render: `paths` must be geodesics from geoanim.geodesic()")
    if paths[0].start.dim > 2:
        raise ValidationError(f"render: can draw distributions on the line or in the plane, not in "
                              f"{paths[0].start.dim} dimensions (distance and path work in any dimension)")
    for p in paths[1:]:
        if (p.start, p.end) != (paths[0].start, paths[0].end):
            raise ValidationError("render: all paths must join the same two distributions")
    return paths


def plan(paths: Sequence[Path], times: np.ndarray, *, size: tuple[int, int] | None = None, theme: str = "light",
         param: bool | None = None, title: str | None = None, trails: bool = False,
         ylim: str | float = "auto", font_scale: float = 1.0, palette: str = "metrics",
         caption: str | None = None, scale: float = 1.0, transparent: bool = False) -> Plan:
    """Fix everything that must not change between frames: pixels, limits, samplers, styles
    (``transparent``: the theme's background at alpha 0; colours are still chosen against it)."""
    paths = check_paths(paths)
    planar = paths[0].start.dim == 2
    has_param = wants_param(paths, param)
    n_panels = len(paths) + has_param
    if title is None:
        title = f"{paths[0].start.describe(exact=True)}  \u2192  {paths[0].end.describe(exact=True)}"
    if size is None and planar:  # the height that gives the panels the data's shape
        size = planar_size(paths, n_panels, has_param, title=title, caption=caption or "", font_scale=font_scale)
    width, height = size or default_size(n_panels, planar)
    if scale != 1.0:  # a preview: the same frame, smaller (the panel-width check saw the unscaled size)
        width, height = max(160, int(round(width * scale))), max(120, int(round(height * scale)))
    th = THEMES[theme]
    geo = Geometry.for_frame(width, height, n_panels, font_scale=font_scale, title=title, caption=caption or "",
                             title_size=1.05 if planar else 1.2, scale=scale)
    rects = geo.rects(len(paths), has_param, y_labels=planar)
    room = rects[0][2] * width + 0.8 * geo.gap
    if any(not geo.fits(p.label, room) for p in paths):  # rather than shrink a title below legibility
        geo = geo.with_two_line_titles()
        rects = geo.rects(len(paths), has_param, y_labels=planar)
    if rects[0][3] * height < 3 * geo.font:
        raise ValidationError(f"render: {width}x{height} leaves no room for the panels at this text size "
                              "(make the frame taller, the title or caption shorter, or lower --font-scale)",
                              param="font_scale")
    # one data unit the same length on both axes in the plane: the panels' pixel shape sets the limits
    aspect = (rects[0][2] * width) / (rects[0][3] * height)
    colors = panel_colors([p.metric for p in paths], th, palette)
    if planar:
        panels = _plane_panels(paths, rects, colors, aspect, trails, width)
    else:
        panels = _line_panels(paths, times, rects, colors, width, ylim)
    param_rect = rects[-1]
    pp = param_panel(paths, param_rect, aspect, colors) if has_param else None
    return Plan(width, height, th.see_through() if transparent else th, geo, title, times, tuple(panels), pp, planar)


def _probe(sampler: Sampler) -> list[Snapshot]:
    return [sampler(t) for t in PROBES]


def _line_panels(paths, times, rects, colors, width, ylim_policy="auto"):
    xlim = x_limits(paths, times)
    window = Line(xlim, px=rects[0][2] * width)
    samplers = [Sampler(p, window) for p in paths]
    ts = np.unique(np.concatenate([times, [0.0, 1.0]]))
    with np.errstate(all="ignore"):
        seen = [[s(float(t)) for t in ts] for s in samplers]
    peaks = np.array([sn.peak for row in seen for sn in row])
    ceiling = y_limit(peaks, ylim_policy)
    ylim = (0.0, HEADROOM * ceiling)
    if not math.isfinite(ylim[1]):
        raise ValidationError(TOO_WIDE)
    panels = []
    for path, sampler, rect, row, color in zip(paths, samplers, rects, seen, colors):
        probes = [row[0], sampler(0.5), row[-1]]  # t = 0 and 1 are among the times seen
        # one style for the whole animation: the most stems any frame shows decides it
        stems = max(sn.masses.size for sn in row)
        panels.append(MetricPanel(path, sampler, rect, xlim, ylim, color, (probes[0], probes[-1]),
                                  has_density=any(sn.curve_x.size for sn in probes),
                                  has_atoms=stems > 0, has_ellipses=False,
                                  widest_label=max((sn.label for sn in probes), key=len),
                                  ceiling=ceiling, many_atoms=stems > MANY_ATOMS))
    return panels


def _plane_panels(paths, rects, colors, aspect, trails, width: float | None = None):
    xlim, ylim = equal_aspect(*plane_limits(paths), aspect)
    window = Plane(xlim, ylim, px=rects[0][2] * width if width else None)
    samplers = [Sampler(p, window.for_path(p)) for p in paths]
    ts = np.unique(np.concatenate([np.linspace(0, 1, 25), [0.0, 1.0]]))
    # each panel its own colour scale: a density that spreads (an entropic bridge) would fade into the
    # background next to one that stays sharp; the shapes, not the heights, are what panels compare
    peaks = np.array([[s(float(t)).peak for t in ts] for s in samplers])
    tops = [y_limit(row) if (row > 0).any() else 1.0 for row in peaks]
    panels = []
    for path, sampler, rect, top, color in zip(paths, samplers, rects, tops, colors):
        probes = _probe(sampler)
        panels.append(MetricPanel(path, sampler, rect, xlim, ylim, color, (probes[0], probes[-1]),
                                  has_density=any(sn.image is not None for sn in probes),
                                  has_atoms=any(sn.masses.size for sn in probes),
                                  has_ellipses=any(sn.ellipses for sn in probes),
                                  widest_label=max((sn.label for sn in probes), key=len),
                                  trails=_trails(path) if trails else None,
                                  # the ends' dots get the base size; the pieces between them are smaller
                                  atom_count=max(probes[0].masses.size, probes[-1].masses.size) or 1, vmax=top))
    return panels


MAX_TRAILS = 300  # more lines than this are a grey mass, not lines: an evenly spaced subset is drawn


def _trails(path: Path) -> np.ndarray | None:
    """Each coupled pair's straight line: the transport plan the particles follow (metrics that move mass),
    at most MAX_TRAILS of them (every k-th in the plan's order, so the same ones every render)."""
    if not get_metric(path.metric).transport:
        return None
    first, last = path.point(0.0), path.point(1.0)  # the coupling's own order, not the endpoints'
    if not (isinstance(first, fam.Points2D) and isinstance(last, fam.Points2D)):
        return None
    a, b = np.array(first.locations), np.array(last.locations)
    if a.shape != b.shape:
        return None
    if len(a) > MAX_TRAILS:
        keep = np.unique(np.linspace(0, len(a) - 1, MAX_TRAILS).round().astype(int))
        a, b = a[keep], b[keep]
    return np.stack([a, b], axis=1)


def trail_style(n: int) -> tuple[float, float]:
    """(alpha, line width in pixels) of ``n`` trails: the more lines cross, the fainter and thinner each,
    so that where they bunch the picture stays see-through (40 lines: 0.3 and 0.8 px)."""
    k = 40.0 / max(n, 1)
    return float(np.clip(0.3 * math.sqrt(k), 0.06, 0.3)), float(np.clip(0.8 * k ** 0.25, 0.45, 0.8))


# ---------------------------------------------------------------------------------------------
# filmstrips
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Strip:
    """A static filmstrip: one row per metric panel, ``k`` snapshots from t = 0 to 1."""

    plan: Plan
    k: int
    width: int
    height: int
    font: float
    left: float  # figure fractions
    top: float
    bottom: float
    gap_x: float
    gap_y: float
    cell_w: float
    cell_h: float

    @property
    def times(self) -> np.ndarray:
        return np.linspace(0.0, 1.0, self.k)

    def cell(self, row: int, col: int) -> Rect:
        y0 = self.top - (row + 1) * self.cell_h - row * self.gap_y
        return (self.left + col * (self.cell_w + self.gap_x), y0, self.cell_w, self.cell_h)


def strip(plan_: Plan, k: int, size: tuple[int, int] | None) -> Strip:
    """The filmstrip layout for a 1-D plan (whose limits and samplers it reuses)."""
    if plan_.planar:
        raise ValidationError("render: PNG filmstrips are one-dimensional only; "
                              "render 2-D paths as .gif, .mp4 or .webp")
    rows = len(plan_.panels)
    width, height = size or (max(900, 200 * k + 190), 70 + 175 * rows)
    font = float(np.clip(min(height / rows * 0.085, width / (k + 1) * 0.075), 10.5, 20.0))
    left, top, bottom = (font * 9.5) / width, 1 - (font * 4.4) / height, (font * 2.3) / height
    gap_x, gap_y = (font * 0.9) / width, (font * 1.0) / height
    cell_w = (1 - left - (font * 0.8) / width - gap_x * (k - 1)) / k
    cell_h = (top - bottom - gap_y * (rows - 1)) / rows
    return Strip(plan_, k, width, height, font, left, top, bottom, gap_x, gap_y, cell_w, cell_h)
