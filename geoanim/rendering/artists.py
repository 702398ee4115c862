"""The only module that imports matplotlib: it draws a layout.Plan and never changes it.

A frame is: restore the cached static background, draw the few animated artists (fills, lines,
stems, markers, density images, a handful of short texts), and hand the canvas' RGBA buffer to the
encoder without copying it. Where things go was decided by the plan, in pixels, so nothing shifts
between frames; this module only shrinks a static label that would not fit (text measurement needs
the renderer).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import matplotlib

matplotlib.use("Agg", force=False)

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import ListedColormap, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

from ..families import Multivariate, MVNormal, num  # noqa: E402
from ..families.base import MINUS  # noqa: E402
from .layout import (  # noqa: E402
    HEADROOM,
    MANY_ATOMS,
    OFF_SCALE,
    MetricPanel,
    ParamPanel,
    Plan,
    Snapshot,
    Strip,
    Theme,
    pixel_stems,
    rgb,
)

DENSITY_BANDS = (0.04, 0.14, 0.30, 0.52, 0.78)
"""Where each band of a planar density begins, as fractions of the panel's top density: flat bands (iso-density
contours, which GIFs compress well) evenly spaced in the square root of the density, so the tails show (the
faintest band reaches a normal's 2.5-sigma ellipse) and the peak stands out. Five: seven made the default
2-D GIF 13% larger, for no shape a reader sees better."""
BAND_ALPHAS = (0.15, 0.32, 0.50, 0.68, 0.85)  # each band's opacity over the background
OUTLINE = (1 - math.exp(-2.0),)
"""Around a density that is not a normal, one thin outline holding the mass of a normal's 2-sigma ellipse (drawn
as thin): where the mass is, at a glance (a second, at 1 sigma, doubles every ring-shaped law's outline)."""
MANY_DOTS = 120  # planar clouds of more points than this draw their dots without a rim


def exact_canvas(width: int, height: int, facecolor: str) -> tuple[Figure, FigureCanvasAgg]:
    """A figure whose Agg buffer is exactly width x height pixels.

    The buffer size is the figure size in inches times the dpi, truncated or rounded depending on
    the matplotlib version: 4.81 in at 100 dpi can come out 480 px wide, and a buffer one column
    short feeds the encoder misaligned frames. Nudge the size until the canvas agrees.
    """
    for nudge in (0.0, 0.25, 0.5, -0.25):
        fig = Figure(figsize=((width + nudge) / 100, (height + nudge) / 100), dpi=100, facecolor=facecolor)
        canvas = FigureCanvasAgg(fig)
        if canvas.get_width_height() == (width, height):
            return fig, canvas
    raise RuntimeError(f"matplotlib would not make a {width}x{height} canvas")  # pragma: no cover


class DynamicText:
    """Text that changes every frame, drawn by Pillow's FreeType straight into the frame buffer.

    matplotlib re-lays-out and re-rasterises every glyph of a Text on each draw (about 1.5 ms a
    label); Pillow renders a short label in about 0.2 ms. The font file is matplotlib's own, so
    dynamic and static text look alike.
    """

    def __init__(self, x: float, baseline: float, size_px: float, color: str, *, anchor: str = "ls",
                 family: str = "DejaVu Sans", weight: str = "normal"):
        from matplotlib.font_manager import FontProperties, findfont
        from PIL import ImageFont

        self.font = ImageFont.truetype(findfont(FontProperties(family=family, weight=weight)), size_px)
        self.x, self.y = int(round(x)), int(round(baseline))
        self.anchor = anchor
        self.color = np.array(rgb(color), dtype=np.float32)
        self.text = ""

    def fit(self, sample: str, width_px: float) -> None:
        """Shrink the font until ``sample`` (the widest text expected) fits in width_px, not below 8 px."""
        from PIL import ImageFont

        size = self.font.size
        while self.font.getlength(sample) > width_px and size > 8:
            size *= 0.93
            self.font = ImageFont.truetype(self.font.path, size)

    def draw(self, frame: np.ndarray) -> None:
        if not self.text:
            return
        mask, (ox, oy) = self.font.getmask2(self.text, mode="L", anchor=self.anchor)
        w, h = mask.size
        if w == 0 or h == 0:
            return
        alpha = np.asarray(mask, dtype=np.float32).reshape(h, w) / 255.0
        x0, y0 = self.x + ox, self.y + oy
        H, W = frame.shape[:2]
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x0 + w, W), min(y0 + h, H)
        if cx0 >= cx1 or cy0 >= cy1:
            return
        a = alpha[cy0 - y0: cy1 - y0, cx0 - x0: cx1 - x0, None]
        region = frame[cy0:cy1, cx0:cx1, :3]
        below = frame[cy0:cy1, cx0:cx1, 3:]
        if below.min() == 255:
            region[...] = (region * (1.0 - a) + self.color * a + 0.5).astype(np.uint8)
            return
        # over a transparent background: "over" in straight alpha (Agg's own buffer convention), so
        # the glyphs' soft edges carry their own colour at partial alpha, not a blend with the page
        under = below / np.float32(255.0) * (1.0 - a)
        out = a + under
        region[...] = ((self.color * a + region * under) / np.maximum(out, 1e-6) + 0.5).astype(np.uint8)
        below[...] = (out * 255.0 + 0.5).astype(np.uint8)


PT = 72.0 / 100.0  # points per pixel at dpi 100


