"""axe-core finds no serious or critical violation on the main pages, at 390 and 1280 px, for each role,
on the demo data: checked in the walk of tests/browser/test_role_walk.py, on the same page (under the CSP)
as the phone layout checks. Here, that the check can fail."""

from __future__ import annotations

import pytest

from tests.browser.axe import violations
from tests.browser.test_phone_layout import demo_logins  # noqa: F401 (fixture)


@pytest.mark.browser
def test_axe_reports_a_serious_violation(demo_logins, page, browser_login):  # noqa: F811
    """The check can fail: a button without a name and grey-on-grey text are reported."""
    browser_login(page, *demo_logins["intake_staff"])
    page.goto("/board/")
    page.evaluate("""() => {
      const b = document.createElement("button"); document.querySelector("main").prepend(b);
      const p = document.createElement("p"); p.textContent = "sulit dibaca";
      Object.assign(p.style, {color: "#bbb", background: "#ccc"}); document.querySelector("main").prepend(p);
    }""")
    found = violations(page)
    assert any(v.startswith("button-name") for v in found) and any(v.startswith("color-contrast") for v in found)
