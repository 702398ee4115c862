"""Point clouds in the plane: weighted points given inline, or samples read from a file."""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ValidationError
from .base import Matrix, Multivariate, Probabilities, Text, param, register

MAX_SAMPLES = 200_000


class Cloud(Multivariate):
    """Weighted atoms in the plane: ``atoms2d()`` gives (locations (n, d), weights)."""

    kind = "discrete"

    dim = 2  # points2d takes pairs, samples files x, y (and a weight) per row

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        locs, w = self.atoms2d()
        w = w / w.sum()  # the law's moments, also for a measure whose mass is not 1 (a WFR path point)
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
    try:
        raw, ext = _read_bytes(path, what), path.lower()
        if ext.endswith(".npy"):
            data = _load_npy(raw, what)
        elif ext.endswith((".csv", ".txt")):
            data = _load_csv(raw.decode("utf-8"), what)
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
    if (w < 0).any() or not (w > 0).any():
        raise ValidationError(f"{what}: weights must be >= 0 and not all 0", param="path")
    w = w / w.max()  # first: weights near 1e308 would sum to inf and normalise to zeros
    return locs, w / w.sum()


MAX_FILE_BYTES = 64 * 2**20  # 64 MiB: a 200,000-row CSV of full-precision floats is about 12 MB

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _read_bytes(path: str, what: str) -> bytes:
    """The whole file, if it is a regular file of at most MAX_FILE_BYTES; anything else is refused
    before a byte is read. Opened without blocking (a FIFO with no writer would block open() forever)
    and checked with fstat on the open descriptor, so the file checked is the file read."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ValidationError(f"{what}: no such file", param="path") from None
    except IsADirectoryError:  # Windows cannot open a directory at all
        raise ValidationError(f"{what}: is a directory, not a regular file", param="path") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = next((name for test, name in _KINDS if test(st.st_mode)), "a special file")
            raise ValidationError(f"{what}: is {kind}, not a regular file; give a .csv or .npy file", param="path")
        limit = f"files are limited to {MAX_FILE_BYTES // 2**20} MiB ({MAX_FILE_BYTES} bytes)"
        if st.st_size > MAX_FILE_BYTES:
            raise ValidationError(f"{what}: {st.st_size} bytes; {limit}", param="path")
        chunks, size = [], 0
        while size <= MAX_FILE_BYTES:  # bounded even if the file grows after the check
            chunk = os.read(fd, min(1 << 20, MAX_FILE_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_FILE_BYTES:
        raise ValidationError(f"{what}: more than {MAX_FILE_BYTES} bytes; {limit}", param="path")
    return raw


def _load_npy(raw: bytes, what: str) -> Any:
    data = np.load(io.BytesIO(raw), allow_pickle=False)
    if data.dtype.kind not in "fiu":
        raise ValidationError(f"{what}: the array must hold real numbers (got dtype {data.dtype})", param="path")
    return data.astype(float)


def _load_csv(text: str, what: str) -> Any:
    rows: list[list[float]] = []
    first = True
    for ln in io.StringIO(text, newline=None):  # universal newlines, as open() reads text
        if not ln.strip() or ln.lstrip().startswith("#"):
            continue
        numeric = _numeric_row(ln)
        if first and not numeric:
            first = False
            continue  # a header row
        first = False
        if not numeric:
            raise ValidationError(f"{what}: row {len(rows) + 1} is not numbers separated by commas: "
                                  f"{ln.strip()[:40]!r}", param="path")
        if len(rows) == MAX_SAMPLES:  # stop parsing here: the rest could be millions of rows
            raise ValidationError(f"{what}: more than {MAX_SAMPLES} points; the limit is {MAX_SAMPLES}", param="path")
        rows.append([float(v) for v in ln.replace(";", ",").split(",")])
    if len({len(r) for r in rows}) > 1:
        raise ValidationError(f"{what}: rows have different numbers of columns", param="path")
    return np.array(rows, dtype=float)


def _numeric_row(line: str) -> bool:
    try:
        [float(v) for v in line.replace(";", ",").split(",")]
        return True
    except ValueError:
        return False
