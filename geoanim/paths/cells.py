"""Laws as weighted atoms, for the metrics solved between discrete measures (WFR, entropic transport).

A geometry primitive: distributions in, arrays out, no metric in its API. Atoms stay as they are; a
law with a density on the line is cut into cells of a power-of-two width on the lattice of multiples
of that width, the width chosen so that CELLS to 2·CELLS cells hold all but 1e-9 of its mass (the
tails go to the end cells), each cell an atom at its centre carrying its exact mass (differences of
the cdf). The cells depend on the law alone: a path point is compared with the cells its path started
from, and two laws of the same scale share their cells, so that nearby laws differ by their cell
masses rather than by a shifted grid. A caller measures the discretisation error by solving again
with cells twice as wide (``coarsen=2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError, ValidationError
from ..families.base import Reals, as_array, out
from ..families.clouds import Cloud

CELLS = 128
"""At least this many cells (and under twice as many) cut a law with a density."""

REACH = 1e150
"""Laws reaching beyond ±REACH are not cut into cells (their squared distances would overflow)."""


@dataclass(frozen=True)
class Atoms:
    """Weighted atoms: ``x`` (n, d) locations, ``m`` (n,) masses, and ``width`` (n,) the cell each stands
    for where the law had a density on the line (None for atoms that are atoms)."""

    x: np.ndarray
    m: np.ndarray
    width: np.ndarray | None


def reach(d: fam.Univariate, who: str) -> tuple[float, float]:
    """The range holding all but 1e-9 of d's mass (``who`` names the caller in the refusal)."""
    if d.heavy_tailed:
        raise UnsupportedError(f"{who}: {d} has tails too heavy to cut into cells")
    lo, hi = float(d.ppf(5e-10)), float(d.isf(5e-10))
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells (its quantiles at 1e-9 are not finite)")
    if max(abs(lo), abs(hi)) > REACH:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells: it reaches beyond ±{REACH:g}, where squared "
                               "distances overflow")
    if (hi - lo) / CELLS < 2.0 ** -900:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells: all but 1e-9 of its mass lies within "
                               f"{hi - lo:.1e}, too narrow for cells")
    if max(abs(lo), abs(hi)) / ((hi - lo) / CELLS) > 2.0 ** 50:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells: its spread is too small for its distance "
                               "from 0 (the cells' positions would round)")
    return lo, hi


def cells(d: fam.Univariate, who: str, coarsen: int = 1) -> Atoms:
    """d cut into cells of its lattice (``coarsen`` times the width); empty cells are left out."""
    lo, hi = reach(d, who)
    width = 2.0 ** math.floor(math.log2((hi - lo) / CELLS)) * coarsen
    edges = width * np.arange(math.floor(lo / width), math.ceil(hi / width) + 1)
    below = np.asarray(d.cdf(edges), dtype=float)
    below[0], below[-1] = 0.0, 1.0
    masses = np.diff(below)
    centres = 0.5 * (edges[:-1] + edges[1:])
    keep = masses > 0
    return Atoms(centres[keep, None], masses[keep], np.full(int(keep.sum()), width))


def atoms(d: fam.Distribution, who: str, coarsen: int = 1, normalise: bool = True) -> Atoms:
    """d as weighted atoms: a cloud's or a discrete law's atoms (masses normalised to 1 unless
    ``normalise`` is False), a law with a density on the line cut into cells."""
    if isinstance(d, Cloud):
        x, w = d.atoms2d()
        return Atoms(np.asarray(x, dtype=float), w / math.fsum(w) if normalise else w, None)
    if isinstance(d, fam.Univariate):
        if d.kind == "discrete":
            x, w = d.atoms()
            return Atoms(np.asarray(x, dtype=float)[:, None], w / math.fsum(w) if normalise else w, None)
        return cells(d, who, coarsen)
    raise UnsupportedError(f"{who}: no discretisation of {d.family}")


