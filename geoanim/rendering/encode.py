"""The only owner of codec details: GIF palettes and delays, MP4 pixel format and even sizes,
animated WebP, and atomic writes.

Frames arrive as RGBA buffers and stream straight into one ffmpeg process (imageio-ffmpeg's
bundled binary), which encodes on the other core while the next frame is drawn; memory does not
grow with the frame count. Output goes to a temporary file beside the target and is renamed into
place only when the encoder succeeded, so an error, Ctrl-C, SIGTERM or SIGHUP never leaves a
partial file, a palette folder or an ffmpeg process behind.

GIF is two passes so the palette is global and built from every frame without holding frames in
memory: pass 1 feeds every frame to palettegen, pass 2 draws the frames again (drawing is cheaper
than storing and decoding them) and maps them through that palette. The palette's entries nearest the theme's background
and text colours are snapped to those exact colours, so the background is never tinted.

A hold is one frame with a long delay, not many equal frames: the caller passes each frame's repeat
count, the frames go to ffmpeg once each (its raw-video pipe has no timestamps, so at a constant
rate), and the GIF's Graphic Control Extension delays (centiseconds) or the WebP's ANMF durations
(milliseconds) are then rewritten in the temporary file, before it is renamed into place. MP4 keeps a
constant frame rate: a repeated frame costs H.264 a few bytes, and players expect it.

A transparent GIF costs about 4x the bytes of an opaque one: once its palette has a transparent
entry, ffmpeg no longer marks unchanged pixels transparent but clears and redraws each frame's
whole drawn area (a pixel that goes from drawn to background needs it). WebP keeps real alpha.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path as FsPath

from ..errors import EncodeError
from ..interrupts import terminating

FORMATS = {".gif": "", ".mp4": "H.264", ".webp": "animated", ".png": "filmstrip",
           ".html": "interactive player"}  # suffix -> what it holds
MAX_GIF_FPS = 50.0  # GIF delays are whole centiseconds; browsers slow down delays under 20 ms


def one_of(choices: dict[str, str]) -> str:
    """{".gif": "", ".mp4": "H.264"} -> ".gif or .mp4 (H.264)": a list that reads as a sentence."""
    items = [f"{s} ({note})" if note else s for s, note in choices.items()]
    return ", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1 else items[0]


def output_format(path: str | os.PathLike) -> str:
    suffix = FsPath(path).suffix.lower()
    if not suffix:
        raise EncodeError(f"{path} has no suffix to tell the format: use {one_of(FORMATS)}")
    if suffix not in FORMATS:
        raise EncodeError(f"unsupported output format '{suffix}' for {path}: use {one_of(FORMATS)}")
    return suffix


def check_writable(path: str | os.PathLike) -> FsPath:
    """Fail early, in one line, when the output cannot be written."""
    p = FsPath(path)
    folder = p.parent if str(p.parent) else FsPath(".")
    if p.is_dir():
        raise EncodeError(f"cannot write {p}: it is a folder")
    if not folder.exists():
        raise EncodeError(f"cannot write {p}: folder '{folder}' does not exist")
    if not folder.is_dir():
        raise EncodeError(f"cannot write {p}: '{folder}' is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise EncodeError(f"cannot write {p}: folder '{folder}' is not writable")
    if p.exists() and not os.access(p, os.W_OK):
        raise EncodeError(f"cannot write {p}: the file exists and is not writable")
    AtomicOutput(p, p.suffix).discard()  # the permission bits can say yes where the file system says no
    return p


def gif_delay_check(fps: float) -> None:
    if fps > MAX_GIF_FPS:
        raise EncodeError(f"gif: --fps must be <= {MAX_GIF_FPS:g} (GIF delays under 20 ms are slowed "
                          f"down by browsers; got {fps:g}); use .mp4 or .webp for higher frame rates")


def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg
    except ImportError:  # pragma: no cover - a declared dependency
        raise EncodeError("imageio-ffmpeg is not installed; reinstall geoanim") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


class AtomicOutput:
    """A temporary path beside ``target``; ``commit()`` renames it into place, ``discard()`` removes it."""

    def __init__(self, target: FsPath, suffix: str):
        self.target = target
        try:
            fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".partial" + suffix,
                                        dir=str(target.parent) if str(target.parent) else ".")
        except OSError as exc:
            raise EncodeError(f"cannot write {target}: {exc.strerror or exc}") from None
        os.close(fd)
        self.tmp = FsPath(name)

    def commit(self) -> None:
        if self.tmp.stat().st_size == 0:
            raise EncodeError(f"encoder wrote nothing for {self.target}")
        try:
            os.chmod(self.tmp, 0o644)
            os.replace(self.tmp, self.target)
        except OSError as exc:
            raise EncodeError(f"cannot write {self.target}: {exc.strerror or exc}") from None

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(self, exc_type, *_) -> None:
        """Commit if the block wrote without an error; never leave the temporary file."""
        try:
            if exc_type is None:
                self.commit()
        finally:
            self.discard()

    def discard(self) -> None:
        try:
            self.tmp.unlink()
        except FileNotFoundError:
            pass


@dataclass
class VideoSpec:
    width: int
    height: int
    fps: float
    background: tuple[int, int, int]
    snap_colors: tuple[tuple[int, int, int], ...] = ()
    colors: int = 256  # GIF palette entries (the transparent one included)
    transparent: bool = False  # frames carry alpha; GIF keeps alpha 0 as its transparent entry


class _FFmpeg:
    """One ffmpeg process reading raw RGBA frames on stdin; errors become EncodeError.

    It adds itself to ``started`` before it starts the process, so whoever owns that list can
    kill it whatever happens (an exception, Ctrl-C, SIGTERM) before removing the output it writes.
    """

    def __init__(self, args: list[str], what: str, started: list[_FFmpeg]):
        self.what = what
        self.proc: subprocess.Popen | None = None
        self.log = tempfile.TemporaryFile()
        started.append(self)
        self.proc = subprocess.Popen([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin", *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log)
        _widen_pipe(self.proc.stdin)

    def write(self, buf) -> None:
        try:
            self.proc.stdin.write(buf)
        except (BrokenPipeError, OSError):
            self.finish()  # raises with ffmpeg's own message
            raise EncodeError(f"{self.what}: encoder stopped early") from None

    def finish(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        code = self.proc.wait()
        if code != 0:
            self.log.seek(0)
            lines = [ln for ln in self.log.read().decode(errors="replace").splitlines() if ln.strip()]
            raise EncodeError(f"{self.what}: ffmpeg failed: {lines[-1] if lines else f'exit code {code}'}")

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdin and not self.proc.stdin.closed:
                try:
                    self.proc.stdin.close()
                except OSError:  # unflushed bytes for a process that is gone
                    pass
        self.log.close()


def _widen_pipe(pipe) -> None:
    """Ask for a 1 MiB pipe (Linux): a frame then crosses in two writes instead of 24 context switches."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError):
        pass


