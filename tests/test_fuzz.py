"""Adversarial fuzzing of specs, parameters and geodesics, generated from the registries.

tests/test_properties.py checks the laws of geodesics on moderate, fixed draws. This module throws
hypothesis at the extremes instead: parameters log-uniform across 1e-300 .. 1e300, locations up to
±1e308, mixture weights of 1e-6, covariances with condition numbers up to 1e12, endpoints a
relative 1e-12 apart, and spec text written with keywords, aliases and nested laws. Nothing here
names a family or a metric: spec text is written from ``FAMILIES`` (each parameter's declared
domain says what to draw and how to write it), the pairs of each metric in ``METRICS`` come from
the same generator, and the only per-family knowledge is the table of mpmath references
(``REFERENCES``, each formula taken from docs/math.md), which a coverage test keeps complete for
every (metric, family) whose route answers in closed form or exactly.

Properties:

* parse, geodesic, distance, path(t) and, on the line, cdf/ppf/mean/var of the endpoints and the
  path points raise nothing but GeoanimError, and never take longer than ``HANG_SECONDS``;
* no NaN: a length is a finite number >= 0 or inf (never nan, never -0.0); cdf in [0, 1]; a mean
  is nan only where the variance is infinite; a variance is >= 0 or inf;
* d(p, p) == +0.0; d(p, q) == d(q, p) to 1e-9 relative (1e-6 where a method says quadrature);
* the triangle inequality through the path: d(p, m) + d(m, q) >= d(p, q)(1 - tol) and
  d(p, m) <= d(p, q)(1 + tol) for m = path(t);
* fisher-np (and Fisher-Rao on all densities) never exceeds pi, and is exactly pi for mutually
  singular laws (a discrete against a continuous law, disjoint supports, disjoint atoms);
* closed forms against mpmath at 50 digits, for endpoints a relative 1e-6, 1e-9 and 1e-12 apart
  (1e-8 relative accuracy) and for independent endpoints at extreme magnitudes (a correct finite
  answer, inf exactly where the true value exceeds the largest float, or a GeoanimError).

Known bugs of the package are not fixed here. Each has a deterministic regression test in
``REGRESSIONS``, marked ``xfail(strict=True)``, so the suite is green now and turns red when a fix
lands without the mark being removed. The fuzz properties recognise the same bugs through
``KNOWN`` (a predicate per bug on the failing check and its inputs), so they keep hunting for new
failures around the known ones; a violation no predicate explains fails with a reproduction
(spec strings and metric).

Deterministic (derandomize=True, no example database): about 35 s in one process, 25-30 s with
``-n 2``. Every example runs under a SIGALRM watchdog (``HANG_SECONDS``), and the 1-D interface of one
law under a shorter one (``SLOW_LAW``), so nothing can hang the suite. For a longer hunt:
``GEOANIM_FUZZ_SCALE=k`` multiplies every example budget, ``GEOANIM_FUZZ_RANDOM=1`` draws fresh examples,
``GEOANIM_FUZZ_COLLECT=file`` records unexplained violations there instead of failing on the first, and
``GEOANIM_FUZZ_STATS=file`` writes how often each property was evaluated (also printed with ``-s``).
"""

from __future__ import annotations

import collections
import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath as mp
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import geoanim
from geoanim.errors import GeoanimError, ValidationError
from geoanim.families import FAMILIES, Distribution, Multivariate, Univariate, family_classes
from geoanim.families.base import (
    Count,
    Interval,
    Law,
    Matrix,
    Positive,
    Probabilities,
    Probability,
    Real,
    Reals,
    Text,
    Unit,
)
from geoanim.paths.registry import ROUTES, get_metric, metric_calls, route_for_family

# every metric's geodesic (parametrised metrics by their examples): KL's straight lines (e, m,
# mixture, alpha), which are curves, not a metric's geodesics, are checked by tests/test_dual.py
# against closed forms and by the property suite
CALLS = [c for c in metric_calls() if get_metric(c).constant_speed]

geoanim.parse  # noqa: B018  (loads every metric module, so the derived families are registered too)

SCALE = float(os.environ.get("GEOANIM_FUZZ_SCALE", "1"))
RANDOM = os.environ.get("GEOANIM_FUZZ_RANDOM") == "1"  # a fresh hunt instead of the fixed examples
COLLECT = os.environ.get("GEOANIM_FUZZ_COLLECT")  # a file: record unexplained violations there, do not fail
HANG_SECONDS = 15.0  # one example, all its calls together
PLANE_CELLS_HANG_SECONDS = 45.0
"""WFR and entropic OT cut planar normals into ~1,000 cells: a plan takes 2-5 s, and one example's checks
solve five (the geodesic, its coarse-cell error estimate, d(p, path(t)) and d(path(t), q))."""
DEADLINE_MS = 50000  # hypothesis' own deadline: a backstop behind the watchdogs
PI = math.pi
TINY = 2.0 ** -1074
BIG = 1.7976931348623157e308


def budget(n: int) -> int:
    return max(1, int(n * SCALE))


def fuzz(n: int):
    return settings(derandomize=not RANDOM, database=None, max_examples=budget(n), deadline=DEADLINE_MS,
                    suppress_health_check=list(HealthCheck), print_blob=False)


# ---------------------------------------------------------------------------------------------
# the registry, read once
# ---------------------------------------------------------------------------------------------

CLASSES = family_classes()


def entry_class(name: str) -> type:
    e = FAMILIES[name]
    return e.cls if e.cls is not None else CLASSES[e.family]


def is_planar(cls: type) -> bool:
    return issubclass(cls, Multivariate)


def is_derived(cls: type) -> bool:
    return bool(getattr(cls, "derived", False))


def class_kind(cls: type) -> str:
    """The class's declared kind ("depends" where a property decides per law, as for mixtures)."""
    kind = next(klass.__dict__["kind"] for klass in cls.__mro__ if "kind" in klass.__dict__)
    return kind if isinstance(kind, str) else "depends"


# path points of the metrics solved between weighted atoms (WFR's measures of varying mass, the
# entropic bridge's mixtures): exercised as the points of those paths here and in test_wfr.py and
# test_entropic.py. Drawn as endpoints they also shift every derandomised draw of the other fuzzers
# (the pool's size changes), which trades a stable hunt for a new one each time a metric lands.
POINTS_OF_ATOM_METRICS = ("geoanim.paths.wfr", "geoanim.paths.entropic")


def why_not_drawn(name: str) -> str | None:
    for prm in FAMILIES[name].params:
        if isinstance(prm.domain, Text):
            return f"parameter `{prm.name}` is a file name (Text): no file is written for a fuzz example"
    if entry_class(name).__module__ in POINTS_OF_ATOM_METRICS:
        return "a point of a WFR or entropic path: drawn as such (path(t)), not as an endpoint"
    return None


NOT_DRAWN = {name: why for name in FAMILIES if (why := why_not_drawn(name))}
DRAWN = [name for name in FAMILIES if name not in NOT_DRAWN]
BASE = [n for n in DRAWN if not is_derived(entry_class(n))]  # endpoints of a derived law are drawn from these
BASE_LINE = [n for n in BASE if not is_planar(entry_class(n))]
BASE_PLANE = [n for n in BASE if is_planar(entry_class(n))]
DERIVED_LINE = [n for n in DRAWN if is_derived(entry_class(n)) and not is_planar(entry_class(n))]
DERIVED_PLANE = [n for n in DRAWN if is_derived(entry_class(n)) and is_planar(entry_class(n))]
CONTINUOUS_LINE = [n for n in BASE_LINE if class_kind(entry_class(n)) == "continuous"]
MIXTURE = "mixture"  # not a registered name: `w1*d1 + w2*d2` in a spec

# ---------------------------------------------------------------------------------------------
# values, drawn from each declared domain, and written as spec text
# ---------------------------------------------------------------------------------------------


def log_uniform(lo_exp: float, hi_exp: float) -> st.SearchStrategy[float]:
    return st.floats(lo_exp, hi_exp).map(lambda e: 10.0 ** e)


EDGE_REALS = [0.0, -0.0, 1.0, -1.0, 1e308, -1e308, BIG, -BIG, 1e-300, -1e-300, TINY, 2.2250738585072014e-308,
              9007199254740993.0, 1e16]
REAL = st.one_of(
    st.floats(-10.0, 10.0),
    st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(-300.0, 308.25)).map(lambda se: se[0] * 10.0 ** se[1]),
    st.sampled_from(EDGE_REALS),
)
POSITIVE = st.one_of(st.floats(0.05, 20.0), log_uniform(-300.0, 300.0),
                     st.sampled_from([1e-300, 1e300, 1.0, TINY, 2.2250738585072014e-308, BIG]))
WEIGHT = st.one_of(st.floats(0.05, 1.0), st.sampled_from([1e-6, 1e-9, 1e-12, 1e-300, 0.0]))
UNIT = st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1e-12, 1.0 - 2.0 ** -53]))


def number(x: float) -> str:
    return repr(float(x))


def numbers(xs) -> str:
    return "[" + ", ".join(number(x) for x in xs) + "]"


@st.composite
def probabilities(draw, n: int) -> tuple[float, ...]:
    raw = [draw(WEIGHT) for _ in range(n)]
    if not any(raw):
        raw[draw(st.integers(0, n - 1))] = 1.0
    total = math.fsum(raw)
    return tuple(r / total for r in raw)


@st.composite
def reals(draw, n: int) -> tuple[float, ...]:
    xs = [draw(REAL) for _ in range(n)]
    return tuple(sorted(set(xs), key=xs.index)) if draw(st.booleans()) else tuple(xs)


def rotation(n: int, angles) -> np.ndarray:
    R = np.eye(n)
    for k, a in enumerate(angles):
        i, j = k % n, (k + 1) % n
        G = np.eye(n)
        G[i, i] = G[j, j] = math.cos(a)
        G[i, j], G[j, i] = -math.sin(a), math.sin(a)
        R = R @ G
    return R


@st.composite
def covariance(draw, n: int) -> tuple[tuple[float, ...], ...]:
    """A covariance: scale 1e-300 .. 1e300, condition number up to 1e12, any orientation."""
    top = draw(st.one_of(st.just(1.0), log_uniform(-300.0, 300.0)))
    cond = draw(st.one_of(st.just(1.0), log_uniform(0.0, 12.0), st.just(1e12)))
    eig = np.array([top] + [top / cond ** ((k + 1) / (n - 1 or 1)) for k in range(n - 1)])
    angles = [draw(st.one_of(st.just(0.0), st.floats(0.0, math.pi))) for _ in range(n)]
    R = rotation(n, angles)
    with np.errstate(all="ignore"):
        C = (R * eig) @ R.T
        C = 0.5 * (C + C.T)  # exactly symmetric: a + b == b + a
    return tuple(tuple(float(v) for v in row) for row in C)


@st.composite
def value_text(draw, prm, n: int, depth: int) -> str:
    """Spec text for one argument, drawn from the parameter's declared domain."""
    d = prm.domain
    if isinstance(d, Unit):
        return number(draw(UNIT))
    if isinstance(d, Count):
        return number(float(draw(st.one_of(st.integers(1, 30), st.integers(1, d.upper)))))
    if isinstance(d, Probability):
        lo = 0.0 if not d.open_lo else 5e-324
        hi = 1.0 if not d.open_hi else 1.0 - 2.0 ** -53
        return number(draw(st.one_of(st.floats(lo, hi), st.sampled_from([lo, hi, 0.5, 1e-9, 1.0 - 1e-9]))))
    if isinstance(d, Interval):
        return number(draw(st.floats(d.lo, d.hi)))
    if isinstance(d, Positive):
        v = draw(POSITIVE)
        v = v if d.upper is None else min(v, d.upper)
        return number(v if d.lower is None else max(v, d.lower))
    if isinstance(d, Real):
        return number(draw(REAL))
    if isinstance(d, Probabilities):
        return numbers(draw(probabilities(n)))
    if isinstance(d, Reals):
        return numbers(draw(reals(n)))
    if isinstance(d, Matrix):
        if prm.role == "scale2":
            rows = draw(covariance(n))
        else:  # points in the plane
            rows = [draw(reals(2)) for _ in range(n)]
        return "[" + ", ".join(numbers(r) for r in rows) + "]"
    if isinstance(d, Law):
        names = BASE_PLANE if d.planar else BASE_LINE
        return draw(base_spec(names))
    raise LookupError(f"no generator for the domain {type(d).__name__} (parameter `{prm.name}`)")


@st.composite
def entry_spec(draw, name: str, depth: int = 0) -> str:
    """A call of ``name`` with every required parameter and some optional ones, positional or by
    keyword (the name or an alias), each value drawn from its declared domain."""
    n = draw(st.sampled_from([2, 2, 3, 1]))  # one length for every list, so lists that must agree can
    args: list[str] = []
    keywords = False
    for prm in FAMILIES[name].params:
        if not prm.required and draw(st.booleans()):
            keywords = True  # a later argument can no longer be positional
            continue
        text = draw(value_text(prm, n, depth))
        if keywords or prm.keyword or draw(st.integers(0, 4)) == 0:
            keywords = True
            args.append(f"{draw(st.sampled_from((prm.name, *prm.aliases)))}={text}")
        else:
            args.append(text)
    return f"{name}({', '.join(args)})"


