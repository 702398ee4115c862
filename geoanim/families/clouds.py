"""Point clouds in the plane: weighted points given inline, or samples read from a file."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ValidationError
from .base import Matrix, Multivariate, Probabilities, Text, param, register

MAX_SAMPLES = 200_000


class Cloud(Multivariate):
    """Weighted atoms in the plane: ``atoms2d()`` gives (locations (n, d), weights)."""

    kind = "discrete"

    @property
    def dim(self) -> int:  # type: ignore[override]  # a property for the base's class attribute
        return int(self.atoms2d()[0].shape[1])

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        locs, w = self.atoms2d()
        m = w @ locs
        return m, (locs - m).T @ ((locs - m) * w[:, None])

    def box(self, k: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        locs, _ = self.atoms2d()
        return locs.min(axis=0), locs.max(axis=0)

    def describe(self, exact: bool = False) -> str:
        return f"{len(self.atoms2d()[0])} points"


def merge_atoms2d(locs: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort points and add up the weights of repeated ones."""
    uniq, inverse = np.unique(locs, axis=0, return_inverse=True)
    return uniq, np.bincount(inverse.ravel(), weights=weights, minlength=len(uniq))


def _uniform_weights(d: Points2D) -> tuple[float, ...]:
    return tuple(1.0 / len(d.locations) for _ in d.locations)


@register("points2d")
@dataclass(frozen=True)
class Points2D(Cloud):
    """Weighted points in the plane: points2d([[x, y], ...], [w, ...]); weights default uniform."""

    locations: tuple[tuple[float, ...], ...] = param(Matrix(), role="location", doc="points [x, y]")
    weights: tuple[float, ...] | None = param(Probabilities(), aliases=("w",), role="shape", optional=True,
                                              implied=_uniform_weights, doc="masses (default uniform)")
    family = "points2d"

    def _check(self):
        if any(len(p) != 2 for p in self.locations):
            raise ValidationError("points2d: every location must be a pair [x, y]", param="locations")
        weights = self.weights
        assert weights is not None  # __post_init__ filled it in from `implied`
        if len(weights) != len(self.locations):
            raise ValidationError(f"points2d: `weights` must have one weight per point (got {len(weights)} "
                                  f"weights for {len(self.locations)} points)", param="weights")

    def atoms2d(self):
        return merge_atoms2d(np.array(self.locations, dtype=float), np.array(self.weights))


@register("samples")
@dataclass(frozen=True)
class Samples(Cloud):
    """An empirical cloud read from a file: CSV (x, y[, weight] per row; a header row is allowed) or
    .npy (an (n, 2) or (n, 3) array). Weights default to uniform and are normalised."""

    path: str = param(Text(), doc="a .csv or .npy file of x, y[, weight] rows")
    family = "samples"

    def _check(self) -> None:
        self._data: tuple[np.ndarray, np.ndarray]  # declared for the type checker, set past the frozen dataclass
        object.__setattr__(self, "_data", _read_cloud(self.path))

    def atoms2d(self):
        locs, w = self._data
        return merge_atoms2d(locs, w)

    def describe(self, exact: bool = False) -> str:
        return f"samples of {self.path.rsplit('/', 1)[-1]}" if exact else super().describe(exact)

    def __hash__(self):
        return hash(("samples", self.path))


def _read_cloud(path: str) -> tuple[np.ndarray, np.ndarray]:
    what = f"samples: {path}"
    if not os.path.exists(path):
        raise ValidationError(f"{what}: no such file", param="path")
    try:
        data = _load(path, what)
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


def _load(path: str, what: str) -> Any:
    if path.lower().endswith(".npy"):
        data = np.load(path, allow_pickle=False)
        if data.dtype.kind not in "fiu":
            raise ValidationError(f"{what}: the array must hold real numbers (got dtype {data.dtype})", param="path")
        return data.astype(float)
    if path.lower().endswith((".csv", ".txt")):
        with open(path, encoding="utf-8") as fh:
            lines = [ln for ln in fh.read().splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        if lines and not _numeric_row(lines[0]):
            lines = lines[1:]  # a header row
        rows = []
        for i, ln in enumerate(lines, start=1):
            if not _numeric_row(ln):
                raise ValidationError(f"{what}: row {i} is not numbers separated by commas: {ln[:40]!r}", param="path")
            rows.append([float(v) for v in ln.replace(";", ",").split(",")])
        if len({len(r) for r in rows}) > 1:
            raise ValidationError(f"{what}: rows have different numbers of columns", param="path")
        return np.array(rows, dtype=float)
    raise ValidationError(f"{what}: unsupported file type (use .csv or .npy)", param="path")


def _numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.replace(";", ",").split(",")]
        return True
    except ValueError:
        return False
