"""The Fisher-Rao length of a curve of distributions that is not a Fisher-Rao geodesic.

KL's own straight lines (the e-, m-, mixture and α-geodesics) are measured by the Fisher-Rao
metric they all share as their local form, so each can be set beside the Fisher-Rao geodesic,
the shortest of them. The length is the limit of chord sums Σ d(γ(t_i), γ(t_i+1)) with exact
Fisher-Rao distances between neighbouring points; a chord falls short of its arc by O(h³), so
the sum converges as O(N⁻²) and Richardson's extrapolation (4 S_2N - S_N) / 3 removes that term.
(docs/math.md#arc-length-of-kl-geodesics)

A family's Fisher metric is the one it inherits from all densities, so inside a family the
chords are the family's closed-form distances; elsewhere they are Hellinger chords
4 atan2(H, sqrt(4 - H²)) between the points' densities on one shared quadrature grid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import families as fam
from .features import quadrature_cuts

RTOL = 1e-10


@dataclass(frozen=True)
class Measured:
    """A curve's arc length, its error estimate, and ``arc(t)``: the length from 0 to t (the finest
    chords' running sums scaled to the extrapolated total; ~1e-6 relative, for captions)."""

    length: float
    error: float
    arc: Callable[[float], float]


def chord_length(chord: Callable[[float, float], float] | None, *, first: int = 16, last: int = 1024,
                 ends: int = 1, batch: Callable[[np.ndarray], np.ndarray] | None = None) -> Measured:
    """Arc length of a curve on [0, 1] from ``chord(s, t)`` distances, and its error estimate.

    The chords' ends are t = sin²(πs/2) for s evenly spaced (the map applied ``ends`` times): where
    mass appears or vanishes at an end (a mixture between laws with different supports) the speed
    grows like 1/sqrt(t(1 - t)), and in s it is smooth again, so the extrapolation keeps its order.
    Where one law's tail is far below the other's, that growth sets in only very close to the end,
    and three maps (points clustered as s⁸ there) cut the error a thousandfold against one. The
    number of chords doubles until two Richardson estimates agree to RTOL (relative).
    ``batch(ts)``, if given, returns the chords between consecutive ``ts`` at once.
    """
    previous_sum: float | None = None
    previous_estimate: float | None = None
    n = first
    while True:
        ts = np.linspace(0.0, 1.0, n + 1)
        for _ in range(ends):
            ts = np.sin(0.5 * np.pi * ts) ** 2
        ts[0], ts[-1] = 0.0, 1.0
        if batch is not None:
            pieces = [float(v) for v in batch(ts)]
        else:
            assert chord is not None
            pieces = [chord(float(a), float(b)) for a, b in zip(ts[:-1], ts[1:])]
        total = math.fsum(pieces)
        if previous_sum is not None:
            estimate = total + (total - previous_sum) / 3.0
            if previous_estimate is not None:
                error = abs(estimate - previous_estimate)
                if error <= RTOL * abs(estimate) or n >= last:
                    return _measured(estimate, error, ts, pieces)
            previous_estimate = estimate
        previous_sum = total
        n *= 2


def _measured(estimate: float, error: float, ts: np.ndarray, pieces: list[float]) -> Measured:
    running = np.concatenate([[0.0], np.cumsum(pieces)])
    scale = estimate / running[-1] if running[-1] > 0 else 0.0
    return Measured(estimate, error, lambda t: float(np.interp(t, ts, running) * scale))


def hellinger_chord(h2: float) -> float:
    """The Fisher-Rao distance 4 atan2(H, sqrt(4 - H²)) on the sphere through 2√p, from H² in [0, 2]."""
    h2 = min(max(h2, 0.0), 2.0)
    return 4.0 * math.atan2(math.sqrt(h2), math.sqrt(4.0 - h2))


