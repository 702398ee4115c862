"""Every frame tells the truth at the size it is shown: stems carry the mass in their pixels, sub-pixel
dips are not drawn as lines, cut peaks are marked, parameter panels show direction, colours stay apart,
and text stays inside the canvas. Pixel tests read the drawn frame back."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import geoanim
from geoanim.cli import app
from geoanim.errors import ValidationError
from geoanim.options import RenderOptions
from geoanim.rendering import colors as colors_mod
from geoanim.rendering import layout
from geoanim.rendering.artists import FrameRenderer, tick_bins

runner = CliRunner()


def paths_for(p, q, metrics=("fisher", "wasserstein")):
    a, b = geoanim.parse(p), geoanim.parse(q)
    return [geoanim.geodesic(a, b, m) for m in metrics]


def make_plan(paths, **kw):
    return layout.plan(paths, layout.timeline(kw.pop("frames", 21), fps=20), **kw)


def frame_at(plan, t):
    fr = FrameRenderer(plan)
    try:
        return np.asarray(fr.frame(t))[:, :, :3].copy(), fr
    finally:
        fr.close()


def panel_box(plan, i):
    """(x0, x1, y_top_row, y_bottom_row) of panel i's axes in pixel rows (row 0 at the top)."""
    left, bottom, width, height = plan.panels[i].rect
    W, H = plan.width, plan.height
    return (int(round(left * W)), int(round((left + width) * W)), int(round((1 - bottom - height) * H)),
            int(round((1 - bottom) * H)))


def drawn_stems(frame, plan, i):
    """The stems drawn in panel i, read from the pixels: [(x in data units, height in data units)].

    A stem is a run of columns holding the panel's colour; its height is the centre of the dot on top
    (the rows where the run is wider than the stem line)."""
    panel = plan.panels[i]
    x0, x1, top, bottom = panel_box(plan, i)
    color = np.array(layout.rgb(panel.color))
    region = frame[top:bottom + 1, x0:x1 + 1].astype(int)
    mask = np.abs(region - color).sum(axis=2) < 40
    cols = np.flatnonzero(mask.any(axis=0))
    groups = np.split(cols, np.flatnonzero(np.diff(cols) > 1) + 1)
    stems = []
    for g in groups:
        if g.size == 0:
            continue
        widths = mask[:, g].sum(axis=1)
        line = np.median(widths[widths > 0])
        dot_rows = np.flatnonzero(widths > line + 1)
        row = dot_rows.mean() if dot_rows.size else np.flatnonzero(widths)[0]
        y_px = bottom - (row + top)  # pixels above the axis line
        height = y_px / (bottom - top) * (panel.ylim[1] - panel.ylim[0])
        xc = (g.mean() / (x1 - x0)) * (panel.xlim[1] - panel.xlim[0]) + panel.xlim[0]
        stems.append((xc, height))
    return stems


# ---------------------------------------------------------------------------------------------
# stems: the mass in a pixel column
# ---------------------------------------------------------------------------------------------


def test_pixel_stems_sum_coincident_pieces():
    locs = np.array([0.0, 0.0, 1.0, 1.0 + 1e-9, 5.0])
    masses = np.array([1 / 3, 1 / 6, 1 / 6, 1 / 3, 0.0])
    x, m = layout.pixel_stems(locs, masses, unit=0.01)
    assert np.allclose(x[:2], [0.0, 1.0]) and np.allclose(m[:2], [0.5, 0.5])
    assert m.sum() == pytest.approx(masses.sum())
    assert x[-1] == 5.0  # a lone piece keeps its exact place


def test_pixel_stems_groups_never_span_more_than_the_reach():
    locs = np.linspace(0, 1, 1001)  # a piece every 0.1 px: greedy groups, not one chain
    x, m = layout.pixel_stems(locs, np.full(locs.size, 1e-3), unit=0.01, reach=3.0)
    assert 30 <= x.size <= 40
    assert np.all(np.diff(x) > 0.02)
    assert m.sum() == pytest.approx(1.001)


