"""A background export on a phone, in Chromium: the buttons fit the screen, the progress fragment polls
itself, and turns into the download link once the scheduler's job has written the file, without a reload."""

from __future__ import annotations

import pytest

from shelter.scheduler.jobs import JOBS, run_job
from tests.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
RUN_EXPORTS = next(job for job in JOBS if job.name == "run_exports")


@pytest.fixture
def config_overrides():
    return {"export_background_rows": 1}


def test_a_background_export_turns_into_a_download_link_without_a_reload(
        page, browser_login, app, make_facility, make_user, make_resident):
    facility = make_facility()
    for name in ("Siti Rahayu Rekaan", "Dewi Lestari Rekaan"):
        make_resident(facility, full_name=name)
    user = make_user(roles=("caseworker",), facilities=(facility,))
    page.set_viewport_size(PHONE)
    browser_login(page, user.email, PASSWORD)

    page.goto("/residents/")
    button = page.get_by_role("button", name="Unduh CSV")
    box = button.bounding_box()
    assert box and box["x"] + box["width"] <= PHONE["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert page.locator("input[name=personal]").count() == 0  # a caseworker: no names box
    button.click()
    page.wait_for_selector("#export-progress progress")
    assert "/exports/" in page.url
    page.evaluate("window.__notReloaded = true")
    page.wait_for_timeout(2500)   # it polls while queued
    assert page.locator("#export-progress progress").count() == 1

    run_job(app, RUN_EXPORTS)
    link = page.wait_for_selector("#export-progress a[href$='/file']", timeout=10000)
    assert page.evaluate("window.__notReloaded === true")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("penghuni-")
    content = open(download.value.path(), encoding="utf-8-sig").read()
    assert "id_penghuni" in content and "Siti" not in content
