"""fisher-np: Fisher-Rao on all densities (or pmfs), whatever the endpoints' families.

The sphere through √p (see densities.py): between two normals this is not the Fisher-Rao geodesic
on normals (N(0,1) to N(2,1.5): 1.573 here, 1.639 on normals), and disjoint supports give π,
however far apart.
"""

from __future__ import annotations

from .. import families as fam
from . import densities
from .base import Path
from .registry import define_metric, route

define_metric(
    "fisher-np", aliases=("fisher-rao-np", "fisher-nonparametric"), title="Fisher-Rao",
    colors=("#009E73", "#2BC49A"), order=20,
    summary="Fisher-Rao on all densities (or pmfs): the sphere through sqrt(p); pi for disjoint supports",
    convention="d = 2 arccos ∫√(pq), on the sphere of radius 2 through 2√p")


@route("fisher-np", fam.Univariate, fam.Univariate, model="densities", method="closed form, exact or quadrature",
       note="closed form for normal and uniform pairs; exact sums over atoms; quadrature otherwise; "
            "pi for mutually singular laws")
def line(p, q) -> Path:
    return densities.nonparametric(p, q)


@route("fisher-np", fam.Multivariate, fam.Multivariate, model="densities", method="closed form or exact",
       note="Bhattacharyya closed form for normals; exact over the union of points for clouds; "
            "pi for a normal and a cloud")
def plane(p, q) -> Path:
    return densities.nonparametric_plane(p, q)
