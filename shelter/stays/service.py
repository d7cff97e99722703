"""Admission, transfer, discharge and bed holds.

The rules live here; the UI, the API and the scheduler all call these functions. They add to the
current transaction and raise domain errors; the caller commits (one transaction per action).
What follows from a change (capacity alerts, follow-ups, ended enrolments and plans) is not called
from here: each action sends its domain events (``shelter.events``), whose listeners run inside the
same transaction. The domain errors, limits and who may do what are in ``stays.rules``, re-exported
here as part of this API.

Double booking is prevented twice: the bed row is locked while we check (PostgreSQL
``SELECT … FOR UPDATE``; SQLite takes its write lock at BEGIN IMMEDIATE), and the partial unique
indexes refuse a second open assignment even if a check were ever skipped.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter import events
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from shelter.residents.models import Resident
from shelter.stays.models import BedAssignment, BedHold, DischargeOutcome, Stay
from shelter.stays.rules import (ADMIT_ROLES, ADULT_AGE, HOLD_ROLES, MAX_HOLD_HOURS,  # noqa: F401 (part of this API)
                                 MOVE_ROLES, BedNotAvailable, BedOutOfService, FacilityHasFreeBeds, HoldNotFound,
                                 InvalidDischarge, InvalidHold, ReasonRequired, ResidentAlreadyAdmitted,
                                 RoomRulesViolated, StayClosed, StayError, may_admit, may_hold, may_move)


def age_on(resident: Resident, day: date) -> int:
    if resident.birth_date is not None:
        born = resident.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    return int(resident.estimated_age or 0)


def room_rule_problems(resident: Resident, room: Room, today: date | None = None) -> list[str]:
    """Why this room does not fit this resident (empty when it fits). Codes, not sentences."""
    problems = []
    age = age_on(resident, today or utcnow().date())
    if room.sex in ("female", "male") and resident.sex != room.sex:
        problems.append("sex")
    if room.age_group == "child" and age >= ADULT_AGE:
        problems.append("age_adult_in_child_room")
    elif room.age_group == "adult" and age < ADULT_AGE:
        problems.append("age_child_in_adult_room")
    elif room.age_group == "mother_with_children" and age < ADULT_AGE and resident.guardian_id is None:
        problems.append("child_without_mother")
    return problems


def _lock_bed(bed_id: int) -> Bed | None:
    return db.session.scalar(
        sa.select(Bed).where(Bed.id == bed_id).with_for_update().execution_options(populate_existing=True)
    )


def release_expired_holds(now: datetime | None = None, bed_id: int | None = None) -> int:
    now = now or utcnow()
    query = (sa.update(BedHold)
             .where(BedHold.released_at.is_(None), BedHold.expires_at <= now)
             .values(released_at=now, release_reason="expired"))
    if bed_id is not None:
        query = query.where(BedHold.bed_id == bed_id)
    return db.session.execute(query).rowcount


def expire_holds(now: datetime | None = None) -> int:
    """Release every hold whose time is up (the scheduler's job): their beds are free again, so their
    facilities' listeners hear ``hold_released`` and ``beds_changed`` in this transaction."""
    now = now or utcnow()
    facility_ids = sorted(db.session.scalars(
        sa.select(Room.facility_id).distinct()
        .join(Bed, Bed.room_id == Room.id).join(BedHold, BedHold.bed_id == Bed.id)
        .where(BedHold.released_at.is_(None), BedHold.expires_at <= now)
    ))
    released = release_expired_holds(now)
    if released:
        events.hold_released.send(events.__name__, facility_ids=facility_ids)
        events.facilities_changed(facility_ids)
    return released


def _active_hold(bed_id: int) -> BedHold | None:
    return db.session.scalar(sa.select(BedHold).where(BedHold.bed_id == bed_id, BedHold.released_at.is_(None)))


def _bed_is_occupied(bed_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(BedAssignment)
        .where(BedAssignment.bed_id == bed_id, BedAssignment.ended_at.is_(None))
    ) > 0


def _claim_bed(bed_id: int, *, by, allow_hold_of=None, hold_id: int | None = None) -> Bed:
    """Lock the bed and make sure nobody has it; the caller then inserts the assignment. A bed held
    by ``allow_hold_of`` (a user), or by the hold ``hold_id`` itself, is used: the hold ends."""
    bed = _lock_bed(bed_id)
    if bed is None:
        raise BedNotAvailable()
    if bed.is_out_of_service:
        raise BedOutOfService()
    if _bed_is_occupied(bed.id):
        raise BedNotAvailable()
    release_expired_holds(bed_id=bed.id)
    hold = _active_hold(bed.id)
    if hold is not None:
        mine = allow_hold_of is not None and hold.held_by_id == getattr(allow_hold_of, "id", None)
        if not mine and (hold_id is None or hold.id != hold_id):
            raise BedNotAvailable()
        hold.released_at = utcnow()
        hold.release_reason = "used"
    return bed


def _insert_assignment(stay: Stay, bed: Bed) -> BedAssignment:
    assignment = BedAssignment(stay_id=stay.id, bed_id=bed.id)
    try:
        with db.session.begin_nested():
            db.session.add(assignment)
            db.session.flush()
    except IntegrityError:
        # Lost a race the lock did not cover: the partial unique index said no.
        raise BedNotAvailable() from None
    return assignment


def free_beds_in_facility(facility_id: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    occupied = sa.select(BedAssignment.bed_id).where(BedAssignment.ended_at.is_(None))
    held = sa.select(BedHold.bed_id).where(BedHold.released_at.is_(None), BedHold.expires_at > now)
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Bed).join(Room)
        .where(Room.facility_id == facility_id, Bed.out_of_service_reason.is_(None),
               Bed.id.not_in(occupied), Bed.id.not_in(held))
    )


