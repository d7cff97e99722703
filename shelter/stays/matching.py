"""Find a bed: which rooms fit a person, and in what order to offer them. Pure functions, no database.

The rules mirror ``stays.service.room_rule_problems`` (sex and age group of the room) for a person
who may not be registered yet, and add what a placement needs beyond one bed:

- a mother (or father) with N children needs a mother-with-children or mixed-family room with at
  least N + 1 free beds; rooms with cribs for the children come first;
- a wheelchair user needs a free wheelchair-accessible bed;
- a person at high risk is offered a Rumah Aman first; anyone else a panti first (safe-house beds
  are kept for those who need them);
- a man who comes alone is not offered a family room (the admission rules would allow a mixed
  family room; find-a-bed does not suggest it). A woman alone may be, after the women's rooms.

Ranking within those: rooms made for exactly this person's group before rooms that only allow them
(a woman alone is offered a women's room before a mothers-with-children room), then the facility
with more fitting free beds, then names, so the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

ADULT_AGE = 18
FAMILY_AGE_GROUP = "mother_with_children"
FAMILY_SEX = "mixed_family"
SAFE_HOUSE = "rumah_aman"


@dataclass(frozen=True)
class Person:
    sex: str  # female | male
    age: int
    children: int = 0
    wheelchair: bool = False
    high_risk: bool = False
    # The children's sexes when known (a referral says them): a women-only family room does not take a son.
    children_sexes: tuple[str, ...] = ()

    @property
    def is_adult(self) -> bool:
        return self.age >= ADULT_AGE

    @property
    def beds_needed(self) -> int:
        return 1 + max(0, self.children)


@dataclass(frozen=True)
class Room:
    """What matching needs to know about a room: its rules and its free beds now."""

    facility_id: int
    facility_name: str
    facility_kind: str
    room_id: int
    room_name: str
    sex: str
    age_group: str
    free: int
    free_accessible: int = 0
    free_cribs: int = 0


@dataclass(frozen=True)
class RoomMatch:
    room: Room
    rank: tuple
    family_room: bool
    cribs_short: int


@dataclass
class FacilityMatch:
    facility_id: int
    facility_name: str
    facility_kind: str
    rooms: list[RoomMatch] = field(default_factory=list)

    @property
    def free_beds(self) -> int:
        """Free beds in the rooms that fit (what a user who cannot see inside is told)."""
        return sum(m.room.free for m in self.rooms)

    @property
    def rank(self) -> tuple:
        return self.rooms[0].rank


def is_family_room(sex: str, age_group: str) -> bool:
    return age_group == FAMILY_AGE_GROUP or sex == FAMILY_SEX


def room_problems(person: Person, sex: str, age_group: str) -> list[str]:
    """Why a room's rules do not fit this person (empty when they do). Same codes as the service,
    plus ``not_family_room`` for a parent who comes with children."""
    problems = []
    if person.children > 0 and not is_family_room(sex, age_group):
        problems.append("not_family_room")
    if sex in ("female", "male") and person.sex != sex:
        problems.append("sex")
    if sex in ("female", "male") and any(child != sex for child in person.children_sexes):
        problems.append("child_sex")
    if age_group == "child" and person.is_adult:
        problems.append("age_adult_in_child_room")
    elif age_group == "adult" and not person.is_adult:
        problems.append("age_child_in_adult_room")
    elif age_group == FAMILY_AGE_GROUP and not person.is_adult and person.children == 0:
        problems.append("child_without_mother")
    return problems


def room_fits(person: Person, room: Room) -> bool:
    if room_problems(person, room.sex, room.age_group):
        return False
    if room.free < person.beds_needed:
        return False
    if person.wheelchair and room.free_accessible < 1:
        return False
    if person.children == 0 and person.sex == "male" and is_family_room(room.sex, room.age_group):
        return False
    return True


def _room_rank(person: Person, room: Room) -> tuple[tuple, bool, int]:
    safe_house = room.facility_kind == SAFE_HOUSE
    kind_order = (0 if safe_house else 1) if person.high_risk else (1 if safe_house else 0)
    family = is_family_room(room.sex, room.age_group)
    # A room for this person's own group first: a family room for a family, any other for someone alone.
    group_order = 0 if family == (person.children > 0) else 1
    cribs_short = max(0, person.children - room.free_cribs) if person.children else 0
    # Wheelchair users: any fitting room has an accessible bed; more of them gives a choice.
    rank = (kind_order, group_order, cribs_short, -room.free, room.facility_name.lower(), room.facility_id,
            room.room_name.lower(), room.room_id)
    return rank, family, cribs_short


def rank_rooms(person: Person, rooms: Iterable[Room]) -> list[RoomMatch]:
    """The rooms that fit, best first."""
    matches = []
    for room in rooms:
        if not room_fits(person, room):
            continue
        rank, family, cribs_short = _room_rank(person, room)
        matches.append(RoomMatch(room=room, rank=rank, family_room=family, cribs_short=cribs_short))
    matches.sort(key=lambda m: m.rank)
    return matches


def rank_facilities(person: Person, rooms: Iterable[Room]) -> list[FacilityMatch]:
    """Facilities with at least one fitting room, best first; each with its fitting rooms, best first.

    A facility ranks by its best room, then by how many fitting free beds it has in all.
    """
    by_facility: dict[int, FacilityMatch] = {}
    for match in rank_rooms(person, rooms):
        room = match.room
        entry = by_facility.setdefault(
            room.facility_id, FacilityMatch(room.facility_id, room.facility_name, room.facility_kind)
        )
        entry.rooms.append(match)
    return sorted(by_facility.values(),
                  key=lambda f: (f.rank[:3], -f.free_beds, f.facility_name.lower(), f.facility_id))