class Grid:
    """Quadrature nodes and weights over where two laws on the line keep their continuous mass, and
    the union of their atoms: every point of a curve between them is evaluated on the same nodes, so
    neighbouring points' Hellinger distances come out consistent to rounding."""

    PER_PIECE = 24

    def __init__(self, p: fam.Univariate, q: fam.Univariate):
        self.x = np.empty(0)
        self.w = np.empty(0)
        self.edges = np.empty(0)
        if p.kind != "discrete" or q.kind != "discrete":
            continuous = [d for d in (p, q) if d.kind != "discrete"]
            spans = [_span(d) for d in continuous]
            lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
            cuts = [c for c in quadrature_cuts(p, q) if lo < c < hi]
            # out to the 1e-17 quantiles in pieces growing 4-fold, so a heavy tail (a Cauchy's
            # reaches 1e16 widths) is not one Gauss-Legendre piece
            inner = cuts or [0.5 * (lo + hi)]
            centre = 0.5 * (inner[0] + inner[-1])
            reach = max(0.5 * (inner[-1] - inner[0]), 1e-300 + abs(centre) * 1e-12, 1e-12 * (hi - lo))
            while centre + reach < hi or centre - reach > lo:
                reach *= 4.0
                cuts += [c for c in (centre - reach, centre + reach) if lo < c < hi]
            edges = np.array(sorted({lo, *cuts, hi}))
            nodes, weights = np.polynomial.legendre.leggauss(self.PER_PIECE)
            a, b = edges[:-1], edges[1:]
            half, mid = 0.5 * (b - a), 0.5 * (a + b)
            self.x = (mid[:, None] + half[:, None] * nodes[None, :]).ravel()
            self.w = (half[:, None] * weights[None, :]).ravel()
            self.edges = edges
        atoms = [d.atoms()[0] for d in (p, q) if d.kind != "continuous"]
        self.atoms = np.unique(np.concatenate(atoms)) if atoms else np.empty(0)

    def integral_below(self, f: Callable[[np.ndarray], np.ndarray], upto: np.ndarray) -> np.ndarray:
        """∫ f from the grid's left end to each of ``upto``: the whole pieces below it from the nodes,
        the piece it falls in by its own Gauss-Legendre rule on [edge, upto] (cdfs of path points)."""
        upto = np.asarray(upto, dtype=float)
        if not self.edges.size:
            return np.zeros_like(upto)
        n = self.PER_PIECE
        piece = (self.w * np.asarray(f(self.x), dtype=float)).reshape(-1, n).sum(axis=1)
        running = np.concatenate([[0.0], np.cumsum(piece)])
        nodes, weights = np.polynomial.legendre.leggauss(n)
        flat = upto.ravel()
        k = np.clip(np.searchsorted(self.edges, flat, side="right") - 1, 0, len(self.edges) - 1)
        inside = (flat > self.edges[0]) & (flat < self.edges[-1])
        result = np.where(flat >= self.edges[-1], running[-1], 0.0)
        if inside.any():
            a, b = self.edges[k[inside]], flat[inside]
            half, mid = 0.5 * (b - a), 0.5 * (a + b)
            xs = mid[:, None] + half[:, None] * nodes[None, :]
            partial = (half[:, None] * weights[None, :] * np.asarray(f(xs.ravel()), dtype=float).reshape(xs.shape))
            result[inside] = running[k[inside]] + partial.sum(axis=1)
        return result.reshape(upto.shape)

    def density(self, d) -> tuple[np.ndarray, np.ndarray]:
        """d's density at the nodes and its masses at the atoms."""
        dens = np.asarray(d.pdf(self.x), dtype=float) if self.x.size else np.empty(0)
        mass = np.asarray(d.pmf(self.atoms), dtype=float) if self.atoms.size else np.empty(0)
        return dens, mass



def _span(d: fam.Univariate) -> tuple[float, float]:
    """Where d keeps all but 1e-17 of its continuous mass on each side (its support where the
    quantile is not finite: a mixed law's quantile can sit on an atom)."""
    with np.errstate(all="ignore"):
        lo, hi = float(d.ppf(1e-17)), float(d.isf(1e-17))
    a, b = d.support
    feats = np.asarray(d.feature_points(), dtype=float)
    feats = feats[np.isfinite(feats)]
    if not math.isfinite(lo):
        lo = a if math.isfinite(a) else float(feats.min())
    if not math.isfinite(hi):
        hi = b if math.isfinite(b) else float(feats.max())
    return max(lo, a), min(hi, b)


