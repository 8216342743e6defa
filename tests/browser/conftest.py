"""Real-browser fixtures: the app served by a real HTTP server on 127.0.0.1, driven
by Playwright in Debian's headless Chromium (``IDEABOARD_CHROMIUM`` to point elsewhere).

Without Chromium or Playwright these tests skip with the reason; in CI
(``IDEABOARD_REQUIRE_BROWSER=1``) they fail instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

from tests.helpers.servers import served

CHROMIUM = os.environ.get("IDEABOARD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "needs the playwright package (pip install -e '.[test]')"
    if not os.path.exists(CHROMIUM):
        return "needs Chromium (apt-get install chromium) or IDEABOARD_CHROMIUM"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing_browser()
    if reason:
        if os.environ.get("IDEABOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (IDEABOARD_REQUIRE_BROWSER=1, so this may not skip)")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _closing_every_response(app):
    """The app, with each response read whole and its iterator closed before it goes
    on the wire. Werkzeug's development server closes the iterator only after it has
    drained the socket, and skips that when the browser has already dropped the
    connection (a navigation cancels a favicon or stylesheet request), which leaves
    the static file open and fails the test with a ResourceWarning at random."""

    def buffered(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return buffered


@pytest.fixture
def live_server(app):
    """The test app served over HTTP on a free port of 127.0.0.1."""
    with served(_closing_every_response(app)) as base_url:
        yield base_url


@pytest.fixture
def new_page(browser, live_server):
    """``new_page(width=1280)``: a page in a fresh browser context (its own cookies);
    ``javascript=False`` for the journeys that must work without it."""
    contexts = []

    def make(width: int = 1280, height: int = 900, javascript: bool = True):
        context = browser.new_context(base_url=live_server, java_script_enabled=javascript,
                                      viewport={"width": width, "height": height})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
