"""Edge cases found in review: each used to end in an internal error, a NaN or a wrong file."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from scipy.integrate import quad
from typer.testing import CliRunner

import geoanim
from geoanim.cli import app

runner = CliRunner()
P = geoanim.parse


def err(args, tmp_path=None, needle=""):
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (args, r.output)
    assert r.stderr.startswith("geoanim: error: ") and "Traceback" not in r.output
    assert needle in r.stderr, r.stderr
    return r


def test_output_folders_that_cannot_be_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").write_text("a file where the folder should be")
    err(["render", "--frames", "2"], needle="cannot create the output folder outputs")
    err(["sweep", "normal(0,1)", "--shift", "0:1", "--points", "3"], needle="cannot create the output folder")
    preset = tmp_path / "p.toml"
    preset.write_text('[[job]]\nname = "a"\nstart = "normal(0,1)"\nend = "normal(1,1)"\n')
    err(["batch", str(preset), "--out-dir", "/proc/geoanim-nope"], needle="cannot create the output folder")


@pytest.mark.parametrize("args, needle", [
    (["distance", "uniform(-1e308, 1e308)", "uniform(0, 1)"], "width `high` - `low` must be finite"),
    (["distance", "mvnormal([0], [[1]])", "mvnormal([1], [[2]])"], "use normal(mean, std)"),
    (["render", "normal(0, 1e-300)", "normal(0, 1e300)"], "more orders of magnitude"),
    (["render", "mvnormal([0,0,0],[[1,0,0],[0,1,0],[0,0,1]])", "mvnormal([1,0,0],[[1,0,0],[0,1,0],[0,0,1]])"],
     "not in 3 dimensions"),
    (["batch", "--jobs", "0"], "--jobs must be >= 1"),
    (["batch", "--set", "size=0x0"], "between 160x120"),
    (["sweep", "uniform(s, 1)", "uniform(0, 1)", "--var", "s=0:2", "--points", "5"], "at s = 1"),
    (["sweep", "normal(0,1)", "--shift", "0:1", "-m", "w2", "-m", "wasserstein"], "twice"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, needle):
    output = tmp_path / ("x.png" if args[0] == "sweep" else "x.gif")
    extra = ["-o", str(output)] if args[0] in ("render", "sweep") else []
    err(args + extra, needle=needle)


def test_no_nan_distance_ever_prints():
    # a Path refuses to exist with a NaN length
    from geoanim.errors import UnsupportedError
    from geoanim.paths.base import Path

    with pytest.raises(UnsupportedError, match="could not be computed"):
        Path(P("normal(0,1)"), P("normal(1,1)"), "fisher", "Fisher-Rao", "normal", math.nan, "x", lambda t: None)


def test_complex_npy_is_refused(tmp_path):
    f = tmp_path / "c.npy"
    np.save(f, np.array([[1 + 1j, 0], [0, 1]]))
    with pytest.raises(geoanim.GeoanimError, match="real numbers"):
        P(f'samples("{f}")')


def test_sweep_shifts_planar_laws():
    from geoanim.sweep import sweep

    data = sweep("mvnormal([0,0],[[1,0],[0,1]])", None, ["wasserstein"], shift="0:3", points=4)
    assert np.allclose(data.distances["wasserstein"], data.values)  # a translation moves W2 by its length


def test_hard_fisher_pair_is_solved_from_either_end():
    a, b = P("mvnormal([0,0],[[1,0],[0,1]])"), P("mvnormal([1000,30],[[0.01,0],[0,50]])")
    forward, backward = geoanim.geodesic(a, b, "fisher"), geoanim.geodesic(b, a, "fisher")
    assert backward.length == pytest.approx(forward.length, rel=1e-9)
    end = backward.point(1.0)
    assert end.mu == pytest.approx(a.mu, abs=1e-8) and end.sigma == pytest.approx(a.sigma, abs=1e-8)
    assert geoanim.distance(b, backward(0.5), "fisher") == pytest.approx(backward.length / 2, rel=1e-8)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_w2_quadrature_for_a_bimodal_mixture_matches_adaptive_quad():
    p, q = P("0.3*normal(-2,1)+0.7*normal(3,0.5)"), P("normal(0,2)")
    # independent reference: adaptive quadrature of (F^-1 - G^-1)^2, split at the mixture's valley
    f = lambda u: (float(p.ppf(u)) - float(q.ppf(u))) ** 2  # noqa: E731
    ref = sum(quad(f, a, b, epsabs=1e-14, epsrel=1e-12, limit=500)[0]
              for a, b in [(0, 0.1), (0.1, 0.29), (0.29, 0.31), (0.31, 0.5), (0.5, 0.9), (0.9, 1)])
    assert geoanim.distance(p, q, "w2") == pytest.approx(math.sqrt(ref), rel=1e-9)


def test_batch_isolates_bad_jobs_within_a_file_and_normalises_outputs(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('''
[[job]]
name = "bad"
start = "normal(0,1)"
end = "normal(1,1)"
fps = 0
[[job]]
name = "good"
start = "normal(0,1)"
end = "normal(1,1)"
output = "./good.gif"
[[job]]
name = "same-file"
start = "normal(0,1)"
end = "normal(2,1)"
output = "good.gif"
[[job]]
name = "fast-gif"
start = "normal(0,1)"
end = "normal(2,1)"
fps = 60
''')
    out = tmp_path / "out"
    r = runner.invoke(app, ["batch", str(preset), "--out-dir", str(out), "--set", "frames=3", "--set", "size=450x160"])
    assert r.exit_code == 2
    assert sorted(os.listdir(out)) == [".geoanim-batch.json", ".geoanim-batch.lock", "good.gif"]
    rows = {line.split()[0]: line for line in r.stdout.splitlines()[1:] if line.strip()}
    assert "fps" in rows["bad"] and "rendered" in rows["good"]
    assert "also written by" in rows["same-file"] and "<= 50" in rows["fast-gif"]
