"""Wasserstein-Fisher-Rao (Hellinger-Kantorovich) with length scale κ: mass closer than πκ/2 is
carried, farther mass is destroyed and created.

Convention: HK² = min ∫∫ (|v|² + (κ²/4) α²) dρ dt over ∂ₜρ + div(ρv) = αρ (Chizat et al.'s δ is
κ/2). With θ = |x1 - x0| / κ, two weighted Diracs m0 δ_x0 and m1 δ_x1 are at

* θ < π/2: HK² = κ² (m0 + m1 - 2√(m0 m1) cos θ), joined by one Dirac of mass |z(t)|² at
  x0 + (arg z(t) / θ)(x1 - x0), z(t) = (1 - t)√m0 + t√m1 e^{iθ};
* θ >= π/2: HK² = κ² (m0 + m1), the first fading as (1 - t)², the second growing as t².

Between discrete measures the static problem (:mod:`unbalanced`) gives a plan γ; each pair (i, j)
then moves as the two-Dirac geodesic between m0 = γ_ij a_i / u_i and m1 = γ_ij b_j / v_j, and points
left out of the plan fade or grow. Laws with a density are cut into cells (their exact cell masses at
the cells' centres) and the measured discretisation error is part of the method.
(docs/math.md#wasserstein-fisher-rao-hellinger-kantorovich)

Path points are measures whose total mass varies along the path: they expose ``mass``; panels say
"mass 0.83". HK is translation invariant but not scale invariant: κ is a length.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.base import Param, Positive, Reals, as_array, num, out, param, register
from ..families.clouds import Cloud, merge_atoms2d
from . import cells, unbalanced
from .base import Path, geodesic_path
from .cells import CELLS
from .registry import blend_colors, define_metric, route

GREEN, BLUE = ("#009E73", "#2BC49A"), ("#0072B2", "#56B4E9")  # fisher-np's and wasserstein's colours


def _colors(values: dict[str, Any]) -> tuple[str, str]:
    """From the Fisher-Rao-like green (small κ: mass teleports) to the transport blue (large κ)."""
    s = min(max(math.log2(values["kappa"]) / 6.0 + 0.5, 0.1), 0.9)
    return blend_colors(GREEN[0], GREEN[1], BLUE[0], BLUE[1], s)


define_metric(
    "wfr", order=35, aliases=("hk", "hellinger-kantorovich", "wasserstein-fisher-rao"),
    title="WFR (\u03ba = {kappa})", colors=_colors, show_model=False, transport=True, ground=True,
    summary="Wasserstein-Fisher-Rao / Hellinger-Kantorovich: transport within πκ/2, creation and destruction "
            "beyond; total mass varies along the path",
    convention="HK² = min ∫∫ (|v|² + (κ²/4) α²) dρ dt over ∂ₜρ + div(ρv) = αρ (Chizat et al.'s δ = κ/2); "
               "HK, never HK²",
    params=(Param("kappa", Positive(), required=False, implied=lambda _: 1.0,
                  doc="length scale κ > 0 (default 1): mass farther than πκ/2 apart is not carried"),),
    examples=("wfr(0.5)", "wfr(3)"))

class _MeasureText:
    """What a measure of varying mass says about itself in panels: its mass first."""

    locations: tuple
    masses: tuple[float, ...]

    @property
    def mass(self) -> float:
        """The total mass (1 at the ends of a path between laws; anything between)."""
        return math.fsum(self.masses)

    def describe(self, exact: bool = False) -> str:
        return f"mass {num(self.mass)}"


@register("hk_atoms")
@dataclass(frozen=True)
class HKAtoms(_MeasureText, fam.Discrete):
    """Weighted atoms on the line whose masses need not sum to 1: a point of a WFR path."""

    locations: tuple[float, ...] = param(Reals(), role="location", doc="atom locations")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (any total)")
    family = "hk_atoms"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses)

    def atoms(self):
        return fam.base.merge_atoms(np.array(self.locations), np.array(self.masses))

    def pmf(self, x):  # the masses themselves, not normalised: the panel shows mass disappearing
        locs, masses = self.atoms()
        xa = as_array(x)
        idx = np.clip(np.searchsorted(locs, xa), 0, locs.size - 1)
        return out(x, np.where(locs[idx] == xa, masses[idx], 0.0))


SMOOTHING = 2.0
"""The normal each piece of a moved cell is drawn as has at least this many cell widths as its sd."""


@register("hk_cells")
@dataclass(frozen=True)
class HKCells(_MeasureText, cells.NormalPieces):
    """The cells a law with a density was cut into, after moving along a WFR path (each cell carried
    as an atom), read back as a density: each piece of mass spread as a normal whose sd is the cell
    ``widths`` times SMOOTHING or, where the pieces have spread apart, half the gap to its neighbours
    (so a stretched stretch stays a smooth density instead of a comb, and the pieces a plan splits
    the cells into, interleaved unevenly along a cone geodesic, do not show as ripples)."""

    locations: tuple[float, ...] = param(Reals(), role="location", doc="cell centres")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (any total)")
    widths: tuple[float, ...] = param(cells.Masses(), role="scale", doc="the width of each cell")
    family = "hk_cells"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses, self.widths)

    @functools.cached_property
    def _pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        order = np.argsort(self.locations, kind="stable")
        x, m = np.array(self.locations)[order], np.array(self.masses)[order]
        w = np.array(self.widths)[order]
        gaps = np.diff(x)
        left = np.concatenate([[gaps[0] if gaps.size else 0.0], gaps])
        right = np.concatenate([gaps, [gaps[-1] if gaps.size else 0.0]])
        return x, m, np.maximum(SMOOTHING * w, 0.5 * np.maximum(left, right))


PLANAR_SMOOTHING = 0.6
"""In the plane each moved cell is drawn as a round normal of this many cell widths as its sd (the
lattice's ripple is then under 0.2% of the density; the drawn spread adds 0.36 + 1/12 of a cell
width squared to the variance)."""


@register("hk_cells2d")
@dataclass(frozen=True)
class HKCells2D(_MeasureText, cells.RoundPieces):
    """The cells a normal in the plane was cut into, after moving along a WFR path (each cell carried
    as an atom), read back as a density: each piece of mass a round normal of PLANAR_SMOOTHING times
    its cell's width as sd."""

    locations: tuple[tuple[float, ...], ...] = param(fam.base.Matrix(), role="location", doc="cell centres [x, y]")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (any total)")
    widths: tuple[float, ...] = param(cells.Masses(), role="scale", doc="the width of each cell")
    family = "hk_cells2d"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses, self.widths, dim=2)

    @functools.cached_property
    def _arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.array(self.locations, dtype=float).reshape(-1, 2), np.array(self.masses),
                PLANAR_SMOOTHING * np.array(self.widths))


