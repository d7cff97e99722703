"""Exports written in the request: scope, names and NIK, the audit trail, the two file formats."""

from __future__ import annotations

import io
import os
import stat
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook

from shelter.exports.writers import csv_cell
from shelter.extensions import db
from shelter.localtime import local_today
from shelter.followups.models import FollowUp
from shelter.programmes.models import Attendance, Enrollment, Programme, ProgrammeSession
from shelter.stays.models import Stay
from tests.conftest import audit_events, login, page_of
from tests.exports.conftest import NIK, csv_rows, export, export_files, jobs


def test_a_csv_of_residents_has_ids_but_no_names_or_nik_by_default(world, login_as):
    client = login_as(world["caseworker"])
    response = export(client, facility=str(world["a"].id))
    assert response.status_code == 200
    today = local_today().isoformat()  # the file is named by the day in WIB
    assert response.headers["Content-Disposition"] == f"attachment; filename=penghuni-{today}.csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = csv_rows(response)
    assert rows[0][:2] == ["id_penghuni", "fasilitas_pendaftaran"]
    assert "nama" not in rows[0] and "nik" not in rows[0]
    assert sorted(int(r[0]) for r in rows[1:]) == sorted([world["people"]["siti"].id, world["people"]["dewi"].id])
    body = response.get_data(as_text=True)
    assert "Siti" not in body and NIK not in body and "Ani" not in body


def test_each_export_and_download_is_audited_with_its_filter_and_row_count(world, login_as):
    client = login_as(world["caseworker"])
    export(client, facility=str(world["a"].id), status="never")
    created = audit_events("export.created")
    assert len(created) == 1
    event = created[0]
    assert event.actor_id == world["caseworker"].id
    assert event.detail["kind"] == "residents" and event.detail["format"] == "csv"
    assert event.detail["filters"] == {"facility": str(world["a"].id), "status": "never"}
    assert event.detail["rows"] == 2 and event.detail["personal"] is False
    assert len(audit_events("export.downloaded")) == 1
    assert "Siti" not in str(event.detail) and NIK not in str(event.detail)


