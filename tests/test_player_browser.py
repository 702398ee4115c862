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


# the i-th player's control: the controls live in its shadow root
UI = "window.ui = (s, i = 0) => document.querySelectorAll('.geoanim-player')[i].shadowRoot.querySelector(s)"


def open_page(browser, path, *, reduced_motion=True, width=800, height=700):
    page = browser.new_page(width=width, height=height)
    page.emulate_media(reduced_motion=reduced_motion)
    page.goto(path)
    page.wait_for("[...document.querySelectorAll('.geoanim-player')].every(p => p.dataset.ready === '1')")
    page.eval(UI)
    return page


def click(page, selector, i=0):
    """A real mouse click at the centre of a control."""
    x, y = page.eval(f"(() => {{ const r = ui({selector!r}, {i}).getBoundingClientRect();"
                     "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind, buttons in (("mousePressed", 1), ("mouseReleased", 0)):
        page.send("Input.dispatchMouseEvent", {"type": kind, "x": x, "y": y, "button": "left", "buttons": buttons,
                                               "clickCount": 1})


def frame_of(page, i=0) -> int:
    return int(page.eval(f"document.querySelectorAll('.geoanim-player')[{i}].dataset.frame"))


def canvas_pixels(page, i=0) -> np.ndarray:
    uri = page.eval(f"ui('.geoanim-canvas', {i}).toDataURL('image/png')")
    with Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))) as im:
        return np.asarray(im.convert("RGBA"))


