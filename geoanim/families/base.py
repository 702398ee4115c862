"""What every family shares: declared parameters, the registry, and the two base interfaces.

A family declares each parameter once, as a dataclass field made by :func:`param`::

    @register("normal", "gaussian", "N")
    @dataclass(frozen=True)
    class Normal(Univariate):
        mean: float = param(Real(), aliases=("mu", "loc"), role="location")
        std: float = param(Positive(), aliases=("sigma", "sd", "scale"), role="scale")

and everything else derives from that declaration: validation (one sentence naming family,
parameter, rule and value), the spec signature the parser reads (order, required arguments,
keyword aliases, how each argument is read), ``str(d)`` (which parses back to an equal law),
``to_dict()``, translation and scaling of the sample space (``shifted``, ``scaled``), and the
catalogue that ``geoanim families`` prints. Cross-parameter rules go in ``_check``.

Families may also declare how their Fisher-Rao and Wasserstein geometry reduces to a known space
(``fisher_chart``, ``location_scale``; see :mod:`geoanim.families.charts`): the metric modules
read those declarations, so a new family with a known reduction needs no code in the metrics.

Numbers are stored as Python floats in tuples, so distributions are hashable and immutable.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

import numpy as np

from ..errors import ValidationError

SUM_TOL = 1e-9
MINUS = "\u2212"

D = TypeVar("D", bound="Distribution")

# ----------------------------------------------------------------------------------------------
# number formatting
# ----------------------------------------------------------------------------------------------


def fmt(x: float) -> str:
    """Shortest text that parses back to exactly ``x`` (integers without a trailing '.0')."""
    x = float(x)
    if not math.isfinite(x):
        # int(inf) raises OverflowError: error messages such as "weights must be > 0 (got inf)"
        # for the spec `1e400*normal(0, 1)` call fmt on non-finite values
        return repr(x)
    if x == int(x) and abs(x) < 1e16:
        return str(int(x)) if x != 0 else ("-0" if math.copysign(1, x) < 0 else "0")
    return repr(x)


def fmt_list(xs: Iterable[float]) -> str:
    return "[" + ", ".join(fmt(x) for x in xs) + "]"


def num(x: float, digits: int = 2) -> str:
    """Fixed-decimals number with a real minus sign (labels keep their width as values change)."""
    if not math.isfinite(x):
        return "\u221e" if x > 0 else ("undefined" if math.isnan(x) else MINUS + "\u221e")
    s = f"{x:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s.replace("-", MINUS)


def short(x: float) -> str:
    """Up to 4 significant digits with a real minus sign (titles)."""
    return f"{x:.4g}".replace("-", MINUS)


def _g(x: float) -> str:
    """Compact text for a bound: 1e7, 0.5."""
    return f"{x:g}".replace("e+0", "e").replace("e+", "e")


def fsum_or_inf(values: Iterable[float]) -> float:
    """math.fsum, but inf where the exact sum overflows (fsum raises OverflowError there, which let
    `categorical([9e307, 9e307])` and `1e308*exponential(1) + 1e308*exponential(1)` crash the parser)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


