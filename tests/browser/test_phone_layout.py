"""The phone layout checks: at 390x844 a page starts with its title and content (the menu stays behind its
button), no two buttons or links overlap, every touch target is at least 44x44 px, and nothing scrolls
sideways. They run on every page of every role in tests/browser/test_role_walk.py (one walk with the axe
checks); here, that the measurements can fail."""

from __future__ import annotations

import pytest

from tests.browser.phone import PHONE, htmx_settled, measure, overlaps, too_small


@pytest.fixture
def demo_logins(app):
    from shelter import demo

    with app.app_context():
        return {role: (email, password) for role, email, password in demo.load()}


def check_page(page, path: str) -> list[str]:
    problems = []
    page.goto(path)
    htmx_settled(page)
    title = page.locator("main h1").first
    box = title.bounding_box() if title.count() else None
    if box is None or box["y"] + box["height"] > PHONE["height"] / 2:
        problems.append(f"{path}: the page's title is not in the top half of the first screen ({box})")
    if page.locator(".menu-body").is_visible():
        problems.append(f"{path}: the menu is open on arrival")
    main_top = page.locator("main").bounding_box()["y"]
    if main_top > 120:
        problems.append(f"{path}: the content starts {main_top:.0f} px down")
    m = measure(page)
    if m["scrollWidth"] > m["innerWidth"]:
        problems.append(f"{path}: scrolls sideways ({m['scrollWidth']} > {m['innerWidth']}: {m['wide']})")
    problems += [f"{path}: {p}" for p in overlaps(m["items"])]
    problems += [f"{path}: too small: {p}" for p in too_small(m["items"])]
    return problems


@pytest.mark.browser
def test_the_check_sees_overlap_and_small_targets(demo_logins, page, browser_login):
    """The measurements can fail: two buttons forced onto one spot and a 20 px link are reported."""
    page.set_viewport_size(PHONE)
    browser_login(page, *demo_logins["intake_staff"])
    page.goto("/board/")
    page.evaluate("""() => {
      const main = document.querySelector("main");
      for (const text of ["A", "B"]) {
        const a = document.createElement("a");
        a.href = "/"; a.className = "button"; a.textContent = text;
        Object.assign(a.style, {position: "absolute", top: "200px", left: "10px", width: "20px", height: "20px",
                                minWidth: "0", minHeight: "0"});
        main.prepend(a);
      }
      main.querySelector("h1").style.width = "1000px";
    }""")
    m = measure(page)
    assert overlaps(m["items"])
    assert any("'A'" in p for p in too_small(m["items"]))
    assert m["scrollWidth"] > m["innerWidth"]


RECORD = r"^/(residents|facilities|programmes|referrals|plans|stays)/\d+/?$"
