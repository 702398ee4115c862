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
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path as FsPath

from ..errors import EncodeError
from ..interrupts import terminating

FORMATS = {".gif": "GIF", ".mp4": "MP4 (H.264)", ".webp": "animated WebP", ".png": "PNG filmstrip"}
MAX_GIF_FPS = 50.0  # GIF delays are whole centiseconds; browsers slow down delays under 20 ms


def output_format(path: str | os.PathLike) -> str:
    suffix = FsPath(path).suffix.lower()
    if suffix not in FORMATS:
        shown = suffix or "none"
        raise EncodeError(f"unsupported output format '{shown}' for {path}: use one of "
                          + ", ".join(f"{s} ({d})" for s, d in FORMATS.items()))
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
                on_frame: Callable[[], None] | None = None) -> int:
    """Encode the frames to ``target``, atomically; returns the number of frames written.

    ``frames()`` yields RGBA buffers; it is called twice for GIF (palette pass, then encode pass):
    frames are drawn again rather than stored, so memory stays flat whatever the frame count.
    SIGTERM and SIGHUP clean up like Ctrl-C (then, unless the caller handles them, still end the
    process: see :func:`geoanim.interrupts.terminating`).
    """
    with terminating(redeliver=True):
        return _write_video(target, spec, frames, on_frame)


def _write_video(target, spec: VideoSpec, frames, on_frame) -> int:
    target = check_writable(target)
    fmt = output_format(target)
    if fmt == ".gif":
        gif_delay_check(spec.fps)
    out = scratch = None
    started: list[_FFmpeg] = []
    what = f"writing {target}"
    try:
        out = AtomicOutput(target, fmt)
        if fmt == ".gif":
            scratch = tempfile.TemporaryDirectory(prefix="geoanim-")
            palette = os.path.join(scratch.name, "palette.png")
            # the palette pass sees every frame, at every other pixel of every other row: the same
            # colours (flat fills, lines and text repeat over many pixels) at a quarter of the cost
            small = VideoSpec((spec.width + 1) // 2, (spec.height + 1) // 2, spec.fps, spec.background)
            _stream(_FFmpeg([*_raw_input(small), "-vf", "format=rgb24,palettegen=max_colors=256:"
                             "reserve_transparent=0:stats_mode=full", "-update", "1", "-frames:v", "1",
                             "-y", palette], what, started), (_subsample(b) for b in frames()), on_frame)
            _snap_palette(palette, (spec.background, *spec.snap_colors))
            args = [*_raw_input(spec), "-i", palette, "-lavfi",
                    "[0:v]format=rgb24[v];[v][1:v]paletteuse=dither=none:diff_mode=rectangle:new=0",
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
        count = _stream(_FFmpeg(args, what, started), frames(), on_frame)
        out.commit()
        return count
    finally:
        for ff in started:  # before the output goes: an encoder still running could write it again
            ff.kill()
        if out is not None:
            out.discard()
        if scratch is not None:
            scratch.cleanup()


def _subsample(buf) -> bytes:
    import numpy as np

    return np.ascontiguousarray(np.asarray(buf)[::2, ::2]).data


def _stream(ff: _FFmpeg, frames: Iterable, on_frame) -> int:
    count = 0
    try:
        for buf in frames:
            ff.write(buf)
            count += 1
            if on_frame:
                on_frame()
        ff.finish()
    finally:
        ff.kill()
    return count


def _snap_palette(path: str, colors) -> None:
    """Replace the palette entry nearest each given colour by that exact colour.

    palettegen averages each colour box, so the background can come out as (254, 254, 253);
    snapping restores flat, exact backgrounds and text.
    """
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        pal = np.array(im.convert("RGB"), dtype=np.int32).reshape(-1, 3)
    used = set()
    for c in colors:
        dist = ((pal - np.array(c)) ** 2).sum(axis=1)
        for i in np.argsort(dist):
            if int(i) not in used:
                used.add(int(i))
                if dist[i] < 48 ** 2:
                    pal[i] = c
                break
    Image.fromarray(pal.reshape(16, 16, 3).astype(np.uint8), "RGB").save(path)
