"""The queries that feed the facility pages, with their eager loads, beside the partials they feed.

A page's statement count must not grow with its rooms and beds: rooms come with their beds in one
extra SELECT (selectinload), the list of facilities comes with its counts in one statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from shelter.access import scoped_facilities_query
from shelter.extensions import db
from shelter.pagination import Page, clamp_page
from shelter.facilities.models import Bed, Facility, Room

PER_PAGE = 25




@dataclass(frozen=True)
class FacilityRow:
    facility: Facility
    rooms: int
    beds: int


def facilities_page(user, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of the facilities the user may open, each with its room and bed counts."""
    base = scoped_facilities_query(user).order_by(Facility.id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.order_by(None).subquery()))
    page = clamp_page(page, total, per_page)

    rooms = (sa.select(Room.facility_id, sa.func.count(Room.id).label("n"))
             .group_by(Room.facility_id).subquery())
    beds = (sa.select(Room.facility_id, sa.func.count(Bed.id).label("n"))
            .join(Bed, Bed.room_id == Room.id).group_by(Room.facility_id).subquery())
    query = (base.add_columns(sa.func.coalesce(rooms.c.n, 0), sa.func.coalesce(beds.c.n, 0))
             .outerjoin(rooms, rooms.c.facility_id == Facility.id)
             .outerjoin(beds, beds.c.facility_id == Facility.id)
             .limit(per_page).offset((page - 1) * per_page))
    items = [FacilityRow(f, room_count, bed_count) for f, room_count, bed_count in db.session.execute(query)]
    return Page(items=items, page=page, per_page=per_page, total=total)


def rooms_with_beds(facility: Facility) -> list[Room]:
    """A facility's rooms by name, each with its beds: two statements however many there are."""
    query = (sa.select(Room).where(Room.facility_id == facility.id)
             .options(selectinload(Room.beds)).order_by(Room.name, Room.id))
    return list(db.session.scalars(query))


def room_with_beds(facility: Facility, room_id: int) -> Room | None:
    """One room of this facility with its beds, or None (also for another facility's room)."""
    query = (sa.select(Room).where(Room.id == room_id, Room.facility_id == facility.id)
             .options(selectinload(Room.beds)))
    return db.session.scalar(query)


def bed_in_room(room: Room, bed_id: int) -> Bed | None:
    return db.session.scalar(sa.select(Bed).where(Bed.id == bed_id, Bed.room_id == room.id))


_DIGITS = re.compile(r"([0-9]+)")


def natural_key(label: str):
    """'A-2' before 'A-10': digit runs compare as numbers."""
    return [(0, int(part), "") if part[0] in "0123456789" else (1, 0, part.casefold())
            for part in _DIGITS.split(label) if part]


def sorted_beds(beds) -> list[Bed]:
    return sorted(beds, key=lambda bed: natural_key(bed.label))
