"""Render geodesics as side-by-side animations (GIF, MP4, WebP) or a PNG filmstrip.

    >>> import geoanim
    >>> p, q = geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)")
    >>> paths = [geoanim.geodesic(p, q, m) for m in ("fisher", "wasserstein")]
    >>> anim = geoanim.render(paths, "outputs/flagship.gif")   # in Jupyter, `anim` shows itself
"""

from __future__ import annotations

import base64
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Sequence

from ..errors import ValidationError
from ..paths.base import Path

MIN_PANEL_WIDTH = 150  # pixels: below this, panel titles and captions cannot stay legible
DEFAULTS = dict(duration=4.0, fps=20.0, theme="light", easing="smooth", hold=0.6, bounce=False, strip=5)


@dataclass
class Animation:
    """A rendered file; shows itself inline in Jupyter."""

    path: FsPath
    format: str
    frames: int
    fps: float
    width: int
    height: int
    seconds: float = field(default=0.0)

    @property
    def size_bytes(self) -> int:
        return self.path.stat().st_size

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.path.read_bytes()).decode()
        if self.format == ".mp4":
            return (f'<video width="{self.width}" controls autoplay loop muted playsinline>'
                    f'<source src="data:video/mp4;base64,{data}" type="video/mp4"></video>')
        mime = {".gif": "image/gif", ".webp": "image/webp", ".png": "image/png"}[self.format]
        return f'<img src="data:{mime};base64,{data}" width="{self.width}" alt="geoanim render"/>'

    def __repr__(self) -> str:
        return (f"Animation({str(self.path)!r}, {self.width}x{self.height}, {self.frames} frames"
                f" at {self.fps:g} fps, {self.size_bytes / 1024:.0f} KiB)")


def default_size(n_panels: int, planar: bool = False) -> tuple[int, int]:
    if planar:
        return (max(480, 340 * n_panels), 420)
    return (960, 400) if n_panels == 3 else (max(480, 330 * n_panels), 400)


def parse_size(text: str) -> tuple[int, int]:
    """'960x400' -> (960, 400), with a one-line error otherwise."""
    try:
        w, h = (int(v) for v in str(text).lower().replace("\u00d7", "x").split("x"))
    except ValueError:
        raise ValidationError(f"render: `size` must look like 960x400 (got {text!r})", param="size") from None
    if not (160 <= w <= 7680 and 120 <= h <= 4320):
        raise ValidationError(f"render: `size` must be between 160x120 and 7680x4320 pixels (got {text})", param="size")
    return w, h


RANGES = {"fps": (1, 120), "duration": (0.1, 600), "frames": (2, 100_000), "hold": (0, 60), "strip": (2, 12)}


def check_option(name: str, value: float) -> float:
    """A numeric render option within its range, or a one-line ValidationError."""
    return _check(name, value, *RANGES[name])


def check_width(width: int, height: int, n_panels: int) -> None:
    if width < MIN_PANEL_WIDTH * n_panels:
        raise ValidationError(f"render: {width}x{height} is too narrow for {n_panels} panels (at least "
                              f"{MIN_PANEL_WIDTH * n_panels} pixels wide; or drop a metric or --no-param-space)",
                              param="size")


def _check(name: str, value: float, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"render: `{name}` must be a number (got {value!r})", param=name) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValidationError(f"render: `{name}` must be between {lo:g} and {hi:g} (got {value})", param=name)
    return v


