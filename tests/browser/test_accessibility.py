"""axe-core (vendored for tests only, tests/browser/vendor) finds no serious or critical violation on the
main pages, at 390 and 1280 px, for each role, on the demo data.

axe is injected into a context that bypasses the CSP (it is a test tool, not part of the pages); the pages
themselves are checked under the CSP by every other browser test."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shelter.auth.models import Role
from tests.browser.phone import DESKTOP, PHONE, menu_links
from tests.browser.test_phone_layout import RECORD, demo_logins  # noqa: F401 (fixture)

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.10.3" / "axe.min.js").read_text()
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


def violations(page) -> list[str]:
    page.add_script_tag(content=AXE)
    return page.evaluate(RUN)


@pytest.fixture
def axe_page(browser, live_server, app):
    context = browser.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_main_pages_have_no_serious_violation(role, demo_logins, axe_page, browser_login):  # noqa: F811
    page = axe_page
    browser_login(page, *demo_logins[role])
    pages = menu_links(page)
    for path in list(pages):
        page.goto(path)
        hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => new URL(e.href).pathname)")
        pages += [h for h in hrefs if re.match(RECORD, h)][:1]
    pages = list(dict.fromkeys(pages))
    found = []
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(path)
            found += [f"{size['width']}px {path}: {v}" for v in violations(page)]
    assert not found, "\n".join(found)


@pytest.mark.browser
def test_axe_reports_a_serious_violation(demo_logins, axe_page, browser_login):  # noqa: F811
    """The check can fail: a button without a name and grey-on-grey text are reported."""
    page = axe_page
    browser_login(page, *demo_logins["intake_staff"])
    page.goto("/board/")
    page.evaluate("""() => {
      const b = document.createElement("button"); document.querySelector("main").prepend(b);
      const p = document.createElement("p"); p.textContent = "sulit dibaca";
      Object.assign(p.style, {color: "#bbb", background: "#ccc"}); document.querySelector("main").prepend(p);
    }""")
    found = violations(page)
    assert any(v.startswith("button-name") for v in found) and any(v.startswith("color-contrast") for v in found)
