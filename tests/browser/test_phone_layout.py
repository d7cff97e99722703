"""At 390x844, for every role, on the demo data: each page the menu and the bottom bar lead to starts with
its title and content (the menu stays behind its button), no two buttons or links overlap, every touch
target is at least 44x44 px, and nothing scrolls sideways."""

from __future__ import annotations

import pytest

from shelter.auth.models import Role
from tests.browser.phone import PHONE, measure, menu_links, overlaps, too_small


@pytest.fixture
def demo_logins(app):
    from shelter import demo

    with app.app_context():
        return {role: (email, password) for role, email, password in demo.load()}


def check_page(page, path: str) -> list[str]:
    problems = []
    page.goto(path)
    page.wait_for_load_state("networkidle")
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
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_menu_page_fits_a_phone(role, demo_logins, page, browser_login):
    page.set_viewport_size(PHONE)
    email, password = demo_logins[role]
    browser_login(page, email, password)
    # the menu opens from its button and its own items are tappable and apart
    page.click(".menu > summary")
    assert page.locator("nav.mainnav").is_visible()
    inside = [e for e in measure(page)["items"] if e["inMenu"]]
    assert len(inside) >= 8  # the menu's links, the account links, logout and the languages
    assert overlaps(inside) == [] and too_small(inside) == []
    links = menu_links(page)
    assert len(links) >= 6
    problems = []
    for path in links:
        problems += check_page(page, path)
    assert not problems, "\n".join(problems)


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


@pytest.mark.browser
@pytest.mark.parametrize("role", ["intake_staff", "case_manager", "facility_manager"])
def test_record_pages_fit_a_phone_with_their_actions_first(role, demo_logins, page, browser_login):
    """The first record of every list the menu leads to (a resident, a facility, a programme, a referral):
    its action bar comes before its sections and fits, as on the menu's pages."""
    import re

    page.set_viewport_size(PHONE)
    browser_login(page, *demo_logins[role])
    records = []
    for path in menu_links(page):
        page.goto(path)
        hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => new URL(e.href).pathname)")
        records += [h for h in hrefs if re.match(RECORD, h)][:1]
    records = list(dict.fromkeys(records))
    assert any(r.startswith("/residents/") for r in records) or role == "case_manager"
    assert len(records) >= 2
    problems = []
    for path in records:
        problems += check_page(page, path)
        bar = page.locator("main .action-bar").first
        if bar.count() and page.locator("main section.panel").count():
            first_section = page.locator("main section.panel").first.bounding_box()
            if bar.bounding_box()["y"] > first_section["y"] and path.startswith("/residents/"):
                problems.append(f"{path}: the actions come after the first section")
    assert not problems, "\n".join(problems)