def t_label(t: float) -> str:
    """t to 2 decimals, with more where 2 would round an inner t onto an end ("0.997", not "1.00": the
    caption beside it says 7.98 of 8 travelled)."""
    for digits in (2, 3, 4, 6):
        text = f"{t:.{digits}f}"
        if (0.0 < t < 1.0) <= (0.0 < float(text) < 1.0):
            return text
    return text


def split_title(title: str) -> list[str]:
    """A panel title on two lines: before " on " (the metric) and from it (the model), else at the space
    nearest the middle."""
    if " on " in title:
        head, tail = title.split(" on ", 1)
        return [head, "on " + tail]
    spaces = [i for i, c in enumerate(title) if c == " "]
    if not spaces:
        return [title]
    cut = min(spaces, key=lambda i: abs(i - len(title) / 2))
    return [title[:cut], title[cut + 1:]]


def _runs_above(x: np.ndarray, y: np.ndarray, ceiling: float) -> list[tuple[float, float]]:
    """Each run of a curve above ``ceiling``: (where it peaks, how high)."""
    over = y > ceiling
    edges = np.flatnonzero(np.diff(np.concatenate([[0], over.astype(np.int8), [0]])))
    runs = []
    for a, b in zip(edges[::2], edges[1::2]):
        i = a + int(np.argmax(y[a:b]))
        runs.append((float(x[i]), float(y[i])))
    return runs


def style_axes(ax, theme: Theme, font: float, *, show_y: bool) -> None:
    """Open axes in the theme's colours; tick labels at 0.86 and axis labels at 0.9 of the font (px)."""
    ax.set_facecolor(theme.face)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_visible(show_y)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(theme.muted)
    ax.tick_params(colors=theme.muted, labelcolor=theme.fg, labelsize=font * 0.86 * PT, length=3.5, width=0.8)
    if not show_y:
        ax.set_yticks([])
    for label in (ax.xaxis.label, ax.yaxis.label):
        label.set_color(theme.fg)
        label.set_size(font * 0.9 * PT)


def draw_ghost(ax, snap: Snapshot, theme: Theme, font: float, *, many: bool | None = None,
               ceiling: float = math.inf) -> None:
    """A faint dashed copy of an endpoint: its density curve and its atoms (cut at the panel's ceiling).
    ``many``: the panel's stem style (default: from this snapshot's count)."""
    if snap.curve_x.size:
        ax.plot(snap.curve_x[1:-1], np.minimum(snap.curve_y[1:-1], ceiling), ls=(0, (3, 2.5)), lw=1.1,
                color=theme.ghost, zorder=1)
    if snap.masses.size:
        many = snap.masses.size > MANY_ATOMS if many is None else many
        heights = np.minimum(snap.masses, ceiling)
        if not many:  # dozens of dashed stems would hide the moving ones: keep just their tops
            segs = [[(x, 0), (x, mm)] for x, mm in zip(snap.atoms, heights)]
            ax.add_collection(LineCollection(segs, colors=theme.ghost, linewidths=1.1, linestyles=(0, (3, 2.5)),
                                             zorder=1))
        ax.plot(snap.atoms, heights, ls="none", marker="o", mfc="none", mec=theme.ghost,
                ms=font * (0.3 if many else 0.45), zorder=1, clip_on=False)


def save_figure(fig: Figure, out, theme: Theme) -> None:
    """Write a static figure atomically, in the format its suffix names (png, svg)."""
    from .encode import AtomicOutput, check_writable

    target = check_writable(out)
    fmt = target.suffix.lower().lstrip(".")
    # reproducible bytes: an SVG would carry the date and ids salted at random (a PNG carries no time)
    with AtomicOutput(target, target.suffix.lower()) as tmp, matplotlib.rc_context({"svg.hashsalt": "geoanim"}):
        fig.savefig(tmp.tmp, format=fmt, facecolor=theme.face, dpi=100,
                    metadata={"Date": None} if fmt == "svg" else None)


@functools.lru_cache(maxsize=64)
def _is_cost(metric: str) -> bool:
    """Whether the metric (a call such as "entropic(0.5)") reports a cost: parsed once, not per frame."""
    from ..paths.registry import get_metric

    return get_metric(metric).cost


def caption(t: float, path) -> str:
    """The per-frame caption under a panel title: distance travelled of the total, or for a curve that
    is not a metric geodesic (KL's straight lines) its Fisher-Rao arc length so far."""
    length = path.length
    if math.isinf(length):
        return "distance \u221e: no finite second moment"
    if _is_cost(path.metric):  # entropic OT: the number is a cost of the whole plan, nothing travelled
        return f"cost \u221aOT\u03b5 = {num(length)}"
    if path.arc is not None:
        return f"FR length {num(path.travelled(t))} of {num(length)}"
    return f"travelled {num(t * length)} of {num(length)}"


def _iso_lines(gx: np.ndarray, gy: np.ndarray, image: np.ndarray, levels: list[float]) -> list[np.ndarray]:
    """The contours of a density image at each level, each level's pieces as one (n, 2) array of points
    separated by NaN rows (one Line2D draws them all); contourpy is matplotlib's own contouring engine."""
    import contourpy

    z = np.nan_to_num(image, nan=0.0, posinf=np.finfo(float).max, neginf=0.0)
    gen = contourpy.contour_generator(gx, gy, z, line_type=contourpy.LineType.ChunkCombinedNan)
    out = []
    for level in levels:
        points = gen.lines(level)[0][0]
        out.append(points if points is not None else np.empty((0, 2)))
    return out


