"""Counts below 3 shown as "<3" outside a facility's own report; a Rumah Aman never described alone in
kota and province reports (pages' figures and the API); who may open which report, its lists and its API."""

from __future__ import annotations

from shelter.reports.figures import build_report
from shelter.reports.model import SUPPRESSED_TEXT
from tests.api.conftest import Api, token_for
from tests.reports.conftest import OCTOBER, PROVINCE, facility_scope, kota_scope, labels, wib


def summary(report):
    keys = ("at_start", "admitted", "discharged", "at_end", "moved")
    return {key: cells[1] for key, cells in zip(keys, report.table("residents_summary").rows)}


def test_counts_of_one_or_two_are_suppressed_outside_the_facilitys_own_report(app, admin, make_user, make_facility,
                                                                                make_stay):
    a = make_facility()
    for day in (3, 4):
        make_stay(a, wib(2026, 10, day, 9))
    for day in (5, 6, 7):
        make_stay(a, wib(2026, 9, day, 9), wib(2026, 10, day, 9))
    manager = make_user(roles=("facility_manager",), facilities=[a])
    own = build_report(manager, facility_scope(a), OCTOBER)
    assert not own.suppressed
    assert [c.value for c in own.table("residents_summary").rows[1][1:]] == [2]  # admissions, shown
    province = build_report(manager, PROVINCE, OCTOBER)
    admissions, discharges = province.table("residents_summary").rows[1][1], province.table("residents_summary").rows[2][1]
    assert province.suppressed and admissions.suppressed and admissions.value is None
    assert admissions.text == SUPPRESSED_TEXT and admissions.drill is None
    assert discharges.value == 3 and not discharges.suppressed  # 3 is shown
    assert province.table("residents_summary").rows[0][1].value == 3  # at the start
    occupancy = next(c for c in province.charts if c.key == "occupancy")
    assert None in occupancy.series[0].values  # a suppressed day is a gap, never a 0
    assert build_report(admin, facility_scope(a), OCTOBER, suppress=True).suppressed  # the API's way


def test_a_single_rumah_aman_is_folded_into_the_totals_and_never_named(app, admin, make_facility, make_stay):
    panti = make_facility(name="Panti Terbuka", kota="jakarta_timur")
    safe = make_facility(name="Melati", kind="rumah_aman", kota="jakarta_timur")
    lonely = make_facility(name="Kenanga", kind="rumah_aman", kota="jakarta_utara")
    for facility in (panti, safe, safe, safe, lonely, lonely, lonely):
        make_stay(facility, wib(2026, 10, 3, 9))
    province = build_report(admin, PROVINCE, OCTOBER)  # two Rumah Aman in the province: one merged row
    assert labels(province, "facilities") == ["Panti Terbuka", "Rumah Aman (combined)"]
    assert summary(province)["admitted"].value == 7
    kota = build_report(admin, kota_scope("jakarta_utara"), OCTOBER)  # its only facility is a Rumah Aman
    assert summary(kota)["admitted"].value == 0 and labels(kota, "facilities") == []
    timur = build_report(admin, kota_scope("jakarta_timur"), OCTOBER)
    # One Rumah Aman beside a panti: no row of its own, no merged row, counted in the totals only.
    assert labels(timur, "facilities") == ["Panti Terbuka"] and summary(timur)["admitted"].value == 4
    for report in (province, kota, timur):
        text = repr(report)
        assert "Melati" not in text and "Kenanga" not in text


def test_two_or_more_rumah_aman_are_merged_into_one_row(app, admin, make_facility, make_stay):
    panti = make_facility(name="Panti Terbuka")
    melati = make_facility(name="Melati", kind="rumah_aman")
    kenanga = make_facility(name="Kenanga", kind="rumah_aman")
    for facility in (panti, panti, panti, melati, melati, kenanga, kenanga):
        make_stay(facility, wib(2026, 10, 3, 9))
    province = build_report(admin, PROVINCE, OCTOBER)
    rows = {cells[0].value: cells for cells in province.table("facilities").rows}
    assert list(rows) == ["Panti Terbuka", "Rumah Aman (combined)"]
    assert rows["Rumah Aman (combined)"][3].value == 4  # admissions of both safe houses together
    assert "Melati" not in repr(province) and "Kenanga" not in repr(province)


def test_a_merged_row_needs_two_rumah_aman_with_residents(app, admin, make_facility, make_stay):
    panti = make_facility(name="Panti Terbuka")
    melati = make_facility(name="Melati", kind="rumah_aman")
    make_facility(name="Kenanga", kind="rumah_aman")  # no one there this month
    for facility in (panti, melati, melati, melati):
        make_stay(facility, wib(2026, 10, 3, 9))
    province = build_report(admin, PROVINCE, OCTOBER)
    assert labels(province, "facilities") == ["Panti Terbuka"]  # a "combined" row would be Melati alone
    assert summary(province)["admitted"].value == 4


