"""One-dimensional distribution families: frozen, validated at construction, printable as specs.

Every distribution offers the same small interface, vectorised over numpy arrays:

* ``pdf(x)`` - density of the absolutely continuous part (zero for purely discrete laws),
* ``pmf(x)`` - mass of the atomic part (zero for continuous laws), ``atoms()`` - its atoms,
* ``cdf``, ``sf`` (upper tail), ``ppf`` (quantile, ``inf{x: F(x) >= u}``), ``isf`` (``ppf(1 - v)``
  computed without forming ``1 - v``, so upper tails keep their precision),
* ``mean`` and ``var`` (``nan`` where undefined, ``inf`` where infinite), ``support``,
  ``breakpoints`` (where the density is not smooth, for quadrature), ``plot_range()``,
* ``to_dict()`` and ``str(d)``, which parses back to an equal distribution.

Numbers are stored as Python floats in tuples, so distributions are hashable and immutable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Iterable

import numpy as np

from .errors import ValidationError

FAMILIES: dict[str, type["Distribution"]] = {}
"""Spec name -> class, for every family a spec can construct (aliases included)."""

SUM_TOL = 1e-9


def register(*names: str):
    """Class decorator: make a family constructible from specs under ``names``."""

    def deco(cls):
        for name in names:
            FAMILIES[name] = cls
        return cls

    return deco


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


def _fmt_list(xs: Iterable[float]) -> str:
    return "[" + ", ".join(fmt(x) for x in xs) + "]"


def _finite(family: str, name: str, value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{family}: `{name}` must be a number (got {value!r})", param=name) from None
    if not math.isfinite(v):
        raise ValidationError(f"{family}: `{name}` must be finite (got {value!r})", param=name)
    return v


def unit_time(family: str, value: Any) -> float:
    """The geodesic parameter `t` of a derived family: finite and in [0, 1]."""
    t = _finite(family, "t", value)
    if not 0.0 <= t <= 1.0:
        raise ValidationError(f"{family}: `t` must be in [0, 1] (got {fmt(t)})", param="t")
    return t


def _positive(family: str, name: str, value: Any) -> float:
    v = _finite(family, name, value)
    if v <= 0:
        raise ValidationError(f"{family}: `{name}` must be > 0 (got {fmt(v)})", param=name)
    return v


def _finite_tuple(family: str, name: str, values: Any) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValidationError(f"{family}: `{name}` must be a list of numbers (got {values!r})", param=name)
    out = []
    for i, v in enumerate(values):
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise ValidationError(f"{family}: `{name}[{i}]` must be a number (got {v!r})", param=name) from None
        if not math.isfinite(f):
            raise ValidationError(f"{family}: `{name}[{i}]` must be finite (got {v!r})", param=name)
        out.append(f)
    if not out:
        raise ValidationError(f"{family}: `{name}` must not be empty", param=name)
    return tuple(out)


def fsum_or_inf(values: Iterable[float]) -> float:
    """math.fsum, but inf where the exact sum overflows (fsum raises OverflowError there, which let
    `categorical([9e307, 9e307])` and `1e308*exponential(1) + 1e308*exponential(1)` crash the parser)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return math.inf


def _probabilities(family: str, name: str, values: Any) -> tuple[float, ...]:
    ps = _finite_tuple(family, name, values)
    for i, p in enumerate(ps):
        if p < 0:
            raise ValidationError(f"{family}: `{name}[{i}]` must be >= 0 (got {fmt(p)})", param=name)
    total = fsum_or_inf(ps)
    if abs(total - 1.0) > SUM_TOL:
        raise ValidationError(f"{family}: `{name}` must sum to 1 (got {total!r})", param=name)
    return ps


