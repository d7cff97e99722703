"""The issue's walk-through on the demo data, over HTTP: the demo admin builds a facility with a
room and 40 beds, creates a caseworker scoped to it, and that caseworker sees only it."""

import re

import sqlalchemy as sa

from shelter import demo
from shelter.auth.models import User
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.conftest import login


def test_demo_admin_sets_up_a_facility_and_a_scoped_caseworker(app, client):
    credentials = {role: (email, password) for role, email, password in demo.load()}
    from shelter.stays import queries

    panti = db.session.scalar(sa.select(Facility).where(Facility.code == "PSBK-DEMO"))
    [counts] = queries.availability([panti.id])
    assert counts.counts.occupied == 9  # the demo board is not empty: eight residents and one child
    admin_email, admin_password = credentials["admin"]
    assert login(client, admin_email, admin_password).status_code == 302

    response = client.post("/facilities/new", data={
        "kind": "panti", "code": "PSAA-UJI", "name": "Panti Sosial Asuhan Anak Uji",
        "kota": "jakarta_utara", "address": "Jl. Percobaan No. 1", "phone": "0812 5550 177",
    })
    assert response.status_code == 302
    facility = db.session.scalar(sa.select(Facility).where(Facility.code == "PSAA-UJI"))
    assert facility.phone == "+628125550177"

    assert client.post(f"/facilities/{facility.id}/rooms", data={
        "newroom-name": "Asrama Putri 1", "newroom-sex": "female", "newroom-age_group": "child",
    }).status_code in (200, 302)
    room = db.session.scalar(sa.select(Room).where(Room.facility_id == facility.id))
    assert client.post(f"/facilities/{facility.id}/rooms/{room.id}/beds", data={
        f"room{room.id}-label_prefix": "AP-", f"room{room.id}-first_number": "1",
        f"room{room.id}-count": "40", f"room{room.id}-pad_width": "2",
    }).status_code in (200, 302)
    labels = db.session.scalars(sa.select(Bed.label).where(Bed.room_id == room.id).order_by(Bed.label)).all()
    assert len(labels) == 40 and labels[0] == "AP-01" and labels[-1] == "AP-40"

    response = client.post("/admin/users/new", data={
        "email": "peksos.uji@example.org", "full_name": "Sri Handayani Uji", "roles": ["caseworker"],
        "facilities": [str(facility.id)], "password": "awal-sementara-123",
    })
    assert response.status_code == 302, re.findall(r"field-error[^<]*<|alert[^<]*<", response.get_data(as_text=True))
    client.post("/logout")

    caseworker = db.session.scalar(sa.select(User).where(User.email == "peksos.uji@example.org"))
    assert caseworker.must_change_password
    assert login(client, caseworker, "awal-sementara-123").status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/password")
    assert client.post("/account/password", data={
        "current_password": "awal-sementara-123", "new_password": "pilihan-sendiri-456",
        "confirm_password": "pilihan-sendiri-456",
    }).status_code == 302

    assert client.get(f"/facilities/{facility.id}").status_code == 200
    home = client.get("/").get_data(as_text=True)
    assert "Panti Sosial Asuhan Anak Uji" in home
    others = db.session.scalars(sa.select(Facility.id).where(Facility.id != facility.id)).all()
    assert len(others) == 3
    for other in others:
        assert client.get(f"/facilities/{other}").status_code == 404
    assert "Rumah Aman Merpati" not in client.get("/facilities/").get_data(as_text=True)