@st.composite
def mixture_spec(draw) -> str:
    k = draw(st.integers(2, 3))
    comps = [draw(entry_spec(draw(st.sampled_from(CONTINUOUS_LINE)), 1)) for _ in range(k)]
    raw = [draw(st.one_of(st.floats(0.05, 1.0), st.sampled_from([1e-6, 1e-9, 1e-12]))) for _ in range(k)]
    total = math.fsum(raw)
    return " + ".join(f"{number(w / total)}*{c}" for w, c in zip(raw, comps))


def base_spec(names: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(names).flatmap(lambda n: entry_spec(n, 1))


@st.composite
def law_spec(draw, planar: bool, name: str | None = None) -> tuple[str, str]:
    """(name, spec text): a registered name, "mixture", or a derived law (rarely: they are slow)."""
    if name is None:
        base = BASE_PLANE if planar else BASE_LINE
        derived = DERIVED_PLANE if planar else DERIVED_LINE
        pool = base * 6 + ([] if planar else [MIXTURE] * 2) + derived
        name = draw(st.sampled_from(pool))
    if name == MIXTURE:
        return name, draw(mixture_spec())
    return name, draw(entry_spec(name))


# ---------------------------------------------------------------------------------------------
# perturbation: p' with every number moved by a relative eps (the same law family and shape)
# ---------------------------------------------------------------------------------------------


def _move(draw, x: float, eps: float) -> float:
    return x * (1.0 + eps * draw(st.floats(-1.0, 1.0))) if x != 0.0 else x


def transferred(draw, w: tuple[float, ...], eps: float) -> tuple[float, ...]:
    """w with a relative eps of one entry's mass moved to another, exactly: the total stays the same
    bit for bit, so whether a law reads its probabilities as given or normalised cannot matter."""
    live = [i for i, x in enumerate(w) if x > 0]
    if len(live) < 2:
        return w
    i, j = draw(st.permutations(live))[:2]
    h = eps * draw(st.floats(0.1, 1.0)) * min(w[i], w[j])
    out = list(w)
    out[i] = w[i] + h
    h = out[i] - w[i]  # exact (Sterbenz): what actually moved
    out[j] = w[j] - h
    if h == 0 or w[j] - out[j] != h or math.fsum([*out, *(-x for x in w)]) != 0.0:
        return w
    return tuple(out)


def perturbed(draw, d: Distribution, eps: float, only: set[str] | None = None) -> Distribution:
    """d with its numbers moved by a relative eps: probabilities renormalised, covariances moved
    by a congruence (I + eps E) C (I + eps E)' so they stay positive definite."""
    from geoanim.families import Mixture

    if isinstance(d, Mixture):
        return Mixture(transferred(draw, d.weights, eps), tuple(perturbed(draw, c, eps) for c in d.components))
    kw: dict[str, Any] = {}
    for prm in type(d).PARAMS:
        v = getattr(d, prm.name)
        dom = prm.domain
        if v is None or (only is not None and prm.name not in only):
            kw[prm.name] = v
        elif isinstance(dom, Law):
            kw[prm.name] = perturbed(draw, v, eps)
        elif isinstance(dom, Unit):
            kw[prm.name] = min(max(_move(draw, v, eps), 0.0), 1.0)
        elif isinstance(dom, Interval):
            kw[prm.name] = min(max(_move(draw, v, eps), dom.lo), dom.hi)
        elif isinstance(dom, Probabilities):
            kw[prm.name] = transferred(draw, v, eps)
        elif isinstance(dom, Matrix) and prm.role == "scale2":
            C = np.array(v)
            E = np.array([[draw(st.floats(-1.0, 1.0)) for _ in C] for _ in C])
            A = np.eye(len(C)) + eps * E
            with np.errstate(all="ignore"):
                S = A @ C @ A.T
                S = 0.5 * (S + S.T)
            kw[prm.name] = tuple(tuple(float(x) for x in r) for r in S)
        elif isinstance(dom, Matrix):
            kw[prm.name] = tuple(tuple(_move(draw, x, eps) for x in r) for r in v)
        elif isinstance(dom, Reals):
            kw[prm.name] = tuple(_move(draw, x, eps) for x in v)
        elif isinstance(dom, (Real, Positive)):
            kw[prm.name] = _move(draw, v, eps)
        else:
            kw[prm.name] = v
    return type(d)(**kw)


# ---------------------------------------------------------------------------------------------
# running the package: a watchdog, and the one place foreign exceptions are caught
# ---------------------------------------------------------------------------------------------


class Hang(Exception):
    """An example ran longer than HANG_SECONDS."""


class Slow(Exception):
    """One call ran longer than its own, shorter limit (inside an example)."""


@contextlib.contextmanager
def watchdog(seconds: float = HANG_SECONDS, raising: type[Exception] = Hang):
    """Raise ``raising`` inside whatever runs for longer than ``seconds`` (SIGALRM, so the main thread
    only). Nests: an inner limit shorter than what is left of an outer one takes over for its block,
    and the outer one resumes with its remaining time."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    outer_left, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_handler = signal.getsignal(signal.SIGALRM)
    if outer_left and outer_left <= seconds:
        yield  # the outer limit comes first: it stays in charge
        return
    started = time.monotonic()

    def ring(signum, frame):
        raise raising(f"ran for more than {seconds} s")

    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_left:
            signal.setitimer(signal.ITIMER_REAL, max(outer_left - (time.monotonic() - started), 1e-3))


@dataclass
class Ctx:
    """What a check was looking at, for the known-bug predicates and the failure message."""

    check: str
    metric: str = ""
    p: Any = None
    q: Any = None
    detail: str = ""
    exc: BaseException | None = None
    extra: dict[str, Any] | None = None

    def repro(self) -> str:
        parts = [f"check {self.check}"]
        if self.metric:
            parts.append(f"metric {self.metric!r}")
        for label, d in (("p", self.p), ("q", self.q)):
            if d is not None:
                parts.append(f"{label} = {d if isinstance(d, str) else safe_str(d)!r}")
        if self.detail:
            parts.append(self.detail)
        if self.exc is not None:
            parts.append(f"raised {type(self.exc).__name__}: {str(self.exc)[:300]}")
        return "; ".join(parts)


def safe_str(d: Any) -> str:
    try:
        return str(d)
    except Exception as exc:  # noqa: BLE001 - a repr for the message only
        return f"<{type(d).__name__}: str() raised {type(exc).__name__}>"


SEEN: collections.Counter = collections.Counter()  # known bug id -> how often the fuzzers met it
COUNTS: collections.Counter = collections.Counter()  # property -> how often it was evaluated


def evaluated(prop: str) -> None:
    COUNTS[prop] += 1


def violation(ctx: Ctx) -> None:
    """A property failed: fine if a known bug explains it, else fail with a reproduction."""
    for bug in KNOWN:
        try:
            explained = bug.matches(ctx)
        except Exception:  # noqa: BLE001 - a predicate that cannot tell does not explain it
            explained = False
        if explained:
            SEEN[bug.id] += 1
            return
    if COLLECT:
        with open(COLLECT, "a") as fh:
            fh.write(ctx.repro().replace("\n", " ") + "\n")
        return
    raise AssertionError(ctx.repro())


def attempt(ctx: Ctx, fn: Callable, *args) -> Any:
    """fn(*args); a GeoanimError gives None (a clean refusal), anything else is a violation."""
    try:
        return fn(*args)
    except GeoanimError:
        return None
    except (Hang, Slow):
        raise
    except Exception as exc:  # noqa: BLE001 - the property under test: only GeoanimError may escape
        ctx.exc = exc
        violation(ctx)
        return None


NOW: dict[str, Any] = {}  # what the running example is doing: a hang reports it


def guarded(ctx: Ctx, body: Callable[[], None], seconds: float = HANG_SECONDS) -> None:
    """body() under the watchdog; running over ``seconds`` is a violation like any other."""
    started = time.monotonic()
    NOW.clear()
    try:
        with watchdog(seconds):
            body()
    except Hang as exc:
        ctx.detail = f"{time.monotonic() - started:.1f} s, in {NOW.get('stage', '?')}"
        ctx.exc = exc
        ctx.extra = {**(ctx.extra or {}), **NOW}
        violation(ctx)


def is_quadrature(*methods: str) -> bool:
    return any("quadrature" in m for m in methods)


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------


def check_length(ctx: Ctx, L: Any) -> None:
    evaluated("length is a float >= +0.0 or inf")
    ok = isinstance(L, float) and not math.isnan(L) and L >= 0.0 and math.copysign(1.0, L) == 1.0
    if not ok:
        ctx.detail = f"length {L!r}: must be a float >= +0.0 or inf"
        violation(ctx)


PROBE_U = (0.0, 1e-300, 1e-12, 0.25, 0.5, 0.75, 1.0 - 1e-12, 1.0)
PROBE_U_SLOW = (0.0, 1e-300, 0.5, 1.0)  # for laws whose quantiles are solved numerically, one by one
PROBE_X = (0.0, -1.0, 1.0, 1e300, -1e300)
FAST_PPF = 0.05  # seconds for one quantile: below, probe all of PROBE_U
SLOW_PPF = 0.75  # above: a violation
SLOW_LAW = 1.5  # seconds for the whole 1-D interface of one law


def check_law(ctx: Ctx, d: Any) -> None:
    """On the line: mean, var, cdf and ppf at a few arguments raise nothing but GeoanimError and
    give no NaN (mean only where the variance is infinite); cdf in [0, 1]; ppf non-decreasing. One
    quantile may take SLOW_PPF seconds, the whole interface SLOW_LAW (a plot asks for hundreds)."""
    if not isinstance(d, Univariate):
        return
    evaluated("1-D law interface (mean, var, cdf, ppf)")
    text = safe_str(d)
    NOW.update(stage="the 1-D law interface", law=d)

    def sub(check: str = "", detail: str = "", values: Any = None) -> Ctx:
        return Ctx(ctx.check + check, ctx.metric, ctx.p, ctx.q, detail=detail, extra={"law": d, "values": values})

    started = time.monotonic()
    try:
        with watchdog(SLOW_LAW, Slow):
            _probe_law(d, text, sub)
    except Slow:
        violation(sub("/slow", f"mean, var, cdf and ppf of {text} took more than {time.monotonic() - started:.1f} s"))
    NOW.update(stage="", law=None)


def _probe_law(d: Univariate, text: str, sub: Callable[..., Ctx]) -> None:
    var = attempt(sub("/law", f"var of {text}"), lambda: d.var)
    mean = attempt(sub("/law", f"mean of {text}"), lambda: d.mean)
    if var is not None and (math.isnan(var) or var < 0):
        violation(sub("/var", f"var of {text} = {var!r}", var))
    if mean is not None and var is not None and math.isnan(mean) and not math.isinf(var):
        violation(sub("/mean", f"mean of {text} is nan but var = {var!r}", mean))
    started = time.monotonic()
    mid = attempt(sub("/law", f"ppf(0.5) of {text}"), d.ppf, 0.5)
    took = time.monotonic() - started
    if took > SLOW_PPF:
        violation(sub("/slow", f"ppf(0.5) of {text} took {took:.2f} s", took))
        return
    xs = np.array([*PROBE_X, *([float(mid)] if mid is not None and math.isfinite(mid) else [])])
    F_ = attempt(sub("/law", f"cdf of {text} at {xs.tolist()}"), d.cdf, xs)
    if F_ is not None:
        F_ = np.asarray(F_, dtype=float)
        if np.isnan(F_).any() or (F_ < 0).any() or (F_ > 1).any():
            violation(sub("/cdf", f"cdf of {text} at {xs.tolist()} = {F_.tolist()}", F_))
    us = np.array(PROBE_U if took < FAST_PPF else PROBE_U_SLOW)
    Q = attempt(sub("/law", f"ppf of {text} at {us.tolist()}"), d.ppf, us)
    if Q is not None:
        Q = np.asarray(Q, dtype=float)
        if np.isnan(Q).any() or (np.diff(Q) < 0).any():
            violation(sub("/ppf", f"ppf of {text} at {us.tolist()} = {Q.tolist()}", Q))


def rel_close(a: float, b: float, rtol: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def geodesic_checks(metric: str, p: Distribution, q: Distribution, t: float) -> None:
    """Every property of one (p, q) pair under one metric."""
    ctx = lambda check, **kw: Ctx(check, metric, p, q, **kw)  # noqa: E731
    check_law(ctx("endpoint"), p)
    check_law(ctx("endpoint"), q)
    NOW.update(stage="geodesic(p, q)")
    fwd = attempt(ctx("geodesic"), geoanim.geodesic, p, q, metric)
    if fwd is None:
        return
    check_length(ctx("length"), fwd.length)
    dist = attempt(ctx("distance"), geoanim.distance, p, q, metric)
    if dist is not None and not (dist == fwd.length or (math.isnan(dist) and math.isnan(fwd.length))):
        violation(ctx("distance", detail=f"distance {dist!r} != geodesic length {fwd.length!r}"))
    # (a metric's geodesic on the sphere: a curve that is not one may be longer than pi)
    on_sphere = metric == "fisher-np" or (fwd.model == "densities" and get_metric(metric).constant_speed)
    if on_sphere:
        evaluated("fisher-np <= pi")
    if on_sphere and not fwd.length <= PI * (1 + 4e-16):
        violation(ctx("fisher-np<=pi", detail=f"length {fwd.length!r} > pi ({fwd.method})"))
    NOW.update(stage="geodesic(q, p)")
    back = attempt(ctx("geodesic-reverse"), geoanim.geodesic, q, p, metric)
    if back is None:
        violation(ctx("geodesic-reverse", detail="d(p, q) is computed but d(q, p) raises a GeoanimError"))
        return
    rtol = 1e-6 if is_quadrature(fwd.method, back.method) else 1e-9
    evaluated(f"symmetry [{metric}]")
    if not (rel_close(fwd.length, back.length, rtol) or abs(fwd.length - back.length) <= fwd.error + back.error):
        violation(ctx("symmetry", detail=f"d(p, q) = {fwd.length!r} ({fwd.method}), d(q, p) = {back.length!r} "
                                         f"({back.method})", extra={"fwd": fwd, "back": back}))
    cost = get_metric(metric).cost  # a transport cost (√OT_ε): positive from x to x, no triangle inequality
    for x in (p, q):
        evaluated("d(x, x) == +0.0" if not cost else "cost(x, x) >= 0")
        d0 = attempt(ctx("self-distance"), geoanim.distance, x, x, metric)
        if d0 is not None and not self_distance_ok(d0, cost):
            violation(ctx("self-distance", detail=f"d(x, x) = {d0!r} for x = {safe_str(x)}"))
    NOW.update(stage="path(t)")
    m = attempt(ctx("path(t)", detail=f"t = {t!r}"), fwd, t)
    if m is None:
        return
    check_law(ctx("path(t)", detail=f"t = {t!r}"), m)
    evaluated("d(x, x) == +0.0" if not cost else "cost(x, x) >= 0")
    d0 = attempt(ctx("self-distance", detail=f"t = {t!r}"), geoanim.distance, m, m, metric)
    if d0 is not None and not self_distance_ok(d0, cost):
        violation(ctx("self-distance", detail=f"d(x, x) = {d0!r} for x = path({t!r}) = {safe_str(m)}"))
    if cost:
        return
    NOW.update(stage="d(p, path(t)) and d(path(t), q)", m=m)
    d_pm = attempt(ctx("d(p, path(t))", detail=f"t = {t!r}"), geoanim.geodesic, p, m, metric)
    d_mq = attempt(ctx("d(path(t), q)", detail=f"t = {t!r}"), geoanim.geodesic, m, q, metric)
    if d_pm is None or d_mq is None:
        return
    for g in (d_pm, d_mq):
        check_length(ctx("length", detail=f"sub-path at t = {t!r}"), g.length)
    L, a, b = fwd.length, d_pm.length, d_mq.length
    if any(map(math.isnan, (L, a, b))):
        return
    tol = 1e-6 if is_quadrature(fwd.method, d_pm.method, d_mq.method) else 1e-9
    slack = representation_slack(metric, p, q) + fwd.error + d_pm.error + d_mq.error
    evaluated(f"triangle through path(t) [{metric}]")
    info = {"t": t, "L": L, "a": a, "b": b, "tol": tol, "m": m, "methods": (fwd.method, d_pm.method, d_mq.method)}
    if not a + b >= L * (1 - tol) - slack:
        violation(ctx("triangle", detail=f"t = {t!r}: d(p, m) + d(m, q) = {a!r} + {b!r} < d(p, q) = {L!r} "
                                         f"({info['methods']})", extra=info))
    if not a <= L * (1 + tol) + slack:
        violation(ctx("triangle-bound", detail=f"t = {t!r}: d(p, m) = {a!r} > d(p, q) = {L!r} ({info['methods']})",
                      extra=info))


def self_distance_ok(d0: float, cost: bool) -> bool:
    """d(x, x) is exactly +0.0 for a metric; a transport cost is finite and >= 0."""
    if cost:
        return math.isfinite(d0) and d0 >= 0.0
    return d0 == 0.0 and math.copysign(1.0, d0) == 1.0


def representation_slack(metric: str, p, q) -> float:
    """How far d(p, m) may be off only because the point m = path(t) is stored in floats: a few ulps in
    a dimensionless distance, and a few ulps of the covariance's scale in W2 (whose entries are rounded);
    not the locations' (a shared coordinate is exactly representable and must stay put)."""
    scale = 1.0
    if metric == "wasserstein":
        for d in (p, q):
            cov = getattr(d, "cov", None)
            if cov is not None:
                scale = max(scale, 1.0 + math.sqrt(float(np.abs(np.array(cov)).max())))
    return 8 * 2.0 ** -52 * scale


def parse_law(text: str) -> Distribution | None:
    """parse(text): a Distribution, or None after a clean GeoanimError (anything else is a violation)."""
    d = attempt(Ctx("parse", p=text), geoanim.parse, text)
    if d is not None:
        again = attempt(Ctx("parse(str(d))", p=text, q=safe_str(d)), geoanim.parse, str(d))
        if again is not None and again != d:
            violation(Ctx("round trip", p=text, detail=f"parse(str(d)) = {safe_str(again)} != {safe_str(d)}"))
    return d


@pytest.fixture(scope="module", autouse=True)
def warm_up():
    """Import what the routes import lazily (scipy.optimize, POT, ...) before any watchdog runs: a
    first import takes a second or more and is not the package being slow."""
    for metric in CALLS:
        for name in BASE:
            with contextlib.suppress(GeoanimError, AssertionError):
                geoanim.distance(moderate_law(name, 1), moderate_law(name, 2), metric)
    yield
    lines = [f"{n:6d}  {prop}" for prop, n in sorted(COUNTS.items())]
    lines += [f"{n:6d}  known bug met: {bug}" for bug, n in sorted(SEEN.items())]
    report = "\n".join(["fuzz: how often each property was evaluated", *lines])
    print("\n" + report)
    if os.environ.get("GEOANIM_FUZZ_STATS"):
        with open(os.environ["GEOANIM_FUZZ_STATS"], "w") as fh:
            fh.write(report + "\n")


# ---------------------------------------------------------------------------------------------
# fuzz 1: spec text from the registry, parsed, and the 1-D interface of what it parses to
# ---------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@fuzz(150)
@given(st.booleans().flatmap(lambda planar: law_spec(planar)))
def test_specs_parse_or_refuse(named):
    name, text = named

    def body():
        d = parse_law(text)
        if d is not None:
            check_law(Ctx("spec", p=text), d)

    guarded(Ctx("hang", p=text), body)


# ---------------------------------------------------------------------------------------------
# fuzz 2: pairs under every metric
# ---------------------------------------------------------------------------------------------


def metric_dims(metric: str) -> list[bool]:
    """planar or not, for each dimension some route of ``metric`` serves."""
    return sorted({r.dim == "2-D" for r in ROUTES.get(get_metric(metric).name, [])})


@st.composite
def pair(draw, metric: str):
    """(p, q) for a metric: independent laws of one family, of any two families, or p and a copy
    of p moved by a relative 1e-3 .. 1e-15."""
    planar = draw(st.sampled_from(metric_dims(metric)))
    name, p_text = draw(law_spec(planar))
    how = draw(st.sampled_from(["same", "same", "any", "near"]))
    if how == "any":
        _, q_text = draw(law_spec(planar))
        return p_text, q_text, None
    if how == "same":
        return p_text, draw(law_spec(planar, name))[1], None
    return p_text, None, draw(st.sampled_from([1e-3, 1e-6, 1e-9, 1e-12, 1e-15]))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("metric", CALLS)
@fuzz(40)
@given(data=st.data())
def test_geodesics_fuzz(metric, data):
    p_text, q_text, eps = data.draw(pair(metric), label="pair")
    t = data.draw(UNIT, label="t")

    def body():
        p = parse_law(p_text)
        if p is None:
            return
        if eps is None:
            q = parse_law(q_text)
        else:
            q = attempt(Ctx("perturb", metric, p), lambda: perturbed(data.draw, p, eps))
        if q is not None:
            geodesic_checks(metric, p, q, t)

    cells = metric.startswith(("wfr", "entropic")) and "mvnormal" in f"{p_text} {q_text}"
    guarded(Ctx("hang", metric, p_text, q_text if eps is None else f"{p_text} moved by {eps}"), body,
            PLANE_CELLS_HANG_SECONDS if cells else HANG_SECONDS)


# ---------------------------------------------------------------------------------------------
# fuzz 3: fisher-np is exactly pi between mutually singular laws
# ---------------------------------------------------------------------------------------------

NP_METRICS = [m for m in CALLS if get_metric(m).constant_speed
              and any(r.model == "densities" for r in ROUTES[get_metric(m).name])]


def atoms_of(d) -> set:
    if isinstance(d, Univariate):
        return set(np.asarray(d.atoms()[0]).tolist())
    return {tuple(r) for r in np.asarray(d.atoms2d()[0]).tolist()}


def singular(p, q) -> str | None:
    """Why p and q are mutually singular, when that is certain from their kinds, supports or atoms."""
    kinds = {p.kind, q.kind}
    if kinds == {"continuous", "discrete"}:
        return "a continuous law against a discrete one"
    if kinds == {"discrete"} and not atoms_of(p) & atoms_of(q):
        return "disjoint atoms"
    if kinds == {"continuous"} and isinstance(p, Univariate):
        (a0, a1), (b0, b1) = p.support, q.support
        if a1 <= b0 or b1 <= a0:
            return "disjoint supports"
    return None


def move_apart(p, q):
    """q shifted past p's support or atoms, where the family is closed under shifts."""
    if isinstance(p, Univariate):
        lo_q = q.support[0] if q.kind == "continuous" else float(q.atoms()[0][0])
        hi_p = p.support[1] if p.kind == "continuous" else float(p.atoms()[0][-1])
    else:
        lo_q = float(np.min(q.atoms2d()[0][:, 0])) if q.kind == "discrete" else -math.inf
        hi_p = float(np.max(p.atoms2d()[0][:, 0])) if p.kind == "discrete" else math.inf
    if not (math.isfinite(lo_q) and math.isfinite(hi_p)):
        return None
    s = (hi_p - lo_q) + 1.0 + abs(hi_p - lo_q) * 1e-3
    return q.shifted(s) if math.isfinite(s) else None


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@fuzz(60)
@given(st.data())
def test_fisher_np_is_pi_for_mutually_singular_laws(data):
    metric = data.draw(st.sampled_from(NP_METRICS), label="metric")
    planar = data.draw(st.booleans(), label="planar")
    base = BASE_PLANE if planar else BASE_LINE
    p_text = data.draw(base_spec(base), label="p")
    q_text = data.draw(base_spec(base), label="q")
    p, q = parse_law(p_text), parse_law(q_text)
    if p is None or q is None or p.dim != q.dim:
        return
    why = singular(p, q)
    if why is None:
        q = attempt(Ctx("shift", metric, p, q), move_apart, p, q)
        why = None if q is None else singular(p, q)
    assume(why is not None)

    def body():
        g = attempt(Ctx("geodesic", metric, p, q), geoanim.geodesic, p, q, metric)
        if g is None or g.model != "densities":
            return
        evaluated(f"pi for mutually singular laws [{metric}]")
        if g.length != PI:
            violation(Ctx("singular=pi", metric, p, q, detail=f"{why}: d = {g.length!r} != pi ({g.method})",
                          extra={"method": g.method, "length": g.length}))

    guarded(Ctx("hang", metric, p, q), body)


# ---------------------------------------------------------------------------------------------
# references: the closed forms of docs/math.md, evaluated by mpmath at 50 digits
# ---------------------------------------------------------------------------------------------

DPS = 50


def F(x) -> mp.mpf:
    return mp.mpf(float(x))


def halfplane(x1, y1, x2, y2):
    """docs/math.md#the-hyperbolic-half-plane-distance-and-geodesic: 2 asinh(|z1 - z2| / (2 sqrt(y1 y2)))."""
    return 2 * mp.asinh(mp.sqrt((x1 - x2) ** 2 + (y1 - y2) ** 2) / (2 * mp.sqrt(y1 * y2)))


def from_hellinger(h2):
    """docs/math.md#fisher-rao-on-all-densities-nonparametric-sphere: d = 2 arccos BC = 4 atan2(H, sqrt(4 - H^2))
    with H^2 = 2 - 2 BC (the atan2 form: BC = 1 - 1e-300 is 1 at any working precision)."""
    h2 = min(max(h2, mp.mpf(0)), mp.mpf(4))
    return 4 * mp.atan2(mp.sqrt(h2), mp.sqrt(4 - h2))


def from_log_bc(log_bc):
    return from_hellinger(-2 * mp.expm1(log_bc))


def atoms_mp(d) -> dict:
    """Atom location -> mass (mpf) of a law given by its parameters, normalised to total mass 1."""
    locs = getattr(d, "locations", None)
    weights = getattr(d, "weights", None)
    if locs is None:
        locs, weights = d.at, d.probs
    out: dict = {}
    for x, w in zip(locs, weights):
        key = tuple(x) if isinstance(x, tuple) else float(x)
        out[key] = out.get(key, mp.mpf(0)) + F(w)
    total = mp.fsum(out.values())
    return {k: v / total for k, v in out.items() if v > 0}


def poisson_atoms_mp(rate: float) -> dict | None:
    """Poisson(rate) atoms, down to tail mass 1e-40 (None beyond rate 1e4: too many to sum here)."""
    if rate > 1e4:
        return None
    tail = mp.mpf("1e-40")
    lam = F(rate)
    k = max(0, int(rate - 40 * math.sqrt(rate) - 60))
    out, below = {}, mp.mpf(0)
    while True:
        m = mp.exp(k * mp.log(lam) - lam - mp.loggamma(k + 1))
        out[float(k)] = m
        below += m
        if k > rate and 1 - below < tail:
            return out
        k += 1


def hellinger_atoms(a: dict, b: dict):
    """H^2 of two pmfs: sum over the union of atoms of (sqrt P - sqrt Q)^2, each term as
    (P - Q)^2 / (sqrt P + sqrt Q)^2 so that nothing cancels."""
    return mp.fsum((a.get(k, 0) - b.get(k, 0)) ** 2 / (mp.sqrt(a.get(k, 0)) + mp.sqrt(b.get(k, 0))) ** 2
                   for k in a.keys() | b.keys())


def w2_atoms(a: dict, b: dict):
    """docs/math.md#wasserstein-2-atoms-monotone-coupling: merge the cumulative levels, sum
    (u_k+1 - u_k)(x - y)^2 with x, y the quantiles on each piece."""
    xs, ys = sorted(a), sorted(b)
    ca, acc = [], mp.mpf(0)
    for x in xs:
        acc += a[x]
        ca.append(acc)
    cb, acc = [], mp.mpf(0)
    for y in ys:
        acc += b[y]
        cb.append(acc)
    ca[-1], cb[-1] = mp.mpf(1), mp.mpf(1)
    levels = sorted({mp.mpf(0), *ca, *cb})
    total, i, j = mp.mpf(0), 0, 0
    for lo, hi in zip(levels[:-1], levels[1:]):
        while ca[i] <= lo:
            i += 1
        while cb[j] <= lo:
            j += 1
        total += (hi - lo) * (F(xs[i]) - F(ys[j])) ** 2
    return mp.sqrt(total)


def mvn(d):
    return mp.matrix([F(v) for v in d.mean]), mp.matrix([[F(v) for v in r] for r in d.cov])


def sym_fn_mp(S, fn):
    w, V = mp.eigsy(S)
    return V * mp.diag([fn(x) for x in w]) * V.T


def logdet(S):
    w, _ = mp.eigsy(S)
    return mp.fsum(mp.log(x) for x in w)


def trace(M):
    return mp.fsum(M[i, i] for i in range(M.rows))


# (metric, family) -> reference(p, q): mpf (inf where the true distance is infinite) or None where no
# closed form applies to the pair. Each formula cites the section of docs/math.md it comes from.


def ref_fisher_normal(p, q):  # #fisher-rao-location-scale-families-half-plane (the asinh form)
    return 2 * mp.sqrt(2) * mp.asinh(mp.sqrt(((F(p.mean) - F(q.mean)) ** 2 / 2 + (F(p.std) - F(q.std)) ** 2)
                                             / (4 * F(p.std) * F(q.std))))


def ref_fisher_laplace(p, q):  # ds^2 = (dmu^2 + db^2)/b^2: the plain half-plane in (loc, scale)
    return halfplane(F(p.loc), F(p.scale), F(q.loc), F(q.scale))


def ref_fisher_cauchy(p, q):  # ds^2 = (dx0^2 + dgamma^2)/(2 gamma^2): the half-plane / sqrt 2
    return halfplane(F(p.loc), F(p.scale), F(q.loc), F(q.scale)) / mp.sqrt(2)


def ref_fisher_exponential(p, q):  # #fisher-rao-one-parameter-families-arc-length: |log(rate2/rate1)|
    return abs(mp.log(F(q.rate) / F(p.rate)))


def ref_fisher_poisson(p, q):  # 2 |sqrt(rate1) - sqrt(rate2)|
    return 2 * abs(mp.sqrt(F(p.rate)) - mp.sqrt(F(q.rate)))


def ref_fisher_halfnormal(p, q):  # sqrt 2 |log(scale2/scale1)|
    return mp.sqrt(2) * abs(mp.log(F(q.scale) / F(p.scale)))


def ref_np_discrete(p, q):  # the sphere with counting measure (#fisher-rao-categorical-sphere)
    return from_hellinger(hellinger_atoms(atoms_mp(p), atoms_mp(q)))


def ref_np_normal(p, q):  # #bhattacharyya-coefficient-closed-forms: the log1p form of log BC
    s1, s2, dm = F(p.std), F(q.std), F(p.mean) - F(q.mean)
    return from_log_bc(-mp.log1p((s1 - s2) ** 2 / (2 * s1 * s2)) / 2 - dm ** 2 / (4 * (s1 ** 2 + s2 ** 2)))


def ref_np_lognormal(p, q):  # #bhattacharyya-coefficient-closed-forms: invariant under x -> log x
    s1, s2, dm = F(p.sigma), F(q.sigma), F(p.mu) - F(q.mu)
    return from_log_bc(-mp.log1p((s1 - s2) ** 2 / (2 * s1 * s2)) / 2 - dm ** 2 / (4 * (s1 ** 2 + s2 ** 2)))


def exact(x: Fraction) -> mp.mpf:
    """A rational, rounded to the working precision only at the end (relative, never absolute, error)."""
    return mp.mpf(x.numerator) / x.denominator


def uniform_ends(p, q) -> tuple[Fraction, Fraction, Fraction, Fraction]:
    """The ends low1, high1, low2, high2 as exact rationals: an mpf difference of two ends rounds a width such as
    5.5e75 - 8.6e-76 at any working precision this file tries, exactly like the float width it checks."""
    return Fraction(p.low), Fraction(p.high), Fraction(q.low), Fraction(q.high)


def ref_np_uniform(p, q):  # BC = overlap / sqrt(w1 w2); H^2 = 2 - 2 BC
    l1, h1, l2, h2 = uniform_ends(p, q)
    o = max(min(h1, h2) - max(l1, l2), Fraction(0))
    w1, w2 = h1 - l1, h2 - l2
    # H^2 as the parts where one law lives alone plus the overlap term: nothing cancels
    # (1/sqrt(w1) - 1/sqrt(w2) = (w2 - w1) / (sqrt(w1) sqrt(w2) (sqrt(w1) + sqrt(w2))), with w2 - w1 exact)
    r1, r2 = mp.sqrt(exact(w1)), mp.sqrt(exact(w2))
    gap = exact(w2 - w1) / (r1 * r2 * (r1 + r2))
    return from_hellinger(exact((w1 - o) / w1) + exact((w2 - o) / w2) + exact(o) * gap ** 2)


def ref_w2_uniform(p, q):  # #wasserstein-2-location-scale-closed-form: (dlow + dwidth/2)^2 + dwidth^2/12
    l1, h1, l2, h2 = uniform_ends(p, q)
    dmean, dwidth = (l2 + h2 - l1 - h1) / 2, (h2 - l2) - (h1 - l1)  # dlow + dwidth/2 is the change of the mean
    return mp.sqrt(exact(dmean) ** 2 + exact(dwidth) ** 2 / 12)


def ref_np_poisson(p, q):  # BC = sum_k e^-(l1+l2)/2 sqrt(l1 l2)^k / k! = exp(-(sqrt l1 - sqrt l2)^2 / 2)
    return from_log_bc(-(mp.sqrt(F(p.rate)) - mp.sqrt(F(q.rate))) ** 2 / 2)


def ref_np_exponential(p, q):  # BC = 2 sqrt(l1 l2) / (l1 + l2), so H^2 = 2 (sqrt l1 - sqrt l2)^2 / (l1 + l2)
    l1, l2 = F(p.rate), F(q.rate)
    return from_hellinger(2 * (mp.sqrt(l1) - mp.sqrt(l2)) ** 2 / (l1 + l2))


def ref_np_halfnormal(p, q):  # |X| for X ~ N(0, s): the BC of N(0, s1) and N(0, s2)
    s1, s2 = F(p.scale), F(q.scale)
    return from_log_bc(-mp.log1p((s1 - s2) ** 2 / (2 * s1 * s2)) / 2)


def ref_np_laplace(p, q):
    """#bhattacharyya-coefficient-closed-forms: BC = G K with G = 2 sqrt(b1 b2) / (b1 + b2) and
    K = e^-x (cosh y + x sinh(y) / y), x = d (1/b1 + 1/b2) / 4, y = d (1/b2 - 1/b1) / 4; H^2 = 2 (1 - G) + 2 G (1 - K)
    with 1 - G = (sqrt b1 - sqrt b2)^2 / (b1 + b2) and 1 - K = P(2, x) - e^-x (2 sinh(y/2)^2 + x (sinh y - y) / y)
    (P the regularised incomplete gamma): nothing cancels."""
    b1, b2, d = F(p.scale), F(q.scale), abs(F(p.loc) - F(q.loc))
    x, y = d * (b1 + b2) / (4 * b1 * b2), d * (b1 - b2) / (4 * b1 * b2)
    g = 2 * mp.sqrt(b1 * b2) / (b1 + b2)
    inner = 2 * mp.sinh(y / 2) ** 2 + (x * (mp.sinh(y) - y) / y if y != 0 else 0)
    one_minus_k = mp.gammainc(2, 0, x, regularized=True) - mp.exp(-x) * inner
    return from_hellinger(2 * (mp.sqrt(b1) - mp.sqrt(b2)) ** 2 / (b1 + b2) + 2 * g * one_minus_k)


def ref_np_cauchy(p, q):
    """#bhattacharyya-coefficient-closed-forms: BC = 1 / AGM(1, sqrt(1 + chi/2)), chi = ((x1 - x2)^2 + (g1 - g2)^2)
    / (2 g1 g2); H^2 = 2 a / (1 + a) with a = AGM - 1, iterated on the offsets from 1 so that nothing cancels."""
    g1, g2 = F(p.scale), F(q.scale)
    chi = ((F(p.loc) - F(q.loc)) ** 2 + (g1 - g2) ** 2) / (2 * g1 * g2)
    a, b = mp.mpf(0), (chi / 2) / (mp.sqrt(1 + chi / 2) + 1)
    while abs(a - b) > mp.mpf(10) ** (5 - mp.mp.dps) * max(a, b):
        a, b = (a + b) / 2, mp.expm1((mp.log1p(a) + mp.log1p(b)) / 2)
    a = (a + b) / 2
    return from_hellinger(2 * a / (1 + a))


def ref_np_mvnormal(p, q):  # log BC = -1/8 d'S^-1 d - 1/2 log det S + 1/4 (log det S1 + log det S2)
    m1, S1 = mvn(p)
    m2, S2 = mvn(q)
    S = (S1 + S2) / 2
    dm = m2 - m1
    shape = 0 if p.cov == q.cov else -logdet(S) / 2 + (logdet(S1) + logdet(S2)) / 4  # exactly 0 for equal covariances
    return from_log_bc(-(dm.T * mp.lu_solve(S, dm))[0] / 8 + shape)


def ref_np_dirichlet(p, q):  # #dirichlet-on-the-simplex: BC = B((a + b)/2) / sqrt(B(a) B(b))
    def log_b(v):
        return mp.fsum(mp.loggamma(x) for x in v) - mp.loggamma(mp.fsum(v))

    a, b = [mp.mpf(x) for x in p.alpha], [mp.mpf(x) for x in q.alpha]
    return from_log_bc(log_b([(x + y) / 2 for x, y in zip(a, b)]) - (log_b(a) + log_b(b)) / 2)


def ref_w2_lognormal(p, q):  # #wasserstein-2-location-scale-closed-form: E(e^(μ+σZ) - e^(μ'+σ'Z))²
    """e^(2A) + e^(2B) - 2e^(A+B-(σ-σ')²/2), A = μ + σ², B = μ' + σ'², as e^((A+B)/2) √(4 sinh²(δ/2) + 2(1 -
    e^(-(σ-σ')²/2))) with δ = A - B from the differences (at μ = 1e81 the three terms agree to 81 digits)."""
    m1, s1, m2, s2 = (mp.mpf(x) for x in (p.mu, p.sigma, q.mu, q.sigma))
    delta = (m1 - m2) + (s1 - s2) * (s1 + s2)
    root = mp.sqrt(4 * mp.sinh(delta / 2) ** 2 - 2 * mp.expm1(-(s1 - s2) ** 2 / 2))
    return mp.exp((m1 + s1**2 + m2 + s2**2) / 2) * root


def ref_fisher_mvnormal(p, q):  # #multivariate-normals-closed-forms-to-test-against
    m1, S1 = mvn(p)
    m2, S2 = mvn(q)
    if p.mean == q.mean:  # fixed mean: sqrt(1/2 sum log^2 eig(S1^-1 S2))
        r = sym_fn_mp(S1, lambda x: 1 / mp.sqrt(x))
        w, _ = mp.eigsy(r * S2 * r)
        return mp.sqrt(mp.fsum(mp.log(x) ** 2 for x in w) / 2)
    if p.cov == q.cov:  # equal covariance: sqrt 2 arccosh(1 + D^2/4), D the Mahalanobis distance
        dm = m2 - m1
        D2 = (dm.T * mp.lu_solve(S1, dm))[0]
        return mp.sqrt(2) * 2 * mp.asinh(mp.sqrt(D2 / 8))  # arccosh(1 + x) = 2 asinh(sqrt(x / 2))
    return None


def ref_w2_location_scale(get, mean, var):
    """#wasserstein-2-location-scale-closed-form: W2^2 = (da + m db)^2 + v db^2."""

    def ref(p, q):
        (a1, b1), (a2, b2) = get(p), get(q)
        da, db = a2 - a1, b2 - b1
        if var == mp.inf:
            return abs(da) if db == 0 else mp.inf
        return mp.sqrt((da + mean * db) ** 2 + var * db ** 2)

    return ref


def ref_w2_discrete(p, q):
    return w2_atoms(atoms_mp(p), atoms_mp(q))


def ref_w2_poisson(p, q):
    a, b = poisson_atoms_mp(p.rate), poisson_atoms_mp(q.rate)
    return None if a is None or b is None else w2_atoms(a, b)


def ref_w2_mvnormal(p, q):  # #wasserstein-2-gaussians-bures-wasserstein, the familiar form
    m1, S1 = mvn(p)
    m2, S2 = mvn(q)
    dm = m2 - m1
    if p.cov == q.cov:  # the Bures part is exactly 0 (its formula would leave rounding noise of size 1e-dps)
        return mp.sqrt((dm.T * dm)[0])
    r1 = sym_fn_mp(S1, mp.sqrt)
    bures = trace(S1) + trace(S2) - 2 * trace(sym_fn_mp(r1 * S2 * r1, mp.sqrt))
    return mp.sqrt((dm.T * dm)[0] + max(bures, 0))


def ref_w2_points2d(p, q):
    """Equal uniform clouds: the best permutation (Birkhoff-von Neumann); else no reference."""
    import itertools

    a, b = atoms_mp(p), atoms_mp(q)
    if len(a) != len(b) or len(a) > 4 or len(set(a.values()) | set(b.values())) != 1:
        return None
    xs, ys = list(a), list(b)
    best = min(mp.fsum((F(x[0]) - F(y[0])) ** 2 + (F(x[1]) - F(y[1])) ** 2 for x, y in zip(xs, perm))
               for perm in itertools.permutations(ys))
    return mp.sqrt(best / len(xs))


# the families of the families issue (docs/math.md#fisher-rao-location-scale-families-half-plane): each a
# half-plane k·d_H(a·u, scale) in its own chart, or an arc length; mpmath throughout

def ref_fisher_logistic(p, q):  # k² = (π² + 3)/9, a² = 3/(π² + 3)
    k, a = mp.sqrt((mp.pi ** 2 + 3) / 9), mp.sqrt(3 / (mp.pi ** 2 + 3))
    return k * halfplane(a * F(p.loc), F(p.scale), a * F(q.loc), F(q.scale))


def ref_gumbel_like(du, b1, b2):  # k = π/√6, a = √6/π; du the chart's difference u2 - u1, taken exactly
    k = mp.pi / mp.sqrt(6)
    return k * halfplane(0, b1, du / k, b2)


def ref_fisher_gumbel(p, q):  # u = loc - (1 - γ) scale: du from the differences (u itself rounds them away)
    db = F(q.scale) - F(p.scale)
    return ref_gumbel_like(F(q.loc) - F(p.loc) - (1 - mp.euler) * db, F(p.scale), F(q.scale))


def ref_fisher_weibull(p, q):  # log X: Gumbel of minima, u = log λ + (1 - γ)/k, β = 1/k
    db = (F(p.shape) - F(q.shape)) / (F(p.shape) * F(q.shape))
    return ref_gumbel_like(mp.log(F(q.scale) / F(p.scale)) + (1 - mp.euler) * db, 1 / F(p.shape), 1 / F(q.shape))


def ref_fisher_student(p, q):  # equal df: k² = 2ν/(ν + 3), a² = (ν + 1)/(2ν); else the sphere (no reference)
    if p.df != q.df:
        return None
    nu = F(p.df)
    k, a = mp.sqrt(2 * nu / (nu + 3)), mp.sqrt((nu + 1) / (2 * nu))
    return k * halfplane(a * F(p.loc), F(p.scale), a * F(q.loc), F(q.scale))


def ref_fisher_lognormal(p, q):  # the normal's, in (mu, sigma)
    return halfplane(F(p.mu) / mp.sqrt(2), F(p.sigma), F(q.mu) / mp.sqrt(2), F(q.sigma)) * mp.sqrt(2)


def ref_fisher_rayleigh(p, q):  # I = 4/σ²: 2 |log(σ2/σ1)|
    return 2 * abs(mp.log(F(q.scale) / F(p.scale)))


def binomial_atoms_mp(n: float, p: float) -> dict | None:
    if n > 2000:
        return None
    pp = F(p)
    out = {float(k): mp.binomial(int(n), k) * pp ** k * (1 - pp) ** (int(n) - k) for k in range(int(n) + 1)}
    return {k: v for k, v in out.items() if v > 0}


def failures_atoms_mp(r: float, p: float) -> dict | None:
    """Negative binomial (geometric for r = 1) atoms down to tail mass 1e-40 (None past 20,000 atoms)."""
    rr, pp = F(r), F(p)
    out, below, k = {}, mp.mpf(0), 0
    while k < 20000:
        m = mp.exp(mp.loggamma(k + rr) - mp.loggamma(rr) - mp.loggamma(k + 1) + rr * mp.log(pp) + k * mp.log1p(-pp))
        out[float(k)] = m
        below += m
        if k > rr * (1 - pp) / pp and 1 - below < mp.mpf("1e-40"):
            return out
        k += 1
    return None


def law_atoms_mp(d) -> dict | None:
    if d.family == "binomial":
        return binomial_atoms_mp(d.n, d.p)
    return failures_atoms_mp(getattr(d, "r", 1.0), d.p)


def from_atoms(fn):
    def ref(p, q):
        a, b = law_atoms_mp(p), law_atoms_mp(q)
        return None if a is None or b is None else fn(a, b)
    return ref


ref_np_counts = from_atoms(lambda a, b: from_hellinger(hellinger_atoms(a, b)))
ref_w2_counts = from_atoms(w2_atoms)


def ref_fisher_binomial(p, q):  # equal n: 2√n |asin √p2 - asin √p1|; else the sphere of all pmfs
    if p.n != q.n:
        return ref_np_counts(p, q)
    return 2 * mp.sqrt(F(p.n)) * abs(mp.asin(mp.sqrt(F(q.p))) - mp.asin(mp.sqrt(F(p.p))))


def ref_fisher_failures(p, q):  # equal r: 2√r |artanh √(1 - p2) - artanh √(1 - p1)|
    r1, r2 = getattr(p, "r", 1.0), getattr(q, "r", 1.0)
    if r1 != r2:
        return ref_np_counts(p, q)
    return 2 * mp.sqrt(F(r1)) * abs(mp.atanh(mp.sqrt(1 - F(q.p))) - mp.atanh(mp.sqrt(1 - F(p.p))))


def ref_np_binomial(p, q):  # equal n: BC = (√(p1 p2) + √((1-p1)(1-p2)))^n
    if p.n != q.n:
        return ref_np_counts(p, q)
    a, b = F(p.p), F(q.p)
    return from_log_bc(F(p.n) * mp.log(mp.sqrt(a * b) + mp.sqrt((1 - a) * (1 - b))))


def ref_np_failures(p, q):  # equal r: BC = (√(p1 p2) / (1 - √((1-p1)(1-p2))))^r
    r1, r2 = getattr(p, "r", 1.0), getattr(q, "r", 1.0)
    if r1 != r2:
        return ref_np_counts(p, q)
    a, b = F(p.p), F(q.p)
    return from_log_bc(F(r1) * (mp.log(mp.sqrt(a * b)) - mp.log(1 - mp.sqrt((1 - a) * (1 - b)))))


def ref_np_gamma(p, q):  # BC = Γ(ᾱ) / √(Γ(α1) Γ(α2)) · β1^(α1/2) β2^(α2/2) / β̄^ᾱ, bars the means
    a1, b1, a2, b2 = F(p.shape), F(p.rate), F(q.shape), F(q.rate)
    a, b = (a1 + a2) / 2, (b1 + b2) / 2
    return from_log_bc(mp.loggamma(a) - (mp.loggamma(a1) + mp.loggamma(a2)) / 2
                       + (a1 * mp.log(b1) + a2 * mp.log(b2)) / 2 - a * mp.log(b))


def ref_np_beta(p, q):  # BC = B(ā, b̄) / √(B(a1, b1) B(a2, b2))
    def log_b(x, y):
        return mp.loggamma(x) + mp.loggamma(y) - mp.loggamma(x + y)
    a1, b1, a2, b2 = F(p.a), F(p.b), F(q.a), F(q.b)
    return from_log_bc(log_b((a1 + a2) / 2, (b1 + b2) / 2) - (log_b(a1, b1) + log_b(a2, b2)) / 2)


def ref_w2_student(p, q):
    if p.df != q.df:
        return None
    nu = F(p.df)
    return ref_w2_location_scale(lambda d: (F(d.loc), F(d.scale)), 0, nu / (nu - 2) if nu > 2 else mp.inf)(p, q)


def ref_w2_weibull(p, q):
    if p.shape != q.shape:
        return None
    k = F(p.shape)
    m = mp.gamma(1 + 1 / k)
    return ref_w2_location_scale(lambda d: (0, F(d.scale)), m, mp.gamma(1 + 2 / k) - m * m)(p, q)


REFERENCES: dict[tuple[str, str], Callable] = {
    ("fisher-np", "gamma"): ref_np_gamma,
    ("fisher-np", "beta"): ref_np_beta,
    ("fisher", "normal"): ref_fisher_normal,
    ("fisher", "laplace"): ref_fisher_laplace,
    ("fisher", "cauchy"): ref_fisher_cauchy,
    ("fisher", "exponential"): ref_fisher_exponential,
    ("fisher", "poisson"): ref_fisher_poisson,
    ("fisher", "halfnormal"): ref_fisher_halfnormal,
    ("fisher", "categorical"): ref_np_discrete,  # same support: the sphere; else the sphere of all pmfs
    ("fisher", "uniform"): ref_np_uniform,  # no chart: the sphere of all densities
    ("fisher", "points"): ref_np_discrete,
    ("fisher", "points2d"): ref_np_discrete,
    ("fisher", "mvnormal"): ref_fisher_mvnormal,
    ("fisher-np", "normal"): ref_np_normal,
    ("fisher-np", "lognormal"): ref_np_lognormal,
    ("fisher-np", "uniform"): ref_np_uniform,
    ("fisher-np", "points"): ref_np_discrete,
    ("fisher-np", "categorical"): ref_np_discrete,
    ("fisher-np", "poisson"): ref_np_poisson,
    ("fisher-np", "points2d"): ref_np_discrete,
    ("fisher-np", "mvnormal"): ref_np_mvnormal,
    ("fisher-np", "dirichlet"): ref_np_dirichlet,
    ("fisher-np", "exponential"): ref_np_exponential,
    ("fisher-np", "halfnormal"): ref_np_halfnormal,
    ("fisher-np", "laplace"): ref_np_laplace,
    ("fisher-np", "cauchy"): ref_np_cauchy,
    ("wasserstein", "normal"): ref_w2_location_scale(lambda d: (F(d.mean), F(d.std)), 0, 1),
    ("wasserstein", "laplace"): ref_w2_location_scale(lambda d: (F(d.loc), F(d.scale)), 0, 2),
    ("wasserstein", "uniform"): ref_w2_uniform,
    ("wasserstein", "exponential"): ref_w2_location_scale(lambda d: (0, 1 / F(d.rate)), 1, 1),
    ("wasserstein", "cauchy"): ref_w2_location_scale(lambda d: (F(d.loc), F(d.scale)), 0, mp.inf),
    ("wasserstein", "halfnormal"): ref_w2_location_scale(lambda d: (0, F(d.scale)), mp.sqrt(2 / mp.pi),
                                                         1 - 2 / mp.pi),
    ("wasserstein", "points"): ref_w2_discrete,
    ("wasserstein", "categorical"): ref_w2_discrete,
    ("wasserstein", "poisson"): ref_w2_poisson,
    ("wasserstein", "mvnormal"): ref_w2_mvnormal,
    ("wasserstein", "lognormal"): ref_w2_lognormal,
    ("wasserstein", "points2d"): ref_w2_points2d,
    ("fisher", "logistic"): ref_fisher_logistic,
    ("fisher", "gumbel"): ref_fisher_gumbel,
    ("fisher", "weibull"): ref_fisher_weibull,
    ("fisher", "student"): ref_fisher_student,
    ("fisher", "lognormal"): ref_fisher_lognormal,
    ("fisher", "rayleigh"): ref_fisher_rayleigh,
    ("fisher", "binomial"): ref_fisher_binomial,
    ("fisher", "geometric"): ref_fisher_failures,
    ("fisher", "negbinomial"): ref_fisher_failures,
    ("fisher-np", "binomial"): ref_np_binomial,
    ("fisher-np", "geometric"): ref_np_failures,
    ("fisher-np", "negbinomial"): ref_np_failures,
    ("wasserstein", "logistic"): ref_w2_location_scale(lambda d: (F(d.loc), F(d.scale)), 0, mp.pi ** 2 / 3),
    ("wasserstein", "gumbel"): ref_w2_location_scale(lambda d: (F(d.loc), F(d.scale)), mp.euler, mp.pi ** 2 / 6),
    ("wasserstein", "student"): ref_w2_student,
    ("wasserstein", "weibull"): ref_w2_weibull,
    ("wasserstein", "rayleigh"): ref_w2_location_scale(lambda d: (0, F(d.scale)), mp.sqrt(mp.pi / 2), 2 - mp.pi / 2),
    ("wasserstein", "binomial"): ref_w2_counts,
    ("wasserstein", "geometric"): ref_w2_counts,
    ("wasserstein", "negbinomial"): ref_w2_counts,
}


def reference(metric: str, p, q) -> mp.mpf | None:
    """The reference distance, to about 20 significant digits: evaluated at 50 digits and again with
    30 more, the precision raised until the two agree (the matrix formulas cancel for nearby laws)."""
    fn = REFERENCES.get((metric, p.family))
    if fn is None or type(p) is not type(q):
        return None
    if p == q:
        return mp.mpf(0)
    dps, previous = DPS, None
    while dps <= 800:
        with mp.workdps(dps):
            value = fn(p, q)
            if value is None:
                return None
            value = +value
        if previous is not None and (value == previous or abs(value - previous) <= mp.mpf(10) ** -20 * abs(value)):
            return value
        previous, dps = value, dps + 30 if dps < 110 else 2 * dps
    raise AssertionError(f"the {metric} reference for {p} and {q} does not settle: {previous}")


def conditioning_slack(metric: str, p, q) -> float:
    """The absolute error a backward-stable computation may make because the covariances are ill
    conditioned: moving a covariance by one rounding (1e-16 of its norm) moves a Fisher-Rao distance
    by up to 1e-16 cond, and W2 by up to 1e-16 sqrt(cond * largest eigenvalue). 0 for cond = 1, so
    well-conditioned nearby laws are still held to full relative precision."""
    slack = 0.0
    for d in (p, q):
        cov = getattr(d, "cov", None)
        if cov is None:
            continue
        w = np.linalg.eigvalsh(np.array(cov))
        cond = float(w.max() / w.min())
        scale = math.sqrt(float(w.max())) * (math.sqrt(cond) - 1) if metric == "wasserstein" else cond - 1
        slack = max(slack, 4e-16 * scale)
    return slack




def moderate_law(name: str, seed: int) -> Distribution:
    """A law of a family with moderate parameters (lists of length 2, optional ones left out)."""
    rng = np.random.default_rng(seed)
    cls = entry_class(name)
    for _ in range(200):
        kw: dict[str, Any] = {}
        for prm in cls.PARAMS:
            d = prm.domain
            if not prm.required:
                continue
            if isinstance(d, Count):
                kw[prm.name] = float(rng.integers(2, 12))
            elif isinstance(d, Probability):
                kw[prm.name] = float(rng.uniform(0.15, 0.85))
            elif isinstance(d, Positive):
                kw[prm.name] = float(rng.uniform(0.5, 3.0))
            elif isinstance(d, Real):
                kw[prm.name] = float(rng.uniform(-2, 2))
            elif isinstance(d, Probabilities):
                w = rng.uniform(0.1, 1, 2)
                kw[prm.name] = tuple(float(x) for x in w / w.sum())
            elif isinstance(d, Reals) and name == "dirichlet":
                kw[prm.name] = tuple(float(x) for x in rng.uniform(0.5, 3.0, 3))
            elif isinstance(d, Reals):
                kw[prm.name] = tuple(float(x) for x in sorted(rng.uniform(-2, 2, 2)))
            elif isinstance(d, Matrix) and prm.role == "scale2":
                A = rng.normal(size=(2, 2))
                kw[prm.name] = tuple(tuple(float(x) for x in r) for r in A @ A.T + np.eye(2))
            elif isinstance(d, Matrix):
                kw[prm.name] = tuple(tuple(float(x) for x in rng.uniform(-2, 2, 2)) for _ in range(2))
        try:
            return cls(**kw)
        except ValidationError:
            continue
    raise AssertionError(f"{name}: no moderate law drawn")


def moderate_pairs(name: str) -> list[tuple[Distribution, Distribution]]:
    """Two moderate laws of a family, and the pairs that differ in one parameter only (where special
    closed forms apply: fixed mean, equal covariance)."""
    p, q = moderate_law(name, 1), moderate_law(name, 2)
    pairs = [(p, q)]
    for prm in p.PARAMS:  # q's value of one parameter, p's of the others
        try:
            pairs.append((p, type(p)(**{k.name: getattr(q if k is prm else p, k.name) for k in p.PARAMS})))
        except ValidationError:
            continue
    return pairs


def solved(method: str) -> bool:
    """A length found numerically (quadrature, or a boundary-value solve with its end checked): no
    closed form to compare with (tests/test_bvp.py checks the solver against its own references)."""
    return "quadrature" in method or "numerical" in method


def closed_form_cases() -> list[tuple[str, str]]:
    """(metric, family) for every drawn family that some moderate pair of its laws reaches by a route
    answering in closed form or exactly (by the method of the actual paths: fisher-np's one route says
    "closed form, exact or quadrature")."""
    cases = []
    for metric in CALLS:
        for family, cls in CLASSES.items():
            r = route_for_family(metric, cls)
            if family not in BASE or r is None:
                continue  # a derived law, a family read from a file, or no route
            if not solved(r.method):
                cases.append((metric, family))
                continue
            for p, q in moderate_pairs(family):
                try:
                    method = geoanim.geodesic(p, q, metric).method
                except GeoanimError:
                    continue
                if not solved(method):
                    cases.append((metric, family))
                    break
    return cases


CLOSED = closed_form_cases()


# ---------------------------------------------------------------------------------------------
# fuzz 4 and 5: closed forms against mpmath, for nearly identical and for extreme endpoints
# ---------------------------------------------------------------------------------------------

PRECISION = 1e-8


def compare_with_reference(metric: str, p, q, check: str) -> None:
    ctx = Ctx(check, metric, p, q)
    g = attempt(ctx, geoanim.geodesic, p, q, metric)
    if g is None:
        return
    if solved(g.method):
        return  # no closed form for this pair after all
    ref = reference(metric, p, q)
    if ref is None:
        return
    evaluated(f"{check.split('@')[0]} vs mpmath [{metric}/{p.family}]")
    got = g.length
    expected = float(ref)  # rounded to the nearest float: inf only beyond the largest one
    info = {"got": got, "ref": ref, "method": g.method}
    if math.isinf(expected):
        if not math.isinf(got):
            violation(Ctx(check, metric, p, q, detail=f"got {got!r}, true value {mp.nstr(ref, 17)} ({g.method})",
                          extra=info))
        return
    if math.isinf(got) or math.isnan(got):
        violation(Ctx(check + "/overflow", metric, p, q,
                      detail=f"got {got!r} where the true value is {mp.nstr(ref, 17)} ({g.method})", extra=info))
        return
    # allowed: PRECISION relative, two ulps of a result near or below the smallest normal float (which
    # has fewer digits), and what an ill-conditioned covariance makes of one rounding of its entries
    with mp.workdps(DPS):
        err = abs(F(got) - ref)
        allowed = PRECISION * ref + 2 * math.ulp(expected) + conditioning_slack(metric, p, q)
        rel = err / ref if ref != 0 else err
    info["err"] = float(rel)
    if err > allowed:
        violation(Ctx(check, metric, p, q, detail=f"got {got!r}, expected {mp.nstr(ref, 17)} (relative error "
                                                  f"{float(rel):.3g}; {g.method})", extra=info))


def case_id(case) -> str:
    return f"{case[0]}/{case[1]}"


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CLOSED, ids=case_id)
@fuzz(8)
@given(data=st.data())
def test_nearly_identical_endpoints_keep_their_digits(case, data):
    metric, name = case
    text = data.draw(entry_spec(name), label="p")
    eps = data.draw(st.sampled_from([1e-6, 1e-9, 1e-12]), label="eps")
    p = parse_law(text)
    if p is None:
        return
    # all the parameters moved, or one (where special closed forms apply: fixed mean, equal covariance)
    only = data.draw(st.sampled_from([None, *({prm.name} for prm in type(p).PARAMS)]), label="moved")
    q = attempt(Ctx("perturb", metric, p), lambda: perturbed(data.draw, p, eps, only))
    if q is None or q == p:
        return
    guarded(Ctx("hang", metric, p, q), lambda: compare_with_reference(metric, p, q, f"precision@{eps:g}"))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CLOSED, ids=case_id)
