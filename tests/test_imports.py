"""Import costs: the math core never pulls in the rendering or CLI stacks, and `import geoanim` is instant."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY_UI = {"matplotlib", "imageio", "imageio_ffmpeg", "typer", "rich", "click", "PIL"}


def loaded_after(code: str, modules: bool = False) -> set[str]:
    """Top-level packages (or, with ``modules``, all modules) in sys.modules after running ``code`` in a
    fresh interpreter."""
    name = "m" if modules else "m.split('.')[0]"
    script = code + f"\nimport sys, json\nprint(json.dumps(sorted({{{name} for m in sys.modules}})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_geoanim_alone_is_light():
    mods = loaded_after("import geoanim\ngeoanim.__version__")
    assert "geoanim" in mods
    assert not mods & ({"numpy", "scipy"} | HEAVY_UI), mods & ({"numpy", "scipy"} | HEAVY_UI)


def test_math_core_does_not_load_ui_stacks():
    mods = loaded_after("import geoanim, geoanim.spec, geoanim.families, geoanim.paths, geoanim.errors\n"
                        "d = geoanim.parse('normal(0, 1)')\n"
                        "geoanim.distance(d, geoanim.parse('laplace(0, 1)'), 'fisher')\n"
                        "geoanim.distance(d, geoanim.parse('uniform(0, 1)'), 'w2')")
    assert "numpy" in mods  # the check itself works: the core did run
    assert not mods & HEAVY_UI, mods & HEAVY_UI


def test_layers_import_downwards_only():
    # families sit below the parser, the parser below the metrics: neither loads what is above it
    mods = loaded_after("import geoanim.families as f\nf.Normal(0, 1)", modules=True)
    assert not {m for m in mods if m.startswith(("geoanim.spec", "geoanim.paths", "geoanim.rendering"))}
    mods = loaded_after("import geoanim.spec as s\ns.parse('normal(0, 1)')", modules=True)
    assert "geoanim.spec" in mods and not {m for m in mods if m.startswith(("geoanim.paths", "geoanim.rendering"))}


def test_lazy_attributes():
    mods = loaded_after("import geoanim\nassert 'parse' in dir(geoanim)\ngeoanim.GeoanimError")
    assert not mods & ({"numpy", "scipy"} | HEAVY_UI)
    mods = loaded_after("import geoanim\ngeoanim.parse")
    assert "numpy" in mods and not mods & HEAVY_UI


def test_missing_attribute_is_an_attribute_error():
    out = subprocess.run([sys.executable, "-c", "import geoanim\ntry:\n    geoanim.nope\nexcept AttributeError as e:\n"
                          "    print(e)"], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "module 'geoanim' has no attribute 'nope'"
