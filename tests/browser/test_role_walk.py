"""One walk per role, on the demo data, over every page the menu and the bottom bar lead to and the first
record of each list they show; on each page both the phone layout checks (tests/browser/test_phone_layout.py)
and axe-core (tests/browser/axe.py) run, in one browser page that is also held to the CSP and to a clean
console (the ``page`` fixture).

- At 390x844: the menu opens from its button and its items are tappable and apart; each page starts with
  its title and content, no two buttons or links overlap, every touch target is at least 44x44 px, nothing
  scrolls sideways; on a resident's page the action bar comes before the first section.
- At 390 and at 1280 px: no serious or critical axe violation.

The walk used to be three tests (the menu's pages, the record pages, axe) that each logged in, loaded the
demo data and visited the same pages again; the checks can still fail, see
``test_the_check_sees_overlap_and_small_targets`` and ``test_axe_reports_a_serious_violation``.
"""

from __future__ import annotations

import re

import pytest

from shelter.auth.models import Role
from tests.browser.axe import violations
from tests.browser.phone import DESKTOP, PHONE, htmx_settled, measure, menu_links, overlaps, too_small
from tests.browser.test_phone_layout import RECORD, check_page, demo_logins  # noqa: F401 (fixture)

# The roles whose record pages were held to the phone layout (their lists lead to residents, facilities,
# programmes and referrals); every role's record pages are checked by axe.
RECORD_LAYOUT_ROLES = ("intake_staff", "case_manager", "facility_manager")


def first_record(page) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => new URL(e.href).pathname)")
    return [h for h in hrefs if re.match(RECORD, h)][:1]


def actions_first(page, path: str) -> list[str]:
    bar = page.locator("main .action-bar").first
    if bar.count() and page.locator("main section.panel").count():
        first_section = page.locator("main section.panel").first.bounding_box()
        if bar.bounding_box()["y"] > first_section["y"] and path.startswith("/residents/"):
            return [f"{path}: the actions come after the first section"]
    return []


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_page_of_a_role_fits_a_phone_and_has_no_serious_axe_violation(role, demo_logins, page,
                                                                            browser_login):
    page.set_viewport_size(PHONE)
    browser_login(page, *demo_logins[role])
    # the menu opens from its button and its own items are tappable and apart
    page.click(".menu > summary")
    assert page.locator("nav.mainnav").is_visible()
    inside = [e for e in measure(page)["items"] if e["inMenu"]]
    assert len(inside) >= 8  # the menu's links, the account links, logout and the languages
    assert overlaps(inside) == [] and too_small(inside) == []
    links = menu_links(page)
    assert len(links) >= 6

    layout, axe = [], []
    records = []
    for path in links:
        layout += check_page(page, path)
        axe += [f"{PHONE['width']}px {path}: {v}" for v in violations(page)]
        records += first_record(page)
    records = list(dict.fromkeys(records))
    if role in RECORD_LAYOUT_ROLES:
        assert any(r.startswith("/residents/") for r in records) or role == "case_manager"
        assert len(records) >= 2
    for path in records:
        if role in RECORD_LAYOUT_ROLES:
            layout += check_page(page, path)
            layout += actions_first(page, path)
        else:
            page.goto(path)
            htmx_settled(page)  # axe sees the sections the page loads by itself too
        axe += [f"{PHONE['width']}px {path}: {v}" for v in violations(page)]

    page.set_viewport_size(DESKTOP)
    for path in dict.fromkeys(links + records):
        page.goto(path)
        htmx_settled(page)
        axe += [f"{DESKTOP['width']}px {path}: {v}" for v in violations(page)]
    assert not layout, "\n".join(layout)
    assert not axe, "\n".join(axe)