def admit(resident: Resident, bed: Bed | None, *, by, override_reason: str | None = None,
          over_capacity_facility: Facility | None = None, use_hold: bool = True,
          hold: BedHold | None = None) -> Stay:
    """Admit a resident into a bed, or (facility full) as an over-capacity placement without one.
    ``hold``: the bed was kept for this person by someone else's hold (an accepted referral offer);
    the hold becomes the stay. A hold that has ended no longer keeps the bed."""
    if db.session.scalar(sa.select(Stay.id).where(Stay.resident_id == resident.id, Stay.discharged_at.is_(None))):
        raise ResidentAlreadyAdmitted()
    if bed is None:
        facility = over_capacity_facility
        if facility is None:
            raise BedNotAvailable()
        if free_beds_in_facility(facility.id) > 0:
            raise FacilityHasFreeBeds()
        if not (override_reason or "").strip():
            raise ReasonRequired()
        stay = Stay(resident=resident, facility_id=facility.id, admitted_by_id=by.id,
                    over_capacity=True, override_reason=override_reason.strip())
        db.session.add(stay)
        _flush_stay(stay)
        audit.record("stay.admitted_over_capacity", actor=by, target=stay, facility_id=facility.id,
                     detail={"resident_id": resident.id})
        events.stay_admitted.send(stay, by=by)
        return stay

    bed = _claim_bed(bed.id, by=by, allow_hold_of=by if use_hold else None,
                     hold_id=hold.id if hold is not None and hold.bed_id == bed.id else None)
    problems = room_rule_problems(resident, bed.room)
    if problems and not (override_reason or "").strip():
        raise RoomRulesViolated(problems)
    stay = Stay(resident=resident, facility_id=bed.room.facility_id, admitted_by_id=by.id,
                override_reason=override_reason.strip() if problems else None)
    db.session.add(stay)
    _flush_stay(stay)
    _insert_assignment(stay, bed)
    audit.record("stay.admitted", actor=by, target=stay, facility_id=stay.facility_id,
                 detail={"resident_id": resident.id, "bed_id": bed.id})
    events.stay_admitted.send(stay, by=by)
    events.facilities_changed([stay.facility_id])
    if problems:
        audit.record("stay.room_rules_overridden", actor=by, target=stay, facility_id=stay.facility_id,
                     detail={"problems": problems, "bed_id": bed.id})
    return stay


def _flush_stay(stay: Stay) -> None:
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise ResidentAlreadyAdmitted() from None


def current_assignment(stay: Stay) -> BedAssignment | None:
    return db.session.scalar(
        sa.select(BedAssignment).where(BedAssignment.stay_id == stay.id, BedAssignment.ended_at.is_(None))
    )


def transfer(stay: Stay, bed: Bed, *, by, override_reason: str | None = None) -> Stay:
    """Move to another bed; in another facility this closes the stay and opens a new one."""
    if not stay.is_open:
        raise StayClosed()
    now = utcnow()
    target = _claim_bed(bed.id, by=by, allow_hold_of=by)
    problems = room_rule_problems(stay.resident, target.room)
    if problems and not (override_reason or "").strip():
        raise RoomRulesViolated(problems)
    old = current_assignment(stay)
    if old is not None:
        old.ended_at = now
        db.session.flush()
    if target.room.facility_id == stay.facility_id:
        new_stay = stay
    else:
        _close(stay, at=now, by_id=by.id, outcome=DischargeOutcome.MOVED_FACILITY.value)
        new_stay = Stay(resident=stay.resident, facility_id=target.room.facility_id, admitted_by_id=by.id,
                        admitted_at=now, previous_stay_id=stay.id,
                        override_reason=override_reason.strip() if problems else None)
        db.session.add(new_stay)
        _flush_stay(new_stay)
    _insert_assignment(new_stay, target)
    audit.record("stay.transferred", actor=by, target=new_stay, facility_id=new_stay.facility_id,
                 detail={"from_stay_id": stay.id, "from_bed_id": old.bed_id if old else None, "bed_id": target.id})
    if new_stay is not stay:
        events.stay_transferred.send(new_stay, from_stay=stay, by=by)
    events.facilities_changed([stay.facility_id, new_stay.facility_id])
    if problems:
        audit.record("stay.room_rules_overridden", actor=by, target=new_stay, facility_id=new_stay.facility_id,
                     detail={"problems": problems, "bed_id": target.id})
    return new_stay


