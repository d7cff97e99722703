"""Intake: a resident is registered only after the form is right and likely duplicates were shown."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta

import pytest

from shelter.db import utcnow
from shelter.extensions import db
from shelter.residents.models import Resident
from tests.conftest import login
from tests.residents.helpers import audit_events, count_rows, field_error, intake_data, row_counts


@pytest.fixture
def as_intake(login_as, intake_a):
    return login_as(intake_a)


def only_resident() -> Resident:
    db.session.expire_all()
    residents = db.session.query(Resident).all()
    assert len(residents) == 1
    return residents[0]


def test_intake_form_offers_the_users_facilities_and_every_category(as_intake, facility_a, facility_b):
    html = as_intake.get("/residents/new").get_data(as_text=True)
    assert "Panti Sosial Uji A" in html
    assert "Rumah Aman Melati" not in html  # not one of the user's facilities
    assert 'value="ampk_parental_stigma"' in html and 'value="adult_trafficking"' in html
    assert 'value="ppks_street_child"' in html
    assert "Child in conflict with the law (ABH)" in html


def test_intake_registers_a_resident(as_intake, facility_a, intake_a):
    data = intake_data(facility_a, nik="3171 0112 3456 7890", categories=["adult_domestic_violence", "ppks_homeless"],
                       disabilities="Low vision")
    response = as_intake.post("/residents/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    resident = only_resident()
    assert response.headers["Location"].endswith(f"/residents/{resident.id}")
    assert (resident.full_name, resident.alias, resident.sex, resident.birth_date) == (
        "Sari Wulandari Rekaan", "Sari", "female", date(1990, 5, 1))
    assert resident.nik == "3171011234567890"
    assert resident.risk_level == "medium" and resident.kota_of_origin == "Kabupaten Cianjur"
    assert sorted(r.category for r in resident.category_rows) == ["adult_domestic_violence", "ppks_homeless"]
    assert resident.registered_facility_id == facility_a.id and resident.registered_by_id == intake_a.id
    assert [e.target_id for e in audit_events("resident.registered")] == [resident.id]
    page = as_intake.get(response.headers["Location"]).get_data(as_text=True)
    assert "Resident registered." in page
    assert "Domestic violence (KDRT)" in page and "Homeless (gelandangan)" in page


def test_intake_by_htmx_redirects_to_the_new_page(as_intake, facility_a):
    response = as_intake.htmx("POST", "/residents/new", data=intake_data(facility_a, birth_date="", estimated_age="35"))
    assert response.status_code == 200
    resident = only_resident()
    assert resident.estimated_age == 35 and resident.birth_date is None
    assert response.headers["HX-Redirect"] == f"/residents/{resident.id}"


TOMORROW = (utcnow().date() + timedelta(days=1)).isoformat()


BAD_INPUT = [
    ({"nik": "12345"}, "nik", "A NIK has exactly 16 digits"),
    ({"nik": "31710112345678ab"}, "nik", "A NIK has exactly 16 digits"),
    ({"birth_date": TOMORROW}, "birth_date", "cannot be in the future"),
    ({"birth_date": "", "estimated_age": ""}, "birth_date", "date of birth or, if it is not known, an estimated age"),
    ({"birth_date": "1990-02-31"}, "birth_date", "Enter a valid date of birth."),
    ({"estimated_age": "300", "birth_date": ""}, "estimated_age", "Enter an age from 0 to 120 years."),
    ({"estimated_age": "about 30", "birth_date": ""}, "estimated_age", "whole number"),
    ({"full_name": "S" * 121}, "full_name", "at most 120 characters"),
    ({"full_name": "   "}, "full_name", "Enter the full name."),
    ({"full_name": "Sari\x00"}, "full_name", "control characters"),
    ({"sex": None}, "sex", "Choose female or male."),
    ({"sex": "other"}, "sex", "Choose female or male."),
    ({"risk_level": "extreme"}, "risk_level", "Choose the risk level."),
    ({"categories": ["not_a_category"]}, "categories", "Choose categories from the list."),
    ({"guardian_id": "999999"}, "guardian_id", "Choose the mother or guardian from the search results."),
]


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(as_intake, facility_a):
    """Each bad value, posted plain and by htmx: the message is next to its field, what was typed is
    still in the form, and nothing is written. (One test for all cases: each test costs a database.)"""
    before = row_counts()
    for (values, field, message), htmx in itertools.product(BAD_INPUT, (False, True)):
        case = f"{values!r} ({'htmx' if htmx else 'plain'})"
        data = intake_data(facility_a, full_name="Sari Wulandari Rekaan", alias="Sari Kecil",
                           nik="3171011234567890", kota_of_origin="Kabupaten Garut")
        data.update({k: v for k, v in values.items() if v is not None})
        for k, v in values.items():
            if v is None:
                data.pop(k, None)
        if htmx:
            response = as_intake.htmx("POST", "/residents/new", data=data)
            assert response.status_code == 200, case
            assert "<html" not in response.get_data(as_text=True), case  # the form alone
        else:
            response = as_intake.post("/residents/new", data=data)
            assert response.status_code == 422, case
        html = response.get_data(as_text=True)
        assert message in field_error(html, field), f"{case}: {field_error(html, field)!r}"
        assert row_counts() == before, case
        assert 'value="Kabupaten Garut"' in html, case  # what was typed is still there
        if field != "nik":
            assert 'value="3171011234567890"' in html, case
        if field != "full_name":
            assert 'value="Sari Wulandari Rekaan"' in html, case
        assert "HX-Redirect" not in response.headers, case


def test_all_problems_are_shown_at_once(as_intake, facility_a):
    data = intake_data(facility_a, full_name="", nik="1", birth_date=TOMORROW)
    response = as_intake.post("/residents/new", data=data)
    html = response.get_data(as_text=True)
    assert field_error(html, "full_name") and field_error(html, "nik") and field_error(html, "birth_date")


def test_a_facility_outside_the_users_own_is_refused(as_intake, facility_a, facility_b):
    before = row_counts()
    response = as_intake.post("/residents/new", data=intake_data(facility_b))
    assert response.status_code == 422
    assert "Choose the facility" in field_error(response.get_data(as_text=True), "facility_id")
    assert row_counts() == before


def test_intake_roles_may_open_the_form(app, make_user, facility_a):
    for role in ("admin", "intake_staff", "case_manager", "facility_manager"):
        client = app.test_client()
        assert login(client, make_user(roles=(role,), facilities=[facility_a])).status_code == 302
        assert client.get("/residents/new").status_code == 200, role


def test_caseworkers_do_not_register_residents(login_as, caseworker_a, facility_a):
    client = login_as(caseworker_a)
    assert client.get("/residents/new").status_code == 404
    before = row_counts()
    assert client.post("/residents/new", data=intake_data(facility_a)).status_code == 404
    assert row_counts() == before


def test_a_user_without_facilities_is_told_and_cannot_register(make_user, login_as, facility_a):
    client = login_as(make_user(roles=("intake_staff",), facilities=[]))
    assert "not assigned to any facility" in client.get("/residents/new").get_data(as_text=True)
    before = row_counts()
    assert client.post("/residents/new", data=intake_data(facility_a)).status_code == 422
    assert row_counts() == before


# --- likely duplicates ----------------------------------------------------------------------------------

def seen_ids(html: str) -> str:
    match = re.search(r'name="seen_duplicates" type="hidden" value="([0-9,]*)"', html) or re.search(
        r'name="seen_duplicates" value="([0-9,]*)"', html)
    assert match, "no seen_duplicates field"
    return match.group(1)


@pytest.mark.parametrize("existing, typed", [
    # same NIK, different everything else
    ({"full_name": "Orang Lain Sekali", "nik": "3171011234567890", "birth_date": date(1970, 1, 1)},
     {"nik": "3171011234567890"}),
    # same name and birth date
    ({"full_name": "Sari Wulandari Rekaan", "birth_date": date(1990, 5, 1)}, {}),
    # similar name and age
    ({"full_name": "Sari Wulandari", "birth_date": None, "estimated_age": 34}, {"full_name": "Sari W. Rekaan"}),
], ids=["same-nik", "same-name-and-birth-date", "similar-name-and-age"])
def test_likely_duplicates_are_shown_before_anything_is_created(as_intake, facility_a, make_resident, existing,
                                                               typed):
    twin = make_resident(facility_a, **existing)
    data = intake_data(facility_a, **typed)
    for htmx in (False, True):
        post = (lambda d: as_intake.htmx("POST", "/residents/new", data=d)) if htmx else (
            lambda d: as_intake.post("/residents/new", data=d))
        response = post(data)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "This person may already be registered" in html
        assert f'href="/residents/{twin.id}"' in html and twin.full_name in html
        assert "This is a different person — register anyway" in html
        assert count_rows(Resident) == 1
        assert seen_ids(html) == str(twin.id)
        # Submitting again without confirming shows them again.
        assert "This person may already be registered" in post(data).get_data(as_text=True)
        assert count_rows(Resident) == 1
    # Confirming creates the record.
    response = as_intake.htmx("POST", "/residents/new",
                              data={**data, "seen_duplicates": seen_ids(html), "confirm": "different"})
    assert response.status_code == 200 and response.headers["HX-Redirect"].startswith("/residents/")
    assert count_rows(Resident) == 2


def test_a_confirmation_covers_only_the_candidates_shown(as_intake, facility_a, make_resident):
    first = make_resident(facility_a, full_name="Sari Wulandari Rekaan", birth_date=date(1990, 5, 1))
    html = as_intake.post("/residents/new", data=intake_data(facility_a)).get_data(as_text=True)
    assert seen_ids(html) == str(first.id)
    # Meanwhile someone registers another match: the old confirmation does not cover it.
    second = make_resident(facility_a, full_name="Sari Wulandari Rekaan", birth_date=date(1990, 5, 1))
    response = as_intake.post("/residents/new", data={**intake_data(facility_a), "seen_duplicates": str(first.id),
                                                      "confirm": "different"})
    assert response.status_code == 200
    assert f'href="/residents/{second.id}"' in response.get_data(as_text=True)
    assert count_rows(Resident) == 2


def test_duplicates_outside_the_users_scope_are_not_revealed(as_intake, facility_a, facility_b, make_resident):
    make_resident(facility_b, full_name="Sari Wulandari Rekaan", birth_date=date(1990, 5, 1), nik="3171011234567890")
    response = as_intake.post("/residents/new", data=intake_data(facility_a, nik="3171011234567890"))
    assert response.status_code == 302
    assert count_rows(Resident) == 2


# --- mother and children ---------------------------------------------------------------------------------

def test_a_child_is_linked_to_her_mother_both_ways(as_intake, facility_a, make_resident):
    mother = make_resident(facility_a, full_name="Ibu Rekaan Utama", birth_date=date(1988, 1, 2))
    form = as_intake.get(f"/residents/new?guardian={mother.id}").get_data(as_text=True)
    assert re.search(rf'name="guardian_id" value="{mother.id}" checked', form)
    response = as_intake.post("/residents/new", data=intake_data(
        facility_a, full_name="Anak Rekaan Kecil", alias="", birth_date="2019-06-01", guardian_id=str(mother.id)))
    assert response.status_code == 302
    child = db.session.query(Resident).filter_by(full_name="Anak Rekaan Kecil").one()
    assert child.guardian_id == mother.id
    child_page = as_intake.get(f"/residents/{child.id}").get_data(as_text=True)
    assert f'href="/residents/{mother.id}">Ibu Rekaan Utama</a>' in child_page
    mother_page = as_intake.get(f"/residents/{mother.id}").get_data(as_text=True)
    assert f'href="/residents/{child.id}">Anak Rekaan Kecil</a>' in mother_page


def test_a_guardian_outside_the_scope_is_refused(as_intake, facility_a, facility_b, make_resident):
    elsewhere = make_resident(facility_b, full_name="Ibu Di Tempat Lain")
    before = row_counts()
    response = as_intake.post("/residents/new", data=intake_data(
        facility_a, full_name="Anak Rekaan", birth_date="2019-06-01", guardian_id=str(elsewhere.id)))
    assert response.status_code == 422
    assert "Choose the mother or guardian" in field_error(response.get_data(as_text=True), "guardian_id")
    assert row_counts() == before
    # ?guardian= with an id outside the scope is ignored.
    assert "Ibu Di Tempat Lain" not in as_intake.get(f"/residents/new?guardian={elsewhere.id}").get_data(as_text=True)


def test_the_guardian_search_offers_only_residents_in_scope(as_intake, facility_a, facility_b, make_resident):
    mine = make_resident(facility_a, full_name="Ibu Kartini Rekaan")
    make_resident(facility_b, full_name="Ibu Kartika Rahasia")
    response = as_intake.htmx("POST", "/residents/guardian-search", data={"guardian_q": "ibu kart"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{mine.id}"' in html and "Ibu Kartini Rekaan" in html
    assert "Rahasia" not in html
    assert 'value=""' in html  # "no mother or guardian" stays available
    nothing = as_intake.htmx("POST", "/residents/guardian-search", data={"guardian_q": "zzzz"}).get_data(as_text=True)
    assert "Nobody in your facilities matches" in nothing
