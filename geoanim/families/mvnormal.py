"""The multivariate normal N(mean, cov) in d >= 2 dimensions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import ValidationError
from .base import MINUS, Matrix, Multivariate, Reals, num, param, register
from .charts import ExponentialFamily, log1p_gap

MIN_EIGEN_RATIO = 1e-10  # smallest / largest eigenvalue of an accepted covariance


def _g(x: float) -> str:
    return f"{x:.3g}".replace("-", MINUS)


@register("mvnormal")
@dataclass(frozen=True)
class MVNormal(Multivariate):
    """Multivariate normal N(mean, cov); cov symmetric positive definite."""

    mean: tuple[float, ...] = param(Reals(), aliases=("mu",), role="location", doc="mean vector")
    cov: tuple[tuple[float, ...], ...] = param(Matrix(), aliases=("sigma",), role="scale2",
                                               doc="covariance matrix, symmetric positive definite")
    family = "mvnormal"
    plural = "normals"
    # T = (x, x xᵀ): θ = (Σ⁻¹μ, -Σ⁻¹/2), η = (μ, Σ + μμᵀ) (docs/math.md#kls-own-straight-lines)
    exponential_family = ExponentialFamily(
        e_point=lambda p, q, t: _e_point(p, q, t), m_point=lambda p, q, t: _m_point(p, q, t),
        kl=lambda p, q: _kl(p, q), same_model=lambda p, q: p.dim == q.dim, note="T = (x, x x\u1d40)")

    def _check(self):
        mean, cov = self.mean, self.cov
        d = len(mean)
        if len(cov) != d or any(len(r) != d for r in cov):
            raise ValidationError(f"mvnormal: `cov` must be {d}x{d} for a mean of length {d}", param="cov")
        C = np.array(cov)
        scale = float(np.abs(C).max())
        if not np.allclose(C, C.T, rtol=0, atol=1e-12 * max(scale, 1e-300)):
            raise ValidationError("mvnormal: `cov` must be symmetric", param="cov")
        C = 0.5 * C + 0.5 * C.T  # halves first: C + C.T overflows for entries near 1e308
        eig = np.linalg.eigvalsh(C)
        if eig.min() <= 0:
            raise ValidationError(f"mvnormal: `cov` must be positive definite (smallest eigenvalue "
                                  f"{eig.min():.3g})", param="cov")
        if eig.min() <= MIN_EIGEN_RATIO * eig.max():
            # beyond this the square roots and solves of Bures-Wasserstein and Fisher-Rao keep fewer
            # than 8 digits (1e12 gave 2e-6 relative error; d(P, P) came out 0.005)
            raise ValidationError(f"mvnormal: `cov` is too close to singular (eigenvalues {eig.min():.3g} and "
                                  f"{eig.max():.3g}: ratio below {MIN_EIGEN_RATIO:g})", param="cov")
        if d < 2:
            raise ValidationError("mvnormal: `mean` needs at least 2 entries; in one dimension use normal(mean, std)",
                                  param="mean")
        object.__setattr__(self, "cov", tuple(tuple(float(v) for v in r) for r in C))

    @classmethod
    def from_arrays(cls, mu: np.ndarray, S: np.ndarray) -> MVNormal:
        """From a mean vector and a covariance matrix (symmetrised: rounding leaves it slightly off)."""
        S = 0.5 * S + 0.5 * S.T
        return cls(tuple(float(v) for v in mu), tuple(tuple(float(v) for v in r) for r in S))

    @property
    def dim(self) -> int:  # type: ignore[override]  # a property for the base's class attribute
        return len(self.mean)

    @property
    def mu(self) -> np.ndarray:
        return np.array(self.mean)

    @property
    def sigma(self) -> np.ndarray:
        return np.array(self.cov)

    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        return self.mu, self.sigma

    def describe(self, exact: bool = False) -> str:
        if exact:
            rows = ", ".join("[" + ", ".join(_g(v) for v in r) + "]" for r in self.cov)
            return f"N(({', '.join(_g(v) for v in self.mean)}), [{rows}])"
        return f"\u03bc = ({num(self.mean[0])}, {num(self.mean[1])})"

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


def _e_point(p: MVNormal, q: MVNormal, t: float) -> MVNormal:
    """Precisions linear in t; the mean μp + P_t⁻¹ t Pq (μq - μp) (the precision-weighted mean)."""
    Pp, Pq = np.linalg.inv(p.sigma), np.linalg.inv(q.sigma)
    P = (1 - t) * Pp + t * Pq
    P = 0.5 * (P + P.T)
    L = np.linalg.cholesky(P)
    solve = lambda v: np.linalg.solve(L.T, np.linalg.solve(L, v))  # noqa: E731
    mu = p.mu + solve(t * (Pq @ (q.mu - p.mu)))
    return MVNormal.from_arrays(mu, solve(np.eye(p.dim)))


def _m_point(p: MVNormal, q: MVNormal, t: float) -> MVNormal:
    """The mixture's mean and covariance: Σ = (1-t)Σp + tΣq + t(1-t)ΔμΔμᵀ."""
    d = q.mu - p.mu
    return MVNormal.from_arrays(p.mu + t * d, (1 - t) * p.sigma + t * q.sigma + t * (1 - t) * np.outer(d, d))


def _kl(p: MVNormal, q: MVNormal) -> float:
    """½ Σ (e_i - log(1 + e_i)) + ½ |L⁻¹Δμ|², e_i the eigenvalues of L⁻¹(Σp - Σq)L⁻ᵀ, Σq = LLᵀ:
    tr(Σq⁻¹Σp) - d - log det(Σq⁻¹Σp) without cancellation for close covariances."""
    L = np.linalg.cholesky(q.sigma)
    E = np.linalg.solve(L, np.linalg.solve(L, p.sigma - q.sigma).T)
    e = np.linalg.eigvalsh(0.5 * (E + E.T))
    z = np.linalg.solve(L, p.mu - q.mu)
    return 0.5 * math.fsum(log1p_gap(float(v)) for v in e) + 0.5 * float(z @ z)
