"""Issue 9, finding 9: five hold/release cycles on one bed queued 30 SMS. A rule now recovers only at
a separate recovery threshold (free beds ≥ R, occupancy ≤ Q) and alerts at most once per
``min_interval_minutes``; both are edited on the rule form and shown on the facility's rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shelter.alerts import service
from shelter.alerts.models import CapacityRule
from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays import service as stays
from tests.alerts.conftest import alerts, make_rule, messages
from tests.alerts.test_evaluation import admit_into


@pytest.fixture
def recipients(make_person, manager, ward):
    facility, _ = ward
    others = [make_person(roles=("facility_manager",), facilities=[facility], phone=f"+62812555011{n}")
              for n in (2, 3)]
    return [manager, *others]


def rule_now(rule_id):
    db.session.expire_all()
    return db.session.get(CapacityRule, rule_id)


def test_cycling_one_bed_twenty_times_alerts_once(app, ward, recipients, staff, make_user, make_resident):
    facility, beds = ward
    case_manager = make_user(roles=("case_manager",))
    # The three managers of the review, with a "back to normal" SMS asked for: the worst case.
    make_rule(facility, recipients, max_free_beds=2, notify_recovery=True)
    admit_into(beds[:9], make_resident, facility, staff)  # 3 free: normal
    bed = beds[9]
    for cycle in range(20):
        if cycle % 2:
            stay = stays.admit(make_resident(facility), bed, by=staff)
            db.session.commit()
            stays.discharge(stay, outcome="independent", by=staff)
        else:
            hold = stays.place_hold(bed, by=case_manager, reason="rujukan UPTD PPA", hours=2)
            db.session.commit()
            stays.release_hold(hold, by=case_manager)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low"]
    sent = messages()
    assert sorted(m.user_id for m in sent) == sorted(u.id for u in recipients)


def test_recovery_short_of_the_recovery_threshold_does_not_re_arm(app, ward, manager, staff, make_resident):
    facility, beds = ward
    rule = make_rule(facility, [manager], max_free_beds=2, recovery_free_beds=5, min_interval_minutes=0)
    assert rule.recovery_free_beds == 5
    admitted = admit_into(beds[:10], make_resident, facility, staff)  # 2 free: low
    for stay in admitted[:2]:  # 4 free: above the alert threshold, below the recovery one
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert rule_now(rule.id).is_low
    admit_into(beds[:2], make_resident, facility, staff)  # 2 free again: no new crossing
    assert [a.kind for a in alerts()] == ["low"] and len(messages()) == 1


def test_after_recovery_and_the_minimum_interval_a_new_crossing_alerts(app, ward, manager, staff, make_resident):
    facility, beds = ward
    rule = make_rule(facility, [manager], max_free_beds=2, min_interval_minutes=60)
    assert rule.recovery_free_beds == 4  # the default: two beds more than the alert threshold
    admitted = admit_into(beds[:10], make_resident, facility, staff)  # 2 free: low
    for stay in admitted[:2]:  # 4 free: back to normal
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"]
    again = admit_into(beds[:2], make_resident, facility, staff)  # low again within the hour: held back
    assert [a.kind for a in alerts()] == ["low", "recovered"] and len(messages()) == 1
    assert rule_now(rule.id).is_low and rule_now(rule.id).alert_pending
    # The safety net announces a low that outlasts the interval (and only then).
    assert service.evaluate_all() == 0
    db.session.execute(sa.update(CapacityRule).where(CapacityRule.id == rule.id)
                       .values(last_alert_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    assert service.evaluate_all() == 1
    assert [a.kind for a in alerts()] == ["low", "recovered", "low"] and len(messages()) == 2

    # Recovery, then a new crossing after the interval: alerted at once.
    for stay in again:
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    db.session.execute(sa.update(CapacityRule).where(CapacityRule.id == rule.id)
                       .values(last_alert_at=utcnow() - timedelta(minutes=61)))
    db.session.commit()
    admit_into(beds[:2], make_resident, facility, staff)
    assert [a.kind for a in alerts()] == ["low", "recovered", "low", "recovered", "low"]
    assert len(messages()) == 3


def test_a_low_that_recovers_before_its_alert_was_due_stays_silent(app, ward, manager, staff, make_resident):
    facility, beds = ward
    rule = make_rule(facility, [manager], max_free_beds=2, notify_recovery=True)
    admitted = admit_into(beds[:10], make_resident, facility, staff)
    for stay in admitted[:2]:
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    again = admit_into(beds[:2], make_resident, facility, staff)  # low, held back by the interval
    for stay in again:  # back to normal before it was announced: nothing to say
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"] and len(messages()) == 2
    assert not rule_now(rule.id).alert_pending


def test_occupancy_recovers_only_at_its_recovery_threshold(app, ward, manager, staff, make_resident):
    facility, beds = ward
    rule = make_rule(facility, [manager], max_free_beds=None, min_occupancy_percent=75,
                     recovery_occupancy_percent=50, min_interval_minutes=0)
    admitted = admit_into(beds[:9], make_resident, facility, staff)  # 75 %: low
    stays.discharge(admitted[0], outcome="independent", by=staff)  # 66 %: still low
    db.session.commit()
    assert rule_now(rule.id).is_low
    for stay in admitted[1:3]:  # 50 %: back to normal
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"]


@pytest.mark.parametrize("values, field", [
    ({"max_free_beds": 2, "recovery_free_beds": 2}, "recovery_free_beds"),
    ({"max_free_beds": 2, "recovery_free_beds": 1}, "recovery_free_beds"),
    ({"max_free_beds": None, "min_occupancy_percent": 80, "recovery_occupancy_percent": 80},
     "recovery_occupancy_percent"),
    ({"max_free_beds": None, "min_occupancy_percent": 80, "recovery_occupancy_percent": -1},
     "recovery_occupancy_percent"),
    ({"max_free_beds": 2, "min_interval_minutes": -1}, "min_interval_minutes"),
    ({"max_free_beds": 2, "min_interval_minutes": 100000}, "min_interval_minutes"),
])
def test_the_service_refuses_a_recovery_threshold_not_beyond_the_alert_threshold(app, ward, manager, values, field):
    facility, _ = ward
    with pytest.raises(service.InvalidRule) as raised:
        service.create_rule(facility, by=None, recipient_ids=[manager.id], **values)
    assert raised.value.field == field
    db.session.rollback()


@pytest.mark.parametrize("data, field, message", [
    ({"max_free_beds": "2", "recovery_free_beds": "2"}, "recovery_free_beds", "minimal 3"),
    ({"max_free_beds": "2", "recovery_free_beds": "0"}, "recovery_free_beds", "minimal 3"),
    ({"min_occupancy_percent": "80", "recovery_occupancy_percent": "85"}, "recovery_occupancy_percent",
     "paling tinggi 79"),
    ({"max_free_beds": "2", "min_interval_minutes": "-5"}, "min_interval_minutes", "0 sampai 1440"),
    ({"max_free_beds": "2", "min_interval_minutes": "sejam"}, "min_interval_minutes", "bilangan bulat"),
])
def test_the_form_refuses_them_next_to_the_field_in_indonesian(app, client, ward, manager, login_as,
                                                               data, field, message):
    facility, _ = ward
    login_as(manager)
    form = {"category": "", "max_free_beds": "", "min_occupancy_percent": "", "recovery_free_beds": "",
            "recovery_occupancy_percent": "", "min_interval_minutes": "60", **data}
    response = client.htmx("POST", f"/alerts/facilities/{facility.id}/rules", data=form)
    html = response.get_data(as_text=True)
    assert f'id="err-{field}"' in html and message in html
    assert f'value="{data[field]}"' in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CapacityRule)) == 0


def test_manager_sets_both_and_the_rules_show_them_in_indonesian(app, client, ward, manager, login_as):
    facility, _ = ward
    login_as(manager)
    response = client.post(f"/alerts/facilities/{facility.id}/rules", data={
        "category": "", "max_free_beds": "2", "recovery_free_beds": "5", "min_occupancy_percent": "90",
        "recovery_occupancy_percent": "70", "min_interval_minutes": "120", "recipients": [str(manager.id)]})
    assert response.status_code == 302
    [rule] = db.session.scalars(sa.select(CapacityRule)).all()
    assert (rule.recovery_free_beds, rule.recovery_occupancy_percent, rule.min_interval_minutes) == (5, 70, 120)
    html = client.get(f"/alerts/facilities/{facility.id}").get_data(as_text=True)
    assert "kembali normal bila tempat tidur kosong ≥ 5" in html
    assert "kembali normal bila tingkat hunian ≤ 70%" in html
    assert "paling sering sekali tiap 120 menit" in html
    edit = client.get(f"/alerts/rules/{rule.id}/edit").get_data(as_text=True)
    assert 'name="recovery_free_beds"' in edit and 'value="5"' in edit and 'value="120"' in edit


def test_empty_recovery_fields_take_the_defaults(app, client, ward, manager, login_as):
    facility, _ = ward
    login_as(manager)
    response = client.post(f"/alerts/facilities/{facility.id}/rules", data={
        "category": "", "max_free_beds": "3", "min_occupancy_percent": "85", "recovery_free_beds": "",
        "recovery_occupancy_percent": "", "min_interval_minutes": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    [rule] = db.session.scalars(sa.select(CapacityRule)).all()
    assert (rule.recovery_free_beds, rule.recovery_occupancy_percent, rule.min_interval_minutes) == (5, 75, 60)