def _raw_input(spec: VideoSpec) -> list[str]:
    return ["-threads", "1", "-filter_threads", "1", "-f", "rawvideo", "-pix_fmt", "rgba",
            "-s", f"{spec.width}x{spec.height}",
            "-framerate", f"{spec.fps:g}", "-i", "-"]


def write_video(target: str | os.PathLike, spec: VideoSpec, frames: Callable[[], Iterable],
                on_frame: Callable[[], None] | None = None, repeats: Sequence[int] | None = None) -> int:
    """Encode the frames to ``target``, atomically; returns the number of frames in the file.

    ``frames()`` yields RGBA buffers; it is called twice for GIF (palette pass, then encode pass):
    frames are drawn again rather than stored, so memory stays flat whatever the frame count.
    ``repeats[i]``: how many 1/fps ticks frame i lasts (default 1 each); GIF and WebP store it once
    with that duration, MP4 repeats it. SIGTERM and SIGHUP clean up like Ctrl-C (then, unless the
    caller handles them, still end the process: see :func:`geoanim.interrupts.terminating`).
    """
    with terminating(redeliver=True):
        return _write_video(target, spec, frames, on_frame, repeats)


def _write_video(target, spec: VideoSpec, frames, on_frame, repeats) -> int:
    target = check_writable(target)
    fmt = output_format(target)
    if fmt == ".gif":
        gif_delay_check(spec.fps)
    if spec.transparent and fmt == ".mp4":
        raise EncodeError(NO_MP4_ALPHA)
    out = scratch = None
    started: list[_FFmpeg] = []
    what = f"writing {target}"
    gif_alpha = spec.transparent and fmt == ".gif"
    prep = (lambda b: _matte(b, spec.background)) if gif_alpha else (lambda b: b)
    try:
        out = AtomicOutput(target, fmt)
        if fmt == ".gif":
            scratch = tempfile.TemporaryDirectory(prefix="geoanim-")
            palette = os.path.join(scratch.name, "palette.png")
            # the palette pass sees every frame, at every other pixel of every other row: the same
            # colours (flat fills, lines and text repeat over many pixels) at a quarter of the cost
            small = VideoSpec((spec.width + 1) // 2, (spec.height + 1) // 2, spec.fps, spec.background)
            alpha = int(spec.transparent)  # palettegen counts the transparent entry in max_colors
            pix = "rgba" if alpha else "rgb24"
            _stream(_FFmpeg([*_raw_input(small), "-vf", f"format={pix},palettegen=max_colors={spec.colors}:"
                             f"reserve_transparent={alpha}:stats_mode=full", "-update", "1", "-frames:v", "1",
                             "-y", palette], what, started), (prep(_subsample(b)) for b in frames()), on_frame)
            _snap_palette(palette, (spec.background, *spec.snap_colors))
            args = [*_raw_input(spec), "-i", palette, "-lavfi",
                    f"[0:v]format={pix}[v];[v][1:v]paletteuse=dither=none:diff_mode=rectangle:new=0"
                    + (":alpha_threshold=128" if alpha else ""),
                    "-loop", "0", "-f", "gif", "-y", str(out.tmp)]
        elif fmt == ".mp4":
            bg = "0x{:02X}{:02X}{:02X}".format(*spec.background)
            # H.264 in yuv420p needs even dimensions: pad with the background, never rescale
            vf = (f"pad=ceil(iw/2)*2:ceil(ih/2)*2:0:0:color={bg},"
                  "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p")
            args = [*_raw_input(spec), "-vf", vf, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20",
                    "-tune", "animation", "-profile:v", "high", "-colorspace", "bt709", "-color_primaries",
                    "bt709", "-color_trc", "bt709", "-color_range", "tv", "-movflags", "+faststart",
                    "-f", "mp4", "-y", str(out.tmp)]
        else:
            args = [*_raw_input(spec), "-c:v", "libwebp_anim", "-lossless", "1", "-compression_level", "3",
                    "-loop", "0", "-f", "webp", "-y", str(out.tmp)]
        count = _stream(_FFmpeg(args, what, started), (prep(b) for b in frames()), on_frame,
                        repeats if fmt == ".mp4" else None)
        if repeats is not None and fmt != ".mp4":
            count = _retime(out.tmp, fmt, repeats, spec.fps, transparent=spec.transparent)
        out.commit()
        return count
    finally:
        for ff in started:  # before the output goes: an encoder still running could write it again
            ff.kill()
        if out is not None:
            out.discard()
        if scratch is not None:
            scratch.cleanup()


def _subsample(buf) -> memoryview:
    import numpy as np

    return np.ascontiguousarray(np.asarray(buf)[::2, ::2]).data


def _matte(buf, background: tuple[int, int, int]) -> memoryview:
    """A frame for GIF, whose transparency is one palette entry, all or nothing: the pixels nothing was
    drawn on (alpha 0) stay transparent, every other one becomes opaque over the theme's page colour
    (so soft edges keep that page's tint: a light theme's GIF shows light fringes on a dark page)."""
    import numpy as np

    f = np.asarray(buf)
    a = f[..., 3:].astype(np.float32) / np.float32(255.0)
    out = np.empty_like(f)
    out[..., :3] = f[..., :3] * a + np.asarray(background, dtype=np.float32) * (1 - a) + 0.5
    out[..., 3:] = np.where(f[..., 3:] > 0, 255, 0)
    return out.data


def _stream(ff: _FFmpeg, frames: Iterable, on_frame, repeats: Sequence[int] | None = None) -> int:
    """Write each frame (``repeats[i]`` times, for a constant-rate format); returns the frames written."""
    count = 0
    try:
        for i, buf in enumerate(frames):
            for _ in range(1 if repeats is None else repeats[i]):
                ff.write(buf)
                count += 1
            if on_frame:
                on_frame()
        ff.finish()
    finally:
        ff.kill()
    return count


NO_MP4_ALPHA = "mp4: H.264 has no transparency; use .webp, .gif or .png for a transparent background"


# ---------------------------------------------------------------------------------------------
# per-frame durations, written into the encoded file
# ---------------------------------------------------------------------------------------------


def _retime(path: FsPath, fmt: str, repeats: Sequence[int], fps: float, *, transparent: bool = False) -> int:
    """Give each frame of the GIF or WebP at ``path`` the duration of the ticks it stands for, in place;
    returns the number of frames in the file."""
    data = bytearray(path.read_bytes())
    fields, width, unit = (gif_delay_fields(data), 2, 100) if fmt == ".gif" else (webp_duration_fields(data), 3, 1000)
    written = [int.from_bytes(data[f:f + width], "little") for f in fields]
    for f, d in zip(fields, frame_durations(written, repeats, fps, unit)):
        if d >= 1 << (8 * width):
            raise EncodeError(f"writing {path.name}: a frame of {d / unit:g} s is longer than {fmt[1:].upper()} allows")
        data[f:f + width] = d.to_bytes(width, "little")
    if transparent and fmt == ".webp":  # libwebp's default canvas colour is opaque white, which a viewer may paint
        for fourcc, at, size in webp_chunks(data):
            if fourcc == b"ANIM" and size >= 4:
                data[at:at + 4] = bytes(4)
    path.write_bytes(data)
    return len(fields)


def frame_durations(written: Sequence[int], repeats: Sequence[int], fps: float, unit: int) -> list[int]:
    """Each encoded frame's duration in 1/``unit`` s, when frame i of those fed at ``fps`` lasts ``repeats[i]`` ticks.

    ``written`` are the durations the encoder gave at the constant rate. They matter only when it wrote
    fewer frames than it was fed (WebP's encoder merges a frame equal to the one before): their running
    sum says where each written frame starts. Rounding is carried over, so the durations add up to the
    whole timeline to one unit.
    """
    n = len(repeats)
    if len(written) == n:
        starts = list(range(n))
    else:
        starts, at = [], 0
        for d in written:
            starts.append(int(round(at * fps / unit)))
            at += d
        if not written or starts[0] != 0 or starts[-1] >= n or any(b <= a for a, b in zip(starts, starts[1:])):
            raise EncodeError(f"encoder wrote {len(written)} frames for {n} with durations that do not add up")
    clock = [0]
    for k in repeats:
        clock.append(clock[-1] + int(k))
    ticks = [int(round(clock[s] * unit / fps)) for s in (*starts, n)]
    return [b - a for a, b in zip(ticks, ticks[1:])]


def _skip_sub_blocks(data: bytes | bytearray, pos: int) -> int:
    """Past a GIF data sub-block chain (size byte, that many bytes, ..., a zero size byte)."""
    while True:
        if pos >= len(data):
            raise EncodeError("GIF ends inside a block")
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos


def gif_delay_fields(data: bytes | bytearray) -> list[int]:
    """The offset of each image's 2-byte delay (little-endian centiseconds), walking the GIF's blocks:
    header, logical screen descriptor, global colour table, then extensions and images to the trailer.

    Every image must follow a Graphic Control Extension (ffmpeg writes one per frame).
    """
    if len(data) < 13 or bytes(data[:6]) not in (b"GIF87a", b"GIF89a"):
        raise EncodeError("not a GIF file")
    pos = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    fields: list[int] = []
    gce = None
    while True:
        if pos >= len(data):
            raise EncodeError("GIF ends before its trailer")
        block = data[pos]
        if block == 0x3B:  # trailer
            return fields
        if block == 0x21:  # extension: label, then sub-blocks
            if pos + 1 >= len(data):
                raise EncodeError("GIF ends inside an extension")
            if data[pos + 1] == 0xF9:  # Graphic Control: size 4, flags, delay (2), transparent index
                if pos + 7 >= len(data) or data[pos + 2] != 4:
                    raise EncodeError("GIF has a malformed Graphic Control Extension")
                gce = pos + 4
            pos = _skip_sub_blocks(data, pos + 2)
        elif block == 0x2C:  # image: descriptor (9 bytes), local colour table, LZW code size, sub-blocks
            if gce is None:
                raise EncodeError("GIF has an image without a Graphic Control Extension")
            if pos + 10 >= len(data):
                raise EncodeError("GIF ends inside an image descriptor")
            fields.append(gce)
            gce = None
            flags = data[pos + 9]
            pos += 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0)
            pos = _skip_sub_blocks(data, pos + 1)
        else:
            raise EncodeError(f"GIF has an unknown block 0x{block:02X} at byte {pos}")


