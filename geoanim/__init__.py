"""geoanim: watch probability distributions travel along Fisher-Rao and Wasserstein geodesics.

    >>> import geoanim
    >>> p, q = geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)")
    >>> round(geoanim.distance(p, q, "fisher"), 6), geoanim.distance(p, q, "wasserstein")
    (4.985802, 8.0)

Attributes load lazily, so ``import geoanim`` (and ``geoanim --help``) stays instant.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_LAZY = {
    "parse": ("geoanim.paths", "parse"),
    "geodesic": ("geoanim.paths", "geodesic"),
    "distance": ("geoanim.paths", "distance"),
    "available": ("geoanim.paths", "available"),
    "render": ("geoanim.rendering", "render"),
    "Path": ("geoanim.paths.base", "Path"),
    "GeoanimError": ("geoanim.errors", "GeoanimError"),
    "SpecError": ("geoanim.errors", "SpecError"),
    "ValidationError": ("geoanim.errors", "ValidationError"),
    "UnsupportedError": ("geoanim.errors", "UnsupportedError"),
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = import_module(module) if attr is None else getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'geoanim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
