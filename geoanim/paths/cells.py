"""Laws as weighted atoms, for the metrics solved between discrete measures (WFR, entropic transport).

A geometry primitive: distributions in, arrays out, no metric in its API. Atoms stay as they are; a
law with a density on the line is cut into cells of a power-of-two width on the lattice of multiples
of that width, the width chosen so that CELLS to 2·CELLS cells hold all but 1e-9 of its mass (the
tails go to the end cells), each cell an atom at its centre carrying its exact mass (differences of
the cdf). The cells depend on the law alone: a path point is compared with the cells its path started
from, and two laws of the same scale share their cells, so that nearby laws differ by their cell
masses rather than by a shifted grid. A caller measures the discretisation error by solving again
with cells twice as wide (``coarsen=2``).

A normal in the plane is cut the same way into square cells of a power-of-two width on the lattice
of its multiples (:func:`plane`): CELLS2D to 4·CELLS2D cells over the ellipse holding all but 1e-9
of its mass (more where the cells must be narrower than a caller's length scale), each an atom at its
centre carrying its mass by 6 x 6-point Gauss-Legendre quadrature.
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

CELLS2D = 256
"""A normal in the plane is cut into at least this many cells (and under four times as many)..."""

MAX_CELLS2D = 2000
"""... and never more than this many (a normal so elongated, or a caller's length scale so short, that
narrow enough cells would need more is refused)."""

RADIUS = math.sqrt(2.0 * math.log(1e9))
"""A planar normal has mass 1e-9 beyond this Mahalanobis radius (the chi-square tail with 2 degrees of
freedom is exp(-r²/2))."""

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


def plane(d: fam.MVNormal, who: str, coarsen: int = 1, finest: float = math.inf, finest_name: str = "") -> Atoms:
    """A normal in the plane cut into square cells of its lattice (``coarsen`` times the width): the
    width a power of two, at most twice the minor sd and at most ``finest`` (the caller's length
    scale, called ``finest_name`` in the refusal), such that CELLS2D to 4·CELLS2D cells cover the
    ellipse of Mahalanobis radius RADIUS (all cells whose centre is within half a diagonal of it).
    Refused when that takes more than MAX_CELLS2D cells."""
    if d.dim != 2:
        raise UnsupportedError(f"{who}: cells only in the plane ({d} has {d.dim} dimensions)")
    mu, S = np.array(d.mean, dtype=float), np.array(d.cov, dtype=float)
    lam = np.linalg.eigvalsh(S)
    minor = math.sqrt(float(lam[0]))
    root_det = minor * math.sqrt(float(lam[1]))  # not √det S: that overflows for sds near 1e154
    half = RADIUS * np.sqrt(np.diag(S))  # the ellipse's bounding box
    lo, hi = mu - half, mu + half
    bounds = {"its minor sd times 2": 2.0 * minor, f"{finest_name} = {finest:g}": finest}
    side = min(math.sqrt(math.pi * RADIUS * RADIUS * root_det / CELLS2D), *bounds.values())
    if max(float(np.abs(lo).max()), float(np.abs(hi).max())) > REACH or side < 2.0 ** -900:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells (beyond ±{REACH:g}, or too narrow)")
    width = 2.0 ** math.floor(math.log2(side)) * coarsen
    if float(np.abs(np.concatenate([lo, hi])).max()) / width > 2.0 ** 50:
        raise UnsupportedError(f"{who}: cannot cut {d} into cells: its spread is too small for its distance "
                               "from 0 (the cells' positions would round)")

    def estimate(w: float) -> float:  # the cells of width w in the ellipse widened by half a diagonal
        return math.pi * (RADIUS + w / math.sqrt(2.0) / minor) ** 2 * root_det / (w * w)

    inv = np.linalg.inv(S)
    ix = np.arange(math.floor(lo[0] / width), math.ceil(hi[0] / width))
    iy = np.arange(math.floor(lo[1] / width), math.ceil(hi[1] / width))
    centres = np.empty((0, 2))
    if estimate(width) <= 2 * MAX_CELLS2D:
        X, Y = np.meshgrid((ix + 0.5) * width, (iy + 0.5) * width)
        centres = np.column_stack([X.ravel(), Y.ravel()])
        z = centres - mu
        reach = RADIUS + width / math.sqrt(2.0) / minor  # half a diagonal, in Mahalanobis units at most
        centres = centres[np.sqrt(np.einsum("ij,jk,ik->i", z, inv, z)) <= reach]
    if not centres.size or len(centres) > MAX_CELLS2D:
        binding = min(bounds, key=lambda k: bounds[k])
        wider = width
        # as w grows the estimate falls to π·√det/(2 minor²), the cells along the minor axis alone: where
        # that is already too many, no width would do
        while estimate(wider) > MAX_CELLS2D and math.pi * root_det / (2.0 * minor * minor) < MAX_CELLS2D:
            wider *= 2.0
        fits = estimate(wider) <= MAX_CELLS2D
        hint = (f"; {finest_name} >= {wider:g} would do" if binding.startswith(finest_name) and finest_name and fits
                else "; it is too elongated")
        shown = binding if binding.startswith(finest_name) and finest_name else f"{binding} ({width:g})"
        raise UnsupportedError(f"{who}: {d} needs more than {MAX_CELLS2D:,} planar cells no wider than {shown}{hint}")
    nodes, weights = np.polynomial.legendre.leggauss(6)
    offsets = np.stack(np.meshgrid(nodes, nodes), axis=-1).reshape(-1, 2) * (width / 2)
    z = centres[:, None, :] + offsets[None] - mu
    # the density up to its constant factor (and the cells' area), which the normalisation removes
    masses = np.exp(-0.5 * np.einsum("cqj,jk,cqk->cq", z, inv, z)) @ np.outer(weights, weights).ravel()
    keep = masses > 0
    return Atoms(centres[keep], masses[keep] / math.fsum(masses[keep]), np.full(int(keep.sum()), width))


def atoms(d: fam.Distribution, who: str, coarsen: int = 1, normalise: bool = True, finest: float = math.inf,
          finest_name: str = "") -> Atoms:
    """d as weighted atoms: a cloud's or a discrete law's atoms (masses normalised to 1 unless
    ``normalise`` is False), a law with a density on the line or a normal in the plane cut into cells."""
    if isinstance(d, fam.MVNormal):
        return plane(d, who, coarsen, finest, finest_name)
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


class RoundPieces(fam.Multivariate):
    """A measure in the plane made of round normal pieces: subclasses give ``_arrays`` = (means (k, 2),
    masses (k,), sds (k,)). The density is Σ m φ₂((x - μ)/s)/s² with the masses as they are (a measure
    whose mass is not 1 shows it); moments are the normalised ones."""

    dim = 2

    @property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def pdf(self, x):
        mu, m, sd = self._arrays
        xa = np.asarray(x, dtype=float)
        flat = xa.reshape(-1, 2)
        total = np.zeros(len(flat))
        for k in range(0, len(mu), 256):  # in blocks: (points x pieces) stays small
            d = flat[:, None, :] - mu[None, k:k + 256, :]
            s2 = sd[k:k + 256] ** 2
            total += np.exp(-0.5 * np.sum(d * d, axis=-1) / s2) @ (m[k:k + 256] / (2 * math.pi * s2))
        return total.reshape(xa.shape[:-1])

    def cell_density(self, xedges: np.ndarray, yedges: np.ndarray) -> np.ndarray:
        """The mean density over each cell of a grid (rows: y cells, columns: x cells), exactly: the
        round normals factor, so each cell's mass is Σ m ΔΦ(x) ΔΦ(y) (pieces narrower than a pixel
        do not fall between the pixels' centres)."""
        from scipy.special import ndtr

        mu, m, sd = self._arrays
        px = np.diff(ndtr((xedges[None, :] - mu[:, :1]) / sd[:, None]), axis=1)
        py = np.diff(ndtr((yedges[None, :] - mu[:, 1:]) / sd[:, None]), axis=1)
        return (py * m[:, None]).T @ px / np.outer(np.diff(yedges), np.diff(xedges))

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        mu, m, sd = self._arrays
        w = m / math.fsum(m)
        mean = w @ mu
        return mean, (mu - mean).T @ ((mu - mean) * w[:, None]) + float(w @ sd ** 2) * np.eye(2)

    def box(self, k: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
        """The pieces k sds wide, of those at least e^(-k²/2) as heavy as the heaviest (as a normal's
        box holds the cells within k sds of its mean): the light tail cells do not stretch the view."""
        mu, m, sd = self._arrays
        keep = m >= math.exp(-0.5 * k * k) * float(m.max())
        mu, sd = mu[keep], sd[keep, None]
        return (mu - k * sd).min(axis=0), (mu + k * sd).max(axis=0)


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
