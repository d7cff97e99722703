"""Browser test fixtures: a live server for the test's ``app`` and headless Chromium through Playwright.

A pytest plugin, registered in tests/conftest.py, so the browser tests of every feature directory share
one Chromium per worker (a second sync Playwright in one process is an error).

Nothing is downloaded at run time: Chromium is the Debian package at /usr/bin/chromium (``.ci/run``
installs it). A test fails at teardown when the page logged a console error, threw an uncaught
exception, or the browser reported a Content-Security-Policy violation.

SQLite note: the app opens its SQLite transactions with BEGIN IMMEDIATE, so a write transaction left
open by the test thread would make the live server wait for the lock. The ``page`` fixture therefore
ends the test thread's transaction whenever the browser sends a request: commit what the server
should see before driving the page.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]

# Records CSP violations into window and reports them through an exposed function, so a violation
# is seen even when the page navigates away right after it.
CSP_LISTENER = """
(() => {
  window.__cspViolations = window.__cspViolations || [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const text = `${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
                 `at ${event.sourceFile || document.location.href}:${event.lineNumber}`;
    window.__cspViolations.push(text);
    if (window.__shelterReportCsp) { window.__shelterReportCsp(text); }
  });
})();
"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install the Debian package `chromium` (.ci/run does)"
        if _in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve the test's app (same database) on a free local port; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class BrowserProblems(list):
    """Console errors, uncaught page errors and CSP violations seen during one test."""

    def add(self, kind: str, text: str) -> None:
        self.append(f"{kind}: {text}")


def _on_console(message, problems: BrowserProblems) -> None:
    if message.type != "error":
        return
    url = message.location.get("url", "")
    problems.add("console", f"{message.text} ({url})")


@pytest.fixture
def browser_problems() -> BrowserProblems:
    return BrowserProblems()


@pytest.fixture
def page(browser, live_server, app, browser_problems):
    from shelter.extensions import db

    test_session = db.session()  # the test thread's session (see the module docstring)

    def release_test_transaction(_request) -> None:
        if test_session.in_transaction():
            test_session.rollback()

    context = browser.new_context(base_url=live_server)
    context.expose_function("__shelterReportCsp", lambda text: browser_problems.add("csp", text))
    context.add_init_script(CSP_LISTENER)
    context.on("request", release_test_transaction)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: _on_console(msg, browser_problems))
    page.on("pageerror", lambda error: browser_problems.add("pageerror", str(error)))
    yield page
    try:
        if not page.is_closed():
            for text in page.evaluate("window.__cspViolations || []"):
                if f"csp: {text}" not in browser_problems:
                    browser_problems.add("csp", text)
    finally:
        context.close()
    if browser_problems:
        pytest.fail("the browser reported problems:\n  " + "\n  ".join(browser_problems), pytrace=False)


@pytest.fixture
def browser_login(page, app):
    """Log in through the login form; returns the page, now on the page after login."""

    def do(page_, email: str, password: str):
        from shelter.extensions import db

        db.session.rollback()
        page_.goto("/login")
        # as tests/conftest.py's `login`: a user who needs two-step sign-in is enrolled with TOTP_SECRET
        # and this browser remembered for them (the two-step tests go through the code page instead)
        from shelter.auth.twostep import TRUST_COOKIE
        from tests.conftest import remembered_for_two_step

        token = remembered_for_two_step(app, email)
        if token:
            page_.context.add_cookies([{"name": TRUST_COOKIE, "value": token, "url": page_.url}])
        page_.fill("input[name=email]", email)
        page_.fill("input[name=password]", password)
        with page_.expect_navigation():
            page_.click("form:has(input[name=password]) button[type=submit]")
        assert "/login" not in page_.url, f"login as {email} failed; still on {page_.url}"
        return page_

    return do
