"""Offline, for the board only: the service worker keeps the board's counts with their time and shows them
without a connection; a resident's page offline is a notice, not a copy; logging out empties the caches."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.phone import PHONE
from tests.browser.test_phone_layout import demo_logins  # noqa: F401 (fixture)


def cached_urls(page) -> list[str]:
    return page.evaluate("""async () => {
      const out = [];
      for (const key of await caches.keys()) {
        for (const request of await (await caches.open(key)).keys()) out.push(new URL(request.url).pathname);
      }
      return out;
    }""")


@pytest.mark.browser
def test_board_counts_offline_and_nothing_else(demo_logins, page, browser_login):  # noqa: F811
    page.set_viewport_size(PHONE)
    browser_login(page, *demo_logins["intake_staff"])
    page.goto("/residents/")
    resident = page.eval_on_selector_all(
        "main a[href]", "els => els.map(e => new URL(e.href).pathname).find(h => /^\\/residents\\/\\d+$/.test(h))")
    assert resident
    name = page.inner_text(f"main a[href='{resident}']")
    page.goto("/board/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker: the board's visit stores the counts
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    free = page.inner_text("#board .board-facility [data-count=available] >> nth=0")
    page.wait_for_function("""async () => !!(await caches.match('/board/offline'))""")
    urls = cached_urls(page)
    assert "/board/offline" in urls and "/offline" in urls
    assert not any(re.match(r"^/(residents|stays|plans|referrals)/", u) for u in urls), urls

    page.context.set_offline(True)
    try:
        page.goto("/board/")
        status = page.locator(".offline-board")
        expect(status).to_contain_text(re.compile(r"Luring — jumlah per \d{2}\.\d{2} WIB"))
        expect(page.locator("[data-count=available]").first).to_have_text(free)
        assert name not in page.content()  # counts only, never a resident

        page.goto(resident)
        expect(page.locator(".offline-notice")).to_be_visible()
        assert name not in page.content()
    finally:
        page.context.set_offline(False)

    page.goto("/board/")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    with page.expect_navigation():
        page.click(".menu > summary")
        page.click("form.logout-form button")
    assert "/login" in page.url
    page.wait_for_function("async () => (await caches.keys()).length === 0")
    assert cached_urls(page) == []
