"""Facilities: admins create, edit and deactivate them; everyone else sees only their own."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.facilities.models import Facility
from tests.facilities.helpers import audit_actions, count, facility_data, row_counts


def get_facility(code: str) -> Facility | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(Facility).where(Facility.code == code))


# --- create ------------------------------------------------------------------------------------------

def test_admin_creates_facility_with_normalised_code_and_phone(client, as_admin):
    assert "New facility" in client.get("/facilities/").get_data(as_text=True)
    assert client.get("/facilities/new").status_code == 200

    response = client.post("/facilities/new", data=facility_data(code=" psbk-01 ", phone="0812-5550-199"))

    assert response.status_code == 302
    facility = get_facility("PSBK-01")
    assert facility is not None
    assert response.headers["Location"].endswith(f"/facilities/{facility.id}")
    assert facility.phone == "+628125550199"
    assert facility.kota == "jakarta_barat"
    assert facility.is_active
    [event] = audit_actions("facility.created")
    assert event.target_id == facility.id
    assert "Jl. Uji" not in repr(event.detail)


@pytest.mark.parametrize("roles", [("facility_manager",), ("case_manager",), ("caseworker",), ("intake_staff",)])
def test_only_admins_reach_create_and_edit(client, make_user, make_facility, login_as, roles):
    facility = make_facility()
    login_as(make_user(roles=roles, facilities=[facility]))
    before = row_counts()

    assert client.get("/facilities/new").status_code == 404
    assert client.post("/facilities/new", data=facility_data()).status_code == 404
    assert client.get(f"/facilities/{facility.id}/edit").status_code == 404
    assert client.post(f"/facilities/{facility.id}/edit", data=facility_data()).status_code == 404
    assert client.post(f"/facilities/{facility.id}/deactivate").status_code == 404
    assert "New facility" not in client.get("/facilities/").get_data(as_text=True)
    assert row_counts() == before


@pytest.mark.parametrize("phone", ["12345", "0812", "+1 555", "not a number", "+62 21 1"])
def test_invalid_phone_is_refused_next_to_the_field_and_input_kept(client, as_admin, phone):
    response = client.post("/facilities/new", data=facility_data(phone=phone, name="Panti Kasih Ibu"))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="err-phone"[^>]*>This is not a valid phone number', html)
    assert 'value="Panti Kasih Ibu"' in html
    assert count(Facility) == 0


def test_empty_phone_is_allowed(client, as_admin):
    assert client.post("/facilities/new", data=facility_data(phone="")).status_code == 302
    assert get_facility("PSBK-01").phone is None


def test_duplicate_code_is_refused_whatever_its_case(client, as_admin, make_facility):
    make_facility(code="PSBK-01")

    response = client.post("/facilities/new", data=facility_data(code="psbk-01", name="Another one"))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="err-code"[^>]*>Another facility already has the code PSBK-01', html)
    assert count(Facility) == 1


def test_code_race_lost_at_commit_gives_the_same_message(client, as_admin, make_facility, monkeypatch):
    """Two admins submit the same code at once: the pre-check passes, the unique index refuses."""
    from shelter.facilities import service

    make_facility(code="PSBK-01")
    real = service.code_taken
    calls = []

    def first_time_free(code, **kwargs):
        calls.append(code)
        return False if len(calls) == 1 else real(code, **kwargs)

    monkeypatch.setattr(service, "code_taken", first_time_free)
    response = client.post("/facilities/new", data=facility_data(code="PSBK-01"))

    assert response.status_code == 422
    assert "Another facility already has the code PSBK-01" in response.get_data(as_text=True)
    assert count(Facility) == 1


@pytest.mark.parametrize("field, value, message", [
    ("code", "", "Enter a short code"),
    ("code", "PSBK 01", "Use only letters, digits and single dashes"),
    ("code", "A" * 33, "at most 32 characters"),
    ("name", "", "Enter the name"),
    ("name", "N" * 121, "at most 120 characters"),
    ("kind", "hotel", "Not a valid choice"),
    ("kota", "bandung", "Not a valid choice"),
    ("address", "x" * 501, "at most 500 characters"),
    ("name", "Panti\x00Kasih", "control characters"),
])
def test_bad_input_is_shown_next_to_the_field(client, as_admin, field, value, message):
    response = client.post("/facilities/new", data=facility_data(**{field: value}))

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="err-{field}"[^>]*>([^<]*)<', html)
    assert error and message in error.group(1)
    assert count(Facility) == 0


# --- edit, deactivate ------------------------------------------------------------------------------

def test_admin_edits_facility_and_audit_names_changed_fields_only(client, as_admin, make_facility):
    facility = make_facility(code="PSBK-02", name="Panti Lama", address="Jl. Lama 1")
    form = client.get(f"/facilities/{facility.id}/edit").get_data(as_text=True)
    assert 'value="Panti Lama"' in form

    response = client.post(f"/facilities/{facility.id}/edit", data=facility_data(
        code="PSBK-02", name="Panti Baru", kota=facility.kota, address="Jl. Rahasia Baru 9",
        phone="+62 21 555 0199"))

    assert response.status_code == 302
    facility = get_facility("PSBK-02")
    assert (facility.name, facility.address, facility.phone) == ("Panti Baru", "Jl. Rahasia Baru 9", "+62215550199")
    [event] = audit_actions("facility.updated")
    assert sorted(event.detail["fields"]) == ["address", "name", "phone"]
    assert "Rahasia" not in repr(event.detail) and "Lama" not in repr(event.detail)


def test_edit_to_another_facility_code_is_refused(client, as_admin, make_facility):
    make_facility(code="PSBK-01")
    facility = make_facility(code="PSBK-02")

    response = client.post(f"/facilities/{facility.id}/edit", data=facility_data(code="PSBK-01"))

    assert response.status_code == 422
    assert "Another facility already has the code PSBK-01" in response.get_data(as_text=True)
    assert get_facility("PSBK-02") is not None


def test_unknown_facility_is_404(client, as_admin):
    assert client.get("/facilities/999999").status_code == 404
    assert client.get("/facilities/999999/edit").status_code == 404
    assert client.post("/facilities/999999/deactivate").status_code == 404


def test_admin_deactivates_and_reactivates(client, as_admin, make_facility):
    facility = make_facility()

    assert client.post(f"/facilities/{facility.id}/deactivate").status_code == 302
    assert get_facility(facility.code).is_active is False
    assert "Inactive" in client.get(f"/facilities/{facility.id}").get_data(as_text=True)
    assert client.post(f"/facilities/{facility.id}/activate").status_code == 302
    assert get_facility(facility.code).is_active is True
    assert [e.action for e in audit_actions() if e.action.startswith("facility.")][-2:] == [
        "facility.deactivated", "facility.activated"]


def test_post_without_csrf_token_is_refused(client, as_admin):
    response = client.post("/facilities/new", data=facility_data(), csrf=False)
    assert response.status_code == 400
    assert count(Facility) == 0


# --- the list ----------------------------------------------------------------------------------------

def test_index_paginates_25_per_page(client, as_admin, make_facility):
    for n in range(30):
        make_facility(name=f"Panti {n:02d}")

    first = client.get("/facilities/").get_data(as_text=True)
    second = client.get("/facilities/?page=2").get_data(as_text=True)

    assert first.count("/facilities/") - second.count("/facilities/") >= 20
    assert "Page 1 of 2" in first and "Page 2 of 2" in second
    names = re.findall(r">(Panti \d\d)<", first + second)
    assert sorted(names) == [f"Panti {n:02d}" for n in range(30)]
    assert client.get("/facilities/?page=abc").status_code == 200
    assert client.get("/facilities/?page=-3").status_code == 200
    assert "Page 2 of 2" in client.get("/facilities/?page=99").get_data(as_text=True)


def test_index_empty_state(client, as_admin):
    assert "No facilities yet" in client.get("/facilities/").get_data(as_text=True)


def test_index_empty_state_for_someone_without_facilities(client, make_user, make_facility, login_as):
    make_facility(name="Panti Orang Lain")
    login_as(make_user(roles=("caseworker",)))
    html = client.get("/facilities/").get_data(as_text=True)
    assert "not assigned to any facility" in html and "Panti Orang Lain" not in html


def test_index_lists_only_own_facilities(client, make_user, make_facility, login_as):
    mine, _ = make_facility(name="Panti Saya"), make_facility(name="Panti Orang Lain")
    login_as(make_user(roles=("caseworker",), facilities=[mine]))

    html = client.get("/facilities/").get_data(as_text=True)

    assert "Panti Saya" in html and "Panti Orang Lain" not in html


def test_index_shows_room_and_bed_counts(client, as_admin, make_facility, make_room, make_bed):
    facility = make_facility(name="Panti Hitung")
    room = make_room(facility=facility)
    make_room(facility=facility)
    for _ in range(3):
        make_bed(room=room)

    html = client.get("/facilities/").get_data(as_text=True)

    assert re.search(r"Panti Hitung</a>.*?<td>2</td>\s*<td>3</td>", html, re.S)


# --- the safe house's address -------------------------------------------------------------------------

SECRET = "Jl. Rahasia Melati No. 7"


@pytest.fixture
def safe_house(make_facility):
    return make_facility(kind="rumah_aman", code="RA-07", name="Rumah Melati", address=SECRET)


def test_safe_house_address_never_reaches_a_case_manager_outside_it(client, make_user, make_facility,
                                                                    safe_house, login_as):
    panti = make_facility()
    login_as(make_user(roles=("case_manager",), facilities=[panti]))

    pages = [client.get(url) for url in ("/", "/facilities/", f"/facilities/{panti.id}",
                                         f"/facilities/{safe_house.id}", f"/facilities/{safe_house.id}/edit")]

    assert [p.status_code for p in pages] == [200, 200, 200, 404, 404]
    for page in pages:
        assert SECRET not in page.get_data(as_text=True)
    assert audit_actions("facility.address_viewed") == []


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_safe_house_address_shown_to_its_staff_and_admin_and_audited(client, make_user, admin, safe_house,
                                                                      login_as, who):
    user = admin if who == "admin" else make_user(roles=("intake_staff",), facilities=[safe_house])
    login_as(user)

    html = client.get(f"/facilities/{safe_house.id}").get_data(as_text=True)

    assert SECRET in html
    [event] = audit_actions("facility.address_viewed")
    assert (event.actor_id, event.target_id, event.facility_id) == (user.id, safe_house.id, safe_house.id)


def test_safe_house_address_in_edit_form_is_audited_too(client, as_admin, safe_house):
    assert SECRET in client.get(f"/facilities/{safe_house.id}/edit").get_data(as_text=True)
    assert len(audit_actions("facility.address_viewed")) == 1


def test_panti_address_is_not_audited(client, make_user, make_facility, login_as):
    panti = make_facility(address="Jl. Panti Terbuka 1")
    login_as(make_user(roles=("caseworker",), facilities=[panti]))
    assert "Jl. Panti Terbuka 1" in client.get(f"/facilities/{panti.id}").get_data(as_text=True)
    assert audit_actions("facility.address_viewed") == []
