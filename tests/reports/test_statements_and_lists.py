"""A report's SQL statement count does not grow with the data; the list behind a count holds the same
rows as the count, within the user's facilities, a page at a time."""

from __future__ import annotations

from datetime import date

from shelter.reports.figures import build_report
from tests.conftest import counting_statements
from tests.reports.conftest import OCTOBER, PROVINCE, facility_scope, kota_scope, wib


def statements(user, scope) -> int:
    assert user.is_admin and user.facility_ids is not None  # the signed-in user is loaded before a request's work
    with counting_statements() as seen:
        build_report(user, scope, OCTOBER)
    return len(seen)


def test_statement_count_does_not_grow_with_the_data(app, admin, make_facility, make_bed, make_room, make_stay,
                                                      make_followup):
    a = make_facility()
    bed = make_bed(make_room(a))
    make_stay(a, wib(2026, 10, 3, 9), wib(2026, 10, 9, 9), bed=bed)
    scopes = (PROVINCE, kota_scope("jakarta_timur"), facility_scope(a))
    before = [statements(admin, scope) for scope in scopes]
    for n in range(6):
        facility = make_facility(kind="rumah_aman" if n % 3 == 0 else "panti")
        room = make_room(facility)
        for day in range(1, 28, 4):
            stay = make_stay(facility, wib(2026, 9, day, 9), wib(2026, 10, day, 9), "reunified", bed=make_bed(room))
            make_followup(stay, date(2026, 10, day))
        make_stay(a, wib(2026, 10, 10 + n, 9))
    after = [statements(admin, scope) for scope in scopes]
    assert after == before
    assert max(after) <= 25


def test_the_list_behind_a_count_has_its_rows_and_only_the_users(app, make_user, make_facility, make_stay, client,
                                                                 login_as):
    a, b = make_facility(), make_facility()
    mine = [make_stay(a, wib(2026, 10, day, 9)) for day in (2, 3, 4)]
    theirs = [make_stay(b, wib(2026, 10, day, 9)) for day in (5, 6, 7)]
    make_stay(a, wib(2026, 11, 2, 9))  # another month
    manager = make_user(roles=("case_manager",), facilities=[a])
    report = build_report(manager, PROVINCE, OCTOBER)
    admitted = report.table("residents_summary").rows[1][1]
    assert admitted.value == 6 and admitted.drill.endpoint == "report_lists.stays"
    login_as(manager)
    with app.test_request_context():
        from flask import url_for
        url = url_for(admitted.drill.endpoint, **admitted.drill.args)
    assert "name" not in url and "Penghuni" not in url
    page = client.get(url)
    assert page.status_code == 200
    assert all(f"/stays/{s.id}\"" in page.text for s in mine)
    assert not any(f"/stays/{s.id}\"" in page.text for s in theirs)
    day = client.get(f"/reports/lists/stays?facility={a.id}&month=2026-10&figure=occupied&day=2026-10-03")
    assert f"/stays/{mine[0].id}\"" in day.text and f"/stays/{mine[2].id}\"" not in day.text
    for bad in ("figure=nonsense", "figure=occupied&day=2026-12-01", "figure=occupied&day=x", "figure=admitted&span_start=2026-10-09&span_end=x",
                "figure=admitted&group=99999"):
        assert client.get(f"/reports/lists/stays?facility={a.id}&month=2026-10&{bad}").status_code == 404, bad


def test_lists_are_paginated(app, admin, make_facility, make_stay, client, login_as):
    from shelter.reports import lists

    a = make_facility()
    for day in range(1, 31):
        for _ in range(2):
            make_stay(a, wib(2026, 10, day, 9))
    login_as(admin)
    first = client.get(f"/reports/lists/stays?facility={a.id}&month=2026-10&figure=admitted")
    assert lists.PER_PAGE == 50 and first.text.count("/stays/") == 50
    second = client.get(f"/reports/lists/stays?facility={a.id}&month=2026-10&figure=admitted&page=2")
    assert second.text.count("/stays/") == 10


def test_the_residents_list_shows_only_people_served_in_the_users_facilities(app, make_user, make_facility,
                                                                              make_resident, make_stay, client,
                                                                              login_as):
    a = make_facility(name="Panti A")
    safe, other = make_facility(kind="rumah_aman"), make_facility()
    here = make_resident(a, full_name="Dewi Tinggal Di Sini")
    moved = make_resident(a, full_name="Sari Pindah Ke Rumah Aman")  # registered at A, served elsewhere
    make_stay(a, wib(2026, 10, 2, 9), resident=here)
    make_stay(safe, wib(2026, 10, 3, 9), resident=moved)
    make_stay(other, wib(2026, 10, 4, 9))
    manager = make_user(roles=("case_manager",), facilities=[a])
    login_as(manager)
    page = client.get("/reports/lists/residents?month=2026-10&figure=served")
    assert page.status_code == 200
    assert "Dewi Tinggal Di Sini" in page.text and "Sari Pindah Ke Rumah Aman" not in page.text
    assert client.get("/reports/lists/residents?month=2026-10&figure=origin&value=x").status_code == 404
