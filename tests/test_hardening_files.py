"""Never silently wrong, never a file left behind, never one job taking down a batch.

Signals (SIGTERM and SIGHUP clean up like Ctrl-C), per-job failures of any kind, a manifest written
job by job under a lock, and outputs that stay inside the out-dir. The signal and worker tests start
real processes (Linux: they read /proc); everything else runs in-process on tiny renders.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import geoanim.rendering
from geoanim import batch, presets
from geoanim.cli import app
from geoanim.errors import PresetError

runner = CliRunner()
TINY_SET = ["--set", "frames=3", "--set", "hold=0", "--set", "size=450x160"]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def job_text(name, output=None, start="normal(0, 1)", end="normal(1, 1)", extra=""):
    output = output if output is not None else f"{name}.gif"
    return (f'[[job]]\nname = "{name}"\nstart = "{start}"\nend = "{end}"\nmetrics = ["fisher", "wasserstein"]\n'
            f'output = "{output}"\n{extra}\n')


def preset_folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "presets"
    folder.mkdir(exist_ok=True)
    (folder / "p.toml").write_text(text)
    return folder


def rows(stdout: str) -> dict[str, str]:
    """The summary table, by job name."""
    return {line.split()[0]: line for line in stdout.splitlines()[1:] if line.strip() and not line[0].isdigit()}


# ---------------------------------------------------------------------------------------------
# processes: start, find, wait (Linux /proc)
# ---------------------------------------------------------------------------------------------


def geoanim_process(tmp_path: Path, *args: str) -> subprocess.Popen:
    """`geoanim ARGS` in its own session, with a private TMPDIR (so its temporary folders can be counted)."""
    scratch = tmp_path / "tmpdir"
    scratch.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(scratch)}
    env.pop("GEOANIM_DEBUG", None)
    return subprocess.Popen([sys.executable, "-m", "geoanim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)


def processes() -> dict[int, tuple[int, int, str, str]]:
    """{pid: (parent pid, session id, state, command name)} of every process."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1: stat.rindex(")")]
        state, ppid, _pgrp, sid = stat[stat.rindex(")") + 2:].split()[:4]
        found[int(entry)] = (int(ppid), int(sid), state, comm)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def alive_in_session(sid: int) -> list[int]:
    return [pid for pid, (_, s, state, _) in processes().items() if s == sid and state not in "ZX"]


def ffmpegs(sid: int, containing: str = "") -> dict[int, int]:
    """{pid: parent pid} of the live ffmpeg processes of a session whose command line contains the text."""
    return {pid: ppid for pid, (ppid, s, state, comm) in processes().items()
            if s == sid and state not in "ZX" and comm.startswith("ffmpeg") and containing in cmdline(pid)}


def wait_for(condition, proc: subprocess.Popen, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            pytest.fail(f"exited early ({proc.returncode}): {proc.communicate()}")
        time.sleep(0.02)
    pytest.fail("timed out")


def finish(proc: subprocess.Popen, timeout: float = 60.0) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        try:  # whatever the outcome, nothing of this test outlives it
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    return proc.returncode, out, err


def settle(sid: int, timeout: float = 10.0) -> list[int]:
    """Wait for a session's processes to end (the multiprocessing resource tracker exits last)."""
    deadline = time.monotonic() + timeout
    while alive_in_session(sid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return [f"{pid} {cmdline(pid)}" for pid in alive_in_session(sid)]


def our_temporaries(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmpdir").iterdir() if p.name.startswith("geoanim"))


# ---------------------------------------------------------------------------------------------
# 1. SIGTERM and SIGHUP clean up like Ctrl-C
# ---------------------------------------------------------------------------------------------


@linux_only
def test_sigterm_during_a_render_leaves_nothing_behind(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    proc = geoanim_process(tmp_path, "render", "dirac(0)", "dirac(1)", "--frames", "1000", "--size", "320x160",
                           "--hold", "0", "-q", "-o", str(out / "x.gif"))
    try:
        # the partial file exists and the encoder runs: mid-render
        encoders = wait_for(lambda: list(out.glob(".x.*.partial.gif")) and ffmpegs(proc.pid), proc)
        proc.send_signal(signal.SIGTERM)
    finally:
        code, stdout, stderr = finish(proc)
    assert (code, stderr) == (128 + signal.SIGTERM, "geoanim: terminated (SIGTERM)\n")
    assert list(out.iterdir()) == []  # no .partial file, no output
    assert our_temporaries(tmp_path) == []  # no palette folder
    assert not set(encoders) & set(alive_in_session(proc.pid))  # the ffmpeg child is gone too


@linux_only
def test_sighup_during_a_parallel_batch_stops_and_cleans_every_worker(tmp_path):
    slow = 'frames = 1000\nhold = 0\nsize = "450x160"\n'
    folder = preset_folder(tmp_path, job_text("one", extra=slow) + job_text("two", extra=slow))
    out = tmp_path / "out"
    proc = geoanim_process(tmp_path, "batch", str(folder), "--out-dir", str(out), "--jobs", "2", "-q")
    try:
        wait_for(lambda: len(ffmpegs(proc.pid)) == 2 and len(list(out.glob(".*.partial.gif"))) == 2, proc)
        proc.send_signal(signal.SIGHUP)  # the parent only, as when its terminal goes away
    finally:
        code, stdout, stderr = finish(proc, timeout=30)
    assert (code, stderr) == (128 + signal.SIGHUP, "geoanim: terminated (SIGHUP)\n")
    assert settle(proc.pid) == []  # no worker (and no ffmpeg) keeps rendering after the batch ended
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".geoanim-batch")) == []
    assert our_temporaries(tmp_path) == []


# ---------------------------------------------------------------------------------------------
# 2. a failing job, of any kind, is that job's alone
# ---------------------------------------------------------------------------------------------


def test_an_internal_error_in_one_job_does_not_stop_the_serial_batch(tmp_path, monkeypatch):
    # bugs on extreme inputs surface as any exception: each is reported against its own job
    failures = {"value.gif": ValueError("math domain error"), "assert.gif": AssertionError("x > 0"),
                "memory.gif": MemoryError()}
    real = geoanim.rendering.render

    def render(paths, out, **options):
        if Path(out).name in failures:
            raise failures[Path(out).name]
        return real(paths, out, **options)

    monkeypatch.setattr(geoanim.rendering, "render", render)
    folder = preset_folder(tmp_path, "".join(job_text(n) for n in ("value", "assert", "memory", "good")))
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(tmp_path / "out"), "--jobs", "1", *TINY_SET])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    table = rows(r.stdout)
    assert "FAILED: internal error: ValueError: math domain error" in table["value"]
    assert "FAILED: internal error: AssertionError: x > 0" in table["assert"]
    assert "FAILED: internal error: MemoryError" in table["memory"]
    assert "rendered" in table["good"] and (tmp_path / "out" / "good.gif").exists()
    assert "1 rendered, 0 up to date, 3 failed" in r.stdout