def render(paths: Path | Sequence[Path], out: str | os.PathLike | None = None, *, frames: int | None = None,
           duration: float | None = None, fps: float | None = None, size: tuple[int, int] | str | None = None,
           theme: str = "light", easing: str = "smooth", hold: float | None = None, bounce: bool = False,
           title: str | None = None, param_space: bool | None = None, strip: int = 5, trails: bool = False,
           progress: bool = False) -> Animation:
    """Render one panel per path, side by side, to ``out`` (.gif, .mp4, .webp or .png filmstrip).

    Args:
        paths: geodesics from :func:`geoanim.geodesic`, all between the same endpoints.
        out: output file; None renders a GIF to a temporary file (handy in notebooks).
        frames / duration: transition frames, or its length in seconds at ``fps`` (default 4 s).
        fps: frames per second (default 20; at most 50 for GIF).
        size: (width, height) in pixels or "WxH"; default 960x400 for three panels.
        theme: "light" or "dark". easing: "linear" or "smooth".
        hold: seconds to pause on each endpoint (default 0.6). bounce: play back to the start.
        title: headline; default "start -> end". param_space: force the parameter panel on/off.
        strip: snapshots per metric in a PNG filmstrip.
        trails: in the plane, draw each transported point's straight line faintly (W2 between clouds).
        progress: show a progress bar on stderr.
    """
    from . import easing as easing_mod
    from . import encode, layout

    paths = [paths] if isinstance(paths, Path) else list(paths)
    if not paths or not all(isinstance(p, Path) for p in paths):
        raise ValidationError("render: `paths` must be geodesics from geoanim.geodesic()")
    if out is None:
        out = FsPath(tempfile.mkdtemp(prefix="geoanim-")) / "animation.gif"
    out = FsPath(out)
    fmt = encode.output_format(out)
    encode.check_writable(out)
    fps = check_option("fps", DEFAULTS["fps"] if fps is None else fps)
    if fmt == ".gif":
        encode.gif_delay_check(fps)
    if frames is not None and duration is not None:
        raise ValidationError("render: give `frames` or `duration`, not both")
    if frames is None:
        duration = check_option("duration", DEFAULTS["duration"] if duration is None else duration)
        frames = max(2, int(round(duration * fps)))
    else:
        frames = int(check_option("frames", frames))
    hold = check_option("hold", DEFAULTS["hold"] if hold is None else hold)
    if theme not in ("light", "dark"):
        raise ValidationError(f"render: `theme` must be light or dark (got {theme!r})", param="theme")
    ease = easing_mod.get(easing)
    if paths[0].start.dim > 2:
        raise ValidationError(f"render: can draw distributions on the line or in the plane, not in "
                              f"{paths[0].start.dim} dimensions (distance and path work in any dimension)")
    for p in paths[1:]:
        if (p.start, p.end) != (paths[0].start, paths[0].end):
            raise ValidationError("render: all paths must join the same two distributions")

    times = layout.timeline(frames, fps=fps, hold=hold, bounce=bounce, easing=ease)
    planar = layout.is_planar(paths)
    if planar:
        plan = layout.plan_plane(paths, times, param=param_space, title=title)
    else:
        plan = layout.plan(paths, times, param=param_space, title=title)
    n_panels = len(paths) + (1 if plan.param else 0)
    if size is None:
        width, height = default_size(n_panels, planar)
    else:
        width, height = parse_size(size) if isinstance(size, str) else parse_size(f"{size[0]}x{size[1]}")
        if fmt != ".png":
            check_width(width, height, n_panels)

    from .artists import THEMES, FrameRenderer, PlaneRenderer, _rgb, render_strip

    th = THEMES[theme]
    start = time.perf_counter()
    if fmt == ".png" and planar:
        raise ValidationError("render: PNG filmstrips are one-dimensional only; render 2-D paths as .gif, .mp4 or .webp")
    if fmt == ".png":
        render_strip(plan, out, k=int(check_option("strip", strip)), size=size and (width, height), theme=th)
        return Animation(out, fmt, 1, 0.0, *_png_size(out), seconds=time.perf_counter() - start)

    fr = PlaneRenderer(plan, width, height, th, trails=trails) if planar else FrameRenderer(plan, width, height, th)
    spec = encode.VideoSpec(width, height, fps, _rgb(th.bg), (_rgb(th.fg), _rgb(th.muted)))
    passes = 2 if fmt == ".gif" else 1
    bar = _progress(len(times) * passes) if progress else None
    try:
        n = encode.write_video(out, spec, lambda: (fr.frame(float(t)) for t in times),
                               on_frame=bar.advance if bar else None)
    finally:
        fr.close()
        if bar:
            bar.close()
    w2, h2 = (width + width % 2, height + height % 2) if fmt == ".mp4" else (width, height)
    return Animation(out, fmt, n, fps, w2, h2, seconds=time.perf_counter() - start)


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


__all__ = ["render", "Animation", "parse_size", "default_size"]
