"""Render geodesics as side-by-side animations (GIF, MP4, WebP), a PNG filmstrip or an HTML player.

    >>> import geoanim
    >>> p, q = geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)")
    >>> paths = [geoanim.geodesic(p, q, m) for m in ("fisher", "wasserstein")]
    >>> anim = geoanim.render(paths, "outputs/flagship.gif")   # in Jupyter, `anim` shows itself
"""

from __future__ import annotations

import base64
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath

from ..errors import EncodeError, ValidationError
from ..options import DEFAULTS, RenderOptions, check_width, parse_size
from ..paths.base import Path

_shown = itertools.count(1)  # players shown inline: each gets its own id


@dataclass
class Animation:
    """A rendered file; shows itself inline in Jupyter."""

    path: FsPath
    format: str
    frames: int  # in the file: a GIF or WebP stores each hold as one frame, an MP4 repeats it; a player has
    # the transition's frames (t increasing; it holds and bounces them itself)
    fps: float
    width: int
    height: int
    seconds: float = field(default=0.0)
    strip: int = 0  # a PNG filmstrip: its snapshots per metric (it has one frame and no frame rate)

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def _repr_html_(self) -> str:
        if self.format == ".html":  # the player's fragment, under an id of its own
            from .player import extract_fragment

            frag = extract_fragment(self.path.read_text(encoding="utf-8"))
            return frag.replace('id="geoanim-', f'id="geoanim-{next(_shown)}-', 1)
        data = base64.b64encode(self.path.read_bytes()).decode()
        if self.format == ".mp4":
            return (f'<video width="{self.width}" controls autoplay loop muted playsinline>'
                    f'<source src="data:video/mp4;base64,{data}" type="video/mp4"></video>')
        mime = {".gif": "image/gif", ".webp": "image/webp", ".png": "image/png"}[self.format]
        return f'<img src="data:{mime};base64,{data}" width="{self.width}" alt="geoanim render"/>'

    @property
    def summary(self) -> str:
        """What the file holds: "120 frames at 20 fps", or for a PNG "filmstrip, 5 snapshots per metric"."""
        if self.format == ".png":
            return f"filmstrip, {self.strip} snapshots per metric"
        frames = f"{self.frames} frame{'s' * (self.frames != 1)} at {self.fps:g} fps"
        return "player, " + frames if self.format == ".html" else frames

    def __repr__(self) -> str:
        return (f"Animation({str(self.path)!r}, {self.width}x{self.height}, {self.summary}, "
                f"{self.size_bytes / 1024:.0f} KiB)")


_D = DEFAULTS