def _as_array(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _out(x, values: np.ndarray):
    """Return a float for scalar input, an array otherwise."""
    return float(values) if np.ndim(x) == 0 else values


class Distribution:
    """Base class of every 1-D distribution (see the module docstring for the interface)."""

    family: ClassVar[str] = ""
    kind: ClassVar[str] = "continuous"  # "continuous", "discrete" or "mixed"
    dim: ClassVar[int] = 1

    # -- description -------------------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The spec's arguments, by name, as plain Python values."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self) if f.init}

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "params": self.params()}

    def __str__(self) -> str:  # pragma: no cover - every family overrides
        raise NotImplementedError

    # -- shape of the law ----------------------------------------------------------------------
    @property
    def support(self) -> tuple[float, float]:
        return (-math.inf, math.inf)

    @property
    def breakpoints(self) -> tuple[float, ...]:
        """Points where the density is not smooth or mass sits (helps quadrature)."""
        return ()

    @property
    def heavy_tailed(self) -> bool:
        """True when the second moment is infinite (so W2 to a light-tailed law is infinite)."""
        return not math.isfinite(self.var)

    def pdf(self, x):
        return _out(x, np.zeros_like(_as_array(x)))

    def pmf(self, x):
        locs, masses = self.atoms()
        xa = _as_array(x)
        if locs.size == 0:
            return _out(x, np.zeros_like(xa))
        idx = np.clip(np.searchsorted(locs, xa), 0, locs.size - 1)
        return _out(x, np.where(locs[idx] == xa, masses[idx], 0.0))

    def atoms(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted distinct atom locations and their masses (empty for continuous laws)."""
        return np.empty(0), np.empty(0)

    def plot_range(self) -> tuple[float, float]:
        lo, hi = self.ppf(0.001), self.isf(0.001)
        pad = 0.08 * (hi - lo) if hi > lo else 1.0
        return (lo - pad, hi + pad)

    def sf(self, x):
        return _out(x, 1.0 - _as_array(self.cdf(x)))

    def isf(self, v):
        return self.ppf(1.0 - _as_array(v)) if np.ndim(v) else self.ppf(1.0 - float(v))


def _plain(v):
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, Distribution):
        return v.to_dict()
    return v


# ----------------------------------------------------------------------------------------------
# Continuous families
# ----------------------------------------------------------------------------------------------


@register("normal", "gaussian")
@dataclass(frozen=True)
class Normal(Distribution):
    """Normal law N(mean, std^2)."""

    mean: float
    std: float
    family: ClassVar[str] = "normal"

    def __post_init__(self):
        object.__setattr__(self, "mean", _finite("normal", "mean", self.mean))
        object.__setattr__(self, "std", _positive("normal", "std", self.std))

    def __str__(self):
        return f"normal({fmt(self.mean)}, {fmt(self.std)})"

    @property
    def var(self) -> float:
        return self.std * self.std  # not std ** 2: float ** raises OverflowError where * gives inf

    @property
    def breakpoints(self):
        return (self.mean,)

    def pdf(self, x):
        z = (_as_array(x) - self.mean) / self.std
        return _out(x, np.exp(-0.5 * z * z) / (self.std * math.sqrt(2 * math.pi)))

    def cdf(self, x):
        from scipy.special import ndtr

        return _out(x, ndtr((_as_array(x) - self.mean) / self.std))

    def sf(self, x):
        from scipy.special import ndtr

        return _out(x, ndtr((self.mean - _as_array(x)) / self.std))

    def ppf(self, u):
        from scipy.special import ndtri

        return _out(u, self.mean + self.std * ndtri(_as_array(u)))

    def isf(self, v):
        from scipy.special import ndtri

        return _out(v, self.mean - self.std * ndtri(_as_array(v)))

    def plot_range(self):
        return (self.mean - 4 * self.std, self.mean + 4 * self.std)


# Normal's dataclass field named `mean` shadows a property; keep the attribute as the value.


@register("uniform")
@dataclass(frozen=True)
class Uniform(Distribution):
    """Uniform law on [low, high]."""

    low: float
    high: float
    family: ClassVar[str] = "uniform"

    def __post_init__(self):
        lo = _finite("uniform", "low", self.low)
        hi = _finite("uniform", "high", self.high)
        if not lo < hi:
            raise ValidationError(f"uniform: `low` must be < `high` (got {fmt(lo)} and {fmt(hi)})", param="high")
        if not math.isfinite(hi - lo):
            raise ValidationError(f"uniform: the width `high` - `low` must be finite (got {fmt(lo)} and {fmt(hi)})",
                                  param="high")
        object.__setattr__(self, "low", lo)
        object.__setattr__(self, "high", hi)

    def __str__(self):
        return f"uniform({fmt(self.low)}, {fmt(self.high)})"

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def var(self) -> float:
        return self.width * self.width / 12.0  # * gives inf on overflow, ** raises

    @property
    def support(self):
        return (self.low, self.high)

    @property
    def breakpoints(self):
        return (self.low, self.high)

    def pdf(self, x):
        xa = _as_array(x)
        return _out(x, np.where((xa >= self.low) & (xa <= self.high), 1.0 / self.width, 0.0))

    def cdf(self, x):
        return _out(x, np.clip((_as_array(x) - self.low) / self.width, 0.0, 1.0))

    def sf(self, x):
        return _out(x, np.clip((self.high - _as_array(x)) / self.width, 0.0, 1.0))

    def ppf(self, u):
        return _out(u, self.low + _as_array(u) * self.width)

    def isf(self, v):
        return _out(v, self.high - _as_array(v) * self.width)

    def plot_range(self):
        pad = 0.25 * self.width
        return (self.low - pad, self.high + pad)


@register("exponential")
@dataclass(frozen=True)
class Exponential(Distribution):
    """Exponential law with density rate * exp(-rate * x) on x >= 0."""

    rate: float
    family: ClassVar[str] = "exponential"

    def __post_init__(self):
        object.__setattr__(self, "rate", _positive("exponential", "rate", self.rate))

    def __str__(self):
        return f"exponential({fmt(self.rate)})"

    @property
    def mean(self) -> float:
        return 1.0 / self.rate

    @property
    def var(self) -> float:
        m = 1.0 / self.rate  # not 1 / rate ** 2: ZeroDivisionError when rate ** 2 underflows
        return m * m

    @property
    def support(self):
        return (0.0, math.inf)

    @property
    def breakpoints(self):
        return (0.0,)

    def pdf(self, x):
        xa = _as_array(x)
        with np.errstate(over="ignore"):
            return _out(x, np.where(xa >= 0, self.rate * np.exp(-self.rate * np.maximum(xa, 0)), 0.0))

    def cdf(self, x):
        return _out(x, -np.expm1(-self.rate * np.maximum(_as_array(x), 0.0)))

    def sf(self, x):
        return _out(x, np.exp(-self.rate * np.maximum(_as_array(x), 0.0)))

    def ppf(self, u):
        return _out(u, -np.log1p(-_as_array(u)) / self.rate)

    def isf(self, v):
        return _out(v, -np.log(_as_array(v)) / self.rate)

    def plot_range(self):
        hi = 6.0 / self.rate
        return (-0.08 * hi, hi)


@register("laplace")
@dataclass(frozen=True)
class Laplace(Distribution):
    """Laplace law with density exp(-|x - loc| / scale) / (2 scale)."""

    loc: float
    scale: float
    family: ClassVar[str] = "laplace"

    def __post_init__(self):
        object.__setattr__(self, "loc", _finite("laplace", "loc", self.loc))
        object.__setattr__(self, "scale", _positive("laplace", "scale", self.scale))

    def __str__(self):
        return f"laplace({fmt(self.loc)}, {fmt(self.scale)})"

    @property
    def mean(self) -> float:
        return self.loc

    @property
    def var(self) -> float:
        return 2.0 * self.scale * self.scale  # * gives inf on overflow, ** raises

    @property
    def breakpoints(self):
        return (self.loc,)

    def pdf(self, x):
        return _out(x, np.exp(-np.abs(_as_array(x) - self.loc) / self.scale) / (2 * self.scale))

    def cdf(self, x):
        z = (_as_array(x) - self.loc) / self.scale
        return _out(x, np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0))))

    def sf(self, x):
        z = (self.loc - _as_array(x)) / self.scale
        return _out(x, np.where(z < 0, 0.5 * np.exp(np.minimum(z, 0)), 1 - 0.5 * np.exp(-np.maximum(z, 0))))

    def ppf(self, u):
        ua = _as_array(u)
        with np.errstate(divide="ignore"):
            lower = self.loc + self.scale * np.log(2 * np.minimum(ua, 0.5))
            upper = self.loc - self.scale * np.log(2 * (1 - np.maximum(ua, 0.5)))
        return _out(u, np.where(ua < 0.5, lower, upper))

    def isf(self, v):
        return _out(v, 2 * self.loc - _as_array(self.ppf(v)))

    def plot_range(self):
        return (self.loc - 6 * self.scale, self.loc + 6 * self.scale)


@register("cauchy")
@dataclass(frozen=True)
class Cauchy(Distribution):
    """Cauchy law with density 1 / (pi scale (1 + ((x - loc) / scale)^2)); no mean, infinite variance."""

    loc: float
    scale: float
    family: ClassVar[str] = "cauchy"

    def __post_init__(self):
        object.__setattr__(self, "loc", _finite("cauchy", "loc", self.loc))
        object.__setattr__(self, "scale", _positive("cauchy", "scale", self.scale))

    def __str__(self):
        return f"cauchy({fmt(self.loc)}, {fmt(self.scale)})"

    @property
    def mean(self) -> float:
        return math.nan  # undefined, not a number we failed to compute

    @property
    def var(self) -> float:
        return math.inf

    @property
    def breakpoints(self):
        return (self.loc,)

    def pdf(self, x):
        z = (_as_array(x) - self.loc) / self.scale
        return _out(x, 1.0 / (math.pi * self.scale * (1.0 + z * z)))

    def cdf(self, x):
        # arctan2(1, -z)/pi keeps relative precision in the lower tail, where 0.5 + atan(z)/pi cancels
        return _out(x, np.arctan2(1.0, (self.loc - _as_array(x)) / self.scale) / math.pi)

    def sf(self, x):
        return _out(x, np.arctan2(1.0, (_as_array(x) - self.loc) / self.scale) / math.pi)

    def ppf(self, u):
        ua = _as_array(u)
        with np.errstate(divide="ignore"):
            return _out(u, self.loc - self.scale / np.tan(math.pi * ua))

    def isf(self, v):
        va = _as_array(v)
        with np.errstate(divide="ignore"):
            return _out(v, self.loc + self.scale / np.tan(math.pi * va))

    def plot_range(self):
        return (self.loc - 10 * self.scale, self.loc + 10 * self.scale)


# ----------------------------------------------------------------------------------------------
# Discrete families: everything derives from atoms()
# ----------------------------------------------------------------------------------------------


class Discrete(Distribution):
    """Mixin giving cdf/ppf/moments from a finite list of atoms."""

    kind: ClassVar[str] = "discrete"

    def _cum(self):
        locs, masses = self.atoms()
        cum = np.cumsum(masses)
        tail = np.concatenate([np.cumsum(masses[::-1])[::-1][1:], [0.0]])  # P(X > x_i)
        return locs, masses, cum, tail

    def cdf(self, x):
        locs, _, cum, _ = self._cum()
        idx = np.searchsorted(locs, _as_array(x), side="right")
        return _out(x, np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0))

    def sf(self, x):
        locs, _, _, tail = self._cum()
        idx = np.searchsorted(locs, _as_array(x), side="right")
        top = np.concatenate([[tail[0] + self.atoms()[1][0]], tail])  # P(X > x) before each atom
        return _out(x, top[idx])

    def ppf(self, u):
        locs, _, cum, _ = self._cum()
        ua = _as_array(u)
        idx = np.clip(np.searchsorted(cum, ua, side="left"), 0, locs.size - 1)
        return _out(u, locs[idx])

    def isf(self, v):
        # inf{x : P(X > x) <= v}; tail is decreasing, so find the first atom whose tail is <= v
        locs, _, _, tail = self._cum()
        va = _as_array(v)
        idx = np.clip(np.searchsorted(-tail, -va, side="left"), 0, locs.size - 1)
        return _out(v, locs[idx])

    @property
    def mean(self) -> float:
        locs, masses = self.atoms()
        return math.fsum(locs * masses) / math.fsum(masses)

    @property
    def var(self) -> float:
        locs, masses = self.atoms()
        m = self.mean
        return math.fsum(masses * (locs - m) ** 2) / math.fsum(masses)

    @property
    def support(self):
        locs, _ = self.atoms()
        return (float(locs[0]), float(locs[-1]))

    @property
    def breakpoints(self):
        return tuple(float(v) for v in self.atoms()[0])

    def plot_range(self):
        locs, masses = self.atoms()
        keep = locs[masses > 1e-4 * masses.max()]
        lo, hi = float(keep.min()), float(keep.max())
        pad = max(0.15 * (hi - lo), 0.6)
        return (lo - pad, hi + pad)


def _merge_atoms(locs: np.ndarray, masses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort atoms and add up the masses of repeated locations."""
    order = np.argsort(locs, kind="stable")
    locs, masses = locs[order], masses[order]
    uniq, start = np.unique(locs, return_index=True)
    return uniq, np.add.reduceat(masses, start) if locs.size else masses


@register("categorical")
@dataclass(frozen=True)
class Categorical(Discrete):
    """Probabilities ``probs`` on the support points ``at`` (default 0, 1, ..., k-1)."""

    probs: tuple[float, ...]
    at: tuple[float, ...] | None = None
    family: ClassVar[str] = "categorical"

    def __post_init__(self):
        probs = _probabilities("categorical", "probs", self.probs)
        at = tuple(float(i) for i in range(len(probs))) if self.at is None else \
            _finite_tuple("categorical", "at", self.at)
        if len(at) != len(probs):
            raise ValidationError(
                f"categorical: `at` must have one point per probability (got {len(at)} points for {len(probs)} probabilities)",
                param="at")
        if len(set(at)) != len(at):
            raise ValidationError("categorical: `at` must not repeat a point", param="at")
        object.__setattr__(self, "probs", probs)
        object.__setattr__(self, "at", at)

    @property
    def default_at(self) -> bool:
        return self.at == tuple(float(i) for i in range(len(self.probs)))

    def __str__(self):
        extra = "" if self.default_at else f", at={_fmt_list(self.at)}"
        return f"categorical({_fmt_list(self.probs)}{extra})"

    def params(self):
        out: dict[str, Any] = {"probs": list(self.probs)}
        if not self.default_at:
            out["at"] = list(self.at)
        return out

    def atoms(self):
        return _merge_atoms(np.array(self.at), np.array(self.probs))


@register("points")
@dataclass(frozen=True)
class Points(Discrete):
    """Weighted atoms on the line; ``dirac(x)`` is a single one. Weights default to uniform."""

    locations: tuple[float, ...]
    weights: tuple[float, ...] | None = None
    family: ClassVar[str] = "points"

    def __post_init__(self):
        locs = _finite_tuple("points", "locations", self.locations)
        if self.weights is None:
            weights = tuple(1.0 / len(locs) for _ in locs)
        else:
            weights = _probabilities("points", "weights", self.weights)
            if len(weights) != len(locs):
                raise ValidationError(
                    f"points: `weights` must have one weight per location (got {len(weights)} weights for {len(locs)} locations)",
                    param="weights")
        object.__setattr__(self, "locations", locs)
        object.__setattr__(self, "weights", weights)

    def __str__(self):
        n = len(self.locations)
        if n == 1 and self.weights == (1.0,):
            return f"dirac({fmt(self.locations[0])})"
        if self.weights == tuple(1.0 / n for _ in range(n)):
            return f"points({_fmt_list(self.locations)})"
        return f"points({_fmt_list(self.locations)}, {_fmt_list(self.weights)})"

    def atoms(self):
        return _merge_atoms(np.array(self.locations), np.array(self.weights))


def dirac(x: float) -> Points:
    """A unit point mass at ``x``."""
    return Points((_finite("dirac", "x", x),), (1.0,))


FAMILIES["dirac"] = dirac  # type: ignore[assignment]


@register("poisson")
@dataclass(frozen=True)
class Poisson(Discrete):
    """Poisson law with mean ``rate`` on 0, 1, 2, ..."""

    rate: float
    family: ClassVar[str] = "poisson"
    MAX_RATE: ClassVar[float] = 1e7
    TAIL: ClassVar[float] = 1e-18  # atoms beyond this tail mass are dropped: below double precision of 1

    def __post_init__(self):
        rate = _positive("poisson", "rate", self.rate)
        if rate > self.MAX_RATE:
            raise ValidationError(f"poisson: `rate` must be <= 1e7 (got {fmt(rate)})", param="rate")
        object.__setattr__(self, "rate", rate)

    def __str__(self):
        return f"poisson({fmt(self.rate)})"

    @property
    def mean(self) -> float:
        return self.rate

    @property
    def var(self) -> float:
        return self.rate

    def atoms(self):
        return _poisson_atoms(self.rate)

    def pmf(self, x):
        from scipy.special import gammaln

        xa = _as_array(x)
        k = np.round(xa)
        ok = (k == xa) & (k >= 0)
        with np.errstate(invalid="ignore", divide="ignore"):
            logp = np.where(ok, k * math.log(self.rate) - self.rate - gammaln(np.maximum(k, 0) + 1), -np.inf)
        return _out(x, np.exp(logp))


_POISSON_CACHE: dict[float, tuple[np.ndarray, np.ndarray]] = {}


def _poisson_atoms(rate: float):
    if rate not in _POISSON_CACHE:
        from scipy.special import gammaln, pdtr, pdtrc

        width = 12.0 * math.sqrt(rate) + 40.0
        lo = max(0, int(rate - width))
        hi = int(rate + width)
        # shrink to the atoms whose tails are above Poisson.TAIL
        while lo > 0 and pdtr(lo - 1, rate) > Poisson.TAIL:
            lo = max(0, lo - int(width))
        while pdtrc(hi, rate) > Poisson.TAIL:
            hi += int(width)
        k = np.arange(lo, hi + 1, dtype=float)
        masses = np.exp(k * math.log(rate) - rate - gammaln(k + 1))
        keep = masses > 0
        k, masses = k[keep], masses[keep]
        _POISSON_CACHE[rate] = (k, masses / math.fsum(masses))
    return _POISSON_CACHE[rate]


# ----------------------------------------------------------------------------------------------
# Mixtures
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mixture(Distribution):
    """Finite mixture ``w1*d1 + w2*d2 + ...``; written in specs with ``*`` and ``+``."""

    weights: tuple[float, ...]
    components: tuple[Distribution, ...]
    family: ClassVar[str] = "mixture"

    def __post_init__(self):
        comps: list[Distribution] = []
        ws: list[float] = []
        for w, c in zip(self.weights, self.components):
            if not isinstance(c, Distribution) or c.dim != 1:
                raise ValidationError(f"mixture: components must be 1-D distributions (got {c!r})", param="components")
            if c.kind != "continuous":
                raise ValidationError(f"mixture: components must be continuous (got {c}); "
                                      "use points([...], [...]) for weighted atoms", param="components")
            if isinstance(c, Mixture):  # flatten nested mixtures
                comps.extend(c.components)
                ws.extend(float(w) * cw for cw in c.weights)
            else:
                comps.append(c)
                ws.append(float(w))
        if len(self.weights) != len(self.components):
            raise ValidationError("mixture: need one weight per component", param="weights")
        for w in ws:
            if not math.isfinite(w) or w <= 0:
                raise ValidationError(f"mixture: weights must be > 0 (got {fmt(w) if math.isfinite(w) else w})",
                                      param="weights")
        total = fsum_or_inf(ws)
        if abs(total - 1.0) > SUM_TOL:
            raise ValidationError(f"mixture: weights must sum to 1 (got {total!r})", param="weights")
        object.__setattr__(self, "weights", tuple(ws))
        object.__setattr__(self, "components", tuple(comps))

    @property
    def kind(self) -> str:  # type: ignore[override]
        kinds = {c.kind for c in self.components}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    def __str__(self):
        return " + ".join(f"{fmt(w)}*{c}" for w, c in zip(self.weights, self.components))

    def params(self):
        return {"weights": list(self.weights), "components": [c.to_dict() for c in self.components]}

    @property
    def mean(self) -> float:
        return math.fsum(w * c.mean for w, c in zip(self.weights, self.components))

    @property
    def var(self) -> float:
        m = self.mean
        # (c.mean - m) * (...) rather than ** 2: float ** raises OverflowError where * gives inf
        return math.fsum(w * (c.var + (c.mean - m) * (c.mean - m)) for w, c in zip(self.weights, self.components))

    @property
    def support(self):
        lows, highs = zip(*(c.support for c in self.components))
        return (min(lows), max(highs))

    @property
    def breakpoints(self):
        return tuple(sorted({b for c in self.components for b in c.breakpoints}))

    def _sum(self, method: str, x):
        xa = _as_array(x)
        total = np.zeros_like(xa)
        for w, c in zip(self.weights, self.components):
            total = total + w * _as_array(getattr(c, method)(xa))
        return _out(x, total)

    def pdf(self, x):
        return self._sum("pdf", x)

    def pmf(self, x):
        return self._sum("pmf", x)

    def cdf(self, x):
        return self._sum("cdf", x)

    def sf(self, x):
        return self._sum("sf", x)

    def atoms(self):
        parts = [(c.atoms(), w) for w, c in zip(self.weights, self.components) if c.kind != "continuous"]
        if not parts:
            return np.empty(0), np.empty(0)
        locs = np.concatenate([a[0] for a, _ in parts])
        masses = np.concatenate([w * a[1] for a, w in parts])
        return _merge_atoms(locs, masses)

    def ppf(self, u):
        # the mixture quantile lies between the smallest and largest component quantiles
        ua = _as_array(u)
        qs = np.array([_as_array(c.ppf(ua)) for c in self.components])
        return _out(u, newton_bracketed(self.cdf, self.pdf, ua, qs.min(axis=0), qs.max(axis=0)))

    def isf(self, v):
        va = _as_array(v)
        qs = np.array([_as_array(c.isf(va)) for c in self.components])
        # sf is decreasing with derivative -pdf: solve 1 - sf(x) = 1 - v without forming 1 - v
        return _out(v, newton_bracketed(lambda x: -_as_array(self.sf(x)), self.pdf, -va,
                                        qs.min(axis=0), qs.max(axis=0)))

    def plot_range(self):
        lows, highs = zip(*(c.plot_range() for c in self.components))
        return (min(lows), max(highs))


def bisect_monotone(f, target: np.ndarray, lo: np.ndarray, hi: np.ndarray, *, increasing: bool,
                    iterations: int = 200) -> np.ndarray:
    """Smallest x in [lo, hi] with f(x) >= target (or f(x) <= target when decreasing), vectorised.

    Bisection halves the bracket until it stops shrinking in floating point, so the answer is
    exact to the last bit wherever f is continuous and strictly monotone; at a jump of f it returns
    the jump location, matching the generalised inverse used for quantiles.
    """
    lo = np.array(np.broadcast_to(lo, np.shape(target)), dtype=float)
    hi = np.array(np.broadcast_to(hi, np.shape(target)), dtype=float)
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        active = (mid > lo) & (mid < hi)
        if not active.any():
            break
        fm = _as_array(f(mid))
        go_left = fm >= target if increasing else fm <= target
        hi = np.where(active & go_left, mid, hi)
        lo = np.where(active & ~go_left, mid, lo)
    return hi


def newton_bracketed(f, fprime, target: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                     iterations: int = 100) -> np.ndarray:
    """Solve f(x) = target for increasing f on brackets [lo, hi], vectorised.

    Newton steps from the bracket's midpoint, falling back to bisection whenever a step leaves the
    bracket, which shrinks around the root every iteration: as sure as bisection, and about ten
    times fewer evaluations. Stops when every step is below a few ulps.
    """
    lo = np.array(np.broadcast_to(lo, np.shape(target)), dtype=float)
    hi = np.array(np.broadcast_to(hi, np.shape(target)), dtype=float)
    x = np.where(np.isfinite(lo) & np.isfinite(hi), 0.5 * (lo + hi), np.where(np.isfinite(lo), lo, hi))
    done = ~np.isfinite(x) | (lo == hi)
    width = hi - lo
    for _ in range(iterations):
        if done.all():
            break
        g = _as_array(f(x)) - target
        lo = np.where(g < 0, x, lo)
        hi = np.where(g >= 0, x, hi)
        d = _as_array(fprime(x))
        with np.errstate(divide="ignore", invalid="ignore"):
            new = x - np.where(d > 0, g / d, np.nan)
        # bisect when Newton leaves the bracket or crawls (far tails, where F is very convex)
        slow = (hi - lo) > 0.5 * width
        bad = ~np.isfinite(new) | (new <= lo) | (new >= hi) | slow
        new = np.where(bad, 0.5 * (lo + hi), new)
        width = hi - lo
        tol = 4 * np.spacing(np.maximum(np.abs(x), 1e-300))
        done |= (np.abs(new - x) <= tol) | (hi - lo <= tol) | (g == 0)
        x = np.where(done, x, new)
    return x


def family_key(d: Distribution) -> str:
    """The family a parametric Fisher-Rao geodesic would live in (categoricals keyed by support)."""
    if isinstance(d, Categorical):
        return f"categorical@{d.at}"
    return d.family


# ----------------------------------------------------------------------------------------------
# Two (or more) dimensions
# ----------------------------------------------------------------------------------------------


def _finite_matrix(family: str, name: str, rows: Any) -> tuple[tuple[float, ...], ...]:
    if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
        raise ValidationError(f"{family}: `{name}` must be a list of rows such as [[1, 0], [0, 1]]", param=name)
    out = tuple(_finite_tuple(family, name, r) for r in rows)
    if not out:
        raise ValidationError(f"{family}: `{name}` must not be empty", param=name)
    return out


@register("mvnormal")
@dataclass(frozen=True)
class MVNormal(Distribution):
    """Multivariate normal N(mean, cov); cov symmetric positive definite."""

    mean: tuple[float, ...]
    cov: tuple[tuple[float, ...], ...]
    family: ClassVar[str] = "mvnormal"
    SPEC_SIGNATURE: ClassVar = (("mean", "cov"), 2, ("list", "matrix"))

    def __post_init__(self):
        mean = _finite_tuple("mvnormal", "mean", self.mean)
        cov = _finite_matrix("mvnormal", "cov", self.cov)
        d = len(mean)
        if len(cov) != d or any(len(r) != d for r in cov):
            raise ValidationError(f"mvnormal: `cov` must be {d}x{d} for a mean of length {d}", param="cov")
        C = np.array(cov)
        scale = float(np.abs(C).max())
        if not np.allclose(C, C.T, rtol=0, atol=1e-12 * max(scale, 1e-300)):
            raise ValidationError("mvnormal: `cov` must be symmetric", param="cov")
        eig = np.linalg.eigvalsh(0.5 * (C + C.T))
        if eig.min() <= 0:
            raise ValidationError(f"mvnormal: `cov` must be positive definite (smallest eigenvalue "
                                  f"{eig.min():.3g})", param="cov")
        if eig.min() <= 1e-14 * eig.max():
            raise ValidationError(f"mvnormal: `cov` is numerically singular (eigenvalues {eig.min():.3g} and "
                                  f"{eig.max():.3g}: ratio below 1e-14)", param="cov")
        if d < 2:
            raise ValidationError("mvnormal: `mean` needs at least 2 entries; in one dimension use normal(mean, std)",
                                  param="mean")
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "cov", tuple(tuple(float(v) for v in r) for r in 0.5 * (C + C.T)))

    @property
    def dim(self) -> int:  # type: ignore[override]
        return len(self.mean)

    @property
    def mu(self) -> np.ndarray:
        return np.array(self.mean)

    @property
    def sigma(self) -> np.ndarray:
        return np.array(self.cov)

    @property
    def var(self) -> float:
        return math.nan  # a matrix: see `cov`

    def __str__(self):
        return f"mvnormal({_fmt_list(self.mean)}, [{', '.join(_fmt_list(r) for r in self.cov)}])"

    def pdf(self, x):
        """Density at points ``x`` of shape (..., d)."""
        x = np.asarray(x, dtype=float)
        d = self.dim
        L = np.linalg.cholesky(self.sigma)
        z = np.linalg.solve(L, (x - self.mu).reshape(-1, d).T)
        logdet = 2 * np.log(np.diag(L)).sum()
        logp = -0.5 * (z * z).sum(axis=0) - 0.5 * (d * math.log(2 * math.pi) + logdet)
        return np.exp(logp).reshape(x.shape[:-1])

    def box(self, k: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        """Axis-aligned box holding the k-sigma ellipse."""
        half = k * np.sqrt(np.diag(self.sigma))
        return self.mu - half, self.mu + half


class Cloud(Distribution):
    """Weighted atoms in the plane: ``atoms2d()`` gives (locations (n, d), weights)."""

    kind: ClassVar[str] = "discrete"

    def atoms2d(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    @property
    def dim(self) -> int:  # type: ignore[override]
        return int(self.atoms2d()[0].shape[1])

    @property
    def var(self) -> float:
        return math.nan

    def box(self, k: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        locs, _ = self.atoms2d()
        return locs.min(axis=0), locs.max(axis=0)


def _merge_atoms2d(locs: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse = np.unique(locs, axis=0, return_inverse=True)
    return uniq, np.bincount(inverse.ravel(), weights=weights, minlength=len(uniq))


def _cloud_weights(family: str, weights: Any, n: int) -> tuple[float, ...]:
    if weights is None:
        return tuple(1.0 / n for _ in range(n))
    ws = _probabilities(family, "weights", weights)
    if len(ws) != n:
        raise ValidationError(f"{family}: `weights` must have one weight per point (got {len(ws)} weights "
                              f"for {n} points)", param="weights")
    return ws


@register("points2d")
@dataclass(frozen=True)
class Points2D(Cloud):
    """Weighted points in the plane: points2d([[x, y], ...], [w, ...]); weights default uniform."""

    locations: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...] | None = None
    family: ClassVar[str] = "points2d"
    SPEC_SIGNATURE: ClassVar = (("locations", "weights"), 1, ("matrix", "list"))

    def __post_init__(self):
        locs = _finite_matrix("points2d", "locations", self.locations)
        if any(len(p) != 2 for p in locs):
            raise ValidationError("points2d: every location must be a pair [x, y]", param="locations")
        object.__setattr__(self, "locations", locs)
        object.__setattr__(self, "weights", _cloud_weights("points2d", self.weights, len(locs)))

    def __str__(self):
        locs = "[" + ", ".join(_fmt_list(p) for p in self.locations) + "]"
        n = len(self.locations)
        if self.weights == tuple(1.0 / n for _ in range(n)):
            return f"points2d({locs})"
        return f"points2d({locs}, {_fmt_list(self.weights)})"

    def atoms2d(self):
        return _merge_atoms2d(np.array(self.locations, dtype=float), np.array(self.weights))


MAX_SAMPLES = 200_000


@register("samples")
@dataclass(frozen=True)
class Samples(Cloud):
    """An empirical cloud read from a file: CSV (x, y[, weight] per row; a header row is allowed) or
    .npy (an (n, 2) or (n, 3) array). Weights default to uniform and are normalised."""

    path: str
    family: ClassVar[str] = "samples"
    SPEC_SIGNATURE: ClassVar = (("path",), 1, ("str",))

    def __post_init__(self):
        if not isinstance(self.path, str) or not self.path:
            raise ValidationError("samples: `path` must be a file name such as \"cloud.csv\"", param="path")
        object.__setattr__(self, "_data", _read_cloud(self.path))

    def __str__(self):
        return f"samples({self.path!r})"

    def atoms2d(self):
        locs, w = self._data
        return _merge_atoms2d(locs, w)

    def __hash__(self):
        return hash(("samples", self.path))


def _read_cloud(path: str) -> tuple[np.ndarray, np.ndarray]:
    import os

    what = f"samples: {path}"
    if not os.path.exists(path):
        raise ValidationError(f"{what}: no such file", param="path")
    try:
        if path.lower().endswith(".npy"):
            data = np.load(path, allow_pickle=False)
            if data.dtype.kind not in "fiu":
                raise ValidationError(f"{what}: the array must hold real numbers (got dtype {data.dtype})",
                                      param="path")
            data = data.astype(float)
        elif path.lower().endswith((".csv", ".txt")):
            with open(path, encoding="utf-8") as fh:
                lines = [ln for ln in fh.read().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
            if lines and not _numeric_row(lines[0]):
                lines = lines[1:]  # a header row
            rows = []
            for i, ln in enumerate(lines, start=1):
                if not _numeric_row(ln):
                    raise ValidationError(f"{what}: row {i} is not numbers separated by commas: {ln[:40]!r}",
                                          param="path")
                rows.append([float(v) for v in ln.replace(";", ",").split(",")])
            if len({len(r) for r in rows}) > 1:
                raise ValidationError(f"{what}: rows have different numbers of columns", param="path")
            data = np.array(rows, dtype=float)
        else:
            raise ValidationError(f"{what}: unsupported file type (use .csv or .npy)", param="path")
    except ValidationError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{what}: cannot read: {exc}", param="path") from None
    if data.ndim != 2 or data.shape[1] not in (2, 3) or data.shape[0] == 0:
        raise ValidationError(f"{what}: need rows of (x, y) or (x, y, weight); got shape {data.shape}", param="path")
    if data.shape[0] > MAX_SAMPLES:
        raise ValidationError(f"{what}: {data.shape[0]} points; the limit is {MAX_SAMPLES}", param="path")
    if not np.all(np.isfinite(data)):
        raise ValidationError(f"{what}: contains non-finite numbers", param="path")
    locs = np.ascontiguousarray(data[:, :2])
    w = data[:, 2] if data.shape[1] == 3 else np.ones(len(data))
    if (w < 0).any() or w.sum() <= 0:
        raise ValidationError(f"{what}: weights must be >= 0 and not all 0", param="path")
    return locs, w / w.sum()


def _numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.replace(";", ",").split(",")]
        return True
    except ValueError:
        return False
