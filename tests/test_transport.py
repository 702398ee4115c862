"""Discrete optimal transport (geoanim/paths/transport.py): exactness against the LP optimum and the
1-D closed form, the certified bracket, the size limits and refusals, and the samples() file checks
that keep a cloud's input from hanging or exhausting memory."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import ot
import pytest

import geoanim
from geoanim import families as fam
from geoanim.errors import GeoanimError, UnsupportedError, ValidationError
from geoanim.families import clouds
from geoanim.paths import transport

P = geoanim.parse


def lp_optimum(x, a, y, b) -> float:
    """W2² by POT's dense network simplex on the full cost matrix (the reference)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    cost = transport.squared_distances(x, y)
    return float(ot.emd2(a / a.sum(), b / b.sum(), cost, numItermax=10**8))


def coupling_cost(c: transport.Coupling, x, y) -> float:
    return float(c.mass @ ((np.asarray(x)[c.rows] - np.asarray(y)[c.cols]) ** 2).sum(axis=1))


def assert_marginals(c: transport.Coupling, a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.bincount(c.rows, c.mass, len(a)) == pytest.approx(a / a.sum(), abs=1e-12)
    assert np.bincount(c.cols, c.mass, len(b)) == pytest.approx(b / b.sum(), abs=1e-12)


def monotone_w2(s, a, t, b) -> float:
    """W2 between weighted points on a line: ∫₀¹ (F⁻¹ - G⁻¹)², F⁻¹ and G⁻¹ step functions."""
    i, j = np.argsort(s), np.argsort(t)
    s, a, t, b = s[i], a[i] / a.sum(), t[j], b[j] / b.sum()
    ca, cb = np.cumsum(a), np.cumsum(b)
    levels = np.union1d(ca / ca[-1], cb / cb[-1])
    widths = np.diff(np.concatenate([[0.0], levels]))
    mids = levels - widths / 2
    qs = s[np.minimum(np.searchsorted(ca / ca[-1], mids), len(s) - 1)]
    qt = t[np.minimum(np.searchsorted(cb / cb[-1], mids), len(t) - 1)]
    return math.sqrt(float(widths @ (qs - qt) ** 2))


# ---------------------------------------------------------------------------------------------
# exactness
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_small_problems_reach_the_lp_optimum(seed):
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 50, size=2)
    x = rng.normal(size=(n, 2)) * rng.uniform(0.2, 4)
    y = rng.normal(size=(m, 2)) * rng.uniform(0.2, 4) + rng.normal(size=2) * 3
    if seed % 4 == 0:
        x, y = np.round(x), np.round(y)  # ties and repeated points
    a = np.ones(n) if seed % 3 == 0 else rng.uniform(0, 1, n) ** 3
    b = np.ones(m) if seed % 3 == 0 else rng.uniform(0, 1, m) ** 3
    c = transport.optimal_coupling(x, a, y, b)
    ref = lp_optimum(x, a, y, b)
    assert c.exact and c.method.startswith("exact")
    assert_marginals(c, a, b)
    assert c.distance ** 2 == pytest.approx(ref, rel=1e-12, abs=1e-300)
    assert coupling_cost(c, x, y) == pytest.approx(ref, rel=1e-12, abs=1e-300)
    assert c.lower <= c.distance and c.lower == pytest.approx(c.distance, rel=1e-9)


@pytest.mark.parametrize("uniform", [True, False])
def test_candidate_rounds_reach_the_lp_optimum(uniform):
    # 700 x 600 = 420,000 pairs: above the size where the solver sees every pair, so this runs the
    # coarse-to-fine candidates and the duality certificate
    rng = np.random.default_rng(7)
    x = rng.normal(size=(700, 2))
    x[::3] += [4.0, 0.0]  # two lumps to one: a map far from affine
    y = rng.normal(size=(600, 2)) * [0.5, 2.0] + [1.0, 1.0]
    a = np.ones(700) if uniform else rng.uniform(0.2, 1.0, 700)
    b = np.ones(600) if uniform else rng.uniform(0.2, 1.0, 600)
    c = transport.optimal_coupling(x, a, y, b)
    assert c.exact and "certified" in c.method and "candidate pairs" in c.method
    assert_marginals(c, a, b)
    assert c.distance ** 2 == pytest.approx(lp_optimum(x, a, y, b), rel=1e-11)


