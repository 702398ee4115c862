"""Presets, `geoanim batch`, `geoanim sweep`, and the README's commands (so the docs cannot rot)."""

from __future__ import annotations

import json
import math
import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from geoanim import presets
from geoanim.cli import app
from geoanim.errors import PresetError
from geoanim.sweep import sweep

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()
TINY_SET = ["--set", "frames=3", "--set", "hold=0", "--set", "size=900x160",  # wide enough for six panels
            "--set", "font_scale=1"]  # (the gallery scales its text for its own sizes)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


JOB = '''
[[job]]
name = "{name}"
start = "{start}"
end = "{end}"
metrics = {metrics}
output = "{output}"
'''


def job_text(name="a", start="normal(0, 1)", end="normal(1, 1)", metrics='["fisher", "wasserstein"]', output=None):
    return JOB.format(name=name, start=start, end=end, metrics=metrics, output=output or f"{name}.gif")


# ---------------------------------------------------------------------------------------------
# the shipped presets
# ---------------------------------------------------------------------------------------------


def shipped_jobs():
    return [job for f in presets.preset_files([str(ROOT / "presets")]) for job in presets.load_file(f)]


def test_shipped_presets_tell_the_story():
    jobs = shipped_jobs()
    names = {j.name for j in jobs}
    assert {"separated-means", "growing-spread", "disjoint-supports", "point-masses", "simplex",
            "bimodal-to-normal", "heavy-tails-cauchy", "regime-discrete", "regime-overlapping",
            "regime-disjoint"} <= names
    for job in jobs:
        assert job.caption, f"{job.name} needs a one-line caption"
        assert job.output.startswith("gallery/")


def test_gallery_outputs_are_committed_small_and_current():
    manifest = presets.read_manifest(str(ROOT / "outputs"))
    for job in shipped_jobs():
        out = ROOT / "outputs" / job.output
        assert out.exists(), f"{out} missing: run `geoanim batch presets/`"
        assert out.stat().st_size < 1_000_000
        assert manifest.get(job.output) == job.key, f"{out} is stale: run `geoanim batch presets/`"


# ---------------------------------------------------------------------------------------------
# validation: every error names file, job and key
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    (job_text(name="disjoint", metrics='["fisher", "wasserstien"]'),
     'job "disjoint": metrics[1]: unknown metric "wasserstien" (did you mean "wasserstein"?)'),
    (job_text() + 'sise = "320x160"\n', 'job "a": unknown key "sise" (did you mean "size"?)'),
    (job_text(start="normal(0, -1)"), 'job "a": start: normal: `std` must be > 0 (got -1)'),
    (job_text(end="norml(0, 1)"), "job \"a\": end: unknown family 'norml' (did you mean 'normal'?)"),
    (job_text() + 'size = "12"\n', 'job "a": size: `size` must look like 960x400'),
    (job_text() + 'fps = "fast"\n', 'job "a": fps: must be int or float'),
    (job_text() + 'bounce = 1\n', 'job "a": bounce: must be bool'),
    (job_text(output="a.avi"), 'job "a": output: unsupported output format'),
    (job_text(output="/tmp/a.gif"), 'job "a": output: must be a relative path'),
    (job_text(metrics='"fisher"'), 'job "a": metrics: must be a non-empty list'),
    ('[[job]]\nname = "a"\nend = "normal(0, 1)"\n', 'job "a": start: required'),
    (job_text() + job_text(), 'job "a": name: used twice'),
    ('[defaults]\nstart = "normal(0, 1)"\n' + job_text(), "defaults: start: belongs in each [[job]] table"),
    ('[job]\nname = 1\n', "job: write each job as a [[job]] table (double brackets)"),
    ('job = [1]\n', "job #1: must be a table"),
    ('[[jobs]]\nname = "a"\n', 'unknown top-level key "jobs" (did you mean "job"?)'),
    ('[[job]\nname = "a"', "invalid TOML"),
    ('', "no jobs"),
])
def test_preset_errors_name_file_job_and_key(tmp_path, text, message):
    path = write(tmp_path, "p.toml", text)
    with pytest.raises(PresetError) as exc:
        presets.load_file(path)
    assert str(exc.value).startswith(f"{path}: ")
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_defaults_apply_and_jobs_override(tmp_path):
    path = write(tmp_path, "p.toml", '[defaults]\nsize = "320x160"\nduration = 2\nmetrics = ["w2"]\n'
                 + job_text(name="a", metrics='["fisher-rao"]') + '\nframes = 5\n'
                 + '[[job]]\nname = "b"\nstart = "dirac(0)"\nend = "dirac(1)"\n')
    a, b = presets.load_file(path)
    assert a.metrics == ("fisher",) and dict(a.options) == {"size": "320x160", "frames": 5}
    assert b.metrics == ("wasserstein",) and dict(b.options) == {"size": "320x160", "duration": 2}
    assert b.output == "b.gif"