@fuzz(8)
@given(data=st.data())
def test_extreme_magnitudes_against_closed_forms(case, data):
    metric, name = case
    p_text = data.draw(entry_spec(name), label="p")
    q_text = data.draw(entry_spec(name), label="q")
    p, q = parse_law(p_text), parse_law(q_text)
    if p is None or q is None:
        return
    # q as drawn, or p with one parameter taken from q (pure shifts, fixed means, equal covariances)
    swap = data.draw(st.sampled_from([None, *(prm.name for prm in type(p).PARAMS)]), label="from q")
    if swap is not None:
        try:
            q = type(p)(**{prm.name: getattr(q if prm.name == swap else p, prm.name) for prm in type(p).PARAMS})
        except ValidationError:
            return
    guarded(Ctx("hang", metric, p, q), lambda: compare_with_reference(metric, p, q, "extreme"))


# ---------------------------------------------------------------------------------------------
# coverage: the generator reaches every family and metric, and every closed form has a reference
# ---------------------------------------------------------------------------------------------


def test_every_family_is_generated_or_excluded_on_purpose():
    for name, why in NOT_DRAWN.items():
        assert why, name
    assert DRAWN and BASE_LINE and CONTINUOUS_LINE
    for name in DRAWN:  # every declared domain has a generator (value_text raises LookupError otherwise)
        for prm in FAMILIES[name].params:
            domains = (Real, Positive, Reals, Probabilities, Matrix, Unit, Interval, Law, Count, Probability)
            assert isinstance(prm.domain, domains), (name, prm)