def test_both_orders_give_the_same_float():
    # the mass imbalance 1e-13 between the clouds' first points is all of W2² here, and it carries the
    # rounding of the weights' normalisation: solved in either orientation, d(p, q) and d(q, p)
    # differed at 2e-4 relative. One orientation for both orders makes them the same float.
    p = P("points2d([[1e-12, -1], [-1, -1e-300], [1e-12, -1]], "
          "[0.0004997501249375312, 0.49975012493753124, 0.49975012493753124])")
    q = P("points2d([[1.00000000000008e-12, -1.0000000000003373], [-0.9999999999991395, -1e-300], [1e-12, -1]], "
          "[0.0004997501249376768, 0.499750124937637, 0.4997501249374254])")
    assert geoanim.distance(p, q, "wasserstein") == geoanim.distance(q, p, "wasserstein")
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(200, 2)) + 1
    a, b = rng.uniform(size=300), rng.uniform(size=200)
    forward, backward = transport.optimal_coupling(x, a, y, b), transport.optimal_coupling(y, b, x, a)
    assert forward.distance == backward.distance and forward.rows.tolist() == backward.cols.tolist()


def test_equal_uniform_clouds_get_a_permutation():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(800, 2)), rng.uniform(-2, 2, size=(800, 2))
    c = transport.optimal_coupling(x, np.ones(800), y, np.ones(800))
    # a vertex of the Birkhoff polytope: every point moves whole, to one partner
    assert len(c.rows) == 800 and sorted(c.rows) == list(range(800)) and sorted(c.cols) == list(range(800))
    assert c.mass == pytest.approx(np.full(800, 1 / 800), rel=1e-12)


@pytest.mark.parametrize("n, m", [(40, 30), (1500, 1000)])
def test_clouds_on_a_line_match_the_monotone_coupling(n, m):
    # points on a tilted line far from the origin: W2 is the 1-D closed form along the line
    rng = np.random.default_rng(n)
    s, t = rng.normal(size=n), np.concatenate([rng.uniform(-3, 5, m - 3), [7.0, 7.0, -6.0]])
    a, b = rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, m)
    direction, origin = np.array([0.6, -0.8]), np.array([1e4, -3e4])
    c = transport.optimal_coupling(s[:, None] * direction + origin, a, t[:, None] * direction + origin, b)
    assert c.exact
    assert c.distance == pytest.approx(monotone_w2(s, a, t, b), rel=1e-12)


def test_the_route_uses_it_and_matches_the_1d_route():
    s, t = [0.0, 1.0, 5.0], [2.0, 2.5, 9.0, 10.0]
    a, b = [0.2, 0.3, 0.5], [0.1, 0.4, 0.25, 0.25]
    plane = geoanim.geodesic(fam.Points2D(tuple((v, 0.0) for v in s), tuple(a)),
                             fam.Points2D(tuple((v, 0.0) for v in t), tuple(b)), "wasserstein")
    line = geoanim.geodesic(fam.Points(tuple(s), tuple(a)), fam.Points(tuple(t), tuple(b)), "wasserstein")
    assert plane.method == "exact (optimal coupling)"
    assert plane.length == pytest.approx(line.length, rel=1e-14)
    # displacement interpolation has constant speed
    assert geoanim.distance(plane.start, plane(0.4), "wasserstein") == pytest.approx(0.4 * plane.length, rel=1e-12)


# ---------------------------------------------------------------------------------------------
# extreme inputs: computed stably, or refused in one line
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e154, 1e300])
def test_extreme_scales_are_computed_stably(scale):
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(25, 2)) + [2.0, 0.0]
    ref = transport.optimal_coupling(x, np.ones(30), y, np.ones(25))
    c = transport.optimal_coupling(x * scale, np.ones(30), y * scale, np.ones(25))
    assert c.exact and c.distance == pytest.approx(ref.distance * scale, rel=1e-13)
    # far from the origin: the costs are formed from the centred clouds, without cancellation
    shifted = transport.optimal_coupling(x + 1e9, np.ones(30), y + 1e9, np.ones(25))
    xs, ys = x + 1e9, y + 1e9  # the rounded inputs: compare with their exact optimum
    assert shifted.distance ** 2 == pytest.approx(lp_optimum(xs, np.ones(30), ys, np.ones(25)), rel=1e-12)


def test_differences_far_below_the_coordinates_are_not_lost():
    x = np.array([[1.7e308, 0.0], [-1.7e308, 0.0]])
    y = np.array([[-1.7e308, 0.0], [1.7e308, 1.0]])
    c = transport.optimal_coupling(x, [1, 1], y, [1, 1])
    assert c.distance == pytest.approx(math.sqrt(0.5), rel=1e-15)  # x1 -> y2 by 1, x2 -> y1 by 0
    with pytest.raises(UnsupportedError, match="largest float"):
        transport.optimal_coupling([[1.7e308, 0.0]], [1], [[-1.7e308, 0.0]], [1])