def test_the_file_is_private_to_shelters_user(world, login_as, app):
    client = login_as(world["caseworker"])
    export(client)
    folder = Path(app.instance_path) / "exports"
    (job,) = jobs()  # its own file (another worker's tests may write beside it in the same folder)
    assert stat.S_IMODE(os.stat(folder / job.file_name).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


@pytest.mark.parametrize("fields", [
    {"facility": "B"},                    # the other facility (filled in below)
    {"kind": "attendance", "programme": "B"},
    {"kind": "stays", "figure": "admitted", "facility": "B", "month": "2026-10"},
])
def test_a_caseworker_of_a_gets_404_for_b(world, login_as, fields, app):
    programme = Programme(facility_id=world["b"].id, name="Menjahit", capacity=5, starts_on=date(2026, 10, 1),
                          ends_on=date(2026, 10, 31), weekdays="0", start_time=time(9), duration_minutes=60)
    db.session.add(programme)
    db.session.commit()
    client = login_as(world["caseworker"])
    fields = dict(fields)
    for key, value in fields.items():
        if value == "B":
            fields[key] = str(programme.id if key == "programme" else world["b"].id)
    kind = fields.pop("kind", "residents")
    before = export_files(app)
    response = export(client, kind, **fields)
    missing = client.get("/no-such-page")
    assert response.status_code == 404
    assert page_of(response) == page_of(missing)
    assert jobs() == [] and export_files(app) == before
    assert client.get(f"/reports/facility/{world['b'].id}").status_code == 404  # nor B's report


def test_names_and_nik_only_when_ticked_and_allowed(world, login_as):
    client = login_as(world["manager"])
    assert "Sertakan nama dan NIK" in client.get("/residents/").get_data(as_text=True)
    plain = csv_rows(export(client, facility=str(world["a"].id)))
    assert "nama" not in plain[0]
    rows = csv_rows(export(client, facility=str(world["a"].id), personal="1"))
    header = rows[0]
    assert header[-2:] == ["nama", "nik"]
    by_name = {r[-2]: r[-1] for r in rows[1:]}
    assert by_name["Siti Rahayu Rekaan"] == NIK
    assert audit_events("export.created")[-1].detail["personal"] is True


def test_a_caseworker_sees_no_names_box_and_a_forged_tick_is_refused(world, login_as, app):
    client = login_as(world["caseworker"])
    page = client.get("/residents/").get_data(as_text=True)
    assert "Sertakan nama dan NIK" not in page and 'name="personal"' not in page
    assert "Unduh CSV" in page
    before = export_files(app)
    response = export(client, facility=str(world["a"].id), personal="1")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "Siti" not in body and NIK not in body
    assert jobs() == [] and export_files(app) == before
    assert audit_events("export.created") == []


@pytest.mark.parametrize("kind,fmt,fields", [
    ("junk", "csv", {}),
    ("residents", "pdf", {}),
    ("residents", "csv", {"status": "junk"}),
    ("residents", "csv", {"facility": "abc"}),
    ("residents", "csv", {"facility": "99999999999"}),
    ("followups", "csv", {"outcome": "<script>"}),
    ("followups", "csv", {"caseworker": "x1"}),
    ("attendance", "csv", {"programme": "-1"}),
    ("stays", "csv", {}),
    ("stays", "csv", {"figure": "nonsense", "month": "2026-10"}),
    ("stays", "csv", {"figure": "admitted", "month": "2026-13"}),
    ("residents", "csv", {"facility": "1" * 60}),
])
def test_bad_input_is_a_404_never_a_500(world, login_as, kind, fmt, fields):
    client = login_as(world["caseworker"])
    assert export(client, kind, fmt, **fields).status_code == 404
    assert client.get("/exports/not-a-token").status_code == 404
    assert client.get("/exports/not-a-token/file").status_code == 404


def test_a_csv_cell_never_starts_a_formula(world, login_as, make_resident):
    make_resident(world["a"], full_name="=HYPERLINK(\"http://x\")")
    client = login_as(world["manager"])
    rows = csv_rows(export(client, facility=str(world["a"].id), personal="1"))
    names = [r[-2] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://x\")" in names
    assert [csv_cell(v) for v in ("+1", "-2", "@x", "a=b", 5)] == ["'+1", "'-2", "'@x", "a=b", "5"]


def test_an_xlsx_has_numbers_as_numbers_and_dates_as_dates(world, login_as):
    client = login_as(world["caseworker"])
    response = export(client, fmt="xlsx", facility=str(world["a"].id))
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.values)
    header = list(rows[0])
    siti = next(r for r in rows[1:] if r[0] == world["people"]["siti"].id)
    assert isinstance(siti[0], int)
    assert siti[header.index("tanggal_lahir")] == datetime(1995, 3, 14)
    assert sheet.cell(row=2, column=header.index("tanggal_lahir") + 1).is_date
    assert isinstance(siti[header.index("terdaftar_pada")], datetime)


def test_my_exports_lists_the_users_own_only(world, app):
    other, caseworker = app.test_client(), app.test_client()
    login(other, world["other"])
    login(caseworker, world["caseworker"])
    page = other.get("/exports/").get_data(as_text=True)
    assert "Anda belum pernah mengekspor daftar" in page
    assert 'href="/exports/"' in page  # the account menu's link
    export(other)
    assert "Anda belum pernah mengekspor daftar" in caseworker.get("/exports/").get_data(as_text=True)
    page = other.get("/exports/").get_data(as_text=True)
    assert "Penghuni" in page and "CSV" in page and "Anda belum pernah" not in page


def test_every_list_exports_its_own_rows(world, login_as, make_user, app):
    """Attendance of A's programme, follow-ups, the referral desk's list, the stays behind a report count."""
    siti = world["people"]["siti"]
    admitted = datetime(2026, 10, 5, 3, 0, tzinfo=timezone.utc)
    stay = Stay(resident_id=siti.id, facility_id=world["a"].id, admitted_at=admitted,
                discharged_at=admitted + timedelta(days=3), discharge_outcome="other")
    programme = Programme(facility_id=world["a"].id, name="Menjahit", capacity=5, starts_on=date(2026, 10, 1),
                          ends_on=date(2026, 10, 31), weekdays="0", start_time=time(9), duration_minutes=60)
    db.session.add_all([stay, programme])
    db.session.flush()
    session = ProgrammeSession(programme_id=programme.id, session_date=date(2026, 10, 6), starts_at=admitted,
                               ends_at=admitted + timedelta(hours=1))
    enrollment = Enrollment(programme_id=programme.id, resident_id=siti.id, stay_id=stay.id, status="enrolled",
                            seat=1)
    followup = FollowUp(stay_id=stay.id, resident_id=siti.id, facility_id=world["a"].id, step=1, offset_days=7,
                        due_on=date(2026, 10, 15), planned_method="phone_call", status="open")
    db.session.add_all([session, enrollment, followup])
    db.session.flush()
    db.session.add(Attendance(session_id=session.id, enrollment_id=enrollment.id, status="present"))
    db.session.commit()
    client = login_as(world["caseworker"])

    attendance = csv_rows(export(client, "attendance", programme=str(programme.id)))
    assert attendance[0][:2] == ["id_program", "tanggal_sesi"] and attendance[1][4] == "present"
    followups = csv_rows(export(client, "followups", facility=str(world["a"].id)))
    assert [int(r[0]) for r in followups[1:]] == [followup.id]
    stays = csv_rows(export(client, "stays", figure="admitted", facility=str(world["a"].id), month="2026-10"))
    assert [int(r[0]) for r in stays[1:]] == [stay.id] and stays[1][2] == world["a"].name
    assert export(client, "referrals").status_code == 404  # not the referral desk
    desk = make_user(roles=("case_manager",), facilities=(world["a"],))
    other = app.test_client()
    login(other, desk)
    referrals = csv_rows(export(other, "referrals", view="all"))
    assert referrals[0][0] == "id_rujukan"