@register("hk_cloud")
@dataclass(frozen=True)
class HKCloud(_MeasureText, Cloud):
    """Weighted points in the plane whose masses need not sum to 1: a point of a WFR path."""

    locations: tuple[tuple[float, ...], ...] = param(fam.base.Matrix(), role="location", doc="points [x, y]")
    masses: tuple[float, ...] = param(cells.Masses(), role="shape", doc="their masses (any total)")
    family = "hk_cloud"
    derived = True

    def _check(self) -> None:
        cells.check_pieces(self.family, self.locations, self.masses, dim=2)

    def atoms2d(self):
        return merge_atoms2d(np.array(self.locations, dtype=float).reshape(-1, 2), np.array(self.masses))



# ---------------------------------------------------------------------------------------------
# the measures a pair is solved between
# ---------------------------------------------------------------------------------------------


def _measure(d: fam.Distribution, coarsen: int = 1, finest: float = math.inf) -> cells.Atoms:
    """d as weighted atoms: atoms as they are (a path point's masses as they are), a density cut
    into cells (``coarsen`` times wider; a planar normal's no wider than ``finest``, κ: cells wider
    than the length scale below which mass is carried make HK a coarse guess)."""
    if isinstance(d, (HKCells, HKCells2D)):
        x = np.array(d.locations, dtype=float).reshape(len(d.masses), -1)
        return cells.Atoms(x, np.array(d.masses), np.array(d.widths))
    return cells.atoms(d, "wfr", coarsen, normalise=not isinstance(d, (HKAtoms, HKCloud)), finest=finest,
                       finest_name="\u03ba")


