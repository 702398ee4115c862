"""The linter and the type checker, run as tests (both are configured in pyproject.toml).

ruff checks the whole repository; mypy checks the math core (the ``files`` of ``[tool.mypy]``).
Each runs as its own process from the repository root, with the interpreter running the tests, so
it sees the same installed packages; a problem fails the test with the tool's own report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_tool(args: list[str], timeout: float) -> None:
    """Run ``python -m <args>`` in the repository root; fail with its output unless it exits 0."""
    command = [sys.executable, "-m", *args]
    shown = "python3 -m " + " ".join(args)
    try:
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{shown}` did not finish in {timeout:g} s", pytrace=False)
    if proc.returncode != 0:
        report = "\n".join(part.strip() for part in (proc.stdout, proc.stderr) if part.strip())
        pytest.fail(f"`{shown}` exited {proc.returncode}:\n{report}", pytrace=False)


def test_ruff_reports_no_problems():
    run_tool(["ruff", "check", "."], timeout=120)


def test_mypy_reports_no_problems():
    run_tool(["mypy"], timeout=600)
