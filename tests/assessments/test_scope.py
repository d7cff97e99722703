"""Scope: a caseworker of another facility gets 404 on every page and endpoint of this feature,
for records that exist, and nothing is written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.assessments.models import Assessment, CaseNote
from shelter.assessments.service import today
from shelter.extensions import db

API_ENDPOINTS = {"api.assessments_list", "api.assessment_create", "api.assessment_get", "api.case_notes_list",
                 "api.case_note_create", "api.case_note_edit"}


def _records(world):
    assessment = Assessment(stay_id=world.stay.id, assessed_on=today(), author_id=world.caseworker.id,
                            risk_level="low", recommendation="rehabilitation", safety="Aman.")
    note = CaseNote(stay_id=world.stay.id, noted_on=today(), kind="visit", body="Kunjungan.",
                    author_id=world.caseworker.id)
    db.session.add_all([assessment, note])
    db.session.commit()
    return {"stay_id": world.stay.id, "resident_id": world.resident.id, "assessment_id": assessment.id,
            "note_id": note.id}


def _my_requests(app, ids):
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.endpoint.startswith("assessments.") or rule.endpoint in API_ENDPOINTS):
            continue
        url = adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments})
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((method, url, rule.endpoint))
    return found


def test_the_walk_sees_every_route_of_this_feature(app, world):
    endpoints = {endpoint for _, _, endpoint in _my_requests(app, _records(world))}
    assert API_ENDPOINTS <= endpoints
    assert {"assessments.stay", "assessments.new", "assessments.show", "assessments.note_create",
            "assessments.note_edit", "assessments.resident_section", "assessments.notes"} <= endpoints


@pytest.mark.parametrize("who", ["outsider", "intake"])
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_every_route_is_404_outside_scope_or_role(app, world, login_as, client, who, htmx):
    ids = _records(world)
    login_as(getattr(world, who))
    problems = []
    for method, url, endpoint in _my_requests(app, ids):
        headers = {"HX-Request": "true"} if htmx else {}
        kwargs = {"json": {}} if url.startswith("/api/") else {"data": {"body": "x", "kind": "visit",
                                                                          "noted_on": today().isoformat()}}
        response = client.open(url, method=method, headers=headers, **kwargs)
        if response.status_code != 404:
            problems.append(f"{method} {url} ({endpoint}): {response.status_code}")
        elif url.startswith("/api/") and response.get_json()["error"]["code"] != "not_found":
            problems.append(f"{method} {url}: {response.get_json()}")
    assert not problems, "\n".join(problems)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseNote)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1


def test_an_outsider_token_gets_404_too(world, api_as):
    ids = _records(world)
    api = api_as(world.outsider)
    assert api.get(f"stays/{ids['stay_id']}/assessments").status_code == 404
    assert api.get(f"assessments/{ids['assessment_id']}").status_code == 404
    assert api.open("PATCH", f"case-notes/{ids['note_id']}", json={"body": "x"}).status_code == 404