def canvas_shot(page, i=0) -> np.ndarray:
    box = page.eval(f"(() => {{ const r = ui('.geoanim-canvas', {i})"
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
        page.eval("ui('.geoanim-slider').focus()")
        for _ in range(6):
            page.press("ArrowRight")  # the range input's own keys: one frame each
        assert frame_of(page) == 6
        assert page.eval("ui('.geoanim-t').textContent") == f"t = {files['data']['tLabel'][6]}"
        later = canvas_shot(page)
        assert np.abs(first.astype(int) - later.astype(int)).max() > 100  # the picture moved on screen
        # and the canvas holds frame 6 to the pixel, as the file encodes it
        assert np.array_equal(canvas_pixels(page), rebuild(files["data"])[6])
        page.eval("const s = ui('.geoanim-slider'); s.value = 11;"
                  "s.dispatchEvent(new Event('input', {bubbles: true}))")  # a drag to the end
        assert frame_of(page) == FRAMES - 1
        assert np.array_equal(canvas_pixels(page), rebuild(files["data"])[-1])
        assert page.console_errors == []


def test_keys_step_play_and_pause(browser, files):
    with open_page(browser, files["a"]) as page:
        root = "document.querySelector('.geoanim-player')"
        assert page.eval(f"{root}.dataset.state") == "paused"  # reduced motion: it waits to be asked
        page.eval("ui('.geoanim-canvas').focus()")
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
        assert page.eval("ui('.geoanim-play').getAttribute('aria-label')") == "Pause"
        page.wait_for(f"{root}.dataset.frame > 0")
        page.press("k")
        assert page.eval(f"{root}.dataset.state") == "paused"
        held = frame_of(page)
        page.eval("new Promise(r => setTimeout(r, 250))")
        assert frame_of(page) == held  # paused means paused
        page.eval("ui('.geoanim-play').focus()")
        page.press(" ")  # Space on the button: its own click, once
        assert page.eval(f"{root}.dataset.state") == "playing"
        page.press(" ")
        assert page.eval(f"{root}.dataset.state") == "paused"
        assert page.console_errors == []


# every frame change of the first player, with its time: [[frame, ms], ...] in window.seen
RECORD = """window.seen = []; new MutationObserver(() => seen.push([+document.querySelector('.geoanim-player')
    .dataset.frame, performance.now()])).observe(document.querySelector('.geoanim-player'),
    {attributes: true, attributeFilter: ['data-frame']})"""


def test_once_stops_at_the_end_and_bounce_turns_back(browser, files):
    with open_page(browser, files["a"]) as page:
        root = "document.querySelector('.geoanim-player')"
        page.eval(RECORD)
        page.eval("ui('.geoanim-speed').value = '4'; ui('.geoanim-mode').value = 'once'")
        click(page, ".geoanim-play")
        page.wait_for(f"{root}.dataset.state === 'paused'", timeout=10)
        assert frame_of(page) == FRAMES - 1
        assert [f for f, _ in page.eval("seen")] == list(range(1, FRAMES))  # every frame, once, in order
        page.eval(f"seen.length = 0; ui('.geoanim-mode').value = 'bounce'; {root}.geoanim.play()")
        page.wait_for("seen.length >= 14", timeout=10)
        page.eval(f"{root}.geoanim.pause()")
        frames = [f for f, _ in page.eval("seen")][:14]
        # from the end: back down one frame at a time to 0, then up again (never a jump)
        assert frames == [*range(FRAMES - 2, -1, -1), 1, 2, 3]
        page.eval(f"seen.length = 0; ui('.geoanim-mode').value = 'loop'; {root}.geoanim.show({FRAMES - 3});"
                  f"{root}.geoanim.play()")
        page.wait_for("seen.length >= 4", timeout=10)
        # the jump, then on round to the start
        assert [f for f, _ in page.eval("seen")][:4] == [FRAMES - 3, FRAMES - 2, FRAMES - 1, 0]


def test_playback_keeps_time_holds_and_speed(browser, files):
    # ratios of times on the page's own clock, with wide margins: frames last 0.1 s, the ends 0.4 s
    with open_page(browser, files["a"]) as page:
        page.eval(RECORD)
        page.eval("ui('.geoanim-mode').value = 'once'")
        click(page, ".geoanim-play")
        page.wait_for("document.querySelector('.geoanim-player').dataset.state === 'paused'", timeout=15)
        seen = page.eval("seen")
        gaps = np.diff([ms for _, ms in seen])  # how long frames 1 .. n-2 stayed
        assert np.median(gaps) == pytest.approx(100, rel=0.35)
        page.eval("seen.length = 0; ui('.geoanim-speed').value = '4'")
        click(page, ".geoanim-play")  # once, at the end: plays again from the start
        page.wait_for("document.querySelector('.geoanim-player').dataset.state === 'paused'", timeout=15)
        fast = np.diff([ms for _, ms in page.eval("seen")])
        assert np.median(gaps) / np.median(fast) == pytest.approx(4, rel=0.4)
        # the first frame held for hold + 1/fps = 0.4 s at 1x (from the start to the first change)
        page.eval("ui('.geoanim-speed').value = '1'; ui('.geoanim-mode').value = 'loop';"
                  "document.querySelector('.geoanim-player').geoanim.show(10)")
        page.eval("seen.length = 0")  # after the observer has seen the jump to 10
        click(page, ".geoanim-play")
        page.wait_for("seen.length >= 4", timeout=10)
        page.eval("document.querySelector('.geoanim-player').geoanim.pause()")
        seen = page.eval("seen")[:4]  # 11 (after 0.1 s), 0 (after the end's 0.4 s), 1 (after 0.4 s), 2
        assert [f for f, _ in seen] == [11, 0, 1, 2]
        held = np.diff([ms for _, ms in seen])
        assert held[0] / held[2] == pytest.approx(4, rel=0.35) and held[1] / held[2] == pytest.approx(4, rel=0.35)


def test_it_rests_while_scrolled_out_of_view(browser, files, tmp_path):
    frag = player.extract_fragment(files["a"].read_text(encoding="utf-8"))
    tall = tmp_path / "tall.html"
    tall.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{frag}"
                    "<div style='height:4000px'></div><p id='end'>end</p></body></html>", encoding="utf-8")
    with open_page(browser, tall, reduced_motion=False) as page:
        root = "document.querySelector('.geoanim-player')"
        page.wait_for(f"{root}.dataset.frame > 0")
        page.eval("document.getElementById('end').scrollIntoView(); new Promise(r => setTimeout(r, 100))")
        resting = frame_of(page)
        page.eval("new Promise(r => setTimeout(r, 600))")
        assert frame_of(page) == resting and page.eval(f"{root}.dataset.state") == "playing"
        page.eval("window.scrollTo(0, 0)")
        page.wait_for(f"{root}.dataset.frame != {resting}")  # and goes on when back in view


