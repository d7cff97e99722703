"""Capacity, waitlist, withdrawal, discharge and attendance rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.programmes import service
from shelter.programmes.models import Attendance, Enrollment, ProgrammeSession
from shelter.stays import service as stays
from tests.conftest import audit_events
from tests.programmes.conftest import session_on


def enrolled_seats(programme):
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Enrollment.seat).where(Enrollment.programme_id == programme.id,
                                                                      Enrollment.seat.is_not(None))))


def test_the_schedule_generates_sessions_on_its_weekdays_in_wib(app, make_programme):
    today = service.local_today()
    programme = make_programme(weekdays=[1, 3], starts_on=today, ends_on=today + timedelta(days=13),
                               start_time=time(9, 30), duration_minutes=90)
    days = [s.session_date for s in programme.sessions]
    assert len(days) == 4 and {d.isoweekday() for d in days} == {1, 3}
    first = programme.sessions[0]
    assert first.starts_at.astimezone(service.local_zone()).time() == time(9, 30)
    assert first.starts_at.utcoffset() == timedelta(0) and first.starts_at.hour == 2  # 09.30 WIB is 02.30 UTC
    assert first.ends_at - first.starts_at == timedelta(minutes=90)


def test_capacity_plus_one_goes_on_the_waitlist(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=2)
    stays_ = [make_stay() for _ in range(3)]
    results = [service.enrol(programme, s.resident, by=caseworker) for s in stays_]
    db.session.commit()
    assert [e.status for e in results] == ["enrolled", "enrolled", "waitlisted"]
    assert enrolled_seats(programme) == [1, 2]
    assert service.waitlist_position(results[2]) == 1
    assert [e.action for e in audit_events()[-1:]] == ["programme.waitlisted"]


def test_a_resident_cannot_enrol_twice_or_without_a_stay_there(app, make_programme, make_stay, make_facility,
                                                                 make_resident, caseworker):
    programme = make_programme()
    stay = make_stay()
    service.enrol(programme, stay.resident, by=caseworker)
    db.session.commit()
    with pytest.raises(service.AlreadyEnrolled):
        service.enrol(programme, stay.resident, by=caseworker)
    db.session.rollback()
    elsewhere = make_stay(make_facility())
    with pytest.raises(service.NoOpenStay):
        service.enrol(programme, elsewhere.resident, by=caseworker)
    with pytest.raises(service.NoOpenStay):
        service.enrol(programme, make_resident(), by=caseworker)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 1


def test_restrictions_need_a_reason_and_the_reason_is_kept(app, make_programme, make_stay, caseworker):
    programme = make_programme(eligible_sex="female", max_age=25)
    man = make_stay(sex="male")
    with pytest.raises(service.NotEligible) as refused:
        service.enrol(programme, man.resident, by=caseworker)
    assert refused.value.problems == ["sex", "too_old"]
    db.session.rollback()
    enrollment = service.enrol(programme, man.resident, by=caseworker, override_reason="Diminta oleh pelatih")
    db.session.commit()
    assert enrollment.eligibility_override == "Diminta oleh pelatih"


def test_withdrawing_gives_the_place_to_the_first_on_the_waitlist(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    holder, first, second = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(3))
    db.session.commit()
    assert (first.status, second.status) == ("waitlisted", "waitlisted")
    promoted = service.withdraw(holder, by=caseworker)
    db.session.commit()
    assert promoted.id == first.id
    db.session.expire_all()
    assert (holder.status, holder.seat) == ("withdrawn", None)
    assert (first.status, first.seat) == ("enrolled", 1)
    assert service.waitlist_position(second) == 1
    assert "programme.promoted" in [e.action for e in audit_events()]
    with pytest.raises(service.EnrollmentNotActive):
        service.withdraw(holder, by=caseworker)


def test_withdrawing_from_the_waitlist_promotes_nobody(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    holder, waiting = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(2))
    assert service.withdraw(waiting, by=caseworker) is None
    db.session.commit()
    assert enrolled_seats(programme) == [1] and holder.status == "enrolled"


def test_discharge_ends_enrolments_and_frees_the_place(app, make_programme, make_stay, caseworker, make_user):
    programme = make_programme(capacity=1)
    leaving, waiting = make_stay(), make_stay()
    mine = service.enrol(programme, leaving.resident, by=caseworker)
    theirs = service.enrol(programme, waiting.resident, by=caseworker)
    db.session.commit()
    intake = make_user(roles=("intake_staff",), facilities=[programme.facility])
    stays.discharge(leaving, outcome="reunified", by=intake)
    db.session.commit()
    db.session.expire_all()
    assert (mine.status, mine.end_reason, mine.seat) == ("ended", "reunified", None)
    assert (theirs.status, theirs.seat) == ("enrolled", 1)


def test_discharging_a_waitlisted_resident_ends_the_waitlist_entry(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    service.enrol(programme, make_stay().resident, by=caseworker)
    waiting_stay = make_stay()
    waiting = service.enrol(programme, waiting_stay.resident, by=caseworker)
    assert service.end_enrolments_for_stay(waiting_stay, by_id=caseworker.id, reason="left_without_notice") == 1
    db.session.commit()
    assert waiting.status == "ended" and enrolled_seats(programme) == [1]


def test_a_smaller_capacity_below_the_places_taken_is_refused(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=3)
    for _ in range(2):
        service.enrol(programme, make_stay().resident, by=caseworker)
    db.session.commit()
    data = service.ProgrammeInput(name=programme.name, capacity=1, starts_on=programme.starts_on,
                                  ends_on=programme.ends_on, weekdays=programme.weekday_numbers,
                                  start_time=programme.start_time, duration_minutes=programme.duration_minutes)
    with pytest.raises(service.InvalidProgramme) as refused:
        service.update_programme(programme, data, by=caseworker)
    assert refused.value.problems == {"capacity": "below_enrolled"}
    db.session.rollback()


def test_a_larger_capacity_promotes_from_the_waitlist(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    _, waiting = (service.enrol(programme, make_stay().resident, by=caseworker) for _ in range(2))
    db.session.commit()
    data = service.ProgrammeInput(name=programme.name, capacity=2, starts_on=programme.starts_on,
                                  ends_on=programme.ends_on, weekdays=programme.weekday_numbers,
                                  start_time=programme.start_time, duration_minutes=programme.duration_minutes)
    service.update_programme(programme, data, by=caseworker)
    db.session.commit()
    assert waiting.status == "enrolled" and enrolled_seats(programme) == [1, 2]


def test_editing_the_schedule_keeps_past_sessions_and_their_marks(app, make_programme, make_stay, caseworker):
    today = service.local_today()
    programme = make_programme(capacity=2, weekdays=[1, 2, 3, 4, 5, 6, 7])
    enrollment = service.enrol(programme, make_stay().resident, by=caseworker)
    past = session_on(programme, today - timedelta(days=3))
    service.record_attendance(past, enrollment.id, "present", by=caseworker)
    db.session.commit()
    past_ids = {s.id for s in programme.sessions if s.session_date <= today}
    new_day = (today + timedelta(days=1)).isoweekday()
    data = service.ProgrammeInput(name="Menjahit Lanjutan", capacity=2, starts_on=programme.starts_on,
                                  ends_on=programme.ends_on, weekdays=[new_day], start_time=time(13, 0),
                                  duration_minutes=60)
    service.update_programme(programme, data, by=caseworker, today=today)
    db.session.commit()
    db.session.expire_all()
    sessions = list(db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.programme_id == programme.id)))
    assert {s.id for s in sessions if s.session_date <= today} == past_ids  # the past is untouched
    future = [s for s in sessions if s.session_date > today]
    assert future and all(s.session_date.isoweekday() == new_day for s in future)
    assert all(s.starts_at.astimezone(service.local_zone()).time() == time(13, 0) for s in future)
    assert db.session.scalar(sa.select(Attendance.status).where(Attendance.session_id == past.id)) == "present"


def test_an_end_before_the_start_is_refused_with_the_field(app, panti, caseworker):
    today = service.local_today()
    data = service.ProgrammeInput(name=" ", capacity=0, starts_on=today, ends_on=today - timedelta(days=1),
                                  weekdays=[], start_time=time(9), duration_minutes=60)
    with pytest.raises(service.InvalidProgramme) as refused:
        service.create_programme(panti, data, by=caseworker)
    assert refused.value.problems == {"name": "required", "capacity": "out_of_range", "ends_on": "before_start",
                                      "weekdays": "required"}


def test_attendance_is_one_mark_per_resident_and_the_last_one_wins(app, make_programme, make_stay, caseworker):
    programme = make_programme()
    enrollment = service.enrol(programme, make_stay().resident, by=caseworker)
    session = session_on(programme, service.local_today())
    service.record_attendance(session, enrollment.id, "absent", by=caseworker)
    service.record_attendance(session, enrollment.id, "excused", by=caseworker)
    db.session.commit()
    assert list(db.session.scalars(sa.select(Attendance.status))) == ["excused"]


def test_attendance_for_a_resident_not_enrolled_changes_nothing(app, make_programme, make_stay, caseworker):
    programme, other = make_programme(), make_programme(name="Tata Boga Uji")
    session = session_on(programme, service.local_today())
    waiting_programme = make_programme(name="Penuh", capacity=1)
    in_other = service.enrol(other, make_stay().resident, by=caseworker)
    service.enrol(waiting_programme, make_stay().resident, by=caseworker)
    withdrawn = service.enrol(programme, make_stay().resident, by=caseworker)
    service.withdraw(withdrawn, by=caseworker)
    db.session.commit()
    for enrollment_id in (in_other.id, withdrawn.id, 999999):
        with pytest.raises(service.NotEnrolled):
            service.record_attendance(session, enrollment_id, "present", by=caseworker)
    with pytest.raises(service.InvalidAttendance):
        service.record_attendance(session, in_other.id, "late", by=caseworker)
    future = session_on(programme, service.local_today() + timedelta(days=2))
    enrolled = service.enrol(programme, make_stay().resident, by=caseworker)
    with pytest.raises(service.SessionNotStarted):
        service.record_attendance(future, enrolled.id, "present", by=caseworker)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_completion_keeps_the_place(app, make_programme, make_stay, caseworker):
    programme = make_programme(capacity=1)
    enrollment = service.enrol(programme, make_stay().resident, by=caseworker)
    waiting = service.enrol(programme, make_stay().resident, by=caseworker)
    service.complete(enrollment, by=caseworker)
    db.session.commit()
    assert enrollment.status == "completed" and enrollment.seat == 1 and waiting.status == "waitlisted"
    with pytest.raises(service.EnrollmentNotActive):
        service.complete(enrollment, by=caseworker)


def test_a_move_to_another_facility_ends_the_enrolment_there(app, make_programme, make_room, make_bed, make_resident,
                                                              make_facility, make_user, caseworker, panti):
    programme = make_programme(capacity=1)
    staff = make_user(roles=("intake_staff",), facilities=[panti], email="intake@example.org")
    elsewhere = make_facility()
    staff.facilities.append(elsewhere)
    here_bed = make_bed(room=make_room(facility=panti))
    there_bed = make_bed(room=make_room(facility=elsewhere))
    stay = stays.admit(make_resident(panti), here_bed, by=staff)
    enrollment = service.enrol(programme, stay.resident, by=caseworker)
    db.session.commit()
    stays.transfer(stay, there_bed, by=staff)
    db.session.commit()
    assert (enrollment.status, enrollment.end_reason, enrollment.seat) == ("ended", "moved_facility", None)
