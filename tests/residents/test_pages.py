"""The residents list, the resident page (audited, with its timeline), edits and contacts — all scoped."""

from __future__ import annotations

import itertools
import re
from datetime import date

import pytest

from shelter.extensions import db
from shelter.residents import service
from shelter.residents.models import FamilyContact, NoContactPerson, Resident
from shelter.residents.service import ResidentInput
from shelter.stays import service as stays
from tests.conftest import login
from tests.residents.helpers import (audit_events, count_rows, counting_statements, field_error, intake_data,
                                     row_counts)


@pytest.fixture
def as_intake(login_as, intake_a):
    return login_as(intake_a)


def table_names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/residents/\d+">([^<]+)</a></td>', html)


# --- the list ------------------------------------------------------------------------------------------

def test_the_list_shows_only_residents_in_scope(login_as, caseworker_a, facility_a, facility_b, make_resident,
                                               make_bed, make_room, intake_a):
    mine = make_resident(facility_a, full_name="Ani Rekaan", alias="Ani", risk_level="high")
    theirs = make_resident(facility_b, full_name="Budi Rahasia")
    # Admitted to a bed in facility A: the list says where they sleep.
    bed = make_bed(room=make_room(facility=facility_a, name="Melati"), label="M-01")
    stays.admit(mine, bed, by=intake_a)
    db.session.commit()
    client = login_as(caseworker_a)
    html = client.get("/residents/").get_data(as_text=True)
    assert table_names(html) == ["Ani Rekaan"]
    assert "Budi Rahasia" not in html and f"/residents/{theirs.id}" not in html
    assert "bed M-01 (Melati)" in html and "Panti Sosial Uji A" in html and "High risk" in html
    # A resident once admitted to A (now elsewhere) stays in A's scope; B's other residents do not.
    searched = client.post("/residents/", data={"q": "budi"}).get_data(as_text=True)
    assert table_names(searched) == [] and "No residents match this search." in searched


def test_search_by_name_alias_and_exact_nik(as_intake, facility_a, make_resident):
    make_resident(facility_a, full_name="Siti Aminah Rekaan", alias="Mina", nik="3171011234567890")
    make_resident(facility_a, full_name="Dewi Lestari Rekaan", alias="Dede")

    def search(q, **extra):
        return table_names(as_intake.htmx("POST", "/residents/", data={"q": q, **extra}).get_data(as_text=True))

    assert search("aminah") == ["Siti Aminah Rekaan"]
    assert search("rekaan") == ["Dewi Lestari Rekaan", "Siti Aminah Rekaan"]
    assert search("DEDE") == ["Dewi Lestari Rekaan"]
    assert search("3171 0112 3456 7890") == ["Siti Aminah Rekaan"]
    assert search("317101123456") == []  # only the whole NIK finds someone
    assert search("100%_") == []


def test_a_search_in_the_query_string_is_ignored(as_intake, facility_a, make_resident):
    make_resident(facility_a, full_name="Siti Aminah Rekaan")
    make_resident(facility_a, full_name="Dewi Lestari Rekaan")
    html = as_intake.get("/residents/?q=siti").get_data(as_text=True)
    assert len(table_names(html)) == 2


def test_filters_by_stay_and_facility(as_intake, intake_a, facility_a, make_resident, make_bed, make_room):
    room = make_room(facility=facility_a)
    staying = make_resident(facility_a, full_name="Sedang Tinggal")
    gone = make_resident(facility_a, full_name="Sudah Keluar")
    make_resident(facility_a, full_name="Belum Masuk")
    stays.admit(staying, make_bed(room=room), by=intake_a)
    stay = stays.admit(gone, make_bed(room=room), by=intake_a)
    db.session.flush()
    stays.discharge(stay, outcome="reunified", by=intake_a)
    db.session.commit()

    def names(**data):
        return table_names(as_intake.htmx("POST", "/residents/", data=data).get_data(as_text=True))

    assert names(status="staying") == ["Sedang Tinggal"]
    assert names(status="discharged") == ["Sudah Keluar"]
    assert names(status="never") == ["Belum Masuk"]
    assert names(status="staying", facility=str(facility_a.id)) == ["Sedang Tinggal"]
    assert len(names(facility=str(facility_a.id))) == 3
    assert as_intake.get("/residents/?status=never").status_code == 200
    bad = as_intake.htmx("POST", "/residents/", data={"facility": "99999"}).get_data(as_text=True)
    assert "Choose a facility from the list." in bad