def test_job_key_changes_with_content_only(tmp_path):
    a1 = presets.load_file(write(tmp_path, "a.toml", job_text()))[0]
    a2 = presets.load_file(write(tmp_path, "b.toml", job_text()))[0]
    a3 = presets.load_file(write(tmp_path, "c.toml", job_text(end="normal(2, 1)")))[0]
    assert a1.key == a2.key != a3.key


# ---------------------------------------------------------------------------------------------
# geoanim batch
# ---------------------------------------------------------------------------------------------


def test_batch_renders_skips_forces_and_isolates_a_broken_preset(tmp_path):
    folder = tmp_path / "presets"
    folder.mkdir()
    write(folder, "good.toml", job_text(name="one") + job_text(name="two", start="dirac(0)", end="dirac(1)"))
    write(folder, "broken.toml", job_text(name="bad", metrics='["wasserstien"]'))
    out = tmp_path / "out"
    args = ["batch", str(folder), "--out-dir", str(out), "--jobs", "2", *TINY_SET]

    r = runner.invoke(app, args)
    assert r.exit_code == 2  # a job failed...
    assert (out / "one.gif").exists() and (out / "two.gif").exists()  # ...and the others still rendered
    assert 'FAILED: ' in r.stdout and 'unknown metric "wasserstien"' in r.stdout
    assert "2 rendered, 0 up to date, 1 failed" in r.stdout

    r = runner.invoke(app, args)
    assert "0 rendered, 2 up to date, 1 failed" in r.stdout

    (folder / "broken.toml").unlink()
    r = runner.invoke(app, args + ["--force"])
    assert r.exit_code == 0 and "2 rendered, 0 up to date, 0 failed" in r.stdout

    write(folder, "good.toml",
          job_text(name="one", end="normal(3, 1)") + job_text(name="two", start="dirac(0)", end="dirac(1)"))
    r = runner.invoke(app, args + ["--dry-run"])
    assert r.exit_code == 0
    lines = {line.split()[0]: line for line in r.stdout.splitlines()[1:]}
    assert "would render" in lines["one"] and "up to date" in lines["two"]  # only the changed job


def test_batch_reports_a_render_failure_without_stopping(tmp_path, monkeypatch):
    folder = tmp_path / "p"
    folder.mkdir()
    write(folder, "a.toml", job_text(name="one") + job_text(name="two"))
    out = tmp_path / "out"
    out.mkdir()
    (out / "one.gif").mkdir()  # a folder where the file should go: that job cannot be written
    r = runner.invoke(app, ["batch", str(folder), "--out-dir", str(out), "--jobs", "1", *TINY_SET])
    assert r.exit_code == 2
    assert "cannot write" in r.stdout and (out / "two.gif").exists()


def test_batch_bad_arguments(tmp_path):
    r = runner.invoke(app, ["batch", str(tmp_path / "nope.toml")])
    assert r.exit_code == 2 and "no such preset file" in r.stderr
    r = runner.invoke(app, ["batch", str(tmp_path)])
    assert r.exit_code == 2 and "no *.toml" in r.stderr
    r = runner.invoke(app, ["batch", "--set", "sise=1"])
    assert r.exit_code == 2 and 'unknown key "sise"' in r.stderr


# ---------------------------------------------------------------------------------------------
# geoanim sweep
# ---------------------------------------------------------------------------------------------


