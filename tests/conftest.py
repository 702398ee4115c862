from __future__ import annotations

import pytest
from browser import CHROMIUM, Browser


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (tests/browser.py), one per xdist worker; open pages with `with browser.new_page() as p`."""
    if CHROMIUM is None:
        pytest.skip(
            "headless Chromium not found (install Debian's chromium: `python3 tests/browser.py --install`); "
            "browser tests skipped"
        )
    with Browser() as started:
        yield started
