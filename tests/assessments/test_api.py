"""The API of assessments and case notes: round trips, the rules as status codes, and every answer
checked against the OpenAPI document by the client."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import time_machine

from shelter.assessments.models import Assessment, CaseNote, CaseNoteRevision
from shelter.assessments.service import today
from shelter.db import utcnow
from shelter.extensions import db


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def assessment_body(**overrides) -> dict:
    body = {"assessed_on": today().isoformat(), "risk_level": "high", "recommendation": "referral",
            "findings": {"safety": "Ancaman dari mantan suami.", "legal": "Laporan polisi sudah dibuat."}}
    body.update(overrides)
    return body


def note_body(**overrides) -> dict:
    body = {"noted_on": today().isoformat(), "kind": "legal", "body": "Pendampingan ke Polres."}
    body.update(overrides)
    return body


def test_assessment_round_trip(world, api_as):
    api = api_as(world.caseworker)
    created = api.post(f"stays/{world.stay.id}/assessments", json=assessment_body())
    assert created.status_code == 201
    data = created.get_json()
    assert data["findings"]["legal"] == "Laporan polisi sudah dibuat." and data["findings"]["education"] == ""
    assert data["author_id"] == world.caseworker.id
    assert api.get(f"assessments/{data['id']}").get_json() == data
    listing = api.get(f"stays/{world.stay.id}/assessments").get_json()
    assert [a["id"] for a in listing["assessments"]] == [data["id"]]
    reader = api_as(world.case_manager)
    assert reader.get(f"assessments/{data['id']}").status_code == 200


def test_assessment_bad_input_is_422_and_saves_nothing(world, api_as):
    api = api_as(world.caseworker)
    url = f"stays/{world.stay.id}/assessments"
    cases = [
        (assessment_body(assessed_on=(today() + timedelta(days=1)).isoformat()), {"assessed_on": "in_future"}),
        (assessment_body(assessed_on=(today() - timedelta(days=9)).isoformat()), {"assessed_on": "before_admission"}),
        (assessment_body(findings={"safety": "x" * 2001}), {"findings": "too_long"}),
        (assessment_body(findings={"safety": "  "}), {"findings": "required"}),
        (assessment_body(risk_level="extreme"), {"risk_level": "invalid_choice"}),
    ]
    for body, expected in cases:
        response = api.post(url, json=body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"] == expected
    assert count(Assessment) == 0


def test_case_note_round_trip_and_edit_within_24_hours(world, api_as):
    api = api_as(world.caseworker)
    created = api.post(f"stays/{world.stay.id}/case-notes", json=note_body())
    assert created.status_code == 201
    note = created.get_json()
    edited = api.open("PATCH", f"case-notes/{note['id']}", json={"body": "Pendampingan ke Polres Jakarta Timur."})
    assert edited.status_code == 200
    assert edited.get_json()["body"] == "Pendampingan ke Polres Jakarta Timur."
    assert edited.get_json()["revisions"] == 1 and edited.get_json()["edited_at"] is not None
    correction = api.post(f"stays/{world.stay.id}/case-notes",
                          json=note_body(body="Koreksi: ke Polda, bukan Polres.", corrects_id=note["id"]))
    assert correction.status_code == 201
    page = api.get(f"stays/{world.stay.id}/case-notes").get_json()
    assert [n["id"] for n in page["notes"]] == [correction.get_json()["id"], note["id"]]
    assert page["total"] == 2 and page["has_next"] is False


def test_case_note_too_long_is_422_and_saves_nothing(world, api_as):
    api = api_as(world.caseworker)
    response = api.post(f"stays/{world.stay.id}/case-notes", json=note_body(body="x" * 4001))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"body": "too_long"}
    assert count(CaseNote) == 0


def test_edit_by_another_user_or_after_24_hours_is_409(world, api_as):
    api = api_as(world.caseworker)
    note = api.post(f"stays/{world.stay.id}/case-notes", json=note_body()).get_json()
    colleague = api_as(world.colleague)
    refused = colleague.open("PATCH", f"case-notes/{note['id']}", json={"body": "Bukan punya saya"})
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_author"
    with time_machine.travel(utcnow() + timedelta(hours=24, seconds=1), tick=False):
        late = api.open("PATCH", f"case-notes/{note['id']}", json={"body": "Terlambat"})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "edit_window_closed"
    db.session.expire_all()
    assert db.session.get(CaseNote, note["id"]).body == "Pendampingan ke Polres."
    assert count(CaseNoteRevision) == 0


def test_roles_without_case_files_and_admins_writing_get_404(world, admin, api_as):
    intake = api_as(world.intake)
    assert intake.get(f"stays/{world.stay.id}/assessments").status_code == 404
    admin_api = api_as(admin)
    assert admin_api.get(f"stays/{world.stay.id}/case-notes").status_code == 200
    assert admin_api.post(f"stays/{world.stay.id}/case-notes", json=note_body()).status_code == 404
    assert count(CaseNote) == 0
