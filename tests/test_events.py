"""Domain events: the features built on stays hear about admissions, discharges and bed changes through
``shelter.events``, and their listeners run inside the action's own transaction — when one fails, the
action and everything it caused roll back together."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter import events
from shelter.alerts import service as alerts
from shelter.alerts.models import CapacityAlert
from shelter.audit.models import AuditEvent
from shelter.extensions import db
from shelter.followups import service as followups
from shelter.followups.models import FollowUp
from shelter.notifications.models import OutboundMessage
from shelter.stays import service as stays
from shelter.stays.models import Stay


class ListenerFailed(Exception):
    pass


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


@pytest.fixture
def ward(make_facility, make_room, make_bed, make_user, admin):
    """A facility with one bed and a rule 'alert when no bed is free' texting its manager."""
    facility = make_facility()
    bed = make_bed(room=make_room(facility=facility))
    manager = make_user(roles=("facility_manager", "intake_staff"), facilities=[facility])
    manager.phone = "+6281255500123"
    alerts.create_rule(facility, by=admin, max_free_beds=0, recipient_ids=[manager.id])
    db.session.commit()
    return facility, bed, manager


def test_listeners_react_to_an_admission_and_a_discharge(ward, make_resident):
    facility, bed, manager = ward
    resident = make_resident(facility)
    stay = stays.admit(resident, bed, by=manager)
    db.session.commit()
    assert count(CapacityAlert) == 1, "the capacity rule heard beds_changed"
    stays.discharge(stay, outcome="reunified", note="", by=manager)
    db.session.commit()
    assert count(FollowUp, FollowUp.stay_id == stay.id) >= 1, "follow-ups heard stay_discharged"


def test_a_failing_listener_rolls_the_admission_back_with_its_alert(ward, make_resident, monkeypatch):
    """The alert is written (and its SMS queued) inside the admission's transaction; a listener that then
    raises leaves no stay, no alert, no SMS and no audit of an admission that never happened."""
    facility, bed, manager = ward
    resident = make_resident(facility)
    real = alerts.evaluate_facility
    written = {}

    def evaluate_then_fail(facility_id, **kwargs):
        real(facility_id, **kwargs)
        db.session.flush()
        written["alerts"], written["sms"] = count(CapacityAlert), count(OutboundMessage)
        raise ListenerFailed()

    monkeypatch.setattr(alerts, "evaluate_facility", evaluate_then_fail)
    with pytest.raises(ListenerFailed):
        stays.admit(resident, bed, by=manager)
    db.session.rollback()

    assert written == {"alerts": 1, "sms": 1}, "the listener ran inside the admission's transaction"
    assert count(Stay) == 0
    assert count(CapacityAlert) == 0
    assert count(OutboundMessage) == 0
    assert count(AuditEvent, AuditEvent.action == "stay.admitted") == 0


def test_a_failing_listener_rolls_the_discharge_back_with_its_follow_ups(ward, make_resident, monkeypatch):
    facility, bed, manager = ward
    resident = make_resident(facility)
    stay = stays.admit(resident, bed, by=manager)
    db.session.commit()
    real = followups.schedule_after_discharge
    written = {}

    def schedule_then_fail(stay, **kwargs):
        real(stay, **kwargs)
        db.session.flush()
        written["follow_ups"] = count(FollowUp)
        raise ListenerFailed()

    monkeypatch.setattr(followups, "schedule_after_discharge", schedule_then_fail)
    with pytest.raises(ListenerFailed):
        stays.discharge(stay, outcome="reunified", note="", by=manager)
    db.session.rollback()

    assert written["follow_ups"] >= 1
    assert count(FollowUp) == 0
    assert db.session.get(Stay, stay.id).discharged_at is None, "the stay is still open"
    assert count(AuditEvent, AuditEvent.action == "stay.discharged") == 0


def test_a_new_listener_hears_every_change_of_free_beds(ward, make_resident):
    """What a later feature (the waitlist) will rely on: admission, hold, release and discharge each tell
    which facilities' free beds changed, once per action, in ascending order."""
    facility, bed, manager = ward
    heard = []

    def listener(sender, *, facility_ids, **_):
        heard.append(list(facility_ids))

    with events.beds_changed.connected_to(listener):
        hold = stays.place_hold(bed, by=manager, reason="Rujukan")
        stays.release_hold(hold, by=manager)
        stay = stays.admit(make_resident(facility), bed, by=manager)
        stays.discharge(stay, outcome="independent", note="", by=manager)
    db.session.commit()
    assert heard == [[facility.id]] * 4
