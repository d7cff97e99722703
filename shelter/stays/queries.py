"""Occupancy, derived every time from assignments and holds (never a stored counter).

Both queries issue a fixed number of statements whatever the number of facilities and beds; the
board, the availability API and the capacity alerts all read from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from shelter.stays.models import BedAssignment, BedHold, Stay

STATUSES = ("available", "occupied", "held", "out_of_service")
# Who a bed is for, from its room's rules. "accessible" is counted across categories.
CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")


def bed_category_expression():
    return sa.case(
        (sa.or_(Room.age_group == "mother_with_children", Room.sex == "mixed_family"), "mothers_with_children"),
        (sa.and_(Room.sex == "female", Room.age_group == "child"), "girls"),
        (sa.and_(Room.sex == "male", Room.age_group == "child"), "boys"),
        (Room.sex == "female", "women"),
        else_="men",
    )


def bed_category(room: Room) -> str:
    if room.age_group == "mother_with_children" or room.sex == "mixed_family":
        return "mothers_with_children"
    if room.age_group == "child":
        return "girls" if room.sex == "female" else "boys"
    return "women" if room.sex == "female" else "men"


def _status_expression(open_assignment, active_hold):
    return sa.case(
        (open_assignment.c.bed_id.is_not(None), "occupied"),
        (active_hold.c.bed_id.is_not(None), "held"),
        (Bed.out_of_service_reason.is_not(None), "out_of_service"),
        else_="available",
    )


def _open_assignments():
    return (sa.select(BedAssignment.bed_id, BedAssignment.stay_id)
            .where(BedAssignment.ended_at.is_(None)).subquery("open_assignment"))


def _active_holds(now: datetime):
    return (sa.select(BedHold.bed_id, BedHold.id.label("hold_id"), BedHold.expires_at, BedHold.held_by_id)
            .where(BedHold.released_at.is_(None), BedHold.expires_at > now).subquery("active_hold"))


@dataclass
class Counts:
    total: int = 0
    occupied: int = 0
    held: int = 0
    out_of_service: int = 0
    available: int = 0

    def add(self, status: str, n: int) -> None:
        self.total += n
        setattr(self, status, getattr(self, status) + n)

    def as_dict(self) -> dict:
        return {"total": self.total, "occupied": self.occupied, "held": self.held,
                "out_of_service": self.out_of_service, "available": self.available}


@dataclass
class FacilityAvailability:
    facility: Facility
    counts: Counts = field(default_factory=Counts)
    categories: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    accessible: Counts = field(default_factory=Counts)
    over_capacity: int = 0


def availability(facility_ids=None, *, kota: str | None = None, kind: str | None = None,
                 now: datetime | None = None, include_inactive: bool = False) -> list[FacilityAvailability]:
    """Counts per facility, per category and for wheelchair-accessible beds. Three statements."""
    now = now or utcnow()
    facilities_query = sa.select(Facility).order_by(Facility.kind, Facility.name)
    if facility_ids is not None:
        facilities_query = facilities_query.where(Facility.id.in_(list(facility_ids)))
    if not include_inactive:
        facilities_query = facilities_query.where(Facility.is_active.is_(True))
    if kota:
        facilities_query = facilities_query.where(Facility.kota == kota)
    if kind:
        facilities_query = facilities_query.where(Facility.kind == kind)
    facilities = db.session.scalars(facilities_query).all()
    result = {f.id: FacilityAvailability(facility=f) for f in facilities}
    if not result:
        return []

    open_assignment, active_hold = _open_assignments(), _active_holds(now)
    status = _status_expression(open_assignment, active_hold).label("status")
    category = bed_category_expression().label("category")
    rows = db.session.execute(
        sa.select(Room.facility_id, category, Bed.wheelchair_accessible, status, sa.func.count().label("n"))
        .select_from(Bed).join(Room, Bed.room_id == Room.id)
        .outerjoin(open_assignment, open_assignment.c.bed_id == Bed.id)
        .outerjoin(active_hold, active_hold.c.bed_id == Bed.id)
        .where(Room.facility_id.in_(list(result)))
        .group_by(Room.facility_id, category, Bed.wheelchair_accessible, status)
    ).all()
    for facility_id, bed_category_, accessible, bed_status, n in rows:
        entry = result[facility_id]
        entry.counts.add(bed_status, n)
        entry.categories[bed_category_].add(bed_status, n)
        if accessible:
            entry.accessible.add(bed_status, n)

    over = db.session.execute(
        sa.select(Stay.facility_id, sa.func.count())
        .where(Stay.discharged_at.is_(None), Stay.over_capacity.is_(True), Stay.facility_id.in_(list(result)))
        .group_by(Stay.facility_id)
    ).all()
    for facility_id, n in over:
        result[facility_id].over_capacity = n
    return list(result.values())


@dataclass(frozen=True)
class BedState:
    bed_id: int
    label: str
    room_id: int
    room_name: str
    facility_id: int
    category: str
    wheelchair_accessible: bool
    has_crib: bool
    status: str
    stay_id: int | None
    hold_id: int | None
    hold_expires_at: datetime | None
    out_of_service_reason: str | None
    # Added for the board (defaults keep older callers working): whose stay, who holds the bed, and
    # the room's rules (find-a-bed ranks free beds by them).
    resident_id: int | None = None
    held_by_id: int | None = None
    held_by_name: str | None = None
    room_sex: str | None = None
    room_age_group: str | None = None


def bed_states(facility_ids, *, now: datetime | None = None, bed_ids=None) -> list[BedState]:
    """Every bed of the given facilities with its derived status, in room and label order. One statement.

    Carries stay and resident ids, never resident names: callers that may show residents load them
    separately (and only where the user may open them). ``bed_ids`` narrows it to some beds.
    """
    from shelter.auth.models import User

    now = now or utcnow()
    active_hold = _active_holds(now)
    open_assignment = (
        sa.select(BedAssignment.bed_id, BedAssignment.stay_id, Stay.resident_id)
        # An open assignment belongs to an open stay; saying so lets PostgreSQL use the partial
        # index of open stays instead of scanning every stay ever recorded.
        .join(Stay, sa.and_(Stay.id == BedAssignment.stay_id, Stay.discharged_at.is_(None)))
        .where(BedAssignment.ended_at.is_(None)).subquery("open_assignment")
    )
    query = (
        sa.select(
            Bed.id, Bed.label, Room.id, Room.name, Room.facility_id, bed_category_expression(),
            Bed.wheelchair_accessible, Bed.has_crib, _status_expression(open_assignment, active_hold),
            open_assignment.c.stay_id, active_hold.c.hold_id, active_hold.c.expires_at, Bed.out_of_service_reason,
            open_assignment.c.resident_id, active_hold.c.held_by_id, User.full_name, Room.sex, Room.age_group,
        )
        .select_from(Bed).join(Room, Bed.room_id == Room.id)
        .outerjoin(open_assignment, open_assignment.c.bed_id == Bed.id)
        .outerjoin(active_hold, active_hold.c.bed_id == Bed.id)
        .outerjoin(User, User.id == active_hold.c.held_by_id)
        .where(Room.facility_id.in_(list(facility_ids)))
        .order_by(Room.facility_id, Room.name, Bed.label)
    )
    if bed_ids is not None:
        query = query.where(Bed.id.in_(list(bed_ids)))
    return [BedState(*row) for row in db.session.execute(query).all()]


# --- for the board, find-a-bed and the admission forms ------------------------------------------------

@dataclass(frozen=True)
class RoomFree:
    """One room of an active facility with how many of its beds are free now (find-a-bed's input)."""

    facility_id: int
    facility_name: str
    facility_kind: str
    kota: str
    room_id: int
    room_name: str
    sex: str
    age_group: str
    free: int
    free_accessible: int
    free_cribs: int


def free_beds_by_room(*, kota: str | None = None, now: datetime | None = None,
                      facility_ids=None) -> list[RoomFree]:
    """Every room of every active facility (or of ``facility_ids``) with its free beds (all, wheelchair
    accessible, with a crib). One statement, whatever the number of facilities."""
    now = now or utcnow()
    open_assignment, active_hold = _open_assignments(), _active_holds(now)
    is_free = sa.and_(open_assignment.c.bed_id.is_(None), active_hold.c.bed_id.is_(None),
                      Bed.out_of_service_reason.is_(None))

    def count_free(*extra):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(is_free, *extra), 1), else_=0)), 0)

    query = (
        sa.select(Facility.id, Facility.name, Facility.kind, Facility.kota, Room.id, Room.name, Room.sex,
                  Room.age_group, count_free(), count_free(Bed.wheelchair_accessible.is_(True)),
                  count_free(Bed.has_crib.is_(True)))
        .select_from(Room).join(Facility, Facility.id == Room.facility_id)
        .outerjoin(Bed, Bed.room_id == Room.id)
        .outerjoin(open_assignment, open_assignment.c.bed_id == Bed.id)
        .outerjoin(active_hold, active_hold.c.bed_id == Bed.id)
        .where(Facility.is_active.is_(True))
        .group_by(Facility.id, Facility.name, Facility.kind, Facility.kota, Room.id, Room.name, Room.sex,
                  Room.age_group)
        .order_by(Facility.name, Room.name)
    )
    if kota:
        query = query.where(Facility.kota == kota)
    if facility_ids is not None:
        query = query.where(Facility.id.in_(sorted(facility_ids)))
    return [RoomFree(*(int(v) if i >= 8 else v for i, v in enumerate(row)))
            for row in db.session.execute(query).all()]


