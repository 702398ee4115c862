"""Renderer tests: tiny renders checked through the files' own metadata, never by timing."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import geoanim
from geoanim.cli import app
from geoanim.errors import EncodeError, ValidationError
from geoanim.rendering import artists as artists_mod
from geoanim.rendering import layout, render
from geoanim.rendering.encode import ffmpeg_exe

runner = CliRunner()


def paths_for(p="normal(-4, 1)", q="normal(4, 1)", metrics=("fisher", "wasserstein")):
    a, b = geoanim.parse(p), geoanim.parse(q)
    return [geoanim.geodesic(a, b, m) for m in metrics]


def gif_frames(path):
    """(RGB frames, per-frame durations in ms, loop flag) read back with Pillow."""
    frames, durations = [], []
    with Image.open(path) as im:
        loop = im.info.get("loop")
        for i in range(im.n_frames):
            im.seek(i)
            durations.append(im.info["duration"])
            frames.append(np.asarray(im.convert("RGB")))
    return frames, durations, loop


def probe(path) -> str:
    """ffmpeg's own description of the file's streams."""
    out = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    return out.stderr


def coloured_pixels(frame, rgb, tol=40):
    return int((np.abs(frame.astype(int) - np.array(rgb)).sum(axis=2) < tol).sum())


FISHER_RGB = (0xD5, 0x5E, 0x00)
W2_RGB = (0x00, 0x72, 0xB2)


# ---------------------------------------------------------------------------------------------
# GIF
# ---------------------------------------------------------------------------------------------


def test_gif_metadata_frames_timing_loop(tmp_path):
    out = tmp_path / "a.gif"
    anim = render(paths_for(), out, frames=12, fps=20, hold=0.1, size=(480, 200), easing="linear")
    frames, durations, loop = gif_frames(out)
    # 12 transition frames; each endpoint held 0.1 s (2 ticks at 20 fps) more, as one longer frame
    assert len(frames) == anim.frames == 12
    assert frames[0].shape == (200, 480, 3)
    assert durations == [150] + [50] * 10 + [150]  # 1/20 s is exactly 5 centiseconds
    assert loop == 0  # loop forever


def test_gif_non_representable_fps_keeps_exact_total(tmp_path):
    out = tmp_path / "a.gif"
    render(paths_for(), out, frames=30, fps=30, hold=0, size=(480, 160))
    _, durations, _ = gif_frames(out)
    assert sum(durations) == 1000  # 30 frames at 30 fps last one second
    assert min(durations) >= 20  # never a delay browsers slow down
    assert set(durations) <= {30, 40}


def test_gif_background_is_exact_and_frames_show_both_metrics(tmp_path):
    out = tmp_path / "a.gif"
    render(paths_for(), out, frames=8, hold=0, size=(480, 200))
    frames, _, _ = gif_frames(out)
    for f in frames:
        assert tuple(f[1, 1]) == (255, 255, 255)  # palette snapped: no tinted white
        assert coloured_pixels(f, FISHER_RGB) > 50
        assert coloured_pixels(f, W2_RGB) > 50


def test_gif_fps_over_50_is_refused(tmp_path):
    with pytest.raises(EncodeError, match="fps"):
        render(paths_for(), tmp_path / "a.gif", frames=4, fps=60)


def test_bounce_returns_to_start_without_repeating_endpoints():
    ts = layout.timeline(5, fps=10, hold=0.2, bounce=True, easing=lambda s: s)
    assert list(ts) == [0, 0, 0, 0.25, 0.5, 0.75, 1, 1, 1, 0.75, 0.5, 0.25]


def test_smooth_easing_is_monotone_and_fixes_endpoints():
    ts = layout.timeline(50, fps=10, easing=geoanim.rendering.easing.smooth)
    assert ts[0] == 0 and ts[-1] == 1
    assert np.all(np.diff(ts) >= 0)
    assert ts[1] < 1 / 49  # slow start


# ---------------------------------------------------------------------------------------------
# MP4, WebP, PNG
# ---------------------------------------------------------------------------------------------


def test_mp4_is_h264_yuv420p_with_even_padded_size(tmp_path):
    out = tmp_path / "a.mp4"
    anim = render(paths_for(), out, frames=10, fps=25, hold=0, size=(481, 161))
    info = probe(out)
    assert "h264" in info and "yuv420p" in info
    assert "482x162" in info  # padded to even, not rescaled
    assert "25 fps" in info
    assert (anim.width, anim.height) == (482, 162)
    import imageio_ffmpeg

    nframes, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert nframes == 10


def test_webp_is_animated_and_loops(tmp_path):
    out = tmp_path / "a.webp"
    render(paths_for(), out, frames=6, hold=0, size=(480, 160))
    with Image.open(out) as im:
        assert im.format == "WEBP"
        assert im.n_frames == 6
        assert im.info.get("loop", 0) == 0
        assert im.size == (480, 160)


def test_png_filmstrip_has_one_row_per_metric(tmp_path):
    out = tmp_path / "a.png"
    anim = render(paths_for(metrics=("fisher", "fisher-np", "wasserstein")), out, strip=4)
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert anim.frames == 1
        arr = np.asarray(im.convert("RGB"))
    assert coloured_pixels(arr, FISHER_RGB) > 200 and coloured_pixels(arr, W2_RGB) > 200


# ---------------------------------------------------------------------------------------------
# frames: axes never jump, nothing blank, every family renders
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p, q", [
    ("normal(-4, 1)", "normal(4, 1)"),
    ("uniform(-3, -1)", "uniform(1, 3)"),
    ("dirac(0)", "dirac(1)"),
    ("points([0, 1])", "points([-1, 0.5, 2], [0.2, 0.5, 0.3])"),
    ("categorical([0.7, 0.2, 0.1])", "categorical([0.1, 0.3, 0.6])"),
    ("0.5*normal(-2, 0.6) + 0.5*normal(2, 0.6)", "normal(0, 1)"),
    ("cauchy(-3, 1)", "cauchy(3, 2)"),
    ("poisson(2)", "poisson(12)"),
    ("normal(0, 1)", "dirac(3)"),
    ("exponential(1)", "laplace(2, 0.5)"),
])
def test_every_kind_of_pair_draws_finite_frames_with_fixed_axes(p, q):
    paths = paths_for(p, q, ("fisher", "fisher-np", "wasserstein"))
    times = layout.timeline(9, fps=10)
    plan = layout.plan(paths, times, size=(640, 240))
    fr = artists_mod.FrameRenderer(plan)
    axes = fr.fig.axes[: len(plan.panels)]
    limits = [(ax.get_xlim(), ax.get_ylim()) for ax in axes]
    assert limits == [(pn.xlim, pn.ylim) for pn in plan.panels]
    static = None
    for t in times:
        snaps = [pn.sampler(float(t)) for pn in plan.panels]
        for sn in snaps:
            for arr in (sn.curve_x, sn.curve_y, sn.atoms, sn.masses):
                assert np.all(np.isfinite(arr)), (p, q, t)
            assert sn.curve_y.size == 0 or sn.curve_y.min() >= 0
        frame = np.asarray(fr.frame(float(t)))
        assert frame.std() > 5  # not blank
        # the x tick labels under the first panel are part of the cached background: identical each frame
        strip = frame[-20:, :200].copy()
        static = strip if static is None else static
        assert np.array_equal(strip, static)
    assert [(ax.get_xlim(), ax.get_ylim()) for ax in axes] == limits
    # one x window and one y range for every panel
    assert len({lim for lim in limits}) == 1


def test_quantile_curve_area_is_one():
    # the W2 interpolant drawn as u -> (Q_t(u), 1/Q_t'(u)) must still be a probability density
    paths = paths_for("0.5*normal(-2, 0.6) + 0.5*normal(2, 0.6)", "normal(0, 1)", ("wasserstein",))
    sampler = layout.Sampler(paths[0], layout.Line((-6, 6)))
    for t in (0.25, 0.5, 0.8):
        sn = sampler(t)
        assert abs(np.trapezoid(sn.curve_y, sn.curve_x) - 1) < 5e-3


def param_panel(paths, requested=None):
    return layout.plan(paths, layout.timeline(3, fps=10), param=requested).param


def test_param_space_only_where_it_has_meaning():
    assert param_panel(paths_for()).kind == "normal"
    assert param_panel(paths_for("categorical([0.2, 0.3, 0.5])", "categorical([0.5, 0.3, 0.2])")).kind == "simplex"
    assert param_panel(paths_for("uniform(0, 1)", "uniform(2, 3)")) is None
    assert param_panel(paths_for(), False) is None
    with pytest.raises(ValidationError, match="parameter space"):
        param_panel(paths_for("uniform(0, 1)", "uniform(2, 3)"), True)


def test_param_space_semicircle_and_line():
    ps = param_panel(paths_for())
    fx, fy, _ = ps.curves[0]
    wx, wy, _ = ps.curves[1]
    # Fisher-Rao: semicircle in (mu/sqrt2, sigma) centred at 0 with radius 3; W2: sigma stays 1
    assert np.allclose((fx / np.sqrt(2)) ** 2 + fy ** 2, 9.0)
    assert np.allclose(wy, 1.0)
    assert abs(fy.max() - 3.0) < 1e-3


def test_param_space_of_a_two_parameter_family():
    # a family's own parameters: Fisher-Rao stays in the family (solid), W2 leaves it and is drawn at
    # the members with its points' means and variances (dashed)
    paths = paths_for("lognormal(0, 0.5)", "lognormal(1.5, 0.3)")
    ps = param_panel(paths)
    assert ps.kind == "family" and ps.coords(paths[0].start) == (0.0, 0.5) and not (ps.xlog or ps.ylog)
    (fx, fy, f_dashed), (wx, wy, w_dashed) = ps.curves
    assert not f_dashed and w_dashed
    mid = paths[1](0.5)
    m, s = wx[80], wy[80]  # t = 0.5 of 161 samples: the log-normal with the W2 midpoint's mean and variance
    assert np.isclose(np.exp(m + s * s / 2), mid.mean) and np.isclose(np.expm1(s * s) * np.exp(2 * m + s * s), mid.var)
    # the Fisher-Rao curve is the normal's semi-ellipse for log x: it rises above both ends
    assert fy.max() > 0.5 and ps.ylim[0] == 0.0
    # Weibull: shape and scale on log axes; W2 leaves the family and has no moment match: left out, said so
    ps = param_panel(paths_for("weibull(0.8, 1)", "weibull(4, 3)"))
    assert ps.kind == "family" and ps.xlog and ps.ylog and ps.xlim[0] < 0.8 and ps.xlim[1] > 4
    assert ps.left_out == ("Wasserstein-2",)
    # different families, or Student laws of different df: no common parameters to draw
    assert param_panel(paths_for("lognormal(0, 1)", "weibull(2, 1)")) is None
    assert param_panel(paths_for("student(3, 0, 1)", "student(5, 0, 1)")) is None
    assert param_panel(paths_for("student(3, 0, 1)", "student(3, 2, 4)")).kind == "family"


# ---------------------------------------------------------------------------------------------
# errors and atomic writes
# ---------------------------------------------------------------------------------------------


def test_cli_bad_suffix_and_unwritable_paths(tmp_path):
    r = runner.invoke(app, ["render", "-o", str(tmp_path / "x.avi"), "--frames", "2"])
    assert r.exit_code == 2 and "unsupported output format '.avi'" in r.stderr and ".gif" in r.stderr
    r = runner.invoke(app, ["render", "-o", str(tmp_path / "missing" / "x.gif"), "--frames", "2"])
    assert r.exit_code == 2 and "does not exist" in r.stderr
    # /proc exists but refuses new files, even for root
    r = runner.invoke(app, ["render", "-o", "/proc/geoanim-test.gif", "--frames", "2"])
    assert r.exit_code == 2 and "cannot write /proc/geoanim-test.gif" in r.stderr, r.output
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):  # root ignores permissions: nothing to test
            pytest.skip("running as a user that can write anywhere")
        r = runner.invoke(app, ["render", "-o", str(locked / "x.gif"), "--frames", "2"])
        assert r.exit_code == 2 and "not writable" in r.stderr
    finally:
        locked.chmod(0o700)


def test_cli_render_bad_options_exit_2(tmp_path):
    for args, needle in [(["--size", "12x12"], "size"), (["--easing", "bouncy"], "easing"),
                         (["--theme", "neon"], "theme"), (["--fps", "0"], "fps"),
                         (["--frames", "3", "--duration", "2"], "not both"),
                         (["uniform(0,1)", "uniform(2,3)", "--param-space"], "parameter space"),
                         (["normal(0, -1)", "normal(0, 1)"], "std"), (["normal(0, 1)"], "both distributions"),
                         (["--size", "320x160"], "too narrow for 3 panels"),
                         (["-m", "w2", "-m", "wasserstein"], "twice")]:
        r = runner.invoke(app, ["render", *args, "-o", str(tmp_path / "x.gif")])
        assert r.exit_code == 2, (args, r.output)
        assert needle in r.stderr and "Traceback" not in r.output
    assert not (tmp_path / "x.gif").exists()


def test_cli_render_writes_the_file(tmp_path):
    out = tmp_path / "x.gif"
    r = runner.invoke(app, ["render", "dirac(0)", "dirac(1)", "--frames", "4", "--size", "320x160",
                            "--hold", "0", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "wrote" in r.stderr
    assert gif_frames(out)[0][0].shape == (160, 320, 3)


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".webp"])
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_no_partial_file_after_a_failure(tmp_path, monkeypatch, suffix, error):
    out = tmp_path / f"x{suffix}"
    out.write_bytes(b"previous render")
    real = artists_mod.FrameRenderer.frame
    calls = {"n": 0}

    def failing(self, t):
        calls["n"] += 1
        if calls["n"] == 5:
            raise error("boom")
        return real(self, t)

    monkeypatch.setattr(artists_mod.FrameRenderer, "frame", failing)
    with pytest.raises(error):
        render(paths_for(), out, frames=10, hold=0, size=(480, 160))
    assert out.read_bytes() == b"previous render"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temporary left behind


def test_animation_shows_itself_in_jupyter(tmp_path):
    anim = render(paths_for(), tmp_path / "a.gif", frames=3, hold=0, size=(450, 160))
    html = anim._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,R0lGOD')  # GIF magic, base64
    anim = render(paths_for(), tmp_path / "a.mp4", frames=3, hold=0, size=(450, 160))
    assert "<video" in anim._repr_html_()


@pytest.mark.parametrize("width, height", [(481, 161), (479, 203), (961, 401), (777, 333)])
def test_canvas_is_exactly_the_requested_size(width, height):
    # 4.81 in at 100 dpi is 480.99999 px: a canvas one column short would shear every frame
    fig, canvas = artists_mod.exact_canvas(width, height, "#FFFFFF")
    canvas.draw()
    assert np.asarray(canvas.buffer_rgba()).shape == (height, width, 4)


# ---------------------------------------------------------------------------------------------
# one set of options for render(), presets and the command line
# ---------------------------------------------------------------------------------------------


def test_render_signature_shows_every_option_with_its_one_default():
    import inspect

    from geoanim.options import DEFAULTS, EASINGS, RenderOptions
    from geoanim.rendering import easing

    sig = inspect.signature(geoanim.render)
    for name in RenderOptions.names():
        assert sig.parameters[name].default == getattr(DEFAULTS, name), name
        assert f"{name}:" in geoanim.render.__doc__, name
    assert set(EASINGS) == set(easing.EASINGS)


@pytest.mark.parametrize("kwargs, message", [
    ({"fps": 0}, "render: `fps` must be between 1 and 120 (got 0)"),
    ({"theme": "neon"}, "render: `theme` must be light or dark (got 'neon')"),
    ({"easing": "bouncy"}, "render: `easing` must be linear or smooth (got 'bouncy')"),
    ({"frames": 4, "duration": 2}, "render: give `frames` or `duration`, not both"),
    ({"size": "12"}, "render: `size` must look like 960x400 (got '12')"),
])
def test_options_are_checked_in_one_place(kwargs, message):
    from geoanim.options import RenderOptions

    with pytest.raises(ValidationError) as exc:
        RenderOptions(**kwargs)
    assert exc.value.message == message


def test_options_from_typed_values_check_types():
    from geoanim.options import RenderOptions

    assert RenderOptions.from_mapping({"size": "320x160", "frames": 5}).size == (320, 160)
    with pytest.raises(ValidationError, match=r"must be int or float \(got 'fast'\)"):
        RenderOptions.from_mapping({"fps": "fast"})
    with pytest.raises(ValidationError, match="must be bool"):
        RenderOptions.from_mapping({"bounce": 1})
    assert RenderOptions(duration=2, fps=10).transition_frames == 20
    assert RenderOptions().transition_frames == 80  # 4 s at 20 fps


def test_plan_is_frozen():
    import dataclasses

    plan = layout.plan(paths_for(), layout.timeline(3, fps=10))
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.title = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.panels[0].xlim = (0, 1)  # type: ignore[misc]
    assert plan.panels[0].color == layout.THEMES["light"].color("fisher") == "#D55E00"
