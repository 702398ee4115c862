"""The headless-Chromium harness itself (tests/browser.py), on tiny pages: keys, clicks, offline requests, console
errors, screenshots, reduced motion, and no Chromium left behind."""

from __future__ import annotations

import os
import struct

import pytest
from browser import CHROMIUM, Browser, BrowserError

PAGE = """<!doctype html><meta charset=utf-8><title>harness</title>
<input type=range id=r min=0 max=10 value=5><button id=b>b</button>
<script>
window.keys = []; window.clicks = 0;
addEventListener("keydown", e => keys.push(e.key));
document.getElementById("b").addEventListener("click", () => clicks++);
</script>"""

OFFLINE = """<!doctype html><meta charset=utf-8><title>offline</title>
<img src="http://example.com/a.png" onerror="window.img = 'failed'" onload="window.img = 'loaded'">
<script>
console.error("boom", 42);
fetch("https://example.com/x").then(() => window.fetched = "ok", () => window.fetched = "failed");
setTimeout(() => { throw new Error("late"); });
</script>"""


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def test_keys_reach_listeners_and_native_behaviour(browser, tmp_path):
    (tmp_path / "page.html").write_text(PAGE)
    with browser.new_page() as page:
        page.goto(tmp_path / "page.html")
        page.eval("document.getElementById('r').focus()")
        page.press("ArrowRight")
        page.press("ArrowRight")
        assert page.eval("document.getElementById('r').value") == "7"
        page.press("ArrowLeft")
        page.press("End")
        assert page.eval("document.getElementById('r').value") == "10"
        page.press("Home")
        assert page.eval("document.getElementById('r').value") == "0"
        page.press("k")
        page.press(" ")
        page.press("Tab")
        assert page.eval("document.activeElement.id") == "b"
        assert page.eval("keys") == ["ArrowRight", "ArrowRight", "ArrowLeft", "End", "Home", "k", " ", "Tab"]
        page.click("#b")
        assert page.eval("clicks") == 1
        with pytest.raises(BrowserError, match="matches nothing"):
            page.click("#nothing")
        assert page.console_errors == []


def test_offline_requests_and_console_errors(browser, tmp_path):
    (tmp_path / "offline.html").write_text(OFFLINE)
    with browser.new_page() as page:
        page.goto(tmp_path / "offline.html")
        assert page.wait_for("window.img && window.fetched && [img, fetched]") == ["failed", "failed"]
        assert page.requests == [
            (tmp_path / "offline.html").as_uri(),
            "http://example.com/a.png",
            "https://example.com/x",
        ]
        assert page.failed_requests == {
            "http://example.com/a.png": "net::ERR_INTERNET_DISCONNECTED",
            "https://example.com/x": "net::ERR_INTERNET_DISCONNECTED",
        }
        page.wait_for("new Promise(r => setTimeout(() => r(true), 20))")  # the throw in setTimeout has happened
        errors = page.console_errors
        assert "boom 42" in errors and any(e.startswith("Error: late") for e in errors)
        assert sum("ERR_INTERNET_DISCONNECTED" in e for e in errors) == 2  # "Failed to load resource" for each
        with pytest.raises(BrowserError, match="TypeError: Cannot read properties of null"):
            page.eval("null.x")
        assert page.eval("Promise.resolve(1 + 1)") == 2 and page.eval("undefined") is None


def test_screenshots_are_pngs_of_the_viewport(browser, tmp_path):
    (tmp_path / "page.html").write_text(PAGE)
    with browser.new_page(width=320, height=200, scale=2) as page:
        page.goto(tmp_path / "page.html")
        assert png_size(page.screenshot()) == (640, 400)
        page.set_width(300)
        assert page.eval("[innerWidth, innerHeight]") == [300, 200]
        assert png_size(page.screenshot()) == (600, 400)
        assert png_size(page.screenshot(clip=(10, 10, 50, 20))) == (100, 40)


def test_reduced_motion_emulation(browser, tmp_path):
    (tmp_path / "page.html").write_text(PAGE)
    query = "matchMedia('(prefers-reduced-motion: reduce)').matches"
    with browser.new_page() as calm, browser.new_page() as plain:
        calm.emulate_media(reduced_motion=True)
        calm.goto(tmp_path / "page.html")
        plain.goto(tmp_path / "page.html")
        assert calm.eval(query) is True and plain.eval(query) is False


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not found")
def test_an_error_kills_chromium_and_its_profile():
    with pytest.raises(AssertionError), Browser() as browser:
        pid, profile = browser.proc.pid, browser._dir
        raise AssertionError("a failing test")
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # no process of the group left, not even a zombie
    assert not os.path.exists(profile)
