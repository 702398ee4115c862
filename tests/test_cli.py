"""The command line: output shapes, JSON that strict parsers accept, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from geoanim.cli import app

runner = CliRunner()
FR_17 = math.sqrt(2) * math.acosh(17.0)  # Fisher-Rao between N(-4, 1) and N(4, 1): 1 + (64/2)/2 = 17


def strict_json(text: str):
    """json.loads that refuses NaN and Infinity (not JSON, though Python writes them by default)."""

    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def run(*args: str):
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.stdout + result.stderr
    return result


def assert_clean_error(result, *words: str) -> list[str]:
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.rstrip("\n").split("\n")
    assert lines[0].startswith("geoanim: error: ")
    for w in words:
        assert w in lines[0]
    assert len(lines) in (1, 3)  # one line, and the caret block when a spec is at fault
    return lines


def test_distance_table():
    result = run("distance", "normal(-4, 1)", "normal(4, 1)")
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    assert out.startswith("p = normal(-4, 1)\nq = normal(4, 1)\n")
    rows = {line.split()[0]: line for line in out.splitlines()[3:]}
    assert set(rows) >= {"metric", "fisher", "fisher-np", "wasserstein"}
    assert "Fisher-Rao on normals" in rows["fisher"] and f"{FR_17:.12g}" in rows["fisher"]
    assert "Fisher-Rao on all densities" in rows["fisher-np"]
    assert "Wasserstein-2" in rows["wasserstein"] and " 8 " in rows["wasserstein"] + " "
    assert "closed form" in rows["wasserstein"]


def test_distance_json():
    result = run("distance", "normal(-4, 1)", "normal(4, 1)", "--json")
    assert result.exit_code == 0
    data = strict_json(result.stdout)
    assert set(data) == {"p", "q", "distances", "curve_lengths", "divergences"}
    assert set(data["curve_lengths"]) == {"e-geodesic", "m-geodesic", "mixture"}
    assert data["divergences"] == {"KL(p||q)": 32.0, "KL(q||p)": 32.0}
    assert data["p"] == "normal(-4, 1)" and data["q"] == "normal(4, 1)"
    assert set(data["distances"]) == {"fisher", "fisher-np", "wasserstein", "wfr(1)"}
    # wfr at its default κ = 1: the means are 8 apart, far beyond πκ/2, so the mass is destroyed and
    # created (HK² = κ² (1 + 1)) but for the tails within πκ/2 of each other, carried: 0.06% less
    assert math.sqrt(2) * (1 - 1e-3) < data["distances"]["wfr(1)"] < math.sqrt(2)
    assert data["distances"]["fisher"] == pytest.approx(FR_17, rel=1e-15, abs=0)
    assert data["distances"]["wasserstein"] == 8.0
    # fisher-np: BC = exp(-64 / (4 * 2)) = e^-8
    assert data["distances"]["fisher-np"] == pytest.approx(2 * math.acos(math.exp(-8)), rel=1e-14, abs=0)


def test_distance_chosen_metrics_and_aliases():
    data = strict_json(run("distance", "normal(0, 1)", "normal(3, 1)", "-m", "w2", "-m", "fisher-rao", "--json").stdout)
    assert list(data["distances"]) == ["wasserstein", "fisher"]
    assert data["distances"]["wasserstein"] == 3.0


def test_infinite_wasserstein_prints_inf_and_valid_json():
    result = run("distance", "cauchy(0, 1)", "cauchy(0, 2)")
    assert result.exit_code == 0
    row = next(line for line in result.stdout.splitlines() if line.startswith("wasserstein"))
    assert " inf " in row + " "
    data = strict_json(run("distance", "cauchy(0, 1)", "cauchy(0, 2)", "--json").stdout)
    assert data["distances"]["wasserstein"] == "inf"
    assert data["distances"]["fisher"] == pytest.approx(math.acosh(1.25) / math.sqrt(2), rel=1e-14, abs=0)
    # a path whose points have no mean: null, and an infinite variance: "inf"
    data = strict_json(run("path", "cauchy(0, 1)", "normal(0, 2)", "-m", "wasserstein", "-t", "0.5", "--json").stdout)
    assert data["length"] == "inf"
    point = data["points"][0]["distribution"]
    assert point["mean"] is None and point["var"] == "inf"


def test_path_json_normal():
    result = run("path", "normal(-4, 1)", "normal(4, 1)", "--json")
    assert result.exit_code == 0
    data = strict_json(result.stdout)
    assert set(data) == {"metric", "model", "length", "method", "points"}
    assert data["metric"] == "fisher" and data["model"] == "normal" and data["method"] == "closed form"
    assert data["length"] == pytest.approx(FR_17, rel=1e-15, abs=0)
    assert [p["t"] for p in data["points"]] == [0.0, 0.25, 0.5, 0.75, 1.0]
    for point in data["points"]:
        assert set(point) == {"t", "distribution"}
        d = point["distribution"]
        assert {"family", "params", "mean", "var"} <= set(d)
        assert d["family"] == "normal" and set(d["params"]) == {"mean", "std"}
        assert d["var"] == pytest.approx(d["params"]["std"] ** 2, rel=1e-15, abs=0)
        assert d["mean"] == d["params"]["mean"]
    mid = data["points"][2]["distribution"]["params"]
    assert mid["mean"] == pytest.approx(0.0, abs=1e-14) and mid["std"] == pytest.approx(3.0, rel=1e-14, abs=0)
    assert data["points"][0]["distribution"]["params"] == {"mean": -4.0, "std": 1.0}


def test_path_json_categorical():
    data = strict_json(run("path", "categorical([0.2, 0.8])", "categorical([0.6, 0.4])", "-t", "0.5", "--json").stdout)
    assert data["model"] == "categorical"
    d = data["points"][0]["distribution"]
    assert d["family"] == "categorical" and set(d["params"]) == {"probs"}
    probs = d["params"]["probs"]
    # slerp of sqrt(p) halfway: proportional to sqrt(p) + sqrt(q), squared
    raw = [(math.sqrt(0.2) + math.sqrt(0.6)) ** 2, (math.sqrt(0.8) + math.sqrt(0.4)) ** 2]
    assert probs == pytest.approx([r / sum(raw) for r in raw], rel=1e-14, abs=0)
    assert d["mean"] == pytest.approx(probs[1], rel=1e-14, abs=0)


def test_path_json_points():
    data = strict_json(run("path", "dirac(0)", "points([1, 2], [0.3, 0.7])", "-m", "w2", "-t", "0.5", "--json").stdout)
    assert data["metric"] == "wasserstein" and data["method"] == "exact"
    d = data["points"][0]["distribution"]
    assert d["family"] == "points" and set(d["params"]) == {"locations", "weights"}
    assert d["params"] == {"locations": [0.5, 1.0], "weights": [0.3, 0.7]}  # each atom goes halfway
    assert d["mean"] == pytest.approx(0.85, rel=1e-15, abs=0)


def test_path_json_nonparametric():
    data = strict_json(run("path", "normal(0, 1)", "laplace(0, 2)", "-t", "0.5", "--json").stdout)
    assert data["metric"] == "fisher" and data["model"] == "densities" and data["method"] == "quadrature"
    d = data["points"][0]["distribution"]
    assert d["family"] == "fisher_np_interpolant"
    assert d["params"]["start"] == {"family": "normal", "params": {"mean": 0.0, "std": 1.0}}
    assert d["params"]["end"] == {"family": "laplace", "params": {"loc": 0.0, "scale": 2.0}}
    assert d["params"]["t"] == 0.5
    assert d["mean"] == pytest.approx(0.0, abs=1e-12) and d["var"] > 0


def test_path_table():
    result = run("path", "normal(-4, 1)", "normal(4, 1)", "-t", "0", "-t", "0.5")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("Fisher-Rao on normals from normal(-4, 1) to normal(4, 1)\n")
    assert f"length {FR_17:.12g} (closed form)" in out
    header, first, mid = out.splitlines()[-3:]
    assert header.split() == ["t", "travelled", "mean", "var", "distribution"]
    assert first.split() == ["0", "0", "-4", "1", "normal(-4,", "1)"]
    t, travelled, mean, var = (float(v) for v in mid.split()[:4])
    assert (t, float(f"{travelled:.6g}"), float(f"{var:.9g}")) == (0.5, float(f"{FR_17 / 2:.6g}"), 9.0)
    assert abs(mean) < 1e-14 and mid.split()[4].startswith("normal(")


def test_metrics_lists_each_metric():
    from geoanim.paths import available

    result = run("metrics")
    assert result.exit_code == 0
    blocks = [line for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    names = [line.split()[0] for line in blocks]
    assert names == available() and {"fisher", "fisher-np", "wasserstein"} <= set(names)
    assert "aliases: w2" in result.stdout and "fisher (aliases: fisher-rao)\n" in result.stdout  # kl is no alias


def test_metrics_json_is_the_registry_itself(monkeypatch):
    # a route registered at run time appears in the listing: it is generated, so it cannot drift
    from geoanim.families import Univariate
    from geoanim.paths import ROUTES
    from geoanim.paths.registry import route

    data = json.loads(run("metrics", "--json").stdout)
    from geoanim.paths import METRICS

    assert [m["name"] for m in data] == list(METRICS) and set(ROUTES) == set(METRICS)
    for m in data:
        assert [r["method"] for r in m["routes"]] == [r.method for r in ROUTES[m["name"]]]
    fisher = {r["pairs"]: r for r in data[0]["routes"]}
    half_plane = next(k for k in fisher if k.startswith("same family: cauchy,"))
    assert {"laplace", "normal", "lognormal"} <= set(re.findall(r"[a-z]+", half_plane))
    assert fisher[half_plane]["method"] == "closed form"
    assert fisher["mvnormal - mvnormal"]["dimension"] == "2-D"
    monkeypatch.setitem(ROUTES, "fisher", list(ROUTES["fisher"]))
    route("fisher", Univariate, Univariate, method="made up", model="densities")(lambda p, q: None)
    again = json.loads(run("metrics", "--json").stdout)
    assert again[0]["routes"][-1]["method"] == "made up"


def test_families_lists_parameters_and_methods():
    data = {f["name"]: f for f in json.loads(run("families", "--json").stdout)}
    assert {"normal", "uniform", "categorical", "points", "dirac", "mvnormal", "points2d"} <= set(data)
    assert not any(name.endswith("interpolant") or name.endswith("interpolant2d") for name in data)
    normal = data["normal"]
    assert set(normal["aliases"]) == {"gaussian", "N"}
    assert [(p["name"], p["aliases"]) for p in normal["params"]] == [("mean", ["mu", "loc"]),
                                                                        ("std", ["sigma", "sd", "scale"])]
    assert normal["metrics"]["fisher"].startswith("closed form")
    assert normal["metrics"]["wasserstein"].startswith("closed form")
    assert data["points"]["metrics"]["fisher"] == "as fisher-np"
    assert data["mvnormal"]["metrics"]["fisher"].startswith("exact")
    text = run("families").stdout
    assert "normal(mean (mu/loc), std (sigma/sd/scale))  (also gaussian, N)" in text


@pytest.mark.parametrize("args, words, under", [
    (["distance", "normal(-4, -1)", "normal(0, 1)"], ["normal: `std` must be > 0 (got -1)"], "-1"),
    (["distance", "normal(0, 1)", "normal(-4, 1"], ["expected ')'"], None),
    (["distance", "norml(0, 1)", "normal(0, 1)"], ["unknown family 'norml' (did you mean 'normal'?)"], "norml"),
    (["path", "normal(0, 1)", "categorical([0.5, 0.6])"], ["`probs` must sum to 1"], "[0.5, 0.6]"),
    (["path", "__import__('os')", "normal(0, 1)"], ["unknown family '__import__'"], "__import__"),
])
def test_bad_spec_errors(args, words, under):
    lines = assert_clean_error(run(*args), *words)
    assert len(lines) == 3
    if under is not None:
        col = lines[2].index("^")
        assert lines[1][col: col + lines[2].count("^")] == under


def test_unknown_metric_suggests():
    lines = assert_clean_error(run("distance", "normal(0, 1)", "normal(1, 1)", "-m", "wasserstien"),
                               "unknown metric 'wasserstien'", "did you mean 'wasserstein'?")
    assert len(lines) == 1
    assert_clean_error(run("path", "normal(0, 1)", "normal(1, 1)", "-m", "fishr"), "did you mean 'fisher'?")


@pytest.mark.parametrize("t", ["1.5", "-0.25"])
def test_t_outside_unit_interval(t):
    lines = assert_clean_error(run("path", "normal(0, 1)", "normal(1, 1)", "-t", t), "`t` must be in [0, 1]")
    assert len(lines) == 1


def test_unsupported_pair_is_a_clean_error():
    assert_clean_error(run("distance", "cauchy(0, 1)", "0.5*cauchy(0, 2) + 0.5*normal(0, 1)", "-m", "w2"),
                       "W2 between two heavy-tailed laws")


def test_extreme_parameters_do_not_crash():
    # regression: the variance of normal(0, 1e200) raised OverflowError, an "internal error" here
    data = strict_json(run("path", "normal(0, 1e200)", "normal(0, 1)", "-m", "w2", "-t", "0.5", "--json").stdout)
    assert data["points"][0]["distribution"]["var"] == "inf"
    data = strict_json(run("distance", "normal(0, 1e200)", "normal(0, 1)", "--json").stdout)  # all three metrics
    assert data["distances"]["wasserstein"] == 1e200 - 1 and data["distances"]["fisher-np"] == pytest.approx(math.pi)
    data = strict_json(run("distance", "exponential(1e-300)", "exponential(1e300)", "-m", "fisher", "--json").stdout)
    assert data["distances"]["fisher"] == pytest.approx(600 * math.log(10), rel=1e-14, abs=0)


def test_python_dash_m():
    ok = subprocess.run([sys.executable, "-m", "geoanim", "distance", "normal(-4, 1)", "normal(4, 1)", "--json"],
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and ok.stderr == ""
    assert strict_json(ok.stdout)["distances"]["wasserstein"] == 8.0
    bad = subprocess.run([sys.executable, "-m", "geoanim", "path", "normal(-4, -1)", "normal(0, 1)"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.splitlines() == ["geoanim: error: normal: `std` must be > 0 (got -1)",
                                       "  normal(-4, -1)", "             ^^"]


def test_no_python_warnings_on_stderr():
    # regression: "1and 2" made the parser print "<unknown>:1: SyntaxWarning: invalid decimal literal"
    bad = subprocess.run([sys.executable, "-W", "default", "-m", "geoanim", "distance", "normal(0, 1and 2)",
                          "normal(0, 1)"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == ["geoanim: error: unsupported syntax in spec: boolean operator",
                                       "  normal(0, 1and 2)", "            ^^^^^^"]
