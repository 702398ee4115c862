"""Planar frames tell the truth at the size they are shown: the data fills the panels, densities show
their tails in clear bands, atoms in one pixel are one dot of their summed mass, a cloud's label says
what its count means mid-path, trails stay see-through, and the default 2-D GIF stays small."""

from __future__ import annotations

import math

import numpy as np
import pytest

import geoanim
from geoanim import families as fam
from geoanim.rendering import artists, layout

ISSUE = ("mvnormal([0,0],[[1,0],[0,1]])", "mvnormal([4,1],[[0.3,0],[0,3]])")  # the issue's example


def paths_for(p, q, metrics=("fisher", "wasserstein")):
    a, b = geoanim.parse(p), geoanim.parse(q)
    return [geoanim.geodesic(a, b, m) for m in metrics]


def make_plan(paths, **kw):
    return layout.plan(paths, layout.timeline(kw.pop("frames", 11), fps=20), **kw)


def density_cover(panel) -> tuple[float, float]:
    """The fraction of the panel's width and height spanned by the density drawn (its faintest band and
    above) in any frame."""
    window = panel.sampler.window
    shown = np.zeros(window.xy.shape[:2], dtype=bool)
    for t in np.linspace(0, 1, 11):
        image = panel.sampler(float(t)).image
        shown |= np.nan_to_num(image / panel.vmax) >= artists.DENSITY_BANDS[0]
    pts = window.xy[shown]
    (x0, x1), (y0, y1) = panel.xlim, panel.ylim
    return float(np.ptp(pts[:, 0]) / (x1 - x0)), float(np.ptp(pts[:, 1]) / (y1 - y0))


# ---------------------------------------------------------------------------------------------
# the data fills the panels
# ---------------------------------------------------------------------------------------------


def panel_aspect(plan) -> float:
    left, bottom, width, height = plan.panels[0].rect
    return (width * plan.width) / (height * plan.height)


def data_aspect(paths) -> float:
    (x0, x1), (y0, y1) = layout.plane_limits(paths)
    return float(np.clip((x1 - x0) / (y1 - y0), *layout.PLANAR_ASPECT))


def test_default_planar_frame_is_shaped_by_the_data():
    # the issue's pair: the default frame's panels take the data's shape, and the density drawn (its
    # faintest band, in any frame) spans most of both axes; the old 1020x420 frame spanned 64% of the height
    paths = paths_for(*ISSUE)
    plan = make_plan(paths)
    assert panel_aspect(plan) == pytest.approx(data_aspect(paths), rel=0.02)
    for panel in plan.panels:
        wide, high = density_cover(panel)
        assert wide > 0.7 and high > 0.8, (wide, high)  # W2 (0.75 wide) shares Fisher-Rao's swollen x range


def test_wide_data_gets_a_wide_short_frame():
    # two blobs 8 apart side by side: the default frame is short, the panels as wide as PLANAR_ASPECT allows
    paths = paths_for("mvnormal([-4, 0], [[1, 0.3], [0.3, 0.6]])", "mvnormal([4, 0], [[1, 0.3], [0.3, 0.6]])")
    plan = make_plan(paths)
    assert panel_aspect(plan) == pytest.approx(layout.PLANAR_ASPECT[1], rel=0.02)  # the data's 3.5, clamped
    wide, high = density_cover(plan.panels[0])
    assert wide > 0.75 and high > 0.4, (wide, high)  # at 1020x420 the blobs spanned 15% of the height
    # a size given is kept
    assert (make_plan(paths, size=(640, 300)).width, make_plan(paths, size=(640, 300)).height) == (640, 300)


