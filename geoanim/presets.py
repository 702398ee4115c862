"""Preset files: TOML -> a list of frozen, validated jobs.

A file holds ``[[job]]`` tables and an optional ``[defaults]`` table::

    [defaults]
    size = "720x300"

    [[job]]
    name = "separated-means"
    caption = "Fisher-Rao widens then shifts; W2 slides."
    start = "normal(-4, 1)"
    end = "normal(4, 1)"
    metrics = ["fisher", "wasserstein"]
    output = "gallery/separated-means.gif"

Every error names the file, the job and the key:
``presets/x.toml: job "disjoint": metrics[1]: unknown metric "wasserstien" (did you mean "wasserstein"?)``.
Each job is a pure function of its entry (plus the geoanim version), so ``Job.key`` decides whether
an existing output is up to date, and any scheduler could map ``run_job`` over the list.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Any

from .errors import GeoanimError, PresetError
from .options import DEFAULT_METRICS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

JOB_KEYS = ("name", "caption", "start", "end", "metrics", "output", "draw_caption")
TOP_KEYS = ("job", "defaults")


@dataclass(frozen=True)
class Job:
    """One render: endpoints, metrics, output (relative to the batch's out-dir) and options."""

    name: str
    start: str
    end: str
    metrics: tuple[str, ...]
    output: str
    options: tuple[tuple[str, Any], ...] = ()
    caption: str = ""
    source: str = ""

    @property
    def key(self) -> str:
        """Digest of everything the output depends on: the entry, its options, the geoanim version."""
        from . import __version__

        blob = json.dumps({"start": self.start, "end": self.end, "metrics": self.metrics, "output": self.output,
                           "options": self.options, "version": __version__}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def where(self) -> str:
        return f'{self.source}: job "{self.name}"'


def _norm(key: str) -> str:
    return key.replace("-", "_")


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""


def validate_options(where: str, table: dict) -> dict[str, Any]:
    """A table of render options (as ``geoanim render`` names them; dashes or underscores), checked
    by :class:`~geoanim.options.RenderOptions`; returns the values as given, keyed by canonical name."""
    out, problems = check_options(table)
    if problems:
        raise PresetError(f"{where}: " + "; ".join(problems))
    return out


def check_options(table: dict) -> tuple[dict[str, Any], list[str]]:
    """:func:`validate_options` without raising: the valid options, and a "key: what is wrong" for each
    of the others (every unknown key and every bad value, not only the first)."""
    from .options import RenderOptions

    def problem(exc: GeoanimError) -> str:
        return f"{exc.param or 'option'}: {exc.message.split('render: ', 1)[-1]}"

    out: dict[str, Any] = {}
    problems: list[str] = []
    for raw, value in table.items():
        key = _norm(raw)
        if key in JOB_KEYS:
            problems.append(f"{raw}: belongs in each [[job]] table")
        elif key not in RenderOptions.names():
            problems.append(f"unknown key \"{raw}\"{_did_you_mean(key, [*RenderOptions.names(), *JOB_KEYS])}")
        else:
            try:
                RenderOptions.from_mapping({key: value})  # each alone first, so each bad value is named
                out[key] = value
            except GeoanimError as exc:
                problems.append(problem(exc))
    if not problems:
        try:
            RenderOptions.from_mapping(out)  # then together: frames and duration both given
        except GeoanimError as exc:
            problems.append(problem(exc))
    return out, problems


def _check_output(output: Any, name: str, output_format) -> tuple[str, str]:
    """(the output as a normalised relative path, "" or what is wrong with it)."""
    if not isinstance(output, str) or not output:
        return "", f"must be a file name such as \"{name}.gif\""
    if any(ord(c) < 32 or ord(c) == 127 for c in output):
        return output, f"must not contain control characters (got {output!r})"
    output = os.path.normpath(output)  # "./a.gif" and "a.gif" are one file
    if os.path.isabs(output) or ".." in FsPath(output).parts:
        return output, f"must be a relative path inside the out-dir (got {output!r})"
    try:
        output_format(output)
    except GeoanimError as exc:
        return output, exc.message
    return output, ""


def _validate_job(source: str, index: int, entry: Any, defaults: dict[str, Any]) -> Job:
    from .paths import METRICS
    from .paths.registry import ALIASES, NOT_METRICS, get_metric
    from .rendering.encode import output_format
    from .spec import parse

    if not isinstance(entry, dict):
        raise PresetError(f"{source}: job #{index + 1}: must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PresetError(f"{source}: job #{index + 1}: name: required, a non-empty string")
    where = f'{source}: job "{name}"'
    problems: list[str] = []  # every problem of the job, reported together: one fix-and-rerun, not one per typo
    for key in ("start", "end"):
        if key not in entry:
            problems.append(f"{key}: required (a distribution spec such as \"normal(0, 1)\")")
        elif not isinstance(entry[key], str):
            problems.append(f"{key}: must be a spec string (got {entry[key]!r})")
        else:
            try:
                parse(entry[key])
            except GeoanimError as exc:
                problems.append(f"{key}: {exc.message} in {entry[key]!r}")
    metrics = entry.get("metrics", list(DEFAULT_METRICS))
    canonical = []
    if isinstance(metrics, str) or not isinstance(metrics, list) or not metrics:
        problems.append('metrics: must be a non-empty list such as ["fisher", "wasserstein"]')
        metrics = []
    for i, m in enumerate(metrics):
        key = str(m).strip().lower().replace("_", "-")
        if "(" not in key and key not in ALIASES and key not in NOT_METRICS:
            problems.append(f'metrics[{i}]: unknown metric "{m}"{_did_you_mean(key, ALIASES)}'
                            f"; available: {', '.join(METRICS)}")
            continue
        try:
            canonical.append(get_metric(str(m)).call)
        except GeoanimError as exc:
            problems.append(f"metrics[{i}]: {exc.message}")
    if len(set(canonical)) != len(canonical):
        problems.append(f"metrics: a metric is listed twice ({', '.join(canonical)})")
    output, problem = _check_output(entry.get("output", f"{name}.gif"), name, output_format)
    if problem:
        problems.append(f"output: {problem}")
    caption = entry.get("caption", "")
    if not isinstance(caption, str):
        problems.append("caption: must be a string")
    own, option_problems = check_options({k: v for k, v in entry.items() if k not in JOB_KEYS})
    problems += option_problems
    options = {**defaults, **own}
    draw = entry.get("draw_caption", False)
    if not isinstance(draw, bool):
        problems.append(f"draw_caption: must be true or false (got {draw!r})")
    elif draw and isinstance(caption, str):
        if not caption:
            problems.append("draw_caption: the job has no caption to draw")
        options["caption"] = caption
    if problems:
        raise PresetError(f"{where}: " + "; ".join(problems))
    if "frames" in options and "duration" in options:
        # a job's own frames/duration replaces the default's other one
        given = {_norm(k) for k in entry}
        options.pop("duration" if "frames" in given else "frames")
    # a job must render: build its geodesics now so an unsupported pair fails at load time
    try:
        from .paths import geodesic
        from .rendering.encode import gif_delay_check

        start = parse(entry["start"])
        paths = [geodesic(start, parse(entry["end"]), m) for m in canonical]
        if "size" in options and not output.lower().endswith(".png"):
            from .options import check_width, parse_size
            from .rendering import panel_count

            check_width(*parse_size(options["size"]), panel_count(paths, options.get("param_space")))
        if output.lower().endswith(".gif") and "fps" in options:
            gif_delay_check(options["fps"])
        if output.lower().endswith(".png") and start.dim != 1:
            raise PresetError("output: PNG filmstrips are one-dimensional; use .gif, .mp4 or .webp")
    except GeoanimError as exc:
        raise PresetError(f"{where}: {exc.message}") from None
    return Job(name.strip(), entry["start"], entry["end"], tuple(canonical), output,
               tuple(sorted(options.items())), caption, source)


def load_file(path: str | os.PathLike) -> list[Job]:
    """Read and validate one preset file; raises PresetError naming file, job and key."""
    jobs, errors = read_file(path)
    if errors:
        raise errors[0]
    return jobs


def read_file(path: str | os.PathLike) -> tuple[list[Job], list[PresetError]]:
    """Read one preset file: its valid jobs, and one error per invalid job (a broken job does not
    take its neighbours down). Problems with the file as a whole raise PresetError."""
    p = FsPath(path)
    source = str(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PresetError(f"{source}: no such preset file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PresetError(f"{source}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{source}: invalid TOML: {exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            raise PresetError(f"{source}: unknown top-level key \"{key}\"{_did_you_mean(key, TOP_KEYS)} "
                              "(expected [[job]] tables and an optional [defaults] table)")
    defaults_table = data.get("defaults", {})
    if not isinstance(defaults_table, dict):
        raise PresetError(f"{source}: defaults: must be a table")
    defaults_table = dict(defaults_table)
    default_metrics = defaults_table.pop("metrics", None)
    default_draw = defaults_table.pop("draw_caption", None)  # draw each job's caption into its output
    defaults = validate_options(f"{source}: defaults", defaults_table)
    entries = data.get("job", [])
    if isinstance(entries, dict):
        raise PresetError(f"{source}: job: write each job as a [[job]] table (double brackets), not [job]")
    if not isinstance(entries, list) or not entries:
        raise PresetError(f"{source}: no jobs: add [[job]] tables")
    for key, value in (("metrics", default_metrics), ("draw_caption", default_draw)):
        if value is not None:
            entries = [e if not isinstance(e, dict) or key in e else {**e, key: value} for e in entries]
    jobs: list[Job] = []
    errors: list[PresetError] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        named = entry.get("name") if isinstance(entry, dict) and isinstance(entry.get("name"), str) else None
        try:
            job = _validate_job(source, i, entry, defaults)
        except PresetError as exc:
            exc.param = named
            errors.append(exc)
            continue
        except Exception as exc:  # a bug met checking this job (maths on an extreme input): that job's alone
            where = f'{source}: job "{named}"' if named else f"{source}: job #{i + 1}"
            errors.append(PresetError(f"{where}: {internal_error(exc)}", param=named))
            continue
        if job.name in seen:
            errors.append(PresetError(f'{source}: job "{job.name}": name: used twice', param=job.name))
            continue
        seen.add(job.name)
        jobs.append(job)
    return jobs, errors


def preset_files(targets: list[str]) -> list[FsPath]:
    """Expand files and folders (their *.toml, sorted) into preset files."""
    files: list[FsPath] = []
    for t in targets:
        p = FsPath(t)
        if p.is_dir():
            found = sorted(p.glob("*.toml"))
            if not found:
                raise PresetError(f"{t}: no *.toml preset files in this folder")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise PresetError(f"{t}: no such preset file or folder")
    return files


@dataclass
class Result:
    job: Job | None
    source: str
    name: str = ""
    output: str = ""
    seconds: float = 0.0
    size: int = 0
    status: str = "rendered"  # rendered, up to date, failed, would render
    error: str = ""
    extra: dict = field(default_factory=dict)


def internal_error(exc: BaseException) -> str:
    """One line for an exception that is not a GeoanimError: a bug, so its type is part of it."""
    text = " ".join(str(exc).split())
    return f"internal error: {type(exc).__name__}" + (f": {text}" if text else "")


def output_key(path: str) -> str:
    """An output as a file system that ignores case (macOS, Windows) sees it: two outputs with one
    key are one file. Normalised, case-folded, and Unicode-normalised (macOS decomposes names)."""
    folded = unicodedata.normalize("NFD", os.path.normpath(path)).casefold()
    return unicodedata.normalize("NFC", folded)


def target_in(job: Job, out_dir: str) -> FsPath:
    """The job's output file under out_dir; PresetError when its folder resolves outside out_dir
    (a symbolic link inside the out-dir leading elsewhere). The file itself may be a link: the
    atomic write replaces the link, it does not write through it."""
    target = FsPath(out_dir) / job.output
    root = os.path.realpath(out_dir)
    folder = os.path.realpath(target.parent)
    try:
        inside = os.path.commonpath([root, folder]) == root
    except ValueError:  # different drives
        inside = False
    if not inside:
        raise PresetError(f"{job.where()}: output: {job.output} resolves outside the out-dir {out_dir} "
                          f"(to {os.path.join(folder, target.name)}, through a symbolic link)")
    return target


def run_job(job: Job, out_dir: str, overrides: tuple[tuple[str, Any], ...] = ()) -> Result:
    """Render one job into out_dir (a pure function of its arguments; safe in a worker process).

    Every failure is the job's own: a GeoanimError or OSError is reported as such, any other
    exception as an internal error with its type. Only KeyboardInterrupt and termination
    (:class:`~geoanim.interrupts.Terminated`) pass through, after the cleanup."""
    import time

    start = time.perf_counter()
    target = FsPath(out_dir) / job.output
    try:
        from .paths import geodesic
        from .rendering import render
        from .spec import parse

        target = target_in(job, out_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        a, b = parse(job.start), parse(job.end)
        paths = [geodesic(a, b, m) for m in job.metrics]
        options = dict(job.options)
        options.update(overrides)
        if "frames" in dict(overrides):
            options.pop("duration", None)
        if "duration" in dict(overrides):
            options.pop("frames", None)
        render(paths, target, **options)
        return Result(job, job.source, job.name, str(target), time.perf_counter() - start, target.stat().st_size)
    except GeoanimError as exc:
        return Result(job, job.source, job.name, str(target), time.perf_counter() - start, 0, "failed", exc.message)
    except OSError as exc:
        return Result(job, job.source, job.name, str(target), time.perf_counter() - start, 0, "failed",
                      f"cannot write {target}: {exc.strerror or exc}")
    except Exception as exc:  # a bug (the maths on an extreme input, ...): this job's failure alone
        return Result(job, job.source, job.name, str(target), time.perf_counter() - start, 0, "failed",
                      internal_error(exc))


MANIFEST = ".geoanim-batch.json"
MANIFEST_LOCK = ".geoanim-batch.lock"


def read_manifest(out_dir: str) -> dict[str, str]:
    try:
        data = json.loads((FsPath(out_dir) / MANIFEST).read_text())
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def write_manifest(out_dir: str, manifest: dict[str, str]) -> None:
    """Replace the manifest atomically, through a temporary file of its own beside it (removed
    whatever happens); raises OSError. Concurrent writers: use :func:`update_manifest`."""
    fd, tmp = tempfile.mkstemp(prefix=MANIFEST + ".", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")
            f.flush()
            os.fsync(f.fileno())  # a full disk fails here, not after the rename
        os.chmod(tmp, 0o644)
        os.replace(tmp, FsPath(out_dir) / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def manifest_lock(out_dir: str):
    """Hold the out-dir's manifest lock (an exclusive flock on a lock file beside the manifest), so
    batches sharing an out-dir never lose each other's records. Without flock (Windows, or a file
    system that refuses it) there is no lock: the last writer wins, as before."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not Linux or macOS
        yield
        return
    fd = os.open(os.path.join(out_dir, MANIFEST_LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:  # e.g. ENOLCK on some network file systems
            pass
        yield
    finally:
        os.close(fd)  # releases the lock


def update_manifest(out_dir: str, entries: dict[str, str]) -> None:
    """Add entries to the manifest: read, modify and write under the lock; raises OSError."""
    with manifest_lock(out_dir):
        manifest = read_manifest(out_dir)
        manifest.update(entries)
        write_manifest(out_dir, manifest)


def up_to_date(job: Job, out_dir: str, manifest: dict[str, str]) -> bool:
    return (FsPath(out_dir) / job.output).exists() and manifest.get(job.output) == job.key