class FrameRenderer:
    """Draws the frames of a Plan; ``frame(t)`` returns a zero-copy RGBA buffer."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.theme, self.g = plan.theme, plan.geometry
        self.W, self.H = plan.width, plan.height
        self.fig, self.canvas = exact_canvas(self.W, self.H, self.theme.face)
        self.animated: list = []
        self.texts: list[DynamicText] = []
        self.updates: list = []  # per panel: update(snapshot, t)
        self._header()
        self.panel_titles: list = []
        for panel in plan.panels:
            self.updates.append(self._metric_panel(panel))
        if self.panel_titles:  # one size for every panel title: the one the longest needed
            size = min(t.get_fontsize() for t in self.panel_titles)
            for t in self.panel_titles:
                t.set_fontsize(size)
        self.param_update = self._param_panel(plan.param) if plan.param is not None else None
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)

    # -- text ------------------------------------------------------------------------------------
    def _text(self, x, y, s, *, size=1.0, color=None, weight="normal"):
        """Static text at figure fraction (x, baseline y)."""
        return self.fig.text(x, y, s, fontsize=self.g.font * size * PT, color=color or self.theme.fg,
                             fontweight=weight, ha="left", va="baseline")

    def _fit(self, text, width_px: float) -> None:
        """Shrink a static label until it fits its panel (small renders), never below 8 px."""
        renderer = self.canvas.get_renderer()
        while text.get_window_extent(renderer).width > width_px and text.get_fontsize() > 8 * PT:
            text.set_fontsize(text.get_fontsize() * 0.93)

    def _dynamic(self, x, y, *, size=1.0, color=None, ha="left", family="DejaVu Sans"):
        """Per-frame text at figure fraction (x, baseline y)."""
        t = DynamicText(x * self.W, (1 - y) * self.H, self.g.font * size, color or self.theme.fg,
                        anchor="rs" if ha == "right" else "ls", family=family)
        self.texts.append(t)
        return t

    def _header(self) -> None:
        """The headline (wrapped by the plan's geometry), the per-frame "t = ..." at the right of its first
        line, and the caption under the panels."""
        g = self.g
        base = 1 - (2.3 * g.font * 0.72) / self.H
        x = g.margin / self.W if self.plan.planar else self.plan.panels[0].rect[0]
        size = 1.05 if self.plan.planar else 1.2  # planar titles carry matrices
        self.t_text = self._dynamic(1 - g.margin / self.W, base, size=1.05, ha="right", color=self.theme.muted)
        room = self.W - x * self.W - g.margin - self.t_text.font.getlength("t = 0.00") - g.font
        for i, line in enumerate(g.title_lines or (self.plan.title,)):
            text = self._text(x, base - i * 1.2 * size * g.font / self.H, line, size=size)
            self._fit(text, room if i == 0 else self.W - x * self.W - g.margin)
        for i, line in enumerate(g.footer_lines):
            y = (g.footer_lines_bottom(len(g.footer_lines) - 1 - i)) / self.H
            self._fit(self._text(g.margin / self.W, y, line, size=0.95, color=self.theme.muted),
                      self.W - 2 * g.margin)

    # -- metric panels ---------------------------------------------------------------------------
    def _axes(self, rect, xlim, ylim, *, show_y: bool, nbins: int):
        ax = self.fig.add_axes(rect)
        style_axes(ax, self.theme, self.g.font, show_y=show_y)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.locator_params(axis="both" if show_y else "x", nbins=nbins)
        # (a log axis replaces this locator with its own)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=tick_bins(rect[2] * self.W, self.g.font, xlim, nbins),
                                               steps=STEPS, min_n_ticks=1))
        return ax

    def _metric_panel(self, panel: MetricPanel):
        g, W, H, planar = self.g, self.W, self.H, self.plan.planar
        rect = panel.rect
        ax = self._axes(rect, panel.xlim, panel.ylim, show_y=planar, nbins=4 if planar else 5)
        top_px = (rect[1] + rect[3]) * H
        room = rect[2] * W + 0.8 * g.gap
        lines = [panel.title]
        if g.two_line_titles and not g.fits(panel.title, room):
            lines = split_title(panel.title)
        for k, line in enumerate(lines):
            label = self._text(rect[0], (top_px + (1.45 + 1.15 * 1.08 * (len(lines) - 1 - k)) * g.font) / H, line,
                               size=1.08, color=panel.color, weight="bold")
            self._fit(label, room)
            self.panel_titles.append(label)
        cap = self._dynamic(rect[0], (top_px + 0.45 * g.font) / H, size=0.88, color=self.theme.muted)
        cap.fit(caption(1.0, panel.path), rect[2] * W + 0.8 * g.gap)
        corner = self._dynamic(rect[0] + rect[2] - 0.25 * g.font / W, (top_px - (1.1 if planar else 0.95) * g.font) / H,
                               size=0.8, ha="right", color=self.theme.muted, family="DejaVu Sans Mono")
        corner.fit(panel.widest_label, 0.92 * rect[2] * W)
        draw = (self._plane_artists if planar else self._line_artists)(ax, panel)
        path = panel.path

        def update(snap: Snapshot, t: float) -> None:
            draw(snap)
            cap.text = caption(t, path)
            corner.text = snap.label

        return update

    def _line_artists(self, ax, panel: MetricPanel):
        th, g, color = self.theme, self.g, panel.color
        if getattr(panel.path.start, "space", "") == "circle":  # the circle, cut open at ±π
            ax.set_xlabel("angle x (the circle cut at \u00b1\u03c0)", labelpad=2)
            ax.set_xticks([-math.pi, -math.pi / 2, 0.0, math.pi / 2, math.pi],
                          [f"{MINUS}\u03c0", f"{MINUS}\u03c0/2", "0", "\u03c0/2", "\u03c0"])
        else:
            ax.set_xlabel("x", labelpad=2)
        many = panel.many_atoms
        for end in panel.ghosts:
            draw_ghost(ax, end, th, g.font, many=many, ceiling=panel.ceiling)
        fill = Polygon(np.zeros((2, 2)), closed=True, facecolor=color, alpha=th.fill_alpha, lw=0, animated=True)
        line = Line2D([], [], color=color, lw=2.2, animated=True, solid_joinstyle="round")
        stems = LineCollection([], colors=color, linewidths=1.6 if many else 2.6, animated=True)
        dots = Line2D([], [], ls="none", marker="o", ms=g.font * 0.5, color=color, mec=th.bg, mew=1.0,
                      animated=True, clip_on=False)
        ax.add_patch(fill)
        ax.add_line(line)
        ax.add_collection(stems)
        ax.add_line(dots)
        # only artists that can show something are drawn per frame
        self.animated.extend(([fill, line] if panel.has_density else []) + ([stems] if panel.has_atoms else [])
                             + ([dots] if panel.has_atoms and not many else []))
        clip_mark = self._clip_marks(ax, panel)

        def draw(snap: Snapshot) -> None:
            cut: list[tuple[float, float]] = []  # (x, true height) of every run above the ceiling
            if snap.curve_x.size:
                ys = snap.curve_y
                if panel.ceiling < ys.max(initial=0.0):
                    cut += _runs_above(snap.curve_x, ys, panel.ceiling)
                    ys = np.minimum(ys, panel.ceiling)
                fill.set_xy(np.column_stack([snap.curve_x, ys]))
                line.set_data(snap.curve_x[1:-1], ys[1:-1])
            else:
                fill.set_xy(np.zeros((2, 2)))
                line.set_data([], [])
            if snap.masses.size:
                heights = np.minimum(snap.masses, panel.ceiling)
                over = snap.masses > panel.ceiling
                cut += list(zip(snap.atoms[over].tolist(), snap.masses[over].tolist()))
                segs = np.zeros((snap.masses.size, 2, 2))
                segs[:, :, 0] = snap.atoms[:, None]
                segs[:, 1, 1] = heights
                stems.set_segments(segs)
                if not many:  # a many-stem panel never draws its dots
                    dots.set_data(snap.atoms, heights)
            else:
                stems.set_segments([])
                dots.set_data([], [])
            clip_mark(cut)

        return draw

    def _clip_marks(self, ax, panel: MetricPanel):
        """What marks a cut: a triangle above each run of curve or stem cut at the ceiling, and the highest
        cut value printed beside its triangle. Returns ``mark(cuts)`` for the frame's [(x, height)]."""
        g, color = self.g, panel.color
        if not math.isfinite(panel.ceiling):
            return lambda cuts: None
        tri = Line2D([], [], ls="none", marker="^", ms=g.font * 0.55, color=color, mec=self.theme.bg, mew=0.8,
                     animated=True, clip_on=False, zorder=6)
        ax.add_line(tri)
        self.animated.append(tri)
        value = self._dynamic(0.0, 0.0, size=0.74, color=panel.color)
        above = panel.ceiling * (1 + 0.45 * (HEADROOM - 1))  # in the headroom band, under the corner label
        rect = panel.rect
        x_lo, x_hi = rect[0] * self.W, (rect[0] + rect[2]) * self.W

        def mark(cuts: list[tuple[float, float]]) -> None:
            if not cuts:
                tri.set_data([], [])
                value.text = ""
                return
            xs = [x for x, _ in cuts]
            tri.set_data(xs, [above] * len(xs))
            x, top = max(cuts, key=lambda c: c[1])
            px, py = ax.transData.transform((x, above))
            value.text = "\u2191\u221e" if top >= OFF_SCALE else f"\u2191{num(top)}"
            width = value.font.getlength(value.text)
            right = px + 0.6 * g.font + width <= x_hi
            value.x = int(round(px + 0.6 * g.font if right else max(x_lo, px - 0.6 * g.font - width)))
            value.y = int(round(self.H - py + 0.35 * g.font))

        return mark

    def _sizes(self, masses: np.ndarray, n0: int) -> np.ndarray:
        # marker area proportional to mass; a uniform cloud of n0 points gets the base size; a dot holding
        # the mass of hundreds (a cloud shrinking to a point) stops at a few fonts across
        base = (self.g.font * 0.42) ** 2 * max(0.25, min(4.0, 60.0 / max(n0, 1)))
        return np.minimum(base * masses * n0, (2.5 * self.g.font) ** 2)

    def _plane_artists(self, ax, panel: MetricPanel):
        from .layout import Plane, mass_levels, trail_style

        th, color, n0 = self.theme, panel.color, panel.atom_count
        window = panel.sampler.window
        assert isinstance(window, Plane)
        gx, gy = window.xy[0, :, 0], window.xy[:, 0, 1]
        # outlines holding a normal's 1- and 2-sigma masses, around densities that are not normals; not
        # where an end's density is unbounded at its support's edge (Dirichlet with some a_i < 1): most of
        # the mass then hugs the edge, and so would the outlines
        outlined = panel.has_density and not any(end.image is not None and end.bulk is not None
                                                 and end.bulk() is not None for end in panel.ghosts)
        if panel.trails is not None:
            alpha, width = trail_style(len(panel.trails))
            ax.add_collection(LineCollection(list(panel.trails), colors=color, linewidths=width * PT, alpha=alpha,
                                             zorder=1))
        for end in panel.ghosts:  # faint ghosts of both endpoints
            ghost_lines = list(end.ellipses)
            if outlined and end.image is not None and not ghost_lines:  # where a normal has its ellipses
                ghost_lines = _iso_lines(gx, gy, end.image, mass_levels(end.image, OUTLINE))
            for e in ghost_lines:
                ax.plot(e[:, 0], e[:, 1], color=th.ghost, lw=1.0, ls=(0, (3, 2.5)), zorder=1)
            if end.masses.size:
                ax.scatter(end.atoms[:, 0], end.atoms[:, 1], s=self._sizes(end.masses, len(end.masses)) * 0.6,
                           facecolors="none", edgecolors=th.ghost, linewidths=0.6, zorder=1)
        outline = panel.path.start.outline() if isinstance(panel.path.start, Multivariate) else None
        if outline is not None:  # the support's edge (the simplex), with its corners named, instead of axes
            ax.set_axis_off()
            ax.plot(outline[:, 0], outline[:, 1], color=th.muted, lw=1.0, zorder=2)
            for i, (x, y) in enumerate(outline[:-1]):
                ax.annotate(f"w{i + 1}", (x, y), xytext=(0, 5 if y > outline[:, 1].min() else -12),
                            textcoords="offset points", ha="center", color=th.muted, fontsize=self.g.font * 0.8 * PT)
        # the density in flat bands of one hue, transparent below the first (the ghosts stay visible): the
        # image holds the square root of density over the panel's top, interpolated bilinearly before the
        # colours are looked up, so the bands' edges are smooth curves at the frame's own pixels
        c = to_rgb(color)
        u = (np.arange(256) + 0.5) / 256
        band = np.searchsorted(np.sqrt(DENSITY_BANDS), u, side="right")
        opacity = np.concatenate([[0.0], BAND_ALPHAS])[band]
        cmap = ListedColormap([(*c, a) for a in opacity], name=f"geoanim-{panel.path.metric}")
        dx, dy = (gx[-1] - gx[0]) / max(gx.size - 1, 1), (gy[-1] - gy[0]) / max(gy.size - 1, 1)
        image = ax.imshow(np.zeros((2, 2)), extent=(gx[0] - dx / 2, gx[-1] + dx / 2, gy[0] - dy / 2, gy[-1] + dy / 2),
                          origin="lower", cmap=cmap, vmin=0.0, vmax=1.0, interpolation="bilinear",
                          interpolation_stage="data", aspect="auto", animated=True, zorder=0)
        # a normal's 1- and 2-sigma ellipses; around any other density, the outlines holding as much mass
        lines = [Line2D([], [], color=color, lw=lw, animated=True, zorder=3) for lw in (1.8, 1.0)]
        for ln in lines:
            ax.add_line(ln)
        # a rim in the background colour parts touching dots; not on clouds of many small dots, where it
        # would be most of each dot (and triple the time Agg takes to draw them)
        dots = ax.scatter(np.zeros(0), np.zeros(0), s=np.zeros(0), color=color, edgecolors=th.bg,
                          linewidths=0.4 if n0 <= MANY_DOTS else 0.0, animated=True, zorder=4)
        self.animated.extend(([image] if panel.has_density else [])
                             + (lines if panel.has_ellipses or outlined else [])
                             + ([dots] if panel.has_atoms else []))
        scale = 1.0 / panel.vmax

        def draw(snap: Snapshot) -> None:
            outlines: list[np.ndarray] = list(snap.ellipses)
            if snap.image is not None:
                with np.errstate(invalid="ignore"):
                    image.set_data(np.sqrt(np.clip(np.nan_to_num(snap.image * scale), 0.0, 1.0)))
                if outlined and not outlines:
                    outlines = [np.empty((0, 2)), *_iso_lines(gx, gy, snap.image, mass_levels(snap.image, OUTLINE))]
            else:
                image.set_data(np.zeros((2, 2)))
            for i, ln in enumerate(lines):
                e = outlines[i] if i < len(outlines) else None
                if e is not None and len(e):
                    ln.set_data(e[:, 0], e[:, 1])
                else:
                    ln.set_data([], [])
            if snap.masses.size:
                dots.set_offsets(snap.atoms)
                dots.set_sizes(self._sizes(snap.masses, n0))
            else:
                dots.set_offsets(np.zeros((0, 2)))

        return draw

    # -- the parameter panel ---------------------------------------------------------------------
    def _param_panel(self, ps: ParamPanel):
        th, g = self.theme, self.g
        rect = ps.rect
        ax = self._axes(rect, ps.xlim, ps.ylim, show_y=ps.kind != "simplex", nbins=4 if ps.kind == "means" else 5)
        for log, axis, lim in ((ps.xlog, ax.xaxis, ps.xlim), (ps.ylog, ax.yaxis, ps.ylim)):
            if log:  # plain numbers at 1, 2, 5 times the powers of ten, no minor labels (they collide)
                (ax.set_xscale if axis is ax.xaxis else ax.set_yscale)("log")
                (ax.set_xlim if axis is ax.xaxis else ax.set_ylim)(*lim)
                decades = math.log10(lim[1] / lim[0])
                axis.set_major_locator(LogLocator(subs=(1.0,) if decades > 2.5 else (1.0, 2.0, 5.0)))
                axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                axis.set_minor_formatter(NullFormatter())
        top_px = (rect[1] + rect[3]) * self.H
        title = self._text(rect[0], (top_px + 1.45 * g.font) / self.H, ps.title, size=1.08, weight="bold")
        self._fit(title, self.W * (1.0 - rect[0]) - g.margin)  # never past the frame's right edge
        if ps.kind == "simplex":
            ax.axis("off")
            tri = np.array([[0, 0], [1, 0], [0.5, math.sqrt(3) / 2], [0, 0]])
            ax.plot(tri[:, 0], tri[:, 1], color=th.muted, lw=1.0)
            for (vx, vy), text, va in zip(tri[:3], ps.vertex_labels, ("top", "top", "bottom")):
                ax.text(vx, vy + (-0.035 if va == "top" else 0.035), text, ha="center", va=va, color=th.fg,
                        fontsize=g.font * 0.82 * PT)
        else:
            if ps.xlabel:
                ax.set_xlabel(ps.xlabel, labelpad=2)
                ax.set_ylabel(ps.ylabel, labelpad=3)
            ax.grid(True, color=th.grid, lw=0.8, zorder=0)
        return self._means(ax, ps) if ps.kind == "means" else self._param_curves(ax, ps)

    def _param_curves(self, ax, ps: ParamPanel):
        th, g = self.theme, self.g
        n = len(ps.curves)
        for i, ((xs, ys, dashed), color) in enumerate(zip(ps.curves, ps.colors)):
            # earlier paths are drawn wider, so a later path along the same curve leaves them visible
            ax.plot(xs, ys, color=color, lw=(1.8 + 0.9 * (n - 1 - i)) * g.font / 14,
                    ls=(0, (4, 2.5)) if dashed else "-", zorder=2, solid_capstyle="round")
        if ps.left_out:
            where = "off the simplex" if ps.kind == "simplex" else "out of the family"
            self._param_note(ps, f"{' and '.join(ps.left_out)} move{'s' * (len(ps.left_out) == 1)} mass {where}")
        self._direction(ax, ps)
        markers = []
        for i, color in enumerate(ps.colors):
            # where paths meet (both ends, and wherever they cross) the earlier path's marker is the larger
            # ring around the later one's, so no marker hides another
            step = min(0.5, 0.75 / max(n - 1, 1))  # a ring a few pixels wide; together never past 1.4 fonts
            mk = Line2D([], [], ls="none", marker="o", ms=g.font * (0.62 + step * (n - 1 - i)), color=color,
                        mec=th.bg, mew=1.4, animated=True, zorder=4, clip_on=False)  # whole at the panel's edge
            ax.add_line(mk)
            self.animated.append(mk)
            markers.append(mk)
        coords = ps.coords

        def update(snaps: list[Snapshot]) -> None:
            for mk, snap in zip(markers, snaps):
                x, y = coords(snap.dist)  # the panel's own point at t: the path is evaluated once per frame
                mk.set_data([x], [y])

        return update

    def _param_note(self, ps: ParamPanel, text: str) -> None:
        """A note on the paths the panel leaves out, on the caption line under its title (where the metric
        panels say how far they travelled): inside the panel it would cover a vertex label or a path."""
        g = self.g
        top_px = (ps.rect[1] + ps.rect[3]) * self.H
        note = self._text(ps.rect[0], (top_px + 0.45 * g.font) / self.H, text, size=0.8, color=self.theme.muted)
        self._fit(note, self.W * (1.0 - ps.rect[0]) - g.margin)

    def _direction(self, ax, ps: ParamPanel) -> None:
        """Start (an open square) and end (a filled one), labelled, and an arrowhead half way along each
        curve: which way the paths run, at a glance."""
        th, g = self.theme, self.g
        (x0, y0), (x1, y1) = ps.ends
        ax.plot([x0], [y0], ls="none", marker="s", ms=g.font * 0.5, mfc=th.bg, mec=th.fg, mew=1.3, zorder=3)
        ax.plot([x1], [y1], ls="none", marker="s", ms=g.font * 0.5, color=th.fg, zorder=3)
        left, right = ax.transAxes.transform((0.0, 0.0))[0], ax.transAxes.transform((1.0, 1.0))[0]
        words = (("start", "end") if right - left > 14 * g.font else ())  # a narrow panel keeps just the squares
        for (x, y), word in zip(((x0, y0), (x1, y1)), words):
            px, py = ax.transData.transform((x, y))
            left, bottom = ax.transAxes.transform((0.0, 0.0))
            right, top = ax.transAxes.transform((1.0, 1.0))
            ha = "left" if px < 0.5 * (left + right) else "right"
            below = py - bottom > 0.3 * (top - bottom)
            ax.annotate(word, (x, y), xytext=(0.55 * g.font * (1 if ha == "left" else -1), -0.9 * g.font if below
                                              else 0.55 * g.font), textcoords="offset pixels", ha=ha,
                        va="center", color=th.fg, fontsize=g.font * 0.74 * PT, zorder=3)
        for (xs, ys, _), color in zip(ps.curves, ps.colors):
            ok = np.isfinite(xs) & np.isfinite(ys)
            if ok.sum() < 5:
                continue
            px = ax.transData.transform(np.column_stack([xs[ok], ys[ok]]))
            arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
            if arc[-1] < 3 * g.font:  # a path too short on screen for an arrow
                continue
            i = int(np.searchsorted(arc, 0.5 * arc[-1]))
            j = int(np.searchsorted(arc, arc[i] + 0.6 * g.font))
            j = min(j, arc.size - 1)
            if j <= i:
                continue
            a, b = ax.transData.inverted().transform(px[[i, j]])
            ax.annotate("", xy=tuple(b), xytext=tuple(a), zorder=3,
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 0, "mutation_scale": g.font * 1.1})

    def _means(self, ax, ps: ParamPanel):
        """Each path's mean trajectory with its direction, the ends' 1-sigma ellipses once (dashed grey, as
        the metric panels' ghosts), each path's half-way ellipse faintly, and per frame only each path's
        current ellipse and mean."""
        g, th = self.g, self.theme
        n = len(ps.curves)
        ends = next((ells for ells in ps.ellipses if ells), ())
        for e in (ends[0], ends[-1]) if ends else ():
            ax.plot(e[:, 0], e[:, 1], color=th.ghost, lw=1.2, ls=(0, (3, 2.5)), zorder=1)
        for i, ((xs, ys, _), ells, color) in enumerate(zip(ps.curves, ps.ellipses, ps.colors)):
            # earlier paths are drawn wider, so a later path along the same curve leaves them visible
            ax.plot(xs, ys, color=color, lw=(1.8 + 0.9 * (n - 1 - i)) * g.font / 14, zorder=2,
                    solid_capstyle="round")
            if len(ells) == 3:
                ax.plot(ells[1][:, 0], ells[1][:, 1], color=color, lw=0.9, alpha=0.4, zorder=2)
        self._direction(ax, ps)
        if ps.left_out:
            self._param_note(ps, f"{' and '.join(ps.left_out)} leave{'s' * (len(ps.left_out) == 1)} the normals")
        markers = []
        for color in ps.colors:
            ell = Line2D([], [], color=color, lw=2.0, animated=True, zorder=4)
            mk = Line2D([], [], ls="none", marker="o", ms=g.font * 0.55, color=color, mec=th.bg, mew=1.2,
                        animated=True, zorder=5)
            ax.add_line(ell)
            ax.add_line(mk)
            self.animated.extend([ell, mk])
            markers.append((ell, mk))

        def update(snaps: list[Snapshot]) -> None:
            for (ell, mk), snap in zip(markers, snaps):
                d = snap.dist  # the panel's own point at t: no second evaluation of the path
                if isinstance(d, MVNormal):
                    e = snap.ellipses[0]  # the 1-sigma outline the panel already drew
                    ell.set_data(e[:, 0], e[:, 1])
                    mk.set_data([d.mean[0]], [d.mean[1]])
                else:
                    ell.set_data([], [])
                    mk.set_data([], [])

        return update

    # -- per frame -------------------------------------------------------------------------------
    def update(self, t: float) -> list[Snapshot]:
        snaps = [panel.sampler(t) for panel in self.plan.panels]
        for update, snap in zip(self.updates, snaps):
            update(snap, t)
        self.t_text.text = f"t = {t_label(t)}"
        if self.param_update is not None:
            self.param_update(snaps)
        return snaps

    def frame(self, t: float) -> memoryview:
        """Draw the frame at t and return the canvas' RGBA buffer (valid until the next frame)."""
        self.update(t)
        self.canvas.restore_region(self.background)
        for artist in self.animated:
            self.fig.draw_artist(artist)
        buf = self.canvas.buffer_rgba()
        frame = np.asarray(buf)
        for text in self.texts:
            text.draw(frame)
        return buf

    def close(self) -> None:
        self.fig.clear()


