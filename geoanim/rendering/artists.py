"""The only module that imports matplotlib: it draws a layout.Plan and never changes it.

A frame is: restore the cached static background, draw the few animated artists (fills, lines,
stems, markers, density images, a handful of short texts), and hand the canvas' RGBA buffer to the
encoder without copying it. Where things go was decided by the plan, in pixels, so nothing shifts
between frames; this module only shrinks a static label that would not fit (text measurement needs
the renderer).
"""

from __future__ import annotations

import functools
import math

import matplotlib

matplotlib.use("Agg", force=False)

import numpy as np  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, to_rgb  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter  # noqa: E402

from ..families import Multivariate, MVNormal, num  # noqa: E402
from ..families.base import MINUS  # noqa: E402
from .layout import MetricPanel, ParamPanel, Plan, Snapshot, Strip, Theme, rgb  # noqa: E402

MANY_ATOMS = 24  # above this, atoms are drawn as thin stems without dots
DENSITY_LEVELS = 8  # planar densities are drawn in flat bands: iso-density contours that GIFs compress well


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
        region[...] = (region * (1.0 - a) + self.color * a + 0.5).astype(np.uint8)


PT = 72.0 / 100.0  # points per pixel at dpi 100


def style_axes(ax, theme: Theme, font: float, *, show_y: bool) -> None:
    """Open axes in the theme's colours; tick labels at 0.86 and axis labels at 0.9 of the font (px)."""
    ax.set_facecolor(theme.bg)
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


def draw_ghost(ax, snap: Snapshot, theme: Theme, font: float) -> None:
    """A faint dashed copy of an endpoint: its density curve and its atoms."""
    if snap.curve_x.size:
        ax.plot(snap.curve_x[1:-1], snap.curve_y[1:-1], ls=(0, (3, 2.5)), lw=1.1, color=theme.ghost, zorder=1)
    if snap.masses.size:
        many = snap.masses.size > MANY_ATOMS
        if not many:  # dozens of dashed stems would hide the moving ones: keep just their tops
            segs = [[(x, 0), (x, mm)] for x, mm in zip(snap.atoms, snap.masses)]
            ax.add_collection(LineCollection(segs, colors=theme.ghost, linewidths=1.1, linestyles=(0, (3, 2.5)),
                                             zorder=1))
        ax.plot(snap.atoms, snap.masses, ls="none", marker="o", mfc="none", mec=theme.ghost,
                ms=font * (0.3 if many else 0.45), zorder=1, clip_on=False)


def save_figure(fig: Figure, out, theme: Theme) -> None:
    """Write a static figure atomically, in the format its suffix names (png, svg)."""
    from .encode import AtomicOutput, check_writable

    target = check_writable(out)
    tmp = AtomicOutput(target, target.suffix.lower())
    try:
        fig.savefig(tmp.tmp, format=target.suffix.lower().lstrip("."), facecolor=theme.bg, dpi=100)
        tmp.commit()
    finally:
        tmp.discard()


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