def test_the_list_pages_by_25(as_intake, facility_a, make_resident):
    for i in range(30):
        make_resident(facility_a, full_name=f"Penghuni {i:02d}")
    first = as_intake.get("/residents/").get_data(as_text=True)
    assert len(table_names(first)) == 25 and "Page 1 of 2" in first and "30 residents" in first
    assert 'form="residents-filter" name="page" value="2"' in first
    second = as_intake.htmx("POST", "/residents/", data={"page": "2"}).get_data(as_text=True)
    assert table_names(second) == [f"Penghuni {i}" for i in range(25, 30)]
    assert second.lstrip().startswith('<div id="residents-table">')
    assert as_intake.htmx("POST", "/residents/", data={"page": "999999999999"}).status_code == 200


def test_the_empty_list_says_so(as_intake):
    assert "No residents registered in your facilities yet." in as_intake.get("/residents/").get_data(as_text=True)


# --- scope on every resident endpoint -------------------------------------------------------------------

def resident_endpoints(resident_id: int, contact_id: int, person_id: int):
    return [
        ("GET", f"/residents/{resident_id}", None),
        ("GET", f"/residents/{resident_id}/edit", None),
        ("POST", f"/residents/{resident_id}/edit", {"full_name": "Diganti", "sex": "female",
                                                    "birth_date": "1990-01-01", "risk_level": "low", "version": "1"}),
        ("GET", f"/residents/{resident_id}/contacts/new", None),
        ("GET", f"/residents/{resident_id}/no-contact/new", None),
        ("POST", f"/residents/{resident_id}/contacts", {"contact-name": "Paman"}),
        ("POST", f"/residents/{resident_id}/contacts/{contact_id}/delete", {}),
        ("POST", f"/residents/{resident_id}/no-contact", {"nocontact-name": "Suami"}),
        ("POST", f"/residents/{resident_id}/no-contact/{person_id}/delete", {}),
    ]


def test_a_resident_of_another_facility_is_a_404_everywhere(login_as, caseworker_a, facility_b, make_resident):
    other = make_resident(facility_b, full_name="Orang Rahasia")
    db.session.add_all([FamilyContact(resident_id=other.id, name="Kakak"),
                        NoContactPerson(resident_id=other.id, name="Pelaku")])
    db.session.commit()
    contact_id = db.session.query(FamilyContact.id).scalar()
    person_id = db.session.query(NoContactPerson.id).scalar()
    client = login_as(caseworker_a)
    before = row_counts()
    for (method, url, data), htmx in itertools.product(resident_endpoints(other.id, contact_id, person_id),
                                                       (False, True)):
        response = client.htmx(method, url, data=data) if htmx else client.open(url, method=method, data=data)
        assert response.status_code == 404, (method, url)
        assert "Orang Rahasia" not in response.get_data(as_text=True)
    assert row_counts() == before  # not even a view was recorded
    assert client.get("/residents/2147483648").status_code == 404


def test_a_contact_of_another_resident_is_a_404(as_intake, facility_a, make_resident):
    mine, also_mine = make_resident(facility_a), make_resident(facility_a)
    db.session.add(FamilyContact(resident_id=also_mine.id, name="Kakak"))
    db.session.commit()
    contact_id = db.session.query(FamilyContact.id).scalar()
    assert as_intake.post(f"/residents/{mine.id}/contacts/{contact_id}/delete").status_code == 404
    assert count_rows(FamilyContact) == 1


# --- the resident page --------------------------------------------------------------------------------

def test_every_view_of_a_resident_page_is_audited(as_intake, intake_a, facility_a, make_resident):
    resident = make_resident(facility_a, full_name="Ratna Rekaan", nik="3171011234567890")
    for expected in (1, 2, 3):
        response = as_intake.get(f"/residents/{resident.id}")
        assert response.status_code == 200
        events = audit_events("resident.viewed")
        assert len(events) == expected
    event = events[-1]
    assert (event.actor_id, event.target_type, event.target_id, event.facility_id) == (
        intake_a.id, "residents", resident.id, facility_a.id)
    assert "Ratna" not in str(event.detail) and "3171011234567890" not in str(event.detail)


