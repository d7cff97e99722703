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


def bed_states(facility_ids, *, now: datetime | None = None) -> list[BedState]:
    """Every bed of the given facilities with its derived status, in room and label order. One statement.

    Carries stay ids, never resident names: callers that may show residents load them separately.
    """
    now = now or utcnow()
    open_assignment, active_hold = _open_assignments(), _active_holds(now)
    rows = db.session.execute(
        sa.select(
            Bed.id, Bed.label, Room.id, Room.name, Room.facility_id, bed_category_expression(),
            Bed.wheelchair_accessible, Bed.has_crib, _status_expression(open_assignment, active_hold),
            open_assignment.c.stay_id, active_hold.c.hold_id, active_hold.c.expires_at, Bed.out_of_service_reason,
        )
        .select_from(Bed).join(Room, Bed.room_id == Room.id)
        .outerjoin(open_assignment, open_assignment.c.bed_id == Bed.id)
        .outerjoin(active_hold, active_hold.c.bed_id == Bed.id)
        .where(Room.facility_id.in_(list(facility_ids)))
        .order_by(Room.facility_id, Room.name, Bed.label)
    ).all()
    return [BedState(*row) for row in rows]