def test_sweep_fisher_saturates_at_pi_while_w2_grows_linearly():
    data = sweep("uniform(-1, 0)", None, ["fisher", "wasserstein"], shift="0:10", points=41)
    s = data.values
    # W2 between a law and its translate is the shift itself (every quantile moves by s)
    assert np.allclose(data.distances["wasserstein"], s, atol=1e-12)
    # disjoint once s >= 1 (the support has width 1): Fisher-Rao is pi however far apart
    assert np.allclose(data.distances["fisher"][s >= 1], math.pi, atol=1e-12)
    # overlapping for s < 1: BC = 1 - s, so d = 2 arccos(1 - s)
    inside = (s > 0) & (s < 1)
    assert np.allclose(data.distances["fisher"][inside], 2 * np.arccos(1 - s[inside]), atol=1e-9)
    assert data.labels["fisher"] == "Fisher-Rao on all densities"


def test_sweep_with_a_variable_matches_closed_forms():
    data = sweep("normal(0, 1)", "normal(m, 1)", ["fisher", "w2"], var="m=0:6", points=13)
    m = data.values
    assert np.allclose(data.distances["fisher"], np.sqrt(2) * np.arccosh(1 + m ** 2 / 4), rtol=1e-12)
    assert np.allclose(data.distances["wasserstein"], m, atol=1e-12)


def test_sweep_cli_writes_png_and_svg_and_json(tmp_path):
    png = tmp_path / "s.png"
    r = runner.invoke(app, ["sweep", "uniform(-1,0)", "--shift", "0:4", "--points", "9", "-o", str(png), "--json"])
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(r.stdout)
    assert data["values"][0] == 0 and data["values"][-1] == 4 and len(data["distances"]["fisher"]) == 9
    svg = tmp_path / "s.svg"
    r = runner.invoke(app, ["sweep", "dirac(0)", "--shift", "0:2", "--points", "5", "-o", str(svg)])
    assert r.exit_code == 0 and svg.read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("args, needle", [
    (["normal(0,1)"], "exactly one of --shift"),
    (["normal(0,1)", "--shift", "0:1", "--var", "s=0:1"], "exactly one of --shift"),
    (["normal(0,1)", "--shift", "a:b"], "--shift must look like 0:10"),
    (["exponential(1)", "--shift", "0:1"], "--shift does not support exponential"),
    (["normal(0,1)", "normal(s,1)", "--var", "s=0:1", "-o", "x.jpg"], "use .png or .svg"),
    (["normal(0,1)", "normal(t,1)", "--var", "s=0:1"], "unknown name 't'"),
])
def test_sweep_errors_exit_2(tmp_path, args, needle):
    r = runner.invoke(app, ["sweep", *args] + ([] if "-o" in args else ["-o", str(tmp_path / "s.png")]))
    assert r.exit_code == 2, r.output
    assert needle in r.stderr


# ---------------------------------------------------------------------------------------------
# the README's commands
# ---------------------------------------------------------------------------------------------


def readme_commands() -> list[list[str]]:
    text = (ROOT / "README.md").read_text()
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and words[0] == "geoanim":
                    commands.append(words[1:])
    return commands


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    text = (ROOT / "README.md").read_text()
    assert "python3 -m pip install -e . && geoanim render" in text
    test_cmd = "python3 -m pip install -e '.[test]' && python3 tests/browser.py --install && python3 -m pytest -q"
    assert test_cmd in text
    assert test_cmd in (ROOT / ".ci" / "run").read_text()


def test_readme_commands_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "presets", tmp_path / "presets")
    commands = readme_commands()
    assert any(c[:1] == ["render"] for c in commands) and any(c[:1] == ["batch"] for c in commands)
    for args in commands:
        extra = {"render": ["--frames", "3", "--hold", "0", "--size", "460x160"],
                 "batch": [*TINY_SET, "--out-dir", str(tmp_path / "outputs")],
                 "sweep": ["--points", "5"]}.get(args[0], [])
        r = runner.invoke(app, [*args, *extra])
        assert r.exit_code == 0, (args, r.output)
    assert (tmp_path / "outputs" / "flagship.gif").exists()
    # `geoanim batch presets/` rendered every shipped job (at tiny size): each job's own output
    for job in shipped_jobs():
        out = tmp_path / "outputs" / job.output
        assert out.exists() and out.stat().st_size > 0, f"{job.name}: {out} was not rendered"
