"""`geoanim batch`: render every job of some preset files, in parallel, skipping up-to-date outputs.

Loading is per file and per job, so a broken preset fails alone: its jobs are reported, every other
job still renders. Workers are separate processes (spawned, so nothing of the parent's state
leaks in); each runs :func:`geoanim.presets.run_job`, a pure function of its job.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from . import presets
from .errors import PresetError
from .options import RenderOptions
from .presets import Job, Result


def parse_overrides(items: list[str]) -> tuple[tuple[str, Any], ...]:
    """``--set size=320x160 --set frames=4`` -> validated render options (values read as TOML)."""
    raw: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise PresetError(f"--set {item}: expected KEY=VALUE, such as size=320x160")
        key, text = (part.strip() for part in item.split("=", 1))
        if key.replace("-", "_") in RenderOptions.names() and RenderOptions.types(key.replace("-", "_")) == (str,):
            raw[key] = text  # text options stay text: size=0x10 is not a hex number
            continue
        try:
            raw[key] = presets.tomllib.loads(f"v = {text}")["v"]
        except presets.tomllib.TOMLDecodeError:
            raw[key] = text  # a bare word: reported by the option's own check
    return tuple(sorted(presets.validate_options("--set", raw).items()))


def job_key(job: Job, overrides: tuple[tuple[str, Any], ...]) -> str:
    if not overrides:
        return job.key
    return hashlib.sha256((job.key + repr(overrides)).encode()).hexdigest()[:16]


def plan(targets: list[str], out_dir: str, *, force: bool, overrides=()) -> tuple[list[Job], list[Result]]:
    """Jobs to render, and results already known (invalid presets, up-to-date outputs)."""
    known: list[Result] = []
    jobs: list[Job] = []
    outputs: dict[str, str] = {}
    manifest = presets.read_manifest(out_dir)
    for path in presets.preset_files(targets):
        try:
            loaded, errors = presets.read_file(path)
        except PresetError as exc:
            known.append(Result(None, str(path), status="failed", error=exc.message))
            continue
        known.extend(Result(None, str(path), exc.param or "-", status="failed", error=exc.message) for exc in errors)
        for job in loaded:
            if job.output in outputs:
                known.append(Result(job, job.source, job.name, job.output, status="failed",
                                    error=f"{job.where()}: output: {job.output} is also written by "
                                          f"{outputs[job.output]}"))
                continue
            outputs[job.output] = job.where()
            target = os.path.join(out_dir, job.output)
            if not force and os.path.exists(target) and manifest.get(job.output) == job_key(job, overrides):
                known.append(Result(job, job.source, job.name, target, 0.0, os.path.getsize(target), "up to date"))
            else:
                jobs.append(job)
    return jobs, known


def run(jobs: list[Job], out_dir: str, *, workers: int, overrides=(),
        on_start: Callable[[Job], None] | None = None, on_done: Callable[[Result], None] | None = None) -> list[Result]:
    """Render the jobs with up to ``workers`` processes; a failing job never stops the others."""
    results: list[Result] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            if on_start:
                on_start(job)
            r = presets.run_job(job, out_dir, overrides)
            results.append(r)
            if on_done:
                on_done(r)
        return results
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=ctx) as pool:
        futures = {}
        for job in jobs:
            futures[pool.submit(presets.run_job, job, out_dir, overrides)] = job
            if on_start:
                on_start(job)
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                r = fut.result()
            except Exception as exc:  # a crashed worker is that job's failure, not the batch's
                r = Result(job, job.source, job.name, os.path.join(out_dir, job.output), status="failed",
                           error=f"{type(exc).__name__}: {exc}")
            results.append(r)
            if on_done:
                on_done(r)
    return results


def record(out_dir: str, results: list[Result], overrides=()) -> None:
    """Remember which outputs are up to date (only the parent process writes the manifest)."""
    manifest = presets.read_manifest(out_dir)
    changed = False
    for r in results:
        if r.job is not None and r.status == "rendered":
            manifest[r.job.output] = job_key(r.job, overrides)
            changed = True
    if changed:
        presets.write_manifest(out_dir, manifest)
