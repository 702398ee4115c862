"""Everything about a render that is decided before drawing: pure numpy, no matplotlib.

* the timeline: the geodesic parameter t of every frame (easing, holds, bounce),
* samplers: t -> Snapshot (density curve and atoms) for one path, with the per-path work
  (endpoint quantiles, square-root densities) done once so frames cost a few vector operations,
* axis limits fixed once from all frames, so axes never jump,
* the parameter-space panel's curves (normals: the (mean, std) half-plane; 3 categories: the simplex).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .. import families as fam
from ..errors import ValidationError
from ..paths.base import Path

GRID = 480  # points across the x range (about 1.5 per pixel); each frame adds the law's own feature points


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


# ---------------------------------------------------------------------------------------------
# snapshots
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What one panel shows at one t: a density curve (closed polygon) and atoms."""

    curve_x: np.ndarray
    curve_y: np.ndarray
    atoms_x: np.ndarray
    atoms_m: np.ndarray
    label: str
    dist: fam.Distribution | None = None  # the point itself, for the parameter panel

    @property
    def peak(self) -> float:
        peaks = [0.0]
        if self.curve_y.size:
            peaks.append(float(np.max(self.curve_y)))
        if self.atoms_m.size:
            peaks.append(float(np.max(self.atoms_m)))
        return max(peaks)


_EMPTY = np.empty(0)
num = fam.num


class Sampler:
    """t -> Snapshot for one path, on a fixed x window."""

    def __init__(self, path: Path, xlim: tuple[float, float]):
        self.path = path
        self.xlim = xlim
        self.grid = np.linspace(xlim[0], xlim[1], GRID)
        # a path may draw its own exact density curves, precomputed once (W2 through quantiles)
        self._curve = path.curve(self.grid) if path.curve is not None else None

    def __call__(self, t: float) -> Snapshot:
        d = self.path(t)
        if self._curve is not None and 0.0 < t < 1.0 and d.kind == "continuous":
            x, y = self._curve(t)
            return Snapshot(x, y, _EMPTY, _EMPTY, d.describe(), d)
        return snapshot(d, self.grid)


def snapshot(d: fam.Distribution, grid: np.ndarray) -> Snapshot:
    """Sample a distribution's density on the grid plus its own feature points, and its atoms."""
    if d.kind == "discrete":
        cx = cy = _EMPTY
    else:
        lo, hi = grid[0], grid[-1]
        feats = d.feature_points()
        feats = feats[(feats > lo) & (feats < hi)]
        cx = np.union1d(grid, feats)
        cy = np.asarray(d.pdf(cx), dtype=float)
        cx = np.concatenate([[cx[0]], cx, [cx[-1]]])
        cy = np.concatenate([[0.0], cy, [0.0]])  # close the polygon on the axis
    if d.kind == "continuous":
        ax_, am = _EMPTY, _EMPTY
    else:
        ax_, am = d.atoms()
        keep = am > 1e-6 * (am.max() if am.size else 1.0)
        ax_, am = ax_[keep], am[keep]
    return Snapshot(cx, cy, ax_, am, d.describe(), d)


# ---------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------


def x_limits(paths: Sequence[Path], times: np.ndarray) -> tuple[float, float]:
    """One x window for every panel and frame: the union of every frame's plotting range."""
    ts = np.unique(np.concatenate([np.linspace(0, 1, 41), times]))
    if ts.size > 121:
        ts = np.unique(np.concatenate([np.linspace(0, 1, 121), [0.0, 1.0]]))
    lo, hi = math.inf, -math.inf
    for path in paths:
        for t in ts:
            a, b = path(float(t)).plot_range()
            lo, hi = min(lo, a), max(hi, b)
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise ValidationError("render: cannot find a finite x range for these distributions")
    return lo, hi


def y_limit(peaks: np.ndarray) -> float:
    """One y top for every panel and frame, from the peak of every frame.

    A path that concentrates (towards a point mass) has unbounded peaks; rather than squash every
    other frame flat, the top then follows the bulk of the frames and the spike is clipped.
    """
    peaks = peaks[np.isfinite(peaks) & (peaks > 0)]
    if peaks.size == 0:
        return 1.0
    top = float(peaks.max())
    typical = float(np.median(peaks))
    if top > 4.0 * typical:
        top = min(top, 4.0 * typical, float(np.quantile(peaks, 0.9)))
    return 1.2 * top  # headroom for the label in the panel's corner


# ---------------------------------------------------------------------------------------------
# parameter space
# ---------------------------------------------------------------------------------------------


@dataclass
class ParamSpace:
    """The parameter-space panel: one curve per path, and where each path is at t."""

    kind: str  # "normal" or "simplex"
    curves: list[tuple[np.ndarray, np.ndarray, bool]]  # x, y, dashed (path leaves the family)
    xlabel: str
    ylabel: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    title: str
    coords: Callable[[fam.Distribution], tuple[float, float]]  # a distribution's place in this panel
    vertex_labels: list[str] = field(default_factory=list)