def test_the_page_shows_details_contacts_and_the_no_contact_warning(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a, full_name="Ratna Rekaan", alias="Nana", nik="3171011234567890",
                             disabilities="Hearing impairment", risk_level="high",
                             categories=["adult_domestic_violence"])
    db.session.add(NoContactPerson(resident_id=resident.id, name="Joko Pelaku", relationship_to_resident="husband",
                                   description="Drives a red motorbike"))
    db.session.commit()
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    for text in ("Ratna Rekaan", "called Nana", "3171011234567890", "Hearing impairment", "High risk",
                 "Domestic violence (KDRT)", "Joko Pelaku", "Drives a red motorbike", "Do not let these people in",
                 "Never admitted to a facility."):
        assert text in html, text
    # The warning comes before everything else about the resident.
    assert html.index("Joko Pelaku") < html.index("Hearing impairment")


def test_the_timeline_shows_admission_transfer_and_discharge(as_intake, intake_a, facility_a, make_facility,
                                                            make_room, make_bed, make_resident):
    resident = make_resident(facility_a, full_name="Ratna Rekaan")
    other = make_facility(name="Panti Sosial Uji Kedua")
    first_bed = make_bed(room=make_room(facility=facility_a, name="Melati"), label="M-01")
    second_bed = make_bed(room=make_room(facility=facility_a, name="Mawar"), label="W-02")
    third_bed = make_bed(room=make_room(facility=other, name="Anggrek"), label="A-03")
    stay = stays.admit(resident, first_bed, by=intake_a)
    db.session.commit()
    stays.transfer(stay, second_bed, by=intake_a)  # within the facility: same stay, new bed
    db.session.commit()
    new_stay = stays.transfer(stay, third_bed, by=intake_a)  # to another facility: a new stay
    db.session.commit()
    stays.discharge(new_stay, outcome="returned_home_region", note="Dipulangkan ke Garut", by=intake_a)
    # Staff of both facilities see both stays in full (the episode rule: tests/test_access_episodes.py
    # shows what staff of one of them see).
    intake_a.facilities.append(other)
    db.session.commit()

    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline"'):]
    for text in ("Panti Sosial Uji A", "Panti Sosial Uji Kedua", "Bed M-01, room Melati", "Bed W-02, room Mawar",
                 "Bed A-03, room Anggrek", "transferred from Panti Sosial Uji A", "Moved to another facility",
                 "Returned to home region (pemulangan)", "Dipulangkan ke Garut", intake_a.full_name, "WIB"):
        assert text in timeline, text
    assert timeline.count('<li class="stay') == 2
    # Newest first.
    assert timeline.index("Panti Sosial Uji Kedua") < timeline.index("Bed M-01")


def test_an_over_capacity_placement_shows_its_reason(as_intake, intake_a, facility_a, make_resident):
    resident = make_resident(facility_a)
    stays.admit(resident, None, by=intake_a, over_capacity_facility=facility_a,
                override_reason="Dibawa tim outreach malam hari")
    db.session.commit()
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Over capacity" in html and "Dibawa tim outreach malam hari" in html and "No bed assigned." in html


def test_stay_actions_follow_what_the_user_may_do_in_the_facility(app, as_intake, intake_a, caseworker_a,
                                                                  facility_a, make_user, make_resident, make_bed,
                                                                  make_room):
    resident = make_resident(facility_a)
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Admit to a bed" in html
    assert "Discharge</a>" not in html  # nothing to discharge yet
    stay = stays.admit(resident, make_bed(room=make_room(facility=facility_a)), by=intake_a)
    db.session.commit()
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Admit to a bed" not in html
    with app.test_request_context():
        from flask import url_for
        for name in ("transfer_form", "discharge_form"):
            assert f'href="{url_for(f"stays.{name}", stay_id=stay.id)}"' in html
    # A caseworker does not admit, move or discharge; a case manager places people but does not
    # move or discharge them (the stays pages would answer 404): no such links for either.
    case_manager = make_user(roles=("case_manager",), facilities=[facility_a])
    for user in (caseworker_a, case_manager):
        other_client = app.test_client()
        assert login(other_client, user).status_code == 302
        other_client.post("/language", data={"locale": "en", "next": "/"})
        html = other_client.get(f"/residents/{resident.id}").get_data(as_text=True)
        assert resident.full_name in html
        assert "Transfer</a>" not in html and "Discharge</a>" not in html


