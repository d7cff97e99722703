"""The database itself refuses double booking; the service turns refusals into clear errors."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter import create_app
from shelter.audit.models import AuditEvent
from shelter.config import Config
from shelter.db import utcnow
from shelter.extensions import db
from shelter.residents.models import Resident
from shelter.stays import service
from shelter.stays.models import BedAssignment, BedHold, Stay


@pytest.fixture
def staff(make_user):
    return make_user(roles=("intake_staff",))


def count(model, *where):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_raw_second_open_assignment_for_a_bed_is_refused(app, make_bed, make_resident, staff):
    bed = make_bed()
    first, second = make_resident(), make_resident()
    service.admit(first, bed, by=staff)
    db.session.commit()
    stay = Stay(resident=second, facility_id=bed.room.facility_id)
    db.session.add(stay)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO bed_assignments (stay_id, bed_id, started_at) VALUES (:stay, :bed, :now)"
        ), {"stay": stay.id, "bed": bed.id, "now": utcnow().replace(tzinfo=None)})
        db.session.commit()
    db.session.rollback()
    assert count(BedAssignment, BedAssignment.bed_id == bed.id, BedAssignment.ended_at.is_(None)) == 1


def test_raw_second_open_stay_for_a_resident_is_refused(app, make_facility, make_resident):
    facility = make_facility()
    resident = make_resident(facility)
    db.session.add(Stay(resident=resident, facility_id=facility.id))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(Stay(resident=resident, facility_id=facility.id))
        db.session.commit()
    db.session.rollback()


def test_taken_bed_gives_a_clear_error_and_writes_nothing(app, make_bed, make_resident, staff):
    bed = make_bed()
    service.admit(make_resident(), bed, by=staff)
    db.session.commit()
    late = make_resident()
    with pytest.raises(service.BedNotAvailable):
        service.admit(late, bed, by=staff)
    db.session.rollback()
    assert count(Stay, Stay.resident_id == late.id) == 0


def test_out_of_service_bed_cannot_be_used(app, make_bed, make_resident, staff):
    from datetime import date

    bed = make_bed(out_of_service_reason="Kasur rusak", out_of_service_since=date(2026, 1, 1))
    with pytest.raises(service.BedOutOfService):
        service.admit(make_resident(), bed, by=staff)


def test_room_rules_need_an_audited_override(app, make_room, make_bed, make_resident, staff):
    bed = make_bed(room=make_room(sex="female", age_group="adult"))
    man = make_resident(sex="male")
    with pytest.raises(service.RoomRulesViolated) as error:
        service.admit(man, bed, by=staff)
    assert error.value.problems == ["sex"]
    db.session.rollback()
    stay = service.admit(man, bed, by=staff, override_reason="Darurat malam hari, tidak ada kamar lain")
    db.session.commit()
    assert stay.override_reason.startswith("Darurat")
    assert count(AuditEvent, AuditEvent.action == "stay.room_rules_overridden") == 1


def test_over_capacity_only_when_full(app, make_room, make_bed, make_resident, staff):
    room = make_room()
    bed = make_bed(room=room)
    facility = room.facility
    with pytest.raises(service.FacilityHasFreeBeds):
        service.admit(make_resident(facility), None, by=staff, over_capacity_facility=facility,
                      override_reason="dibawa tim penjangkauan")
    db.session.rollback()
    service.admit(make_resident(facility), bed, by=staff)
    db.session.commit()
    stay = service.admit(make_resident(facility), None, by=staff, over_capacity_facility=facility,
                         override_reason="dibawa tim penjangkauan")
    db.session.commit()
    assert stay.over_capacity and count(BedAssignment, BedAssignment.stay_id == stay.id) == 0


def test_transfer_within_and_between_facilities_keeps_one_open_stay(app, make_room, make_bed, make_resident, staff):
    room_a = make_room()
    bed_a1, bed_a2 = make_bed(room=room_a), make_bed(room=room_a)
    bed_b = make_bed()
    resident = make_resident(room_a.facility)
    stay = service.admit(resident, bed_a1, by=staff)
    db.session.commit()
    assert service.transfer(stay, bed_a2, by=staff) is stay
    db.session.commit()
    moved = service.transfer(stay, bed_b, by=staff)
    db.session.commit()
    assert moved.id != stay.id and moved.previous_stay_id == stay.id
    assert stay.discharge_outcome == "moved_facility"
    assert count(Stay, Stay.resident_id == resident.id, Stay.discharged_at.is_(None)) == 1
    assert service.free_beds_in_facility(room_a.facility_id) == 2


def test_discharge_before_admission_is_refused(app, make_bed, make_resident, staff):
    stay = service.admit(make_resident(), make_bed(), by=staff)
    db.session.commit()
    with pytest.raises(service.InvalidDischarge):
        service.discharge(stay, outcome="reunified", by=staff, at=stay.admitted_at - timedelta(days=1))
    db.session.rollback()
    service.discharge(stay, outcome="reunified", by=staff)
    db.session.commit()
    assert count(BedAssignment, BedAssignment.stay_id == stay.id, BedAssignment.ended_at.is_(None)) == 0


def test_a_hold_keeps_the_bed_until_it_expires(app, make_bed, make_resident, make_user, staff):
    bed = make_bed()
    case_manager = make_user(roles=("case_manager",))
    hold = service.place_hold(bed, by=case_manager, reason="rujukan UPTD PPA", hours=2)
    db.session.commit()
    with pytest.raises(service.BedNotAvailable):
        service.admit(make_resident(), bed, by=staff)
    db.session.rollback()
    db.session.execute(sa.update(BedHold).where(BedHold.id == hold.id)
                       .values(expires_at=utcnow() - timedelta(minutes=1), created_at=utcnow() - timedelta(hours=3)))
    db.session.commit()
    service.admit(make_resident(), bed, by=staff)
    db.session.commit()
    assert db.session.get(BedHold, hold.id).release_reason == "expired"


def test_twenty_clients_racing_for_one_bed(app, database_url, make_bed, make_resident, staff):
    """Separate apps (own engines and connections) race: one wins, nobody sees 'database is locked'."""
    bed = make_bed()
    residents = [make_resident(bed.room.facility) for _ in range(20)]
    staff_id, bed_id = staff.id, bed.id
    resident_ids = [r.id for r in residents]
    db.session.commit()  # SQLite: this thread must not hold the write lock while the racers run
    results, barrier = [], threading.Barrier(20, timeout=30)

    # Apps are built here, one at a time: CPython 3.11.7 can fail compiling code in parallel threads
    # ("AST constructor recursion depth mismatch"), and app creation is not what this test races.
    racers = [create_app(Config.for_tests(database_url)) for _ in resident_ids]

    def attempt(racer, resident_id):
        with racer.app_context():
            from shelter.auth.models import User
            from shelter.facilities.models import Bed

            try:
                by = db.session.get(User, staff_id)
                resident = db.session.get(Resident, resident_id)
                target = db.session.get(Bed, bed_id)
                db.session.rollback()
                barrier.wait()
                service.admit(resident, target, by=by)
                db.session.commit()
                results.append("ok")
            except service.BedNotAvailable:
                db.session.rollback()
                results.append("taken")
            except Exception as error:  # noqa: BLE001 — any other outcome is the failure we look for
                barrier.abort()
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(racers, resident_ids)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) == ["ok"] + ["taken"] * 19, [r for r in results if r not in ("ok", "taken")][:3]
    assert count(BedAssignment, BedAssignment.bed_id == bed.id) == 1
