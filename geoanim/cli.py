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
from typing import Annotated, Any

import typer

from .options import DEFAULT_METRICS, DEFAULTS, RenderOptions
from .usage import Group, one_metric, split_metrics

app = typer.Typer(
    name="geoanim",
    help="Watch probability distributions travel along Fisher-Rao and Wasserstein geodesics.",
    no_args_is_help=True,
    cls=Group,  # plain help without type tags; usage errors as one `geoanim: error:` line (geoanim/usage.py)
    rich_markup_mode=None,  # help texts are plain text: "A:B" is not an emoji code, [0, 1] not markup
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

SPEC_HELP = 'distribution spec, e.g. "normal(-4, 1)", "categorical([0.2, 0.8])", "0.5*normal(0,1) + 0.5*uniform(2,3)"'
D = DEFAULTS
_help = RenderOptions.help


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


def _measured_text(x: float, error: float) -> str:
    """A length to the significant digits its error estimate supports (3 to 12): a curve's arc length
    known to 2e-4 prints as 1.55, not 1.54691984557."""
    if error > 0 and math.isfinite(x) and x != 0:
        digits = min(max(int(math.floor(math.log10(abs(x) / error))), 3), 12)
        return f"{x:.{digits}g}"
    return _text(x)


def _emit_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, allow_nan=False))


def boundary(fn):
    """The one error boundary: GeoanimError -> one line on stderr and exit 2; Ctrl-C -> exit 130;
    SIGTERM and SIGHUP clean up like Ctrl-C, then exit 128 + the signal's number."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import warnings

        from .errors import GeoanimError
        from .interrupts import Terminated, terminating

        try:
            with warnings.catch_warnings(), terminating():
                # overflow at extreme parameters is detected and reported by the checks themselves
                warnings.simplefilter("ignore", RuntimeWarning)
                return fn(*args, **kwargs)
        except GeoanimError as exc:
            typer.echo(f"geoanim: error: {exc}", err=True)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo("geoanim: interrupted", err=True)
            raise typer.Exit(130) from None
        except Terminated as exc:
            try:
                typer.echo(f"geoanim: terminated ({exc.name})", err=True)
            except OSError:  # SIGHUP: the terminal may be gone
                pass
            raise typer.Exit(exc.exit_code) from None

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
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", help="metrics, comma-separated or repeated; default: every registered metric")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the geodesic distance between P and Q under each metric."""
    from .errors import UnsupportedError
    from .paths import geodesic
    from .paths.divergence import kl
    from .paths.registry import default_metrics
    from .spec import parse

    a, b = parse(p), parse(q)
    metric = split_metrics(metric)
    paths: list[Any] = []
    for m in metric or default_metrics():
        try:
            paths.append(geodesic(a, b, m))
        except UnsupportedError as exc:
            if metric:  # asked for by name: an error; among the defaults: a row saying why not
                raise
            paths.append((m, exc.message))
    if all(isinstance(g, tuple) for g in paths):
        raise UnsupportedError(f"no metric supports {a} and {b}: {paths[0][1]}")
    divergences = []
    for name, (x, y) in (("KL(p||q)", (a, b)), ("KL(q||p)", (b, a))):
        try:
            value, how = kl(x, y)
            divergences.append((name, value, how))
        except UnsupportedError as exc:
            divergences.append((name, None, exc.message))
    if as_json:
        data = {"p": str(a), "q": str(b), "distances": {
            (g[0] if isinstance(g, tuple) else g.metric): (None if isinstance(g, tuple) else _number(g.length))
            for g in paths if isinstance(g, tuple) or _kind(g.metric) == "distance"},
            "curve_lengths": {g.metric: _number(g.length) for g in paths
                              if not isinstance(g, tuple) and _kind(g.metric) == "curve"}}
        costs = {g.metric: _number(g.length) for g in paths if not isinstance(g, tuple) and _kind(g.metric) == "cost"}
        if costs:
            data["costs"] = costs
        data["divergences"] = {name: None if v is None else _number(v) for name, v, _ in divergences}
        _emit_json(data)
        return
    typer.echo(f"p = {a}\nq = {b}\n")
    rows = [[g[0], "-", "-", g[1]] if isinstance(g, tuple) else
            [g.metric, _geometry_text(g), _measured_text(g.length, g.error), g.method] for g in paths]
    rows += [[name, "divergence, not a distance", "-" if v is None else _text(v), how] for name, v, how in divergences]
    typer.echo(_table(rows, ["metric", "geometry", "value", "method"]))