def render(paths: Path | Sequence[Path], out: str | os.PathLike | None = None, *,
           frames: int | None = _D.frames, duration: float | None = _D.duration, fps: float = _D.fps,
           size: tuple[int, int] | str | None = _D.size, theme: str = _D.theme, easing: str = _D.easing,
           hold: float = _D.hold, bounce: bool = _D.bounce, title: str | None = _D.title,
           param_space: bool | None = _D.param_space, strip: int = _D.strip, trails: bool = _D.trails,
           ylim: str | float = _D.ylim, font_scale: float = _D.font_scale, palette: str = _D.palette,
           caption: str | None = _D.caption, scale: float = _D.scale, colors: int = _D.colors,
           transparent: bool = _D.transparent, embed_snippet: bool = _D.embed_snippet,
           progress: bool = False) -> Animation:
    """Render one panel per path, side by side, to ``out`` (.gif, .mp4, .webp, .png filmstrip or .html player).

    Args:
        paths: geodesics from :func:`geoanim.geodesic`, all between the same endpoints.
        out: output file; None renders the HTML player to a temporary file (in a notebook, the returned
            Animation shows it: a slider to scrub, play/pause, keys to step frame by frame).
        frames: transition frames from t = 0 to t = 1 (give this or ``duration``).
        duration: length of the transition in seconds at ``fps`` (default 4 s).
        fps: frames per second (at most 50 for GIF, whose delays are whole centiseconds).
        size: (width, height) in pixels or "WxH"; default 960x400 for three panels.
        theme: "light" or "dark".
        easing: "linear" or "smooth" (zero velocity at both ends).
        hold: seconds to pause on each endpoint.
        bounce: play back to the start, for a seamless loop.
        title: headline; default "start -> end".
        param_space: force the parameter-space panel on or off (default: where the endpoints have one).
        strip: snapshots per metric in a PNG filmstrip.
        trails: in the plane, draw each transported point's straight line faintly (W2 between clouds).
        ylim: the y-axis top on the line: "auto" (spikes above the bulk of the frames are cut, and marked
            with a triangle and their height), "peak" (nothing cut) or a number.
        font_scale: text size relative to the default for the frame size (1.4 for a render shown at 70%).
        palette: "metrics" (each metric its own colour, re-picked where two panels would look alike to
            a colour-blind reader), "okabe-ito", "tol", or "#RRGGBB,#RRGGBB,..." in panel order.
        caption: a line of text drawn under the panels (wrapped to the frame's width).
        scale: multiply the frame size (``size`` or the default) by this, text and all (0.5: a preview).
        colors: GIF and HTML palette size, 8 to 256 (the transparent entry included): fewer colours, smaller file.
        transparent: a see-through background: real alpha in WebP and PNG; in GIF, one palette entry for
            the pixels nothing was drawn on (soft edges are made opaque over the theme's page colour).
            MP4 has no alpha (EncodeError). In HTML, real alpha.
        embed_snippet: with an .html ``out``, write only the player's ``<div>`` and ``<script>`` (no page
            around them), to paste into an existing page; any number of players can share a page.
        progress: show a progress bar on stderr (when it is a terminal).

    Returns:
        The written :class:`Animation` (path, format, frame count, fps, size, seconds taken).

    Raises:
        ValidationError: an option out of range, paths that do not share endpoints, ...
        EncodeError: an unsupported format, a path that cannot be written, a transparent MP4.
    """
    given = locals()  # every option is a parameter of the same name
    options = RenderOptions(**{name: given[name] for name in RenderOptions.names()})
    return render_with(paths, out, options, progress=progress)


def render_with(paths: Path | Sequence[Path], out: str | os.PathLike | None, options: RenderOptions, *,
                progress: bool = False, merge_holds: bool = True) -> Animation:
    """:func:`render` with an already validated :class:`~geoanim.options.RenderOptions`.

    ``merge_holds=False`` encodes every timeline frame, equal neighbours too, at a constant rate (the
    behaviour before holds became one long frame; bench/gif_size.py compares the two).
    """
    from . import easing as easing_mod
    from . import encode, layout

    paths = layout.check_paths([paths] if isinstance(paths, Path) else list(paths))
    if out is None:
        out = FsPath(tempfile.mkdtemp(prefix="geoanim-")) / "animation.html"
    out = FsPath(out)
    fmt = encode.output_format(out)
    if options.transparent and fmt == ".mp4":
        raise EncodeError(encode.NO_MP4_ALPHA)
    if options.embed_snippet and fmt != ".html":
        raise ValidationError(f"render: `embed_snippet` writes an HTML fragment: give an .html output (got {out.name})",
                              param="embed_snippet")
    encode.check_writable(out)
    if fmt == ".gif":
        encode.gif_delay_check(options.fps)
    # the player bounces by itself: its frames go one way, t increasing
    times = layout.timeline(options.transition_frames, fps=options.fps, hold=options.hold,
                            bounce=options.bounce and fmt != ".html", easing=easing_mod.get(options.easing))
    if options.size is not None and fmt != ".png":
        check_width(*options.size, panel_count(paths, options.param_space))
    plan = layout.plan(paths, times, size=options.size, theme=options.theme, param=options.param_space,
                       title=options.title, trails=options.trails, ylim=options.ylim, font_scale=options.font_scale,
                       palette=options.palette, caption=options.caption, scale=options.scale,
                       transparent=options.transparent)

    if fmt == ".html":
        from .player import check_size

        check_size(plan.width, plan.height)
    from .artists import FrameRenderer, render_strip

    start = time.perf_counter()
    if fmt == ".png":
        strip = layout.strip(plan, options.strip, options.size)
        render_strip(strip, out)
        return Animation(out, fmt, 1, 0.0, *_png_size(out), seconds=time.perf_counter() - start, strip=options.strip)

    fr = FrameRenderer(plan)
    th = plan.theme
    if fmt == ".html":
        return _write_player(out, plan, fr, options, progress=progress, start=start)
    spec = encode.VideoSpec(plan.width, plan.height, options.fps, layout.rgb(th.bg),
                            (layout.rgb(th.fg), layout.rgb(th.muted)), colors=options.colors,
                            transparent=options.transparent)
    # a hold is one frame drawn once: GIF and WebP store it with a long delay, MP4 repeats it
    ts, repeats = layout.runs(times) if merge_holds else (times, None)
    passes = 2 if fmt == ".gif" else 1
    bar = _progress(len(ts) * passes) if progress else None
    try:
        n = encode.write_video(out, spec, lambda: (fr.frame(float(t)) for t in ts),
                               on_frame=bar.advance if bar else None,
                               repeats=None if repeats is None else [int(k) for k in repeats])
    finally:
        fr.close()
        if bar:
            bar.close()
    w, h = plan.width, plan.height
    w2, h2 = (w + w % 2, h + h % 2) if fmt == ".mp4" else (w, h)
    return Animation(out, fmt, n, options.fps, w2, h2, seconds=time.perf_counter() - start)