def test_every_metric_has_routes_the_generator_reaches():
    for metric in CALLS:
        assert metric_dims(metric), f"{metric}: no routes"
        for planar in metric_dims(metric):
            assert BASE_PLANE if planar else BASE_LINE, f"{metric}: no family generated for its routes"


@pytest.mark.parametrize("case", CLOSED, ids=case_id)
def test_every_closed_form_has_a_reference(case):
    """Every (metric, family) answered in closed form or exactly has a reference, and the reference agrees
    with the package on the moderate pairs it applies to."""
    metric, name = case
    assert (metric, name) in REFERENCES, (f"{metric} between two {name} laws has a closed form or exact route: add "
                                         f"its closed form from docs/math.md to REFERENCES")
    checked = 0
    for a, b in moderate_pairs(name):
        g = geoanim.geodesic(a, b, metric)
        ref = reference(metric, a, b)
        if solved(g.method) or ref is None:
            continue
        checked += 1
        assert (math.isinf(g.length) and ref == mp.inf) or abs(float(ref) - g.length) <= 1e-9 * max(1.0, g.length), (
            f"{metric}/{name}: the reference gives {ref}, the package {g.length!r} on a moderate pair {a}, {b}")
    assert checked, f"{metric}/{name}: the reference applies to none of the moderate pairs"


