"""The number of SQL statements a page sends does not grow with its rooms, beds or facilities."""

from __future__ import annotations

import pytest

from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.facilities.helpers import counting_statements


def furnish(facility: Facility, rooms: int, beds_per_room: int) -> Facility:
    for r in range(rooms):
        room = Room(facility=facility, name=f"Kamar {r:02d}", sex="female", age_group="adult")
        room.beds = [Bed(label=f"{r}-{b:02d}", wheelchair_accessible=b % 3 == 0, has_crib=b % 4 == 0)
                     for b in range(beds_per_room)]
        db.session.add(room)
    db.session.commit()
    return facility


def statements(client, url: str, **kwargs) -> list[str]:
    # The test client shares the test's session: end its transaction (which expires what it loaded), so
    # every measured request starts from nothing, like a real one.
    db.session.rollback()
    with counting_statements() as seen:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, url
    return seen


@pytest.mark.parametrize("kind", ["panti", "rumah_aman"])
@pytest.mark.parametrize("role", ["admin", "facility_manager", "caseworker"])
def test_facility_page_statements_do_not_grow_with_rooms_and_beds(client, make_user, make_facility, login_as,
                                                                   kind, role):
    small = furnish(make_facility(kind=kind), rooms=1, beds_per_room=1)
    big = furnish(make_facility(kind=kind), rooms=12, beds_per_room=15)
    login_as(make_user(roles=(role,), facilities=[small, big]))
    statements(client, f"/facilities/{small.id}")  # warm up: first-request work is not the page's

    few = statements(client, f"/facilities/{small.id}")
    many = statements(client, f"/facilities/{big.id}")

    assert len(many) == len(few), "\n".join(many)
    assert len(many) <= 12
    html = client.get(f"/facilities/{big.id}").get_data(as_text=True)
    assert html.count('class="bed-row"') == 12 * 15  # the big page really rendered every bed


def test_room_fragment_statements_do_not_grow_with_beds(client, as_admin, make_facility):
    facility = furnish(make_facility(), rooms=2, beds_per_room=1)
    few_room, many_room = facility.rooms[0], Room(facility=facility, name="Kamar Besar", sex="male",
                                                  age_group="adult")
    many_room.beds = [Bed(label=f"B-{n:03d}") for n in range(150)]
    db.session.add(many_room)
    db.session.commit()
    url = f"/facilities/{facility.id}/rooms/{{}}"

    few = statements(client, url.format(few_room.id), headers={"HX-Request": "true"})
    many = statements(client, url.format(many_room.id), headers={"HX-Request": "true"})

    assert len(many) == len(few)


def test_facility_list_statements_do_not_grow_with_facilities(client, as_admin, make_facility):
    furnish(make_facility(), rooms=1, beds_per_room=2)
    statements(client, "/facilities/")
    few = statements(client, "/facilities/")
    for _ in range(20):
        furnish(make_facility(), rooms=2, beds_per_room=3)

    many = statements(client, "/facilities/")

    assert len(many) == len(few)
    assert client.get("/facilities/").get_data(as_text=True).count("<td>6</td>") == 20
