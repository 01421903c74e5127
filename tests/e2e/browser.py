"""Debian's Chromium under Playwright, for the browser tests (Playwright cannot download its own browsers here).

Without Chromium a browser test is skipped, saying how to run it, unless LIAISON_REQUIRE_CHROMIUM is set
(.ci/run sets it): then it fails.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def require_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("LIAISON_REQUIRE_CHROMIUM"):
            pytest.fail("LIAISON_REQUIRE_CHROMIUM is set but no chromium is on PATH")
        pytest.skip("Chromium is not installed: `sudo apt-get install chromium` (Debian) runs this test; "
                    ".ci/run installs it")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()