def discharge(stay: Stay, *, outcome: str, note: str = "", by, at: datetime | None = None) -> Stay:
    if not stay.is_open:
        raise StayClosed()
    if outcome not in {o.value for o in DischargeOutcome}:
        raise InvalidDischarge("outcome")
    at = at or utcnow()
    if at < stay.admitted_at:
        raise InvalidDischarge("before_admission")
    if at > utcnow() + timedelta(minutes=5):
        raise InvalidDischarge("in_future")
    assignment = current_assignment(stay)
    if assignment is not None:
        if at < assignment.started_at:
            # The bed was taken (or moved into) a moment after the stay began; a time within that moment,
            # or within the minute a form can express, means "now in this bed". Earlier is refused.
            if assignment.started_at - at > timedelta(minutes=1):
                raise InvalidDischarge("before_transfer")
            at = assignment.started_at
        assignment.ended_at = at
    _close(stay, at=at, by_id=by.id, outcome=outcome, note=note.strip())
    audit.record("stay.discharged", actor=by, target=stay, facility_id=stay.facility_id,
                 detail={"outcome": outcome})
    events.stay_discharged.send(stay, by=by)
    events.facilities_changed([stay.facility_id])
    return stay


def _close(stay: Stay, *, at: datetime, by_id: int, outcome: str, note: str = "") -> None:
    # Set together: the discharge_complete check refuses a half-closed stay.
    with db.session.no_autoflush:
        stay.discharged_at = at
        stay.discharged_by_id = by_id
        stay.discharge_outcome = outcome
        stay.discharge_note = note
    db.session.flush()
    events.stay_closed.send(stay, by_id=by_id, reason=outcome)


def place_hold(bed: Bed, *, by, reason: str, hours: int = 24) -> BedHold:
    if not (reason or "").strip():
        raise ReasonRequired()
    if not isinstance(hours, int) or not 1 <= hours <= MAX_HOLD_HOURS:
        raise InvalidHold("hours")
    bed = _claim_bed(bed.id, by=by)
    now = utcnow()
    hold = BedHold(bed_id=bed.id, held_by_id=by.id, reason=reason.strip()[:200], created_at=now,
                   expires_at=now + timedelta(hours=hours))
    try:
        with db.session.begin_nested():
            db.session.add(hold)
            db.session.flush()
    except IntegrityError:
        raise BedNotAvailable() from None
    audit.record("bed.held", actor=by, target=hold, facility_id=bed.room.facility_id,
                 detail={"bed_id": bed.id, "hours": hours})
    events.facilities_changed([bed.room.facility_id])
    return hold


def release_hold(hold: BedHold, *, by) -> None:
    if hold.released_at is not None:
        raise HoldNotFound()
    hold.released_at = utcnow()
    hold.release_reason = "cancelled"
    audit.record("bed.hold_released", actor=by, target=hold, detail={"bed_id": hold.bed_id})
    facility_ids = [hold.bed.room.facility_id]
    events.hold_released.send(events.__name__, facility_ids=facility_ids)
    events.facilities_changed(facility_ids)


class NotACaseworker(StayError):
    """Only an active caseworker of the stay's facility can be responsible for it."""

    code = "not_a_caseworker"


def caseworkers_of(facility_id: int) -> list:
    """Active caseworkers who work in this facility, by name: the choices for a stay's caseworker."""
    from shelter.auth.models import Role, User, UserRole, user_facilities

    return list(db.session.scalars(
        sa.select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(user_facilities, user_facilities.c.user_id == User.id)
        .where(UserRole.role == Role.CASEWORKER.value, user_facilities.c.facility_id == facility_id,
               User.active.is_(True))
        .order_by(User.full_name)
    ))


def assign_caseworker(stay: Stay, caseworker, *, by) -> bool:
    """Make ``caseworker`` (a User, or None to clear) responsible for an open stay; False if unchanged."""
    if not stay.is_open:
        raise StayClosed()
    new_id = caseworker.id if caseworker is not None else None
    if new_id is not None and new_id not in {u.id for u in caseworkers_of(stay.facility_id)}:
        raise NotACaseworker()
    if stay.caseworker_id == new_id:
        return False
    previous = stay.caseworker_id
    stay.caseworker_id = new_id
    db.session.flush()
    audit.record("stay.caseworker_assigned", actor=by, target=stay, facility_id=stay.facility_id,
                 detail={"caseworker_id": new_id, "previous_id": previous})
    return True