class NormalPieces(fam.Univariate):
    """A law on the line made of normal pieces: subclasses give ``_pieces`` = (centres, masses, sds),
    the centres sorted. The density is Σ m φ((x - c)/s)/s (with the masses as they are: a measure whose
    mass is not 1 shows it), the cdf that over the total mass; the quantile function is read off the
    cdf on a grid of 4,001 points over the support (for plot ranges, not for distances)."""

    kind = "continuous"

    @property
    def _pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def total(self) -> float:
        return math.fsum(self._pieces[1])

    def pdf(self, x):
        locs, m, sd = self._pieces
        xa = as_array(x)
        z = (xa[..., None] - locs) / sd
        return out(x, np.sum(m * np.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi)), axis=-1))

    def cdf(self, x):
        from scipy.special import ndtr

        locs, m, sd = self._pieces
        xa = as_array(x)
        return out(x, np.clip(np.sum(m * ndtr((xa[..., None] - locs) / sd), axis=-1) / self.total, 0.0, 1.0))

    def ppf(self, u):
        lo, hi = self.support
        grid = np.linspace(lo, hi, 4001)
        c = as_array(self.cdf(grid))
        return out(u, np.interp(as_array(u), c, grid))

    @property
    def support(self):
        locs, _, sd = self._pieces
        return (float(np.min(locs - 6 * sd)), float(np.max(locs + 6 * sd)))

    @property
    def mean(self) -> float:
        locs, m, _ = self._pieces
        return math.fsum(locs * m) / self.total

    @property
    def var(self) -> float:
        locs, m, sd = self._pieces
        return math.fsum(m * ((locs - self.mean) ** 2 + sd * sd)) / self.total

    def plot_range(self):
        locs, _, sd = self._pieces
        return (float(np.min(locs - 3 * sd)), float(np.max(locs + 3 * sd)))

    def feature_points(self):
        return np.array(self.plot_range())


def gather(x: np.ndarray, m: np.ndarray, sd: np.ndarray | float, share: float = 0.25, floor: float = 0.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Normal pieces (centres ``x``, shape (k,) on the line or (k, d)) gathered into bins of ``share``
    of their sd, or ``floor`` if that is larger (pieces of similar sd only): a plan splits a cell or
    a point into many pieces; the density drawn from them does not change at that scale. Returns
    (centres, masses, sds), mass-weighted within each bin; on the line the centres sorted."""
    sd = np.broadcast_to(np.asarray(sd, dtype=float), m.shape)
    xs = x.reshape(len(m), -1)
    size = np.maximum(sd * share, floor)[:, None]
    key = np.column_stack([np.round(np.log2(sd) * 16), np.floor(xs / size)])
    _, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    total = np.bincount(inverse, weights=m)
    centre = np.column_stack([np.bincount(inverse, weights=xs[:, k] * m) for k in range(xs.shape[1])]) / total[:, None]
    width = np.bincount(inverse, weights=sd * m) / total
    if x.ndim == 1:
        order = np.argsort(centre[:, 0], kind="stable")
        return centre[order, 0], total[order], width[order]
    return centre, total, width


def discretisation_error(fine: float, coarse: float, fine_tol: float, coarse_tol: float) -> float:
    """The error of a value computed on cells, from the same value on cells twice as wide: the
    whole difference (the midpoint rule's h² would make it 3 times the fine error, but the pieces'
    drawn spread and the solvers' own tolerances, added here, are of the same order)."""
    return abs(fine - coarse) + fine_tol + coarse_tol


def root_error(value: float, error: float) -> float:
    """A bound on the error of √value when value is known to within ``error``."""
    return math.sqrt(value) - math.sqrt(max(value - error, 0.0)) if error > 0 and value > 0 else math.sqrt(error)


class Masses(Reals):
    """A non-empty list of finite numbers >= 0 (the masses of a measure: any total)."""

    text: ClassVar[str] = "numbers >= 0"

    def check(self, family: str, name: str, value: Any) -> tuple[float, ...]:
        values = super().check(family, name, value)
        if any(v < 0 for v in values):
            raise ValidationError(f"{family}: `{name}` must be >= 0", param=name)
        return values


def check_pieces(family: str, locations, masses, spreads=None, dim: int = 1) -> None:
    """The parameters of a law made of pieces (a path point): one mass per location (and one spread
    per location where given), locations of dimension ``dim``, masses >= 0 with a positive finite
    total, spreads > 0 and finite."""
    if len(masses) != len(locations) or not len(locations):
        raise ValidationError(f"{family}: need one mass per location (got {len(masses)} masses for "
                              f"{len(locations)} locations)", param="masses")
    if dim > 1 and any(len(p) != dim for p in locations):
        raise ValidationError(f"{family}: every location must be a pair [x, y]", param="locations")
    m = np.asarray(masses, dtype=float)
    total = float(m.sum())
    if np.any(m < 0) or not (math.isfinite(total) and total > 0):
        raise ValidationError(f"{family}: the masses must be >= 0 with a positive, finite total", param="masses")
    if spreads is not None:
        s = np.asarray(spreads, dtype=float)
        if len(s) != len(locations) or not (np.all(np.isfinite(s)) and np.all(s > 0)):
            raise ValidationError(f"{family}: need one spread > 0 per location", param="widths")
