"""User-reported papercuts of the command line, batch and sweep: each test fails on the old behaviour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from test_cli import assert_clean_error, run, strict_json

from geoanim import __version__, parse, presets
from geoanim.cli import app, default_name
from geoanim.errors import PresetError

BOX = set("╭╮╰╯│─━┃")  # rich's panels: never on stderr, never in help
TINY = ["--frames", "2", "--hold", "0", "--size", "480x200"]


def assert_usage_error(result, *words: str) -> list[str]:
    """A usage error as every other error: exit 2, one `geoanim: error:` line, at most a `try` line."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert not BOX & set(result.stderr), result.stderr
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("geoanim: error: ") and len(lines) <= 2, lines
    if len(lines) == 2:
        assert re.fullmatch(r"  try 'geoanim( \w+)? --help'", lines[1]), lines[1]
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines


# 1. default output names ---------------------------------------------------------------------------


def test_default_names_tell_signs_decimals_and_order_apart():
    pairs = [("normal(-1, 1)", "normal(1, 1)"), ("normal(1, 1)", "normal(-1, 1)"), ("normal(1, 1)", "normal(1, 1)"),
             ("normal(-1, 1)", "normal(-1, 1)"),
             ("normal(1.5, 1)", "normal(15, 1)"), ("normal(0.5, 1)", "normal(5, 1)"),
             ("normal(0, 1e-05)", "normal(0, 1e+05)"), ("normal(0, 1e+05)", "normal(0, 1e-05)"),
             ("0.5*normal(-1, 1) + 0.5*normal(1, 1)", "normal(0, 1)"),
             ("0.5*normal(1, 1) + 0.5*normal(-1, 1)", "normal(0, 1)"),
             # names are cut to a length: what differs past the cut must still tell them apart
             ("categorical([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05])", "categorical([0.5, 0.5])"),
             ("categorical([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.04, 0.06])", "categorical([0.5, 0.5])")]
    names = [default_name(parse(a), parse(b)) for a, b in pairs]
    assert len(set(names)) == len(names), names
    for name in names:
        assert re.fullmatch(r"[a-z0-9][a-z0-9.-]*", name) and len(name) <= 100, name
    assert names[0] == "normal-m1-1--normal-1-1"  # a minus is written m
    assert default_name(parse("normal(-4, 1)"), parse("normal(4, 1)")) == "flagship"


def test_a_render_and_its_reverse_write_two_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for a, b in [("normal(-1, 1)", "normal(1, 1)"), ("normal(1, 1)", "normal(-1, 1)")]:
        assert run("render", a, b, *TINY, "-q").exit_code == 0
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["normal-1-1--normal-m1-1.gif",
                                                                        "normal-m1-1--normal-1-1.gif"]


# 2. comma-separated metrics ----------------------------------------------------------------------


def test_metrics_split_on_commas_everywhere_they_repeat(tmp_path):
    data = strict_json(run("distance", "normal(0, 1)", "normal(3, 1)", "-m", "fisher,w2", "-m", "fisher-np",
                           "--json").stdout)
    assert list(data["distances"]) == ["fisher", "wasserstein", "fisher-np"]
    # a comma inside a metric's brackets is the metric's own
    data = strict_json(run("distance", "normal(0, 1)", "normal(3, 1)", "-m", "w2,alpha(0.5)", "--json").stdout)
    assert list(data["distances"]) + list(data["curve_lengths"]) == ["wasserstein", "alpha(0.5)"]
    sweep = run("sweep", "normal(0, 1)", "--shift", "0:2", "--points", "3", "-m", "fisher , w2",
                "-o", str(tmp_path / "s.png"), "--json")
    assert sweep.exit_code == 0 and list(json.loads(sweep.stdout)["distances"]) == ["fisher", "wasserstein"]
    # render: split, so the same metric twice is caught as such (it was one unknown metric "fisher,fisher-rao")
    assert_clean_error(run("render", "normal(0, 1)", "normal(1, 1)", "-m", "fisher,fisher-rao", "-o",
                           str(tmp_path / "x.gif")), "a metric is given twice")
    assert_clean_error(run("distance", "normal(0, 1)", "normal(1, 1)", "-m", "fisher,"), "empty metric name")


