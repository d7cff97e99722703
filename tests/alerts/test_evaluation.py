"""Hysteresis: one alert per crossing into low, nothing while it stays low, recovery optional."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.alerts import service
from shelter.alerts.models import CapacityRule
from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays import service as stays
from shelter.stays.models import BedHold
from tests.alerts.conftest import alerts, make_rule, messages


def admit_into(beds, make_resident, facility, staff):
    stays_ = []
    for bed in beds:
        stays_.append(stays.admit(make_resident(facility), bed, by=staff))
        db.session.commit()
    return stays_


def test_crossing_alerts_once_staying_low_is_silent_and_crossing_again_alerts_again(
        app, ward, manager, staff, make_resident):
    facility, beds = ward
    # Back to normal at 3 free, no minimum interval: one crossing each way (issue 9 added both settings;
    # tests/alerts/test_hysteresis.py covers the defaults).
    rule = make_rule(facility, [manager], max_free_beds=2, recovery_free_beds=3, min_interval_minutes=0)
    assert not rule.is_low
    admitted = admit_into(beds[:9], make_resident, facility, staff)  # 3 free: still normal
    assert alerts() == [] and messages() == []
    admit_into(beds[9:10], make_resident, facility, staff)  # 2 free: low
    [low] = alerts()
    assert (low.kind, low.free_beds, low.total_beds, low.occupancy_percent, low.sms_count) == ("low", 2, 12, 83, 1)
    [sms] = messages()
    assert sms.to_number == "+6281255501101" and sms.user_id == manager.id
    assert "2" in sms.body
    admit_into(beds[10:], make_resident, facility, staff)  # 0 free: still low, nothing new
    assert len(alerts()) == 1 and len(messages()) == 1

    for stay in admitted[:3]:  # 0 free → 3 free: back to normal, silently (no recovery SMS asked for)
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"]
    assert len(messages()) == 1
    assert not db.session.get(CapacityRule, rule.id).is_low

    admit_into(beds[:1], make_resident, facility, staff)  # crossing again: a second alert and SMS
    assert [a.kind for a in alerts()] == ["low", "recovered", "low"]
    assert len(messages()) == 2


def test_recovery_message_only_when_asked_for(app, ward, manager, staff, make_resident):
    facility, beds = ward
    make_rule(facility, [manager], max_free_beds=10, recovery_free_beds=11, notify_recovery=True)
    [stay, *_] = admit_into(beds[:2], make_resident, facility, staff)
    stays.discharge(stay, outcome="independent", by=staff)
    db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"]
    assert [a.sms_count for a in alerts()] == [1, 1]
    low, recovered = messages()
    assert low.body != recovered.body and "11" in recovered.body


def test_occupancy_threshold(app, ward, manager, staff, make_resident):
    facility, beds = ward
    make_rule(facility, [manager], max_free_beds=None, min_occupancy_percent=75)
    admit_into(beds[:8], make_resident, facility, staff)  # 66 %
    assert alerts() == []
    admit_into(beds[8:9], make_resident, facility, staff)  # 75 %
    assert [a.occupancy_percent for a in alerts()] == [75]


def test_bed_out_of_service_crossing_alerts(app, ward, manager):
    from shelter.facilities import service as facilities

    facility, beds = ward
    make_rule(facility, [manager], max_free_beds=11)
    facilities.update_bed(beds[0], {"out_of_service_reason": "Kasur rusak",
                                     "out_of_service_since": utcnow().date()})
    db.session.commit()
    [alert] = alerts()
    assert (alert.free_beds, alert.total_beds) == (11, 11)


def test_hold_crossing_alerts_and_evaluate_all_catches_its_expiry(app, ward, manager, make_user):
    facility, beds = ward
    case_manager = make_user(roles=("case_manager",))
    make_rule(facility, [manager], max_free_beds=11, recovery_free_beds=12, notify_recovery=True)
    hold = stays.place_hold(beds[0], by=case_manager, reason="rujukan UPTD PPA", hours=2)
    db.session.commit()
    assert [a.kind for a in alerts()] == ["low"]

    assert service.evaluate_all() == 0  # nothing changed
    db.session.execute(sa.update(BedHold).where(BedHold.id == hold.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1),
                               created_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    assert service.evaluate_all() == 1  # nobody released it: the safety net sees the bed free again
    assert [a.kind for a in alerts()] == ["low", "recovered"]
    assert len(messages()) == 2
    assert service.evaluate_all() == 0


def test_category_rule_counts_only_its_category(app, ward, manager, staff, make_room, make_bed, make_resident):
    facility, beds = ward
    boys = make_room(facility, sex="male", age_group="child")
    boys_bed = make_bed(boys)
    make_rule(facility, [manager], max_free_beds=0, category="boys")
    admit_into(beds, make_resident, facility, staff)  # all women's beds: the boys' rule stays normal
    assert alerts() == []
    stays.admit(make_resident(facility, sex="male", birth_date=utcnow().date().replace(year=2015)), boys_bed,
                by=staff)
    db.session.commit()
    [alert] = alerts()
    assert (alert.category, alert.free_beds, alert.total_beds) == ("boys", 0, 1)


def test_recipients_without_phone_or_opted_out_get_no_sms_but_the_alert_is_kept(
        app, ward, manager, staff, make_person, make_resident):
    facility, beds = ward
    no_phone = make_person(roles=("facility_manager",), facilities=[facility])
    opted_out = make_person(roles=("caseworker",), facilities=[facility], phone="+6281255501102", sms_opt_out=True)
    make_rule(facility, [manager, no_phone, opted_out], max_free_beds=11)
    admit_into(beds[:1], make_resident, facility, staff)
    [alert] = alerts()
    assert alert.sms_count == 1
    assert [m.user_id for m in messages()] == [manager.id]


def test_recipient_who_left_the_facility_is_not_texted(app, ward, manager, staff, make_facility, make_resident):
    facility, beds = ward
    make_rule(facility, [manager], max_free_beds=11)
    manager.facilities = [make_facility()]
    db.session.commit()
    admit_into(beds[:1], make_resident, facility, staff)
    assert len(alerts()) == 1 and messages() == []


def test_no_rules_costs_one_query(app, ward, staff):
    from tests.conftest import counting_statements

    facility_id = ward[0].id
    db.session.commit()
    with counting_statements() as statements:
        assert service.evaluate_facility(facility_id) == 0
    assert [s for s in statements if not s.startswith("BEGIN")] == [statements[-1]]
    assert "capacity_rules" in statements[-1]


def test_inactive_rule_is_not_evaluated(app, ward, manager, staff, make_resident):
    facility, beds = ward
    rule = make_rule(facility, [manager], max_free_beds=11)
    service.set_rule_active(rule, False, by=None)
    db.session.commit()
    admit_into(beds[:3], make_resident, facility, staff)
    assert alerts() == []
