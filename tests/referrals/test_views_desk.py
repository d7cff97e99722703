"""The referral desk's pages: recording a referral from a call, the list with its tabs, and scope."""

from __future__ import annotations

import sqlalchemy as sa

from shelter.extensions import db
from shelter.referrals.models import Referral
from tests.conftest import counting_statements, page_of
from tests.referrals.conftest import deadline


def referral_count() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(Referral))


def form_data(partner_id, **overrides) -> dict:
    data = {"partner_id": str(partner_id), "partner_reference": "LP/77/XII", "referred_at": "",
            "urgency": "emergency", "sex": "female", "age": "29", "age_band": "",
            "children-0-age": "4", "children-0-sex": "male", "children-1-age": "7", "children-1-sex": "female",
            "consent_by": "person", "consent_method": "phone", "summary": "Korban KDRT, perlu tempat malam ini.",
            "officer_name": "Bripka Sari Rekaan", "officer_phone": "0812-5550-1234"}
    data.update(overrides)
    return data


def test_bad_input_shows_messages_next_to_the_fields_keeps_what_was_typed_and_saves_nothing(
        login_in_english, case_manager, partner):
    client = login_in_english(case_manager)
    before = referral_count()
    # A child consenting alone, an age that contradicts the category, a child row without a sex,
    # an unknown partner and a phone number that is not one.
    response = client.post("/referrals/new", data=form_data(
        2_000_000, age="15", consent_by="person", categories="adult_domestic_violence",
        **{"children-1-sex": ""}, officer_phone="12ab", summary="Ditemukan di halte."))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the referring partner from the list." in html
    assert "A child cannot consent alone" in html
    assert "An adult&#39;s category was chosen for a child" in html or "An adult's category was chosen" in html
    assert "Give this child&#39;s age and sex." in html or "Give this child's age and sex." in html
    assert "This is not a valid phone number." in html
    assert 'value="Ditemukan di halte."' in html or "Ditemukan di halte.</textarea>" in html
    assert 'value="12ab"' in html
    assert referral_count() == before


def test_a_referral_recorded_from_a_call_opens_its_page_with_possible_duplicates(
        client, login_as, case_manager, partner, make_resident, make_facility):
    home = case_manager.facilities[0]
    known = make_resident(home, full_name="Siti Rekaan Aminah", nik="3175014101950001")
    login_as(case_manager)
    response = client.post("/referrals/new", data=form_data(partner.id, person_name="Siti Rekaan Aminah",
                                                            person_nik="3175014101950001"))
    assert response.status_code == 302
    referral = db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()
    assert response.headers["Location"].endswith(f"/referrals/{referral.id}")
    assert "Siti" not in response.headers["Location"]
    assert [(c.age, c.sex) for c in referral.children] == [(4, "male"), (7, "female")]
    assert referral.case_manager_id == case_manager.id
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert f'/residents/{known.id}"' in page and "id=\"duplicates\"" in page
    assert "Bripka Sari Rekaan" in page and "+6281255501234" in page
    assert "Rujukan diterima" in page  # the history, in Indonesian by default


def test_the_list_shows_needs_not_names_and_filters_by_tab(client, login_as, case_manager, make_referral,
                                                          make_partner):
    anonymous = make_referral(by=case_manager, children=[(4, "male")], urgency="days")
    named = make_referral(by=case_manager, person_name="Rina Rekaan Bernama")
    closed = make_referral(by=case_manager)
    from shelter.referrals import service
    service.close(closed, outcome="unreachable", by=case_manager)
    db.session.commit()
    login_as(case_manager)
    html = client.get("/referrals/").get_data(as_text=True)
    assert f'id="referral-{anonymous.id}"' in html and f'id="referral-{named.id}"' in html and f'id="referral-{closed.id}"' not in html
    assert "Rina Rekaan Bernama" in html and "laki-laki, 4 th" in html
    closed_tab = client.get("/referrals/?view=closed").get_data(as_text=True)
    assert f'id="referral-{closed.id}"' in closed_tab and f'id="referral-{anonymous.id}"' not in closed_tab
    urgent = client.get("/referrals/?urgency=days", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'id="referral-{anonymous.id}"' in urgent and f'id="referral-{named.id}"' not in urgent and "<html" not in urgent
    other = make_partner()
    assert "Tidak ada rujukan yang sesuai" in client.get(f"/referrals/?partner={other.id}").get_data(as_text=True)


def test_the_list_issues_the_same_statements_for_2_and_20_referrals(client, login_as, case_manager, make_referral):
    for n in range(2):
        make_referral(by=case_manager, children=[(3, "female")] * (n + 1))
    login_as(case_manager)

    def statements(url) -> int:
        client.get(url)  # warm up
        with counting_statements() as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    few = {url: statements(url) for url in ("/referrals/", "/referrals/?view=all", "/referrals/?view=waitlist")}
    for n in range(18):
        make_referral(by=case_manager, children=[(5, "male")] * (n % 3), person_name=f"Nama Rekaan {n}")
    assert {url: statements(url) for url in few} == few


def test_a_panti_case_manager_gets_404_on_a_referral_placed_in_a_rumah_aman(
        client, login_as, make_facility, make_room, make_bed, make_user, make_referral, admin, intake_of):
    from shelter.referrals import acceptance, service

    safe = make_facility(name="Rumah Aman Rekaan Melati", kind="rumah_aman", code="RAM-1")
    make_bed(make_room(safe, sex="female", age_group="adult"), label="RA1")
    panti_cm = make_user(roles=("case_manager",), facilities=[make_facility(name="Panti Rekaan Biasa")])
    referral = make_referral(by=admin)
    offer = service.offer(referral, safe, by=admin, respond_by=deadline())
    acceptance.accept(offer, acceptance.Acceptance(person=acceptance.PersonChoice(name="Wati Rekaan")),
                      by=intake_of(safe), visible_resident=lambda _id: None)
    db.session.commit()
    missing = login_as(panti_cm).get("/referrals/2000000000")
    for url in (f"/referrals/{referral.id}", f"/referrals/{referral.id}/placement",
                f"/referrals/offers/{offer.id}"):
        response = client.get(url)
        assert response.status_code == 404 and page_of(response) == page_of(missing), url
    listed = client.get("/referrals/?view=all").get_data(as_text=True)
    assert f'id="referral-{referral.id}"' not in listed and "Melati" not in listed
    assert client.post(f"/referrals/{referral.id}/close", data={"outcome": "unreachable"}).status_code == 404


def test_a_user_sent_to_change_their_password_first_gets_no_menu_counts_request(client, login_as, case_manager):
    """Every other request turns such a user back to the password page; a counts request from the menu
    would reload that page over and over."""
    case_manager.must_change_password = True
    db.session.commit()
    page = login_as(case_manager).get("/account/password", follow_redirects=True).get_data(as_text=True)
    assert "menu-counts" not in page
    case_manager.must_change_password = False
    db.session.commit()
    assert "menu-counts" in client.get("/").get_data(as_text=True)