def _kind(metric: str) -> str:
    """"distance" (a metric's geodesic), "cost" (a transport cost, entropic OT) or "curve" (KL's
    straight lines: the number is the curve's Fisher-Rao length)."""
    from .paths import get_metric

    m = get_metric(metric)
    return "cost" if m.cost else "distance" if m.constant_speed else "curve"


def _geometry_text(g) -> str:
    kind = _kind(g.metric)
    if kind == "curve":
        return f"{g.label} (Fisher-Rao length of the curve)"
    if kind == "cost":
        return f"{g.label} (\u221aOT_\u03b5: a cost, not a distance)"
    return g.label


def _moments(d) -> tuple[Any, Any, str]:
    """(mean, spread, name of spread): var for 1-D laws, the covariance matrix in the plane."""
    if d.dim == 1:
        return _number(d.mean), _number(d.var), "var"
    mean, cov = d.moments()
    return mean.tolist(), cov.tolist(), "cov"


NOISE = 1e-12  # relative: below this times its scale at the endpoints, a number on a path is rounding noise


def _snap(value: Any, below: float) -> Any:
    """``value`` with every float of magnitude < ``below`` set to 0 (lists, tuples and dicts walked; the
    same object back when nothing changes, so a caller can tell)."""
    if isinstance(value, float):
        return 0.0 if abs(value) < below and value != 0 else value
    if isinstance(value, (list, tuple)):
        items = [_snap(v, below) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else type(value)(items)
    if isinstance(value, dict):
        snapped = {k: _snap(v, below) for k, v in value.items()}
        return value if all(snapped[k] is value[k] for k in value) else snapped
    return value


def _magnitudes(value: Any) -> list[float]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _magnitudes(v)]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return [abs(float(value))]
    return []


class _Noise:
    """Rounding noise on a path, judged against the endpoints: a number shown for a point of the path (a
    parameter, the mean, the variance) prints as 0 when it is below NOISE times the largest magnitude the
    same quantity has at the two endpoints, or, for a quantity that is 0 at both, the largest number
    describing either endpoint. Relative, so the 1e-20s of a path between normal(0, 1e-20) laws stay."""

    def __init__(self, start, end):
        ends = [self._quantities(d) for d in (start, end)]
        self.scales = {k: max(_magnitudes([e.get(k) for e in ends]), default=0.0) for k in {*ends[0], *ends[1]}}
        self.overall = max(self.scales.values(), default=0.0)

    @staticmethod
    def _quantities(d) -> dict[str, Any]:
        mean, spread, name = _moments(d)
        return {**{f"param {k}": v for k, v in d.params().items()}, "mean": mean, name: spread}

    def clean(self, key: str, value: Any) -> Any:
        return _snap(value, NOISE * (self.scales.get(key) or self.overall))

    def distribution(self, d):
        """``d`` with its noisy parameters at 0 (``d`` itself where its family refuses the cleaned values)."""
        import dataclasses

        from .errors import GeoanimError

        changes = {}
        for p in getattr(d, "PARAMS", ()):
            value = getattr(d, p.name)
            cleaned = self.clean(f"param {p.name}", value)
            if cleaned is not value:
                changes[p.name] = cleaned
        if not changes:
            return d
        try:
            return dataclasses.replace(d, **changes)
        except (GeoanimError, TypeError, ValueError):
            return d


def _point_dict(t: float, d, noise: _Noise) -> dict[str, Any]:
    d = noise.distribution(d)
    mean, spread, name = _moments(d)
    params = {k: noise.clean(f"param {k}", v) for k, v in d.params().items()}
    return {"t": t, "distribution": {**d.to_dict(), "params": params, "spec": str(d),
                                     "mean": noise.clean("mean", mean), name: noise.clean(name, spread)}}


def _spec_text(text: str) -> str:
    """A spec with its numbers at 12 significant digits, as the table's other columns print them."""
    import re

    return re.sub(r"(?<![\w.])-?\d+(?:\.\d*)?(?:e[-+]?\d+)?", lambda m: f"{float(m.group()):.12g}", text)