def render_strip(s: Strip, out) -> None:
    """A static filmstrip for papers: one row per metric, k snapshots from t=0 to t=1."""
    plan, theme, font = s.plan, s.plan.theme, s.font
    fig, _ = exact_canvas(s.width, s.height, theme.face)
    rows = len(plan.panels)
    fig.text(s.left, 1 - (font * 1.3) / s.height, plan.title, fontsize=font * 1.15 * PT, color=theme.fg, va="center")
    for r, panel in enumerate(plan.panels):
        y0 = s.cell(r, 0)[1]
        fig.text((font * 0.6) / s.width, y0 + s.cell_h * 0.68, panel.title.replace(" on ", "\non "),
                 fontsize=font * 0.95 * PT, color=panel.color, fontweight="bold", va="center")
        measure = ("cost \u221aOT\u03b5" if _is_cost(panel.path.metric) else "FR length" if panel.path.arc is not None
                   else "length")
        fig.text((font * 0.6) / s.width, y0 + s.cell_h * 0.14, f"{measure} {num(panel.path.length)}",
                 fontsize=font * 0.82 * PT, color=theme.muted, va="center")
        for c, t in enumerate(s.times):
            ax = fig.add_axes(s.cell(r, c))
            style_axes(ax, theme, font, show_y=False)
            ax.set_xlim(*panel.xlim)
            ax.set_ylim(*panel.ylim)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=tick_bins(s.cell_w * s.width, font, panel.xlim),
                                                   steps=STEPS, min_n_ticks=1))
            if r < rows - 1:
                ax.set_xticklabels([])
            if r == 0:
                ax.set_title(f"t = {t:g}", fontsize=font * 0.95 * PT, color=theme.fg, pad=font * 0.4 * PT)
            unit = (panel.xlim[1] - panel.xlim[0]) / (s.cell_w * s.width)  # data units per pixel of this cell
            for end in panel.ghosts:
                draw_ghost(ax, _restemmed(end, unit), theme, font, many=panel.many_atoms, ceiling=panel.ceiling)
            snap = _restemmed(panel.sampler(float(t)), unit)
            cut: list[tuple[float, float]] = []
            if snap.curve_x.size:
                ys = snap.curve_y
                if panel.ceiling < ys.max(initial=0.0):
                    cut += _runs_above(snap.curve_x, ys, panel.ceiling)
                    ys = np.minimum(ys, panel.ceiling)
                ax.add_patch(Polygon(np.column_stack([snap.curve_x, ys]), closed=True,
                                     facecolor=panel.color, alpha=theme.fill_alpha, lw=0))
                ax.plot(snap.curve_x[1:-1], ys[1:-1], color=panel.color, lw=1.8)
            if snap.masses.size:
                heights = np.minimum(snap.masses, panel.ceiling)
                cut += [(x, m) for x, m in zip(snap.atoms, snap.masses) if m > panel.ceiling]
                ax.add_collection(LineCollection([[(x, 0), (x, mm)] for x, mm in zip(snap.atoms, heights)],
                                                 colors=panel.color, linewidths=1.4 if panel.many_atoms else 2.2))
                if not panel.many_atoms:
                    ax.plot(snap.atoms, heights, ls="none", marker="o", ms=font * 0.4, color=panel.color,
                            clip_on=False)
            if cut:  # cut at the ceiling: a triangle over each cut, the highest value beside it
                above = panel.ceiling * (1 + 0.45 * (HEADROOM - 1))
                ax.plot([x for x, _ in cut], [above] * len(cut), ls="none", marker="^", ms=font * 0.45,
                        color=panel.color, clip_on=False)
                x, top = max(cut, key=lambda c: c[1])
                ax.annotate("\u2191\u221e" if top >= OFF_SCALE else f"\u2191{num(top)}", (x, above),
                            xytext=(0.5 * font, 0), textcoords="offset pixels", va="center", color=panel.color,
                            fontsize=font * 0.7 * PT, annotation_clip=False)
    save_figure(fig, out, theme)