def as_array(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def out(x, values: np.ndarray):
    """Return a float for scalar input, an array otherwise."""
    return float(values) if np.ndim(x) == 0 else values


# ----------------------------------------------------------------------------------------------
# parameter domains: how a value is read, checked and written
# ----------------------------------------------------------------------------------------------


def _number(family: str, name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValidationError(f"{family}: `{name}` must be a number (got {value!r})", param=name)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{family}: `{name}` must be a number (got {value!r})", param=name) from None
    if not math.isfinite(v):
        raise ValidationError(f"{family}: `{name}` must be finite (got {value!r})", param=name)
    return v


def _numbers(family: str, name: str, values: Any) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValidationError(f"{family}: `{name}` must be a list of numbers (got {values!r})", param=name)
    result = []
    for i, v in enumerate(values):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValidationError(f"{family}: `{name}[{i}]` must be a number (got {v!r})", param=name) from None
        if not math.isfinite(f):
            raise ValidationError(f"{family}: `{name}[{i}]` must be finite (got {v!r})", param=name)
        result.append(f)
    if not result:
        raise ValidationError(f"{family}: `{name}` must not be empty", param=name)
    return tuple(result)


class Domain:
    """The values a parameter may take.

    ``kind`` tells the parser how to read the argument: "num", "list" (of numbers), "matrix"
    (list of rows), "str" (a quoted string) or "dist" (a distribution).
    """

    kind: ClassVar[str] = "num"
    text: ClassVar[str] = "a real number"

    def check(self, family: str, name: str, value: Any) -> Any:
        return _number(family, name, value)

    def write(self, value: Any) -> str:
        return fmt(value)

    def plain(self, value: Any) -> Any:
        """The value as plain JSON-able Python (lists for tuples)."""
        return value


class Real(Domain):
    """A finite real number."""


@dataclass(frozen=True)
class Positive(Domain):
    """A finite number > 0, optionally at least ``lower`` and at most ``upper``."""

    upper: float | None = None
    lower: float | None = None
    text: ClassVar[str] = "> 0"

    def check(self, family: str, name: str, value: Any) -> float:
        v = _number(family, name, value)
        if v <= 0:
            raise ValidationError(f"{family}: `{name}` must be > 0 (got {fmt(v)})", param=name)
        if self.lower is not None and v < self.lower:
            raise ValidationError(f"{family}: `{name}` must be >= {_g(self.lower)} (got {fmt(v)})", param=name)
        if self.upper is not None and v > self.upper:
            raise ValidationError(f"{family}: `{name}` must be <= {_g(self.upper)} (got {fmt(v)})", param=name)
        return v

    @property
    def describe(self) -> str:
        lo = "(0" if self.lower is None else f"[{_g(self.lower)}"
        if self.upper is None:
            return "> 0" if self.lower is None else f">= {_g(self.lower)}"
        return f"in {lo}, {_g(self.upper)}]"


@dataclass(frozen=True)
class Probability(Domain):
    """A probability: a number in [0, 1], without 0 or 1 where ``open_lo`` / ``open_hi`` say so."""

    open_lo: bool = False
    open_hi: bool = False
    text: ClassVar[str] = "a probability"

    def check(self, family: str, name: str, value: Any) -> float:
        v = _number(family, name, value)
        if not (0.0 < v if self.open_lo else 0.0 <= v) or not (v < 1.0 if self.open_hi else v <= 1.0):
            raise ValidationError(f"{family}: `{name}` must be {self.describe} (got {fmt(v)})", param=name)
        return v

    @property
    def describe(self) -> str:
        return f"in {'(' if self.open_lo else '['}0, 1{')' if self.open_hi else ']'}"


@dataclass(frozen=True)
class Count(Domain):
    """A whole number >= 1, at most ``upper``."""

    upper: int = 10_000_000
    text: ClassVar[str] = "a whole number >= 1"

    def check(self, family: str, name: str, value: Any) -> float:
        v = _number(family, name, value)
        if v != math.floor(v) or not 1 <= v <= self.upper:
            raise ValidationError(f"{family}: `{name}` must be a whole number from 1 to {self.upper:,} (got {fmt(v)})",
                                  param=name)
        return float(v)

    @property
    def describe(self) -> str:
        return f"a whole number in [1, {self.upper:,}]"


class Reals(Domain):
    """A non-empty list of finite numbers."""

    kind: ClassVar[str] = "list"
    text: ClassVar[str] = "a list of real numbers"

    def check(self, family: str, name: str, value: Any) -> tuple[float, ...]:
        return _numbers(family, name, value)

    def write(self, value: Any) -> str:
        return fmt_list(value)

    def plain(self, value: Any) -> Any:
        return list(value)


class Probabilities(Reals):
    """A non-empty list of numbers >= 0 summing to 1 (within SUM_TOL)."""

    text: ClassVar[str] = "numbers >= 0 summing to 1"

    def check(self, family: str, name: str, value: Any) -> tuple[float, ...]:
        ps = _numbers(family, name, value)
        for i, p in enumerate(ps):
            if p < 0:
                raise ValidationError(f"{family}: `{name}[{i}]` must be >= 0 (got {fmt(p)})", param=name)
        total = fsum_or_inf(ps)
        if abs(total - 1.0) > SUM_TOL:
            raise ValidationError(f"{family}: `{name}` must sum to 1 (got {total!r})", param=name)
        return ps


class Matrix(Domain):
    """A non-empty list of non-empty rows of finite numbers."""

    kind: ClassVar[str] = "matrix"
    text: ClassVar[str] = "a list of rows of real numbers"

    def check(self, family: str, name: str, value: Any) -> tuple[tuple[float, ...], ...]:
        if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
            raise ValidationError(f"{family}: `{name}` must be a list of rows such as [[1, 0], [0, 1]]", param=name)
        rows = tuple(_numbers(family, name, r) for r in value)
        if not rows:
            raise ValidationError(f"{family}: `{name}` must not be empty", param=name)
        return rows

    def write(self, value: Any) -> str:
        return "[" + ", ".join(fmt_list(r) for r in value) + "]"

    def plain(self, value: Any) -> Any:
        return [list(r) for r in value]


class Text(Domain):
    """A non-empty string (file names)."""

    kind: ClassVar[str] = "str"
    text: ClassVar[str] = "a quoted string"

    def check(self, family: str, name: str, value: Any) -> str:
        if not isinstance(value, str) or not value:
            raise ValidationError(f"{family}: `{name}` must be a file name such as \"cloud.csv\"", param=name)
        return value

    def write(self, value: Any) -> str:
        return repr(value)


@dataclass(frozen=True)
class Law(Domain):
    """A distribution (the endpoints of a geodesic point): on the line (``dim=1``) or in the plane."""

    dim: int | None = None
    planar: bool = False
    kind: ClassVar[str] = "dist"
    text: ClassVar[str] = "a distribution"

    def check(self, family: str, name: str, value: Any) -> Distribution:
        if not isinstance(value, Distribution):
            raise ValidationError(f"{family}: `{name}` must be a distribution (got {value!r})", param=name)
        if self.dim is not None and value.dim != self.dim:
            raise ValidationError(f"{family}: `{name}` must be a 1-D distribution (got {value})", param=name)
        if self.planar and value.dim < 2:
            raise ValidationError(f"{family}: `{name}` must be a distribution in the plane (got {value})", param=name)
        return value

    def write(self, value: Any) -> str:
        return str(value)

    def plain(self, value: Any) -> Any:
        return value.to_dict()


@dataclass(frozen=True)
class Unit(Domain):
    """A number in [0, 1]: the parameter t of a geodesic point."""

    text: ClassVar[str] = "in [0, 1]"

    def check(self, family: str, name: str, value: Any) -> float:
        v = _number(family, name, value)
        if not 0.0 <= v <= 1.0:
            raise ValidationError(f"{family}: `{name}` must be in [0, 1] (got {fmt(v)})", param=name)
        return v


@dataclass(frozen=True)
class Interval(Domain):
    """A number in the closed interval [lo, hi] (a metric's parameter: alpha(a) for a in [-1, 1])."""

    lo: float
    hi: float
    text: ClassVar[str] = "in an interval"

    def check(self, family: str, name: str, value: Any) -> float:
        v = _number(family, name, value)
        if not self.lo <= v <= self.hi:
            raise ValidationError(f"{family}: `{name}` must be in [{fmt(self.lo)}, {fmt(self.hi)}] (got {fmt(v)})",
                                  param=name)
        return v

    @property
    def describe(self) -> str:
        return f"in [{fmt(self.lo)}, {fmt(self.hi)}]"


# ----------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One declared parameter of a family.

    Attributes:
        name: the argument name, as in specs, ``to_dict()`` and error messages.
        domain: what values it takes (and how the parser reads it).
        aliases: other keyword names the parser accepts (``mu`` for ``mean``).
        role: how the parameter moves when the sample space is mapped x -> s + c x (c > 0):
            "location" (s + c v), "scale" (c v), "rate" (v / c), "scale2" (c² v, covariances),
            "shape" (unchanged) or None (the family is not closed under these maps).
        required: whether a spec must give it.
        implied: for an optional parameter, the value it takes when omitted, from the others.
        elide: where a value equal to ``implied`` is left out: "spec" (str only) or "both"
            (str and to_dict).
        keyword: str() writes it as ``name=value``.
        doc: one line for the catalogue.
    """

    name: str
    domain: Domain
    aliases: tuple[str, ...] = ()
    role: str | None = None
    required: bool = True
    implied: Callable[[Any], Any] | None = None
    elide: str = "spec"
    keyword: bool = False
    doc: str = ""


_META = "geoanim.param"


def param(domain: Domain, *, aliases: tuple[str, ...] = (), role: str | None = None, optional: bool = False,
          implied: Callable[[Any], Any] | None = None, elide: str = "spec", keyword: bool = False,
          doc: str = "") -> Any:
    """A dataclass field declaring a parameter (see :class:`Param`); optional ones default to None."""
    meta = {_META: dict(domain=domain, aliases=tuple(aliases), role=role, required=not optional, implied=implied,
                        elide=elide, keyword=keyword, doc=doc)}
    if optional:
        return dataclasses.field(default=None, metadata=meta)
    return dataclasses.field(metadata=meta)


def declared_params(cls: type) -> tuple[Param, ...]:
    """The Param of every declared field of a dataclass family, in order."""
    return tuple(Param(f.name, **f.metadata[_META]) for f in fields(cls) if _META in f.metadata)


# ----------------------------------------------------------------------------------------------
# the registry
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A name a spec can call: the family it builds and the arguments it takes."""

    name: str
    family: str
    params: tuple[Param, ...]
    build: Callable[..., Any]  # a Distribution; a bound Metric for the metric grammar (alpha(0.5))
    cls: type[Distribution] | None
    doc: str

    @property
    def signature(self) -> tuple[tuple[str, ...], int, tuple[str, ...]]:
        """(argument names in order, how many are required, how each is read)."""
        names = tuple(p.name for p in self.params)
        required = sum(p.required for p in self.params)
        return names, required, tuple(p.domain.kind for p in self.params)

    def canonical(self, keyword: str) -> str | None:
        """The parameter a keyword (name or alias) refers to, or None."""
        for p in self.params:
            if keyword == p.name or keyword in p.aliases:
                return p.name
        return None


FAMILIES: dict[str, Entry] = {}
"""Spec name -> entry, for every name a spec can call (aliases included)."""


def register(*names: str) -> Callable[[type[D]], type[D]]:
    """Class decorator: make a dataclass family constructible from specs under ``names``."""

    def deco(cls: type[D]) -> type[D]:
        cls.PARAMS = declared_params(cls)
        doc = (cls.__doc__ or "").strip().split("\n")[0]
        for name in names:
            FAMILIES[name] = Entry(name, cls.family, cls.PARAMS, cls, cls, doc)
        return cls

    return deco


def register_constructor(name: str, family: str, params: tuple[Param, ...], build: Callable[..., Distribution],
                         doc: str = "") -> None:
    """Make ``name(...)`` a spec shorthand that builds a law of another family (``dirac(x)``)."""
    FAMILIES[name] = Entry(name, family, params, build, None, doc)


def entry(name: str) -> Entry | None:
    return FAMILIES.get(name)


def family_classes() -> dict[str, type[Distribution]]:
    """Family name -> class, for every registered family class (once each)."""
    found: dict[str, type[Distribution]] = {}
    for e in FAMILIES.values():
        if e.cls is not None:
            found.setdefault(e.family, e.cls)
    return found


# ----------------------------------------------------------------------------------------------
# the interfaces
# ----------------------------------------------------------------------------------------------


class Distribution:
    """Base class of every law: its declared parameters and what derives from them."""

    family: ClassVar[str] = ""
    PARAMS: ClassVar[tuple[Param, ...]] = ()
    space: ClassVar[str] = "euclidean"  # "circle": a law on the circle (its distance is not the line's)
    # W2 between two members in closed form, for a family whose quantile coupling has one but which is not
    # location-scale (the log-normal); the path still goes through quantiles
    comonotone_w2: ClassVar[Any] = None  # a staticmethod (p, q) -> W2
    display_name: ClassVar[str] = ""  # "Poisson": panel titles and the plural "Fisher-Rao on Poissons"
    plural: ClassVar[str] = ""  # when not display_name + "s"
    symbol: ClassVar[str] = ""  # "N": titles write N(mean, std²) from the parameters
    kind: ClassVar[str] = "continuous"  # "continuous", "discrete" or "mixed"
    dim: ClassVar[int] = 1
    derived: ClassVar[bool] = False  # a geodesic point: constructible from specs, not a family to pick

    # -- construction --------------------------------------------------------------------------
    def __post_init__(self) -> None:
        for p in self.PARAMS:
            value = getattr(self, p.name)
            if value is None and not p.required:
                value = p.implied(self) if p.implied is not None else None
                if value is None:
                    continue
            object.__setattr__(self, p.name, p.domain.check(self.family, p.name, value))
        self._check()

    def _check(self) -> None:
        """Rules between parameters (``low`` < ``high``); runs after each parameter is valid."""

    # -- description ---------------------------------------------------------------------------
    @classmethod
    def plural_name(cls) -> str:
        return cls.plural or f"{cls.display_name or cls.family}s"

    def _elided(self, p: Param, where: str) -> bool:
        if p.required or p.implied is None or (where == "dict" and p.elide != "both"):
            return False
        return getattr(self, p.name) == p.implied(self)

    def params(self) -> dict[str, Any]:
        """The spec's arguments, by name, as plain Python values."""
        return {p.name: p.domain.plain(getattr(self, p.name)) for p in self.PARAMS
                if getattr(self, p.name) is not None and not self._elided(p, "dict")}

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "params": self.params()}

    def __str__(self) -> str:
        args, keywords = [], False
        for p in self.PARAMS:
            value = getattr(self, p.name)
            if value is None or self._elided(p, "spec"):
                keywords = True  # a later argument can no longer be positional
                continue
            text = p.domain.write(value)
            args.append(f"{p.name}={text}" if (keywords or p.keyword) else text)
        return f"{self.family}({', '.join(args)})"

    def describe(self, exact: bool = False) -> str:
        """A compact name for titles (``exact``) and per-frame labels (fixed decimals, so the
        label keeps its width as it changes): N(−2.06, 2.62²), U(1, 3), δ(0), ..."""
        n = short if exact else num
        if self.symbol:
            return f"{self.symbol}({', '.join(self._label(p, n) for p in self.PARAMS)})"
        return str(self)

    def _label(self, p: Param, n: Callable[[float], str]) -> str:
        value = getattr(self, p.name)
        return f"{value:.0f}" if isinstance(p.domain, Count) else n(value)  # Bin(20, 0.38), not Bin(20.00, ...)

    # -- the sample space ----------------------------------------------------------------------
    def _moved(self: D, move: Callable[[Param, Any], Any]) -> D:
        return type(self)(**{p.name: (None if getattr(self, p.name) is None else move(p, getattr(self, p.name)))
                             for p in self.PARAMS})

    def shifted(self: D, s: float) -> D:
        """The law of X + s (in the plane: X + (s, 0))."""
        roles = {p.role for p in self.PARAMS}
        if "location" not in roles or None in roles:
            from ..errors import UnsupportedError

            raise UnsupportedError(f"{self.family} has no location parameter to shift")
        return self._moved(lambda p, v: _shift(v, s, self.dim) if p.role == "location" else v)

    def scaled(self: D, c: float) -> D:
        """The law of c X for c > 0."""
        if not self.PARAMS or any(p.role is None for p in self.PARAMS):
            from ..errors import UnsupportedError

            raise UnsupportedError(f"{self.family} is not closed under scaling")
        return self._moved(lambda p, v: _scale(p.role, v, c))


# how each role moves under x -> x + s and x -> c x: "shape" parameters (probabilities, weights,
# a number of trials) never move; "scale2" is a covariance matrix


def _shift(v: Any, s: float, dim: int) -> Any:
    if dim == 1:
        return tuple(x + s for x in v) if isinstance(v, tuple) else v + s
    if v and isinstance(v[0], tuple):  # a list of points: move each along the first axis
        return tuple((r[0] + s, *r[1:]) for r in v)
    return (v[0] + s, *v[1:])  # one point


def _scale(role: str | None, v: Any, c: float) -> Any:
    def times(x: Any, k: float) -> Any:
        return tuple(times(y, k) for y in x) if isinstance(x, tuple) else k * x

    if role in ("location", "scale"):
        return times(v, c)
    if role == "rate":
        return v / c
    if role == "scale2":
        return times(v, c * c)
    return v


class Univariate(Distribution):
    """A law on the line. Everything is vectorised over numpy arrays:

    * ``pdf(x)`` - density of the absolutely continuous part (zero for purely discrete laws),
    * ``pmf(x)`` - mass of the atomic part, ``atoms()`` - its sorted atoms and masses,
    * ``cdf``, ``sf`` (upper tail), ``ppf`` (quantile, ``inf{x: F(x) >= u}``), ``isf`` (``ppf(1 - v)``
      computed without forming ``1 - v``, so upper tails keep their precision),
    * ``mean`` and ``var`` (``nan`` where undefined, ``inf`` where infinite), ``support``,
      ``breakpoints`` (where the density is not smooth, for quadrature), ``plot_range()``,
      ``feature_points()`` (where a plot must sample the density to show its shape).
    """

    mean: Any
    var: Any

    @property
    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Points where the density is not smooth or mass sits (helps quadrature)."""
        return ()

    second_moment: ClassVar[bool] = True  # a family without one (Cauchy) declares False

    @property
    def heavy_tailed(self) -> bool:
        """True when the second moment is infinite (so W2 to a light-tailed law is infinite).

        Declared by the family, or inherited from the laws a law is made of: a variance that merely
        overflows (normal(0, 1e160)) is finite, and W2 to it is a number, not infinity.
        """
        candidates = [getattr(self, name, None) for name in ("start", "end")] + list(getattr(self, "components", ()))
        parts = [d for d in candidates if isinstance(d, Univariate)]
        if parts:
            return any(d.heavy_tailed for d in parts)
        return not self.second_moment

    def pdf(self, x):
        return out(x, np.zeros_like(as_array(x)))

    def logpdf(self, x):
        """log of the density (-inf where it is 0): families whose density underflows in the far
        tails (normal, Laplace, ...) override it, so that p^(1-t) q^t there is still right."""
        with np.errstate(divide="ignore"):
            return out(x, np.log(as_array(self.pdf(x))))

    def pmf(self, x):
        locs, masses = self.atoms()
        xa = as_array(x)
        if locs.size == 0:
            return out(x, np.zeros_like(xa))
        idx = np.clip(np.searchsorted(locs, xa), 0, locs.size - 1)
        return out(x, np.where(locs[idx] == xa, masses[idx], 0.0))

    def cdf(self, x):  # pragma: no cover - every family overrides
        raise NotImplementedError

    def ppf(self, u):  # pragma: no cover - every family overrides
        raise NotImplementedError

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct atom locations and their masses (empty for continuous laws)."""
        return np.empty(0), np.empty(0)

    def plot_range(self) -> tuple[float, float]:
        lo, hi = self.ppf(0.001), self.isf(0.001)
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        return (lo - pad, hi + pad)

    def feature_points(self) -> np.ndarray:
        """x values where the density has its features (peaks, walls, kinks), for plotting."""
        if self.kind == "discrete":
            return np.empty(0)
        u = np.linspace(0.001, 0.999, 200)
        return np.concatenate([as_array(self.ppf(u)), list(self.breakpoints)])

    def sf(self, x):
        return out(x, 1.0 - as_array(self.cdf(x)))

    def isf(self, v):
        return self.ppf(1.0 - as_array(v)) if np.ndim(v) else self.ppf(1.0 - float(v))

    def describe(self, exact: bool = False) -> str:
        if self.symbol:
            return super().describe(exact)
        if self.kind == "discrete" and self.atoms()[0].size == 1:
            return f"\u03b4({(short if exact else num)(float(self.atoms()[0][0]))})"
        if exact:
            return str(self)
        m, v = self.mean, self.var
        if not math.isfinite(v):
            return "heavy tails: no mean or variance" if math.isnan(m) else "infinite variance"
        return f"mean {num(m)}, sd {num(math.sqrt(v))}"


class HalfLine(Univariate):
    """A law on x >= 0, whose density may jump or blow up at 0 (exponential, gamma, log-normal, ...)."""

    @property
    def support(self):
        return (0.0, math.inf)

    @property
    def breakpoints(self):
        return (0.0,)


class Multivariate(Distribution):
    """A law in d >= 2 dimensions: ``pdf`` at points of shape (..., d) for the continuous part,
    ``atoms2d()`` for the atomic part, ``moments()`` (mean vector, covariance matrix) and
    ``box(k)`` (an axis-aligned box holding the bulk, k standard deviations for normals)."""

    kind: ClassVar[str] = "continuous"

    @property
    def var(self) -> float:
        return math.nan  # a matrix: see moments()

    def pdf(self, x):
        return np.zeros(np.shape(x)[:-1])

    def atoms2d(self) -> tuple[np.ndarray, np.ndarray]:
        return np.empty((0, self.dim)), np.empty(0)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - every family overrides
        raise NotImplementedError

    def box(self, k: float = 3.0) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    def bulk(self, xy: np.ndarray) -> np.ndarray | None:
        """Where the density's colour scale is measured (a mask over points (..., 2)), for laws whose
        density is unbounded at the edge of their support; None: everywhere."""
        return None

    def outline(self) -> np.ndarray | None:
        """A closed polyline (n, 2) around a bounded support, drawn under the density (the simplex)."""
        return None

    def describe(self, exact: bool = False) -> str:
        if exact:
            return str(self)
        mean, _ = self.moments()
        return f"\u03bc = ({num(float(mean[0]))}, {num(float(mean[1]))})"


def merge_atoms(locs: np.ndarray, masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort atoms on the line and add up the masses of repeated locations."""
    order = np.argsort(locs, kind="stable")
    locs, masses = locs[order], masses[order]
    uniq, start = np.unique(locs, return_index=True)
    return uniq, np.add.reduceat(masses, start) if locs.size else masses