@pytest.mark.parametrize("change, needle", [
    ({"a": [np.nan, 1.0]}, "source weights must be finite"),
    ({"b": [np.inf]}, "target weights must be finite"),
    ({"a": [-1.0, 2.0]}, ">= 0"),
    ({"a": [0.0, 0.0]}, "not all 0"),
    ({"x": [[np.nan, 0.0], [1.0, 1.0]]}, "source points must be finite"),
    ({"y": [[np.inf, 0.0]]}, "target points must be finite"),
    ({"a": [1.0]}, "one weight per point"),
    ({"y": [[0.0, 0.0, 1.0]]}, "different dimensions"),
    ({"x": [["a", 0.0], [1.0, 1.0]]}, "real numbers"),
])
def test_bad_input_is_one_line_validation_error(change, needle):
    args = {"x": [[0.0, 0.0], [1.0, 1.0]], "a": [1.0, 1.0], "y": [[2.0, 2.0]], "b": [1.0]} | change
    with pytest.raises(ValidationError) as exc:
        transport.optimal_coupling(**args)
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_degenerate_clouds():
    c = transport.optimal_coupling(np.zeros((5, 2)), np.ones(5), np.ones((3, 2)), np.ones(3))
    assert c.exact and c.distance == pytest.approx(math.sqrt(2), rel=1e-15)
    c = transport.optimal_coupling([[1.0, 2.0]], [1.0], [[0.0, 0.0], [3.0, 2.0]], [1.0, 3.0])
    assert c.exact and c.distance == pytest.approx(math.sqrt(0.25 * 5 + 0.75 * 4), rel=1e-15)
    # zero weights are dropped, and the indices still point into the input
    c = transport.optimal_coupling([[0.0, 0.0], [9.0, 9.0]], [1.0, 0.0], [[1.0, 0.0], [2.0, 0.0]], [0.0, 1.0])
    assert c.rows.tolist() == [0] and c.cols.tolist() == [1] and c.distance == pytest.approx(2.0)


# ---------------------------------------------------------------------------------------------
# limits
# ---------------------------------------------------------------------------------------------


def test_above_the_exact_limit_the_approximation_is_labelled_and_brackets_w2():
    rng = np.random.default_rng(11)
    x, y = rng.normal(size=(400, 2)), rng.normal(size=(300, 2)) * [2.0, 0.5] + [3.0, 0.0]
    a, b = rng.uniform(0.5, 1, 400), rng.uniform(0.5, 1, 300)
    c = transport.optimal_coupling(x, a, y, b, max_exact_pairs=10_000)
    true = math.sqrt(lp_optimum(x, a, y, b))
    assert not c.exact and c.method.startswith("approximate") and "W2 in [" in c.method
    assert_marginals(c, a, b)  # still a coupling: its cost is an upper bound
    assert c.lower <= true <= c.distance * (1 + 1e-12)
    assert c.distance == pytest.approx(math.sqrt(coupling_cost(c, x, y)), rel=1e-12)


def test_the_route_labels_an_approximation(monkeypatch):
    rng = np.random.default_rng(2)
    p = fam.Points2D(tuple(map(tuple, rng.normal(size=(150, 2)))))
    q = fam.Points2D(tuple(map(tuple, rng.normal(size=(120, 2)) + 2)))
    exact = geoanim.geodesic(p, q, "wasserstein")
    monkeypatch.setattr(transport, "EXACT_MAX_PAIRS", 2_000)
    g = geoanim.geodesic(p, q, "wasserstein")
    assert g.method.startswith("approximate") and "W2 in [" in g.method
    lo, hi = (float(v) for v in g.method.split("W2 in [")[1].rstrip("]").split(", "))
    assert lo <= exact.length <= g.length and g.length == pytest.approx(hi, rel=1e-5)


def test_size_limits_refuse_before_allocating():
    with pytest.raises(UnsupportedError, match="the limit is 1 MiB") as exc:
        transport.squared_distances(np.zeros((400, 2)), np.zeros((400, 2)), max_bytes=2**20)
    assert "\n" not in str(exc.value)
    too_many = np.zeros((transport.MAX_POINTS + 1, 2))
    with pytest.raises(UnsupportedError, match=f"the limit is {transport.MAX_POINTS:,}"):
        transport.optimal_coupling(too_many, np.ones(len(too_many)), [[0.0, 0.0]], [1.0])