def _write_player(out: FsPath, plan, fr, options: RenderOptions, *, progress: bool, start: float) -> Animation:
    """The HTML player (a page, or the fragment alone with ``embed_snippet``), written atomically."""
    from . import encode, layout, player
    from .artists import caption, t_label

    ts, repeats = layout.runs(plan.times)  # a hold is the end frame's longer duration, as in GIF
    panels = plan.panels
    readouts = player.Readouts(t=[t_label(float(t)) for t in ts], names=[p.title for p in panels],
                               colors=[p.color for p in panels],
                               texts=[[caption(float(t), p.path) for t in ts] for p in panels])
    th = plan.theme
    theme = {"bg": "transparent" if options.transparent else th.bg, "fg": th.fg, "muted": th.muted,
             "focus": panels[0].color}
    bar = _progress(len(ts)) if progress else None

    def frames():
        for t in ts:
            yield fr.frame(float(t))
            if bar:
                bar.advance()

    try:
        text = player.build(frames, width=plan.width, height=plan.height, times=ts, durations=repeats / options.fps,
                            readouts=readouts, title=plan.title, mode="bounce" if options.bounce else "loop",
                            theme=theme, colors=options.colors, snap=(layout.rgb(th.bg), layout.rgb(th.fg),
                                                                      layout.rgb(th.muted)),
                            transparent=options.transparent, snippet=options.embed_snippet)
    finally:
        fr.close()
        if bar:
            bar.close()
    with encode.AtomicOutput(out, ".html") as target:
        try:
            target.tmp.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise EncodeError(f"cannot write {out}: {exc.strerror or exc}") from None
    return Animation(out, ".html", len(ts), options.fps, plan.width, plan.height,
                     seconds=time.perf_counter() - start)


def panel_count(paths: Sequence[Path], param_space: bool | None) -> int:
    """Metric panels plus the parameter-space panel where there will be one."""
    from .layout import wants_param

    return len(paths) + wants_param(paths, param_space)


def _png_size(path: FsPath) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as im:
        return im.size


class _progress:
    """A rich progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, total: int):
        self.bar = None
        if not sys.stderr.isatty():
            return
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("rendering"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                            TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self.bar.start()
        self.task = self.bar.add_task("render", total=total)

    def advance(self) -> None:
        if self.bar:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


__all__ = ["Animation", "RenderOptions", "panel_count", "parse_size", "render", "render_with"]