def test_an_internal_error_while_loading_a_job_is_that_jobs_alone(tmp_path, monkeypatch):
    import geoanim.paths

    real = geoanim.paths.geodesic

    def geodesic(p, q, metric):
        if str(q) == "normal(7, 1)":
            raise OverflowError("math range error")
        return real(p, q, metric)

    monkeypatch.setattr(geoanim.paths, "geodesic", geodesic)
    folder = preset_folder(tmp_path, job_text("bad", end="normal(7, 1)") + job_text("good"))
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(tmp_path / "out"), "--jobs", "1", *TINY_SET])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert 'job "bad": internal error: OverflowError: math range error' in rows(r.stdout)["bad"]
    assert (tmp_path / "out" / "good.gif").exists()


@pytest.mark.parametrize("output", ["b\\u0000ad.gif", "new\\nline.gif", "tab\\u001b.gif"])
def test_an_output_name_with_control_characters_is_a_preset_error(tmp_path, output):
    folder = preset_folder(tmp_path, job_text("bad", output=output) + job_text("good"))
    with pytest.raises(PresetError, match=r'p\.toml: job "bad": output: must not contain control characters'):
        presets.load_file(folder / "p.toml")
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(tmp_path / "out"), "--jobs", "1", *TINY_SET])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert (tmp_path / "out" / "good.gif").exists()  # the jobs after it still run
    assert "1 rendered, 0 up to date, 1 failed" in r.stdout


@linux_only
def test_a_killed_worker_fails_only_its_own_job(tmp_path):
    # a worker killed from outside (the out-of-memory killer, say) used to break the whole pool:
    # every job still queued failed with it. The slow job is killed as its encoder starts, while
    # the quick ones are still queued behind the other worker.
    tiny = 'hold = 0\nsize = "450x160"\n'
    folder = preset_folder(tmp_path, job_text("slow", output="slow.mp4", extra=tiny + "frames = 1000")
                           + "".join(job_text(f"quick{i}", extra=tiny + "frames = 3") for i in range(3)))
    out = tmp_path / "out"
    proc = geoanim_process(tmp_path, "batch", str(folder), "--out-dir", str(out), "--jobs", "2", "-q")
    try:
        encoder = wait_for(lambda: ffmpegs(proc.pid, ".slow."), proc)
        worker = next(iter(encoder.values()))
        assert processes()[worker][0] == proc.pid  # the ffmpeg's parent is a worker of the batch
        os.kill(worker, signal.SIGKILL)
    finally:
        code, stdout, stderr = finish(proc)
    assert code == 2, (stdout, stderr)
    table = rows(stdout)
    assert [name for name in table if "rendered" in table[name]] == ["quick0", "quick1", "quick2"], stdout
    assert "FAILED: worker process died (killed by SIGKILL" in table["slow"]
    assert "3 rendered, 0 up to date, 1 failed" in stdout


