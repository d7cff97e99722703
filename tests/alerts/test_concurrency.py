"""The acceptance test: 10 admissions at the same moment cross a facility's threshold → exactly one
alert and one SMS per recipient. Separate apps (own engines, connections and sessions) race in real
threads, as gunicorn workers would."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db
from shelter.stays import service as stays
from shelter.stays.models import Stay
from tests.alerts.conftest import alerts, make_rule, messages

RACERS = 10


def admit_all_at_once(database_url, staff_id, pairs):
    """One thread per (resident id, bed id), each with its own app; all admit together."""
    barrier = threading.Barrier(len(pairs), timeout=30)
    results = []
    # Apps are built here, one at a time: CPython 3.11.7 can fail compiling code in parallel threads.
    racers = [create_app(Config.for_tests(database_url)) for _ in pairs]

    def attempt(racer, resident_id, bed_id):
        with racer.app_context():
            from shelter.auth.models import User
            from shelter.facilities.models import Bed
            from shelter.residents.models import Resident

            try:
                by = db.session.get(User, staff_id)
                resident = db.session.get(Resident, resident_id)
                bed = db.session.get(Bed, bed_id)
                db.session.rollback()
                barrier.wait()
                stays.admit(resident, bed, by=by)
                db.session.commit()
                results.append("ok")
            except Exception as error:  # noqa: BLE001 — any failure is what we look for
                barrier.abort()
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=attempt, args=(racer, *pair)) for racer, pair in zip(racers, pairs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_ten_concurrent_admissions_crossing_the_threshold_alert_once(
        app, database_url, ward, manager, make_person, staff, make_resident):
    facility, beds = ward
    second = make_person(roles=("facility_manager",), facilities=[facility], phone="+6281255501103")
    # 12 beds, alert at ≤ 2 free: the 10 admissions together cross it (the 10th), whoever commits last.
    # Back to normal at 3 free and no minimum interval (issue 9 added both; the defaults would hold the
    # second crossing back): this test is about racing crossings, so each one must alert.
    make_rule(facility, [manager, second], max_free_beds=2, recovery_free_beds=3, min_interval_minutes=0)
    residents = [make_resident(facility) for _ in range(RACERS)]
    pairs = [(r.id, b.id) for r, b in zip(residents, beds[:RACERS])]
    staff_id = staff.id
    db.session.commit()  # SQLite: the test body must not hold the write lock while the racers run

    results = admit_all_at_once(database_url, staff_id, pairs)

    assert results == ["ok"] * RACERS, [r for r in results if r != "ok"][:3]
    [alert] = alerts()
    assert (alert.kind, alert.free_beds) == ("low", 2)
    assert sorted(m.user_id for m in messages()) == sorted([manager.id, second.id])

    # More admissions while low: nothing new.
    more = [make_resident(facility) for _ in range(2)]
    later = [stays.admit(r, b, by=staff) for r, b in zip(more, beds[RACERS:])]
    db.session.commit()
    assert len(alerts()) == 1 and len(messages()) == 2

    # Back above the threshold (3 free), then two admissions at once cross it again: a second alert.
    first_stay = db.session.scalar(sa.select(Stay).where(Stay.resident_id == residents[0].id))
    for stay in later + [first_stay]:
        stays.discharge(stay, outcome="independent", by=staff)
        db.session.commit()
    assert [a.kind for a in alerts()] == ["low", "recovered"]
    assert len(messages()) == 2  # no recovery SMS: the rule does not ask for one
    again = [make_resident(facility) for _ in range(2)]
    pairs = [(r.id, b.id) for r, b in zip(again, beds[RACERS:])]
    db.session.commit()
    assert admit_all_at_once(database_url, staff_id, pairs) == ["ok", "ok"]
    assert [a.kind for a in alerts()] == ["low", "recovered", "low"]
    assert len(messages()) == 4


def test_opposite_transfers_between_two_facilities_with_rules_do_not_deadlock(
        app, database_url, make_room, make_bed, make_person, staff, make_resident, monkeypatch):
    """Transfers A→B and B→A at the same moment each lock both facilities' rules: always in the same
    order, or PostgreSQL aborts one of them as a deadlock. Each transaction pauses after its first
    facility (a barrier), the moment that makes opposite orders collide."""
    rooms = [make_room(sex="female", age_group="adult") for _ in range(2)]
    facilities = [room.facility for room in rooms]
    beds = [[make_bed(room) for _ in range(3)] for room in rooms]
    people = [make_person(roles=("facility_manager",), facilities=facilities, phone="+6281255501104")]
    for facility in facilities:
        make_rule(facility, people, max_free_beds=0)
    movers = [make_resident(f) for f in facilities]
    staff.facilities = facilities
    first_stays = [stays.admit(m, b[0], by=staff) for m, b in zip(movers, beds)]
    db.session.commit()
    jobs = [(first_stays[0].id, beds[1][1].id), (first_stays[1].id, beds[0][1].id)]
    staff_id = staff.id
    db.session.commit()

    from shelter.alerts import service as alerts_service

    original = alerts_service.evaluate_facility
    paused = threading.local()
    barrier = threading.Barrier(2, timeout=3)

    def evaluate_then_pause(facility_id, **kwargs):
        result = original(facility_id, **kwargs)
        if not getattr(paused, "done", False):
            paused.done = True
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                pass  # the other one is waiting for our lock: the order is safe, go on
        return result

    monkeypatch.setattr(alerts_service, "evaluate_facility", evaluate_then_pause)
    racers = [create_app(Config.for_tests(database_url)) for _ in jobs]
    results = []

    def move(racer, stay_id, bed_id):
        with racer.app_context():
            from shelter.auth.models import User
            from shelter.facilities.models import Bed

            try:
                stays.transfer(db.session.get(Stay, stay_id), db.session.get(Bed, bed_id),
                               by=db.session.get(User, staff_id))
                db.session.commit()
                results.append("ok")
            except Exception as error:  # noqa: BLE001
                db.session.rollback()
                results.append(f"{type(error).__name__}: {str(error)[:80]}")
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=move, args=(racer, *job)) for racer, job in zip(racers, jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert results == ["ok", "ok"]
