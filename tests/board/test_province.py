"""The board at province scale: totals by kota and category, one page of facilities (most free beds of
the chosen category first) filtered and searched in SQL, and an ETag that answers the poll with a 304
until something changes."""

from __future__ import annotations

import pytest

from shelter.board import views
from shelter.extensions import db
from shelter.stays import service
from tests.board.helpers import add_facilities, counting_statements, counts


@pytest.fixture
def province(make_facility, make_room, make_bed, make_user):
    """30 facilities of 5 beds in Jakarta Barat, and one in Jakarta Utara with a men's room."""
    ids = add_facilities(30, rooms=1, beds_per_room=5, prefix="Panti Barat")
    north = make_facility(name="Panti Utara Sejahtera", kota="jakarta_utara")
    men = make_room(facility=north, name="Pria", sex="male", age_group="adult")
    beds = [make_bed(room=men, label=f"P-{n}") for n in range(1, 8)]
    staff = make_user(roles=("intake_staff",), facilities=[north])
    return {"ids": ids, "north": north, "beds": beds, "staff": staff}


def test_totals_by_kota_and_a_page_of_facilities_most_free_first(client, login_as, admin, province):
    login_as(admin)
    html = client.get("/board/").get_data(as_text=True)
    assert '<tr data-kota="jakarta_barat">' in html and '<td>150/150</td>' in html  # 30 × 5 free
    assert '<tr data-kota="jakarta_utara">' in html
    assert html.count('class="panel board-facility') == views.lookup.PER_PAGE
    first = html.index('id="facility-')
    assert html[first:first + 40].startswith(f'id="facility-{province["north"].id}"')  # 7 free, the most
    assert "Page 1 of 2 (31 facilities)" in html
    second = client.htmx("GET", "/board/?page=2").get_data(as_text=True)
    assert second.count('class="panel board-facility') == 6 and "Page 2 of 2" in second
    assert 'rel="prev"' in second and "<html" not in second


def test_filters_and_search_are_done_in_sql_with_min_free(client, login_as, admin, province):
    login_as(admin)
    service.place_hold(province["beds"][0], by=admin, reason="rujukan", hours=2)
    db.session.commit()

    def shown(query):
        html = client.htmx("GET", f"/board/?{query}").get_data(as_text=True)
        return html.count('class="panel board-facility'), html

    assert shown("category=men")[0] == 1
    assert shown("min_free=6")[0] == 1 and shown("min_free=7")[0] == 0
    assert shown("q=utara+sejahtera")[0] == 1
    assert shown("q=barat&kota=jakarta_barat")[0] == views.lookup.PER_PAGE
    assert shown("q=%25")[0] == 0  # a LIKE wildcard is searched for, not obeyed
    n, html = shown("kota=jakarta_utara&min_free=abc&page=-1")  # bad values are ignored
    assert n == 1 and counts(html, province["north"].id)["held"] == 1


def test_a_case_manager_board_stays_small_and_shows_one_grid_on_request(client, login_as, province, make_user):
    north = province["north"]
    manager = make_user(roles=("case_manager",), facilities=[north])
    login_as(manager)
    html = client.get("/board/").get_data(as_text=True)
    assert 'id="bed-' in html  # 7 beds inside on this page: few enough to draw
    one = client.htmx("GET", f"/board/?facility={north.id}").get_data(as_text=True)
    assert one.count('class="panel board-facility') == 1 and one.count('id="bed-') == 7


def test_the_poll_gets_a_304_until_the_counts_change(client, login_as, province):
    staff, bed = province["staff"], province["beds"][1]
    login_as(staff)
    first = client.htmx("GET", "/board/?kota=jakarta_utara")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.strip('"') in first.get_data(as_text=True)
    with counting_statements() as statements:
        again = client.htmx("GET", "/board/?kota=jakarta_utara", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert len(statements) <= 5  # (BEGIN,) the session, the user, the version
    # Another filter, the full page or another language is another answer.
    assert client.htmx("GET", "/board/", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/board/?kota=jakarta_utara", headers={"If-None-Match": etag}).status_code == 200

    service.admit(_resident(province), bed, by=staff)
    db.session.commit()
    changed = client.htmx("GET", "/board/?kota=jakarta_utara", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert counts(changed.get_data(as_text=True), province["north"].id)["occupied"] == 1


def test_the_background_poll_may_answer_from_a_version_read_within_the_last_second(client, login_as, province,
                                                                                   monkeypatch):
    """The 30-second poll compares with the version this process read less than a second ago (no
    query); after that second it reads again and sees the change. Anything drawn reads afresh."""
    from shelter.availability import lookup

    now = [1000.0]
    monkeypatch.setattr(lookup, "_clock", lambda: now[0])
    staff, bed = province["staff"], province["beds"][1]
    login_as(staff)
    poll = {"If-None-Match": None, "X-Background-Poll": "1"}
    first = client.htmx("GET", "/board/?kota=jakarta_utara")
    poll["If-None-Match"] = first.headers["ETag"]
    with counting_statements() as statements:
        again = client.htmx("GET", "/board/?kota=jakarta_utara", headers=poll)
    assert again.status_code == 304
    assert not [s for s in statements if "availability_counts" in s]  # the version was not read again

    service.admit(_resident(province), bed, by=staff)
    db.session.commit()
    now[0] += 0.5
    assert client.htmx("GET", "/board/?kota=jakarta_utara", headers=poll).status_code == 304
    drawn = client.htmx("GET", "/board/?kota=jakarta_utara")  # not a poll: the counts of now
    assert counts(drawn.get_data(as_text=True), province["north"].id)["occupied"] == 1
    now[0] += lookup.RECENT_SECONDS  # the version the drawing read is current: the poll sees the change
    changed = client.htmx("GET", "/board/?kota=jakarta_utara", headers=poll)
    assert changed.status_code == 200 and changed.headers["ETag"] == drawn.headers["ETag"]
    assert counts(changed.get_data(as_text=True), province["north"].id)["occupied"] == 1
    monkeypatch.setattr(lookup, "_clock", lambda: now[0] + 3600)  # much later: read again, still the same
    assert client.htmx("GET", "/board/?kota=jakarta_utara", headers={
        **poll, "If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_a_hold_whose_time_is_up_frees_its_bed_and_changes_the_etag_before_the_job(client, login_as, province):
    from datetime import timedelta

    import time_machine

    from shelter.db import utcnow

    staff, bed = province["staff"], province["beds"][2]
    login_as(staff)
    with time_machine.travel(utcnow() - timedelta(minutes=59, seconds=55), tick=True):
        service.place_hold(bed, by=staff, reason="rujukan", hours=1)  # its hour is up in 5 seconds
        db.session.commit()
    held = client.htmx("GET", "/board/?kota=jakarta_utara")
    assert counts(held.get_data(as_text=True), province["north"].id)["held"] == 1
    with time_machine.travel(utcnow() + timedelta(seconds=10), tick=False):
        later = client.htmx("GET", "/board/?kota=jakarta_utara", headers={"If-None-Match": held.headers["ETag"]})
    assert later.status_code == 200
    after = counts(later.get_data(as_text=True), province["north"].id)
    assert after["held"] == 0 and after["available"] == 7


def _resident(province):
    from datetime import date

    from shelter.residents.models import Resident

    resident = Resident(full_name="Budi Uji Papan", sex="male", birth_date=date(1980, 1, 1),
                        registered_facility_id=province["north"].id)
    db.session.add(resident)
    db.session.flush()
    return resident
