"""Where a law on the line keeps its mass: the (centre, width) of each smooth bump, and cut points
for quadratures over x (Hellinger integrals) or over quantile levels (W2), so that no bump, however
narrow or far away, falls between two nodes."""

from __future__ import annotations

import math

import numpy as np

from .. import families as fam


def features(d: fam.Univariate) -> list[tuple[float, float]]:
    """(centre, width) of each smooth bump of a law's continuous part, for quadrature cuts."""
    if d.kind == "discrete":
        return []
    parts = getattr(d, "components", None)
    start = getattr(d, "start", None)
    if parts is None and isinstance(start, fam.Distribution):
        parts = (start, getattr(d, "end", None))  # geodesic points: their bumps are their endpoints'
    if parts is not None:
        return [f for c in parts for f in features(c)]
    lo, hi = d.plot_range()
    centre = 0.5 * (lo + hi)
    # a law narrower than the float spacing where it sits (laplace(1e20, 1)) keeps a width of a few
    # spacings, so its bump still gets cut points at every scale out to the other law
    width = max(hi - lo, 4.0 * math.ulp(centre))
    centres = {centre, *(b for b in d.breakpoints if math.isfinite(b))}
    return [(c, width) for c in centres]


def quadrature_cuts(p: fam.Univariate, q: fam.Univariate) -> tuple[float, ...]:
    """Breakpoints for integrals over the line of functions of p's and q's densities.

    Adaptive quadrature only finds a bump if some interval is not much longer than the bump is
    wide. With cuts only at the laws' breakpoints, a law 1e4 times wider or narrower than the
    other was missed: fisher-np of normal(0, 1e-4) and laplace(0, 1), or exponential(1) and
    exponential(1e-6), came out as 2*pi/3 (one law's mass lost) instead of ~3.11 and ~3.14.
    So around each bump of width w, cut at its centre and at distances w * 4^k (k >= -1) out to
    the span of both laws: every interval is then comparable to its distance from every bump, and
    the bump itself (w is its plot range: 16 scales of a logistic) spans four pieces, not one.
    """
    feats = features(p) + features(q)
    feats = [(c, w) for c, w in feats if math.isfinite(c) and math.isfinite(w) and w > 0]
    if not feats:
        return tuple(b for d in (p, q) for b in d.breakpoints)
    span = max(c + w for c, w in feats) - min(c - w for c, w in feats)
    cuts = {b for d in (p, q) for b in d.breakpoints}
    for c, w in feats:
        ratio = span / w  # inf when the span overflows: then as many levels as allowed
        levels = min(int(math.ceil(math.log(max(ratio, 1.0), 4.0))) + 2, 40) if math.isfinite(ratio) else 40
        cuts.add(c)
        for k in range(-1, levels + 1):
            cuts.update((c - w * 4.0 ** k, c + w * 4.0 ** k))
    return tuple(sorted(x for x in cuts if math.isfinite(x)))


def law_cuts(d: fam.Univariate) -> np.ndarray:
    """Cut points around the bumps of one law (its own breakpoints included), down to an eighth of
    each bump's width: a quantile function is steep wherever the density is low between bumps
    (the valley of a bimodal mixture), and a tanh-sinh piece with a steep stretch inside it
    converges slowly."""
    fine = [c + w * k / 8.0 for c, w in features(d) for k in range(-8, 9) if math.isfinite(c) and w > 0]
    return np.union1d(np.asarray(quadrature_cuts(d, d), dtype=float), np.asarray(fine, dtype=float))
