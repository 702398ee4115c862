"""Benchmark: geoanim render against a naive matplotlib script, in one invocation.

Reference workload: normal(-4,1) -> normal(4,1), fisher and wasserstein (plus the (mean, std)
panel), 120 frames, 960x400 px, 20 fps, as GIF and as MP4. Each contender runs as a whole fresh
process (start-up and imports included). The runs are interleaved in pairs (geoanim, naive, then
naive, geoanim, ...), so a burst of load from elsewhere hits both sides of a pair: the verdict is
the median of the per-pair speed-ups, printed with their spread, not a ratio of two medians taken
at different moments.
Also compared: GIF size, and geoanim's peak memory (max RSS of the process and its ffmpeg) for
1200 frames against 120.

    python bench/render.py            # 3 runs of each
    python bench/render.py --runs 1   # quicker, noisier

Targets (issue 3): >= 15x faster for GIF and MP4, GIF <= 0.65x the naive size, memory ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB, the process or any descendant it waited for) of a command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode()
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{err}")
    return wall, usage.ru_maxrss


def geoanim_cmd(out: str, frames: int) -> list[str]:
    return [sys.executable, "-m", "geoanim", "render", "normal(-4, 1)", "normal(4, 1)", "--metric", "fisher",
            "--metric", "wasserstein", "--frames", str(frames), "--fps", "20", "--size", "960x400",
            "--hold", "0", "--easing", "linear", "--quiet", "-o", out]


def naive_cmd(out: str, frames: int) -> list[str]:
    return [sys.executable, os.path.join(HERE, "naive_baseline.py"), out, str(frames)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="geoanim-bench-")
    results: dict[tuple[str, str], list[float]] = {}
    sizes: dict[tuple[str, str], int] = {}
    contenders = (("geoanim", geoanim_cmd), ("naive", naive_cmd))
    for fmt in ("gif", "mp4"):
        for i in range(args.runs):
            # one pair: both run back to back, in alternating order so neither always goes first
            for who, make in contenders if i % 2 == 0 else contenders[::-1]:
                out = os.path.join(tmp, f"{who}.{fmt}")
                wall, _ = run(make(out, 120))
                results.setdefault((who, fmt), []).append(wall)
                sizes[(who, fmt)] = os.path.getsize(out)
    print(f"workload: normal(-4,1) -> normal(4,1), fisher + wasserstein + (mean, std) panel, 120 frames, "
          f"960x400, 20 fps; whole-process wall time, {args.runs} interleaved pairs (median, range)")
    ok = True
    for fmt in ("gif", "mp4"):
        g, n = results[("geoanim", fmt)], results[("naive", fmt)]
        ratios = sorted(b / a for a, b in zip(g, n))  # per pair: both sides saw the same load
        ratio = statistics.median(ratios)
        ok &= ratio >= 15
        print(f"  {fmt}: geoanim {statistics.median(g):6.2f} s   naive {statistics.median(n):6.2f} s   "
              f"speed-up {ratio:5.1f}x (pairs {ratios[0]:.1f}-{ratios[-1]:.1f}x; target >= 15x)")
    size_ratio = sizes[("geoanim", "gif")] / sizes[("naive", "gif")]
    ok &= size_ratio <= 0.65
    print(f"  gif size: geoanim {sizes[('geoanim', 'gif')] / 1024:.0f} KiB   naive "
          f"{sizes[('naive', 'gif')] / 1024:.0f} KiB   ratio {size_ratio:.2f} (target <= 0.65)")
    mem = {}
    for frames in (120, 1200):
        out = os.path.join(tmp, f"mem{frames}.gif")
        peaks = [run(geoanim_cmd(out, frames))[1] for _ in range(max(1, args.runs // 2))]
        mem[frames] = statistics.median(peaks)
    mem_ratio = mem[1200] / mem[120]
    ok &= mem_ratio <= 1.3
    print(f"  peak memory (max RSS, GIF): 120 frames {mem[120] / 1024:.0f} MiB   1200 frames "
          f"{mem[1200] / 1024:.0f} MiB   ratio {mem_ratio:.2f} (target <= 1.3)")
    print("all targets met" if ok else "SOME TARGETS MISSED")


if __name__ == "__main__":
    main()