@app.command()
@boundary
def path(
    p: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    q: Annotated[str, typer.Argument(help="second distribution spec", show_default=False)],
    metric: Annotated[str, typer.Option("--metric", "-m", help="metric (see `geoanim metrics`)")] = "fisher",
    t: Annotated[list[float] | None, typer.Option("--t", "-t", help="time in [0, 1] (repeatable); default 0, .25, .5, .75, 1")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Print the distributions at times T along the geodesic from P to Q.

    Rounding noise prints as 0, in the table and in --json: a number smaller than 1e-12 times the
    largest value the same quantity (a parameter, the mean, the variance) has at the endpoints, or,
    for a quantity that is 0 at both, than 1e-12 times the endpoints' largest number. The rule is
    relative: the 1e-20s of a path between normal(0, 1e-20) laws print as they are.
    """
    from .paths import geodesic
    from .spec import parse

    g = geodesic(parse(p), parse(q), one_metric(metric, "path"))
    times = t if t else [0.0, 0.25, 0.5, 0.75, 1.0]
    noise = _Noise(g.start, g.end)
    points = [(ti, g(ti)) for ti in times]
    if as_json:
        _emit_json({"metric": g.metric, "model": g.model, "length": _number(g.length), "method": g.method,
                    "points": [_point_dict(ti, d, noise) for ti, d in points]})
        return
    typer.echo(f"{g.label} from {g.start} to {g.end}\nlength {_text(g.length)} ({g.method})\n")
    points = [(ti, noise.distribution(d)) for ti, d in points]
    if g.start.dim == 1:
        rows = [[f"{ti:g}", _text(ti * g.length), _text(noise.clean("mean", d.mean)), _text(noise.clean("var", d.var)),
                 _spec_text(str(d))] for ti, d in points]
        typer.echo(_table(rows, ["t", "travelled", "mean", "var", "distribution"]))
    else:
        rows = [[f"{ti:g}", _text(ti * g.length), _spec_text(str(d))] for ti, d in points]
        typer.echo(_table(rows, ["t", "travelled", "distribution"]))


@app.command()
@boundary
def metrics(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of text")] = False,
) -> None:
    """List the metrics, which pairs each supports, and how (closed form, exact or numeric)."""
    from .paths import listing

    data = listing()
    if as_json:
        _emit_json(data)
        return
    for m in data:
        aliases = f" (aliases: {', '.join(m['aliases'])})" if m["aliases"] else ""
        typer.echo(f"{m['name']}{aliases}\n  {m['summary']}\n  convention: {m['convention']}")
        rows = [[r["pairs"], r["model"], r["method"] + (f": {r['note']}" if r["note"] else "")
                 + (f"; refuses {r['refuses']}" if r["refuses"] else "")] for r in m["routes"]]
        typer.echo("\n".join("    " + line for line in _table(rows, ["pairs", "model", "method"]).split("\n")))
        typer.echo("")


@app.command()
@boundary
def families(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """List the distribution families: their parameters and how each metric handles two of them."""
    from .families import FAMILIES, catalogue
    from .paths import available
    from .paths.registry import route_for_family

    rows = []
    for e in catalogue():
        params = [{"name": p.name, "domain": getattr(p.domain, "describe", p.domain.text),
                   "required": p.required, "aliases": list(p.aliases), "doc": p.doc} for p in e.params]
        target = e.cls if e.cls is not None else _built_class(e)
        methods = {}
        for m in available():
            r = route_for_family(m, target) if target is not None else None
            methods[m] = None if r is None else r.method + (f" ({r.note})" if r.note and r.model != "densities" else "")
            declared = getattr(target, getattr(r.when, "attribute", ""), None) if r is not None else None
            if getattr(declared, "note", ""):  # the family's own chart: "2√n asin √p (equal n)"
                methods[m] += f"; {declared.note}"
        aliases = [n for n, other in FAMILIES.items() if n != e.name and e.cls is not None and other.cls is e.cls]
        rows.append({"name": e.name, "aliases": aliases, "family": e.family, "doc": e.doc, "params": params,
                     "metrics": methods})
    if as_json:
        _emit_json(rows)
        return
    for r in rows:
        def arg(p):
            text = p["name"] + ("" if p["required"] else "?")
            return text + (f" ({'/'.join(p['aliases'])})" if p["aliases"] else "")

        also = f"  (also {', '.join(r['aliases'])})" if r["aliases"] else ""
        typer.echo(f"{r['name']}({', '.join(arg(p) for p in r['params'])}){also}\n    {r['doc']}")
        for p in r["params"]:
            typer.echo(f"    {p['name']}: {p['domain']}" + (f", {p['doc']}" if p["doc"] else ""))
        for m, how in r["metrics"].items():
            typer.echo(f"    {m} between two: {how or 'not supported'}")
        typer.echo("")


def _built_class(entry):
    """The class a spec shorthand such as dirac(x) builds."""
    from .families import family_classes

    return family_classes().get(entry.family)


FLAGSHIP = ("normal(-4, 1)", "normal(4, 1)")


def _make_folder(folder: str) -> None:
    """Create an output folder, or fail in one line (a file in the way, a read-only place)."""
    from .errors import EncodeError

    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as exc:
        raise EncodeError(f"cannot create the output folder {folder}: {exc.strerror or exc}") from None


def default_name(a, b) -> str:
    """The file name (without suffix) a render of A -> B gets when no --output is given: distinct
    pairs get distinct names, so one render never silently replaces another's."""
    if (str(a), str(b)) == FLAGSHIP:
        return "flagship"
    return f"{_slug(str(a))}--{_slug(str(b))}"


def _slug(text: str, limit: int = 48) -> str:
    """A spec as a file name that keeps what tells specs apart: a minus sign is written m (normal(-1, 1) ->
    normal-m1-1, never the name of normal(1, 1)), decimals keep their point, and a name cut at ``limit``
    ends in a digest of the whole spec."""
    import hashlib
    import re

    text = re.sub(r"(?<=\d)e\+(?=\d)", "e", text.lower()).replace("-", "m")  # 1e+20 -> 1e20, 1e-05 -> 1em05
    slug = re.sub(r"[^a-z0-9.]+", "-", text).strip("-.") or "geodesic"
    if len(slug) > limit:
        slug = slug[:limit - 9].rstrip("-.") + "-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    return slug


@app.command()
@boundary
def render(
    p: Annotated[str | None, typer.Argument(help=SPEC_HELP + "; default normal(-4, 1)", show_default=False)] = None,
    q: Annotated[str | None, typer.Argument(help="second distribution spec; default normal(4, 1)", show_default=False)] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", help="metrics, one panel each, in order (comma-separated or repeated; see `geoanim metrics`); default " + " and ".join(DEFAULT_METRICS))] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="output file: .gif, .mp4, .webp, .png (filmstrip) or .html (player); default outputs/<P>--<Q>.gif, a minus written m")] = None,
    frames: Annotated[int | None, typer.Option("--frames", help=_help("frames"))] = D.frames,
    duration: Annotated[float | None, typer.Option("--duration", help=_help("duration"))] = D.duration,
    fps: Annotated[float, typer.Option("--fps", help=_help("fps"))] = D.fps,
    size: Annotated[str | None, typer.Option("--size", help=_help("size"))] = D.size,
    theme: Annotated[str, typer.Option("--theme", help=_help("theme"))] = D.theme,
    easing: Annotated[str, typer.Option("--easing", help=_help("easing"))] = D.easing,
    hold: Annotated[float, typer.Option("--hold", help=_help("hold"))] = D.hold,
    bounce: Annotated[bool, typer.Option("--bounce", help=_help("bounce"))] = D.bounce,
    title: Annotated[str | None, typer.Option("--title", help=_help("title"))] = D.title,
    param_space: Annotated[bool | None, typer.Option("--param-space/--no-param-space", help=_help("param_space"), show_default=False)] = D.param_space,
    strip: Annotated[int, typer.Option("--strip", help=_help("strip"))] = D.strip,
    trails: Annotated[bool, typer.Option("--trails", help=_help("trails"))] = D.trails,
    ylim: Annotated[str, typer.Option("--ylim", help=_help("ylim"))] = D.ylim,
    font_scale: Annotated[float, typer.Option("--font-scale", help=_help("font_scale"))] = D.font_scale,
    palette: Annotated[str, typer.Option("--palette", help=_help("palette"))] = D.palette,
    caption: Annotated[str | None, typer.Option("--caption", help=_help("caption"))] = D.caption,
    scale: Annotated[float, typer.Option("--scale", help=_help("scale"))] = D.scale,
    colors: Annotated[int, typer.Option("--colors", help=_help("colors"))] = D.colors,
    transparent: Annotated[bool, typer.Option("--transparent", help=_help("transparent"))] = D.transparent,
    embed_snippet: Annotated[bool, typer.Option("--embed-snippet", help=_help("embed_snippet"))] = D.embed_snippet,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar or summary")] = False,
) -> None:
    """Render the geodesics from P to Q as a side-by-side animation (or a PNG filmstrip, or an HTML player)."""
    from .errors import ValidationError
    from .families import Cloud
    from .options import RenderOptions
    from .paths import geodesic, get_metric
    from .spec import parse

    given = locals()  # every option is a parameter of the same name
    options = RenderOptions(**{name: given[name] for name in RenderOptions.names()})
    if (p is None) != (q is None):
        raise ValidationError("render: give both distributions P and Q, or neither (for the flagship)")
    a, b = parse(p or FLAGSHIP[0]), parse(q or FLAGSHIP[1])
    names = split_metrics(metric) or _default_panels(a, b)
    canonical = [get_metric(m).call for m in names]
    if len(set(canonical)) != len(canonical):
        raise ValidationError(f"render: a metric is given twice ({', '.join(names)}); one panel per metric")
    paths = [geodesic(a, b, m) for m in names]
    if trails and not (isinstance(a, Cloud) and isinstance(b, Cloud)):  # said, like _default_panels' notes
        typer.echo("note: --trails applies to point clouds in the plane; ignored", err=True)
    if output is None:
        _make_folder("outputs")
        output = f"outputs/{default_name(a, b)}.gif"
    from .rendering import render_with

    anim = render_with(paths, output, options, progress=not quiet)
    if not quiet:
        typer.echo(f"wrote {anim.path} ({anim.width}x{anim.height}, {anim.summary}, "
                   f"{anim.size_bytes / 1024:.0f} KiB) in {anim.seconds:.2f} s", err=True)


def _default_panels(a, b) -> list[str]:
    """The default metrics, each replaced where no route serves the pair (Wasserstein between Dirichlet laws)
    by the first of fisher-np, e-geodesic, m-geodesic that has one, with a note on stderr."""
    from .errors import UnsupportedError
    from .paths import get_metric
    from .paths.registry import find_route

    def served(name: str) -> bool:
        try:
            find_route(get_metric(name), a, b)
        except UnsupportedError:
            return False
        return True

    names: list[str] = []
    for m in DEFAULT_METRICS:
        if served(m):
            names.append(m)
            continue
        spare = next((s for s in ("fisher-np", "e-geodesic", "m-geodesic") if s not in names and s not in DEFAULT_METRICS
                      and served(s)), None)
        if spare is not None:
            names.append(spare)
            typer.echo(f"note: {m} has no route between {a.family} and {b.family}; showing {spare} instead", err=True)
    return names


@app.command()
@boundary
def batch(
    targets: Annotated[list[str] | None, typer.Argument(help="preset files or folders of *.toml (default: presets/)", show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help="parallel processes (default: number of cores)")] = None,
    out_dir: Annotated[str, typer.Option("--out-dir", help="folder the jobs' outputs are relative to")] = "outputs",
    force: Annotated[bool, typer.Option("--force", help="render even up-to-date outputs")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="list the jobs and what would happen; render nothing")] = False,
    set_: Annotated[list[str] | None, typer.Option("--set", help="override a render option for every job, e.g. --set size=320x160 (repeatable)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress display")] = False,
) -> None:
    """Render every job in preset files, in parallel; skip outputs that are up to date."""
    from . import batch as B

    overrides = B.parse_overrides(set_ or [])
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    if workers < 1:
        from .errors import ValidationError

        raise ValidationError(f"batch: --jobs must be >= 1 (got {workers})")
    todo, known = B.plan(targets or ["presets"], out_dir, force=force, overrides=overrides)
    if dry_run:
        rows = [[r.name or "-", r.source, r.output or "-", r.status, r.error] for r in known]
        rows += [[j.name, j.source, os.path.join(out_dir, j.output), "would render", ""] for j in todo]
        typer.echo(_table(rows, ["job", "preset", "output", "status", "problem"]))
        raise typer.Exit(2 if any(r.status == "failed" for r in known) else 0)
    if todo:
        _make_folder(out_dir)
    progress = _BatchProgress(len(todo), enabled=not quiet)
    recorder = B.Recorder(out_dir, overrides)  # each finished job, as it finishes: Ctrl-C loses nothing

    def done(result) -> None:
        recorder(result)
        progress.done(result)

    try:
        results = B.run(todo, out_dir, workers=workers, overrides=overrides, on_start=progress.start, on_done=done)
    finally:
        progress.close()
        if recorder.problem:
            typer.echo(f"geoanim: warning: {recorder.problem}", err=True)
    order = {(j.source, j.name): i for i, j in enumerate(todo)}  # workers send back copies of the jobs
    results.sort(key=lambda r: order.get((r.source, r.name), 0))
    everything = known + results
    rows = [[r.name or "-", r.output or r.source, f"{r.seconds:.1f}" if r.status == "rendered" else "-",
             f"{r.size / 1024:.0f} KiB" if r.size else "-", r.status if r.status != "failed" else f"FAILED: {r.error}"]
            for r in everything]
    typer.echo(_table(rows, ["job", "output", "seconds", "size", "status"]))
    failed = sum(r.status == "failed" for r in everything)
    rendered = sum(r.status == "rendered" for r in everything)
    typer.echo(f"\n{rendered} rendered, {sum(r.status == 'up to date' for r in everything)} up to date, {failed} failed")
    if failed:
        raise typer.Exit(2)


class _BatchProgress:
    """One live display for the whole batch on stderr (a line per finished job when not a terminal)."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.count, self.enabled = total, 0, enabled and total > 0
        self.running: list[str] = []
        self.bar = None
        if self.enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                TextColumn("{task.description}"), console=Console(stderr=True))
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def start(self, job) -> None:
        self.running.append(job.name)
        self._refresh()

    def done(self, result) -> None:
        self.count += 1
        if result.job and result.job.name in self.running:
            self.running.remove(result.job.name)
        if self.bar:
            self.bar.update(self.task, completed=self.count)
            if result.status == "failed":
                self.bar.console.print(f"[red]failed[/red] {result.name or result.source}: {result.error}")
        elif self.enabled:
            what = f"failed: {result.error}" if result.status == "failed" else \
                f"{result.output} ({result.seconds:.1f} s, {result.size / 1024:.0f} KiB)"
            typer.echo(f"[{self.count}/{self.total}] {result.job.name}: {what}", err=True)
        self._refresh()

    def _refresh(self) -> None:
        if self.bar:
            shown = ", ".join(self.running[:3]) + (" ..." if len(self.running) > 3 else "")
            self.bar.update(self.task, description=f"rendering {shown}" if shown else "")

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


@app.command()
@boundary
def sweep(
    p: Annotated[str, typer.Argument(help=SPEC_HELP, show_default=False)],
    q: Annotated[str | None, typer.Argument(help="second spec (default: P); with --var, may use the variable", show_default=False)] = None,
    shift: Annotated[str | None, typer.Option("--shift", help="translate Q by s for s in A:B")] = None,
    var: Annotated[str | None, typer.Option("--var", help="a variable the specs use, and its range, e.g. s=0:10")] = None,
    metric: Annotated[list[str] | None, typer.Option("--metric", "-m", help="metrics, comma-separated or repeated; default " + " and ".join(DEFAULT_METRICS))] = None,
    points: Annotated[int, typer.Option("--points", help="values of the parameter")] = 121,
    output: Annotated[str, typer.Option("--output", "-o", help="figure file: .png or .svg")] = "outputs/sweep.png",
    size: Annotated[str, typer.Option("--size", help="WxH in pixels")] = "900x420",
    theme: Annotated[str, typer.Option("--theme", help="light or dark")] = "light",
    as_json: Annotated[bool, typer.Option("--json", help="also print the numbers as JSON")] = False,
) -> None:
    """Plot each metric's distance against a parameter: a shift, or a variable in the specs."""
    from pathlib import Path as FsPath

    from .errors import EncodeError
    from .options import parse_size
    from .sweep import sweep as compute

    suffix = FsPath(output).suffix.lower()
    if not suffix:
        raise EncodeError(f"sweep: {output} has no suffix to tell the format: use .png or .svg")
    if suffix not in (".png", ".svg"):
        raise EncodeError(f"sweep: unsupported figure format '{suffix}' for {output}: use .png or .svg")
    if theme not in ("light", "dark"):
        raise EncodeError(f"sweep: `theme` must be light or dark (got {theme!r})")
    width, height = parse_size(size)
    data = compute(p, q, split_metrics(metric) or list(DEFAULT_METRICS), shift=shift, var=var, points=points)
    if output == "outputs/sweep.png":
        _make_folder("outputs")
    from .rendering.artists import render_sweep
    from .rendering.layout import THEMES

    render_sweep(data, output, size=(width, height), theme=THEMES[theme])
    if as_json:
        _emit_json({"parameter": data.xlabel, "values": data.values.tolist(),
                    "distances": {m: [_number(float(v)) for v in d] for m, d in data.distances.items()}})
    typer.echo(f"wrote {output}", err=True)


def _version_callback(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"geoanim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version_callback, is_eager=True,
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
