"""The small registry of metrics: name -> builder, with aliases and a table of what is supported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..errors import UnsupportedError


@dataclass(frozen=True)
class Metric:
    name: str
    aliases: tuple[str, ...]
    title: str
    summary: str
    support: tuple[tuple[str, str, str], ...]  # (family pair, model, method)
    build: Callable


METRICS: dict[str, Metric] = {}
ALIASES: dict[str, str] = {}


def register_metric(name: str, *, aliases=(), title: str, summary: str, support=()):
    """Decorator registering ``build(p, q) -> Path`` as metric ``name``."""

    def deco(build):
        METRICS[name] = Metric(name, tuple(aliases), title, summary, tuple(support), build)
        for alias in (name, *aliases):
            ALIASES[alias] = name
        return build

    return deco


def get_metric(name: str) -> Metric:
    """Look a metric up by name or alias (case-insensitive); unknown names list what exists."""
    key = str(name).strip().lower().replace("_", "-")
    if key in ALIASES:
        return METRICS[ALIASES[key]]
    import difflib

    close = difflib.get_close_matches(key, list(ALIASES), n=1, cutoff=0.6)
    hint = f" (did you mean '{ALIASES[close[0]]}'?)" if close else ""
    raise UnsupportedError(f"unknown metric '{name}'{hint}; available: {', '.join(METRICS)}")