def test_pixel_stems_leave_separate_atoms_alone():
    locs, masses = np.array([0.0, 1.0, 2.0]), np.array([0.2, 0.3, 0.5])
    x, m = layout.pixel_stems(locs, masses, unit=0.01)
    assert np.array_equal(x, locs) and np.array_equal(m, masses)


@pytest.mark.parametrize("t", [0.01, 0.99])
def test_drawn_stems_show_the_mass_that_is_there(t):
    # W2 from two atoms to three splits each atom into pieces that leave together: at t = 0.01 the
    # reader must see 1/2 at each starting place (not 1/3 and 1/6), at t = 0.99 1/3 at each end
    paths = paths_for("points([0, 1])", "points([-1, 0.5, 2])", ("wasserstein",))
    plan = make_plan(paths, size=(480, 320))
    frame, _ = frame_at(plan, t)
    stems = drawn_stems(frame, plan, 0)
    heights = sorted(h for _, h in stems)
    want = [0.5, 0.5] if t < 0.5 else [1 / 3, 1 / 3, 1 / 3]
    assert len(stems) == len(want), stems
    assert np.allclose(heights, want, atol=0.025), stems
    assert sum(heights) == pytest.approx(1.0, abs=0.05)


def test_one_stem_style_for_the_whole_animation():
    # Poisson W2 splits into many pieces mid-path but shows few at the ends: the panel decides once
    paths = paths_for("poisson(2)", "poisson(30)", ("wasserstein",))
    plan = make_plan(paths)
    assert plan.panels[0].many_atoms
    fr = FrameRenderer(plan)
    try:
        dots = [a for a in fr.animated if getattr(a, "get_marker", lambda: None)() == "o"]
        assert not dots  # no dots are drawn in any frame of a many-stem panel
    finally:
        fr.close()
    few = make_plan(paths_for("points([0, 1])", "points([-1, 0.5, 2])", ("wasserstein",)))
    assert not few.panels[0].many_atoms


# ---------------------------------------------------------------------------------------------
# sub-pixel notches
# ---------------------------------------------------------------------------------------------


def test_close_notches_fills_only_dips_narrower_than_a_pixel():
    x = np.linspace(0, 10, 2001)  # 0.005 apart
    y = np.exp(-((x - 5) ** 2))
    notch = (x > 4.99) & (x < 5.006)
    y_notched = np.where(notch, 0.0, y)
    closed = layout.close_notches(x, y_notched, unit=0.05)
    assert np.all(closed[notch] > 0.9)  # the 0.016-wide gap is under a 0.05-wide pixel: filled
    assert np.max(np.abs(closed - y)) < 0.01  # and the smooth curve is unchanged to a pixel
    wide = (x > 4.8) & (x < 5.2)
    kept = layout.close_notches(x, np.where(wide, 0.0, y), unit=0.05)
    assert np.all(kept[(x > 4.86) & (x < 5.14)] == 0.0)  # a gap several pixels wide stays drawn
    spike = y.copy()
    spike[1000] = 50.0
    assert layout.close_notches(x, spike, unit=0.05)[1000] == 50.0  # peaks are never lowered


def test_w2_gap_closing_under_a_pixel_is_not_drawn_as_a_line():
    # disjoint uniforms to a normal: W2 shrinks the gap between them, 2(1 - t) wide
    paths = paths_for("0.5*uniform(-3, -1) + 0.5*uniform(1, 3)", "normal(0, 1)", ("wasserstein",))
    plan = make_plan(paths, size=(480, 320))
    snap = plan.panels[0].sampler(0.995)  # the gap is 0.01 wide, a fraction of a pixel
    y = np.interp([-0.003, 0.0, 0.003], snap.curve_x, snap.curve_y)
    shoulders = np.interp([-0.2, 0.2], snap.curve_x, snap.curve_y)
    assert y.min() > 0.8 * shoulders.min()
    wide = plan.panels[0].sampler(0.5)  # a gap of 1: many pixels, drawn
    assert np.interp(0.0, wide.curve_x, wide.curve_y) == 0.0


