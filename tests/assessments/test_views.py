"""The case file in the browser's terms: write an assessment, add and edit case notes, and the rules
that refuse bad input without changing anything."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from shelter.assessments.models import Assessment, CaseNote, CaseNoteRevision
from shelter.assessments.service import today
from shelter.db import utcnow
from shelter.extensions import db
from tests.conftest import audit_events


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assessment_form(**overrides) -> dict:
    data = {"assessed_on": today().isoformat(), "risk_level": "medium", "recommendation": "reunification",
            "safety": "Aman di panti; pelaku tidak tahu lokasinya.", "family": "Ibu bersedia menerima kembali."}
    data.update(overrides)
    return data


def note_form(**overrides) -> dict:
    data = {"noted_on": today().isoformat(), "kind": "counselling", "body": "Sesi konseling pertama berjalan baik."}
    data.update(overrides)
    return data


# --- assessments ------------------------------------------------------------------------------------------

def test_caseworker_records_an_assessment_and_sees_it_on_the_stay(world, login_as):
    client = login_as(world.caseworker)
    response = client.post(f"/assessments/stays/{world.stay.id}/new", data=assessment_form())
    assert response.status_code == 302
    assessment = db.session.scalar(sa.select(Assessment))
    assert assessment.author_id == world.caseworker.id
    assert assessment.family == "Ibu bersedia menerima kembali." and assessment.education == ""
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "Ibu bersedia menerima kembali." in page
    listing = client.get(f"/assessments/stays/{world.stay.id}").get_data(as_text=True)
    assert f"/assessments/{assessment.id}" in listing
    [event] = audit_events("assessment.created")
    assert event.target_id == assessment.id
    assert "Ibu" not in str(event.detail)  # ids and codes only


def test_assessment_date_in_the_future_or_before_admission_is_refused(world, login_in_english):
    client = login_in_english(world.caseworker)
    url = f"/assessments/stays/{world.stay.id}/new"
    cases = {
        (today() + timedelta(days=1)).isoformat(): "cannot be in the future",
        (today() - timedelta(days=10)).isoformat(): "cannot be before the admission",
    }
    for day, message in cases.items():
        response = client.post(url, data=assessment_form(assessed_on=day))
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        assert message in html
        assert "Ibu bersedia menerima kembali." in html  # what was typed is kept
    assert count(Assessment) == 0


def test_finding_too_long_or_no_finding_at_all_is_refused(world, login_in_english):
    client = login_in_english(world.caseworker)
    url = f"/assessments/stays/{world.stay.id}/new"
    response = client.post(url, data=assessment_form(legal="x" * 2001))
    assert response.status_code == 422
    assert "at most 2000 characters" in response.get_data(as_text=True)
    response = client.post(url, data=assessment_form(safety="", family=""))
    assert response.status_code == 422
    assert "at least one domain" in response.get_data(as_text=True)
    assert count(Assessment) == 0


def test_case_manager_may_write_admin_reads_only_intake_sees_nothing(world, admin, login_as, client):
    login_as(world.case_manager)
    assert client.post(f"/assessments/stays/{world.stay.id}/new", data=assessment_form()).status_code == 302
    client.post("/logout")
    login_as(admin)
    assert client.get(f"/assessments/stays/{world.stay.id}").status_code == 200
    assert client.get(f"/assessments/stays/{world.stay.id}/new").status_code == 404
    assert client.post(f"/assessments/stays/{world.stay.id}/notes", data=note_form()).status_code == 404
    client.post("/logout")
    login_as(world.intake)
    assert client.get(f"/assessments/stays/{world.stay.id}").status_code == 404
    assert count(CaseNote) == 0


# --- case notes -------------------------------------------------------------------------------------------

def test_a_note_is_added_with_htmx_and_listed_newest_first(world, login_as):
    client = login_as(world.caseworker)
    url = f"/assessments/stays/{world.stay.id}/notes"
    first = client.htmx("POST", url, data=note_form(body="Catatan pertama"))
    assert first.status_code == 200
    second = client.htmx("POST", url, data=note_form(body="Catatan kedua", kind="visit"))
    html = second.get_data(as_text=True)
    assert 'id="case-notes"' in html and 'hx-swap-oob="true"' in html  # the area, and the flash out of band
    assert html.index("Catatan kedua") < html.index("Catatan pertama")
    assert count(CaseNote) == 2


def test_a_note_longer_than_the_limit_is_refused_and_the_text_kept(world, login_in_english):
    client = login_in_english(world.caseworker)
    text = "panjang " * 501  # 4008 characters
    response = client.htmx("POST", f"/assessments/stays/{world.stay.id}/notes", data=note_form(body=text))
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # htmx swaps only 2xx: the form comes back with the message
    assert "A note can be at most 4000 characters." in html
    assert text.strip() in html
    assert count(CaseNote) == 0
    plain = client.post(f"/assessments/stays/{world.stay.id}/notes", data=note_form(body=text))
    assert plain.status_code == 422
    assert count(CaseNote) == 0


def test_note_dated_in_the_future_or_before_admission_is_refused(world, login_in_english):
    client = login_in_english(world.caseworker)
    url = f"/assessments/stays/{world.stay.id}/notes"
    for day, message in (((today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
                         ((today() - timedelta(days=30)).isoformat(), "cannot be before the admission")):
        html = client.htmx("POST", url, data=note_form(noted_on=day)).get_data(as_text=True)
        assert message in html
    assert count(CaseNote) == 0


def test_notes_are_paginated(world, login_as):
    from shelter.assessments.queries import NOTES_PER_PAGE

    for n in range(NOTES_PER_PAGE + 2):
        db.session.add(CaseNote(stay_id=world.stay.id, noted_on=today(), kind="other", body=f"Catatan nomor {n:02d}",
                                author_id=world.caseworker.id))
    db.session.commit()
    client = login_as(world.caseworker)
    first = client.get(f"/assessments/stays/{world.stay.id}").get_data(as_text=True)
    assert f"Catatan nomor {NOTES_PER_PAGE + 1:02d}" in first and "Catatan nomor 00" not in first
    older = client.htmx("GET", f"/assessments/stays/{world.stay.id}/notes?page=2").get_data(as_text=True)
    assert "Catatan nomor 00" in older and 'id="case-note-list"' in older and "<html" not in older


def _write_note(client, stay, body="Catatan awal") -> CaseNote:
    assert client.post(f"/assessments/stays/{stay.id}/notes", data=note_form(body=body)).status_code == 302
    db.session.expire_all()
    return db.session.scalar(sa.select(CaseNote).order_by(CaseNote.id.desc()))


def test_the_author_edits_within_24_hours_and_the_earlier_text_is_kept(world, login_as):
    client = login_as(world.caseworker)
    note = _write_note(client, world.stay)
    with time_machine.travel(utcnow() + timedelta(hours=23), tick=False):
        login_as(world.caseworker)  # the session of a day ago has expired
        response = client.post(f"/assessments/notes/{note.id}/edit",
                               data=note_form(body="Catatan diperbaiki", noted_on=note.noted_on.isoformat()))
        assert response.status_code == 302 and response.headers["Location"] == f"/assessments/notes/{note.id}"
        history = client.get(f"/assessments/notes/{note.id}").get_data(as_text=True)
    assert "Catatan awal" in history and "Catatan diperbaiki" in history
    db.session.expire_all()
    note = db.session.get(CaseNote, note.id)
    assert note.body == "Catatan diperbaiki" and note.edited_at is not None
    [revision] = db.session.scalars(sa.select(CaseNoteRevision)).all()
    assert revision.body == "Catatan awal"
    assert [e.detail["fields"] for e in audit_events("case_note.edited")] == [["body"]]


def test_edit_after_24_hours_is_refused_and_changes_nothing(world, login_in_english):
    client = login_in_english(world.caseworker)
    note = _write_note(client, world.stay)
    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1), tick=False):
        login_in_english(world.caseworker)
        page = client.get(f"/assessments/notes/{note.id}/edit").get_data(as_text=True)
        assert "can no longer be edited" in page
        response = client.post(f"/assessments/notes/{note.id}/edit", data=note_form(body="Terlambat"))
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "can no longer be edited" in html and "Terlambat" in html  # message; the typed text kept
    db.session.expire_all()
    assert db.session.get(CaseNote, note.id).body == "Catatan awal"
    assert count(CaseNoteRevision) == 0


def test_only_the_author_may_edit(world, client, login_in_english):
    note = _write_note(login_in_english(world.caseworker), world.stay)
    client.post("/logout")
    login_in_english(world.colleague)
    response = client.post(f"/assessments/notes/{note.id}/edit", data=note_form(body="Bukan punya saya"))
    assert response.status_code == 409
    assert "Only the author" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CaseNote, note.id).body == "Catatan awal"


def test_a_correction_is_a_new_note_pointing_at_the_old_one(world, login_as):
    client = login_as(world.caseworker)
    note = _write_note(client, world.stay)
    page = client.get(f"/assessments/stays/{world.stay.id}?corrects={note.id}").get_data(as_text=True)
    assert f'name="corrects" type="hidden" value="{note.id}"' in page
    correction = client.post(f"/assessments/stays/{world.stay.id}/notes",
                             data=note_form(body="Koreksi: tanggal sesi salah", corrects=str(note.id)))
    assert correction.status_code == 302
    db.session.expire_all()
    newest = db.session.scalar(sa.select(CaseNote).order_by(CaseNote.id.desc()))
    assert newest.corrects_id == note.id and db.session.get(CaseNote, note.id).body == "Catatan awal"


def test_resident_page_loads_the_case_file_lazily(world, login_as):
    client = login_as(world.caseworker)
    page = client.get(f"/residents/{world.resident.id}").get_data(as_text=True)
    section_url = f"/assessments/residents/{world.resident.id}/section"
    assert f'hx-get="{section_url}"' in page and 'hx-trigger="load"' in page
    section = client.htmx("GET", section_url).get_data(as_text=True)
    assert 'id="case-file"' in section and f"/assessments/stays/{world.stay.id}/new" in section


def test_reading_a_case_file_is_audited_with_ids_only(world, login_as):
    client = login_as(world.case_manager)
    client.get(f"/assessments/stays/{world.stay.id}")
    client.htmx("GET", f"/assessments/residents/{world.resident.id}/section")
    events = audit_events("resident.viewed")
    assert [(e.target_id, e.actor_id, e.detail) for e in events] == [
        (world.resident.id, world.case_manager.id, {"part": "case_file"})] * 2


def test_the_case_file_page_issues_a_fixed_number_of_statements(world, login_as):
    from tests.conftest import counting_statements

    client = login_as(world.caseworker)

    def statements_with(notes: int) -> int:
        authors = [world.caseworker, world.colleague, world.case_manager]
        for n in range(notes):
            db.session.add(CaseNote(stay_id=world.stay.id, noted_on=today(), kind="visit", body=f"Catatan {n}",
                                    author_id=authors[n % 3].id))
            db.session.add(Assessment(stay_id=world.stay.id, assessed_on=today(), risk_level="low",
                                      recommendation="rehabilitation", safety=f"Temuan {n}",
                                      author_id=authors[n % 3].id))
        db.session.commit()
        with counting_statements() as statements:
            assert client.get(f"/assessments/stays/{world.stay.id}").status_code == 200
        return len(statements)

    assert statements_with(1) == statements_with(12)
