"""The ``geoanim`` command line: thin commands over the library, and one error boundary.

Heavy modules (numpy, scipy, matplotlib) are imported inside the commands, so ``geoanim --help``
stays instant. Results go to stdout; errors go to stderr as ``geoanim: error: ...`` with exit 2.
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from typing import Annotated, Any, Optional

import typer

app = typer.Typer(
    name="geoanim",
    help="Watch probability distributions travel along Fisher-Rao and Wasserstein geodesics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SPEC_HELP = 'distribution spec, e.g. "normal(-4, 1)", "categorical([0.2, 0.8])", "0.5*normal(0,1) + 0.5*uniform(2,3)"'
DEFAULT_METRICS = ("fisher", "fisher-np", "wasserstein")


def _number(x: float) -> Any:
    """JSON has no inf or nan: infinite values become the string "inf", undefined ones null."""
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def _text(x: float) -> str:
    if math.isnan(x):
        return "undefined"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.12g}"


def _emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, allow_nan=False))


def boundary(fn):
    """The one error boundary: GeoanimError -> one line on stderr and exit 2; Ctrl-C -> exit 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from .errors import GeoanimError

        try:
            return fn(*args, **kwargs)
        except GeoanimError as exc:
            typer.echo(f"geoanim: error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("geoanim: interrupted", err=True)
            raise typer.Exit(130) from None

    return wrapper


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


@app.command()
@boundary
def distance(
    p: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    q: Annotated[str, typer.Argument(help="second distribution spec", show_default=False)],
    metric: Annotated[Optional[list[str]], typer.Option("--metric", "-m", help="metric (repeatable); default: all")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the geodesic distance between P and Q under each metric."""
    from .paths import geodesic
    from .spec import parse

    a, b = parse(p), parse(q)
    names = metric or list(DEFAULT_METRICS)
    paths = [geodesic(a, b, m) for m in names]
    if as_json:
        _emit_json({"p": str(a), "q": str(b), "distances": {g.metric: _number(g.length) for g in paths}})
        return
    typer.echo(f"p = {a}\nq = {b}\n")
    rows = [[g.metric, g.label, _text(g.length), g.method] for g in paths]
    typer.echo(_table(rows, ["metric", "geometry", "distance", "method"]))


def _point_dict(t: float, d) -> dict[str, Any]:
    return {"t": t, "distribution": {**d.to_dict(), "spec": str(d), "mean": _number(d.mean), "var": _number(d.var)}}


@app.command()
@boundary
def path(
    p: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    q: Annotated[str, typer.Argument(help="second distribution spec", show_default=False)],
    metric: Annotated[str, typer.Option("--metric", "-m", help="metric: fisher, fisher-np or wasserstein")] = "fisher",
    t: Annotated[Optional[list[float]], typer.Option("--t", "-t", help="time in [0, 1] (repeatable); default 0, .25, .5, .75, 1")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the distributions at times T along the geodesic from P to Q."""
    from .paths import geodesic
    from .spec import parse

    g = geodesic(parse(p), parse(q), metric)
    times = t if t else [0.0, 0.25, 0.5, 0.75, 1.0]
    points = [(ti, g(ti)) for ti in times]
    if as_json:
        _emit_json({"metric": g.metric, "model": g.model, "length": _number(g.length), "method": g.method,
                    "points": [_point_dict(ti, d) for ti, d in points]})
        return
    typer.echo(f"{g.label} from {g.start} to {g.end}\nlength {_text(g.length)} ({g.method})\n")
    rows = [[f"{ti:g}", _text(ti * g.length), _text(d.mean), _text(d.var), str(d)] for ti, d in points]
    typer.echo(_table(rows, ["t", "travelled", "mean", "var", "distribution"]))


@app.command()
@boundary
def metrics() -> None:
    """List the metrics, which family pairs each supports, and how (closed form or numeric)."""
    from .paths import METRICS

    for m in METRICS.values():
        aliases = f" (aliases: {', '.join(m.aliases)})" if m.aliases else ""
        typer.echo(f"{m.name}{aliases}\n  {m.summary}")
        typer.echo("\n".join("    " + line for line in _table([list(r) for r in m.support],
                                                              ["pair", "model", "method"]).split("\n")))
        typer.echo("")


FLAGSHIP = ("normal(-4, 1)", "normal(4, 1)")


def _slug(text: str) -> str:
    import re

    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-.")[:48] or "geodesic"


@app.command()
@boundary
def render(
    p: Annotated[Optional[str], typer.Argument(help=SPEC_HELP + "; default normal(-4, 1)", show_default=False)] = None,
    q: Annotated[Optional[str], typer.Argument(help="second distribution spec; default normal(4, 1)", show_default=False)] = None,
    metric: Annotated[Optional[list[str]], typer.Option("--metric", "-m", help="metric, one panel each, in order (repeatable); default fisher and wasserstein")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="output file: .gif, .mp4, .webp or .png (filmstrip); default outputs/<name>.gif")] = None,
    frames: Annotated[Optional[int], typer.Option("--frames", help="frames from start to end (excluding holds)")] = None,
    duration: Annotated[Optional[float], typer.Option("--duration", help="seconds from start to end (default 4)")] = None,
    fps: Annotated[Optional[float], typer.Option("--fps", help="frames per second (default 20; at most 50 for GIF)")] = None,
    size: Annotated[Optional[str], typer.Option("--size", help="WxH in pixels (default 960x400 for three panels)")] = None,
    theme: Annotated[str, typer.Option("--theme", help="light or dark")] = "light",
    easing: Annotated[str, typer.Option("--easing", help="linear or smooth")] = "smooth",
    hold: Annotated[Optional[float], typer.Option("--hold", help="seconds to pause on each endpoint (default 0.6)")] = None,
    bounce: Annotated[bool, typer.Option("--bounce", help="play forward then back: a seamless loop")] = False,
    title: Annotated[Optional[str], typer.Option("--title", help="headline (default: start -> end)")] = None,
    param_space: Annotated[Optional[bool], typer.Option("--param-space/--no-param-space", help="parameter-space panel (default: on for normals and 3-category categoricals)", show_default=False)] = None,
    strip: Annotated[int, typer.Option("--strip", help="snapshots per metric in a .png filmstrip")] = 5,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or summary")] = False,
) -> None:
    """Render the geodesics from P to Q as a side-by-side animation (or a PNG filmstrip)."""
    from pathlib import Path as FsPath

    from .paths import geodesic
    from .spec import parse

    a, b = parse(p or FLAGSHIP[0]), parse(q or FLAGSHIP[1])
    names = metric or ["fisher", "wasserstein"]
    paths = [geodesic(a, b, m) for m in names]
    if output is None:
        name = "flagship" if (p, q) == (None, None) or (str(a), str(b)) == ("normal(-4, 1)", "normal(4, 1)") \
            else f"{_slug(str(a))}--{_slug(str(b))}"
        FsPath("outputs").mkdir(exist_ok=True)
        output = f"outputs/{name}.gif"
    from .render import render as do_render

    anim = do_render(paths, output, frames=frames, duration=duration, fps=fps, size=size, theme=theme,
                     easing=easing, hold=hold, bounce=bounce, title=title, param_space=param_space,
                     strip=strip, progress=not quiet)
    if not quiet:
        what = "filmstrip" if anim.format == ".png" else f"{anim.frames} frames at {anim.fps:g} fps"
        typer.echo(f"wrote {anim.path} ({anim.width}x{anim.height}, {what}, "
                   f"{anim.size_bytes / 1024:.0f} KiB) in {anim.seconds:.2f} s", err=True)


def _version_callback(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"geoanim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True,
                                          help="print the version and exit")] = False,
) -> None:
    """Watch probability distributions travel along Fisher-Rao and Wasserstein geodesics."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app behind one error boundary."""
    try:
        app(args=argv, standalone_mode=True)
    except KeyboardInterrupt:
        typer.echo("geoanim: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line, keep the traceback for GEOANIM_DEBUG=1
        if os.environ.get("GEOANIM_DEBUG"):
            raise
        typer.echo(f"geoanim: internal error: {type(exc).__name__}: {exc} "
                   "(please report it; GEOANIM_DEBUG=1 shows the traceback)", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