# ---------------------------------------------------------------------------------------------
# the geodesic
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geodesic:
    """Each pair as the two-Dirac geodesic, unmatched mass fading or growing: arrays, one row per piece."""

    x0: np.ndarray  # (k, d) start positions
    x1: np.ndarray  # (k, d) end positions
    m0: np.ndarray
    m1: np.ndarray
    theta: np.ndarray  # |x1 - x0| / κ (0 for pieces that do not move)
    moving: np.ndarray  # pairs (True) or fading/growing pieces (False)
    w0: np.ndarray | None = None  # the cell widths at the start and the end (None: atoms)
    w1: np.ndarray | None = None

    def widths(self, t: float) -> np.ndarray:
        """Each piece's cell width at time t: from its start cell's to its end cell's."""
        assert self.w0 is not None and self.w1 is not None
        return (1 - t) * self.w0 + t * self.w1

    def at(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """(positions, masses) at time t."""
        r0, r1 = np.sqrt(self.m0), np.sqrt(self.m1)
        re = (1 - t) * r0 + t * r1 * np.cos(self.theta)
        im = t * r1 * np.sin(self.theta)
        mass = np.where(self.moving, re * re + im * im, (1 - t) ** 2 * self.m0 + t * t * self.m1)
        with np.errstate(invalid="ignore", divide="ignore"):
            turned = np.arctan2(im, re) / np.where(self.theta > 0, self.theta, 1.0)
            frac = np.where(self.moving & (self.theta > 0), turned, 0.0)
        pos = self.x0 + frac[:, None] * (self.x1 - self.x0)
        pos = np.where((~self.moving & (self.m0 == 0))[:, None], self.x1, pos)
        return pos, mass


def _geodesic(P: cells.Atoms, Q: cells.Atoms, plan: unbalanced.UnbalancedPlan, kappa: float) -> _Geodesic:
    r, c, g = plan.rows, plan.cols, plan.mass
    m0 = g * P.m[r] / plan.u[r]
    m1 = g * Q.m[c] / plan.v[c]
    x0, x1 = P.x[r], Q.x[c]
    theta = np.sqrt(np.sum((x1 - x0) ** 2, axis=1)) / kappa
    lone_p = np.flatnonzero(plan.u <= 0)
    lone_q = np.flatnonzero(plan.v <= 0)
    d = P.x.shape[1]
    widths = None
    if P.width is not None and Q.width is not None:
        widths = (np.concatenate([P.width[r], P.width[lone_p], Q.width[lone_q]]),
                  np.concatenate([Q.width[c], P.width[lone_p], Q.width[lone_q]]))
    return _Geodesic(
        np.concatenate([x0, P.x[lone_p], Q.x[lone_q]]).reshape(-1, d),
        np.concatenate([x1, P.x[lone_p], Q.x[lone_q]]).reshape(-1, d),
        np.concatenate([m0, P.m[lone_p], np.zeros(lone_q.size)]),
        np.concatenate([m1, np.zeros(lone_p.size), Q.m[lone_q]]),
        np.concatenate([theta, np.zeros(lone_p.size + lone_q.size)]),
        np.concatenate([np.ones(g.size, bool), np.zeros(lone_p.size + lone_q.size, bool)]),
        *(widths or (None, None)))


def _solve(P: cells.Atoms, Q: cells.Atoms, kappa: float) -> tuple[float, float, _Geodesic]:
    """(HK, certified absolute error bound, geodesic) between two discrete measures."""
    if P.x.shape[1] != Q.x.shape[1]:
        raise UnsupportedError("wfr: both measures must live in the same dimension")
    if P.x.shape == Q.x.shape and np.array_equal(P.x, Q.x) and np.array_equal(P.m, Q.m):
        k = len(P.m)
        eye = np.arange(k)
        plan = unbalanced.UnbalancedPlan(eye, eye, P.m.copy(), P.m.copy(), P.m.copy(), 0.0, 0.0)
        return 0.0, 0.0, _geodesic(P, Q, plan, kappa)
    # in units of κ (no shift of origin: the costs come from coordinate differences, and a shift by a
    # far point's share of a mean rounded the near points' differences)
    plan = unbalanced.hk_plan(P.x / kappa, P.m, Q.x / kappa, Q.m)
    value = plan.value
    hk = kappa * math.sqrt(max(value, 0.0))
    err = kappa * cells.root_error(value, plan.gap)  # HK = κ√v, v known to within the gap below it
    return hk, err, _geodesic(P, Q, plan, kappa)


def _method(kind: str, err: float) -> str:
    if err == 0.0:
        return kind
    return f"{kind}; unbalanced solver certified to ±{err:.1e} (duality gap)"


def _diracs(p, q, P: cells.Atoms, Q: cells.Atoms, kappa: float) -> Path:
    """One atom each: the closed form (docs/math.md#wasserstein-fisher-rao-hellinger-kantorovich)."""
    m0, m1 = float(P.m[0]), float(Q.m[0])
    theta = abs(float(Q.x[0, 0]) - float(P.x[0, 0])) / kappa
    if theta < math.pi / 2:
        # m0 + m1 - 2√(m0 m1) cos θ = (√m0 - √m1)² + 4√(m0 m1) sin²(θ/2): no cancellation as q -> p
        sq = (math.sqrt(m0) - math.sqrt(m1)) ** 2 + 4.0 * math.sqrt(m0 * m1) * math.sin(theta / 2) ** 2
        geo = _Geodesic(P.x, Q.x, P.m, Q.m, np.array([theta]), np.array([True]))
    else:
        sq = m0 + m1
        geo = _Geodesic(np.concatenate([P.x, Q.x]), np.concatenate([P.x, Q.x]), np.array([m0, 0.0]),
                        np.array([0.0, m1]), np.zeros(2), np.zeros(2, bool))
    return geodesic_path(p, q, model="measures", length=kappa * math.sqrt(sq), method="closed form (one atom each)",
                         point=_line_point(geo))


def _line_point(geo: _Geodesic):
    def point(t: float):
        pos, mass = geo.at(t)
        keep = mass > NEGLIGIBLE * max(float(mass.max()), 1e-300)
        x, m = pos[keep, 0], mass[keep]
        if not x.size:
            raise UnsupportedError(f"wfr: the path's mass underflows to 0 at t = {t!r}")
        if geo.w0 is None:
            return HKAtoms(tuple(float(v) for v in x), tuple(float(v) for v in m))
        # the pieces of the cells, gathered into bins of a quarter of their width
        centre, total, width = cells.gather(x, m, geo.widths(t)[keep])
        return HKCells(tuple(float(v) for v in centre), tuple(float(v) for v in total), tuple(float(v) for v in width))

    return point


NEGLIGIBLE = 1e-15
"""Pieces lighter than this share of the heaviest are left out of path points (a faded tail cell of
mass 1e-26 would otherwise stretch the smoothing of its neighbours)."""


@route("wfr", fam.Univariate, fam.Univariate, model="measures", method="exact plan (certified tolerance)",
       note=f"one atom each in closed form; atoms as they are, densities cut into {CELLS}-{2 * CELLS} cells "
            "(discretisation error measured with cells twice as wide); the static problem solved with a certified "
            "duality gap",
       refuses="laws with heavy tails (no cells hold all but 1e-9 of their mass)")
def line(p, q, kappa: float = 1.0) -> Path:
    return _canonical(_line, p, q, kappa)


def _canonical(build, p, q, kappa: float) -> Path:
    """build in one canonical order of the endpoints, remembered: the path from q to p is the one from p
    to q backwards (d(p, q) = d(q, p) to the last bit), and asking again costs nothing (a plan between
    cells takes seconds)."""
    if str(q) < str(p):
        return _remembered(build, q, p, kappa).reversed()
    return _remembered(build, p, q, kappa)


@functools.lru_cache(maxsize=64)
def _remembered(build, p, q, kappa: float) -> Path:
    return build(p, q, kappa)


def _line(p, q, kappa: float) -> Path:
    P, Q = _measure(p), _measure(q)
    if P.width is None and Q.width is None and len(P.m) == 1 and len(Q.m) == 1:
        return _diracs(p, q, P, Q, kappa)
    return _discrete(p, q, P, Q, kappa, _line_point, f"{len(P.m)} + {len(Q.m)} cells on the line")


@route("wfr", fam.Multivariate, fam.Multivariate, model="measures", method="exact plan (certified tolerance)",
       note=f"normals in the plane cut into {cells.CELLS2D}-{4 * cells.CELLS2D} square cells no wider than κ "
            "(discretisation error measured with cells twice as wide), clouds and planar atoms as they are",
       refuses="Dirichlet laws (no cells for the simplex yet), "
               f"normals in more than 2 dimensions, and normals so elongated (or κ so short against them) that more "
               f"than {cells.MAX_CELLS2D:,} cells would be needed")
def plane(p, q, kappa: float = 1.0) -> Path:
    """Normals in the plane (as cells), clouds and planar atoms: pairs move on the cone (a curve with
    varying mass), the rest fades or grows."""
    return _canonical(_plane, p, q, kappa)


def _plane(p, q, kappa: float) -> Path:
    P, Q = _measure(p, finest=kappa), _measure(q, finest=kappa)
    return _discrete(p, q, P, Q, kappa, _plane_point, f"{len(P.m)} + {len(Q.m)} square cells", finest=kappa)


def _discrete(p, q, P: cells.Atoms, Q: cells.Atoms, kappa: float, point_of, cut: str, finest: float = math.inf
              ) -> Path:
    """The path between two discrete measures; where both stand for laws with a density (cells), the
    discretisation error is measured by solving again with cells twice as wide."""
    hk, gap, geo = _solve(P, Q, kappa)
    if P.width is None and Q.width is None:
        return geodesic_path(p, q, model="measures", length=hk, method=_method("exact plan", gap),
                             point=point_of(geo), error=gap)
    coarse, coarse_gap, _ = _solve(_measure(p, 2, finest), _measure(q, 2, finest), kappa)
    disc = cells.discretisation_error(hk, coarse, gap, coarse_gap)
    kind = f"discretised: {cut}, {_width(P)} and {_width(Q)} (error ~{disc:.1e}, measured with cells twice as wide)"
    return geodesic_path(p, q, model="measures", length=hk, method=_method(kind, gap), point=point_of(geo),
                         error=gap + disc)


def _width(A: cells.Atoms) -> str:
    """The cell width of a side, or "atoms" (cells share one width per law)."""
    return "atoms" if A.width is None else f"{float(A.width[0]):g} wide"


def _plane_point(geo: _Geodesic):
    def point(t: float):
        pos, mass = geo.at(t)
        keep = mass > NEGLIGIBLE * max(float(mass.max()), 1e-300)
        if not keep.any():
            raise UnsupportedError(f"wfr: the path's mass underflows to 0 at t = {t!r}")
        if geo.w0 is None:
            return HKCloud(tuple(tuple(float(v) for v in r) for r in pos[keep]), tuple(float(v) for v in mass[keep]))
        centre, total, width = cells.gather(pos[keep], mass[keep], geo.widths(t)[keep])
        return HKCells2D(tuple(tuple(float(v) for v in r) for r in centre), tuple(float(v) for v in total),
                         tuple(float(v) for v in width))

    return point