def test_path_takes_one_metric_and_says_so():
    lines = assert_clean_error(run("path", "normal(0, 1)", "normal(1, 1)", "-m", "fisher,w2"),
                               "--metric takes one metric", "geoanim distance P Q --metric fisher,w2")
    assert len(lines) == 1
    assert run("path", "normal(0, 1)", "normal(1, 1)", "-m", "alpha(0.5)", "-t", "0.5").exit_code == 0


# 3. an output without a suffix -------------------------------------------------------------------


def test_an_output_without_suffix_says_so_and_lists_the_formats_cleanly(tmp_path):
    lines = assert_clean_error(run("render", "-o", str(tmp_path / "out"), "-q"), "has no suffix")
    assert "'none'" not in lines[0]
    assert lines[0].endswith("use .gif, .mp4 (H.264), .webp (animated), .png (filmstrip) or .html (interactive player)")
    lines = assert_clean_error(run("render", "-o", str(tmp_path / "out.avi"), "-q"), "unsupported output format '.avi'")
    assert not re.search(r"\([^)]*\(", lines[0]), lines[0]  # no parentheses inside parentheses
    assert_clean_error(run("sweep", "normal(0, 1)", "--shift", "0:1", "-o", str(tmp_path / "fig")), "has no suffix",
                       ".png or .svg")


# 4. --trails where it cannot apply ---------------------------------------------------------------


def test_trails_on_a_line_pair_is_a_note(tmp_path):
    result = run("render", "normal(-1, 1)", "normal(1, 1)", *TINY, "--trails", "-q", "-o", str(tmp_path / "a.gif"))
    assert result.exit_code == 0
    assert result.stderr.splitlines() == ["note: --trails applies to point clouds in the plane; ignored"]


# 5, 7, 8. help: literal text, no type tags, completion, still light --------------------------------


def commands():
    import typer.main

    group = typer.main.get_command(app)
    return [(name, cmd) for name, cmd in group.commands.items()]


@pytest.mark.parametrize("name", ["distance", "path", "metrics", "families", "render", "batch", "sweep"])
def test_help_shows_every_help_text_literally_without_type_tags(name):
    result = run(name, "--help")
    assert result.exit_code == 0
    text = result.stdout
    assert not BOX & set(text)
    assert not re.search(r"<(bool|int|float|str|list\[\w+\])>", text), text  # typer's type tags
    squeezed = "".join(text.split())
    cmd = dict(commands())[name]
    for param in cmd.params:
        if getattr(param, "help", None):
            assert "".join(param.help.split()) in squeezed, (param.name, param.help)  # no markup ate any of it
    assert all(ord(c) < 0x2000 for c in text), [c for c in text if ord(c) >= 0x2000]  # no emoji


def test_sweep_help_shows_a_b_literally():
    text = run("sweep", "--help").stdout
    assert "for s in A:B" in text and "--shift A:B" in text and "\U0001f171" not in text
    assert "-m, --metric METRIC" in text


def test_version_has_a_short_flag():
    for flag in ("-V", "--version"):
        result = run(flag)
        assert result.exit_code == 0 and result.stdout == f"geoanim {__version__}\n"


def test_shell_completion_is_offered_and_works():
    assert "--install-completion" in run("--help").stdout
    env = {"_GEOANIM_COMPLETE": "complete_bash", "COMP_WORDS": "geoanim ren", "COMP_CWORD": "1"}
    entry = "import sys\nsys.argv[0] = 'geoanim'  # as the installed command runs\nfrom geoanim.cli import main\nmain()"
    done = subprocess.run([sys.executable, "-c", entry], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})
    assert done.returncode == 0 and done.stdout.split() == ["render"], (done.stdout, done.stderr)