# ---------------------------------------------------------------------------------------------
# known bugs: a predicate for the fuzzers, deterministic xfail regressions for each
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    id: str
    reason: str
    matches: Callable[[Ctx], bool]


def laws_in(ctx: Ctx) -> list[Distribution]:
    """The laws a check looked at: p, q, and the law or path point it probed (text is parsed)."""
    found = []
    extra = ctx.extra or {}
    for x in (ctx.p, ctx.q, extra.get("law"), extra.get("m")):
        if isinstance(x, str):
            try:
                x = geoanim.parse(x)
            except Exception:  # noqa: BLE001 - "p moved by eps" and the like: nothing to look at
                x = None
        if isinstance(x, Distribution):
            found.append(x)
    return found


def parts(d: Any) -> list[Any]:
    """d and, recursively, its mixture components and geodesic endpoints."""
    out = [d]
    for c in getattr(d, "components", None) or ():
        out += parts(c)
    for attr in ("start", "end"):
        v = getattr(d, attr, None)
        if isinstance(v, Distribution):
            out += parts(v)
    return out


def probed(ctx: Ctx) -> list[Any]:
    """The parts of the law a law check probed (or, for a hang, the law it was probing)."""
    law = (ctx.extra or {}).get("law")
    return parts(law) if law is not None else []


