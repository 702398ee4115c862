"""The HTML player in a real browser (headless Chromium, offline): it loads from a file with no request
and no console error, the slider and the keys show the frame they say, two players on a page keep to
themselves, and it fits a 360 px screen. Skipped, saying why, where Chromium is not installed."""

from __future__ import annotations

import base64
import io
import json
import re

import numpy as np
import pytest
from PIL import Image
from test_player import data_of, flagship_paths, rebuild

import geoanim
from geoanim.rendering import player, render

FRAMES = 12


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two renders (a page, and both as fragments), and a page holding three players: A, B and A again."""
    folder = tmp_path_factory.mktemp("players")
    a = folder / "a.html"
    render(flagship_paths(), a, frames=FRAMES, hold=0.3, fps=10, size=(480, 200), colors=64)
    b = folder / "b.html"
    u, v = geoanim.parse("uniform(-3, -1)"), geoanim.parse("uniform(1, 3)")
    render([geoanim.geodesic(u, v, m) for m in ("fisher", "wasserstein")], b, frames=8, hold=0, fps=10,
           size=(400, 180), theme="dark", embed_snippet=True)
    frag_a = player.extract_fragment(a.read_text(encoding="utf-8"))
    frag_b = b.read_text(encoding="utf-8")
    three = folder / "three.html"
    three.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>post</title></head><body>"
                     f"<h1>A post</h1><p>First:</p>{frag_a}<p>Second:</p>{frag_b}<p>First again:</p>{frag_a}"
                     "</body></html>", encoding="utf-8")
    return {"a": a, "three": three, "data": data_of(a.read_text(encoding="utf-8"))}


def open_page(browser, path, *, reduced_motion=True, width=800, height=700):
    page = browser.new_page(width=width, height=height)
    page.emulate_media(reduced_motion=reduced_motion)
    page.goto(path)
    page.wait_for("[...document.querySelectorAll('.geoanim-player')].every(p => p.dataset.ready === '1')")
    return page


def frame_of(page, i=0) -> int:
    return int(page.eval(f"document.querySelectorAll('.geoanim-player')[{i}].dataset.frame"))


def canvas_pixels(page, i=0) -> np.ndarray:
    uri = page.eval(f"document.querySelectorAll('.geoanim-canvas')[{i}].toDataURL('image/png')")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as im:
        return np.asarray(im.convert("RGBA"))


def canvas_shot(page, i=0) -> np.ndarray:
    box = page.eval(f"(() => {{ const r = document.querySelectorAll('.geoanim-canvas')[{i}]"
                    ".getBoundingClientRect(); return [r.x, r.y, r.width, r.height]; })()")
    with Image.open(io.BytesIO(page.screenshot(tuple(box)))) as im:
        return np.asarray(im.convert("RGB"))


def test_loads_offline_without_requests_or_errors(browser, files):
    with open_page(browser, files["a"], reduced_motion=False) as page:
        url = files["a"].resolve().as_uri()
        # the document itself, and the frames it carries inline (data: URLs): nothing else
        assert [r for r in page.requests if not r.startswith("data:")] == [url]
        assert not page.failed_requests
        page.wait_for("document.querySelector('.geoanim-player').dataset.frame > 2")  # it plays by itself
        assert page.eval("document.querySelector('.geoanim-player').dataset.state") == "playing"
        assert page.console_errors == []


def test_slider_shows_exactly_the_frame_it_says(browser, files):
    with open_page(browser, files["a"]) as page:
        first = canvas_shot(page)
        page.eval("document.querySelector('.geoanim-slider').focus()")
        for _ in range(6):
            page.press("ArrowRight")  # the range input's own keys: one frame each
        assert frame_of(page) == 6
        assert page.eval("document.querySelector('.geoanim-t').textContent") == f"t = {files['data']['tLabel'][6]}"
        later = canvas_shot(page)
        assert np.abs(first.astype(int) - later.astype(int)).max() > 100  # the picture moved on screen
        # and the canvas holds frame 6 to the pixel, as the file encodes it
        assert np.array_equal(canvas_pixels(page), rebuild(files["data"])[6])
        page.eval("const s = document.querySelector('.geoanim-slider'); s.value = 11;"
                  "s.dispatchEvent(new Event('input', {bubbles: true}))")  # a drag to the end
        assert frame_of(page) == FRAMES - 1
        assert np.array_equal(canvas_pixels(page), rebuild(files["data"])[-1])
        assert page.console_errors == []


def test_keys_step_play_and_pause(browser, files):
    with open_page(browser, files["a"]) as page:
        root = "document.querySelector('.geoanim-player')"
        assert page.eval(f"{root}.dataset.state") == "paused"  # reduced motion: it waits to be asked
        page.eval("document.querySelector('.geoanim-canvas').focus()")
        page.press("ArrowRight")
        page.press("ArrowRight")
        assert frame_of(page) == 2
        page.press("ArrowLeft")
        assert frame_of(page) == 1
        page.press("End")
        assert frame_of(page) == FRAMES - 1
        page.press("Home")
        assert frame_of(page) == 0
        page.press(" ")
        assert page.eval(f"{root}.dataset.state") == "playing"
        assert page.eval("document.querySelector('.geoanim-play').getAttribute('aria-label')") == "Pause"
        page.wait_for(f"{root}.dataset.frame > 0")
        page.press("k")
        assert page.eval(f"{root}.dataset.state") == "paused"
        held = frame_of(page)
        page.eval("new Promise(r => setTimeout(r, 250))")
        assert frame_of(page) == held  # paused means paused
        assert page.console_errors == []


def test_once_stops_at_the_end_and_bounce_turns_back(browser, files):
    with open_page(browser, files["a"]) as page:
        root = "document.querySelector('.geoanim-player')"
        page.eval("document.querySelector('.geoanim-speed').value = '4';"
                  "document.querySelector('.geoanim-mode').value = 'once'")
        page.click(".geoanim-play")
        page.wait_for(f"{root}.dataset.state === 'paused'", timeout=10)
        assert frame_of(page) == FRAMES - 1
        page.eval(f"document.querySelector('.geoanim-mode').value = 'bounce'; {root}.geoanim.play()")
        page.wait_for(f"{root}.dataset.frame < {FRAMES - 2}", timeout=10)  # back down, not round to 0
        assert page.eval(f"{root}.dataset.state") == "playing"


def test_screen_readers_hear_the_position(browser, files):
    with open_page(browser, files["a"]) as page:
        slider = "document.querySelector('.geoanim-slider')"
        assert page.eval(f"{slider}.getAttribute('aria-label')")
        text = page.eval(f"{slider}.getAttribute('aria-valuetext')")
        assert text == ("t = 0.00; Fisher-Rao on normals: travelled 0.00 of 4.99; "
                        "Wasserstein-2: travelled 0.00 of 8.00")
        assert page.eval("document.querySelector('.geoanim-play').getAttribute('aria-label')") == "Play"
        assert page.eval("document.querySelector('.geoanim-speed').getAttribute('aria-label')") == "Speed"
        assert page.eval("document.querySelector('.geoanim-player').getAttribute('role')") == "region"
        # Tab walks the controls in order: canvas, play, slider, speed, end mode
        page.eval("document.activeElement.blur()")
        order = []
        for _ in range(5):
            page.press("Tab")
            order.append(page.eval("document.activeElement.className || document.activeElement.tagName"))
        assert order == ["geoanim-canvas", "geoanim-play", "geoanim-slider", "geoanim-speed", "geoanim-mode"]


def test_two_players_on_one_page_keep_to_themselves(browser, files):
    with open_page(browser, files["three"]) as page:
        assert page.eval("document.querySelectorAll('.geoanim-player').length") == 3
        ids = page.eval("[...document.querySelectorAll('.geoanim-player')].map(p => p.id)")
        assert len(set(ids)) == 3 and ids[2] == ids[0] + "-2"  # the same fragment twice: told apart
        before = [canvas_pixels(page, i) for i in range(3)]
        page.eval("document.querySelectorAll('.geoanim-canvas')[1].focus()")
        for _ in range(3):
            page.press("ArrowRight")
        assert [frame_of(page, i) for i in range(3)] == [0, 3, 0]
        page.eval("document.querySelectorAll('.geoanim-canvas')[2].focus()")
        page.press("End")
        assert [frame_of(page, i) for i in range(3)] == [0, 3, FRAMES - 1]
        after = [canvas_pixels(page, i) for i in range(3)]
        assert np.array_equal(before[0], after[0])  # the untouched player still shows its first frame
        assert not np.array_equal(before[1], after[1]) and not np.array_equal(before[2], after[2])
        assert np.array_equal(after[0], before[2])  # the same fragment twice: the same frames
        # the dark player keeps its own colours, the light ones theirs
        colours = page.eval("[...document.querySelectorAll('.geoanim-player')].map(p => getComputedStyle(p)"
                            ".backgroundColor)")
        assert colours == ["rgb(255, 255, 255)", "rgb(18, 20, 23)", "rgb(255, 255, 255)"]
        assert page.console_errors == []


def test_fits_and_reads_at_360_px(browser, files, tmp_path):
    with open_page(browser, files["a"], width=360, height=640) as page:
        assert page.eval("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        width = page.eval("document.querySelector('.geoanim-canvas').getBoundingClientRect().width")
        assert width == pytest.approx(360 - 2 * 12, abs=1)  # the column's width, less the page's margin
        boxes = page.eval("""[...document.querySelectorAll(`.geoanim-player button, .geoanim-player input,
            .geoanim-player select, .geoanim-t, .geoanim-readouts > span`)].map(e => {
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return [e.className || e.tagName, r.left, r.right, r.height, parseFloat(s.fontSize)]; })""")
        for name, left, right, _, font in boxes:
            assert left >= 0 and right <= 360, f"{name} sticks out: {left:.0f} to {right:.0f}"
            assert font >= 13, f"{name} text is {font} px"
        controls = [b for b in boxes if b[0] in ("geoanim-play", "geoanim-slider", "geoanim-speed", "geoanim-mode")]
        assert all(height >= 24 for _, _, _, height, _ in controls)  # big enough to tap
        # the readouts say each panel's distance in full, on lines of their own
        text = page.eval("document.querySelector('.geoanim-readouts').innerText")
        assert "Fisher-Rao on normals travelled 0.00 of 4.99" in text.replace("\n", " ")
        shot = page.screenshot()
        (tmp_path / "360.png").write_bytes(shot)
        with Image.open(io.BytesIO(shot)) as im:
            assert im.size == (360, 640)


def test_snippet_data_is_valid_json_whatever_the_title(browser, tmp_path):
    # a title that would end the script element or break the attribute, if pasted raw
    out = tmp_path / "t.html"
    title = '</script><b>"x" & y</b>'
    render(flagship_paths(), out, frames=3, hold=0, size=(480, 200), title=title)
    with open_page(browser, out) as page:
        assert page.eval("JSON.parse(document.querySelector('.geoanim-data').textContent).title") == title
        assert page.eval("document.title") == title
        label = page.eval("document.querySelector('.geoanim-player').getAttribute('aria-label')")
        assert label == "Animation: " + title
        assert page.console_errors == []
        assert json.loads(re.search(r'class="geoanim-data">(.*?)</script>', out.read_text(), re.S).group(1))
