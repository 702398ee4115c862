"""The naive way to make geoanim's reference animation, for bench/render.py to compare against.

matplotlib FuncAnimation whose update clears and redraws every axes each frame, saved with
PillowWriter (GIF) or FFMpegWriter (MP4): what a first script would do. Same content and size as
geoanim's flagship: normal(-4,1) -> normal(4,1), Fisher-Rao and Wasserstein-2 panels plus the
(mean, std) half-plane, 960x400 px, 20 fps.

Usage: python bench/naive_baseline.py OUT.gif|OUT.mp4 FRAMES
"""

import math
import sys

import matplotlib

matplotlib.use("Agg")
import imageio_ffmpeg
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter

out, frames = sys.argv[1], int(sys.argv[2])
W, H, FPS = 960, 400, 20
m1, s1, m2, s2 = -4.0, 1.0, 4.0, 1.0


def fisher(t):
    # Fisher-Rao on normals: semicircle in (mu/sqrt2, sigma), arc length linear in t
    x1, x2 = m1 / math.sqrt(2), m2 / math.sqrt(2)
    c = (x2**2 + s2**2 - x1**2 - s1**2) / (2 * (x2 - x1))
    r = math.hypot(x1 - c, s1)
    u1, u2 = math.asinh((x1 - c) / s1), math.asinh((x2 - c) / s2)
    u = (1 - t) * u1 + t * u2
    return (c + r * math.tanh(u)) * math.sqrt(2), r / math.cosh(u)


def wasserstein(t):
    return (1 - t) * m1 + t * m2, (1 - t) * s1 + t * s2


def pdf(x, m, s):
    return np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))


x = np.linspace(-10, 10, 600)
ts = np.linspace(0, 1, frames)
fig, axes = plt.subplots(1, 3, figsize=(W / 100, H / 100), dpi=100)
colors = ["#D55E00", "#0072B2"]
L = {"Fisher-Rao on normals": math.sqrt(2) * math.acosh(17), "Wasserstein-2": 8.0}


def update(i):
    t = ts[i]
    panels = [("Fisher-Rao on normals", fisher), ("Wasserstein-2", wasserstein)]
    for ax, (name, geo), c in zip(axes[:2], panels, colors):
        ax.clear()
        m, s = geo(t)
        y = pdf(x, m, s)
        ax.plot(x, pdf(x, m1, s1), "--", color="grey", lw=1)
        ax.plot(x, pdf(x, m2, s2), "--", color="grey", lw=1)
        ax.fill_between(x, y, color=c, alpha=0.3)
        ax.plot(x, y, color=c, lw=2)
        ax.set_ylim(0, 0.45)
        ax.set_title(name, color=c)
        ax.set_xlabel(f"t = {t:.2f}   travelled {t * L[name]:.2f} of {L[name]:.2f}")
    ax = axes[2]
    ax.clear()
    tt = np.linspace(0, 1, 200)
    for geo, c in zip([fisher, wasserstein], colors):
        pts = np.array([geo(v) for v in tt])
        ax.plot(pts[:, 0], pts[:, 1], color=c)
        m, s = geo(t)
        ax.plot([m], [s], "o", color=c)
    ax.set_xlim(-6, 6)
    ax.set_ylim(0, 3.5)
    ax.set_xlabel("mean")
    ax.set_ylabel("std")


update(0)
fig.tight_layout()  # once: a naive script still lays the figure out only at the start


anim = FuncAnimation(fig, update, frames=frames)
if out.endswith(".gif"):
    anim.save(out, writer=PillowWriter(fps=FPS))
else:
    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    anim.save(out, writer=FFMpegWriter(fps=FPS, codec="libx264", extra_args=["-pix_fmt", "yuv420p"]))
