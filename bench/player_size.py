"""Benchmark: how the HTML player carries its frames. File size and load time in headless Chromium of
four ways to embed the same frames, against per-frame PNG data URIs (what matplotlib's to_jshtml does),
in one invocation; the GIF of the same render for scale.

Workload: the flagship, default options (80 frames of 960x400, 128 colours). Every variant carries the
same pixels: the frames as the player's palette maps them.

    png        one palette PNG per frame, as data URIs (the baseline)
    webp       one lossless WebP per frame
    sprite     whole frames stacked in lossless WebP sheets (40 per sheet; the encoder's back-references
               reach the frame above)
    tiles      what `-o .html` writes: a background, deduplicated 8 px tiles in atlas sheets, an index

Size is the base64 text in the HTML. Load is from navigation until every image is decoded (and, for
tiles, the index inflated and the first frame drawn: the player's own data-ready), median of --runs.

    python bench/player_size.py            # 3 loads of each; medians
    python bench/player_size.py --runs 1
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import geoanim
from geoanim.options import RenderOptions
from geoanim.rendering import easing, layout, player, render_with
from geoanim.rendering.artists import FrameRenderer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser import CHROMIUM, Browser  # noqa: E402

LOADER = """<!DOCTYPE html><html><body><script type="application/json" id="d">{uris}</script><script>
const t0 = performance.now();
Promise.all(JSON.parse(document.getElementById('d').textContent).map(u => {{
  const i = new Image(); i.src = u; return i.decode(); }}))
  .then(() => {{ document.body.dataset.ms = performance.now() - t0; }});
</script></body></html>"""


def png(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(buf, "PNG", optimize=True)
    return buf.getvalue()


def uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    paths = [geoanim.geodesic(geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)"), m)
             for m in ("fisher", "wasserstein")]
    o = RenderOptions()
    folder = Path(tempfile.mkdtemp(prefix="geoanim-bench-"))
    render_with(paths, folder / "tiles.html", o)
    render_with(paths, folder / "flagship.gif", o)
    times = layout.timeline(o.transition_frames, fps=o.fps, easing=easing.get(o.easing))
    plan = layout.plan(paths, times)
    fr = FrameRenderer(plan)
    ts, _ = layout.runs(times)
    raw = [np.array(fr.frame(float(t))) for t in ts]
    fr.close()
    th = plan.theme
    tiled = player.tile_frames(iter(raw), plan.width, plan.height, colors=o.colors,
                               snap=[layout.rgb(th.bg), layout.rgb(th.fg), layout.rgb(th.muted)])
    frames = [Image.fromarray(np.ascontiguousarray(tiled.frame(k)[..., :3])) for k in range(len(ts))]
    sheets = [np.concatenate([np.asarray(f) for f in frames[s:s + 40]]) for s in range(0, len(frames), 40)]
    variants = {
        "png": [uri(png(f), "image/png") for f in frames],
        "webp": [uri(player.webp_bytes(np.asarray(f), False), "image/webp") for f in frames],
        "sprite": [uri(player.webp_bytes(s, False), "image/webp") for s in sheets],
    }
    pages = {}
    for name, uris in variants.items():
        pages[name] = folder / f"{name}.html"
        pages[name].write_text(LOADER.format(uris=json.dumps(uris)), encoding="utf-8")
    pages["tiles"] = folder / "tiles.html"
    html = pages["tiles"].read_text(encoding="utf-8")
    d = json.loads(html.split('class="geoanim-data">', 1)[1].split("</script>", 1)[0])
    size = {name: sum(len(u) for u in uris) for name, uris in variants.items()}
    size["tiles"] = len(d["bg"]) + sum(len(s) for s in d["sheets"]) + len(d["index"])

    load: dict[str, list[float]] = {name: [] for name in pages}
    if CHROMIUM:
        with Browser(timeout=60) as browser:
            for _ in range(args.runs):
                for name, page_file in pages.items():  # alternating: a slow moment hits every variant
                    with browser.new_page(width=1000, height=600) as page:
                        page.emulate_media(reduced_motion=True)
                        start = page.eval("Date.now()")
                        page.goto(page_file)
                        if name == "tiles":
                            page.wait_for("document.querySelector('.geoanim-player').dataset.ready === '1'", 60)
                            load[name].append(page.eval("Date.now()") - start)
                        else:
                            page.wait_for("document.body.dataset.ms", 60)
                            load[name].append(page.eval("Date.now()") - start)
    gif = (folder / "flagship.gif").stat().st_size
    print(f"flagship: {len(ts)} frames, {plan.width}x{plan.height}, {o.colors} colours; "
          f"GIF {gif:,} bytes; whole player file {pages['tiles'].stat().st_size:,} bytes")
    print(f"{'variant':8s} {'payload bytes':>14s} {'size ratio':>10s} {'load ms':>8s} {'load ratio':>10s}")
    base_ms = statistics.median(load["png"]) if load["png"] else None
    for name in pages:
        ms = statistics.median(load[name]) if load[name] else None
        print(f"{name:8s} {size[name]:>14,d} {size[name] / size['png']:>10.3f} "
              + (f"{ms:>8.0f} {ms / base_ms:>10.3f}" if ms and base_ms else f"{'-':>8s} {'-':>10s}"))
    if not CHROMIUM:
        print("(no Chromium: load times not measured; python3 tests/browser.py --install)")


if __name__ == "__main__":
    main()