# ---------------------------------------------------------------------------------------------
# clipping, marked
# ---------------------------------------------------------------------------------------------


def test_cut_peaks_are_marked_and_stay_below_the_label_band():
    paths = paths_for("normal(0, 0.1)", "normal(0, 3)")
    plan = make_plan(paths, size=(720, 320))
    panel = plan.panels[0]
    assert panel.ceiling < 3.9  # the spike (height 3.99) is cut ...
    frame, _ = frame_at(plan, 0.0)
    x0, x1, top, bottom = panel_box(plan, 0)
    color = np.array(layout.rgb(panel.color))
    mask = np.abs(frame[:, x0:x1].astype(int) - color).sum(axis=2) < 60
    ceiling_row = bottom - panel.ceiling / panel.ylim[1] * (bottom - top)
    rows = np.flatnonzero(mask.any(axis=1))
    band = rows[(rows >= top) & (rows < ceiling_row - 2)]
    assert band.size, "no mark above the cut"
    # ... and what is drawn above the cut is the small mark, not the curve running to the panel top
    assert band.size < 0.6 * (ceiling_row - top)
    late, _ = frame_at(plan, 1.0)  # at t = 1 nothing is cut: no mark
    late_mask = np.abs(late[:, x0:x1].astype(int) - color).sum(axis=2) < 60
    late_rows = np.flatnonzero(late_mask.any(axis=1))
    assert not ((late_rows >= top) & (late_rows < ceiling_row - 2)).any()


def test_ylim_policies():
    paths = paths_for("normal(0, 0.1)", "normal(0, 3)")
    peak = 1 / (0.1 * np.sqrt(2 * np.pi))
    assert make_plan(paths, ylim="peak").panels[0].ceiling == pytest.approx(peak, rel=1e-3)
    assert make_plan(paths, ylim=0.5).panels[0].ceiling == 0.5
    assert make_plan(paths).panels[0].ceiling < peak
    with pytest.raises(ValidationError, match="ylim"):
        RenderOptions(ylim="tall")
    with pytest.raises(ValidationError, match="ylim"):
        RenderOptions(ylim=-1)
    assert RenderOptions(ylim="2.5").ylim == 2.5


