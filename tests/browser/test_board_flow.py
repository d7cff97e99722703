"""In Chromium: intake staff filter the bed board, admit a resident into a free bed from the board, see
the counter drop without a page reload, then transfer and discharge them, all in the board's side
panel; the board's poll gets a 304 once nothing changed and keeps the board as it is. A marker set in window survives (no reload); the ``page`` fixture fails the test on console
errors or CSP violations."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from shelter.extensions import db
from shelter.stays.models import Stay
from tests.conftest import PASSWORD


def _stays(resident_id: int) -> list[Stay]:
    db.session.rollback()  # see what the live server committed
    return list(db.session.scalars(sa.select(Stay).where(Stay.resident_id == resident_id).order_by(Stay.id)))


@pytest.mark.browser
def test_filter_admit_transfer_and_discharge_from_the_board(make_facility, make_room, make_bed, make_user,
                                                            page, browser_login):
    from datetime import date

    from shelter.residents.models import Resident

    here = make_facility(name="Panti Uji Papan", kota="jakarta_timur")
    elsewhere = make_facility(name="Panti Lain Utara", kota="jakarta_utara")
    room = make_room(facility=here, name="Kamar Melati", sex="female", age_group="adult")
    beds = [make_bed(room=room, label=f"M-{n}") for n in range(1, 4)]
    make_bed(room=make_room(facility=elsewhere))
    staff = make_user(roles=("intake_staff",), facilities=[here])
    resident = Resident(full_name="Wulan Peramban", sex="female", birth_date=date(1994, 2, 3),
                        registered_facility_id=here.id)
    db.session.add(resident)
    db.session.commit()
    here_id, elsewhere_id, resident_id = here.id, elsewhere.id, resident.id
    first, second = beds[0].id, beds[1].id
    email = staff.email
    db.session.commit()

    browser_login(page, email, PASSWORD)
    page.goto("/board/")
    page.evaluate("window.__marker = 1")
    free = page.locator(f"#counts-{here_id} [data-count=available]")
    expect(free).to_have_text("3")
    expect(page.locator(f"#facility-{elsewhere_id}")).to_have_count(1)

    # Filter: only Jakarta Timur. The board fragment changes and the address bar follows.
    page.select_option("#filter-kota", "jakarta_timur")
    expect(page.locator(f"#facility-{elsewhere_id}")).to_have_count(0)
    expect(page.locator(f"#facility-{here_id}")).to_have_count(1)
    assert "kota=jakarta_timur" in page.url

    # Admit from a free bed: the form opens in the panel, the bed and the counter change in place.
    page.click(f"#bed-{first}")
    panel = page.locator("#panel .admit-panel")
    expect(panel).to_be_visible()
    page.fill("#q", "wulan")
    expect(page.locator(f"#resident-choices input[value='{resident_id}']")).to_have_count(1)
    page.check(f"#resident-choices input[value='{resident_id}']")
    page.click("#panel button[value=admit]")
    expect(page.locator("#panel .done")).to_be_visible()
    expect(free).to_have_text("2")
    expect(page.locator(f"#bed-{first}")).to_have_attribute("data-status", "occupied")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    assert "Wulan" not in page.inner_text("#board")  # the board itself never shows the name
    [stay] = _stays(resident_id)
    assert stay.is_open

    # Transfer to the next bed: the board refreshes itself (and keeps its filter).
    page.click(f"#bed-{first} a.bed-link[hx-get*='/stays/']")
    page.click("#panel .stay-panel a[hx-get*='/transfer']")
    page.check(f"#panel .transfer-panel input[name=bed_id][value='{second}']")
    page.click("#panel .transfer-panel button[type=submit]")
    expect(page.locator("#panel .done")).to_be_visible()
    expect(page.locator(f"#bed-{second}")).to_have_attribute("data-status", "occupied")
    expect(page.locator(f"#bed-{first}")).to_have_attribute("data-status", "available")
    expect(page.locator(f"#facility-{elsewhere_id}")).to_have_count(0)
    expect(free).to_have_text("2")

    # Discharge: outcome and the time (now, in WIB, filled in).
    page.click(f"#bed-{second} a.bed-link[hx-get*='/stays/']")
    page.click("#panel .stay-panel a[hx-get*='/discharge']")
    page.select_option("#panel .discharge-panel select[name=outcome]", "reunified")
    page.fill("#panel .discharge-panel textarea[name=note]", "Dijemput kakak")
    page.click("#panel .discharge-panel button[type=submit]")
    expect(page.locator("#panel .done")).to_be_visible()
    expect(free).to_have_text("3")
    expect(page.locator(f"#bed-{second}")).to_have_attribute("data-status", "available")
    page.click("#panel .panel-close")
    expect(page.locator("#panel .action-panel")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    # The 30-second poll, fired now: it sends the ETag of the board it shows (refreshed after the
    # discharge), so the answer is a 304 that leaves the board as it is; with an ETag the server no longer
    # has, a new board is swapped in.
    page.evaluate("""() => { const poll = document.querySelector("div[hidden][hx-trigger^='every']");
        poll.setAttribute("hx-trigger", "pollNow"); htmx.process(poll); }""")

    def poll_status() -> int:
        def is_poll(response):
            return "/board/" in response.url and response.request.headers.get("x-background-poll") == "1"

        with page.expect_response(is_poll) as answer:
            page.evaluate("""() => htmx.trigger(document.querySelector("div[hidden][hx-trigger='pollNow']"),
                                                 "pollNow")""")
        return answer.value.status

    assert poll_status() == 304
    expect(free).to_have_text("3")
    page.evaluate("""() => document.querySelector("#board [data-etag]").setAttribute("data-etag", "old")""")
    assert poll_status() == 200
    expect(page.locator("#board [data-etag]")).not_to_have_attribute("data-etag", "old")
    assert poll_status() == 304
    expect(free).to_have_text("3")
    expect(page.locator(f"#bed-{second}")).to_have_attribute("data-status", "available")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    stays = _stays(resident_id)
    assert [s.discharge_outcome for s in stays] == ["reunified"]
    assert stays[0].discharge_note == "Dijemput kakak"