def pair_of(ctx: Ctx, cls: type | None = None) -> tuple[Any, Any] | None:
    """(p, q) when both are laws of one family (of class cls, if given)."""
    p, q = ctx.p, ctx.q
    if isinstance(p, Distribution) and isinstance(q, Distribution) and type(p) is type(q):
        if cls is None or isinstance(p, cls):
            return p, q
    return None


def checks(ctx: Ctx, *prefixes: str) -> bool:
    return any(ctx.check.startswith(x) for x in prefixes)


def law_check(ctx: Ctx, *what: str) -> bool:
    return any(ctx.check.endswith("/" + w) for w in what)


NUMERIC = ("precision", "extreme", "symmetry", "triangle", "length", "geodesic", "distance", "d(p", "d(path")


def halfplane_breaks(ctx: Ctx) -> bool:
    from geoanim.families.charts import HalfPlane

    pq = pair_of(ctx)
    if ctx.metric != "fisher" or pq is None or not isinstance(getattr(type(pq[0]), "fisher_chart", None), HalfPlane):
        return False
    h = type(pq[0]).fisher_chart
    (l1, y1), (l2, y2) = h.coords(pq[0]), h.coords(pq[1])
    with np.errstate(all="ignore"):
        den = 2.0 * math.sqrt(y1) * math.sqrt(y2)
        dl = l2 - l1
        ratio = math.hypot(h.a * dl, y2 - y1) / den if 0 < den < math.inf and math.isfinite(dl) else math.nan
    subnormal = min(y1, y2) < 2.2250738585072014e-308  # a scale with fewer than 53 significant bits
    return subnormal or not (0 < den < math.inf and math.isfinite(dl) and 0 < ratio < math.inf) or ratio < 1e-290


