"""Benchmark: GIF size and render time of the gallery's flagship, holds as repeated frames against holds
as one long frame, and smaller palettes, in one invocation.

Workload: normal(-4, 1) -> normal(4, 1), default options (fisher and wasserstein plus the (mean, std)
panel, 4 s at 20 fps, 0.6 s holds, 960x400). Contenders, alternating, in this process (after one
warm-up render):

    repeated   256 colours, every timeline frame encoded, equal neighbours too (the behaviour before)
    merged     256 colours, a hold is one frame with a long delay
    colors128  merged, 128 colours (the default)
    colors64   merged, --colors 64

    python bench/gif_size.py            # 3 runs of each; medians
    python bench/gif_size.py --runs 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import geoanim
from geoanim.options import RenderOptions
from geoanim.rendering import render_with

CONTENDERS = {  # the old behaviour first: 256 colours, holds as repeated frames
    "repeated": ({"colors": 256}, False),
    "merged": ({"colors": 256}, True),
    "colors128": ({"colors": 128}, True),  # the default
    "colors64": ({"colors": 64}, True),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    a, b = geoanim.parse("normal(-4, 1)"), geoanim.parse("normal(4, 1)")
    paths = [geoanim.geodesic(a, b, m) for m in ("fisher", "wasserstein")]
    tmp = tempfile.mkdtemp(prefix="geoanim-bench-")
    render_with(paths, os.path.join(tmp, "warm.gif"), RenderOptions())
    seconds: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    sizes, frames = {}, {}
    for run in range(args.runs):
        order = list(CONTENDERS) if run % 2 == 0 else list(reversed(CONTENDERS))
        for name in order:
            opts, merge = CONTENDERS[name]
            out = os.path.join(tmp, f"{name}.gif")
            start = time.perf_counter()
            anim = render_with(paths, out, RenderOptions(**opts), merge_holds=merge)
            seconds[name].append(time.perf_counter() - start)
            sizes[name], frames[name] = anim.size_bytes, anim.frames
    base_s, base_b = statistics.median(seconds["repeated"]), sizes["repeated"]
    print(f"flagship GIF, default options, median of {args.runs} run(s); ratios against 'repeated'")
    print(f"{'':10s} {'frames':>6s} {'bytes':>9s} {'size':>6s} {'seconds':>8s} {'time':>6s}")
    for name in CONTENDERS:
        s = statistics.median(seconds[name])
        print(f"{name:10s} {frames[name]:6d} {sizes[name]:9d} {sizes[name] / base_b:6.3f} {s:8.2f} {s / base_s:6.2f}")


if __name__ == "__main__":
    main()