def test_ylim_on_the_command_line(tmp_path):
    out = tmp_path / "x.png"
    res = runner.invoke(app, ["render", "normal(0,0.1)", "normal(0,3)", "--ylim", "peak", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["render", "normal(0,0.1)", "normal(0,3)", "--ylim", "high", "-o", str(out), "-q"])
    assert bad.exit_code == 2 and "ylim" in bad.output


# ---------------------------------------------------------------------------------------------
# the parameter panel shows direction, and no marker hides another
# ---------------------------------------------------------------------------------------------


def test_param_markers_nest_and_ends_are_labelled():
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    plan = make_plan(paths)
    fr = FrameRenderer(plan)
    try:
        ax = fr.fig.axes[-1]
        words = {t.get_text() for t in ax.texts}
        assert {"start", "end"} <= words
        arrows = [t for t in ax.texts if t.arrow_patch is not None]
        assert len(arrows) == 2  # one per path, half way along it
        moving = [a for a in fr.animated if a.axes is ax and a.get_marker() == "o"]
        sizes = [m.get_markersize() for m in moving]
        assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[1] + 2
    finally:
        fr.close()


def test_both_paths_markers_visible_at_t0():
    # at t = 0 both markers sit on the start: Wasserstein's (drawn last) must not cover Fisher-Rao's,
    # which shows as a ring of its colour around it (read in the pixels, around the start's centre)
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    plan = make_plan(paths)
    fr = FrameRenderer(plan)
    try:
        frame = np.asarray(fr.frame(0.0))[:, :, :3].copy()
        ax = fr.fig.axes[-1]
        cx, cy = ax.transData.transform(plan.param.ends[0])
        moving = [a for a in fr.animated if a.axes is ax and a.get_marker() == "o"]
        r_fr, r_w2 = (m.get_markersize() / 0.72 / 2 for m in moving)  # points at 100 dpi -> pixel radii
    finally:
        fr.close()
    cy = plan.height - cy
    yy, xx = np.mgrid[:plan.height, :plan.width]
    dist = np.hypot(xx + 0.5 - cx, yy + 0.5 - cy)
    ring = (dist > r_w2 + 2) & (dist < r_fr - 1.5)  # between the inner marker's rim and the outer one's
    assert ring.sum() > 20, "no room for a ring: the markers are the same size"
    orange = np.abs(frame.astype(int) - np.array(layout.rgb(plan.param.colors[0]))).sum(axis=2) < 40
    assert orange[ring].mean() > 0.6
    blue = np.abs(frame.astype(int) - np.array(layout.rgb(plan.param.colors[1]))).sum(axis=2) < 40
    assert blue[dist < r_w2 - 1.5].mean() > 0.6


def panel_box_param(plan):
    left, bottom, width, height = plan.param.rect
    W, H = plan.width, plan.height
    return (int(left * W), int((left + width) * W), int((1 - bottom - height) * H), int((1 - bottom) * H))


# ---------------------------------------------------------------------------------------------
# colours
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("metrics", [("fisher", "fisher-np", "wasserstein"),
                                     ("fisher", "e-geodesic", "m-geodesic", "mixture", "wasserstein"),
                                     ("fisher", "wfr(0.5)", "wfr(2)", "wfr(8)", "wasserstein"),
                                     ("fisher", "entropic(0.01)", "entropic(0.5)", "entropic(4)"),
                                     ("fisher", "alpha(-1)", "alpha(0)", "alpha(1)")])
def test_panels_of_one_render_stay_apart_for_every_reader(metrics):
    light = layout.panel_colors(metrics, layout.THEMES["light"])
    assert colors_mod.closest_pair(light) >= colors_mod.PANEL_MIN_DELTA
    dark = layout.panel_colors(metrics, layout.THEMES["dark"])
    assert colors_mod.closest_pair(dark) >= 13.0  # the dark theme's pastels leave less room
    # the two poles keep their own colours
    assert light[0] == layout.THEMES["light"].color("fisher")
    if "wasserstein" in metrics:
        assert light[-1] == layout.THEMES["light"].color("wasserstein")


def test_fisher_np_beside_wasserstein_is_recoloured_for_tritanopes():
    declared = [layout.THEMES["light"].color(m) for m in ("fisher-np", "wasserstein")]
    assert colors_mod.delta_e(*declared, "tritanopia") < colors_mod.PANEL_MIN_DELTA  # the report
    chosen = layout.panel_colors(["fisher", "fisher-np", "wasserstein"], layout.THEMES["light"])
    assert colors_mod.delta_e(chosen[1], chosen[2], "tritanopia") >= colors_mod.PANEL_MIN_DELTA


def test_palettes():
    th = layout.THEMES["light"]
    assert layout.panel_colors(["fisher", "wasserstein"], th, "tol") == ["#EE6677", "#4477AA"]
    assert layout.panel_colors(["fisher", "wasserstein"], th, "#111, #222222") == ["#111111", "#222222"]
    with pytest.raises(ValidationError, match="2 metric panels"):
        layout.panel_colors(["fisher", "wasserstein"], th, "#111111")
    with pytest.raises(ValidationError, match="palette"):
        RenderOptions(palette="rainbow")
    plan = make_plan(paths_for("normal(-4, 1)", "normal(4, 1)"), palette="#AA0000,#00AA00")
    assert [p.color for p in plan.panels] == ["#AA0000", "#00AA00"]
    assert plan.param.colors == ("#AA0000", "#00AA00")


# ---------------------------------------------------------------------------------------------
# text at the size it is shown
# ---------------------------------------------------------------------------------------------


def text_boxes(fr):
    r = fr.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(r)) for t in fr.fig.texts if t.get_text()]


