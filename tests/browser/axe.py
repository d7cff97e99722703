"""axe-core (vendored for tests only, tests/browser/vendor): the serious and critical violations on a page.

axe is evaluated through the DevTools protocol (Playwright's ``evaluate``), which the page's CSP does not
govern, so the same page that is checked under the CSP (the ``page`` fixture) can be checked by axe too;
no script tag is added to the page."""

from __future__ import annotations

from pathlib import Path

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.10.3" / "axe.min.js").read_text()
RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", ")}`);
}"""


def violations(page) -> list[str]:
    if page.evaluate("typeof window.axe") != "object":  # a fresh document after each navigation
        page.evaluate(AXE)
    return page.evaluate(RUN)
