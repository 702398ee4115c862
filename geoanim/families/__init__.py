"""The catalogue of distribution families: one module per family, found and loaded here.

Every module in this package that registers a family (``@register("name")``) is imported on
first use of the package, so a new family is one new file. ``FAMILIES`` maps each spec name to its
entry (parameters, builder, class); :func:`catalogue` lists the families with their parameters.
"""

from __future__ import annotations

import importlib
import pkgutil

from .base import (
    FAMILIES,
    SUM_TOL,
    Distribution,
    Entry,
    Multivariate,
    Param,
    Univariate,
    entry,
    family_classes,
    fmt,
    fmt_list,
    fsum_or_inf,
    num,
    register,
    register_constructor,
    short,
)
from .charts import ArcLength, HalfPlane, LocationScale, Sphere
from .discrete import Discrete

_INFRASTRUCTURE = {"base", "charts", "discrete"}

for _info in pkgutil.iter_modules(__path__):
    if _info.name not in _INFRASTRUCTURE:
        importlib.import_module(f"{__name__}.{_info.name}")

# the families themselves, re-exported for ``from geoanim.families import Normal``
from .categorical import Categorical  # noqa: E402
from .cauchy import Cauchy  # noqa: E402
from .clouds import Cloud, Points2D, Samples  # noqa: E402
from .exponential import Exponential  # noqa: E402
from .laplace import Laplace  # noqa: E402
from .mixture import Mixture  # noqa: E402
from .mvnormal import MVNormal  # noqa: E402
from .normal import Normal  # noqa: E402
from .points import Points, dirac  # noqa: E402
from .poisson import Poisson  # noqa: E402
from .uniform import Uniform  # noqa: E402


def catalogue() -> list[Entry]:
    """One entry per spec name a user would type (aliases folded into their family), sorted."""
    seen: dict[str, Entry] = {}
    for name, e in FAMILIES.items():
        if e.cls is not None and getattr(e.cls, "derived", False):
            continue  # geodesic points: constructible, but not families to list
        key = e.family if e.cls is not None else name
        seen.setdefault(key, e)
    return sorted(seen.values(), key=lambda e: e.name)


__all__ = ["FAMILIES", "SUM_TOL", "ArcLength", "Categorical", "Cauchy", "Cloud", "Discrete", "Distribution", "Entry",
           "Exponential", "HalfPlane", "Laplace", "LocationScale", "MVNormal", "Mixture", "Multivariate", "Normal",
           "Param", "Points", "Points2D", "Poisson", "Samples", "Sphere", "Uniform", "Univariate", "catalogue",
           "dirac", "entry", "family_classes", "fmt", "fmt_list", "fsum_or_inf", "num", "register",
           "register_constructor", "short"]
