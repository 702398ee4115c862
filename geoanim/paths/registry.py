"""Metrics and the routes that build their geodesics, registered by (metric, family classes).

A metric module defines its metric once (:func:`define_metric`: name, aliases, title, colours,
conventions) and registers one builder per kind of pair::

    @route("fisher", Univariate, Univariate, method="closed form", model="same family",
           when=SharedChart(HalfPlane))
    def halfplane(p, q) -> Path: ...

Lookup (:func:`geodesic`) walks the class hierarchy: among the routes whose classes the endpoints
are instances of (in either order; a route for (A, B) serves (B, A) by running its path
backwards) and whose ``when`` holds, the most specific wins (closest classes in the endpoints'
MROs; a route with a ``when`` beats one without at equal distance). Fallbacks are routes on the
base classes (``Univariate``, ``Multivariate``). ``geoanim metrics`` is generated from these
registrations, so it cannot drift from what runs.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import UnsupportedError
from ..families import Distribution, Entry, Multivariate, Param, Univariate, family_classes, fmt
from .base import Path, model_name


@dataclass(frozen=True)
class Metric:
    """A registered metric.

    Attributes:
        name: canonical name ("fisher"); aliases: other accepted names.
        title: display name ("Fisher-Rao"). summary: one line for ``geoanim metrics``.
        colors: panel colour in the light and dark themes, or a function of the parameter values
            returning them (alpha(a) blends from the mixture's colour to the e-geodesic's).
        show_model: whether panel titles name the model ("Fisher-Rao on normals").
        constant_speed: d(p, path(t)) = t·d(p, q) holds in this metric (a metric geodesic); where
            it does not, ``length`` is the Fisher-Rao arc length of the curve and t is the curve's
            own (affine) parameter.
        cost: ``length`` is a transport cost (entropic OT's √OT_ε), not a distance nor the length of
            the path: it is not 0 from p to p and not additive along the path (captions say so).
        transport: mass moves along straight lines (the renderer may draw them as trails).
        ground: the metric is built on the sample space's distance |x - y| of the line or the plane
            (W2, WFR, entropic OT): laws on another space (``Distribution.space``: the circle) are refused.
        convention: the normalisation, stated in ``geoanim metrics`` ("W2, never W2²").
        params: declared parameters (spec grammar: ``alpha(0.5)``, ``wfr(kappa=2)``), passed to
            every route's builder as keywords; ``values`` holds them once bound by get_metric.
        length_name: what ``length`` measures, for captions ("distance", "FR length").
        examples: calls that stand for the metric where one needs values (the generated test
            suites, ``geoanim metrics``): ``("alpha(0.5)",)``; a metric without required
            parameters stands for itself.
    """

    name: str
    title: str
    summary: str
    aliases: tuple[str, ...] = ()
    colors: tuple[str, str] | Callable[[dict[str, Any]], tuple[str, str]] = ("#CC79A7", "#E69ACB")
    show_model: bool = True
    constant_speed: bool = True
    cost: bool = False
    transport: bool = False
    ground: bool = False
    convention: str = ""
    params: tuple[Param, ...] = ()
    values: tuple[tuple[str, Any], ...] = ()
    length_name: str = "distance"
    order: int = 100  # where the metric stands in lists (the metrics of the seed argument first)
    examples: tuple[str, ...] = ()

    @property
    def call(self) -> str:
        """The metric as one writes it: "fisher", "alpha(0.5)" (the key for one panel)."""
        if not self.params:
            return self.name
        return f"{self.name}({', '.join(p.domain.write(v) for p, (_, v) in zip(self.params, self.values))})"

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.values)

    def panel_colors(self) -> tuple[str, str]:
        return self.colors(self.kwargs) if callable(self.colors) else self.colors

    def bind(self, **values: Any) -> Metric:
        """This metric with its parameters set (each checked against its declared domain)."""
        checked = []
        for p in self.params:
            if p.name not in values:
                if p.required:
                    example = f"; for example {self.examples[0]}" if self.examples else ""
                    values_text = getattr(p.domain, "describe", p.domain.text)
                    raise UnsupportedError(f"{self.name} needs its parameter '{p.name}' ({values_text}): "
                                           f"write {self.name}({p.name.upper()}){example}")
                value = p.implied(self) if p.implied is not None else None
            else:
                value = p.domain.check(self.name, p.name, values[p.name])
            checked.append((p.name, value))
        return replace(self, values=tuple(checked))


def blend_colors(light0: str, dark0: str, light1: str, dark1: str, s: float) -> tuple[str, str]:
    """The (light-theme, dark-theme) panel colours a share s of the way from the first pair to the
    second (#RRGGBB, mixed channel by channel): a metric whose colour follows its parameter."""

    def mix(c0: str, c1: str) -> str:
        a = np.array([int(c0[i:i + 2], 16) for i in (1, 3, 5)])
        b = np.array([int(c1[i:i + 2], 16) for i in (1, 3, 5)])
        return "#" + "".join(f"{int(round(v)):02X}" for v in (1 - s) * a + s * b)

    return mix(light0, light1), mix(dark0, dark1)


METRICS: dict[str, Metric] = {}
ALIASES: dict[str, str] = {}


def define_metric(name: str, **fields: Any) -> Metric:
    """Register a metric (see :class:`Metric` for the fields) and return it."""
    metric = Metric(name, **fields)
    METRICS[name] = metric
    for alias in (name, *metric.aliases):
        ALIASES[alias] = name
    ordered = sorted(METRICS.values(), key=lambda m: m.order)  # stable: ties keep registration order
    METRICS.clear()
    METRICS.update((m.name, m) for m in ordered)
    return metric


NOT_METRICS: dict[str, str] = {}
"""Names people reach for that are not metrics, with the one line saying what to use instead."""


def explain(name: str, message: str) -> None:
    """Make ``name`` a refused metric name whose error is ``message`` (``kl``: a divergence)."""
    NOT_METRICS[name] = message


def get_metric(name: str) -> Metric:
    """Look a metric up by name or alias (case-insensitive), with its parameters bound: "fisher",
    "w2", "alpha(0.5)", "alpha(a=-0.5)". Unknown names list what exists; bad parameters get the
    spec grammar's one-line, caret-marked errors."""
    text = str(name).strip()
    if "(" in text:
        from ..spec import parse_call

        return parse_call(text, _metric_entry, lambda: sorted(METRICS), "metric")
    key = _key(text)
    if key in NOT_METRICS:
        raise UnsupportedError(NOT_METRICS[key])
    if key in ALIASES:
        metric = METRICS[ALIASES[key]]
        return metric.bind() if metric.params else metric
    close = difflib.get_close_matches(key, list(ALIASES), n=1, cutoff=0.6)
    hint = f" (did you mean '{ALIASES[close[0]]}'?)" if close else ""
    raise UnsupportedError(f"unknown metric '{name}'{hint}; available: {', '.join(METRICS)}")


def metric_calls() -> list[str]:
    """One call per registered metric, or its examples where it needs values: what a suite that
    covers every metric runs."""
    calls: list[str] = []
    for m in METRICS.values():
        calls += list(m.examples) if m.examples or any(p.required for p in m.params) else [m.name]
    return calls


def _key(name: str) -> str:
    """A metric name as the lookup tables hold it: lower case, "-" for "_"."""
    return name.lower().replace("_", "-")


def default_metrics() -> list[str]:
    """Every registered metric that needs no parameter (or has defaults for all of them)."""
    return [m.name for m in METRICS.values() if all(not p.required for p in m.params)]


def _metric_entry(name: str) -> Entry | None:
    """A metric as an entry of the spec grammar (its declared parameters, and binding as the build)."""
    key = _key(name)
    if key not in ALIASES:
        return None
    metric = METRICS[ALIASES[key]]
    return Entry(metric.name, metric.name, metric.params, lambda **values: metric.bind(**values), None, metric.summary)


# ----------------------------------------------------------------------------------------------
# conditions on a pair, which describe themselves for the listing
# ----------------------------------------------------------------------------------------------


class Condition:
    """A predicate on an endpoint pair that can say, for ``geoanim metrics``, which pairs it admits."""

    def __call__(self, p: Distribution, q: Distribution) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError


def _families_with(test: Callable[[type], bool]) -> list[str]:
    return sorted(name for name, cls in family_classes().items() if test(cls))


@dataclass(frozen=True)
class SameFamilyWith(Condition):
    """Both endpoints belong to one family that declares ``attribute`` (of ``kind``, if given)."""

    attribute: str
    kind: type | None = None
    extra: Callable[[Distribution, Distribution], bool] | None = None
    extra_text: str = ""

    def declared(self, cls: type) -> bool:
        value = getattr(cls, self.attribute, None)
        return value is not None and (self.kind is None or isinstance(value, self.kind))

    def __call__(self, p, q) -> bool:
        return type(p) is type(q) and self.declared(type(p)) and (self.extra is None or self.extra(p, q))

    def describe(self) -> str:
        names = _families_with(self.declared)
        return f"same family: {', '.join(names)}" + (f" ({self.extra_text})" if self.extra_text else "")


@dataclass(frozen=True)
class BothKind(Condition):
    """Both endpoints are of the given kind ("discrete", "continuous")."""

    kind: str

    def __call__(self, p, q) -> bool:
        return p.kind == self.kind and q.kind == self.kind

    def describe(self) -> str:
        names = _families_with(lambda cls: issubclass(cls, Univariate) and getattr(cls, "kind", "") == self.kind
                               and not getattr(cls, "derived", False))
        return f"{self.kind} - {self.kind} ({', '.join(names)})"


# ----------------------------------------------------------------------------------------------
# routes
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One builder: ``build(p, q) -> Path`` for endpoints of classes (left, right) where ``when`` holds."""

    metric: str
    left: type
    right: type
    build: Callable[[Any, Any], Path] = field(repr=False)
    method: str
    model: str
    when: Condition | None = None
    note: str = ""
    order: int = 0
    refuses: str = ""  # the pairs it declines with a one-line reason ("clouds on different points")

    @property
    def dim(self) -> str:
        return "2-D" if issubclass(self.left, Multivariate) else "1-D"

    def pairs(self) -> str:
        """Which pairs this route takes, for the listing."""
        if self.when is not None:
            return self.when.describe()
        text = f"{_class_text(self.left)} - {_class_text(self.right)}"
        members = sorted({*_members(self.left), *_members(self.right)})
        return f"{text} ({', '.join(members)})" if members else text

    def rank(self, p: Distribution, q: Distribution) -> int | None:
        """How specific this route is for (p, q) (smaller is closer), or None if it does not apply."""
        if not (isinstance(p, self.left) and isinstance(q, self.right)):
            return None
        if self.when is not None and not self.when(p, q):
            return None
        return type(p).__mro__.index(self.left) + type(q).__mro__.index(self.right)


def _class_text(cls: type) -> str:
    if cls is Univariate:
        return "any 1-D law"
    if cls is Multivariate:
        return "any planar law"
    return getattr(cls, "family", "") or cls.__name__.lower()


def _members(cls: type) -> list[str]:
    """The families a base class such as Cloud stands for (none for a family or the top classes)."""
    family: str = getattr(cls, "family", "")
    if cls in (Univariate, Multivariate) or family:
        return []
    return _families_with(lambda c: issubclass(c, cls) and not getattr(c, "derived", False))


ROUTES: dict[str, list[Route]] = {}


def route(metric: str, left: type, right: type, *, method: str, model: str, when: Condition | None = None,
          note: str = "", refuses: str = "") -> Callable:
    """Decorator registering ``build(p, q) -> Path`` as ``metric``'s route for (left, right) pairs;
    ``refuses`` names the pairs among them it declines (with an UnsupportedError saying why)."""

    def deco(build):
        routes = ROUTES.setdefault(metric, [])
        routes.append(Route(metric, left, right, build, method, model, when, note, len(routes), refuses))
        return build

    return deco


def _off_ground(metric: Metric, cls: type) -> bool:
    """A metric built on the line's or the plane's distance, for a law on another space (the circle)."""
    return metric.ground and getattr(cls, "space", "euclidean") != "euclidean"


def find_route(metric: Metric, p: Distribution, q: Distribution) -> tuple[Route, bool]:
    """The most specific route for (p, q), and whether it serves them in reverse order."""
    for d in (p, q):
        if _off_ground(metric, type(d)):
            raise UnsupportedError(f"{metric.name}: {d} lives on the {d.space}, and {metric.title} here uses the "
                                   "distance of the line (which would put -π and π far apart): not supported; "
                                   "fisher, fisher-np and KL's curves are")
    best: tuple[tuple[int, int, int, int], Route, bool] | None = None
    for r in ROUTES.get(metric.name, []):
        for flipped, (a, b) in ((False, (p, q)), (True, (q, p))):
            if flipped and r.left is r.right:
                continue  # the direct match already looked at this order
            rank = r.rank(a, b)
            if rank is not None:
                key = (rank, r.when is None, int(flipped), r.order)
                if best is None or key < best[0]:
                    best = (key, r, flipped)
    if best is None:
        dim = "2-D" if p.dim > 1 else "1-D"
        supported = [f"{r.pairs()}, {r.method}" for r in ROUTES.get(metric.name, []) if r.dim == dim]
        raise UnsupportedError(f"{metric.name}: no geodesic between {p.family} and {q.family}; supported in {dim}: "
                               + ("; ".join(supported) if supported else "none"))
    return best[1], best[2]


def geodesic(p: Distribution, q: Distribution, metric: str) -> Path:
    """The geodesic from p to q under ``metric`` (a name or alias), built by the most specific route."""
    m = get_metric(metric)
    for d in (p, q):
        if not isinstance(d, Distribution):
            raise UnsupportedError(f"geodesic endpoints must be distributions (got {type(d).__name__}); "
                                   "use geoanim.parse('normal(0, 1)')")
    if p.dim != q.dim:
        raise UnsupportedError(f"the endpoints live in different dimensions ({p.dim} and {q.dim})")
    found, flipped = find_route(m, p, q)
    kw = m.kwargs
    path = found.build(q, p, **kw).reversed() if flipped else found.build(p, q, **kw)
    title = m.title.format(**{k: fmt(v) if isinstance(v, float) else v for k, v in kw.items()})
    label = f"{title} on {model_name(path.model)}" if m.show_model else title
    path = replace(path, metric=m.call, title=title, label=label)
    if p == q:
        # d(p, p) = 0 exactly, in every metric: a solve or a matrix square root that returns the
        # identity only to rounding (Bures, mvnormal Fisher-Rao) must not report 1e-16
        path = replace(path, length=0.0, point=lambda t: p, curve=None)
    return path


def route_for_family(metric: str, cls: type) -> Route | None:
    """The route two members of family ``cls`` take under ``metric``, decided from the classes alone
    (for ``geoanim families``): the most specific route whose classes and condition admit the family."""
    best: tuple[tuple[int, bool, int], Route] | None = None
    name = ALIASES.get(_key(metric), metric)
    if name in METRICS and _off_ground(METRICS[name], cls):
        return None
    for r in ROUTES.get(name, []):
        if not (issubclass(cls, r.left) and issubclass(cls, r.right)):
            continue
        if isinstance(r.when, SameFamilyWith) and not r.when.declared(cls):
            continue
        if isinstance(r.when, BothKind) and getattr(cls, "kind", None) != r.when.kind:
            continue
        key = (cls.__mro__.index(r.left) + cls.__mro__.index(r.right), r.when is None, r.order)
        if best is None or key < best[0]:
            best = (key, r)
    return None if best is None else best[1]


def listing() -> list[dict[str, Any]]:
    """Every metric with its routes, as plain data (``geoanim metrics --json``)."""
    return [{"name": m.name, "aliases": list(m.aliases), "title": m.title, "summary": m.summary,
             "convention": m.convention, "constant_speed": m.constant_speed, "cost": m.cost,
             "routes": [{"pairs": r.pairs(), "dimension": r.dim, "model": r.model, "method": r.method,
                         "note": r.note, "refuses": r.refuses} for r in ROUTES.get(m.name, [])]}
            for m in METRICS.values()]
