"""The JupyterLab server and the browser the browser tests drive, and what happens without a browser.

The tests need a chromium executable: Debian's ``/usr/bin/chromium`` (the package ``chromium``),
else a ``chromium`` on the PATH. Without one they are skipped, and the run ends with one line
saying what is missing; where the environment variable CI is set they must run, so a missing
chromium fails them instead."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_sync
import pytest
from in_browser import CHROMIUM_ARGS, PAINT_REPORTS, jupyterlab_server

HERE = Path(__file__).resolve().parent
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
MISSING = (f"no chromium executable ({DEBIAN_CHROMIUM} and `chromium` on the PATH are missing; "
           "on Debian: apt-get install chromium)")


def find_chromium() -> Path | None:
    """Debian's chromium, else the first `chromium` on the PATH; None if neither exists."""
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


def in_ci() -> bool:
    """Whether the environment variable CI is set (to anything but an empty string, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


CHROMIUM = find_chromium()


def pytest_collection_modifyitems(config, items):
    """Without chromium (and outside CI), skip every test in this folder."""
    if CHROMIUM is not None or in_ci():
        return
    skip = pytest.mark.skip(reason=f"browser tests skipped: {MISSING}")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter):
    """`pytest -q` hides skip reasons: state the missing browser in one line. It also hides what
    a passing test prints: show the controls' paint times measured in the page."""
    if CHROMIUM is None and not in_ci() and terminalreporter.stats.get("skipped"):
        terminalreporter.write_line(f"browser tests skipped: {MISSING}")
    if PAINT_REPORTS:
        terminalreporter.section("controls in the browser")
        for line in PAINT_REPORTS:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The chromium executable; in CI, fails the test when there is none."""
    if CHROMIUM is None:
        pytest.fail(f"CI is set, so the browser tests must run, but there is {MISSING}")
    return CHROMIUM


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory) -> Iterator[str]:
    """The base URL of a JupyterLab server on a temporary copy of notebooks/ (one per test module)."""
    with jupyterlab_server(tmp_path_factory.mktemp("lab")) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory, chromium):
    """Headless Chromium with a fresh profile."""
    with playwright_sync.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(chromium), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1400},
        )
        yield context
        context.close()


@pytest.fixture
def page(browser):
    """A new tab; fails the test on any uncaught JavaScript error in it."""
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