def webp_chunks(data: bytes | bytearray) -> list[tuple[bytes, int, int]]:
    """(fourcc, payload offset, payload size) of each top-level chunk of a WebP file
    (RIFF: "RIFF", size, "WEBP", then chunks of fourcc, size, payload padded to even)."""
    if len(data) < 12 or bytes(data[:4]) != b"RIFF" or bytes(data[8:12]) != b"WEBP":
        raise EncodeError("not a WebP file")
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        raise EncodeError("WebP is shorter than its RIFF header says")
    chunks, pos = [], 12
    while pos < end:
        if pos + 8 > end:
            raise EncodeError("WebP ends inside a chunk header")
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        if pos + 8 + size > end:
            raise EncodeError("WebP ends inside a chunk")
        chunks.append((bytes(data[pos:pos + 4]), pos + 8, size))
        pos += 8 + size + (size & 1)
    return chunks


def webp_duration_fields(data: bytes | bytearray) -> list[int]:
    """The offset of each ANMF chunk's 3-byte frame duration (little-endian ms) in an animated WebP."""
    fields = []
    for fourcc, at, size in webp_chunks(data):
        if fourcc == b"ANMF":  # X, Y, width - 1, height - 1, duration (3 bytes each), flags, frame data
            if size < 16:
                raise EncodeError("WebP has a malformed ANMF chunk")
            fields.append(at + 12)
    return fields