def test_help_imports_no_heavy_module():
    script = ("import sys, json\nfrom geoanim.cli import main\ntry:\n    main(['render', '--help'])\n"
              "except SystemExit:\n    pass\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    mods = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not mods & {"numpy", "scipy", "matplotlib", "rich", "PIL"}, mods


# 9. usage errors in the house style --------------------------------------------------------------


@pytest.mark.parametrize("args, words", [
    (["render", "--fsp", "3"], ["no such option: --fsp", "--fps"]),
    (["distance", "normal(0, 1)"], ["missing argument 'Q'"]),
    (["distance"], ["missing argument 'P'"]),
    (["render", "--frames", "x"], ["'--frames'"]),
    (["rendr"], ["no such command 'rendr'", "render"]),
    (["--frob"], ["no such option: --frob"]),
    (["distance", "a", "b", "c"], ["unexpected extra argument", "(c)"]),
])
def test_usage_errors_are_one_line(args, words):
    assert_usage_error(run(*args), *words)


def test_usage_errors_from_the_installed_command():
    done = subprocess.run([sys.executable, "-m", "geoanim", "render", "--fsp", "3"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2 and done.stdout == "" and not BOX & set(done.stderr)
    first, *rest = done.stderr.splitlines()
    assert first.startswith("geoanim: error: no such option: --fsp") and len(rest) <= 1


# 10, 11. specs read as options, specs the shell split --------------------------------------------


def test_a_spec_starting_with_a_dash_names_the_fix():
    lines = assert_usage_error(run("distance", "-normal(0,1)", "normal(1,1)", "--json"), "put -- before the specs")
    fix = 'geoanim distance --json -- "-normal(0,1)" "normal(1,1)"'
    assert lines[0].endswith(fix)
    # the fix works: the spec reaches the spec parser, which says what is wrong with it, with a caret
    assert_clean_error(run("distance", "--json", "--", "-normal(0,1)", "normal(1,1)"),
                       "a sign can only stand before a number")


@pytest.mark.parametrize("args, fix", [
    (["render", "normal(0,", "1)", "normal(1,1)", "-q"], 'geoanim render "normal(0, 1)" "normal(1,1)" -q'),
    (["distance", "0.5*normal(0,", "1)", "+", "0.5*normal(2,", "1)", "normal(1,", "1)"],
     'geoanim distance "0.5*normal(0, 1) + 0.5*normal(2, 1)" "normal(1, 1)"'),
])
def test_specs_split_by_the_shell_get_quoted(args, fix):
    lines = assert_usage_error(run(*args), "Quote each spec")
    assert lines[0].endswith(fix) and len(lines) == 1


# 12. rounding noise on paths ---------------------------------------------------------------------


@pytest.mark.parametrize("metric", ["fisher", "wasserstein"])
def test_path_prints_rounding_noise_as_zero(metric):
    out = run("path", "normal(-4, 1)", "normal(4, 1)", "-m", metric).stdout
    mid = next(line for line in out.splitlines() if line.startswith("0.5 "))
    assert mid.split()[2] == "0" and "e-1" not in mid, mid
    assert "normal(0, " in mid and not re.search(r"\d{13}", out)  # 3.000000000000001 is 3
    data = strict_json(run("path", "normal(-4, 1)", "normal(4, 1)", "-m", metric, "-t", "0.5", "--json").stdout)
    d = data["points"][0]["distribution"]
    assert d["mean"] == 0.0 and d["params"]["mean"] == 0.0 and d["spec"].startswith("normal(0, ")


def test_path_keeps_real_small_values():
    out = run("path", "normal(0, 1e-20)", "normal(1e-20, 2e-20)", "-t", "0.5").stdout
    mean, var = (float(v) for v in out.splitlines()[-1].split()[2:4])
    assert 1e-21 < mean < 1e-20 and 1e-40 < var < 4e-40
    data = strict_json(run("path", "normal(0, 1e-20)", "normal(0, 2e-20)", "-m", "w2", "-t", "0.5", "--json").stdout)
    assert data["points"][0]["distribution"]["params"]["std"] == pytest.approx(1.5e-20)


# 13. sweep: reproducible files, titles as the renders write them ---------------------------------


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_sweep_files_are_reproducible(tmp_path, suffix):
    outs = [tmp_path / f"{i}.{suffix}" for i in range(2)]
    for out in outs:
        assert run("sweep", "normal(0, 1)", "--shift", "0:2", "--points", "5", "-o", str(out)).exit_code == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_sweep_titles_use_the_pretty_form():
    from geoanim.sweep import sweep

    shifted = sweep("normal(-4, 1)", None, ["w2"], shift="0:1", points=3)
    assert shifted.title == "N(\u22124, 1\u00b2)  vs  N(\u22124, 1\u00b2) shifted by s"
    varied = sweep("uniform(0, 1)", "uniform(s, s + 1)", ["w2"], var="s=0:1", points=3)
    assert varied.title == "U(0, 1)  vs  uniform(s, s + 1)"  # a spec using the variable stays as written


# 14. a PNG's summary -----------------------------------------------------------------------------


def test_png_summary_counts_snapshots_not_frames(tmp_path):
    from geoanim.rendering import Animation

    out = tmp_path / "strip.png"
    result = run("render", "normal(-1, 1)", "normal(1, 1)", "--strip", "3", "--size", "480x200", "-o", str(out))
    assert result.exit_code == 0
    assert "filmstrip, 3 snapshots per metric" in result.stderr and "fps" not in result.stderr
    assert "filmstrip, 4 snapshots per metric" in repr(Animation(out, ".png", 1, 0.0, 480, 200, strip=4))
    assert "fps" not in repr(Animation(out, ".png", 1, 0.0, 480, 200, strip=4))
    assert ", 1 frame at 20 fps," in repr(Animation(out, ".gif", 1, 20.0, 480, 200))


# 15. a preset job reports all its problems at once -----------------------------------------------


def test_a_job_reports_every_problem_in_one_message(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[job]]\nname = "a"\nstart = "normal(0, 1)"\nend = "normal(1, -1)"\n'
                    'metrics = ["fisher", "wasserstien"]\nfsp = 10\nhold = "long"\nframes = 1\n')
    with pytest.raises(PresetError) as exc:
        presets.load_file(path)
    message = str(exc.value)
    assert message.startswith(f'{path}: job "a": ') and "\n" not in message
    for part in ["end: normal: `std` must be > 0 (got -1)",
                 'metrics[1]: unknown metric "wasserstien" (did you mean "wasserstein"?)',
                 'unknown key "fsp" (did you mean "fps"?)', "hold: must be int or float (got 'long')",
                 "frames: `frames` must be between 2 and 100000 (got 1)"]:
        assert part in message, (part, message)
    assert message.count(path.name) == 1  # said once, problems joined by "; "
    # --set overrides too: every bad one at once
    with pytest.raises(PresetError) as exc:
        from geoanim.batch import parse_overrides

        parse_overrides(["fsp=3", "hold=long"])
    assert 'unknown key "fsp"' in str(exc.value) and "hold: must be" in str(exc.value)


def test_batch_dry_run_shows_the_whole_list(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[job]]\nname = "a"\nstart = "normal(0, 1)"\nend = "normal(1, 1)"\nfsp = 10\nsise = "1x1"\n')
    result = run("batch", str(path), "--dry-run", "--out-dir", str(tmp_path / "out"))
    assert result.exit_code == 2
    row = next(line for line in result.stdout.splitlines() if line.startswith("a "))
    assert 'unknown key "fsp"' in row and 'unknown key "sise"' in row
