"""The only module that imports matplotlib: draw a frame's static parts once, update artists in place.

A frame is: restore the cached static background, draw the few animated artists (fills, lines,
stems, markers, a handful of short texts), and hand the canvas' RGBA buffer to the encoder
without copying it. Layout is computed once, in pixels, so nothing shifts between frames.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg", force=False)

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from ..families import MVNormal, Points2D
from .layout import Layout, Snapshot, num

MANY_ATOMS = 24  # above this, atoms are drawn as thin stems without dots


@dataclass(frozen=True)
class Theme:
    name: str
    bg: str
    fg: str
    muted: str
    ghost: str
    grid: str
    fill_alpha: float

    def color(self, metric: str, index: int = 0) -> str:
        """The metric's own colour (declared with the metric: Okabe-Ito, safe for colour-vision deficiencies)."""
        from ..paths import get_metric

        light, dark = get_metric(metric).colors
        return light if self.name == "light" else dark


THEMES = {
    "light": Theme("light", "#FFFFFF", "#1A1A1A", "#5F6368", "#9AA0A6", "#E3E5E8", 0.28),
    "dark": Theme("dark", "#121417", "#E8EAED", "#A8ADB4", "#6E747C", "#2A2E33", 0.32),
}


def _rgb(color: str) -> tuple[int, int, int]:
    r, g, b = matplotlib.colors.to_rgb(color)
    return int(round(r * 255)), int(round(g * 255)), int(round(b * 255))


