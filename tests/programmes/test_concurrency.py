"""Real concurrent transactions: separate apps (own engines and connections) in threads.

Apps are built before the threads start: CPython 3.11.7 can fail compiling code in parallel threads
("AST constructor recursion depth mismatch"), and app creation is not what these tests race.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db
from shelter.programmes import service
from shelter.programmes.models import Attendance, Enrollment, Programme, ProgrammeSession
from shelter.residents.models import Resident
from tests.programmes.conftest import session_on


def run_together(database_url: str, jobs: list) -> list:
    """Run each job(app) in its own thread with its own app, all released at once by a barrier."""
    apps = [create_app(Config.for_tests(database_url)) for _ in jobs]
    barrier = threading.Barrier(len(jobs), timeout=30)
    results: list = [None] * len(jobs)

    def run(i: int, racer, job):
        with racer.app_context():
            try:
                results[i] = job(barrier)
            except Exception as error:  # noqa: BLE001 — any unexpected outcome is the failure we look for
                barrier.abort()
                db.session.rollback()
                results[i] = repr(error)
            finally:
                db.session.remove()
                db.engine.dispose()

    threads = [threading.Thread(target=run, args=(i, a, j)) for i, (a, j) in enumerate(zip(apps, jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def enrol_job(programme_id: int, resident_id: int, user_id: int):
    def job(barrier):
        from shelter.auth.models import User

        by = db.session.get(User, user_id)
        programme = db.session.get(Programme, programme_id)
        resident = db.session.get(Resident, resident_id)
        db.session.rollback()
        barrier.wait()
        enrollment = service.enrol(programme, resident, by=by)
        db.session.commit()
        return enrollment.status
    return job


@pytest.mark.parametrize("racers", [12])
def test_racing_enrolments_for_the_last_place_postgresql(app, backend, database_url, make_programme, make_stay,
                                                        caseworker, racers):
    """Under READ COMMITTED, with real concurrent transactions, only one of the racers gets the last place."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): there is no concurrent enrolment to race; "
                    "the sequential behaviour is tested in test_service (capacity plus one goes on the waitlist)")
    programme = make_programme(capacity=5)
    for _ in range(4):
        service.enrol(programme, make_stay().resident, by=caseworker)
    applicants = [make_stay().resident_id for _ in range(racers)]
    programme_id, user_id = programme.id, caseworker.id
    db.session.commit()
    results = run_together(database_url, [enrol_job(programme_id, r, user_id) for r in applicants])
    assert Counter(results) == Counter({"enrolled": 1, "waitlisted": racers - 1}), results
    db.session.expire_all()
    seats = list(db.session.scalars(sa.select(Enrollment.seat).where(Enrollment.programme_id == programme_id,
                                                                     Enrollment.seat.is_not(None))))
    assert sorted(seats) == [1, 2, 3, 4, 5]
    positions = service.waitlist_positions(programme_id)
    assert sorted(positions.values()) == list(range(1, racers))


def test_the_database_refuses_a_seat_given_twice(app, make_programme, make_stay, caseworker):
    """Even if a path skipped the service's lock and count, a seat cannot be held twice."""
    from sqlalchemy.exc import IntegrityError

    programme = make_programme(capacity=1)
    first = service.enrol(programme, make_stay().resident, by=caseworker)
    db.session.commit()
    second = make_stay()
    db.session.add(Enrollment(programme_id=programme.id, resident_id=second.resident_id, stay_id=second.id,
                              status="enrolled", seat=first.seat))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Enrollment(programme_id=programme.id, resident_id=second.resident_id, stay_id=second.id,
                              status="waitlisted", seat=2))
    with pytest.raises(IntegrityError):  # a place is held only by an enrolled (or completed) enrolment
        db.session.flush()
    db.session.rollback()


def test_two_staff_marking_the_same_session_at_once_lose_nothing(app, database_url, make_programme, make_stay,
                                                                 caseworker, make_user):
    programme = make_programme(capacity=20)
    enrollment_ids = [service.enrol(programme, make_stay().resident, by=caseworker).id for _ in range(20)]
    session_id = session_on(programme, service.local_today()).id
    other = make_user(roles=("intake_staff",), facilities=[programme.facility])
    staff = [caseworker.id, other.id]
    # Both also mark one shared resident; the other residents are each marked by one of them.
    shared = enrollment_ids[0]
    halves = [enrollment_ids[1::2], enrollment_ids[2::2]]
    db.session.commit()

    def marker(user_id: int, mine: list[int], status: str):
        def job(barrier):
            from shelter.auth.models import User

            by = db.session.get(User, user_id)
            session = db.session.get(ProgrammeSession, session_id)
            db.session.commit()
            barrier.wait()
            for enrollment_id in [shared, *mine]:  # one transaction per click, as on the page
                service.record_attendance(session, enrollment_id, status, by=by)
                db.session.commit()
            return "ok"
        return job

    results = run_together(database_url, [marker(staff[0], halves[0], "present"),
                                          marker(staff[1], halves[1], "absent")])
    assert results == ["ok", "ok"], results
    db.session.expire_all()
    marks = dict(db.session.execute(sa.select(Attendance.enrollment_id, Attendance.status)
                                    .where(Attendance.session_id == session_id)).all())
    assert set(marks) == set(enrollment_ids)  # 20 rows: nothing lost, nothing doubled
    assert all(marks[e] == "present" for e in halves[0]) and all(marks[e] == "absent" for e in halves[1])
    assert marks[shared] in ("present", "absent")  # the last click on the shared resident wins
