"""The Kullback-Leibler divergence KL(p‖q) = ∫ p log(p / q): a divergence, not a distance.

It is not symmetric and breaks the triangle inequality; the Fisher-Rao metric is its local
quadratic form (KL(p‖p + dp) = ½ ds² + O(ds³)). Every value is computed without cancellation
for close laws, as Σ q φ(p / q) with φ(r) = r log r - r + 1 >= 0 (docs/math.md#kl-divergence):

* two members of one exponential family: the family's closed form (``exponential_family.kl``);
* atoms: the finite sum over p's atoms; inf where q lacks one of them;
* densities: quadrature of q φ(p / q) cut at both laws' features; inf where p has mass outside q's
  support, or where p has a heavy tail and q a light one (p log(p/q) then decays too slowly);
* mutually singular parts (a density against atoms): inf.
"""

from __future__ import annotations

import math

import numpy as np

from .. import families as fam
from ..errors import UnsupportedError
from ..families.charts import ExponentialFamily, mass_gap
from ..numeric import integrate_line, scalar
from .features import quadrature_cuts

QUAD_TOL = 1e-9


def kl(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    """KL(p‖q) and how it was computed ("closed form", "exact", "quadrature")."""
    if p.dim != q.dim:
        raise UnsupportedError(f"KL: the laws live in different dimensions ({p.dim} and {q.dim})")
    if p == q:
        return 0.0, "exact"
    ef = getattr(type(p), "exponential_family", None)
    if type(p) is type(q) and isinstance(ef, ExponentialFamily) and (ef.same_model is None or ef.same_model(p, q)):
        return ef.kl(p, q), "closed form"
    if p.dim > 1:
        return _plane(p, q)
    assert isinstance(p, fam.Univariate) and isinstance(q, fam.Univariate)
    return _line(p, q)


def _atoms(locs_p: np.ndarray, mp: np.ndarray, locs_q: np.ndarray, mq: np.ndarray) -> float:
    """Σ over p's atoms of q φ(p / q); inf where q has no atom at one of them."""
    index = {tuple(np.atleast_1d(r)): k for k, r in enumerate(locs_q)}
    terms = []
    for r, m in zip(locs_p, mp):
        k = index.get(tuple(np.atleast_1d(r)))
        if k is None or mq[k] == 0.0:
            if m > 0:
                return math.inf
            continue
        terms.append(mass_gap(float(m), float(mq[k])))
    # q's atoms p lacks contribute q φ(0) = q each
    p_keys = {tuple(np.atleast_1d(r)) for r in locs_p}
    terms += [float(m) for r, m in zip(locs_q, mq) if tuple(np.atleast_1d(r)) not in p_keys]
    return math.fsum(terms)


def _line(p: fam.Univariate, q: fam.Univariate) -> tuple[float, str]:
    method = "exact"
    total = 0.0
    lp, mp = p.atoms()
    lq, mq = q.atoms()
    if lp.size or lq.size:
        total += _atoms(lp, mp, lq, mq)
    cont_p = p.kind != "discrete"
    cont_q = q.kind != "discrete"
    if cont_p and not cont_q:
        return math.inf, "exact (the first law has a density where the second has only atoms)"
    if cont_p and cont_q:
        (a0, a1), (b0, b1) = p.support, q.support
        if a0 < b0 or a1 > b1:
            return math.inf, "exact (the first law has mass outside the second's support)"
        if p.heavy_tailed and not q.heavy_tailed:
            return math.inf, "exact (the first law's tails are heavier than the second's)"

        def integrand(x):
            fp, fq = np.asarray(p.pdf(x), dtype=float), np.asarray(q.pdf(x), dtype=float)
            # where q's density underflows to 0 inside its support (the supports were compared above),
            # p's is far below anything that adds to the integral
            return np.where(fq > 0, mass_gap(fp, np.where(fq > 0, fq, 1.0)), 0.0)

        lo, hi = b0, b1
        value, error = integrate_line(scalar(integrand), lo, hi, quadrature_cuts(p, q))
        if not math.isfinite(value):
            return math.inf, "quadrature (the first law has mass where the second has no density)"
        if not error <= QUAD_TOL * max(1.0, value):
            raise UnsupportedError(f"KL: the integral for {p} against {q} did not converge "
                                   f"(error estimate {error:.1e})")
        # the continuous parts' own masses: ∫ q φ(p/q) counts q - p over the continuous part
        total += value
        method = "quadrature"
    elif cont_q and not cont_p:
        # q's density part is mass p lacks: it adds q's continuous mass (q φ(0) = q)
        total += 1.0 - math.fsum(mq)
    return max(total, 0.0) + 0.0, method


def _plane(p: fam.Distribution, q: fam.Distribution) -> tuple[float, str]:
    if p.kind == "discrete" and q.kind == "discrete":
        lp, mp = p.atoms2d()  # type: ignore[attr-defined]
        lq, mq = q.atoms2d()  # type: ignore[attr-defined]
        return _atoms(lp, mp, lq, mq), "exact"
    if p.kind != "discrete" and q.kind == "discrete":
        return math.inf, "exact (the first law has a density where the second has only points)"
    if p.kind == "discrete" and q.kind != "discrete":
        return math.inf, "exact (the first law has points where the second has only a density)"
    raise UnsupportedError(f"KL between {p} and {q} in the plane is supported for normals and clouds only")


def divergences(p: fam.Distribution, q: fam.Distribution) -> tuple[float, float]:
    """(KL(p‖q), KL(q‖p))."""
    return kl(p, q)[0], kl(q, p)[0]