def test_squared_distances_is_exact_without_cancellation():
    # |x|² + |y|² - 2 x·y loses everything here: 2e16 - 2e16 in float64 has no digits left for the 1
    x = np.array([[1e8, 1e8], [0.0, 0.0]])
    y = np.array([[1e8 + 1.0, 1e8], [3.0, 4.0]])
    exact = [[1, (10**8 - 3) ** 2 + (10**8 - 4) ** 2], [2 * 10**16 + 2 * 10**8 + 1, 25]]
    d = transport.squared_distances(x, y)
    assert d[0, 0] == 1.0 and d[1, 1] == 25.0
    assert d == pytest.approx(np.array(exact, dtype=float), rel=2e-16)


# ---------------------------------------------------------------------------------------------
# samples(): regular files of bounded size only
# ---------------------------------------------------------------------------------------------


def parse_error(spec: str) -> str:
    with pytest.raises(GeoanimError) as exc:
        P(spec)
    message = str(exc.value).splitlines()[0]
    assert message.startswith("samples: ")
    return message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_a_fifo_fails_fast(tmp_path):
    fifo = tmp_path / "cloud.csv"
    os.mkfifo(fifo)
    # in a child process with a timeout: a regression that blocks on the FIFO cannot hang the suite
    code = f"import geoanim\ntry:\n    geoanim.parse('samples(\"{fifo}\")')\nexcept Exception as e:\n    print(e)\n"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "is a FIFO (named pipe), not a regular file" in run.stdout, run.stdout + run.stderr


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_a_device_fails():
    assert "is a character device, not a regular file" in parse_error('samples("/dev/zero")')


def test_a_directory_fails(tmp_path):
    (tmp_path / "d.csv").mkdir()
    assert "is a directory, not a regular file" in parse_error(f'samples("{tmp_path / "d.csv"}")')


def test_a_too_large_file_fails_naming_the_limit(tmp_path):
    big = tmp_path / "big.csv"
    with open(big, "wb") as fh:
        fh.truncate(clouds.MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing must be read
    message = parse_error(f'samples("{big}")')
    assert f"{clouds.MAX_FILE_BYTES + 1} bytes" in message and "limited to 64 MiB" in message


def test_a_csv_with_too_many_rows_stops_parsing(tmp_path, monkeypatch):
    monkeypatch.setattr(clouds, "MAX_SAMPLES", 5)
    csv = tmp_path / "c.csv"
    csv.write_text("x,y\n" + "0,1\n" * 6)
    assert "more than 5 points" in parse_error(f'samples("{csv}")')
    csv.write_text("# a comment\r\nx,y\r\n" + "0,1\r\n" * 5)  # CRLF, a header and a comment
    assert len(P(f'samples("{csv}")').atoms2d()[0]) == 1


def test_weights_near_the_float_limit_normalise(tmp_path):
    # 1e308 + 1e308 overflows: dividing by the sum gave weights of 0 (and no valid cloud)
    csv = tmp_path / "w.csv"
    csv.write_text("x,y,w\n0,0,1e308\n1,1,1e308\n2,0,5e307\n")
    locs, w = P(f'samples("{csv}")').atoms2d()
    assert w.tolist() == [0.4, 0.4, 0.2] and locs.tolist() == [[0, 0], [1, 1], [2, 0]]
    c = transport.optimal_coupling(locs, [1e308, 1e308, 5e307], [[0.0, 0.0]], [1e308])
    assert c.mass == pytest.approx([0.4, 0.4, 0.2], rel=1e-15)
    assert c.distance == pytest.approx(math.sqrt(0.4 * 2 + 0.2 * 4), rel=1e-15)


def test_the_cloud_interpolant_keeps_shared_coordinates_exactly():
    # x + t (y - x): a coordinate both ends of a pair share stays put; (1 - t) x + t y moved 0.3 by an
    # ulp at 10 of 99 times, 7.7 at 38
    p = fam.Points2D(((0.1, 0.3), (2.0, 7.7)))
    q = fam.Points2D(((0.7, 0.3), (5.0, 7.7)))
    g = geoanim.geodesic(p, q, "wasserstein")
    for t in np.linspace(0, 1, 101)[1:-1]:
        assert sorted(y for _, y in g(t).locations) == [0.3, 7.7]
    # and where y - x overflows the pair still moves, finitely and straight
    p = fam.Points2D(((1.7e308, 0.0), (0.0, 0.0)), (1e-4, 1 - 1e-4))
    q = fam.Points2D(((-1.7e308, 0.0), (0.0, 1.0)), (1e-4, 1 - 1e-4))
    g = geoanim.geodesic(p, q, "wasserstein")
    locs = np.array(g(0.5).locations)
    assert np.all(np.isfinite(locs)) and g(0.25).locations != g(0.75).locations
