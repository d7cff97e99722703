"""Issue 9, finding 8: text that lies. A NIK in full-width digits was stored as typed (so the duplicate
check missed the same NIK in ASCII), and names took U+202E (right-to-left override) and U+200B
(zero-width space). One-line fields are NFKC-normalised before they are checked and stored, and refuse
characters nobody can see (``shelter.text``)."""

from __future__ import annotations

import unicodedata

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter.extensions import db
from shelter.residents.models import FamilyContact, NoContactPerson, Resident
from tests.conftest import login
from tests.residents.helpers import field_error, intake_data, row_counts

NIK = "3171011234567890"
FULL_WIDTH_NIK = "".join(chr(0xFF10 + int(d)) for d in NIK)  # "３１７１…"
RLO, ZWSP = "\u202e", "\u200b"


@pytest.fixture
def as_intake(login_as, intake_a):
    return login_as(intake_a)


def residents() -> list[Resident]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Resident).order_by(Resident.id)))


def test_a_full_width_nik_is_stored_as_ascii_digits(as_intake, facility_a):
    response = as_intake.post("/residents/new", data=intake_data(facility_a, nik="１２３４ ５６７８-９０１２.３４５６"))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [resident] = residents()
    assert resident.nik == "1234567890123456"


def test_a_full_width_nik_finds_the_resident_with_the_same_ascii_nik(as_intake, facility_a, make_resident):
    existing = make_resident(facility_a, full_name="Warga Lama Rekaan", nik=NIK)
    data = intake_data(facility_a, full_name="Nama Yang Berbeda", birth_date="1975-01-01", nik=FULL_WIDTH_NIK)
    response = as_intake.post("/residents/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'name="seen_duplicates" type="hidden" value="{existing.id}"' in html
    assert [r.id for r in residents()] == [existing.id]  # nothing registered before the user confirms


def test_the_residents_search_finds_a_nik_typed_in_full_width(as_intake, facility_a, make_resident):
    make_resident(facility_a, full_name="Warga Dicari Rekaan", nik=NIK)
    html = as_intake.get("/residents/", query_string={"q": FULL_WIDTH_NIK}).get_data(as_text=True)
    assert "Warga Dicari Rekaan" in html


@pytest.mark.parametrize("field", ["full_name", "alias", "kota_of_origin"])
@pytest.mark.parametrize("hidden", [RLO, ZWSP, "\ufeff", "\u2066", "\ue000"])
def test_hidden_characters_in_a_name_are_refused_next_to_the_field(as_intake, facility_a, field, hidden):
    typed = f"Sari{hidden}Rekaan"
    before = row_counts()
    response = as_intake.post("/residents/new", data=intake_data(facility_a, **{field: typed}))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "hidden characters or text direction controls" in field_error(html, field)
    assert f'value="{typed}"' in html  # what was typed is kept
    assert row_counts() == before


def test_the_message_is_in_indonesian(client, intake_a, facility_a):
    login(client, intake_a)
    html = client.post("/residents/new", data=intake_data(facility_a, full_name=f"Sari{RLO}nakeR")).get_data(
        as_text=True)
    assert "Nama berisi karakter tersembunyi atau pengendali arah teks." in field_error(html, "full_name")


@pytest.mark.parametrize("url, data, field", [
    ("contacts", {"contact-name": f"Paman{ZWSP}", "contact-relationship": "paman"}, "contact-name"),
    ("contacts", {"contact-name": "Paman", "contact-relationship": f"pa{RLO}man"}, "contact-relationship"),
    ("no-contact", {"nocontact-name": f"Su{RLO}ami"}, "nocontact-name"),
])
def test_hidden_characters_in_contacts_are_refused(as_intake, facility_a, make_resident, url, data, field):
    resident = make_resident(facility_a)
    response = as_intake.htmx("POST", f"/residents/{resident.id}/{url}", data=data)
    assert "hidden characters" in field_error(response.get_data(as_text=True), field)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FamilyContact)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NoContactPerson)) == 0


def test_a_contact_name_in_full_width_letters_is_stored_plain(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a)
    as_intake.post(f"/residents/{resident.id}/contacts", data={"contact-name": "Ｐａｍａｎ Ｂｕｄｉ"})
    db.session.expire_all()
    assert db.session.scalar(sa.select(FamilyContact.name)) == "Paman Budi"


def test_the_guardian_search_ignores_hidden_characters(as_intake, facility_a, make_resident):
    make_resident(facility_a, full_name="Ibu Wali Rekaan")
    html = as_intake.htmx("POST", "/residents/guardian-search", data={"guardian_q": f"Ibu{ZWSP} Wali"}).get_data(
        as_text=True)
    assert "Ibu Wali Rekaan" not in html
    html = as_intake.htmx("POST", "/residents/guardian-search", data={"guardian_q": "Ｉｂｕ Ｗａｌｉ"}).get_data(
        as_text=True)
    assert "Ibu Wali Rekaan" in html


FORBIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn"}
names = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40),
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=10, alphabet=st.characters(blacklist_categories=("Cs",))),
              st.sampled_from([RLO, ZWSP, "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u2069", "\x00",
                               "\u2028", "\U000e0001", "\U0010fffd", "ｆｕｌｌ", "ﬁ", "Ⅻ"]),
              st.text(max_size=10, alphabet=st.characters(blacklist_categories=("Cs",)))),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(full_name=names, alias=names)
def test_random_names_never_give_a_500_and_never_store_an_invisible_character(as_intake, facility_a,
                                                                              full_name, alias):
    response = as_intake.post("/residents/new", data={**intake_data(facility_a, full_name=full_name, alias=alias),
                                                      "confirm": "different"})
    assert response.status_code in (200, 302, 422)
    for resident in residents():
        for stored in (resident.full_name, resident.alias or ""):
            assert not {unicodedata.category(ch) for ch in stored} & FORBIDDEN, repr(stored)
            assert stored == unicodedata.normalize("NFKC", stored)