def inexact_width(d) -> bool:
    from fractions import Fraction

    return Fraction(d.high) - Fraction(d.low) != Fraction(d.high - d.low)


def inexact_reciprocal(d) -> bool:
    from fractions import Fraction

    return Fraction(1.0 / d.rate) != 1 / Fraction(d.rate)


def cloud_cost_breaks(ctx: Ctx) -> bool:
    from geoanim.families import Cloud

    pq = pair_of(ctx) or (ctx.p, ctx.q)
    if ctx.metric != "wasserstein" or not all(isinstance(d, Cloud) for d in pq):
        return False
    x, y = pq[0].atoms2d()[0], pq[1].atoms2d()[0]
    diff = np.abs(x[:, None, :] - y[None, :, :])
    nonzero = diff[diff > 0]
    return bool(diff.max() > 1e153 or (nonzero.size and nonzero.min() < 1e-150))


def cloud_plan(ctx: Ctx) -> bool:
    """A pair of clouds coupled by the network simplex (not equal-size uniform clouds)."""
    from geoanim.families import Cloud

    p, q = ctx.p, ctx.q
    if ctx.metric != "wasserstein" or not (isinstance(p, Cloud) and isinstance(q, Cloud)):
        return False
    (x, a), (y, b) = p.atoms2d(), q.atoms2d()
    return not (len(x) == len(y) and np.allclose(a, a[0], rtol=1e-12) and np.allclose(b, b[0], rtol=1e-12))


_MODERATE_VAR: dict[str, float] = {}


def overflowing_var(d: Any) -> bool:
    """var is inf although the family has finite variances (the second moment overflows a float)."""
    name = getattr(d, "family", "")
    if name not in BASE or not isinstance(d, Univariate):
        return False
    if name not in _MODERATE_VAR:
        _MODERATE_VAR[name] = moderate_law(name, 1).var
    try:
        return math.isinf(d.var) and math.isfinite(_MODERATE_VAR[name])
    except Exception:  # noqa: BLE001
        return False


def mahalanobis_huge(ctx: Ctx) -> bool:
    from geoanim.families import MVNormal

    pq = pair_of(ctx, MVNormal)
    if ctx.metric != "fisher" or pq is None:
        return False
    dm = np.abs(np.array(pq[1].mean) - np.array(pq[0].mean))
    w1, w2 = np.linalg.eigvalsh(pq[0].sigma), np.linalg.eigvalsh(pq[1].sigma)
    with np.errstate(all="ignore"):
        far_means = dm.max() / math.sqrt(min(w1.min(), w2.min())) > 1e150
        far_scales = max(w1.max() / w2.min(), w2.max() / w1.min()) > 1e150
    return bool(far_means or far_scales)


def arc_length_family(d: Any) -> bool:
    from geoanim.families.charts import ArcLength

    return isinstance(getattr(type(d), "fisher_chart", None), ArcLength)


def scale_ratio(p, q) -> float:
    """How many times larger one covariance is than the other (ratio of traces)."""
    a, b = float(np.trace(p.sigma)), float(np.trace(q.sigma))
    return max(a / b, b / a)


def is_family(d: Any, name: str) -> bool:
    return getattr(d, "family", None) == name


def is_derived_point(d: Any, family: str) -> bool:
    return getattr(d, "family", None) == family and is_derived(type(d))


def qp_at_end(d: Any) -> bool:
    return is_derived_point(d, "quantile_interpolant") and d.t in (0.0, 1.0)


def magnitude(d: Any) -> float:
    """The largest |coordinate| of a law's atoms or mean (where the geodesic's interpolation rounds)."""
    values: list[float] = []
    if isinstance(d, Univariate) and d.kind == "discrete":
        values = np.abs(d.atoms()[0]).tolist()
    elif isinstance(d, Multivariate):
        values = np.abs(d.atoms2d()[0]).ravel().tolist() if d.kind == "discrete" else np.abs(d.moments()[0]).tolist()
    return max(values, default=0.0)


KNOWN: list[Known] = [
    Known("w2-discrete-cumulative",
          "W2 between discrete laws: monotone_coupling takes the pieces' masses as differences of float cumulative "
          "sums normalised by their rounded total, so masses below ~1e-16 of the total vanish and small ones "
          "lose digits (points([0, 1], [1, 1e-20]) vs dirac(0): 0 instead of 1e-10; poisson(1e-18) vs "
          "poisson(2e-18): 0 instead of 1e-9)",
          lambda c: c.metric == "wasserstein" and isinstance(c.p, Univariate) and isinstance(c.q, Univariate)
          and c.p.kind == "discrete" and c.q.kind == "discrete" and checks(c, "precision", "extreme")),
]


def assert_distance(metric: str, a: str, b: str, expected: float, rtol: float = 1e-8, refusal_ok: bool = False) -> None:
    """d(a, b) and d(b, a) equal ``expected`` to ``rtol``; at extreme magnitudes (``refusal_ok``) a GeoanimError
    is an acceptable answer too."""
    for x, y in ((a, b), (b, a)):
        try:
            got = geoanim.distance(geoanim.parse(x), geoanim.parse(y), metric)
        except GeoanimError:
            if refusal_ok:
                continue
            raise
        assert math.isfinite(got) == math.isfinite(expected), f"{metric}({x}, {y}) = {got!r}, expected {expected!r}"
        assert abs(got - expected) <= rtol * abs(expected), f"{metric}({x}, {y}) = {got!r}, expected {expected!r}"


def assert_reference(metric: str, a: str, b: str, rtol: float = 1e-8, refusal_ok: bool = False) -> None:
    """d(a, b) and d(b, a) against the mpmath reference (the closed form of docs/math.md)."""
    expected = float(reference(metric, geoanim.parse(a), geoanim.parse(b)))
    assert_distance(metric, a, b, expected, rtol, refusal_ok)


def extreme(metric: str, a: str, b: str) -> Callable[[], None]:
    """At extreme magnitudes: the reference, or a clean GeoanimError."""
    return lambda: assert_reference(metric, a, b, refusal_ok=True)


def assert_monotone_ppf(spec: str, us) -> None:
    Q = np.asarray(geoanim.parse(spec).ppf(np.array(us)), dtype=float)
    assert not np.isnan(Q).any() and (np.diff(Q) >= 0).all(), f"ppf of {spec} at {us} = {Q.tolist()}"


def _w2_normal_uniform() -> None:
    # docs/math.md#wasserstein-2-on-the-line-quantile-functions: W2^2 = int (s Phi^-1(u) - u)^2 du
    # = s^2 - s/sqrt(pi) + 1/3 (E[Z Phi(Z)] = 1/(2 sqrt(pi))), so W2 = 1e160 to 1e-160 relative
    assert_distance("wasserstein", "normal(0, 1e160)", "uniform(0, 1)", 1e160, 1e-12)


def _np_point_mean_disjoint() -> None:
    # a cross-fade between laws disjoint in double precision: r = a^2 p + b^2 q with a^2 = b^2 = 1/2
    m = geoanim.parse("fisher_np_interpolant(exponential(1), exponential(1e-300), 0.5)").mean
    assert math.isfinite(m) and abs(m - 5e299) <= 1e-6 * 5e299, m


def _quantile_point_at_ends() -> None:
    d = geoanim.parse("quantile_interpolant(normal(0, 1), normal(1, 1), 0)")
    Q = np.asarray(d.ppf(np.array([0.0, 0.5, 1.0])))
    assert Q[0] == -math.inf and Q[1] == 0.0 and Q[2] == math.inf, Q
    assert abs(float(d.pdf(0.0)) - 1 / math.sqrt(2 * math.pi)) < 1e-12, d.pdf(0.0)


def _quantile_point_distance() -> None:
    # quantile_interpolant(p, p, 0) is p: every distance to p is 0
    assert_distance("fisher-np", "quantile_interpolant(normal(0, 1), normal(0, 1), 0)", "normal(0, 1)", 0.0, 0.0)


def _np_point_slow() -> None:
    d = geoanim.parse("fisher_np_interpolant(exponential(1), exponential(1e-300), 0.5)")
    try:
        with watchdog(SLOW_PPF, Slow):
            d.ppf(0.5)
    except Slow:
        pytest.fail(f"one quantile of {d} took more than {SLOW_PPF} s (about 4 s on the reference machine)")


def _mvnormal_tiny_path() -> None:
    # 1e-9 apart: the path points (floats, a few ulps apart from p at 1e-15) can carry 1e-6 of the
    # distance here; at 1e-15 they cannot, whatever the method
    p = geoanim.parse("mvnormal([4.210894332054213, -1], [[1, 0], [0, 1]])")
    q = geoanim.parse("mvnormal([4.210894332054213, -1.0000000007], [[1, 5.6e-10], [5.6e-10, 1.0000000003]])")
    g = geoanim.geodesic(p, q, "fisher")
    for t in (0.5, 0.99):
        part = geoanim.distance(p, g(t), "fisher")
        assert abs(part - t * g.length) <= 1e-6 * g.length, f"d(p, path({t})) = {part!r}, d(p, q) = {g.length!r}"


def _lerp_path(p_text: str, q_text: str) -> Callable[[], None]:
    def run() -> None:
        p, q = geoanim.parse(p_text), geoanim.parse(q_text)
        g = geoanim.geodesic(p, q, "wasserstein")
        got = geoanim.distance(p, g(0.32), "wasserstein")
        assert rel_close(got, 0.32 * g.length, 1e-9), f"d(p, path(0.32)) = {got!r}, 0.32 d(p, q) = {0.32 * g.length!r}"

    return run


def _linalg_error_scales() -> None:
    # a GeoanimError would do; if finite, at least the covariance part alone: sqrt(1/2 * 2 log^2(1e180)) = 414.5
    p, q = geoanim.parse("mvnormal([0, 0], [[1e180, 0], [0, 1e180]])"), geoanim.parse(f"mvnormal([1, 1], {I2})")
    with contextlib.suppress(GeoanimError):
        d = geoanim.distance(p, q, "fisher")
        assert math.isfinite(d) and d >= 414.4, d