def _normal_coords(d: fam.Distribution) -> tuple[float, float]:
    return d.mean, math.sqrt(d.var)


def _simplex_coords(d: fam.Distribution, at: tuple[float, ...]) -> tuple[float, float]:
    locs, masses = d.atoms()
    p = np.zeros(3)
    for x, m in zip(locs, masses):
        p[at.index(float(x))] += m
    return p[1] + 0.5 * p[2], p[2] * math.sqrt(3) / 2


def param_space_kind(paths: Sequence[Path]) -> str | None:
    p, q = paths[0].start, paths[0].end
    if isinstance(p, fam.Normal) and isinstance(q, fam.Normal):
        return "normal"
    if isinstance(p, fam.Categorical) and isinstance(q, fam.Categorical) and len(p.probs) == 3 and p.at == q.at:
        return "simplex"
    return None


def panel_count(paths: Sequence[Path], param: bool | None) -> int:
    """Metric panels plus the parameter-space panel where there will be one."""
    p, q = paths[0].start, paths[0].end
    if param is False:
        extra = False
    elif p.dim == 2:
        extra = isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal)
    else:
        extra = param_space_kind(paths) is not None
    return len(paths) + int(extra)


def param_space(paths: Sequence[Path], requested: bool | None) -> ParamSpace | None:
    """The parameter-space panel where it has meaning; None elsewhere (or when switched off)."""
    kind = param_space_kind(paths)
    if requested is False:
        return None
    if kind is None:
        if requested:
            raise ValidationError(
                f"render: no parameter space to show for {paths[0].start} and {paths[0].end} "
                "(normals have the (mean, std) half-plane, 3-category categoricals the simplex); "
                "use --no-param-space")
        return None
    ts = np.linspace(0.0, 1.0, 241)
    curves = []
    if kind == "normal":
        coords = _normal_coords
        for path in paths:
            pts = np.array([coords(path(float(t))) for t in ts])
            curves.append((pts[:, 0], pts[:, 1], path.model != "normal"))
        xs = np.concatenate([c[0] for c in curves])
        ys = np.concatenate([c[1] for c in curves])
        xpad = 0.12 * (xs.max() - xs.min()) or 1.0
        if not (np.isfinite(xpad) and np.isfinite(1.15 * ys.max())):
            raise ValidationError("render: these distributions span more orders of magnitude than one plot can "
                                  "show; bring the scales closer together")
        return ParamSpace("normal", curves, "mean \u03bc", "std \u03c3", (xs.min() - xpad, xs.max() + xpad),
                          (0.0, 1.15 * ys.max()), "paths in (\u03bc, \u03c3)",
                          coords)
    at = paths[0].start.at

    def coords(d):
        try:
            return _simplex_coords(d, at)
        except ValueError:  # the path left the simplex (W2 moves atoms off the support)
            return (math.nan, math.nan)

    for path in paths:
        pts = np.array([coords(path(float(t))) for t in ts])
        if np.isnan(pts).any():
            pts[:] = np.nan
        curves.append((pts[:, 0], pts[:, 1], False))
    return ParamSpace("simplex", curves, "", "", (-0.12, 1.12), (-0.12, 0.98), "paths on the simplex",
                      coords, [f"x = {fam.fmt(a)}" for a in at])


# ---------------------------------------------------------------------------------------------
# the whole plan
# ---------------------------------------------------------------------------------------------


@dataclass
class Layout:
    paths: list[Path]
    samplers: list[Sampler]
    times: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    param: ParamSpace | None
    title: str


def plan(paths: Sequence[Path], times: np.ndarray, *, param: bool | None = None, title: str | None = None) -> Layout:
    """Fix everything that must not change between frames."""
    paths = list(paths)
    if not paths:
        raise ValidationError("render: need at least one path")
    xlim = x_limits(paths, times)
    too_wide = ValidationError("render: these distributions span more orders of magnitude than one plot can "
                               "show; bring the scales closer together")
    if not math.isfinite(xlim[1] - xlim[0]):
        raise too_wide
    samplers = [Sampler(p, xlim) for p in paths]
    unique_t = np.unique(times)
    with np.errstate(all="ignore"):
        peaks = np.array([s(float(t)).peak for s in samplers for t in unique_t])
    ylim = (0.0, y_limit(peaks))
    if not math.isfinite(ylim[1]):
        raise too_wide
    if title is None:
        title = f"{paths[0].start.describe(exact=True)}  \u2192  {paths[0].end.describe(exact=True)}"
    return Layout(paths, samplers, times, xlim, ylim, param_space(paths, param), title)


# ---------------------------------------------------------------------------------------------
# the plane: density images, particles and covariance ellipses
# ---------------------------------------------------------------------------------------------

GRID2D = 150  # density image resolution per side


def is_planar(paths: Sequence[Path]) -> bool:
    return paths[0].start.dim == 2


