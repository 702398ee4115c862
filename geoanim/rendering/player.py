"""The HTML player: one self-contained file (or a fragment to paste into a page) that scrubs a render
frame by frame, with no network, no external script, font or style.

How the frames travel compactly (measured on the flagship, 80 frames of 960x400; the numbers are in
bench/player_size.py and the README):

- Each frame is cut into square tiles (``TILE`` px). Most tiles of most frames are the same as the
  tile most frames show there (axes, titles, empty background): those go once into a **background**
  image. A frame then lists only the positions where it differs from the background, and which
  tile it shows there.
- Equal tiles are stored once (a flat fill under a curve, a repeated tick label), in **atlas** images
  of ``ATLAS_COLUMNS`` tiles per row, in the order frames first use them.
- Background and atlas share one palette of ``colors`` entries (as a GIF does) with the theme's
  background and text colours snapped exact, and are lossless WebP, which packs palette indices.
- The **index** (per frame: how many tiles, each one's position as a gap from the previous, and
  either "the next new tile" or an earlier tile's number, all LEB128 varints) is deflated; the
  browser inflates it with ``DecompressionStream``.

A frame is then one background draw plus its tiles, for any frame in any order: the slider seeks
without decoding the frames before it. Per-frame lossless WebP data URIs (no sharing between
frames) were 4.6x larger, palette PNGs 5.6x, and WebP sheets of whole frames (which share through the
encoder's back-references) 1.7x.

The player itself (player.js, player.css beside this module) is plain JavaScript: it finds its own
``<div>`` as the element before its ``<script>`` (or, where a page moved the script, every player not
yet started), so a page may hold any number of players, even the same fragment twice; the canvas and
controls live in the div's shadow root, out of reach of the page's styles.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np

TILE = 8  # px: on the flagship, 16 makes the file 12% larger (a shorter index, more pixels), 32 28%
ATLAS_COLUMNS = 128  # tiles per atlas row
MAX_WEBP_SIDE = 16383  # px: WebP's limit on either side
MARK_START, MARK_END = "<!-- geoanim player -->", "<!-- /geoanim player -->"


@dataclass
class Tiled:
    """Frames as a background and, per frame, the tiles that differ from it."""

    width: int
    height: int
    tile: int
    background: np.ndarray  # (height, width, 4) uint8
    tiles: np.ndarray  # (m, tile, tile, 4) uint8: every tile some frame shows off the background
    refs: list[np.ndarray]  # per frame: (k, 2) int64 rows of (position, tile number), positions increasing

    @property
    def grid(self) -> tuple[int, int]:
        """Tile rows and columns covering the frame."""
        return -(-self.height // self.tile), -(-self.width // self.tile)

    def frame(self, k: int) -> np.ndarray:
        """Frame k rebuilt as the player draws it (the tests compare it with the frame drawn)."""
        rows, cols = self.grid
        T = self.tile
        out = np.zeros((rows * T, cols * T, 4), np.uint8)
        out[:self.height, :self.width] = self.background
        for pos, i in self.refs[k]:
            y, x = divmod(int(pos), cols)
            out[y * T:(y + 1) * T, x * T:(x + 1) * T] = self.tiles[i]
        return out[:self.height, :self.width]


def _tile_view(frame: np.ndarray, tile: int) -> np.ndarray:
    """(rows * cols, tile, tile, 4): the frame's tiles in reading order, the last row and column padded with 0."""
    h, w = frame.shape[:2]
    rows, cols = -(-h // tile), -(-w // tile)
    padded = np.zeros((rows * tile, cols * tile, 4), np.uint8)
    padded[:h, :w] = frame
    return padded.reshape(rows, tile, cols, tile, 4).swapaxes(1, 2).reshape(rows * cols, tile, tile, 4)


def tile_frames(frames: Iterable, width: int, height: int, tile: int = TILE, *, colors: int | None = None,
                snap: Sequence[tuple[int, int, int]] = (), transparent: bool = False) -> Tiled:
    """Cut RGBA frames (buffers of ``height`` x ``width`` x 4) into tiles, storing each distinct tile once.

    With ``colors``, the tiles are mapped through one palette of that many entries (as a GIF is), the
    ``snap`` colours (the theme's background and text) exact, and tiles the palette made equal merged.
    Frames stream through: memory holds the distinct tiles, not the frames.
    """
    seen: dict[bytes, int] = {}
    store: list[np.ndarray] = []
    ids = []
    before = None
    for buf in frames:
        tiles = _tile_view(np.asarray(buf).reshape(height, width, 4), tile)
        row = np.empty(len(tiles), np.int64)
        if before is None:
            changed = np.arange(len(tiles))
        else:  # most tiles are the frame before's: only the others are looked up
            same = (tiles == before[0]).reshape(len(tiles), -1).all(axis=1)
            row[same] = before[1][same]
            changed = np.flatnonzero(~same)
        for p in changed:
            key = tiles[p].tobytes()
            i = seen.get(key)
            if i is None:
                i = seen[key] = len(store)
                store.append(tiles[p].copy())  # not a view: it would keep the whole frame alive
            row[p] = i
        ids.append(row)
        before = tiles, row
    distinct = np.stack(store)
    id_matrix = np.stack(ids)
    if colors is not None:
        distinct = _quantize(distinct, colors, snap, transparent)
        distinct, merged = np.unique(distinct.reshape(len(distinct), -1), axis=0, return_inverse=True)
        distinct = distinct.reshape(-1, tile, tile, 4)
        id_matrix = merged.reshape(-1)[id_matrix]
    return _split(id_matrix, distinct, width, height, tile)


def _split(ids: np.ndarray, store: np.ndarray, width: int, height: int, tile: int) -> Tiled:
    """Background = at each position the tile most frames show; the rest become per-frame references
    into an atlas of the tiles they use, numbered in order of first use."""
    n, positions = ids.shape
    base = np.empty(positions, np.int64)
    for p in range(positions):
        values, counts = np.unique(ids[:, p], return_counts=True)
        base[p] = values[np.argmax(counts)]
    rows, cols = -(-height // tile), -(-width // tile)
    background = store[base].reshape(rows, cols, tile, tile, 4).swapaxes(1, 2).reshape(rows * tile, cols * tile, 4)
    number: dict[int, int] = {}
    refs = []
    for k in range(n):
        where = np.flatnonzero(ids[k] != base)
        refs.append(np.array([(p, number.setdefault(int(ids[k, p]), len(number))) for p in where],
                             np.int64).reshape(-1, 2))
    used = np.array(list(number), np.int64)
    tiles = store[used] if used.size else np.zeros((0, tile, tile, 4), np.uint8)
    return Tiled(width, height, tile, np.ascontiguousarray(background[:height, :width]), tiles, refs)


def _quantize(tiles: np.ndarray, colors: int, snap: Sequence[tuple[int, int, int]], transparent: bool) -> np.ndarray:
    """The tiles' pixels mapped through one palette of ``colors`` entries, the ``snap`` colours exact."""
    from PIL import Image

    flat = tiles.reshape(-1, 1, 4)
    if transparent:  # Pillow quantizes RGBA by octree only
        q = Image.fromarray(flat).quantize(colors, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    else:
        q = Image.fromarray(np.ascontiguousarray(flat[..., :3])).quantize(colors, method=Image.Quantize.MEDIANCUT,
                                                                         dither=Image.Dither.NONE)
    _snap(q, snap, transparent)
    mapped = np.array(q.convert("RGBA"))
    if not transparent:
        mapped[..., 3] = 255
    return mapped.reshape(tiles.shape)


def _snap(q, colors: Sequence[tuple[int, int, int]], transparent: bool) -> None:
    """Replace the palette entry nearest each colour by that exact colour (as the GIF encoder does); with
    alpha, among the nearly opaque entries, which become opaque."""
    from .encode import snap_nearest

    mode = "RGBA" if transparent else "RGB"
    pal = np.array(q.getpalette(mode), np.int64).reshape(-1, len(mode))
    used = set(np.flatnonzero(pal[:, 3] < 224).tolist()) if transparent else set()
    snap_nearest(pal[:, :3], colors, used)  # a view: the entries change in place
    if transparent:
        for c in colors:
            pal[(pal[:, :3] == c).all(axis=1) & (pal[:, 3] >= 224), 3] = 255
    q.putpalette(pal.astype(np.uint8).ravel().tolist(), mode)


def _varints(values: Iterable[int]) -> bytes:
    out = bytearray()
    for v in values:
        v = int(v)
        while v >= 0x80:
            out.append((v & 0x7F) | 0x80)
            v >>= 7
        out.append(v)
    return bytes(out)


def index_bytes(refs: Sequence[np.ndarray]) -> bytes:
    """The per-frame references as varints: count, then per tile (gap from the previous position,
    0 for "the next tile not used before" or 1 + an earlier tile's number)."""
    values: list[int] = []
    fresh = 0
    for r in refs:
        values.append(len(r))
        prev = -1
        for pos, i in r:
            values.append(int(pos) - prev - 1)
            prev = int(pos)
            if i == fresh:
                values.append(0)
                fresh += 1
            else:
                values.append(int(i) + 1)
    return _varints(values)


def read_index(data: bytes, frames: int) -> list[list[tuple[int, int]]]:
    """The inverse of :func:`index_bytes` (the player does the same in JavaScript)."""
    values, v, shift = [], 0, 0
    for b in data:
        v |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            values.append(v)
            v, shift = 0, 0
    it = iter(values)
    out, fresh = [], 0
    for _ in range(frames):
        row, prev = [], -1
        for _ in range(next(it)):
            prev += next(it) + 1
            code = next(it)
            if code == 0:
                code, fresh = fresh, fresh + 1
            else:
                code -= 1
            row.append((prev, code))
        out.append(row)
    return out


def webp_bytes(rgba: np.ndarray, transparent: bool) -> bytes:
    """Lossless WebP, as the player stores its images."""
    from PIL import Image

    im = Image.fromarray(rgba if transparent else np.ascontiguousarray(rgba[..., :3]))
    buf = io.BytesIO()
    im.save(buf, "WEBP", lossless=True, quality=90, method=6, exact=True)  # 100: 40x the time, 0.5% smaller
    return buf.getvalue()


def atlas_sheets(tiles: np.ndarray, tile: int) -> list[np.ndarray]:
    """The tiles laid out ``ATLAS_COLUMNS`` to a row, in sheets no taller than WebP allows."""
    per_sheet = ATLAS_COLUMNS * (MAX_WEBP_SIDE // tile)
    sheets = []
    for s in range(0, len(tiles), per_sheet):
        part = tiles[s:s + per_sheet]
        rows = -(-len(part) // ATLAS_COLUMNS)
        grid = np.zeros((rows * ATLAS_COLUMNS, tile, tile, 4), np.uint8)
        grid[:len(part)] = part
        sheets.append(grid.reshape(rows, ATLAS_COLUMNS, tile, tile, 4).swapaxes(1, 2)
                      .reshape(rows * tile, ATLAS_COLUMNS * tile, 4))
    return sheets


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@dataclass
class Readouts:
    """What the controls say at each frame: t, and each panel's name, colour and distance travelled."""

    t: list[str]
    names: list[str]
    colors: list[str]
    texts: list[list[str]]  # per panel, per frame


def payload(tiled: Tiled, times: Sequence[float], durations: Sequence[float], readouts: Readouts, *,
            title: str, mode: str, transparent: bool) -> dict:
    """Everything the player reads, as JSON-ready values."""
    return {
        "w": tiled.width, "h": tiled.height, "tile": tiled.tile, "cols": ATLAS_COLUMNS,
        "perSheet": ATLAS_COLUMNS * (MAX_WEBP_SIDE // tiled.tile), "frames": len(times),
        "bg": _data_uri("image/webp", webp_bytes(tiled.background, transparent)),
        "sheets": [_data_uri("image/webp", webp_bytes(s, transparent)) for s in atlas_sheets(tiled.tiles, tiled.tile)],
        "index": base64.b64encode(zlib.compress(index_bytes(tiled.refs), 9)).decode(),
        "t": [round(float(t), 6) for t in times], "tLabel": readouts.t,
        "dur": [round(float(d), 4) for d in durations],
        "panels": [{"name": n, "color": c, "text": tx} for n, c, tx in zip(readouts.names, readouts.colors,
                                                                          readouts.texts)],
        "title": title, "mode": mode, "transparent": transparent,
    }


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def fragment(data: dict, *, theme: dict[str, str], uid: str) -> str:
    """The ``<div>`` and ``<script>`` of one player, to paste into any page. The script carries the styles
    and puts them, the canvas and the controls in the div's shadow root: nothing reaches in or out."""
    blob = _script_json(data)
    w, h = data["w"], data["h"]
    style = ";".join(f"--ga-{k}:{v}" for k, v in {**theme, "w": f"{w}px"}.items())
    title = html.escape(data["title"].strip() or "geoanim animation")
    keys = "Left and right arrow keys step one frame; Space plays and pauses."
    css = _script_json(_asset("player.css").strip())
    script = _asset("player.js").replace('"__GEOANIM_CSS__"', css)
    return (f"{MARK_START}\n<div class=\"geoanim-player\" id=\"{uid}\" role=\"region\" "
            f"aria-label=\"Animation: {title}\" style=\"{style};max-width:{w}px;margin:0 auto\">\n"
            f"<canvas class=\"geoanim-canvas\" width=\"{w}\" height=\"{h}\" tabindex=\"0\" role=\"img\" "
            f"aria-label=\"{title}. {keys}\" style=\"aspect-ratio:{w}/{h}\"></canvas>\n"
            f"<noscript><p class=\"geoanim-msg\">This animation needs JavaScript.</p></noscript>\n"
            f"<script type=\"application/json\" class=\"geoanim-data\">{blob}</script>\n"
            f"</div>\n<script>{script}</script>\n{MARK_END}\n")


def _script_json(value) -> str:
    """JSON to put inside a <script> element: every '<' escaped, so no '</script>' or '<!--' in the data can
    end the element or change how the HTML parser reads it."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def check_size(width: int, height: int) -> None:
    """The player stores its background and atlases as WebP, which allows at most 16383 px a side."""
    if max(width, height) > MAX_WEBP_SIDE:
        from ..errors import EncodeError

        raise EncodeError(f"html: frames of {width}x{height} px are larger than the player holds "
                          f"(at most {MAX_WEBP_SIDE} px a side, after --scale)")


def page(fragment_html: str, *, title: str, bg: str, transparent: bool) -> str:
    """A whole HTML document around one player."""
    body_bg = "transparent" if transparent else bg
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{html.escape(title)}</title>\n"
            f"<style>body{{margin:0;padding:12px;background:{body_bg}}}</style>\n</head>\n<body>\n"
            f"{fragment_html}</body>\n</html>\n")


def extract_fragment(document: str) -> str:
    """The player fragment of a page (or the fragment itself) that :func:`page` wrote."""
    start, end = document.find(MARK_START), document.find(MARK_END)
    if start < 0 or end < 0:
        raise ValueError("not a geoanim player")
    return document[start:end + len(MARK_END)] + "\n"


def uid_for(data: dict) -> str:
    """A namespaced id from the content: the same render gives the same file."""
    return "geoanim-" + hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:10]


def build(frames: Callable[[], Iterable], *, width: int, height: int, times: Sequence[float],
          durations: Sequence[float], readouts: Readouts, title: str, mode: str, theme: dict[str, str],
          colors: int, snap: Sequence[tuple[int, int, int]], transparent: bool, snippet: bool) -> str:
    """The player's HTML (a page, or with ``snippet`` just the fragment) for frames drawn by ``frames()``."""
    tiled = tile_frames(frames(), width, height, colors=colors, snap=snap, transparent=transparent)
    data = payload(tiled, times, durations, readouts, title=title, mode=mode, transparent=transparent)
    frag = fragment(data, theme=theme, uid=uid_for(data))
    return frag if snippet else page(frag, title=title, bg=theme["bg"], transparent=transparent)