def _restemmed(snap: Snapshot, unit: float) -> Snapshot:
    """A snapshot's stems regrouped for a coarser pixel (a filmstrip cell is narrower than a panel)."""
    if snap.masses.size < 2:
        return snap
    atoms, masses = pixel_stems(snap.atoms, snap.masses, unit)
    return dataclasses.replace(snap, atoms=atoms, masses=masses)


STEPS = [1, 2, 5, 10]  # no 2.5: its labels carry a decimal more


def tick_bins(width_px: float, font: float, lim: tuple[float, float], most: int = 6) -> int:
    """The most tick intervals (at most ``most``) whose labels, at the tick font (0.86 of ``font``, a
    generous 0.62 em a character), leave at least half a font between neighbours across ``width_px``."""
    lo, hi = sorted(lim)
    for n in range(most, 0, -1):
        ticks = MaxNLocator(nbins=n, steps=STEPS, min_n_ticks=1).tick_values(lo, hi)
        ticks = ticks[(ticks >= lo - 1e-12 * abs(hi - lo)) & (ticks <= hi + 1e-12 * abs(hi - lo))]
        if ticks.size < 2:
            return n
        gap = (ticks[1] - ticks[0]) / (hi - lo) * width_px
        widest = max(len(f"{v:g}") for v in ticks) * 0.62 * 0.86 * font
        if gap >= widest + 0.5 * font:
            return n
    return 1


