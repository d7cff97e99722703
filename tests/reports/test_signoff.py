"""Signing off a month's report: who may, the confirmation, the snapshot kept exactly, versions after a
correction, the earlier versions still readable and downloadable as signed, and the audit trail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.reports import signoff, snapshot
from shelter.reports.models import ReportSignoff
from shelter.reports.scopes import month_period
from tests.conftest import audit_events, extract, login
from tests.reports.docs_world import at, build_world
from tests.reports.documents import html_rows, pdf_text, xlsx_rows
from tests.reports.sample import sample_report


@pytest.fixture
def world(app, make_facility, make_room, make_bed, make_user, make_resident):
    return build_world(make_facility, make_room, make_bed, make_user, make_resident)


def query(world, **extra) -> str:
    args = {"facility": world.facility.id, "month": f"{world.period.start:%Y-%m}", **extra}
    return "&".join(f"{k}={v}" for k, v in args.items())


def confirm_and_sign(client, world, scope_query: str | None = None):
    q = scope_query if scope_query is not None else query(world)
    page = client.get(f"/reports/monthly/sign?{q}")
    assert page.status_code == 200, page.status_code
    digest = extract(r'name="digest" value="([0-9a-f]{64})"', page.get_data(as_text=True))
    form = dict(pair.split("=") for pair in q.split("&") if pair)
    return client.post("/reports/monthly/sign", data={**form, "digest": digest})


def add_late_discharge(world, make_resident, make_room, make_bed):
    """A correction after signing: a stay entered late, admitted in the signed month."""
    from shelter.stays import service as stays

    bed = make_bed(room=make_room(facility=world.facility))
    resident = make_resident(world.facility)
    intake = world.manager
    stay = stays.admit(resident, bed, by=intake)
    stay.admitted_at = at(world.period.start + timedelta(days=3))
    for assignment in stay.assignments:
        assignment.started_at = stay.admitted_at
    db.session.flush()
    stays.discharge(stay, outcome="referred", by=intake, at=at(world.period.start + timedelta(days=9)))
    db.session.commit()


def test_the_manager_signs_after_confirming_and_versions_follow_corrections(
        client, world, make_resident, make_room, make_bed):
    login(client, world.manager)
    monthly = f"/reports/monthly?{query(world)}"
    page = client.get(monthly).get_data(as_text=True)
    assert "Draf: belum ditandatangani." in page and "/reports/monthly/sign?" in page
    first_tables = html_rows(page)

    response = confirm_and_sign(client, world)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{query(world)}&version=1")
    row = db.session.scalar(sa.select(ReportSignoff))
    assert (row.version, row.signed_by_id, row.scope_key, row.month) == (
        1, world.manager.id, f"facility-{world.facility.id}", world.period.start)
    assert row.signed_by_name == world.manager.full_name and row.signed_at is not None
    signed_page = client.get(f"/reports/monthly?{query(world, version=1)}").get_data(as_text=True)
    assert f"Ditandatangani: versi 1, oleh {world.manager.full_name}" in signed_page
    assert html_rows(signed_page) == first_tables
    today = client.get(monthly).get_data(as_text=True)
    assert "Ditandatangani: versi 1" in today and "/reports/monthly/sign?" not in today  # nothing new to sign

    # Signing the same figures again adds nothing (the confirmation page does not offer it either).
    confirm = client.get(f"/reports/monthly/sign?{query(world)}").get_data(as_text=True)
    assert "sudah memuat angka yang persis sama" in confirm and 'name="digest"' not in confirm
    again = client.post("/reports/monthly/sign", data={"facility": world.facility.id,
                                                       "month": f"{world.period.start:%Y-%m}", "digest": row.digest})
    assert again.headers["Location"].endswith("version=1")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportSignoff)) == 1

    add_late_discharge(world, make_resident, make_room, make_bed)
    changed = client.get(monthly).get_data(as_text=True)
    assert "Draf: angka berubah setelah versi 1 ditandatangani." in changed and html_rows(changed) != first_tables
    assert confirm_and_sign(client, world).headers["Location"].endswith("version=2")

    # Version 1 stays exactly as signed, on the page, in the PDF and in the XLSX.
    v1 = client.get(f"/reports/monthly?{query(world, version=1)}").get_data(as_text=True)
    v2 = client.get(f"/reports/monthly?{query(world, version=2)}").get_data(as_text=True)
    assert html_rows(v1) == first_tables and html_rows(v2) == html_rows(changed)
    pdf = client.get(f"/reports/monthly.pdf?{query(world, version=1)}")
    assert pdf.headers["Content-Disposition"].endswith(f'-{world.period.start:%Y-%m}-v1.pdf"')
    assert "Ditandatangani: versi 1" in pdf_text(pdf.data)
    _names, sheets, _raw = xlsx_rows(client.get(f"/reports/monthly.xlsx?{query(world, version=1)}").data)
    assert sheets == list(first_tables.values())
    assert [(e.detail["version"], e.target_type) for e in audit_events("report.signed")] == [
        (1, "report_signoffs"), (2, "report_signoffs")]


def test_a_changed_figure_between_confirmation_and_signature_is_not_signed(
        client, world, make_resident, make_room, make_bed):
    login(client, world.manager)
    page = client.get(f"/reports/monthly/sign?{query(world)}").get_data(as_text=True)
    digest = extract(r'name="digest" value="([0-9a-f]{64})"', page)
    add_late_discharge(world, make_resident, make_room, make_bed)
    response = client.post("/reports/monthly/sign", data={"facility": world.facility.id,
                                                          "month": f"{world.period.start:%Y-%m}", "digest": digest})
    assert response.status_code == 302 and "/reports/monthly/sign?" in response.headers["Location"]
    assert db.session.scalar(sa.select(ReportSignoff)) is None
    assert "Angka berubah ketika Anda membacanya" in client.get(response.headers["Location"]).get_data(as_text=True)
    forged = client.post("/reports/monthly/sign", data={"facility": world.facility.id,
                                                       "month": f"{world.period.start:%Y-%m}", "digest": "0" * 64})
    assert forged.status_code == 302 and db.session.scalar(sa.select(ReportSignoff)) is None


def test_only_the_facility_manager_signs_a_facility_and_an_admin_the_province(client, world):
    for user in (world.caseworker, world.admin):
        login(client, user)
        assert client.get(f"/reports/monthly/sign?{query(world)}").status_code == 404
        assert client.post("/reports/monthly/sign", data={"facility": world.facility.id,
                                                          "month": f"{world.period.start:%Y-%m}"}).status_code == 404
        client.post("/logout")
    login(client, world.case_manager)
    assert client.get(f"/reports/monthly/sign?month={world.period.start:%Y-%m}").status_code == 404
    client.post("/logout")
    login(client, world.admin)
    response = confirm_and_sign(client, world, f"month={world.period.start:%Y-%m}")
    assert response.headers["Location"].endswith("version=1")
    row = db.session.scalar(sa.select(ReportSignoff))
    assert row.scope_key == "province" and row.facility_id is None and row.snapshot["suppressed"] is True
    assert client.get(f"/reports/monthly/sign?kota=jakarta_timur&month={world.period.start:%Y-%m}").status_code == 404


def test_a_month_not_over_cannot_be_signed(client, world):
    from shelter.localtime import local_today

    login(client, world.manager)
    today = local_today()
    this_month = f"facility={world.facility.id}&month={today:%Y-%m}"
    page = client.get(f"/reports/monthly/sign?{this_month}").get_data(as_text=True)
    assert "Bulan ini belum selesai" in page and 'name="digest"' not in page
    report = sample_report(period=month_period(today.year, today.month))
    with pytest.raises(signoff.NotAllowedToSign):
        signoff.sign(report, by=world.caseworker, seen_digest=signoff.digest_of(report), today_wib=today)


def test_signed_versions_are_read_by_who_sees_the_report_and_404_otherwise(client, world):
    login(client, world.manager)
    confirm_and_sign(client, world)
    client.post("/logout")
    login(client, world.caseworker)  # same facility: may read the signed version
    assert client.get(f"/reports/monthly?{query(world, version=1)}").status_code == 200
    for bad in ("2", "0", "x", "-1", "1234567"):
        assert client.get(f"/reports/monthly?{query(world, version=bad)}").status_code == 404
    client.post("/logout")
    login(client, world.outsider)
    assert client.get(f"/reports/monthly?{query(world, version=1)}").status_code == 404
    assert client.get(f"/reports/monthly.pdf?{query(world, version=1)}").status_code == 404


def test_the_snapshot_reads_back_exactly():
    report = sample_report(suppressed=True)
    data = snapshot.dump(report)
    assert snapshot.load(data) == report
    assert snapshot.digest(data) == snapshot.digest({**data, "generated_at": "2030-01-01T00:00:00+00:00"})
    assert snapshot.digest(data) != snapshot.digest(snapshot.dump(sample_report(suppressed=False)))
    assert isinstance(snapshot.load(data).tables[0].rows[0][0].value, date)
