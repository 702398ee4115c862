"""`geoanim batch`: render every job of some preset files, in parallel, skipping up-to-date outputs.

Loading is per file and per job, so a broken preset fails alone: its jobs are reported, every other
job still renders. Workers are separate processes (spawned, so nothing of the parent's state
leaks in); each runs :func:`geoanim.presets.run_job`, a pure function of its job, one job at a
time, so a worker that dies (killed, out of memory) takes only its own job down. Each finished
job is recorded in the out-dir's manifest as it finishes, so an interrupted batch loses nothing.
"""

from __future__ import annotations

import hashlib
import os
import signal
from collections.abc import Callable
from typing import Any

from . import presets
from .errors import PresetError
from .interrupts import terminating
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
    outputs: dict[str, Job] = {}
    manifest = presets.read_manifest(out_dir)
    for path in presets.preset_files(targets):
        try:
            loaded, errors = presets.read_file(path)
        except PresetError as exc:
            known.append(Result(None, str(path), status="failed", error=exc.message))
            continue
        except Exception as exc:  # a bug reading this file: the other files still run
            known.append(Result(None, str(path), status="failed", error=f"{path}: {presets.internal_error(exc)}"))
            continue
        known.extend(Result(None, str(path), exc.param or "-", status="failed", error=exc.message) for exc in errors)
        for job in loaded:
            try:
                resolved = presets.target_in(job, out_dir)
            except PresetError as exc:
                known.append(Result(job, job.source, job.name, job.output, status="failed", error=exc.message))
                continue
            # one file, one job: names that differ only in case are one file on macOS and Windows,
            # and two names can reach one folder through a symbolic link
            key = presets.output_key(os.path.join(os.path.realpath(resolved.parent), resolved.name))
            if key in outputs:
                other = outputs[key]
                if other.output == job.output:
                    note = ""
                elif presets.output_key(other.output) == presets.output_key(job.output):
                    note = f" as {other.output} (names differing only in case are one file on macOS and Windows)"
                else:
                    note = f" as {other.output} (through a symbolic link)"
                known.append(Result(job, job.source, job.name, job.output, status="failed",
                                    error=f"{job.where()}: output: {job.output} is also written by "
                                          f"{other.where()}{note}"))
                continue
            outputs[key] = job
            target = os.path.join(out_dir, job.output)
            if not force and os.path.exists(target) and manifest.get(job.output) == job_key(job, overrides):
                known.append(Result(job, job.source, job.name, target, 0.0, os.path.getsize(target), "up to date"))
            else:
                jobs.append(job)
    return jobs, known


def run(jobs: list[Job], out_dir: str, *, workers: int, overrides=(),
        on_start: Callable[[Job], None] | None = None, on_done: Callable[[Result], None] | None = None) -> list[Result]:
    """Render the jobs with up to ``workers`` processes; a failing job, of any kind, never stops the
    others. Ctrl-C, SIGTERM or SIGHUP stop every worker (each removes its partial output) and pass on."""
    results: list[Result] = []

    def finished(r: Result) -> None:
        results.append(r)
        if on_done:
            on_done(r)

    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            if on_start:
                on_start(job)
            finished(presets.run_job(job, out_dir, overrides))
        return results
    with terminating(redeliver=True):  # without the command line's handling too, SIGTERM stops the workers
        _run_parallel(jobs, out_dir, workers, overrides, on_start, finished)
    return results


def _run_parallel(jobs: list[Job], out_dir: str, workers: int, overrides, on_start, finished) -> None:
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("spawn")
    queue = list(jobs)
    pool: list[_Worker] = []
    try:
        while queue or any(w.job is not None for w in pool):
            while queue and (len(pool) < workers or any(w.job is None for w in pool)):
                idle = next((w for w in pool if w.job is None), None)
                if idle is None:
                    idle = _Worker(ctx)
                    pool.append(idle)
                job = queue.pop(0)
                idle.submit(job, out_dir, overrides)
                if on_start:
                    on_start(job)
            busy = [w for w in pool if w.job is not None]
            ready = set(wait([w.conn for w in busy] + [w.proc.sentinel for w in busy]))
            for w in busy:
                if w.conn in ready or w.proc.sentinel in ready:
                    r = w.collect(out_dir)
                    if not w.proc.is_alive():  # it died: a fresh worker takes its place if one is needed
                        pool.remove(w)
                        w.stop()
                    finished(r)
    except BaseException:
        for w in pool:
            w.terminate()  # SIGTERM: the worker's cleanup removes its partial file and kills its ffmpeg
        raise
    finally:
        for w in pool:
            w.stop()


def _serve(conn) -> None:
    """A worker process: run the jobs the parent sends, one at a time, until it sends None."""
    # Ctrl-C reaches the whole process group; the parent decides, and stops its workers with SIGTERM
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with terminating(redeliver=True):  # SIGTERM or SIGHUP: clean up, then die of it
        while True:
            try:
                item = conn.recv()
            except (EOFError, OSError):  # the parent is gone
                return
            if item is None:
                return
            conn.send(presets.run_job(*item))


class _Worker:
    """One worker process and the job it is running; it dies alone."""

    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child,), daemon=True)
        self.proc.start()
        child.close()
        self.job: Job | None = None

    def submit(self, job: Job, out_dir: str, overrides) -> None:
        self.job = job
        try:
            self.conn.send((job, out_dir, overrides))
        except OSError:  # already dead: collect() says so
            pass

    def collect(self, out_dir: str) -> Result:
        job, self.job = self.job, None
        assert job is not None
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        except Exception as exc:  # a result that cannot be read back
            return Result(job, job.source, job.name, os.path.join(out_dir, job.output), status="failed",
                          error=presets.internal_error(exc))
        self.proc.join(5)
        code = self.proc.exitcode
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            how = f"killed by {name}" + (", out of memory?" if name == "SIGKILL" else "")
        else:
            how = f"exit code {code}"
        return Result(job, job.source, job.name, os.path.join(out_dir, job.output), status="failed",
                      error=f"worker process died ({how})")

    def terminate(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()

    def stop(self, timeout: float = 10.0) -> None:
        """End the worker: ask (it finishes its job first), wait, then kill."""
        if self.proc.is_alive() and self.job is None:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def record(out_dir: str, results: list[Result], overrides=()) -> None:
    """Remember which outputs are up to date (the manifest is updated under its lock); raises OSError."""
    entries = {r.job.output: job_key(r.job, overrides) for r in results if r.job is not None and r.status == "rendered"}
    if entries:
        presets.update_manifest(out_dir, entries)


class Recorder:
    """Records each rendered job in the manifest as it finishes, so an interrupted batch loses nothing.

    A manifest that cannot be written (a full disk, a read-only folder) is one ``problem`` line, not
    a failure: the outputs are fine, they will only render again next time."""

    def __init__(self, out_dir: str, overrides=()):
        self.out_dir, self.overrides = out_dir, overrides
        self.problem = ""

    def __call__(self, result: Result) -> None:
        try:
            record(self.out_dir, [result], self.overrides)
        except OSError as exc:
            if not self.problem:
                path = os.path.join(self.out_dir, presets.MANIFEST)
                self.problem = (f"cannot update {path}: {exc.strerror or exc}; "
                                "the outputs are written, but will render again next time")
