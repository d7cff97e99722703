"""Issue 9, finding 8, in the facility, user and programme forms: names and codes are NFKC-normalised
and refuse hidden characters (bidi controls, zero-width spaces), with a message next to the field."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from shelter.auth.models import User
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.facilities.helpers import bulk_data, facility_data, room_data

RLO, ZWSP = "\u202e", "\u200b"
MESSAGE = "hidden characters or text direction controls"


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_full_width_code_and_name_are_stored_plain(client, as_admin):
    response = client.post("/facilities/new", data=facility_data(code="ｐｓｂｋ－０２", name="Panti Ｍａｗａｒ"))
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    facility = db.session.scalar(sa.select(Facility))
    assert (facility.code, facility.name) == ("PSBK-02", "Panti Mawar")


@pytest.mark.parametrize("field, value", [("name", f"Panti{RLO}ramaM"), ("name", f"Panti{ZWSP}Mawar"),
                                          ("code", f"PSBK{ZWSP}-02")])
def test_hidden_characters_in_a_facility_are_refused(client, login_as, admin, field, value):
    login_as(admin)
    response = client.post("/facilities/new", data=facility_data(**{field: value}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'id="err-{field}"' in html
    assert MESSAGE in html or "Use only letters, digits" in html
    assert count(Facility) == 0


def test_hidden_characters_in_rooms_and_bed_labels_are_refused(client, login_as, admin, make_room):
    login_as(admin)
    room = make_room()
    facility_id = room.facility_id
    response = client.post(f"/facilities/{facility_id}/rooms", data=room_data(name=f"Kamar{RLO}Melati"))
    assert MESSAGE in response.get_data(as_text=True) and count(Room) == 1
    response = client.post(f"/facilities/{facility_id}/rooms/{room.id}/beds",
                           data=bulk_data(room, label_prefix=f"A{ZWSP}-"))
    assert MESSAGE in response.get_data(as_text=True) and count(Bed) == 0


def test_hidden_characters_in_a_users_name_or_email_are_refused(client, login_as, admin):
    login_as(admin)
    base = {"email": "siti@example.org", "full_name": "Siti Rahma", "roles": ["caseworker"], "facilities": [],
            "phone": "", "password": "kata-sandi-baru-123"}
    for change in ({"full_name": f"Siti{RLO}Rahma"}, {"full_name": f"Siti{ZWSP}Rahma"},
                   {"email": f"siti{ZWSP}@example.org"}):
        response = client.post("/admin/users/new", data={**base, **change})
        assert response.status_code == 422 and MESSAGE in response.get_data(as_text=True), change
    assert count(User) == 1  # the admin


def test_hidden_characters_in_a_programme_name_are_refused(client, login_as, make_user, make_facility):
    from shelter.programmes.models import Programme
    from shelter.programmes.service import local_today

    panti = make_facility()
    login_as(make_user(roles=("caseworker",), facilities=[panti]))
    today = local_today().isoformat()
    data = {"facility_id": panti.id, "name": f"Menjahit{RLO}", "trainer": "", "description": "", "capacity": "10",
            "starts_on": today, "ends_on": today, "weekdays": ["1"], "start_time": "09:00",
            "duration_minutes": "60", "eligible_sex": ""}
    response = client.post("/programmes/new", data=data)
    assert MESSAGE in response.get_data(as_text=True) and count(Programme) == 0
    response = client.post("/programmes/new", data={**data, "name": "Ｍｅｎｊａｈｉｔ"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Programme.name)) == "Menjahit"
