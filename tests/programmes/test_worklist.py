"""Programme sessions today on the worklists: the right sessions, in a fixed number of statements."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask

from shelter.extensions import db
from shelter.programmes import queries, service
from shelter.worklist_items import WorkKind
from tests.conftest import counting_statements


def items(app: Flask, **kwargs):
    with app.test_request_context():
        return queries.worklist_items(today=service.local_today(), **kwargs)


def test_sessions_today_in_the_facilities_and_for_the_caseworkers_residents(app, make_programme, make_stay,
                                                                             make_facility, caseworker, make_user):
    mine = make_programme(name="Menjahit Uji")
    make_programme(name="Tata Boga Uji")  # today too, but none of the caseworker's residents is in it
    make_programme(make_facility(), name="Di tempat lain")
    later = make_programme(name="Nanti", starts_on=service.local_today() + timedelta(days=3))
    service.enrol(mine, make_stay(caseworker_id=caseworker.id).resident, by=caseworker)
    service.enrol(later, make_stay(caseworker_id=caseworker.id).resident, by=caseworker)
    db.session.commit()
    facility_ids = {mine.facility_id}
    everything = items(app, facility_ids=facility_ids, caseworker_id=None)
    names = ("Menjahit Uji", "Tata Boga Uji", "Di tempat lain", "Nanti")
    assert sorted(name for i in everything for name in names if name in i.label) == ["Menjahit Uji", "Tata Boga Uji"]
    assert all(i.kind == WorkKind.SESSION_TODAY and i.resident_id is None for i in everything)
    [only] = items(app, facility_ids=facility_ids, caseworker_id=caseworker.id)
    assert "Menjahit Uji" in only.label and only.url.startswith("/programmes/sessions/")
    assert only.caseworker_id == caseworker.id and only.due_on == service.local_today()
    assert items(app, facility_ids=facility_ids, caseworker_id=make_user().id) == []
    assert items(app, facility_ids=set(), caseworker_id=None) == []
    assert len(items(app, facility_ids=None, caseworker_id=None)) == 3


def test_the_number_of_statements_does_not_grow_with_residents(app, make_programme, make_stay, caseworker):
    programmes = [make_programme(name=f"Program {n}", capacity=40) for n in range(2)]
    facility_ids = {programmes[0].facility_id}

    def count(caseworker_id) -> int:
        db.session.commit()
        with counting_statements() as seen:
            items(app, facility_ids=facility_ids, caseworker_id=caseworker_id)
        return len(seen)

    service.enrol(programmes[0], make_stay(caseworker_id=caseworker.id).resident, by=caseworker)
    few = (count(None), count(caseworker.id))
    for n in range(30):
        service.enrol(programmes[n % 2], make_stay(caseworker_id=caseworker.id).resident, by=caseworker)
    assert (count(None), count(caseworker.id)) == few
    assert max(few) <= 2  # one SELECT (and, on SQLite, the BEGIN)