def ellipse(mean: np.ndarray, cov: np.ndarray, k: float = 1.0, n: int = 73) -> np.ndarray:
    """Points (n, 2) on the k-sigma ellipse of a 2-D normal."""
    w, V = np.linalg.eigh(cov)
    a = np.linspace(0, 2 * np.pi, n)
    circle = np.stack([np.cos(a), np.sin(a)])
    return (mean[:, None] + k * (V * np.sqrt(w)) @ circle).T


@dataclass(frozen=True)
class Snapshot2D:
    density: np.ndarray | None  # (ny, nx) or None
    atoms: np.ndarray  # (n, 2)
    masses: np.ndarray  # (n,)
    ellipses: tuple[np.ndarray, ...]  # outlines of 1 and 2 sigma for a normal
    label: str
    dist: fam.Distribution | None = None

    @property
    def peak(self) -> float:
        return float(self.density.max()) if self.density is not None else 0.0


class Sampler2D:
    """t -> Snapshot2D on a fixed window."""

    def __init__(self, path: Path, xlim, ylim):
        self.path = path
        xs = np.linspace(xlim[0], xlim[1], GRID2D)
        ys = np.linspace(ylim[0], ylim[1], GRID2D)
        X, Y = np.meshgrid(xs, ys)
        self.xy = np.stack([X, Y], axis=-1)

    def __call__(self, t: float) -> Snapshot2D:
        d = self.path(t)
        density = None
        if d.kind != "discrete":
            density = np.asarray(d.pdf(self.xy), dtype=float)
            if not density.any():
                density = None
        atoms, masses = d.atoms2d()
        ellipses: tuple[np.ndarray, ...] = ()
        if isinstance(d, fam.MVNormal):
            ellipses = (ellipse(d.mu, d.sigma, 1.0), ellipse(d.mu, d.sigma, 2.0))
        return Snapshot2D(density, atoms, masses, ellipses, d.describe(), d)


def plane_limits(paths: Sequence[Path]) -> tuple[tuple[float, float], tuple[float, float]]:
    lo, hi = np.full(2, np.inf), np.full(2, -np.inf)
    for path in paths:
        for t in np.linspace(0, 1, 21):
            a, b = path(float(t)).box(2.6)
            lo, hi = np.minimum(lo, a), np.maximum(hi, b)
    span = np.maximum(hi - lo, 1e-9)
    pad = 0.08 * span.max()
    lo, hi = lo - pad, hi + pad
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


@dataclass
class PlaneParam:
    """The mean's trajectory per path, with covariance ellipses along it."""

    curves: list[np.ndarray]  # (n, 2) mean trajectory per path
    ellipses: list[list[np.ndarray]]  # per path, 1-sigma ellipses at a few t
    xlim: tuple[float, float]
    ylim: tuple[float, float]


def plane_param(paths: Sequence[Path], requested: bool | None) -> PlaneParam | None:
    p, q = paths[0].start, paths[0].end
    kind_ok = isinstance(p, fam.MVNormal) and isinstance(q, fam.MVNormal)
    if requested is False:
        return None
    if not kind_ok:
        if requested:
            raise ValidationError("render: no parameter space to show for these endpoints (mvnormals have one); "
                                  "use --no-param-space")
        return None
    ts = np.linspace(0, 1, 121)
    curves, ells = [], []
    for path in paths:
        pts = [path(float(t)) for t in ts]
        curves.append(np.array([d.mean for d in pts if isinstance(d, fam.MVNormal)] or [[np.nan, np.nan]]))
        ells.append([ellipse(d.mu, d.sigma) for d in (path(float(t)) for t in (0.0, 0.25, 0.5, 0.75, 1.0))
                     if isinstance(d, fam.MVNormal)])
    allpts = np.concatenate([c for c in curves] + [e for es in ells for e in es])
    allpts = allpts[np.isfinite(allpts).all(axis=1)]
    lo, hi = allpts.min(axis=0), allpts.max(axis=0)
    pad = 0.1 * (hi - lo).max()
    return PlaneParam(curves, ells, (lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad))


@dataclass
class PlaneLayout:
    paths: list[Path]
    samplers: list[Sampler2D]
    times: np.ndarray
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    vmax: float
    param: PlaneParam | None
    title: str


def plan_plane(paths: Sequence[Path], times: np.ndarray, *, param: bool | None = None,
               title: str | None = None) -> PlaneLayout:
    paths = list(paths)
    xlim, ylim = plane_limits(paths)
    samplers = [Sampler2D(p, xlim, ylim) for p in paths]
    ts = np.unique(np.concatenate([np.linspace(0, 1, 25), [0.0, 1.0]]))
    peaks = np.array([s(float(t)).peak for s in samplers for t in ts])
    vmax = y_limit(peaks) / 1.2 if (peaks > 0).any() else 1.0
    if title is None:
        title = f"{paths[0].start.describe(exact=True)}  \u2192  {paths[0].end.describe(exact=True)}"
    return PlaneLayout(paths, samplers, times, xlim, ylim, vmax, plane_param(paths, param), title)