def render_sweep(data, out, *, size: tuple[int, int], theme: Theme) -> None:
    """Distance against the swept parameter, one line per metric, written atomically (PNG or SVG)."""
    width, height = size
    font = float(np.clip(height * 0.034, 11, 20))
    pt = PT
    fig, _ = exact_canvas(width, height, theme.bg)
    ax = fig.add_axes((0.09, 0.14, 0.62, 0.74))
    style_axes(ax, theme, font, show_y=True)
    ax.grid(True, color=theme.grid, lw=0.8)
    finite_max = 0.0
    for metric, d in data.distances.items():
        color = theme.color(metric)
        shown = np.where(np.isfinite(d), d, np.nan)
        if np.isfinite(shown).any():
            finite_max = max(finite_max, float(np.nanmax(shown)))
        label = data.labels[metric] + ("  (infinite)" if not np.isfinite(d).any() else "")
        ax.plot(data.values, shown, color=color, lw=2.4, label=label)
    if any(np.nanmax(np.where(np.isfinite(d), d, np.nan), initial=0) > 2.5 for d in data.distances.values()):
        ax.axhline(math.pi, color=theme.muted, lw=1, ls=(0, (3, 3)))
        ax.text(data.values[0], math.pi, " \u03c0", color=theme.muted, va="bottom", fontsize=font * 0.9 * pt)
    ax.set_xlim(data.values[0], data.values[-1])
    ax.set_ylim(0, max(finite_max * 1.08, 1.0))
    ax.set_xlabel(data.xlabel)
    ax.set_ylabel("distance")
    fig.text(0.09, 0.94, data.title, fontsize=font * 1.05 * pt, color=theme.fg, va="center")
    leg = ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=font * 0.9 * pt)
    for text in leg.get_texts():
        text.set_color(theme.fg)
    save_figure(fig, out, theme)