# ---------------------------------------------------------------------------------------------
# 3. the manifest: written job by job, under a lock, never a lost summary
# ---------------------------------------------------------------------------------------------

RECORDER = """
import os, sys, time
from geoanim import batch, presets
out, who, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
while not os.path.exists(go):
    time.sleep(0.001)
for i in range(count):
    job = presets.Job(f"{who}-{i}", "normal(0, 1)", "normal(1, 1)", ("fisher",), f"{who}-{i}.gif")
    batch.record(out, [presets.Result(job, "p.toml", job.name)])
"""


def test_concurrent_batches_lose_no_record_and_leave_no_temporary(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", RECORDER, str(out), f"p{k}", "25", str(go)],
                              stderr=subprocess.PIPE, text=True) for k in range(4)]
    time.sleep(0.3)  # let every process reach the starting line
    go.touch()
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, errors
    manifest = json.loads((out / presets.MANIFEST).read_text())
    assert sorted(manifest) == sorted(f"p{k}-{i}.gif" for k in range(4) for i in range(25))
    assert sorted(p.name for p in out.iterdir()) == [presets.MANIFEST, ".geoanim-batch.lock"]


def test_an_interrupted_batch_keeps_the_jobs_that_finished(tmp_path, monkeypatch):
    real = geoanim.rendering.render

    def render(paths, out, **options):
        if Path(out).name == "two.gif":
            raise KeyboardInterrupt  # Ctrl-C during the second job
        return real(paths, out, **options)

    folder = preset_folder(tmp_path, job_text("one") + job_text("two") + job_text("three"))
    args = ["batch", str(folder), "--out-dir", str(tmp_path / "out"), "--jobs", "1", *TINY_SET]
    with monkeypatch.context() as m:
        m.setattr(geoanim.rendering, "render", render)
        r = runner.invoke(app, args)
    assert r.exit_code == 130 and "geoanim: interrupted" in r.stderr
    r = runner.invoke(app, args)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    table = rows(r.stdout)
    assert "up to date" in table["one"]  # the finished job is not rendered again
    assert "rendered" in table["two"] and "rendered" in table["three"]
    assert "2 rendered, 1 up to date, 0 failed" in r.stdout


def test_a_manifest_that_cannot_be_written_is_one_warning_and_the_summary_stays(tmp_path, monkeypatch):
    real = os.replace

    def full_disk(src, dst, *args, **kwargs):
        if str(dst).endswith(presets.MANIFEST):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    folder = preset_folder(tmp_path, job_text("one") + job_text("two"))
    out = tmp_path / "out"
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(out), "--jobs", "1", "-q", *TINY_SET])
    assert r.exit_code == 0, (r.stdout, r.stderr, r.exception)
    assert "2 rendered, 0 up to date, 0 failed" in r.stdout
    warning = r.stderr.strip().splitlines()
    assert len(warning) == 1 and warning[0].startswith("geoanim: warning: "), r.stderr
    assert presets.MANIFEST in warning[0] and "No space left on device" in warning[0]
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".lock")) == ["one.gif", "two.gif"]


# ---------------------------------------------------------------------------------------------
# 4. outputs stay inside the out-dir, and one file is one output
# ---------------------------------------------------------------------------------------------


def test_an_output_through_a_symlink_out_of_the_out_dir_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    (out / "real").mkdir(parents=True)
    elsewhere.mkdir()
    (out / "link").symlink_to(elsewhere, target_is_directory=True)
    (out / "inner").symlink_to(out / "real", target_is_directory=True)  # a link that stays inside is fine
    folder = preset_folder(tmp_path, job_text("escape", output="link/x.gif") + job_text("inside", output="inner/y.gif"))
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(out), "--jobs", "1", *TINY_SET])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    line = rows(r.stdout)["escape"]
    assert f'{folder / "p.toml"}: job "escape": output: link/x.gif resolves outside the out-dir' in line
    assert list(elsewhere.iterdir()) == []
    assert (out / "real" / "y.gif").exists()
    # the pure function any scheduler maps guards itself too
    job = presets.load_file(folder / "p.toml")[0]
    result = presets.run_job(job, str(out), tuple(batch.parse_overrides(TINY_SET[1::2])))
    assert result.status == "failed" and "resolves outside the out-dir" in result.error
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("first, second", [("A.gif", "a.gif"), ("Sub/X.gif", "sub/x.gif"), ("./b.gif", "B.GIF")])
def test_outputs_differing_only_in_case_are_one_output(tmp_path, first, second):
    folder = preset_folder(tmp_path, job_text("first", output=first) + job_text("second", output=second))
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(tmp_path / "out"), "--dry-run"])
    assert r.exit_code == 2, (r.stdout, r.stderr)
    table = rows(r.stdout)
    assert "would render" in table["first"]
    assert f'output: {os.path.normpath(second)} is also written by {folder / "p.toml"}: job "first"' in table["second"]
