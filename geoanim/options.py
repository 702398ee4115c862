"""One validated set of render options, shared by ``geoanim.render()``, preset files and the command line.

Each option is declared once, here, with its default, its range or choices and a line of help; the
function signature, the CLI's defaults and help, and the preset checks all read these declarations.
This module is light (no numpy), so the command line can read the help texts at start-up.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from .errors import ValidationError

MIN_PANEL_WIDTH = 150  # pixels: below this, panel titles and captions cannot stay legible
DEFAULT_DURATION = 4.0  # seconds, when neither frames nor duration is given
DEFAULT_METRICS = ("fisher", "wasserstein")  # the panels of a render, a sweep or a preset job that names none
EASINGS = ("linear", "smooth")
THEMES = ("light", "dark")

_META = "geoanim.option"


def _option(default: Any, help: str, *, types: tuple[type, ...], range: tuple[float, float] | None = None,
            choices: tuple[str, ...] | None = None) -> Any:
    return dataclasses.field(default=default, metadata={_META: {"help": help, "types": types, "range": range,
                                                                "choices": choices}})


@dataclass(frozen=True)
class RenderOptions:
    """How a render looks and moves (everything but the paths and the output file).

    Construction validates every option and normalises ``size`` to a (width, height) pair; an
    invalid value raises ValidationError naming the option (``param``) in one sentence.
    """

    frames: int | None = _option(None, "frames from start to end (excluding holds)", types=(int,), range=(2, 100_000))
    duration: float | None = _option(None, f"seconds from start to end (default {DEFAULT_DURATION:g})",
                                     types=(int, float), range=(0.1, 600))
    fps: float = _option(20.0, "frames per second (at most 50 for GIF)", types=(int, float), range=(1, 120))
    size: Any = _option(None, "WxH in pixels (default 960x400 for three panels)", types=(str,))
    theme: str = _option("light", "light or dark", types=(str,), choices=THEMES)
    easing: str = _option("smooth", "linear or smooth", types=(str,), choices=EASINGS)
    hold: float = _option(0.6, "seconds to pause on each endpoint", types=(int, float), range=(0, 60))
    bounce: bool = _option(False, "play forward then back: a seamless loop", types=(bool,))
    title: str | None = _option(None, "headline (default: start -> end)", types=(str,))
    param_space: bool | None = _option(None, "parameter-space panel (default: on where the endpoints have one: "
                                             "normals, 3-category categoricals)", types=(bool,))
    strip: int = _option(5, "snapshots per metric in a .png filmstrip", types=(int,), range=(2, 12))
    trails: bool = _option(False, "in the plane: draw each transported point's line faintly", types=(bool,))
    ylim: Any = _option("auto", "y-axis top on the line: auto (spikes above the bulk of the frames are cut and "
                                "marked), peak (fit the highest frame) or a number", types=(str, int, float))
    font_scale: float = _option(1.0, "text size relative to the default for the frame size (e.g. 1.4 for a GIF "
                                     "shown at 70% of its width)", types=(int, float), range=(0.5, 3.0))
    palette: str = _option("metrics", "panel colours: metrics (each metric its own), okabe-ito, tol, or "
                                      "comma-separated #RRGGBB in panel order", types=(str,))
    caption: str | None = _option(None, "a line of text drawn under the panels", types=(str,))
    scale: float = _option(1.0, "multiply the frame size (given or default) by this, text and all: 0.5 for quick "
                                "previews of any preset", types=(int, float), range=(0.25, 4.0))
    colors: int = _option(128, "GIF and HTML palette size (8 to 256): fewer colours, smaller file", types=(int,),
                          range=(8, 256))
    transparent: bool = _option(False, "transparent background (GIF, WebP, PNG, HTML)", types=(bool,))
    embed_snippet: bool = _option(False, "with an .html output: write only the player's <div> and <script>, to "
                                         "paste into a page (any number of players per page)", types=(bool,))

    def __post_init__(self) -> None:
        for f in fields(self):
            meta = f.metadata[_META]
            value = getattr(self, f.name)
            if value is None:
                continue
            if meta["range"] is not None:
                value = _in_range(f.name, value, *meta["range"])
                if meta["types"] == (int,):
                    value = int(value)
                object.__setattr__(self, f.name, value)
            if meta["choices"] is not None and value not in meta["choices"]:
                raise ValidationError(f"render: `{f.name}` must be {' or '.join(meta['choices'])} (got {value!r})",
                                      param=f.name)
        if self.size is not None:
            object.__setattr__(self, "size", parse_size(self.size))
        object.__setattr__(self, "ylim", parse_ylim(self.ylim))
        parse_palette(self.palette)
        if self.frames is not None and self.duration is not None:
            raise ValidationError("render: give `frames` or `duration`, not both", param="duration")

    @property
    def transition_frames(self) -> int:
        """Frames from t = 0 to t = 1: ``frames``, or ``duration`` at ``fps`` (default 4 s)."""
        if self.frames is not None:
            return self.frames
        duration = DEFAULT_DURATION if self.duration is None else self.duration
        return max(2, int(round(duration * self.fps)))

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def help(cls, name: str) -> str:
        return {f.name: f.metadata[_META]["help"] for f in fields(cls)}[name]

    @classmethod
    def types(cls, name: str) -> tuple[type, ...]:
        """The Python types a preset value may have (TOML gives ints, floats, strings and bools)."""
        return {f.name: f.metadata[_META]["types"] for f in fields(cls)}[name]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> RenderOptions:
        """From typed values (a preset table, ``--set`` overrides): each value must have its option's type.

        Raises:
            ValidationError: an unknown option, a value of the wrong type, or one out of range; the
                message is one sentence and ``param`` names the option.
        """
        for key, value in values.items():
            if key not in cls.names():
                raise ValidationError(f"unknown render option {key!r}", param=key)
            types = cls.types(key)
            if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
                raise ValidationError(f"must be {' or '.join(t.__name__ for t in types)} (got {value!r})", param=key)
        return cls(**values)


def _in_range(name: str, value: Any, lo: float, hi: float) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"render: `{name}` must be a number (got {value!r})", param=name) from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise ValidationError(f"render: `{name}` must be between {lo:g} and {hi:g} (got {value})", param=name)
    return v


def parse_ylim(value: Any) -> str | float:
    """'auto', 'peak' or a positive number (also as text: '2.5')."""
    if isinstance(value, str) and value.strip().lower() in ("auto", "peak"):
        return value.strip().lower()
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"render: `ylim` must be auto, peak or a positive number (got {value!r})",
                              param="ylim") from None
    if isinstance(value, bool) or not (math.isfinite(v) and v > 0):
        raise ValidationError(f"render: `ylim` must be auto, peak or a positive number (got {value!r})", param="ylim")
    return v


PALETTES = ("metrics", "okabe-ito", "tol")


def parse_palette(value: str) -> tuple[str, ...]:
    """A named palette -> (name,); 'a,b,...' -> each colour as '#RRGGBB' (a one-line error otherwise)."""
    text = value.strip().lower()
    if text in PALETTES:
        return (text,)
    colors = []
    for part in text.split(","):
        c = part.strip()
        c = c if c.startswith("#") else "#" + c
        if len(c) == 4:  # #abc
            c = "#" + "".join(ch * 2 for ch in c[1:])
        if len(c) != 7 or any(ch not in "0123456789abcdef" for ch in c[1:]):
            raise ValidationError(f"render: `palette` must be {', '.join(PALETTES)} or colours such as "
                                  f"#d55e00,#0072b2 (got {value!r}: {part.strip()!r} is not a colour)", param="palette")
        colors.append(c.upper())
    return tuple(colors)


def parse_size(size: Any) -> tuple[int, int]:
    """'960x400' or (960, 400) -> (960, 400), with a one-line error otherwise."""
    text = size if isinstance(size, str) else "x".join(str(v) for v in size) if isinstance(size, (tuple, list)) \
        else str(size)
    try:
        w, h = (int(v) for v in str(text).lower().replace("\u00d7", "x").split("x"))
    except ValueError:
        raise ValidationError(f"render: `size` must look like 960x400 (got {text!r})", param="size") from None
    if not (160 <= w <= 7680 and 120 <= h <= 4320):
        raise ValidationError(f"render: `size` must be between 160x120 and 7680x4320 pixels (got {text})", param="size")
    return w, h


def check_width(width: int, height: int, n_panels: int) -> None:
    """Every panel needs MIN_PANEL_WIDTH pixels for its title and caption to stay legible."""
    if width < MIN_PANEL_WIDTH * n_panels:
        raise ValidationError(f"render: {width}x{height} is too narrow for {n_panels} panels (at least "
                              f"{MIN_PANEL_WIDTH * n_panels} pixels wide; or drop a metric or --no-param-space)",
                              param="size")


DEFAULTS = RenderOptions()