def test_the_api_never_names_a_rumah_aman_and_always_suppresses(app, admin, make_facility, make_stay):
    make_facility(name="Panti Terbuka")
    safe = make_facility(name="Melati", kind="rumah_aman")
    make_stay(safe, wib(2026, 10, 3, 9))
    api = Api(app, token_for(admin))
    body = api.get("reports/province?month=2026-10").get_json()
    assert "Melati" not in str(body)
    own = api.get(f"reports/facility/{safe.id}?month=2026-10").get_json()
    assert own["suppressed"] is True
    summary_rows = next(t for t in own["tables"] if t["key"] == "residents_summary")["rows"]
    assert summary_rows[1][1] == {"value": None, "suppressed": True, "text": "<3"}


def test_a_caseworker_of_a_gets_404_on_bs_report_lists_and_api(app, make_user, make_facility, make_stay, client,
                                                              login_as):
    a, b = make_facility(), make_facility()
    stay_a, stay_b = make_stay(a, wib(2026, 10, 3, 9)), make_stay(b, wib(2026, 10, 3, 9))
    caseworker = make_user(roles=("caseworker",), facilities=[a])
    api = Api(app, token_for(caseworker))
    missing = api.get("reports/facility/999999?month=2026-10")
    answer = api.get(f"reports/facility/{b.id}?month=2026-10")
    assert answer.status_code == missing.status_code == 404 and answer.get_json() == missing.get_json()
    assert api.get("reports/province?month=2026-10").status_code == 404
    assert api.get(f"reports/facility/{a.id}?month=2026-10").status_code == 200
    login_as(caseworker)
    mine = client.get(f"/reports/lists/stays?facility={a.id}&month=2026-10&figure=admitted")
    assert mine.status_code == 200 and f"/stays/{stay_a.id}" in mine.text
    theirs = client.get(f"/reports/lists/stays?facility={b.id}&month=2026-10&figure=admitted")
    assert theirs.status_code == 404 and f"/stays/{stay_b.id}" not in theirs.text
    assert client.get("/reports/lists/stays?month=2026-10&figure=admitted").status_code == 404  # the province


def test_a_rumah_amans_report_is_for_its_own_staff_only(app, make_user, make_facility):
    safe, panti = make_facility(kind="rumah_aman"), make_facility()
    case_manager = make_user(roles=("case_manager",), facilities=[panti])
    staff = make_user(roles=("intake_staff",), facilities=[safe])
    assert Api(app, token_for(case_manager)).get(f"reports/facility/{safe.id}").status_code == 404
    assert Api(app, token_for(case_manager)).get("reports/kota/jakarta_timur").status_code == 200
    assert Api(app, token_for(staff)).get(f"reports/facility/{safe.id}").status_code == 200
    assert Api(app, token_for(staff)).get("reports/province").status_code == 404  # intake staff: not above


def test_bad_periods_are_422_with_the_field(app, admin):
    api = Api(app, token_for(admin))
    for query, field, code in (("month=2026-13", "month", "invalid"), ("start=2026-10-05&end=2026-10-01", "end", "before_start"),
                               ("start=2026-01-01&end=2027-06-01", "end", "too_long"), ("start=x&end=2026-10-01", "start", "invalid"),
                               ("start=2026-10-01", "end", "required")):
        answer = api.get(f"reports/province?{query}")
        assert answer.status_code == 422 and answer.get_json()["error"]["fields"] == {field: code}, query
    assert api.get("reports/kota/atlantis").status_code == 404


def test_a_kota_whose_only_residents_are_in_one_rumah_aman_shows_none_of_them(app, admin, make_facility, make_stay,
                                                                               make_bed, make_room):
    make_bed(make_room(make_facility(name="Panti Sepi", kota="kepulauan_seribu")))  # open, but empty this month
    safe = make_facility(name="Melati", kind="rumah_aman", kota="kepulauan_seribu")
    for day in (3, 4, 5):
        make_stay(safe, wib(2026, 10, day, 9))
    kota = build_report(admin, kota_scope("kepulauan_seribu"), OCTOBER)
    assert summary(kota)["admitted"].value == 0 and labels(kota, "facilities") == ["Panti Sepi"]
    assert max(c.value for c in (r[1] for r in kota.table("occupancy_by_day").rows)) == 0
    assert "Melati" not in repr(kota)