class Metrics:
    """Pixel geometry of a W x H frame with a given number of panels."""

    def __init__(self, width: int, height: int, n_panels: int, param: bool):
        self.W, self.H = width, height
        per_panel = width / n_panels
        # font size in pixels: grows with the frame but stays readable on small renders
        self.font = float(np.clip(min(height * 0.036, per_panel * 0.05), 10.5, 22.0))
        f = self.font
        self.header = 2.3 * f
        self.top_block = 2.75 * f
        self.bottom_block = 2.9 * f
        self.gap = 3.4 * f
        self.left_param = 3.6 * f
        self.margin = 1.2 * f


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
        self.color = np.array(_rgb(color), dtype=np.float32)
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
    if snap.atoms_x.size:
        many = snap.atoms_x.size > MANY_ATOMS
        if not many:  # dozens of dashed stems would hide the moving ones: keep just their tops
            segs = [[(x, 0), (x, mm)] for x, mm in zip(snap.atoms_x, snap.atoms_m)]
            ax.add_collection(LineCollection(segs, colors=theme.ghost, linewidths=1.1, linestyles=(0, (3, 2.5)),
                                             zorder=1))
        ax.plot(snap.atoms_x, snap.atoms_m, ls="none", marker="o", mfc="none", mec=theme.ghost,
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


class FrameRenderer:
    """Draws the frames of a Layout at W x H pixels; ``frame(i)`` returns a zero-copy RGBA buffer."""

    title_size = 1.2

    def __init__(self, layout: Layout, width: int, height: int, theme: Theme, title: str | None = None):
        self.layout = layout
        self.theme = theme
        self.W, self.H = width, height
        n_metric = len(layout.paths)
        n_panels = n_metric + (1 if layout.param else 0)
        self.m = Metrics(width, height, n_panels, layout.param is not None)
        self.fig, self.canvas = exact_canvas(width, height, theme.bg)
        self.pt = PT
        self.animated: list = []
        self.texts: list[DynamicText] = []
        self._build(title if title is not None else layout.title)
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(self.fig.bbox)
        self.renderer = self.canvas.get_renderer()

    # -- geometry --------------------------------------------------------------------------------
    def _axes_rects(self, y_labels: bool = False) -> list[tuple[float, float, float, float]]:
        m, W, H = self.m, self.W, self.H
        n_metric = len(self.layout.paths)
        has_param = self.layout.param is not None
        bottom = m.bottom_block
        top = H - m.header - m.top_block
        height = top - bottom
        lefts = [m.left_param if y_labels else m.margin] * n_metric + ([m.left_param] if has_param else [])
        total_left = sum(lefts) + m.gap * (len(lefts) - 1) + m.margin
        width = (W - total_left) / len(lefts)
        rects, x = [], 0.0
        for i, left in enumerate(lefts):
            x += left if i == 0 else m.gap + left - m.margin
            rects.append((x / W, bottom / H, width / W, height / H))
            x += width
        return rects

    def _text(self, x, y, s, *, size=1.0, color=None, weight="normal", ha="left"):
        """Static text at figure fraction (x, baseline y)."""
        return self.fig.text(x, y, s, fontsize=self.m.font * size * self.pt, color=color or self.theme.fg,
                             fontweight=weight, ha=ha, va="baseline")

    def _fit(self, text, width_px: float) -> None:
        """Shrink a static label until it fits its panel (small renders), never below 8 px."""
        renderer = self.canvas.get_renderer()
        while text.get_window_extent(renderer).width > width_px and text.get_fontsize() > 8 * self.pt:
            text.set_fontsize(text.get_fontsize() * 0.93)

    def _dynamic(self, x, y, *, size=1.0, color=None, ha="left", family="DejaVu Sans"):
        """Per-frame text at figure fraction (x, baseline y)."""
        t = DynamicText(x * self.W, (1 - y) * self.H, self.m.font * size, color or self.theme.fg,
                        anchor="rs" if ha == "right" else "ls", family=family)
        self.texts.append(t)
        return t

    def _style_axes(self, ax, *, show_y: bool):
        style_axes(ax, self.theme, self.m.font, show_y=show_y)

    # -- construction ----------------------------------------------------------------------------
    def _header(self, title: str, x: float) -> None:
        """The headline at figure fraction x, and the per-frame "t = ..." at the right."""
        m = self.m
        base = 1 - (m.header * 0.72) / self.H
        self._text(x, base, title, size=self.title_size)
        self.t_text = self._dynamic(1 - m.margin / self.W, base, size=1.05, ha="right", color=self.theme.muted)

    def _metric_axes(self, i: int, rect, path, *, show_y: bool, nbins: int, corner_drop: float):
        """A metric panel's axes with its title, and its per-frame caption and corner label."""
        m, W, H = self.m, self.W, self.H
        color = self.theme.color(path.metric, i)
        ax = self.fig.add_axes(rect)
        self._style_axes(ax, show_y=show_y)
        ax.set_xlim(*self.layout.xlim)
        ax.set_ylim(*self.layout.ylim)
        ax.locator_params(axis="both" if show_y else "x", nbins=nbins)
        top_px = (rect[1] + rect[3]) * H
        label = self._text(rect[0], (top_px + 1.45 * m.font) / H, path.label, size=1.08, color=color, weight="bold")
        self._fit(label, rect[2] * W + 0.8 * m.gap)
        caption = self._dynamic(rect[0], (top_px + 0.45 * m.font) / H, size=0.88, color=self.theme.muted)
        caption.fit(_caption(1.0, path.length), rect[2] * W + 0.8 * m.gap)
        corner = self._dynamic(rect[0] + rect[2] - 0.25 * m.font / W, (top_px - corner_drop * m.font) / H, size=0.8,
                               ha="right", color=self.theme.muted, family="DejaVu Sans Mono")
        sampler = self.layout.samplers[i]
        corner.fit(max((sampler(t).label for t in (0.0, 0.5, 1.0)), key=len), 0.92 * rect[2] * W)
        return ax, color, caption, corner

    def _build(self, title: str) -> None:
        lay, th, m = self.layout, self.theme, self.m
        rects = self._axes_rects()
        self._header(title, rects[0][0])
        self.panels = []
        for i, (path, sampler) in enumerate(zip(lay.paths, lay.samplers)):
            ax, color, caption, corner = self._metric_axes(i, rects[i], path, show_y=False, nbins=5, corner_drop=0.95)
            ax.set_xlabel("x", labelpad=2)
            for end in (sampler(0.0), sampler(1.0)):
                self._draw_static_snapshot(ax, end)
            probes = [sampler(t) for t in (0.0, 0.5, 1.0)]
            has_curve = any(sn.curve_x.size for sn in probes)
            has_atoms = any(sn.atoms_x.size for sn in probes)
            fill = Polygon(np.zeros((2, 2)), closed=True, facecolor=color, alpha=th.fill_alpha, lw=0, animated=True)
            line = Line2D([], [], color=color, lw=2.2, animated=True, solid_joinstyle="round")
            stems = LineCollection([], colors=color, linewidths=2.6, animated=True)
            dots = Line2D([], [], ls="none", marker="o", ms=m.font * 0.5, color=color, mec=th.bg, mew=1.0,
                          animated=True, clip_on=False)
            ax.add_patch(fill)
            ax.add_line(line)
            ax.add_collection(stems)
            ax.add_line(dots)
            # only artists that can show something are drawn per frame
            self.animated.extend(([fill, line] if has_curve else []) + ([stems, dots] if has_atoms else []))
            self.panels.append(dict(ax=ax, path=path, sampler=sampler, fill=fill, line=line, stems=stems,
                                    dots=dots, caption=caption, corner=corner))
        self.param_markers = []
        if lay.param is not None:
            self._build_param(rects[-1])

    def _draw_static_snapshot(self, ax, snap: Snapshot) -> None:
        draw_ghost(ax, snap, self.theme, self.m.font)

    def _build_param(self, rect) -> None:
        lay, th, m = self.layout, self.theme, self.m
        ps = lay.param
        ax = self.fig.add_axes(rect)
        self._style_axes(ax, show_y=ps.kind == "normal")
        top_px = rect[1] * self.H + rect[3] * self.H
        self._text(rect[0], (top_px + 1.45 * m.font) / self.H, ps.title,
                   size=1.08, weight="bold")
        ax.set_xlim(*ps.xlim)
        ax.set_ylim(*ps.ylim)
        if ps.kind == "normal":
            ax.set_xlabel(ps.xlabel, labelpad=2)
            ax.set_ylabel(ps.ylabel, labelpad=3)
            ax.locator_params(axis="both", nbins=5)
            ax.grid(True, color=th.grid, lw=0.8, zorder=0)
        else:
            ax.axis("off")
            tri = np.array([[0, 0], [1, 0], [0.5, math.sqrt(3) / 2], [0, 0]])
            ax.plot(tri[:, 0], tri[:, 1], color=th.muted, lw=1.0)
            for (vx, vy), text, ha, va in zip(tri[:3], ps.vertex_labels, ("center", "center", "center"),
                                               ("top", "top", "bottom")):
                ax.text(vx, vy + (-0.035 if va == "top" else 0.035), text, ha=ha, va=va, color=th.fg,
                        fontsize=m.font * 0.82 * self.pt)
        n = len(ps.curves)
        for i, (xs, ys, dashed) in enumerate(ps.curves):
            color = th.color(lay.paths[i].metric, i)
            # earlier paths are drawn wider, so a later path along the same curve leaves them visible
            ax.plot(xs, ys, color=color, lw=(1.8 + 0.9 * (n - 1 - i)) * m.font / 14, ls=(0, (4, 2.5)) if dashed else "-",
                    zorder=2, solid_capstyle="round")
        left_out = [lay.paths[i].title for i, (xs, _, _) in enumerate(ps.curves) if np.isnan(xs).any()]
        if left_out:
            # the triangle leaves the upper-left corner empty: the note goes there, inside the panel
            ax.text(0.0, 0.84, f"{' and '.join(left_out)}\nmoves mass off\nthe simplex",
                    transform=ax.transAxes, ha="left", va="top", color=th.muted, fontsize=m.font * 0.74 * self.pt)
        ends = [ps.coords(lay.paths[0].start), ps.coords(lay.paths[0].end)]
        ax.plot([e[0] for e in ends], [e[1] for e in ends], ls="none", marker="s", ms=m.font * 0.42,
                color=th.muted, zorder=3)
        for i, path in enumerate(lay.paths):
            color = th.color(path.metric, i)
            mk = Line2D([], [], ls="none", marker="o", ms=m.font * 0.62, color=color, mec=th.bg, mew=1.4,
                        animated=True, zorder=4)
            ax.add_line(mk)
            self.animated.append(mk)
            self.param_markers.append(mk)

    # -- per frame -------------------------------------------------------------------------------
    def update(self, t: float) -> None:
        snaps = []
        for panel in self.panels:
            snap = panel["sampler"](t)
            snaps.append(snap)
            path = panel["path"]
            if snap.curve_x.size:
                xy = np.column_stack([snap.curve_x, snap.curve_y])
                panel["fill"].set_xy(xy)
                panel["line"].set_data(snap.curve_x[1:-1], snap.curve_y[1:-1])
            else:
                panel["fill"].set_xy(np.zeros((2, 2)))
                panel["line"].set_data([], [])
            if snap.atoms_x.size:
                segs = np.zeros((snap.atoms_x.size, 2, 2))
                segs[:, :, 0] = snap.atoms_x[:, None]
                segs[:, 1, 1] = snap.atoms_m
                panel["stems"].set_segments(segs)
                many = snap.atoms_x.size > MANY_ATOMS
                panel["stems"].set_linewidth(1.6 if many else 2.6)
                panel["dots"].set_data(([], []) if many else (snap.atoms_x, snap.atoms_m))
            else:
                panel["stems"].set_segments([])
                panel["dots"].set_data([], [])
            panel["caption"].text = _caption(t, path.length)
            panel["corner"].text = snap.label
        self.t_text.text = f"t = {t:.2f}"
        ps = self.layout.param
        for mk, snap in zip(self.param_markers, snaps):
            x, y = ps.coords(snap.dist)  # the panel's own point at t: the path is evaluated once per frame
            mk.set_data([x], [y])

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


def _caption(t: float, length: float) -> str:
    if math.isinf(length):
        return "distance \u221e: no finite second moment"
    return f"travelled {num(t * length)} of {num(length)}"


def render_strip(layout: Layout, out, *, k: int, size: tuple[int, int] | None, theme: Theme) -> None:
    """A static filmstrip for papers: one row per metric, k snapshots from t=0 to t=1."""
    rows = len(layout.paths)
    width, height = size or (max(900, 200 * k + 190), 70 + 175 * rows)
    m = Metrics(width, height, k + 1, False)
    m.font = float(np.clip(min(height / rows * 0.085, width / (k + 1) * 0.075), 10.5, 20.0))
    pt = PT
    fig, _ = exact_canvas(width, height, theme.bg)
    label_w = 0.0
    left = (m.font * 9.5) / width
    top = 1 - (m.font * 4.4) / height
    bottom = (m.font * 2.3) / height
    gap_x, gap_y = (m.font * 0.9) / width, (m.font * 1.0) / height
    cell_w = (1 - left - (m.font * 0.8) / width - gap_x * (k - 1)) / k
    cell_h = (top - bottom - gap_y * (rows - 1)) / rows
    ts = np.linspace(0.0, 1.0, k)
    fig.text(left, 1 - (m.font * 1.3) / height, layout.title, fontsize=m.font * 1.15 * pt, color=theme.fg, va="center")
    for r, (path, sampler) in enumerate(zip(layout.paths, layout.samplers)):
        color = theme.color(path.metric, r)
        y0 = top - (r + 1) * cell_h - r * gap_y
        fig.text(label_w + (m.font * 0.6) / width, y0 + cell_h * 0.62, path.label.replace(" on ", "\non "),
                 fontsize=m.font * 0.95 * pt, color=color, fontweight="bold", va="center")
        fig.text(label_w + (m.font * 0.6) / width, y0 + cell_h * 0.22, f"length {num(path.length)}",
                 fontsize=m.font * 0.82 * pt, color=theme.muted, va="center")
        for c, t in enumerate(ts):
            ax = fig.add_axes((left + c * (cell_w + gap_x), y0, cell_w, cell_h))
            style_axes(ax, theme, m.font, show_y=False)
            ax.set_xlim(*layout.xlim)
            ax.set_ylim(*layout.ylim)
            ax.locator_params(axis="x", nbins=4)
            if r < rows - 1:
                ax.set_xticklabels([])
            if r == 0:
                ax.set_title(f"t = {t:g}", fontsize=m.font * 0.95 * pt, color=theme.fg, pad=m.font * 0.4 * pt)
            draw_ghost(ax, sampler(0.0), theme, m.font)
            draw_ghost(ax, sampler(1.0), theme, m.font)
            snap = sampler(float(t))
            if snap.curve_x.size:
                ax.add_patch(Polygon(np.column_stack([snap.curve_x, snap.curve_y]), closed=True, facecolor=color,
                                     alpha=theme.fill_alpha, lw=0))
                ax.plot(snap.curve_x[1:-1], snap.curve_y[1:-1], color=color, lw=1.8)
            if snap.atoms_x.size:
                ax.add_collection(LineCollection([[(x, 0), (x, mm)] for x, mm in zip(snap.atoms_x, snap.atoms_m)],
                                                 colors=color, linewidths=2.2))
                ax.plot(snap.atoms_x, snap.atoms_m, ls="none", marker="o", ms=m.font * 0.4, color=color, clip_on=False)
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
    for i, (metric, d) in enumerate(data.distances.items()):
        color = theme.color(metric, i)
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


DENSITY_LEVELS = 8


def equal_aspect(xlim, ylim, aspect: float):
    """Widen x or y limits (about their centres) so one data unit has the same length on both axes."""
    (x0, x1), (y0, y1) = xlim, ylim
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        c, w = 0.5 * (x0 + x1), h * aspect
        return (c - w / 2, c + w / 2), ylim
    c, h = 0.5 * (y0 + y1), w / aspect
    return xlim, (c - h / 2, c + h / 2)


class PlaneRenderer(FrameRenderer):
    """Frames for distributions in the plane: density images in each metric's colour, particles
    sized by mass, 1- and 2-sigma ellipses for normals; the (mean, covariance) panel on the right."""

    title_size = 1.05  # planar titles carry covariance matrices: a little smaller

    def __init__(self, layout, width: int, height: int, theme: Theme, title: str | None = None, trails: bool = False):
        self.trails = trails
        super().__init__(layout, width, height, theme, title)

    def _draw_trails(self, ax, path, color) -> None:
        """Each coupled pair's straight line, faint: the transport plan that the particles follow."""
        if path.metric != "wasserstein":  # only transport moves points along lines
            return
        first, last = path.point(0.0), path.point(1.0)  # the coupling's own order, not the endpoints
        if not (isinstance(first, Points2D) and isinstance(last, Points2D)):
            return
        a, b = np.array(first.locations), np.array(last.locations)
        if a.shape != b.shape:
            return
        ax.add_collection(LineCollection(np.stack([a, b], axis=1), colors=color, linewidths=0.7, alpha=0.3, zorder=1))

    def _build(self, title: str) -> None:
        from matplotlib.colors import LinearSegmentedColormap

        lay, th, m = self.layout, self.theme, self.m
        rects = self._axes_rects(y_labels=True)
        H, W = self.H, self.W
        # one scale on both axes, so circles stay circles: widen the narrower range to the panel's shape
        aspect = (rects[0][2] * W) / (rects[0][3] * H)
        lay.xlim, lay.ylim = equal_aspect(lay.xlim, lay.ylim, aspect)
        lay.samplers = [type(s)(s.path, lay.xlim, lay.ylim) for s in lay.samplers]
        if lay.param is not None:
            lay.param.xlim, lay.param.ylim = equal_aspect(lay.param.xlim, lay.param.ylim, aspect)
        self._header(title, m.margin / W)
        self.panels = []
        for i, (path, sampler) in enumerate(zip(lay.paths, lay.samplers)):
            ax, color, caption, corner = self._metric_axes(i, rects[i], path, show_y=True, nbins=4, corner_drop=1.1)
            if self.trails:
                self._draw_trails(ax, path, color)
            for end in (sampler(0.0), sampler(1.0)):  # faint ghosts of both endpoints
                for e in end.ellipses:
                    ax.plot(e[:, 0], e[:, 1], color=th.ghost, lw=1.0, ls=(0, (3, 2.5)), zorder=1)
                if end.atoms.size:
                    ax.scatter(end.atoms[:, 0], end.atoms[:, 1], s=self._sizes(end.masses, len(end.masses)) * 0.6,
                               facecolors="none", edgecolors=th.ghost, linewidths=0.6, zorder=1)
            # transparent at zero density (the ghosts stay visible), opaque colour at the top; the
            # density is drawn in DENSITY_LEVELS flat bands: iso-density contours that GIFs compress well
            rgb = matplotlib.colors.to_rgb(color)
            cmap = LinearSegmentedColormap.from_list(f"geoanim-{i}", [(*rgb, 0.0), (*rgb, 0.85)])
            image = ax.imshow(np.zeros((2, 2)), extent=(*lay.xlim, *lay.ylim), origin="lower", cmap=cmap, vmin=0.0,
                              vmax=1.0, interpolation="nearest", aspect="auto", animated=True, zorder=0)
            lines = [Line2D([], [], color=color, lw=lw, animated=True, zorder=3) for lw in (1.8, 1.0)]
            for ln in lines:
                ax.add_line(ln)
            dots = ax.scatter(np.zeros(0), np.zeros(0), s=np.zeros(0), color=color, edgecolors=th.bg,
                              linewidths=0.4, animated=True, zorder=4)
            probes = [sampler(t) for t in (0.0, 0.5, 1.0)]
            n0 = max(len(pr.masses) for pr in probes) or 1
            has_density = any(pr.density is not None for pr in probes)
            has_atoms = any(pr.atoms.size for pr in probes)
            has_ellipse = any(pr.ellipses for pr in probes)
            self.animated.extend(([image] if has_density else []) + (lines if has_ellipse else [])
                                 + ([dots] if has_atoms else []))
            self.panels.append(dict(ax=ax, path=path, sampler=sampler, image=image, lines=lines, dots=dots,
                                    caption=caption, corner=corner, n0=n0))
        self.param_markers = []
        if lay.param is not None:
            self._build_plane_param(rects[-1])

    def _sizes(self, masses: np.ndarray, n0: int) -> np.ndarray:
        # marker area proportional to mass; a uniform cloud of n0 points gets the base size
        base = (self.m.font * 0.42) ** 2 * max(0.25, min(4.0, 60.0 / max(n0, 1)))
        return base * masses * n0

    def _build_plane_param(self, rect) -> None:
        lay, th, m = self.layout, self.theme, self.m
        ps = lay.param
        ax = self.fig.add_axes(rect)
        self._style_axes(ax, show_y=True)
        top_px = rect[1] * self.H + rect[3] * self.H
        self._text(rect[0], (top_px + 1.45 * m.font) / self.H, "mean and 1\u03c3 ellipses", size=1.08, weight="bold")
        ax.set_xlim(*ps.xlim)
        ax.set_ylim(*ps.ylim)
        ax.locator_params(axis="both", nbins=4)
        ax.grid(True, color=th.grid, lw=0.8, zorder=0)
        for i, path in enumerate(lay.paths):
            color = th.color(path.metric, i)
            c = ps.curves[i]
            ax.plot(c[:, 0], c[:, 1], color=color, lw=2.0, zorder=2)
            for e in ps.ellipses[i]:
                ax.plot(e[:, 0], e[:, 1], color=color, lw=0.9, alpha=0.45, zorder=2)
            ell = Line2D([], [], color=color, lw=2.0, animated=True, zorder=4)
            mk = Line2D([], [], ls="none", marker="o", ms=m.font * 0.55, color=color, mec=th.bg, mew=1.2,
                        animated=True, zorder=5)
            ax.add_line(ell)
            ax.add_line(mk)
            self.animated.extend([ell, mk])
            self.param_markers.append((i, ell, mk))

    def update(self, t: float) -> None:
        snaps = []
        for panel in self.panels:
            snap = panel["sampler"](t)
            snaps.append(snap)
            if snap.density is not None:
                levels = np.floor(np.clip(snap.density / self.layout.vmax, 0, 1) * DENSITY_LEVELS) / DENSITY_LEVELS
                panel["image"].set_data(levels)
            else:
                panel["image"].set_data(np.zeros((2, 2)))
            for ln, e in zip(panel["lines"], snap.ellipses or ((), ())):
                if len(e):
                    ln.set_data(e[:, 0], e[:, 1])
                else:
                    ln.set_data([], [])
            if snap.atoms.size:
                panel["dots"].set_offsets(snap.atoms)
                panel["dots"].set_sizes(self._sizes(snap.masses, panel["n0"]))
            else:
                panel["dots"].set_offsets(np.zeros((0, 2)))
            panel["caption"].text = _caption(t, panel["path"].length)
            panel["corner"].text = snap.label
        self.t_text.text = f"t = {t:.2f}"
        for i, ell, mk in self.param_markers:
            d = snaps[i].dist  # the panel's own point at t: no second evaluation of the path
            if isinstance(d, MVNormal):
                e = snaps[i].ellipses[0]  # the 1-sigma outline the panel already drew
                ell.set_data(e[:, 0], e[:, 1])
                mk.set_data([d.mean[0]], [d.mean[1]])
            else:
                ell.set_data([], [])
                mk.set_data([], [])