def test_long_title_wraps_and_stays_clear_of_t():
    title = "How Fisher-Rao and Wasserstein disagree about two normals that sit far apart on the line"
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    plan = make_plan(paths, size=(480, 300), title=title, param=False)
    assert len(plan.geometry.title_lines) >= 2
    assert " ".join(plan.geometry.title_lines) == title
    fr = FrameRenderer(plan)
    try:
        fr.frame(0.5)
        t_left = fr.t_text.x - fr.t_text.font.getlength("t = 0.50")
        for text, box in text_boxes(fr):
            assert 0 <= box.x0 and box.x1 <= plan.width, text
            assert 0 <= box.y0 and box.y1 <= plan.height, text
            if text in plan.geometry.title_lines[:1]:
                assert box.x1 < t_left, "the first title line runs into t = ..."
    finally:
        fr.close()


def test_caption_is_drawn_under_the_panels():
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    caption = "Separated means, same shape: Fisher-Rao widens then shifts; Wasserstein-2 slides."
    plan = make_plan(paths, size=(480, 320), caption=caption)
    assert " ".join(plan.geometry.footer_lines) == caption
    fr = FrameRenderer(plan)
    try:
        boxes = [b for t, b in text_boxes(fr) if t in plan.geometry.footer_lines]
        assert len(boxes) == len(plan.geometry.footer_lines)
        panel_bottom = min(p.rect[1] for p in plan.panels) * plan.height
        for b in boxes:
            assert b.y0 >= 0 and b.x1 <= plan.width and b.y1 < panel_bottom
    finally:
        fr.close()


def test_font_scale_scales_text_and_refuses_what_does_not_fit():
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    a = make_plan(paths, size=(480, 300))
    b = make_plan(paths, size=(480, 300), font_scale=1.5)
    assert b.geometry.font == pytest.approx(1.5 * a.geometry.font)
    with pytest.raises(ValidationError, match="font"):
        make_plan(paths, size=(480, 160), font_scale=3.0)
    with pytest.raises(ValidationError, match="font_scale"):
        RenderOptions(font_scale=10)


def test_tick_labels_fit_their_cells():
    from matplotlib.ticker import MaxNLocator

    from geoanim.rendering.artists import STEPS

    def ticks(width):
        v = MaxNLocator(nbins=tick_bins(width, 12, (-12.0, 12.0)), steps=STEPS, min_n_ticks=1).tick_values(-12, 12)
        return [x for x in v if -12 <= x <= 12]

    assert ticks(100) == [-10, 0, 10]
    assert len(ticks(600)) >= 5
    assert len(ticks(30)) <= 2


def _no_tick_collisions(fig):
    r = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [lab.get_window_extent(r) for lab in ax.get_xticklabels() if lab.get_visible() and lab.get_text()
                 and ax.get_xlim()[0] <= lab.get_position()[0] <= ax.get_xlim()[1]]
        boxes.sort(key=lambda b: b.x0)
        for a, b in zip(boxes, boxes[1:]):
            assert b.x0 - a.x1 >= 2, f"tick labels touch: {a} {b}"


@pytest.mark.parametrize("size", [(720, 300), (480, 260)])
def test_tick_labels_never_collide_in_narrow_panels(size):
    paths = paths_for("normal(-4, 1)", "normal(4, 1)", ("fisher", "fisher-np", "wfr(2)", "wasserstein"))
    plan = make_plan(paths, size=(max(size[0], 750), size[1]))
    fr = FrameRenderer(plan)
    try:
        fr.canvas.draw()
        _no_tick_collisions(fr.fig)
    finally:
        fr.close()


def test_filmstrip_tick_labels_never_collide(tmp_path):
    import matplotlib.figure

    seen = []
    original = matplotlib.figure.Figure.savefig

    def spy(self, *a, **k):
        self.canvas.draw()
        _no_tick_collisions(self)
        seen.append(True)
        return original(self, *a, **k)

    paths = paths_for("normal(-40, 1)", "normal(40, 1)")
    import unittest.mock

    with unittest.mock.patch.object(matplotlib.figure.Figure, "savefig", spy):
        geoanim.render(paths, tmp_path / "s.png", size=(640, 300), strip=6)
    assert seen