class FrameRenderer:
    """Draws the frames of a Plan; ``frame(t)`` returns a zero-copy RGBA buffer."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.theme, self.g = plan.theme, plan.geometry
        self.W, self.H = plan.width, plan.height
        self.fig, self.canvas = exact_canvas(self.W, self.H, self.theme.bg)
        self.animated: list = []
        self.texts: list[DynamicText] = []
        self.updates: list = []  # per panel: update(snapshot, t)
        self._header()
        for panel in plan.panels:
            self.updates.append(self._metric_panel(panel))
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
        """The headline, and the per-frame "t = ..." at the right."""
        g = self.g
        base = 1 - (g.header * 0.72) / self.H
        x = g.margin / self.W if self.plan.planar else self.plan.panels[0].rect[0]
        self._text(x, base, self.plan.title, size=1.05 if self.plan.planar else 1.2)  # planar titles carry matrices
        self.t_text = self._dynamic(1 - g.margin / self.W, base, size=1.05, ha="right", color=self.theme.muted)

    # -- metric panels ---------------------------------------------------------------------------
    def _axes(self, rect, xlim, ylim, *, show_y: bool, nbins: int):
        ax = self.fig.add_axes(rect)
        style_axes(ax, self.theme, self.g.font, show_y=show_y)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.locator_params(axis="both" if show_y else "x", nbins=nbins)
        return ax

    def _metric_panel(self, panel: MetricPanel):
        g, W, H, planar = self.g, self.W, self.H, self.plan.planar
        rect = panel.rect
        ax = self._axes(rect, panel.xlim, panel.ylim, show_y=planar, nbins=4 if planar else 5)
        top_px = (rect[1] + rect[3]) * H
        label = self._text(rect[0], (top_px + 1.45 * g.font) / H, panel.title, size=1.08, color=panel.color,
                           weight="bold")
        self._fit(label, rect[2] * W + 0.8 * g.gap)
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
        for end in panel.ghosts:
            draw_ghost(ax, end, th, g.font)
        fill = Polygon(np.zeros((2, 2)), closed=True, facecolor=color, alpha=th.fill_alpha, lw=0, animated=True)
        line = Line2D([], [], color=color, lw=2.2, animated=True, solid_joinstyle="round")
        stems = LineCollection([], colors=color, linewidths=2.6, animated=True)
        dots = Line2D([], [], ls="none", marker="o", ms=g.font * 0.5, color=color, mec=th.bg, mew=1.0,
                      animated=True, clip_on=False)
        ax.add_patch(fill)
        ax.add_line(line)
        ax.add_collection(stems)
        ax.add_line(dots)
        # only artists that can show something are drawn per frame
        self.animated.extend(([fill, line] if panel.has_density else []) + ([stems, dots] if panel.has_atoms else []))

        def draw(snap: Snapshot) -> None:
            if snap.curve_x.size:
                fill.set_xy(np.column_stack([snap.curve_x, snap.curve_y]))
                line.set_data(snap.curve_x[1:-1], snap.curve_y[1:-1])
            else:
                fill.set_xy(np.zeros((2, 2)))
                line.set_data([], [])
            if snap.masses.size:
                segs = np.zeros((snap.masses.size, 2, 2))
                segs[:, :, 0] = snap.atoms[:, None]
                segs[:, 1, 1] = snap.masses
                stems.set_segments(segs)
                many = snap.masses.size > MANY_ATOMS
                stems.set_linewidth(1.6 if many else 2.6)
                dots.set_data(([], []) if many else (snap.atoms, snap.masses))
            else:
                stems.set_segments([])
                dots.set_data([], [])

        return draw

    def _sizes(self, masses: np.ndarray, n0: int) -> np.ndarray:
        # marker area proportional to mass; a uniform cloud of n0 points gets the base size
        base = (self.g.font * 0.42) ** 2 * max(0.25, min(4.0, 60.0 / max(n0, 1)))
        return base * masses * n0

    def _plane_artists(self, ax, panel: MetricPanel):
        th, color, n0 = self.theme, panel.color, panel.atom_count
        if panel.trails is not None:
            ax.add_collection(LineCollection(panel.trails, colors=color, linewidths=0.7, alpha=0.3, zorder=1))
        for end in panel.ghosts:  # faint ghosts of both endpoints
            for e in end.ellipses:
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
        # transparent at zero density (the ghosts stay visible), opaque colour at the top
        c = to_rgb(color)
        cmap = LinearSegmentedColormap.from_list(f"geoanim-{panel.path.metric}", [(*c, 0.0), (*c, 0.85)])
        image = ax.imshow(np.zeros((2, 2)), extent=(*panel.xlim, *panel.ylim), origin="lower", cmap=cmap, vmin=0.0,
                          vmax=1.0, interpolation="nearest", aspect="auto", animated=True, zorder=0)
        lines = [Line2D([], [], color=color, lw=lw, animated=True, zorder=3) for lw in (1.8, 1.0)]
        for ln in lines:
            ax.add_line(ln)
        dots = ax.scatter(np.zeros(0), np.zeros(0), s=np.zeros(0), color=color, edgecolors=th.bg,
                          linewidths=0.4, animated=True, zorder=4)
        self.animated.extend(([image] if panel.has_density else []) + (lines if panel.has_ellipses else [])
                             + ([dots] if panel.has_atoms else []))
        vmax = panel.vmax

        def draw(snap: Snapshot) -> None:
            if snap.image is not None:
                levels = np.floor(np.clip(snap.image / vmax, 0, 1) * DENSITY_LEVELS) / DENSITY_LEVELS
                image.set_data(levels)
            else:
                image.set_data(np.zeros((2, 2)))
            for ln, e in zip(lines, snap.ellipses or ((), ())):
                if len(e):
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
            # the triangle leaves the upper corners empty: the note goes in the right one, inside the
            # panel and clear of the top vertex's label
            where = "off the simplex" if ps.kind == "simplex" else "out of the family"
            ax.text(1.0, 0.99, f"{' and '.join(ps.left_out)}\nmoves mass\n{where}",
                    transform=ax.transAxes, ha="right", va="top", color=th.muted, fontsize=g.font * 0.74 * PT)
        ax.plot([e[0] for e in ps.ends], [e[1] for e in ps.ends], ls="none", marker="s", ms=g.font * 0.42,
                color=th.muted, zorder=3)
        markers = []
        for color in ps.colors:
            mk = Line2D([], [], ls="none", marker="o", ms=g.font * 0.62, color=color, mec=th.bg, mew=1.4,
                        animated=True, zorder=4)
            ax.add_line(mk)
            self.animated.append(mk)
            markers.append(mk)
        coords = ps.coords

        def update(snaps: list[Snapshot]) -> None:
            for mk, snap in zip(markers, snaps):
                x, y = coords(snap.dist)  # the panel's own point at t: the path is evaluated once per frame
                mk.set_data([x], [y])

        return update

    def _means(self, ax, ps: ParamPanel):
        g, th = self.g, self.theme
        markers = []
        for (xs, ys, _), ells, color in zip(ps.curves, ps.ellipses, ps.colors):
            ax.plot(xs, ys, color=color, lw=2.0, zorder=2)
            for e in ells:
                ax.plot(e[:, 0], e[:, 1], color=color, lw=0.9, alpha=0.45, zorder=2)
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
        self.t_text.text = f"t = {t:.2f}"
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
    fig, _ = exact_canvas(s.width, s.height, theme.bg)
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
            ax.locator_params(axis="x", nbins=4)
            if r < rows - 1:
                ax.set_xticklabels([])
            if r == 0:
                ax.set_title(f"t = {t:g}", fontsize=font * 0.95 * PT, color=theme.fg, pad=font * 0.4 * PT)
            for end in panel.ghosts:
                draw_ghost(ax, end, theme, font)
            snap = panel.sampler(float(t))
            if snap.curve_x.size:
                ax.add_patch(Polygon(np.column_stack([snap.curve_x, snap.curve_y]), closed=True,
                                     facecolor=panel.color, alpha=theme.fill_alpha, lw=0))
                ax.plot(snap.curve_x[1:-1], snap.curve_y[1:-1], color=panel.color, lw=1.8)
            if snap.masses.size:
                ax.add_collection(LineCollection([[(x, 0), (x, mm)] for x, mm in zip(snap.atoms, snap.masses)],
                                                 colors=panel.color, linewidths=2.2))
                ax.plot(snap.atoms, snap.masses, ls="none", marker="o", ms=font * 0.4, color=panel.color,
                        clip_on=False)
    save_figure(fig, out, theme)


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
