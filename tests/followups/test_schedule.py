"""A discharge to family or to the home region plans the follow-ups from the policy; others do not."""

from __future__ import annotations

from datetime import date

import pytest

from shelter.extensions import db
from shelter.followups import service
from shelter.stays.models import DischargeOutcome
from tests.conftest import audit_events
from tests.followups.conftest import admit_and_discharge, schedule, wib


@pytest.mark.parametrize("outcome", ["reunified", "returned_home_region"])
def test_discharge_home_plans_the_default_schedule_for_the_stays_caseworker(world, outcome):
    at = wib(2026, 11, 20, 23, 30)  # 16:30 UTC: the WIB day counts, not the UTC one
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"], outcome=outcome,
                               caseworker=world["caseworker"], at=at)
    items = schedule(stay)
    assert [(f.step, f.offset_days, f.due_on, f.planned_method) for f in items] == [
        (1, 7, date(2026, 11, 27), "phone_call"),
        (2, 30, date(2026, 12, 20), "home_visit"),
        (3, 90, date(2027, 2, 18), "home_visit"),
        (4, 180, date(2027, 5, 19), "home_visit"),
    ]
    assert {f.caseworker_id for f in items} == {world["caseworker"].id}
    assert {(f.status, f.resident_id, f.facility_id) for f in items} == {("open", world["resident"].id, world["a"].id)}
    assert [e.detail["count"] for e in audit_events("followup.scheduled")] == [4]


@pytest.mark.parametrize("outcome", [o.value for o in DischargeOutcome
                                     if o not in (DischargeOutcome.REUNIFIED, DischargeOutcome.RETURNED_HOME_REGION)])
def test_other_outcomes_plan_nothing(world, outcome):
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"], outcome=outcome,
                               caseworker=world["caseworker"])
    assert schedule(stay) == []


def test_without_a_stay_caseworker_the_discharging_caseworker_or_nobody(world, make_user):
    both = make_user(roles=("caseworker", "intake_staff"), facilities=[world["a"]])
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=both)
    assert {f.caseworker_id for f in schedule(stay)} == {both.id}

    other = admit_and_discharge(world["b_resident"], world["beds"][1], intake=world["intake"])
    assert {f.caseworker_id for f in schedule(other)} == {None}


def test_the_schedule_is_created_once_and_follows_the_edited_policy(world, admin):
    steps = service.policy_steps()
    service.update_step(steps[0], 3, "video_call", by=admin)
    service.add_step(365, "home_visit", by=admin)
    db.session.commit()
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"])
    first = schedule(stay)
    assert [(f.offset_days, f.planned_method) for f in first] == [
        (3, "video_call"), (30, "home_visit"), (90, "home_visit"), (180, "home_visit"), (365, "home_visit")]
    again = service.schedule_after_discharge(stay, by=world["intake"])
    db.session.commit()
    assert [f.id for f in again] == [f.id for f in first] and len(schedule(stay)) == 5


def test_policy_rules(admin):
    steps = service.policy_steps()
    with pytest.raises(service.PolicyInvalid) as error:
        service.add_step(30, "home_visit", by=admin)
    assert error.value.problems == {"offset_days": "duplicate"}
    with pytest.raises(service.PolicyInvalid) as error:
        service.add_step(0, "teleport", by=admin)
    assert error.value.problems == {"offset_days": "out_of_range", "method": "invalid_choice"}
    for step in steps[1:]:
        service.remove_step(step, by=admin)
    with pytest.raises(service.PolicyInvalid):
        service.remove_step(steps[0], by=admin)