@dataclass(frozen=True)
class OpenStayRef:
    stay_id: int
    facility_id: int
    resident_id: int
    admitted_at: datetime


def over_capacity_stays(facility_ids) -> list[OpenStayRef]:
    """Open over-capacity placements (no bed) in these facilities, oldest first. One statement; ids only."""
    rows = db.session.execute(
        sa.select(Stay.id, Stay.facility_id, Stay.resident_id, Stay.admitted_at)
        .where(Stay.discharged_at.is_(None), Stay.over_capacity.is_(True),
               Stay.facility_id.in_(list(facility_ids)))
        .order_by(Stay.admitted_at, Stay.id)
    ).all()
    return [OpenStayRef(*row) for row in rows]


def open_stay_without_bed(stay_id: int) -> bool:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(BedAssignment)
        .where(BedAssignment.stay_id == stay_id, BedAssignment.ended_at.is_(None))
    ) == 0


def admittable_residents(scope_clause, text: str = "", *, limit: int = 20):
    """Residents the user may open who have no open stay, matching ``text`` in the name or alias.

    Returns Resident rows (the admission form shows name, age and sex to staff in scope).
    """
    from shelter.residents.models import Resident

    has_open_stay = sa.exists().where(Stay.resident_id == Resident.id, Stay.discharged_at.is_(None))
    query = sa.select(Resident).where(scope_clause, ~has_open_stay)
    words = [w for w in (text or "").lower().split() if w][:4]
    for word in words:
        query = query.where(sa.or_(sa.func.lower(Resident.full_name).contains(word, autoescape=True),
                                   sa.func.lower(sa.func.coalesce(Resident.alias, "")).contains(word, autoescape=True)))
    query = query.order_by(Resident.registered_at.desc(), Resident.id.desc()).limit(limit)
    return list(db.session.scalars(query))
