"""The HTML player's file: frames rebuilt exactly from background, atlas and index; one self-contained
file; the fragment; the command line. What the page does in a browser is tests/test_player_browser.py."""

from __future__ import annotations

import base64
import io
import json
import re
import zlib

import numpy as np
import pytest
from PIL import Image

import geoanim
from geoanim.errors import ValidationError
from geoanim.rendering import player, render

OUTPUTS = __import__("pathlib").Path(__file__).resolve().parents[1] / "outputs"


def flagship_paths():
    p, q = geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)")
    return [geoanim.geodesic(p, q, m) for m in ("fisher", "wasserstein")]


def data_of(html: str) -> dict:
    m = re.search(r'<script type="application/json" class="geoanim-data">(.*?)</script>', html, re.S)
    assert m, "no player data"
    return json.loads(m.group(1))


def webp_of(uri: str) -> np.ndarray:
    head, b64 = uri.split(",", 1)
    assert head == "data:image/webp;base64"
    with Image.open(io.BytesIO(base64.b64decode(b64))) as im:
        return np.asarray(im.convert("RGBA"))


def rebuild(data: dict) -> list[np.ndarray]:
    """Every frame, from the file alone, the way player.js draws it."""
    bg = webp_of(data["bg"])
    sheets = [webp_of(s) for s in data["sheets"]]
    T, w, h = data["tile"], data["w"], data["h"]
    cols = -(-w // T)
    frames = []
    for row in player.read_index(zlib.decompress(base64.b64decode(data["index"])), data["frames"]):
        f = np.zeros((-(-h // T) * T, cols * T, 4), np.uint8)
        f[:h, :w] = bg
        for pos, i in row:
            y, x = divmod(pos, cols)
            s, j = divmod(i, data["perSheet"])
            sy, sx = divmod(j, data["cols"])
            f[y * T:(y + 1) * T, x * T:(x + 1) * T] = sheets[s][sy * T:(sy + 1) * T, sx * T:(sx + 1) * T]
        frames.append(f[:h, :w])
    return frames


# ---------------------------------------------------------------------------------------------
# the encoding
# ---------------------------------------------------------------------------------------------


def test_index_round_trip():
    rng = np.random.default_rng(3)
    refs, fresh = [], 0
    for _ in range(20):
        pos = np.sort(rng.choice(5000, size=rng.integers(0, 300), replace=False))
        ids = []
        for _ in pos:  # tiles numbered in order of first use, as the tiler numbers them
            if fresh == 0 or rng.random() < 0.4:
                ids.append(fresh)
                fresh += 1
            else:
                ids.append(int(rng.integers(0, fresh)))
        refs.append(np.column_stack([pos, ids]).astype(np.int64).reshape(-1, 2))
    back = player.read_index(player.index_bytes(refs), len(refs))
    assert [list(map(tuple, r.tolist())) for r in refs] == back


@pytest.mark.parametrize("tile", [8, 16])
def test_tiles_rebuild_every_frame_exactly(tile):
    # a width and height that are not multiples of the tile: the last row and column are partial
    rng = np.random.default_rng(0)
    h, w = 37, 61
    base = np.full((h, w, 4), 255, np.uint8)
    frames = []
    for k in range(9):
        f = base.copy()
        f[5 + k:9 + k, 3 * k:3 * k + 20, :3] = rng.integers(0, 255, 3)  # a moving bar
        f[-3:, -2:, :3] = k * 20  # the bottom-right corner, in the partial tile
        frames.append(f)
    tiled = player.tile_frames(iter(frames), w, h, tile)
    for k, f in enumerate(frames):
        assert np.array_equal(tiled.frame(k), f)
    # the background is what most frames show: the plain page away from the bar
    assert np.array_equal(tiled.background[0], base[0])
    # equal tiles are stored once: the whole-white tile never enters the atlas
    assert not any((t == 255).all() for t in tiled.tiles)


def test_quantized_frames_keep_theme_colours_exact():
    paths = flagship_paths()
    from geoanim.rendering import easing, layout
    from geoanim.rendering.artists import FrameRenderer

    times = layout.timeline(6, fps=10, easing=easing.get("linear"))
    plan = layout.plan(paths, times, size=(480, 200))
    fr = FrameRenderer(plan)
    originals = [np.array(fr.frame(float(t))) for t in times]
    fr.close()
    white, ink = (255, 255, 255), layout.rgb(plan.theme.fg)
    tiled = player.tile_frames(iter(originals), 480, 200, colors=32, snap=[white, ink])
    for k, f in enumerate(originals):
        q = tiled.frame(k)
        page = (f[..., :3] == white).all(axis=2)
        assert (q[page, :3] == white).all()  # the page stays exactly the page colour
        text = (f[..., :3] == ink).all(axis=2)
        assert text.any() and (q[text, :3] == ink).all()
        assert len(np.unique(q.reshape(-1, 4), axis=0)) <= 32
        assert np.abs(q.astype(int) - f.astype(int)).mean() < 2.0  # 32 colours: a close picture


# ---------------------------------------------------------------------------------------------
# the file
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_player(tmp_path_factory):
    out = tmp_path_factory.mktemp("player") / "p.html"
    anim = render(flagship_paths(), out, frames=12, hold=0.5, fps=10, size=(480, 200), colors=64)
    return anim, out.read_text(encoding="utf-8")


def test_player_file_is_one_self_contained_page(small_player):
    anim, html = small_player
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    # nothing that would fetch: no URL scheme, no external script, style, font or image
    assert "http:" not in html and "https:" not in html and "//" not in re.sub(r"data:[^\"']+", "", html.split(
        "<script>")[0])
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(|<img|<iframe", html)
    assert anim.format == ".html" and anim.frames == 12 and (anim.width, anim.height) == (480, 200)
    assert anim.summary == "player, 12 frames at 10 fps"


def test_player_frames_are_the_rendered_frames(small_player):
    _, html = small_player
    data = data_of(html)
    from geoanim.rendering import easing, layout
    from geoanim.rendering.artists import FrameRenderer

    times = layout.timeline(12, fps=10, easing=easing.get("smooth"))
    assert np.allclose(data["t"], times, atol=1e-6)
    plan = layout.plan(flagship_paths(), times, size=(480, 200))
    fr = FrameRenderer(plan)
    drawn = [np.array(fr.frame(float(t))) for t in times]
    fr.close()
    rebuilt = rebuild(data)
    assert len(rebuilt) == 12
    for f, g in zip(drawn, rebuilt):
        assert np.abs(f.astype(int) - g.astype(int)).mean() < 1.5  # the same picture, in 64 colours
    assert not np.array_equal(rebuilt[0], rebuilt[6])  # and the frames differ


def test_player_durations_and_readouts(small_player):
    _, html = small_player
    d = data_of(html)
    # 1/fps per frame; the ends also hold for `hold` seconds
    assert d["dur"][1:-1] == [0.1] * 10 and d["dur"][0] == d["dur"][-1] == pytest.approx(0.6)
    assert d["tLabel"][0] == "0.00" and d["tLabel"][-1] == "1.00"
    names = [p["name"] for p in d["panels"]]
    assert names == ["Fisher-Rao on normals", "Wasserstein-2"]
    assert d["panels"][1]["text"][0] == "travelled 0.00 of 8.00"
    assert d["panels"][1]["text"][-1] == "travelled 8.00 of 8.00"
    assert d["panels"][0]["text"][-1] == "travelled 4.99 of 4.99"
    assert d["mode"] == "loop"


def test_snippet_is_the_fragment_alone(tmp_path):
    out = tmp_path / "s.html"
    render(flagship_paths(), out, frames=4, hold=0, size=(480, 200), embed_snippet=True, bounce=True)
    text = out.read_text(encoding="utf-8")
    assert "<html" not in text and "<body" not in text and "<head" not in text
    assert text.startswith(player.MARK_START) and text.rstrip().endswith(player.MARK_END)
    assert re.search(r'<div class="geoanim-player" id="geoanim-[0-9a-f]{10}"', text)
    assert text.count("<script>") == 1 and data_of(text)["mode"] == "bounce"
    # no style element in the page: the script puts the styles in the player's shadow root, so they
    # cannot reach the host page (tests/test_player_browser.py checks the page's cannot reach in)
    assert "<style" not in text and "attachShadow" in text and "__GEOANIM_CSS__" not in text


def test_same_render_same_file(tmp_path):
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    for out in (a, b):
        render(flagship_paths(), out, frames=4, hold=0, size=(480, 200))
    assert a.read_bytes() == b.read_bytes()


def test_jupyter_shows_the_player_with_its_own_id(small_player, tmp_path):
    anim, _ = small_player
    one, two = anim._repr_html_(), anim._repr_html_()
    ids = [re.search(r'id="(geoanim-[^"]+)"', h).group(1) for h in (one, two)]
    assert ids[0] != ids[1]
    assert "<html" not in one and 'class="geoanim-data"' in one and "<canvas" in one


def test_default_output_in_a_notebook_is_the_player():
    anim = render(flagship_paths(), frames=3, hold=0, size=(480, 200))
    assert anim.format == ".html" and anim.path.suffix == ".html"


def test_snippet_needs_an_html_output(tmp_path):
    with pytest.raises(ValidationError, match="embed_snippet.*html"):
        render(flagship_paths(), tmp_path / "a.gif", frames=3, embed_snippet=True)
    assert list(tmp_path.iterdir()) == []


def test_flagship_player_is_smaller_than_the_flagship_gif(tmp_path):
    fresh = render(flagship_paths(), tmp_path / "flagship.html")  # default options, as the GIF's
    assert (fresh.width, fresh.height, fresh.frames) == (960, 400, 80)
    assert fresh.size_bytes <= (OUTPUTS / "flagship.gif").stat().st_size
    # and the committed one is this encoder's
    assert (OUTPUTS / "gallery" / "flagship.html").read_bytes() == fresh.path.read_bytes(), \
        "outputs/gallery/flagship.html is stale: run `geoanim batch presets/ --force`"


def test_frames_larger_than_webp_holds_are_refused_before_drawing(tmp_path):
    from geoanim.errors import EncodeError

    with pytest.raises(EncodeError, match="at most 16383 px a side, after --scale"):
        render(flagship_paths(), tmp_path / "wide.html", frames=2, size=(4800, 400), scale=4)
    assert list(tmp_path.iterdir()) == []


def test_transparent_player_keeps_text_exact_and_opaque(tmp_path):
    out = tmp_path / "t.html"
    render(flagship_paths(), out, frames=3, hold=0, size=(480, 200), transparent=True, theme="dark", colors=32)
    frame = rebuild(data_of(out.read_text(encoding="utf-8")))[1]
    ink = frame[(frame[..., :3] == (232, 234, 237)).all(axis=2)]
    assert (ink[:, 3] == 255).sum() > 50  # glyph cores: the theme's text colour, exactly, opaque
    assert frame[0, 0, 3] == 0  # and the page shows through where nothing is drawn