def test_preset_caption_drawn(tmp_path):
    preset = tmp_path / "p.toml"
    preset.write_text('[defaults]\ndraw_caption = true\nframes = 3\nhold = 0\n\n[[job]]\nname = "a"\n'
                      'caption = "Fisher-Rao widens."\nstart = "normal(-1, 1)"\nend = "normal(1, 1)"\n'
                      'output = "a.png"\n')
    from geoanim import presets

    (job,) = presets.load_file(preset)
    assert dict(job.options)["caption"] == "Fisher-Rao widens."
    preset.write_text('[[job]]\nname = "a"\ndraw_caption = true\nstart = "normal(-1, 1)"\nend = "normal(1, 1)"\n')
    with pytest.raises(geoanim.errors.PresetError, match="no caption"):
        presets.load_file(preset)


def test_scale_makes_a_miniature(tmp_path):
    out = tmp_path / "x.gif"
    res = runner.invoke(app, ["render", "--scale", "0.5", "--frames", "3", "--hold", "0", "-o", str(out), "-q"])
    assert res.exit_code == 0, res.output
    from PIL import Image

    with Image.open(out) as im:
        assert im.size == (480, 200)  # the flagship's 960x400, halved, with its three panels
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    full, half = make_plan(paths), make_plan(paths, scale=0.5)
    assert half.geometry.font == pytest.approx(0.5 * full.geometry.font)


def test_quick_preview_recipe_works_for_every_preset():
    # the README's recipe: `geoanim batch presets/ --set scale=0.5 --set frames=8`
    res = runner.invoke(app, ["batch", "presets", "--out-dir", "/tmp/geoanim-preview-check", "--dry-run",
                              "--set", "scale=0.5", "--set", "frames=8"])
    assert res.exit_code == 0, res.output
    assert "failed" not in res.output


def test_readme_gallery_text_reads_at_its_embedded_size():
    """Every gallery GIF the README embeds shows its text at >= 10 px at the width it is embedded at
    (GIFs wider than the column are rendered with a larger --font-scale), and no embed is wider than
    the README column."""
    import glob
    import pathlib
    import re

    from geoanim import presets
    from geoanim.rendering import panel_count

    root = pathlib.Path(__file__).resolve().parent.parent
    jobs = {}
    for f in glob.glob(str(root / "presets" / "*.toml")):
        for job in presets.load_file(f):
            jobs["outputs/" + job.output] = job
    embeds = re.findall(r'<img src="(outputs/gallery/[^"]+)" width="(\d+)"', (root / "README.md").read_text())
    assert len(embeds) >= 25
    for src, shown in embeds:
        job = jobs[src]
        opts = dict(job.options)
        a, b = geoanim.parse(job.start), geoanim.parse(job.end)
        paths = [geoanim.geodesic(a, b, m) for m in job.metrics]
        w, h = (int(v) for v in opts["size"].split("x"))
        geo = layout.Geometry.for_frame(w, h, panel_count(paths, opts.get("param_space")),
                                        font_scale=opts.get("font_scale", 1.0))
        assert int(shown) <= 720, src
        assert geo.font * int(shown) / w >= 10.0, f"{src}: text {geo.font * int(shown) / w:.1f} px at width {shown}"


def test_t_label_never_rounds_an_inner_t_onto_an_end():
    from geoanim.rendering.artists import t_label

    assert t_label(0.0) == "0.00" and t_label(1.0) == "1.00" and t_label(0.5) == "0.50"
    assert t_label(0.997) == "0.997"  # the last eased frame before the hold: not "1.00"
    assert t_label(0.001) == "0.001"
    paths = paths_for("normal(-4, 1)", "normal(4, 1)")
    fr = FrameRenderer(make_plan(paths))
    try:
        fr.frame(0.9996)
        assert fr.t_text.text == "t = 0.9996"
    finally:
        fr.close()
