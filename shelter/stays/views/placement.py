"""Choosing a bed: the free beds the user may use, grouped by room and ranked for the person (and their
children), for the admission and the transfer forms.

Rooms that fit come first in find-a-bed's order (``stays.matching``); rooms whose rules do not fit are
still offered, last, because an admission there is allowed with a reason. Reading the beds costs two
statements whatever their number.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.facilities.queries import natural_key
from shelter.stays import matching, queries, service

MAX_BEDS_PER_ROOM = 12


@dataclass
class BedGroup:
    facility: Facility
    room_id: int
    room_name: str
    sex: str
    age_group: str
    fit: str  # best | ok | rules
    beds: list = field(default_factory=list)
    more: int = 0


@dataclass
class PlacementOptions:
    groups: list[BedGroup] = field(default_factory=list)
    full_facilities: list[Facility] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.full_facilities


def person_for(resident) -> matching.Person:
    return matching.Person(
        sex=resident.sex,
        age=service.age_on(resident, utcnow().date()),
        children=len(resident.children),
        high_risk=resident.risk_level == "high",
    )


def placement_options(resident, facility_ids: list[int], *, exclude_bed_id: int | None = None,
                      over_capacity: bool = True) -> PlacementOptions:
    """Free beds in these facilities, grouped by room: rooms that fit the person (and their children)
    first, in find-a-bed's order; then rooms that fit the person alone; then rooms whose rules do not
    fit (an admission there needs a reason). Full facilities are offered for an over-capacity placement.
    Two statements for the beds and the facilities, whatever their number."""
    options = PlacementOptions()
    if not facility_ids:
        return options
    facilities = {f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(facility_ids)))}
    free = [s for s in queries.bed_states(facility_ids) if s.status == "available" and s.bed_id != exclude_bed_id]
    by_room: dict[int, list] = {}
    for state in free:
        by_room.setdefault(state.room_id, []).append(state)
    rooms = []
    for beds in by_room.values():
        first = beds[0]
        facility = facilities[first.facility_id]
        rooms.append(matching.Room(
            facility_id=facility.id, facility_name=facility.name, facility_kind=facility.kind, room_id=first.room_id,
            room_name=first.room_name, sex=first.room_sex, age_group=first.room_age_group, free=len(beds),
            free_accessible=sum(1 for b in beds if b.wheelchair_accessible),
            free_cribs=sum(1 for b in beds if b.has_crib),
        ))
    person = person_for(resident)
    order: list[tuple[matching.Room, str]] = []
    seen = set()
    ranked = [(m.room, "best") for m in matching.rank_rooms(person, rooms)]
    if person.children:
        ranked += [(m.room, "ok") for m in matching.rank_rooms(replace(person, children=0), rooms)]
    for room, fit in ranked:
        if room.room_id not in seen:
            seen.add(room.room_id)
            order.append((room, fit))
    rest = sorted((r for r in rooms if r.room_id not in seen),
                  key=lambda r: (r.facility_name.lower(), r.room_name.lower(), r.room_id))
    order += [(room, "rules") for room in rest]
    for room, fit in order:
        beds = sorted(by_room[room.room_id], key=lambda b: (not b.has_crib if person.children else False,
                                                             natural_key(b.label)))
        options.groups.append(BedGroup(
            facility=facilities[room.facility_id], room_id=room.room_id, room_name=room.room_name, sex=room.sex,
            age_group=room.age_group, fit=fit, beds=beds[:MAX_BEDS_PER_ROOM],
            more=max(0, len(beds) - MAX_BEDS_PER_ROOM),
        ))
    if over_capacity:
        with_free = {s.facility_id for s in free}
        options.full_facilities = sorted((f for fid, f in facilities.items() if fid not in with_free),
                                         key=lambda f: f.name.lower())
    return options
