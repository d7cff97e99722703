"""Find-a-bed's matching rules, without a database: which rooms fit a person and in what order."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest

from shelter.stays.matching import Person, Room, rank_facilities, rank_rooms, room_fits, room_problems
from shelter.stays.service import room_rule_problems

_ids = iter(range(1, 10_000))


def room(facility="Panti Melati", kind="panti", sex="female", age_group="adult", free=2, accessible=0, cribs=0,
         facility_id=None, name=None):
    room_id = next(_ids)
    return Room(facility_id=facility_id or abs(hash(facility)) % 10_000, facility_name=facility, facility_kind=kind,
                room_id=room_id, room_name=name or f"Kamar {room_id}", sex=sex, age_group=age_group, free=free,
                free_accessible=accessible, free_cribs=cribs)


WOMAN = Person(sex="female", age=30)
MAN = Person(sex="male", age=40)
GIRL = Person(sex="female", age=12)
BOY = Person(sex="male", age=9)


@pytest.mark.parametrize("person, sex, age_group, expected", [
    (WOMAN, "female", "adult", []),
    (WOMAN, "male", "adult", ["sex"]),
    (WOMAN, "female", "child", ["age_adult_in_child_room"]),
    (GIRL, "female", "adult", ["age_child_in_adult_room"]),
    (GIRL, "female", "child", []),
    (BOY, "male", "child", []),
    (BOY, "female", "child", ["sex"]),
    (GIRL, "female", "mother_with_children", ["child_without_mother"]),
    (WOMAN, "female", "mother_with_children", []),
    (MAN, "mixed_family", "adult", []),
    (Person("female", 30, children=2), "female", "adult", ["not_family_room"]),
    (Person("female", 30, children=2), "female", "mother_with_children", []),
    (Person("female", 30, children=2), "mixed_family", "mother_with_children", []),
    (Person("female", 17, children=1), "female", "mother_with_children", []),  # a young mother with her baby
    (Person("male", 35, children=1), "female", "mother_with_children", ["sex"]),
    (Person("male", 35, children=1), "mixed_family", "mother_with_children", []),
])
def test_room_rules(person, sex, age_group, expected):
    assert room_problems(person, sex, age_group) == expected


@pytest.mark.parametrize("sex", ["female", "male"])
@pytest.mark.parametrize("age", [0, 10, 17, 18, 45, 90])
@pytest.mark.parametrize("room_sex, age_group", [
    ("female", "adult"), ("female", "child"), ("male", "adult"), ("male", "child"),
    ("female", "mother_with_children"), ("mixed_family", "mother_with_children"), ("mixed_family", "adult"),
])
def test_a_person_alone_gets_the_same_answer_as_the_admission_rules(sex, age, room_sex, age_group):
    """Matching a hypothetical person and admitting a real one must agree on the room's rules."""
    today = date(2026, 6, 1)
    resident = SimpleNamespace(sex=sex, birth_date=None, estimated_age=age, guardian_id=None)
    db_room = SimpleNamespace(sex=room_sex, age_group=age_group)
    assert room_problems(Person(sex=sex, age=age), room_sex, age_group) == room_rule_problems(resident, db_room, today)


def test_a_room_needs_enough_free_beds_for_mother_and_children():
    family = Person("female", 28, children=2)
    assert not room_fits(family, room(age_group="mother_with_children", free=2))
    assert room_fits(family, room(age_group="mother_with_children", free=3))
    assert room_fits(family, room(sex="mixed_family", age_group="mother_with_children", free=5))
    assert not room_fits(family, room(sex="female", age_group="adult", free=10))


def test_wheelchair_users_need_a_free_accessible_bed():
    person = Person("female", 60, wheelchair=True)
    assert not room_fits(person, room(free=5, accessible=0))
    assert room_fits(person, room(free=1, accessible=1))


def test_no_free_bed_no_fit():
    assert not room_fits(WOMAN, room(free=0))
    assert rank_rooms(WOMAN, [room(free=0), room(sex="male")]) == []


def test_high_risk_puts_a_rumah_aman_first_and_others_a_panti_first():
    panti = room("Panti Bakti", kind="panti", free=9)
    safe = room("RA Kenanga", kind="rumah_aman", free=1)
    assert [m.room for m in rank_rooms(Person("female", 25, high_risk=True), [panti, safe])] == [safe, panti]
    assert [m.room for m in rank_rooms(Person("female", 25), [panti, safe])] == [panti, safe]


def test_a_woman_alone_gets_a_womens_room_before_a_family_room():
    family_room = room(age_group="mother_with_children", free=6)
    womens = room(age_group="adult", free=1)
    assert [m.room for m in rank_rooms(WOMAN, [family_room, womens])] == [womens, family_room]


def test_families_prefer_rooms_with_cribs_for_their_children():
    no_cribs = room(age_group="mother_with_children", free=6, cribs=0, name="A")
    one_crib = room(age_group="mother_with_children", free=3, cribs=1, name="B")
    two_cribs = room(age_group="mother_with_children", free=3, cribs=2, name="C")
    ranked = rank_rooms(Person("female", 30, children=2), [no_cribs, one_crib, two_cribs])
    assert [m.room for m in ranked] == [two_cribs, one_crib, no_cribs]
    assert [m.cribs_short for m in ranked] == [0, 1, 2]


def test_facilities_rank_by_their_best_room_then_by_fitting_free_beds():
    small = [room("Panti Anggrek", facility_id=1, free=1)]
    large = [room("Panti Bakti", facility_id=2, free=1), room("Panti Bakti", facility_id=2, free=4)]
    wrong = [room("Panti Cempaka", facility_id=3, sex="male", free=20)]
    safe = [room("RA Dahlia", kind="rumah_aman", facility_id=4, free=1)]
    ranked = rank_facilities(WOMAN, small + large + wrong + safe)
    assert [f.facility_name for f in ranked] == ["Panti Bakti", "Panti Anggrek", "RA Dahlia"]
    assert [f.free_beds for f in ranked] == [5, 1, 1]
    assert [m.room.free for m in ranked[0].rooms] == [4, 1]  # more free beds first within a facility
    high_risk = rank_facilities(Person("female", 30, high_risk=True), small + large + wrong + safe)
    assert high_risk[0].facility_name == "RA Dahlia"


def test_a_man_alone_is_not_offered_a_family_room():
    family_room = room(sex="mixed_family", age_group="mother_with_children", free=4)
    mens = room(sex="male", age_group="adult", free=1)
    assert [m.room for m in rank_rooms(MAN, [family_room, mens])] == [mens]
    assert [m.room for m in rank_rooms(Person("male", 40, children=1), [family_room, mens])] == [family_room]


def test_children_alone_go_to_childrens_rooms_of_their_sex():
    girls = room(sex="female", age_group="child")
    boys = room(sex="male", age_group="child")
    women = room(sex="female", age_group="adult")
    assert [m.room for m in rank_rooms(GIRL, [girls, boys, women])] == [girls]
    assert [m.room for m in rank_rooms(BOY, [girls, boys, women])] == [boys]
