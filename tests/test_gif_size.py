"""Smaller files: a hold is one frame with a long delay (GIF, WebP), the GIF palette size (`colors`),
and a transparent background (`transparent`). Files are read back with Pillow, never trusted."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

import geoanim
from geoanim.cli import app
from geoanim.errors import EncodeError, ValidationError
from geoanim.options import RenderOptions
from geoanim.rendering import easing, encode, layout, render
from geoanim.rendering.artists import FrameRenderer

runner = CliRunner()
SMALL = {"size": (480, 200), "param_space": False}


def paths_for(p="normal(-4, 1)", q="normal(4, 1)", metrics=("fisher", "wasserstein")):
    a, b = geoanim.parse(p), geoanim.parse(q)
    return [geoanim.geodesic(a, b, m) for m in metrics]


def read_frames(path, mode="RGB"):
    """(frames, per-frame durations in ms) as Pillow decodes them (WebP sets the duration on load)."""
    frames, durations = [], []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            im.load()
            durations.append(im.info.get("duration", 0))
            frames.append(np.asarray(im.convert(mode)))
    return frames, durations


def timeline(**kwargs):
    o = RenderOptions(**kwargs)
    return layout.timeline(o.transition_frames, fps=o.fps, hold=o.hold, bounce=o.bounce,
                           easing=easing.get(o.easing))


# ---------------------------------------------------------------------------------------------
# holds: one frame, one long delay
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opts", [
    {"frames": 10, "fps": 20, "hold": 0.6},
    {"frames": 9, "fps": 30, "hold": 0.5},  # 3.33 cs ticks: rounding carried over
    {"frames": 7, "fps": 45, "hold": 0.33},
    {"frames": 8, "fps": 12, "hold": 0, "bounce": True},
])
def test_gif_delays_add_up_to_the_timeline(tmp_path, opts):
    out = tmp_path / "a.gif"
    render(paths_for(), out, **opts, **SMALL)
    _, durations = read_frames(out)
    times = timeline(**opts)
    assert abs(sum(durations) - 1000 * len(times) / opts["fps"]) <= 10  # to one centisecond
    assert min(durations) >= 20  # never a delay browsers slow down


def test_hold_frames_are_encoded_once(tmp_path):
    out = tmp_path / "a.gif"
    anim = render(paths_for(), out, frames=10, fps=20, hold=0.6, easing="linear", **SMALL)
    frames, durations = read_frames(out)
    # 10 transition frames; 0.6 s at 20 fps is 12 more ticks on each endpoint's frame
    assert len(frames) == anim.frames == 10
    assert durations == [650] + [50] * 8 + [650]
    assert not any(np.array_equal(a, b) for a, b in zip(frames, frames[1:]))


def test_bounce_holds_both_ends_and_returns(tmp_path):
    out = tmp_path / "a.gif"
    opts = {"frames": 6, "fps": 20, "hold": 0.2, "bounce": True, "easing": "linear"}
    anim = render(paths_for(), out, **opts, **SMALL)
    frames, durations = read_frames(out)
    times = timeline(**opts)
    distinct, repeats = layout.runs(times)
    # t: 0 (held), 0.2, 0.4, 0.6, 0.8, 1 (held), 0.8, 0.6, 0.4, 0.2; then the loop shows 0 again
    assert len(frames) == anim.frames == len(distinct) == 10 < len(times)
    assert durations == [50 * int(k) for k in repeats] == [250, 50, 50, 50, 50, 250, 50, 50, 50, 50]
    for i, j in ((1, 9), (2, 8), (4, 6)):  # the way back shows the way out
        assert np.array_equal(frames[i], frames[j])


def test_webp_frame_durations(tmp_path):
    out = tmp_path / "a.webp"
    anim = render(paths_for(), out, frames=8, fps=30, hold=0.5, easing="linear", **SMALL)
    frames, durations = read_frames(out)
    assert len(frames) == anim.frames == 8
    # 16 ticks of 33.3 ms (the hold's 15 and its own), 6 of one, 16: ends at round(k * 33.3) ms, so whole
    # ms with the rounding carried over (533, 567, 600, 633, 667, 700, 733, 1267)
    assert durations == [533, 34, 33, 33, 34, 33, 33, 534]
    assert sum(durations) == round(1000 * len(timeline(frames=8, fps=30, hold=0.5)) / 30)


def test_mp4_keeps_a_constant_frame_rate(tmp_path):
    out = tmp_path / "a.mp4"
    anim = render(paths_for(), out, frames=6, fps=10, hold=0.5, **SMALL)
    assert anim.frames == len(timeline(frames=6, fps=10, hold=0.5)) == 16


def test_a_failed_retime_leaves_no_file(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise EncodeError("retime failed")

    monkeypatch.setattr(encode, "_retime", broken)
    out = tmp_path / "a.gif"
    with pytest.raises(EncodeError, match="retime failed"):
        render(paths_for(), out, frames=4, hold=0.1, **SMALL)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# the container parsers, against files Pillow wrote
# ---------------------------------------------------------------------------------------------


def _pillow_animation(fmt: str, durations: list[int]) -> bytes:
    frames = [Image.new("RGB", (8, 6), c) for c in ((200, 30, 30), (30, 200, 30), (30, 30, 200))]
    frames[1].putpixel((2, 3), (255, 255, 0))
    buf = io.BytesIO()
    extra = {"comment": b"geoanim", "loop": 0} if fmt == "GIF" else {"lossless": True, "loop": 0}
    frames[0].save(buf, format=fmt, save_all=True, append_images=frames[1:], duration=durations, **extra)
    return buf.getvalue()


def test_gif_delay_fields_walk_every_block():
    data = bytearray(_pillow_animation("GIF", [30, 70, 1200]))
    fields = encode.gif_delay_fields(data)
    assert [int.from_bytes(data[f:f + 2], "little") for f in fields] == [3, 7, 120]
    for f, cs in zip(fields, (11, 22, 33)):
        data[f:f + 2] = cs.to_bytes(2, "little")
    _, durations = read_frames(io.BytesIO(bytes(data)))
    assert durations == [110, 220, 330]


def test_webp_duration_fields_walk_every_chunk():
    data = bytearray(_pillow_animation("WEBP", [30, 70, 1200]))
    fields = encode.webp_duration_fields(data)
    assert [int.from_bytes(data[f:f + 3], "little") for f in fields] == [30, 70, 1200]
    data[fields[2]:fields[2] + 3] = (70_000).to_bytes(3, "little")
    _, durations = read_frames(io.BytesIO(bytes(data)))
    assert durations == [30, 70, 70_000]


@pytest.mark.parametrize("cut", [12, 40, -2])
def test_parsers_refuse_broken_files(cut):
    gif, webp = _pillow_animation("GIF", [50, 50, 50]), _pillow_animation("WEBP", [50, 50, 50])
    with pytest.raises(EncodeError):
        encode.gif_delay_fields(gif[:cut])
    with pytest.raises(EncodeError):
        encode.webp_duration_fields(webp[:cut])
    with pytest.raises(EncodeError, match="not a GIF"):
        encode.gif_delay_fields(webp)


def test_gif_image_without_graphic_control_is_refused():
    # GIF89a, 1x1, no colour table, an image (1x1, LZW code size 2, one data sub-block), trailer
    data = b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + b"\x2c" + bytes(8) + b"\x00" + b"\x02\x02\x4c\x01\x00" + b"\x3b"
    with pytest.raises(EncodeError, match="without a Graphic Control"):
        encode.gif_delay_fields(data)


def test_frame_durations_carry_rounding_and_follow_merged_frames():
    assert encode.frame_durations([3, 3, 3], [1, 1, 1], 30, 100) == [3, 4, 3]
    assert sum(encode.frame_durations([3] * 30, [1] * 30, 30, 100)) == 100
    # the WebP encoder merged fed frames 1 and 2 (equal pixels): 50 + 100 ms at 20 fps
    assert encode.frame_durations([50, 100, 50], [13, 1, 1, 13], 20, 1000) == [650, 100, 650]
    with pytest.raises(EncodeError):
        encode.frame_durations([50, 0, 50], [1, 1, 1, 1], 20, 1000)


# ---------------------------------------------------------------------------------------------
# colors
# ---------------------------------------------------------------------------------------------


def _distinct_colours(frames) -> int:
    return len(np.unique(np.concatenate([f.reshape(-1, f.shape[-1]) for f in frames]), axis=0))


def test_colors_reaches_the_palette(tmp_path):
    full, few = tmp_path / "full.gif", tmp_path / "few.gif"
    render(paths_for(), full, frames=6, hold=0, **SMALL)
    render(paths_for(), few, frames=6, hold=0, colors=16, **SMALL)
    assert _distinct_colours(read_frames(full)[0]) > 16
    assert _distinct_colours(read_frames(few)[0]) <= 16
    assert few.stat().st_size < full.stat().st_size


def test_colors_counts_the_transparent_entry(tmp_path):
    out = tmp_path / "a.gif"
    render(paths_for(), out, frames=6, hold=0, colors=12, transparent=True, **SMALL)
    assert _distinct_colours([f[f[..., 3] > 0] for f in read_frames(out, "RGBA")[0]]) <= 11


@pytest.mark.parametrize("value", ["4", "300"])
def test_bad_colors_is_refused_naming_the_option(tmp_path, value):
    r = runner.invoke(app, ["render", "-o", str(tmp_path / "x.gif"), "--colors", value, "--frames", "2"])
    assert r.exit_code == 2 and f"`colors` must be between 8 and 256 (got {value})" in r.stderr, r.output
    with pytest.raises(ValidationError) as exc:
        RenderOptions(colors=int(value))
    assert exc.value.param == "colors"
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# transparent
# ---------------------------------------------------------------------------------------------


def test_transparent_gif_keeps_what_was_not_drawn_transparent(tmp_path):
    out = tmp_path / "a.gif"
    opts = {"frames": 6, "hold": 0.1, "easing": "linear"}
    render(paths_for(), out, transparent=True, **opts, **SMALL)
    with Image.open(out) as im:
        assert "transparency" in im.info
    frames, _ = read_frames(out, "RGBA")
    # what the renderer drew with alpha 0, frame by frame (disposal included), and nothing else
    times, _ = layout.runs(timeline(**opts))
    plan = layout.plan(paths_for(), times, size=SMALL["size"], param=False, transparent=True)
    fr = FrameRenderer(plan)
    try:
        for t, got in zip(times, frames):
            drawn = np.asarray(fr.frame(float(t)))[..., 3] > 0
            assert np.array_equal(got[..., 3] > 0, drawn)
            assert set(np.unique(got[..., 3])) <= {0, 255}
            assert (got[..., 3] == 0).mean() > 0.7
    finally:
        fr.close()


def _on(frame: np.ndarray, page: tuple[int, int, int]) -> np.ndarray:
    a = frame[..., 3:].astype(float) / 255
    return frame[..., :3] * a + np.array(page, dtype=float) * (1 - a)


@pytest.mark.parametrize("fmt, theme", [(".png", "light"), (".webp", "dark")])
def test_transparent_png_and_webp_are_the_opaque_render_laid_on_the_page(tmp_path, fmt, theme):
    opts = {"frames": 4, "hold": 0, "theme": theme, **SMALL}
    clear, solid = tmp_path / f"clear{fmt}", tmp_path / f"solid{fmt}"
    render(paths_for(), clear, transparent=True, **opts)
    render(paths_for(), solid, **opts)
    got = read_frames(clear, "RGBA")[0][-1]
    want = read_frames(solid, "RGBA")[0][-1]
    assert got[0, 0, 3] == 0 and got[-1, -1, 3] == 0  # corners: nothing drawn
    assert (got[..., 3] == 0).mean() > 0.7 and (want[..., 3] == 255).all()
    page = layout.rgb(layout.THEMES[theme].bg)
    assert np.abs(_on(got, page) - want[..., :3]).max() <= 4  # rounding of straight alpha


def test_transparent_mp4_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "x.mp4"
    r = runner.invoke(app, ["render", "-o", str(out), "--transparent", "--frames", "2"])
    assert r.exit_code == 2 and "mp4" in r.stderr and "transparen" in r.stderr, r.output
    assert len(r.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []
