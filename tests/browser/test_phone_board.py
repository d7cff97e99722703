"""The bed board on a 390-px phone (demo data): a short card per facility with its free beds, the rooms
behind a tap, the filters folded into one line with a clear button, and a room's grid within the width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE, measure, overlaps, too_small
from tests.browser.test_phone_layout import demo_logins  # noqa: F401 (fixture)


@pytest.mark.browser
def test_board_cards_rooms_on_tap_and_one_filter_line(demo_logins, page, browser_login):  # noqa: F811
    page.set_viewport_size(PHONE)
    browser_login(page, *demo_logins["admin"])
    page.goto("/board/")
    cards = page.locator("#board .board-facility")
    assert cards.count() >= 3
    # a short card per facility: the whole board fits in a few screens, not the 6,351 px of every grid
    height = page.evaluate("document.scrollingElement.scrollHeight")
    assert height < 3 * PHONE["height"], height
    expect(page.locator("#board .board-facility [data-count=available]").first).to_be_visible()
    assert page.locator("#board .bed-grid:visible").count() == 0
    # the big panti: a tap loads its rooms (htmx, no reload), open, the grid within the width
    page.evaluate("window.__marker = 1")
    cards.first.locator("a[hx-get*='facility=']").click()
    grid = page.locator("#board .bed-grid").first
    expect(grid).to_be_visible()
    assert page.evaluate("window.__marker") == 1
    box = grid.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    m = measure(page)
    assert m["scrollWidth"] <= m["innerWidth"]
    assert overlaps(m["items"]) == [] and too_small(m["items"]) == []
    expect(page.locator("#board .filter-line")).to_contain_text("satu fasilitas")
    page.click("#board .filter-clear")
    expect(page.locator("#board .filter-line")).to_have_count(0)
    # the filters: behind one button; chosen, they show as one line with a clear button
    expect(page.locator("#filter-kota")).to_be_hidden()
    page.click(".filter-fold > summary")
    page.select_option("#filter-kota", "jakarta_timur")
    line = page.locator("#board .filter-line")
    expect(line).to_contain_text("Filter:")
    expect(line).to_contain_text("Jakarta Timur")
    # a small facility's rooms open with a tap, and the board's refresh keeps them open
    rooms = page.locator("#board details.board-rooms").first
    expect(rooms.locator(".bed-grid").first).to_be_hidden()
    rooms.locator("summary").click()
    expect(rooms.locator(".bed-grid").first).to_be_visible()
    page.evaluate("htmx.trigger(document.body, 'boardStale')")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    expect(page.locator("#board details.board-rooms .bed-grid").first).to_be_visible()