Values = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def grid_length(grid: Grid, values: Values) -> Measured:
    """Fisher-Rao arc length of a curve of laws, with Hellinger chords on ``grid``, from
    ``values(ts)``: the unnormalised densities at the nodes and masses at the atoms, one row per t
    (a power mean of the ends' values: no law, and no normalising integral, per chord end)."""

    def chords(ts: np.ndarray) -> np.ndarray:
        """Every chord at once: the rows of normalised values, H² between neighbours in the
        cancellation-free form (u - v)/(√u + √v), then 4 atan2(H, √(4 - H²))."""
        dens, mass = values(ts)
        dens, mass = np.asarray(dens).reshape(len(ts), -1), np.asarray(mass).reshape(len(ts), -1)
        z = (dens @ grid.w if grid.w.size else 0.0) + mass.sum(axis=1)
        h2 = np.zeros(len(ts) - 1)
        for part, weight in ((dens, grid.w), (mass, None)):
            if not part.size:
                continue
            u = part / z[:, None]
            s = np.sqrt(u[1:]) + np.sqrt(u[:-1])
            d = np.where(s > 0, (u[1:] - u[:-1]) / np.where(s > 0, s, 1.0), 0.0)
            h2 += (d * d) @ weight if weight is not None else (d * d).sum(axis=1)
        h2 = np.clip(h2, 0.0, 2.0)
        return 4.0 * np.arctan2(np.sqrt(h2), np.sqrt(4.0 - h2))

    return chord_length(None, batch=chords, last=512, ends=3)


class PlaneGrid(Grid):
    """The same in the plane: a tensor Gauss-Legendre grid over a box holding both laws' continuous
    mass (9 standard deviations of each normal), and the union of their points."""

    PIECES = 12
    PER_PIECE = 10

    def __init__(self, p: fam.Multivariate, q: fam.Multivariate):
        self.x = np.empty((0, p.dim))
        self.w = np.empty(0)
        continuous = [d for d in (p, q) if d.kind != "discrete"]
        if continuous:
            boxes = [d.box(9.0) for d in continuous]
            lo = np.min([b[0] for b in boxes], axis=0)
            hi = np.max([b[1] for b in boxes], axis=0)
            nodes, weights = np.polynomial.legendre.leggauss(self.PER_PIECE)
            axes, axis_w = [], []
            for a, b in zip(lo, hi):
                edges = np.linspace(a, b, self.PIECES + 1)
                half, mid = 0.5 * np.diff(edges), 0.5 * (edges[:-1] + edges[1:])
                axes.append((mid[:, None] + half[:, None] * nodes[None, :]).ravel())
                axis_w.append((half[:, None] * weights[None, :]).ravel())
            X, Y = np.meshgrid(axes[0], axes[1], indexing="ij")
            WX, WY = np.meshgrid(axis_w[0], axis_w[1], indexing="ij")
            self.x = np.stack([X.ravel(), Y.ravel()], axis=1)
            self.w = (WX * WY).ravel()
        clouds = [d.atoms2d()[0] for d in (p, q) if d.kind != "continuous"]
        self.atoms = np.unique(np.concatenate(clouds), axis=0) if clouds else np.empty((0, p.dim))
        self._index = {tuple(r): k for k, r in enumerate(self.atoms)}

    def density(self, d) -> tuple[np.ndarray, np.ndarray]:
        dens = np.asarray(d.pdf(self.x), dtype=float) if self.w.size else np.empty(0)
        mass = np.zeros(len(self.atoms))
        locs, m = d.atoms2d()
        for r, v in zip(locs, m):
            mass[self._index[tuple(r)]] += v
        return dens, mass