def _snap_palette(path: str, colors) -> None:
    """Replace the palette entry nearest each given colour by that exact colour.

    palettegen averages each colour box, so the background can come out as (254, 254, 253);
    snapping restores flat, exact backgrounds and text. The transparent entry and the copies that
    fill a palette of fewer than 256 colours are left alone (snapping a copy would add a colour).
    """
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        rgba = np.array(im.convert("RGBA"), dtype=np.int32).reshape(-1, 4)
    pal = rgba[:, :3]
    seen: set[tuple[int, ...]] = set()
    used = set()
    for i, entry in enumerate(rgba):
        key = tuple(int(v) for v in entry)
        if entry[3] < 255 or key in seen:
            used.add(i)
        seen.add(key)
    snap_nearest(pal, colors, used)
    Image.fromarray(rgba.reshape(16, 16, 4).astype(np.uint8), "RGBA").save(path)


def snap_nearest(pal, colors, used: set[int]) -> None:
    """In the (n, 3) palette array, set the entry nearest each colour (skipping ``used`` ones, then marking
    it used) to that exact colour, if it is within 48 levels of it (a far entry is a colour of its own)."""
    import numpy as np

    for c in colors:
        dist = ((pal - np.array(c)) ** 2).sum(axis=1)
        for i in np.argsort(dist):
            if int(i) not in used:
                used.add(int(i))
                if dist[i] < 48 ** 2:
                    pal[i] = c
                break