def _np_point_mass() -> None:
    p, q = geoanim.parse("normal(0, 1)"), geoanim.parse("normal(1e-9, 1)")
    g = geoanim.geodesic(p, q, "fisher-np")
    got = geoanim.distance(p, g(1e-12), "fisher-np")
    assert rel_close(got, 1e-12 * g.length, 1e-6), f"d(p, path(1e-12)) = {got!r}, expected {1e-12 * g.length!r}"


def _arc_length_midpoint() -> None:
    p, q = geoanim.parse("exponential(1.033344094760469e292)"), geoanim.parse("exponential(1.033344095018805e292)")
    g = geoanim.geodesic(p, q, "fisher")
    got = geoanim.distance(p, g(0.5), "fisher")
    assert rel_close(got, 0.5 * g.length, 1e-6), f"d(p, path(0.5)) = {got!r}, 0.5 d(p, q) = {0.5 * g.length!r}"


def _linalg_error() -> None:
    # a GeoanimError would do; numpy's LinAlgError is a crash (the true distance is about 1950)
    p = geoanim.parse("mvnormal([0, 0], [[1, 0], [0, 1]])")
    q = geoanim.parse("mvnormal([1, 1e300], [[1, 0.5], [0.5, 1]])")
    with contextlib.suppress(GeoanimError):
        d = geoanim.distance(p, q, "fisher")
        assert math.isfinite(d) and d > 1900, d


@dataclass(frozen=True)
class Regression:
    id: str
    bug: str
    run: Callable[[], None]


def assert_law(spec: str, what: str, get: Callable[[Any], Any], ok: Callable[[Any], bool], expected: str) -> None:
    value = get(geoanim.parse(spec))
    assert ok(value), f"{what} of {spec} = {value!r}, expected {expected}"


def _clouds_symmetry() -> None:
    p = geoanim.parse("points2d([[1e-12, -1], [-1, -1e-300], [1e-12, -1]], "
                      "[0.0004997501249375312, 0.49975012493753124, 0.49975012493753124])")
    q = geoanim.parse("points2d([[1.00000000000008e-12, -1.0000000000003373], [-0.9999999999991395, -1e-300], "
                      "[1e-12, -1]], [0.0004997501249376768, 0.499750124937637, 0.4997501249374254])")
    a, b = geoanim.distance(p, q, "wasserstein"), geoanim.distance(q, p, "wasserstein")
    assert rel_close(a, b, 1e-9), f"d(p, q) = {a!r}, d(q, p) = {b!r}"


I2 = "[[1, 0], [0, 1]]"
REGRESSIONS: list[Regression] = [
    Regression("fisher-normal-tiny-scale-inf", "halfplane-extreme", extreme(
        "fisher", "normal(1e308, 2.2250738585072014e-308)", "normal(1.000000001e308, 2.2250738585072014e-308)")),
    Regression("fisher-laplace-5e-324-inf", "halfplane-extreme",
               extreme("fisher", "laplace(1, 5e-324)", "laplace(2, 5e-324)")),
    Regression("fisher-laplace-huge-scale-zero", "halfplane-extreme", extreme(
        "fisher", "laplace(0, 1.7976931348623157e308)", "laplace(0, 1.5e308)")),
    Regression("fisher-laplace-rescale-zerodivision", "halfplane-extreme",
               extreme("fisher", "laplace(1e308, 1)", "laplace(-1e308, 1e-300)")),
    Regression("fisher-np-normal-hypot", "np-normal-closed-form", extreme(
        "fisher-np", "normal(0, 1.7976931348623157e308)", "normal(1e300, 1.7976931348623157e308)")),
    Regression("fisher-np-normal-underflow", "np-normal-closed-form", lambda: assert_reference(
        "fisher-np", "normal(0, 1)", "normal(1e-160, 1)")),
    Regression("fisher-np-point-mass", "np-point-mass", _np_point_mass),
    Regression("fisher-np-uniform-overflow", "np-uniform-scales", lambda: assert_distance(
        "fisher-np", "uniform(0, 1e308)", "uniform(0, 1e16)", math.pi, 1e-15, refusal_ok=True)),
    Regression("fisher-np-uniform-zerodivision", "np-uniform-scales", lambda: assert_distance(
        "fisher-np", "uniform(0, 1e-300)", "uniform(0, 2e-300)", math.pi / 2, 1e-15, refusal_ok=True)),
    Regression("w2-uniform-width", "w2-uniform-width", lambda: assert_reference(
        "wasserstein", "uniform(-3, 5.7)", "uniform(-3.000000000001, 5.7)")),
    Regression("fisher-np-uniform-width", "uniform-width", lambda: assert_reference(
        "fisher-np", "uniform(-1.454942772869796e-21, 1)", "uniform(-1.4549427728312285e-21, 1)")),
    Regression("w2-exponential-reciprocal", "w2-exponential-reciprocal", lambda: assert_reference(
        "wasserstein", "exponential(1)", "exponential(0.9999999999999999)")),
    Regression("w2-points-small-mass", "w2-discrete-cumulative", lambda: assert_distance(
        "wasserstein", "points([0, 1], [1, 1e-20])", "dirac(0)", 1e-10, 1e-8)),
    Regression("w2-poisson-tiny-rates", "w2-discrete-cumulative", lambda: assert_reference(
        "wasserstein", "poisson(1e-18)", "poisson(2e-18)")),
    Regression("w2-clouds-overflow", "w2-clouds-cost", lambda: assert_distance(
        "wasserstein", "points2d([[-1e308, 0]])", "points2d([[-9.99999e307, 0]])", 9.9999999999552294e301, 1e-12,
        refusal_ok=True)),
    Regression("w2-clouds-underflow", "w2-clouds-cost", lambda: assert_distance(
        "wasserstein", "points2d([[0, 0]])", "points2d([[1e-200, 0]])", 1e-200, 1e-12, refusal_ok=True)),
    Regression("w2-clouds-symmetry", "w2-clouds-plan", _clouds_symmetry),
    Regression("w2-points-lerp", "w2-interpolant-lerp", _lerp_path("points([1000, 0])", "points([1000, 1e-13])")),
    Regression("w2-mvnormal-lerp", "w2-interpolant-lerp", _lerp_path(f"mvnormal([1000, 0], {I2})",
                                                                      f"mvnormal([1000, 1e-13], {I2})")),
    Regression("w2-mvnormal-shrink", "w2-mvnormal-shrink", lambda: assert_reference(
        "wasserstein", "mvnormal([0, 0], [[1, 0.5], [0.5, 1]])", "mvnormal([0, 0], [[1e-20, 0], [0, 1e-20]])")),
    Regression("w2-mvnormal-tiny-covariances", "w2-mvnormal-shrink", extreme(
        "wasserstein", "mvnormal([0, 0], [[1e-300, 0], [0, 1e-300]])",
        "mvnormal([0, 0], [[1.0000005656516238e-300, 5.200571478302165e-308], [5.200571478302165e-308, 1e-300]])")),
    Regression("fisher-exponential-midpoint", "arc-length-points", _arc_length_midpoint),
    Regression("fisher-np-clouds-merge", "merge-rounding", lambda: assert_reference(
        "fisher-np", "points2d([[-3.5249596216340553, 0], [0, -2.5490282883860623e-26], [0, -2.5490282883860623e-26]])",
        "points2d([[-3.5249596216340553, 0], [0, -2.5490282883860623e-26], [0, -2.5490282883860623e-26]], "
        "[0.33333333333344106, 0.33333333333322557, 0.3333333333333333])")),
    Regression("fisher-np-mvnormal-1e-19", "np-mvnormal-logbc", lambda: assert_reference(
        "fisher-np", f"mvnormal([0, 0], {I2})", "mvnormal([0, 0], [[1, 1e-19], [1e-19, 1]])")),
    Regression("fisher-np-mvnormal-7e-7", "np-mvnormal-logbc", lambda: assert_reference(
        "fisher-np", f"mvnormal([0, 0], {I2})", "mvnormal([0, 0], [[1.0000006499116298, 3.249558675963728e-07], "
                                                "[3.249558675963728e-07, 1.0000006100103274]])")),
    Regression("fisher-np-poisson-1e7", "poisson-masses", lambda: assert_reference(
        "fisher-np", "poisson(10000000)", "poisson(9999999.99999)")),
    Regression("fisher-np-poisson-3", "np-poisson-pmf", lambda: assert_reference(
        "fisher-np", "poisson(3)", "poisson(2.9999999999985967)")),
    Regression("w2-normal-1e160-uniform", "heavy-tail-overflow", _w2_normal_uniform),
    Regression("fisher-np-point-mean-overflowing-var", "heavy-tail-overflow", _np_point_mean_disjoint),
    Regression("mixture-var-cauchy", "mixture-moments", lambda: assert_law(
        "0.5*cauchy(0, 1) + 0.5*normal(0, 1)", "var", lambda d: d.var, math.isinf, "inf")),
    Regression("mixture-var-overflowing-mean", "mixture-moments", lambda: assert_law(
        "0.5*normal(0, 1) + 0.5*exponential(5e-324)", "var", lambda d: d.var, math.isinf, "inf")),
    Regression("mixture-ppf-wide-bracket", "mixture-ppf", lambda: assert_law(
        "0.5*uniform(0, 1) + 0.5*exponential(1e-300)", "ppf(0.25)", lambda d: float(d.ppf(0.25)),
        lambda v: abs(v - 0.5) < 1e-9, "0.5")),
    Regression("poisson-cdf-above-1", "discrete-cdf-above-1", lambda: assert_law(
        "poisson(0.2771689728802897)", "cdf(1e300)", lambda d: float(d.cdf(1e300)), lambda v: v <= 1.0, "<= 1")),
    Regression("categorical-cdf-above-1", "discrete-cdf-above-1", lambda: assert_law(
        "categorical([0.8842988001965678, 0.11570119980343233])", "cdf(1)", lambda d: float(d.cdf(1.0)),
        lambda v: v <= 1.0, "<= 1")),
    Regression("categorical-var-nan", "discrete-var", lambda: assert_law(
        "categorical([0, 1], at=[1e308, -1e308])", "var", lambda d: d.var, lambda v: v == 0.0, "0")),
    Regression("points-var-overflow", "discrete-var", lambda: assert_law(
        "points([1e200, 0], [1e-300, 1])", "var", lambda d: d.var, lambda v: rel_close(v, 1e100, 1e-12), "1e100")),
    Regression("halfnormal-ppf-overflow", "halfnormal-ppf-overflow", lambda: assert_law(
        "halfnormal(1.7976931348623157e308)", "ppf([0, 0.25])", lambda d: d.ppf(np.array([0.0, 0.25])),
        lambda v: v[0] == 0.0 and rel_close(float(v[1]), 0.31863936396437514 * 1.7976931348623157e308, 1e-12),
        "[0, 5.728e307]")),
    Regression("quantile-point-t0-ppf-pdf", "quantile-point-ends", _quantile_point_at_ends),
    Regression("quantile-point-t0-fisher-np", "quantile-point-ends", _quantile_point_distance),
    Regression("fisher-np-point-ppf-at-0", "np-point-quantiles", lambda: assert_monotone_ppf(
        "fisher_np_interpolant(normal(0, 1), laplace(0, 1), 0.5)", [0.0, 1e-300, 0.5])),
    Regression("fisher-np-point-ppf-slow", "np-point-quantiles", _np_point_slow),
    Regression("fisher-np-point-cdf-nan", "np-point-moments", lambda: assert_law(
        "fisher_np_interpolant(halfnormal(3), halfnormal(5e-324), 1e-12)", "cdf(1)", lambda d: float(d.cdf(1.0)),
        lambda v: 0.0 <= v <= 1.0, "in [0, 1]")),
    Regression("fisher-np-point-var-nan", "np-point-moments", lambda: assert_law(
        "fisher_np_interpolant(normal(1e308, 2.2250738585072014e-308), normal(9.999999999999998e307, "
        "2.2250738585072014e-308), 0.5)", "var", lambda d: d.var, lambda v: not math.isnan(v), "a number")),
    Regression("fisher-mvnormal-far-mean-zero", "fisher-mvnormal-far", extreme(
        "fisher", f"mvnormal([0, 0], {I2})", f"mvnormal([0, 1e300], {I2})")),
    Regression("fisher-mvnormal-far-linalgerror", "fisher-mvnormal-far", _linalg_error),
    Regression("fisher-mvnormal-far-scale-linalgerror", "fisher-mvnormal-far", _linalg_error_scales),
    Regression("fisher-mvnormal-tiny-path", "fisher-mvnormal-tiny", _mvnormal_tiny_path),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", [pytest.param(r, id=f"{r.bug}/{r.id}", marks=[pytest.mark.xfail(
    strict=True, reason=k.reason) for k in KNOWN if k.id == r.bug]) for r in REGRESSIONS])
def test_known_bug_regressions(case):
    case.run()


def test_known_bugs_all_have_a_regression():
    # every known bug is pinned; a regression whose bug is no longer KNOWN guards its fix
    ids = {r.bug for r in REGRESSIONS}
    assert [k.id for k in KNOWN if k.id not in ids] == []