def test_screen_readers_hear_the_position(browser, files):
    with open_page(browser, files["a"]) as page:
        slider = "ui('.geoanim-slider')"
        assert page.eval(f"{slider}.getAttribute('aria-label')")
        text = page.eval(f"{slider}.getAttribute('aria-valuetext')")
        assert text == ("t = 0.00; Fisher-Rao on normals: travelled 0.00 of 4.99; "
                        "Wasserstein-2: travelled 0.00 of 8.00")
        assert page.eval("ui('.geoanim-play').getAttribute('aria-label')") == "Play"
        page.eval("ui('.geoanim-canvas').focus()")
        page.press("ArrowRight")  # stepping says where it is: the slider's text and a polite announcement
        now = f"t = {files['data']['tLabel'][1]}; Fisher-Rao on normals: {files['data']['panels'][0]['text'][1]}"
        assert page.eval(f"{slider}.getAttribute('aria-valuetext')").startswith(now)
        assert page.eval("ui('.geoanim-live').getAttribute('aria-live')") == "polite"
        assert page.eval("ui('.geoanim-live').textContent").startswith(now)
        assert "arrow keys" in page.eval("ui('.geoanim-canvas').getAttribute('aria-label')")
        assert page.eval("ui('.geoanim-speed').getAttribute('aria-label')") == "Speed"
        assert page.eval("document.querySelector('.geoanim-player').getAttribute('role')") == "region"
        # Tab walks the controls in order: canvas, play, slider, speed, end mode
        assert page.eval("ui('.geoanim-canvas').tabIndex") == 0
        page.eval("ui('.geoanim-canvas').focus()")
        order = ["geoanim-canvas"]
        for _ in range(4):
            page.press("Tab")
            order.append(page.eval("(a => a.className || a.tagName)(document.activeElement.shadowRoot"
                                   "? document.activeElement.shadowRoot.activeElement : document.activeElement)"))
        assert order == ["geoanim-canvas", "geoanim-play", "geoanim-slider", "geoanim-speed", "geoanim-mode"]


def test_two_players_on_one_page_keep_to_themselves(browser, files):
    with open_page(browser, files["three"]) as page:
        assert page.eval("document.querySelectorAll('.geoanim-player').length") == 3
        ids = page.eval("[...document.querySelectorAll('.geoanim-player')].map(p => p.id)")
        assert len(set(ids)) == 3 and ids[2] == ids[0] + "-2"  # the same fragment twice: told apart
        before = [canvas_pixels(page, i) for i in range(3)]
        page.eval("ui('.geoanim-canvas', 1).focus()")
        for _ in range(3):
            page.press("ArrowRight")
        assert [frame_of(page, i) for i in range(3)] == [0, 3, 0]
        page.eval("ui('.geoanim-canvas', 2).focus()")
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


