"""Distance against a parameter: the data behind `geoanim sweep` (pure; drawing is in render.artists).

Two ways to move the second distribution:
* ``shift``: Q(s) is Q translated by s (every location parameter, atom and component moves);
* ``variable``: the specs name a variable, as in ``uniform(s, s + 1)``, parsed at each value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import families as fam
from .errors import GeoanimError, UnsupportedError, ValidationError
from .paths import geodesic
from .spec import parse


def translate(d: fam.Distribution, s: float) -> fam.Distribution:
    """The law of X + s (every location parameter, atom and component moves; in the plane, along x)."""
    try:
        return d.shifted(s)
    except UnsupportedError:
        raise UnsupportedError(f"sweep: --shift does not support {d.family}; write the moving spec with a "
                               "variable instead, e.g. --var s=0:10") from None


def parse_range(text: str, what: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.split(":"))
    except ValueError:
        raise ValidationError(f"sweep: {what} must look like 0:10 (got {text!r})") from None
    if not (math.isfinite(a) and math.isfinite(b)) or a == b:
        raise ValidationError(f"sweep: {what} needs two different finite ends (got {text!r})")
    return a, b


def _shown(text: str) -> str:
    """A spec as the render titles show it (N(\u22124, 1\u00b2)); one using the swept variable, as written."""
    try:
        return parse(text).describe(exact=True)
    except GeoanimError:
        return text


@dataclass
class Sweep:
    values: np.ndarray
    distances: dict[str, np.ndarray]  # metric -> distance at each value (inf where infinite)
    labels: dict[str, str]  # metric -> panel label ("Fisher-Rao on all densities")
    xlabel: str
    title: str


def sweep(p_text: str, q_text: str | None, metrics: list[str], *, shift: str | None = None,
          var: str | None = None, points: int = 121) -> Sweep:
    """Distances from P to Q(s) for s on a grid, under each metric."""
    if (shift is None) == (var is None):
        raise ValidationError("sweep: give exactly one of --shift A:B or --var NAME=A:B")
    if not 3 <= points <= 5000:
        raise ValidationError(f"sweep: `points` must be between 3 and 5000 (got {points})")
    if shift is not None:
        lo, hi = parse_range(shift, "--shift")
        p = parse(p_text)
        q0 = parse(q_text) if q_text else p
        pairs = lambda s: (p, translate(q0, s))  # noqa: E731
        name, xlabel = "s", "shift s"
        title = f"{p.describe(exact=True)}  vs  {q0.describe(exact=True)} shifted by s"
    else:
        if "=" not in var:
            raise ValidationError(f"sweep: --var must look like s=0:10 (got {var!r})")
        name, rng = (part.strip() for part in var.split("=", 1))
        if not name.isidentifier():
            raise ValidationError(f"sweep: --var needs a name such as s (got {name!r})")
        lo, hi = parse_range(rng, "--var")
        if q_text is None:
            raise ValidationError("sweep: --var needs both specs, e.g. \"uniform(0, 1)\" \"uniform(s, s + 1)\"")
        parse(p_text, {name: lo}), parse(q_text, {name: lo})  # fail early, with a caret
        pairs = lambda s: (parse(p_text, {name: s}), parse(q_text, {name: s}))  # noqa: E731
        xlabel = name
        title = f"{_shown(p_text)}  vs  {_shown(q_text)}"
    from .paths import get_metric

    names = [get_metric(m).call for m in metrics]
    if len(set(names)) != len(names):
        raise ValidationError(f"sweep: a metric is given twice ({', '.join(metrics)})")
    values = np.linspace(lo, hi, points)
    distances = {m: np.empty(points) for m in names}
    labels: dict[str, str] = {}
    for i, s in enumerate(values):
        try:
            a, b = pairs(float(s))
            for m in names:
                g = geodesic(a, b, m)
                distances[m][i] = g.length
                labels.setdefault(m, g.label)
        except GeoanimError as exc:
            raise type(exc)(f"sweep: at {name} = {float(s):g}: {exc.message}") from None
    return Sweep(values, distances, labels, xlabel, title)