def test_the_page_shows_the_latest_stays_and_loads_the_rest_on_request(as_intake, intake_a, facility_a, make_room,
                                                                      make_bed, make_resident):
    from shelter.residents.queries import TIMELINE_RECENT

    resident = make_resident(facility_a)
    room = make_room(facility=facility_a)
    total = TIMELINE_RECENT + 2
    for _ in range(total):
        stay = stays.admit(resident, make_bed(room=room), by=intake_a)
        db.session.flush()
        stays.discharge(stay, outcome="left_without_notice", by=intake_a)
        db.session.commit()
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert html.count('<li class="stay') == TIMELINE_RECENT and "Show the whole history" in html
    viewed = len(audit_events("resident.viewed"))
    fragment = as_intake.htmx("GET", f"/residents/{resident.id}/timeline").get_data(as_text=True)
    assert fragment.lstrip().startswith('<section class="panel timeline"')
    assert fragment.count('<li class="stay') == total and "Show the whole history" not in fragment
    events = audit_events("resident.viewed")
    assert len(events) == viewed + 1 and events[-1].detail == {"part": "timeline"}
    # Without htmx: the page with the whole history.
    whole = as_intake.get(f"/residents/{resident.id}/timeline", follow_redirects=True).get_data(as_text=True)
    assert whole.count('<li class="stay') == total
    with counting_statements() as few:
        as_intake.htmx("GET", f"/residents/{resident.id}/timeline")
    other = make_resident(facility_a)
    stays.admit(other, make_bed(room=room), by=intake_a)
    db.session.commit()
    with counting_statements() as one:
        as_intake.htmx("GET", f"/residents/{other.id}/timeline")
    assert len(few) == len(one)


def _statements_for(client, url, method="GET", data=None) -> int:
    client.open(url, method=method, data=data)  # warm up (first-request caches)
    with counting_statements() as statements:
        response = client.open(url, method=method, data=data)
    assert response.status_code == 200
    return len(statements)


def test_the_resident_page_issues_the_same_statements_for_1_and_10_stays(as_intake, intake_a, facility_a,
                                                                        make_room, make_bed, make_resident):
    room = make_room(facility=facility_a)
    counts = []
    for n in (1, 10):
        resident = make_resident(facility_a)
        for i in range(n):
            stay = stays.admit(resident, make_bed(room=room), by=intake_a)
            db.session.flush()
            stays.transfer(stay, make_bed(room=room), by=intake_a)
            db.session.flush()
            stays.discharge(stay, outcome="other", by=intake_a)
            db.session.commit()
        db.session.add_all([FamilyContact(resident_id=resident.id, name=f"Kontak {i}") for i in range(n)])
        db.session.commit()
        counts.append(_statements_for(as_intake, f"/residents/{resident.id}"))
    assert counts[0] == counts[1], counts


def test_the_list_issues_the_same_statements_for_1_and_10_residents(as_intake, intake_a, facility_a, make_room,
                                                                   make_bed, make_resident):
    room = make_room(facility=facility_a)
    counts = []
    for n in (1, 9):
        for i in range(n):
            resident = make_resident(facility_a)
            stays.admit(resident, make_bed(room=room), by=intake_a)
            db.session.commit()
        counts.append(_statements_for(as_intake, "/residents/"))
        counts.append(_statements_for(as_intake, "/residents/", method="POST", data={"q": "penghuni"}))
    assert counts[0] == counts[2] and counts[1] == counts[3], counts


# --- edit ---------------------------------------------------------------------------------------------------

def edit_data(resident, **values) -> dict:
    data = {"full_name": resident.full_name, "alias": resident.alias or "", "sex": resident.sex,
            "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
            "estimated_age": resident.estimated_age or "", "nik": resident.nik or "",
            "kota_of_origin": resident.kota_of_origin or "", "risk_level": resident.risk_level,
            "disabilities": resident.disabilities or "", "version": str(resident.version)}
    data.update(values)
    return data


def test_an_edit_is_saved_and_audited_by_field_name(as_intake, intake_a, facility_a, make_resident):
    resident = make_resident(facility_a, full_name="Ratna Rekaan")
    form = as_intake.get(f"/residents/{resident.id}/edit").get_data(as_text=True)
    assert 'value="Ratna Rekaan"' in form and 'name="version" type="hidden" value="1"' in form
    response = as_intake.post(f"/residents/{resident.id}/edit", data=edit_data(
        resident, full_name="Ratna Sari Rekaan", risk_level="high", categories=["adult_sexual_violence"]))
    assert response.status_code == 302
    db.session.expire_all()
    resident = db.session.get(Resident, resident.id)
    assert resident.full_name == "Ratna Sari Rekaan" and resident.risk_level == "high" and resident.version == 2
    assert [r.category for r in resident.category_rows] == ["adult_sexual_violence"]
    (event,) = audit_events("resident.updated")
    assert sorted(event.detail["fields"]) == ["categories", "full_name", "risk_level"]
    assert "Ratna" not in str(event.detail)
    assert "Changes saved." in as_intake.get(response.headers["Location"]).get_data(as_text=True)