def test_fits_and_reads_at_360_px(browser, files):
    with open_page(browser, files["a"], width=360, height=640) as page:
        assert page.eval("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
        width = page.eval("ui('.geoanim-canvas').getBoundingClientRect().width")
        assert width == pytest.approx(360 - 2 * 12, abs=1)  # the column's width, less the page's margin
        boxes = page.eval("""[...ui('.geoanim-bar').getRootNode().querySelectorAll(`button, input, select,
            .geoanim-t, .geoanim-readouts > span`)].map(e => {
            const r = e.getBoundingClientRect(), s = getComputedStyle(e);
            return [e.className || e.tagName, r.left, r.right, r.height, parseFloat(s.fontSize)]; })""")
        for name, left, right, _, font in boxes:
            assert left >= 0 and right <= 360, f"{name} sticks out: {left:.0f} to {right:.0f}"
            assert font >= 13, f"{name} text is {font} px"
        controls = [b for b in boxes if b[0] in ("geoanim-play", "geoanim-slider", "geoanim-speed", "geoanim-mode")]
        assert all(height >= 24 for _, _, _, height, _ in controls)  # big enough to tap
        # the readouts say each panel's distance in full, on lines of their own
        text = page.eval("ui('.geoanim-readouts').innerText")
        assert "Fisher-Rao on normals travelled 0.00 of 4.99" in text.replace("\n", " ")
        with Image.open(io.BytesIO(page.screenshot())) as im:
            assert im.size == (360, 640)


@pytest.mark.parametrize("title", ['</script><b>"x" & y</b>', "<!--<script>", "a <!-- b --> c"])
def test_snippet_data_is_valid_json_whatever_the_title(browser, tmp_path, title):
    # a title that would end the script element, put the parser in a script's escaped state or break the
    # attribute, if pasted raw
    out = tmp_path / "t.html"
    render(flagship_paths(), out, frames=3, hold=0, size=(480, 200), title=title)
    with open_page(browser, out) as page:
        assert page.eval("JSON.parse(document.querySelector('.geoanim-data').textContent).title") == title
        assert page.eval("document.title") == title
        label = page.eval("document.querySelector('.geoanim-player').getAttribute('aria-label')")
        assert label == "Animation: " + title
        assert page.console_errors == []
        assert json.loads(re.search(r'class="geoanim-data">(.*?)</script>', out.read_text(), re.S).group(1))


def test_starts_when_a_blog_puts_a_paragraph_between_div_and_script(browser, files, tmp_path):
    # WordPress's automatic paragraphs can add <p></p> between the pasted </div> and <script>
    frag = player.extract_fragment(files["a"].read_text(encoding="utf-8")).replace("</div>\n<script>",
                                                                                   "</div><p></p>\n<script>")
    post = tmp_path / "post.html"
    post.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{frag}</body></html>")
    with open_page(browser, post) as page:
        page.eval("ui('.geoanim-canvas').focus()")
        page.press("End")
        assert frame_of(page) == FRAMES - 1 and page.console_errors == []


def test_starts_when_its_script_runs_away_from_it(browser, files, tmp_path):
    # the classic notebook inserts output HTML with jQuery's html(), which runs each script from a copy in <head>
    frag = player.extract_fragment(files["a"].read_text(encoding="utf-8"))
    blank = tmp_path / "notebook.html"
    blank.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><div id='out'></div></body></html>")
    with browser.new_page() as page:
        page.emulate_media(reduced_motion=True)
        page.goto(blank)
        page.eval(f"""(() => {{ const out = document.getElementById('out'); out.innerHTML = {json.dumps(frag)};
            for (const old of out.querySelectorAll('script:not([type])')) {{
                const s = document.createElement('script'); s.text = old.text;
                document.head.appendChild(s); s.remove(); }} }})()""")
        page.wait_for("document.querySelector('.geoanim-player').dataset.ready === '1'")
        page.eval(UI)
        page.eval("ui('.geoanim-canvas').focus()")
        page.press("ArrowRight")
        assert frame_of(page) == 1
        assert page.console_errors == []


HOSTILE = """*{box-sizing:content-box} body{font:20px/2 Georgia,serif;color:#333;text-transform:uppercase;
letter-spacing:2px;text-align:center} div{padding:10px;border:1px solid red;line-height:3}
span{display:block;margin:4px}
b{color:red} canvas{max-width:none;border:3px solid red} svg{width:80px;height:80px}
button{padding:12px 28px;height:48px;margin:8px;box-shadow:0 4px 0 #000;background:linear-gradient(red,blue)}
select{width:100%;display:block;appearance:none;padding:10px} input[type=range]{appearance:none;width:100%}
:focus{outline:4px dashed orange}"""


def test_a_blog_themes_styles_do_not_reach_the_player(browser, files, tmp_path):
    # a theme's global rules for div, span, canvas, button, select, range inputs and focus
    frag = player.extract_fragment(files["a"].read_text(encoding="utf-8"))
    shots = []
    for name, css in (("plain", ""), ("hostile", HOSTILE)):
        f = tmp_path / f"{name}.html"
        f.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><style>{css}</style></head><body>"
                     f"<main style='max-width:600px;margin:0 auto'><p>Text.</p>{frag}</main></body></html>",
                     encoding="utf-8")
        with open_page(browser, f, width=700, height=600) as page:
            page.eval("ui('.geoanim-slider').focus()")
            page.press("ArrowRight")
            box = page.eval("(r => [r.x, r.y, r.width, r.height])(document.querySelector('.geoanim-player')"
                            ".getBoundingClientRect())")
            with Image.open(io.BytesIO(page.screenshot(tuple(box)))) as im:
                shots.append(np.asarray(im.convert("RGB")))
            assert page.console_errors == []
    assert shots[0].shape == shots[1].shape
    assert np.array_equal(shots[0], shots[1])  # the same player, to the pixel, focus ring included