def test_the_faintest_band_reaches_two_and_a_half_sigma():
    # N(0, I) at t = 0: a pixel 2.4 sd below the mean is drawn (the old linear bands floored the
    # density there, 5.6% of the peak, to nothing), one 2.75 sd away is not
    plan = make_plan(paths_for("mvnormal([0,0],[[1,0],[0,1]])", "mvnormal([6,0],[[1,0],[0,1]])", ("wasserstein",)))
    fr = artists.FrameRenderer(plan)
    try:
        frame = np.asarray(fr.frame(0.0))[:, :, :3].astype(int)
        ax = fr.fig.axes[0]
        bg = np.array(layout.rgb(plan.theme.bg))

        def pixel(x, y):
            px, py = ax.transData.transform((x, y))
            return frame[int(round(plan.height - py)), int(round(px))]

        assert np.abs(pixel(0.0, -2.4) - bg).sum() > 10
        assert np.abs(pixel(0.0, -2.75) - bg).sum() == 0
    finally:
        fr.close()


# ---------------------------------------------------------------------------------------------
# atoms: summed per pixel, labelled by what their count means
# ---------------------------------------------------------------------------------------------


def test_atoms_in_one_pixel_are_one_dot_of_their_summed_mass():
    rng = np.random.default_rng(3)
    cells = rng.choice(100 * 100, size=200, replace=False)  # 200 atoms in distinct pixels of a 100 x 100 grid
    atoms = np.column_stack([cells % 100, cells // 100]) * 0.1 + rng.uniform(0.01, 0.09, size=(200, 2))
    masses = rng.uniform(0.5, 1.5, size=200)
    masses /= masses.sum()
    twins = atoms[:50] + 1e-3  # pieces a hundredth of a pixel from the first 50 atoms
    locs, m = np.vstack([atoms, twins]), np.concatenate([masses, masses[:50]])
    out, mass = layout.pixel_atoms(locs, m, unit=0.1, origin=(0.0, 0.0))
    assert len(out) == 200 and mass.sum() == pytest.approx(m.sum(), rel=1e-12)
    i = int(np.argmin(np.abs(out - atoms[0]).sum(axis=1)))
    assert mass[i] == pytest.approx(2 * masses[0], rel=1e-12)
    assert out[i] == pytest.approx(atoms[0] + 0.5e-3, abs=1e-12)  # at the pair's mass-weighted mean
    # an atom alone in its pixel keeps its exact place; no unit (no pixel size known): nothing merged
    lone = int(np.argmin(np.abs(out - atoms[100]).sum(axis=1)))
    assert np.array_equal(out[lone], atoms[100])
    assert layout.pixel_atoms(locs, m, None)[0] is locs


def test_a_w2_plan_splitting_a_point_shows_the_mass_that_is_there():
    # 2 points to 3: the optimal plan cuts each source point into pieces that start at one place; just
    # after t = 0 they are drawn as 2 dots of mass 1/2, not 4 overlapping dots of the pieces' masses
    p = geoanim.parse("points2d([[0, 0], [0, 2]])")
    q = geoanim.parse("points2d([[4, 0], [4, 1], [4, 2]])")
    path = geoanim.geodesic(p, q, "wasserstein")
    assert len(path(1e-4).atoms2d()[1]) == 4
    plan = make_plan([path])
    snap = plan.panels[0].sampler(1e-4)
    assert np.sort(snap.masses) == pytest.approx([0.5, 0.5], rel=1e-12)
    assert len(plan.panels[0].sampler(0.5).masses) == 4  # apart, they are four pieces again


def test_a_cloud_label_says_what_its_count_means_mid_path():
    p = geoanim.parse("points2d([[0, 0], [0, 1], [0, 2]])")
    q = geoanim.parse("points2d([[4, 0], [4, 2]])")
    plan = make_plan([geoanim.geodesic(p, q, m) for m in ("wasserstein", "fisher")])
    w2, fr = plan.panels
    assert [w2.sampler(t).label for t in (0.0, 0.5, 1.0)] == \
        ["3 \u2192 2 points", "4 pieces, 3 \u2192 2 points", "3 \u2192 2 points"]
    assert fr.sampler(0.5).label == "5 pieces, 3 \u2192 2 points"  # the cross-fade holds both clouds
    assert layout.cloud_label(48, 48, 48) == "48 points" and layout.cloud_label(1, 1, 1) == "1 point"


def test_a_normal_keeps_its_own_label_next_to_clouds():
    paths = paths_for("mvnormal([0,0],[[1,0],[0,1]])", "points2d([[3, 3]])", ("fisher-np",))
    snap = make_plan(paths).panels[0].sampler(0.5)
    assert "pieces" not in snap.label


# ---------------------------------------------------------------------------------------------
# trails, the means panel, the GIF
# ---------------------------------------------------------------------------------------------


def test_trails_fade_and_thin_as_they_multiply_and_are_capped():
    styles = [layout.trail_style(n) for n in (10, 40, 100, 300, 1000)]
    alphas, widths = zip(*styles)
    assert all(a >= b for a, b in zip(alphas, alphas[1:])) and alphas[1] > alphas[3] > 0
    assert all(a >= b for a, b in zip(widths, widths[1:])) and widths[1] > widths[3] > 0
    # 40 lines of alpha 0.3 or 300 of alpha 0.11 leave a pixel crossed by a tenth of them see-through
    for n, (alpha, _) in zip((40, 300), (styles[1], styles[3])):
        assert 1 - (1 - alpha) ** (n / 10) < 0.97
    rng = np.random.default_rng(0)

    def cloud(points):
        return geoanim.parse("points2d([" + ", ".join(f"[{x:.4f}, {y:.4f}]" for x, y in points) + "])")

    path = geoanim.geodesic(cloud(rng.normal(size=(400, 2))), cloud(rng.normal(size=(400, 2)) + 5), "wasserstein")
    trails = make_plan([path], trails=True).panels[0].trails
    assert trails is not None and len(trails) == layout.MAX_TRAILS


def test_the_means_panel_draws_few_ellipses_and_holds_every_frame():
    paths = paths_for(*ISSUE)
    plan = make_plan(paths)
    ps = plan.param
    assert ps is not None and ps.kind == "means" and ps.ends
    assert all(len(ells) == 3 for ells in ps.ellipses)  # t = 0, 0.5 and 1; the old panel drew 5 per path
    for path in paths:
        for t in np.linspace(0, 1, 21):
            d = path(float(t))
            assert isinstance(d, fam.MVNormal)
            e = layout.ellipse(d.mu, d.sigma)
            assert ps.xlim[0] <= e[:, 0].min() and e[:, 0].max() <= ps.xlim[1]
            assert ps.ylim[0] <= e[:, 1].min() and e[:, 1].max() <= ps.ylim[1]


def test_the_means_panel_leaves_out_paths_that_leave_the_normals():
    paths = paths_for("mvnormal([-2.5, 0], [[1, 0], [0, 1]])", "mvnormal([2.5, 0.5], [[2, 0.6], [0.6, 0.6]])",
                      ("wfr(1)", "wasserstein"))
    ps = make_plan(paths, size=(720, 260)).param
    assert ps is not None and ps.left_out == (paths[0].title,)
    assert len(ps.ellipses[0]) == 2  # the ends' ellipses only: no straight line from start to end


def test_mass_levels_are_a_normals_ellipses():
    # the region holding 1 - exp(-1/2) of a normal's mass is its 1-sigma ellipse, 1 - exp(-2) its 2-sigma one
    xs = np.linspace(-5, 5, 401)
    X, Y = np.meshgrid(xs, xs)
    image = np.exp(-(X ** 2 + Y ** 2) / 2)
    levels = layout.mass_levels(image)
    assert levels == pytest.approx([math.exp(-0.5), math.exp(-2.0)], rel=0.02)
    assert layout.mass_levels(np.zeros((3, 3))) == []


def test_default_planar_gif_is_well_under_a_megabyte(tmp_path):
    # the issue's example at the default size and length: 1,303,983 bytes before (1020x420, seven
    # bands floored, 150x150 nearest); 877,585 after (1020x345, measured); the bound leaves 8%
    out = tmp_path / "x.gif"
    anim = geoanim.render(paths_for(*ISSUE), out)
    assert anim.frames >= 80  # the default 4 s at 20 fps (holds are one long frame each)
    assert out.stat().st_size < 950_000