def test_a_category_only_edit_moves_the_version_on(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a, categories=["ppks_homeless"])
    data = edit_data(resident, categories=["ppks_homeless", "ppks_street_child"])
    assert as_intake.post(f"/residents/{resident.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Resident, resident.id)
    assert saved.version == 2
    assert sorted(r.category for r in saved.category_rows) == ["ppks_homeless", "ppks_street_child"]
    # The same form posted again is stale now.
    response = as_intake.post(f"/residents/{resident.id}/edit", data={**data, "categories": ["ppks_beggar"]})
    assert response.status_code == 409


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_stale_edit_is_refused_and_nothing_is_overwritten(as_intake, intake_a, facility_a, make_resident, htmx):
    resident = make_resident(facility_a, full_name="Ratna Rekaan")
    opened = edit_data(resident)  # the form as it was opened, at version 1
    # Someone else saves first.
    service.update(resident, ResidentInput(full_name="Ratna Dari Rekan", sex="female", birth_date=date(1995, 3, 14),
                                           risk_level="high"), expected_version=1, by=intake_a)
    db.session.commit()
    mine = {**opened, "full_name": "Ratna Versi Saya", "disabilities": "Perlu kursi roda"}
    url = f"/residents/{resident.id}/edit"
    response = as_intake.htmx("POST", url, data=mine) if htmx else as_intake.post(url, data=mine)
    assert response.status_code == (200 if htmx else 409)
    html = response.get_data(as_text=True)
    assert ("This record was changed by someone else since you opened it. Reload to see their changes; "
            "your edits were not saved.") in html
    assert 'value="Ratna Versi Saya"' in html and "Perlu kursi roda" in html  # kept what was typed
    db.session.expire_all()
    saved = db.session.get(Resident, resident.id)
    assert (saved.full_name, saved.risk_level, saved.disabilities, saved.version) == ("Ratna Dari Rekan", "high", "", 2)
    assert len(audit_events("resident.updated")) == 1


def test_bad_input_on_edit_is_shown_and_nothing_changes(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a, full_name="Ratna Rekaan")
    response = as_intake.post(f"/residents/{resident.id}/edit", data=edit_data(resident, nik="123"))
    assert response.status_code == 422
    assert "A NIK has exactly 16 digits" in field_error(response.get_data(as_text=True), "nik")
    db.session.expire_all()
    assert db.session.get(Resident, resident.id).nik is None


def test_a_resident_cannot_be_their_own_or_their_childs_child(as_intake, facility_a, make_resident):
    mother = make_resident(facility_a, full_name="Ibu Rekaan")
    child = make_resident(facility_a, full_name="Anak Rekaan", birth_date=date(2018, 1, 1), guardian_id=mother.id)
    own = as_intake.post(f"/residents/{mother.id}/edit", data=edit_data(mother, guardian_id=str(mother.id)))
    assert "their own mother or guardian" in field_error(own.get_data(as_text=True), "guardian_id")
    loop = as_intake.post(f"/residents/{mother.id}/edit", data=edit_data(mother, guardian_id=str(child.id)))
    assert "already the mother or guardian" in field_error(loop.get_data(as_text=True), "guardian_id")
    db.session.expire_all()
    assert db.session.get(Resident, mother.id).guardian_id is None


# --- contacts -------------------------------------------------------------------------------------------

def test_family_contacts_are_added_with_an_e164_phone_and_removed(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a)
    response = as_intake.htmx("POST", f"/residents/{resident.id}/contacts", data={
        "contact-name": "Paman Rekaan", "contact-relationship": "uncle", "contact-phone": "0812 5550 199",
        "contact-address": "Kampung Uji, Cianjur"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section class="panel family-contacts"')
    assert "Paman Rekaan" in html and "+628125550199" in html and "Family contact added." in html
    contact = db.session.query(FamilyContact).one()
    assert (contact.phone, contact.relationship_to_resident) == ("+628125550199", "uncle")
    assert [e.detail for e in audit_events("resident.family_contact_added")] == [{"contact_id": contact.id}]
    response = as_intake.htmx("POST", f"/residents/{resident.id}/contacts/{contact.id}/delete")
    assert "No family contacts yet." in response.get_data(as_text=True)
    assert count_rows(FamilyContact) == 0


def test_a_bad_family_contact_is_refused(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a)
    url = f"/residents/{resident.id}/contacts"
    cases = [
        ({"contact-name": "Paman", "contact-phone": "12"}, "contact-phone", "not a valid phone number"),
        ({"contact-name": "", "contact-phone": "0812 5550 199"}, "contact-name", "Enter the name."),
        ({"contact-name": "P" * 121}, "contact-name", "at most 120 characters"),
        ({"contact-name": "Paman", "contact-address": "Jl.\x00"}, "contact-address", "control characters"),
    ]
    for (data, field, message), htmx in itertools.product(cases, (False, True)):
        before = row_counts()
        response = as_intake.htmx("POST", url, data=data) if htmx else as_intake.post(url, data=data)
        assert response.status_code == (200 if htmx else 422), data
        assert message in field_error(response.get_data(as_text=True), field), data
        after = row_counts()
        if not htmx:  # the full page was shown again: that view is audited, nothing else is written
            assert [e.action for e in audit_events()][-1] == "resident.viewed"
            after["audit_events"] -= 1
        assert after == before, data


def test_no_contact_persons_are_added_and_removed(as_intake, facility_a, make_resident):
    resident = make_resident(facility_a)
    response = as_intake.post(f"/residents/{resident.id}/no-contact", data={
        "nocontact-name": "Joko Pelaku", "nocontact-relationship": "former husband",
        "nocontact-description": "Tall, often waits at the market"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#no-contact")
    person = db.session.query(NoContactPerson).one()
    assert (person.name, person.relationship_to_resident) == ("Joko Pelaku", "former husband")
    html = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Joko Pelaku" in html and "Do not let these people in" in html
    response = as_intake.htmx("POST", f"/residents/{resident.id}/no-contact/{person.id}/delete")
    assert "Nobody recorded." in response.get_data(as_text=True)
    assert [e.action for e in audit_events() if e.action.startswith("resident.no_contact")] == [
        "resident.no_contact_added", "resident.no_contact_removed"]


def test_the_contact_forms_are_fetched_when_their_section_is_opened(as_intake, facility_a, make_resident):
    """The page carries a folded section that fetches its form (htmx) or links to it; the form itself
    is not on the page until then, and a refused submission brings it back open with the message."""
    resident = make_resident(facility_a)
    page = as_intake.get(f"/residents/{resident.id}").get_data(as_text=True)
    for prefix, path in (("contact", "contacts/new"), ("nocontact", "no-contact/new")):
        url = f"/residents/{resident.id}/{path}"
        assert f'name="{prefix}-name"' not in page
        assert f'hx-get="{url}" hx-trigger="toggle once"' in page and f'href="{url}"' in page
        fragment = as_intake.htmx("GET", url)
        html = fragment.get_data(as_text=True)
        assert fragment.status_code == 200 and html.lstrip().startswith("<form")
        assert f'name="{prefix}-name"' in html and 'hx-post=' in html and 'name="csrf_token"' in html
        whole = as_intake.get(url).get_data(as_text=True)  # without JavaScript: a page with a plain form
        assert "<html" in whole and f'name="{prefix}-name"' in whole and "hx-post=" not in whole.split("<main")[1]
    refused = as_intake.post(f"/residents/{resident.id}/contacts", data={"contact-name": "", "contact-phone": "12"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and '<details class="add-contact" open>' in html
    assert 'value="12"' in html and "Enter the name." in field_error(html, "contact-name")


def test_only_those_who_change_the_person_get_the_contact_forms(login_as, caseworker_a, facility_b, make_resident,
                                                                  as_intake, facility_a):
    own = make_resident(facility_a)
    assert as_intake.get(f"/residents/{own.id}/contacts/new").status_code == 200
    other = make_resident(facility_b)
    client = login_as(caseworker_a)
    for path in ("contacts/new", "no-contact/new"):
        assert client.get(f"/residents/{other.id}/{path}").status_code == 404
        assert client.get(f"/residents/999999/{path}").status_code == 404


# --- nothing personal in URLs or flashes ----------------------------------------------------------------

def test_no_name_or_nik_in_redirects_or_links(as_intake, facility_a):
    response = as_intake.post("/residents/new", data=intake_data(facility_a, nik="3171011234567890"))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "Sari" not in location and "3171" not in location
    html = as_intake.get(location).get_data(as_text=True)
    urls = re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', html)
    assert urls and not [u for u in urls if "Sari" in u or "3171011234567890" in u]
