"""The assessments part of the worklists: open stays without an assessment, due a configurable number
of days after admission, in a fixed number of SQL statements."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shelter.assessments.models import Assessment
from shelter.assessments.queries import worklist_items
from shelter.assessments.service import local_date, today
from shelter.extensions import db
from shelter.worklist_items import WorkKind
from tests.conftest import counting_statements


@pytest.fixture
def config_overrides():
    return {"assessment_due_days": 5}


def items(app, **kwargs):
    with app.test_request_context():
        return worklist_items(today=today(), **kwargs)


def test_a_case_writer_gets_the_form_others_the_resident_page(app, world, make_user):
    from flask_login import login_user

    from shelter.auth.models import Role
    manager = make_user(roles={Role.FACILITY_MANAGER}, facilities=[world.facility])
    db.session.commit()
    for user, url in ((world.caseworker, f"/assessments/stays/{world.stay.id}/new"),
                      (manager, f"/residents/{world.resident.id}")):
        with app.test_request_context():
            login_user(user)
            [item] = worklist_items(today=today(), facility_ids={world.facility.id}, caseworker_id=None)
            assert item.url == url


def test_stays_without_assessment_are_due_and_overdue(app, world, make_resident, make_stay):
    late = make_stay(make_resident(world.facility), world.facility, days_ago=9, caseworker=world.colleague)
    done = make_stay(make_resident(world.facility), world.facility, days_ago=9, caseworker=world.caseworker)
    db.session.add(Assessment(stay_id=done.id, assessed_on=today(), risk_level="low", recommendation="referral",
                              safety="Aman."))
    make_stay(make_resident(world.facility), world.facility, days_ago=20, discharged_days_ago=1)  # closed
    make_stay(make_resident(world.other_facility), world.other_facility, days_ago=9)  # elsewhere
    db.session.commit()

    found = {item.resident_id: item for item in items(app, facility_ids={world.facility.id}, caseworker_id=None)}
    assert set(found) == {world.resident.id, late.resident_id}
    fresh, overdue = found[world.resident.id], found[late.resident_id]
    assert fresh.kind == WorkKind.ASSESSMENT_DUE and not fresh.overdue
    assert fresh.due_on == local_date(world.stay.admitted_at) + timedelta(days=5)
    assert overdue.overdue and overdue.caseworker_id == world.colleague.id
    assert fresh.url == f"/residents/{world.resident.id}"  # no case writer signed in: no form link that 404s
    assert fresh.resident_name == world.resident.full_name and fresh.facility_id == world.facility.id

    mine = items(app, facility_ids={world.facility.id}, caseworker_id=world.caseworker.id)
    assert [i.resident_id for i in mine] == [world.resident.id]
    assert items(app, facility_ids=set(), caseworker_id=None) == []
    everywhere = items(app, facility_ids=None, caseworker_id=None)
    assert len(everywhere) == 3


def _statements_with(app, world, make_resident, make_stay, residents: int) -> int:
    """Admit residents until the caseworker has ``residents`` stays without assessment; count statements."""
    while len(items(app, facility_ids={world.facility.id}, caseworker_id=world.caseworker.id)) < residents:
        make_stay(make_resident(world.facility), world.facility, days_ago=8, caseworker=world.caseworker)
    facility_ids, caseworker_id, day = {world.facility.id}, world.caseworker.id, today()
    with app.test_request_context():
        db.session.expire_all()
        with counting_statements() as statements:
            found = worklist_items(facility_ids=facility_ids, caseworker_id=caseworker_id, today=day)
    assert len(found) == residents
    return len(statements)


def test_statement_count_does_not_grow_with_residents(app, world, make_resident, make_stay):
    with_two = _statements_with(app, world, make_resident, make_stay, 2)
    with_twenty = _statements_with(app, world, make_resident, make_stay, 20)
    assert with_two == with_twenty == 1
