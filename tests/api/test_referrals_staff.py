"""The referral desk and the receiving facilities through the API: record, offer, accept into the held
beds, decline, the waitlist; bad input is a 422 with field codes that changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals.models import Offer, Referral
from shelter.stays.models import BedHold, Stay
from tests.api.conftest import Api, error_code, fields, token_for
from tests.api.referral_helpers import body, partner_api, referral_counts
from tests.referrals.conftest import (case_manager, deadline, family_panti, intake_of, make_partner,  # noqa: F401
                                      make_referral, partner)


@pytest.fixture
def desk(app, case_manager):
    return Api(app, token_for(case_manager))


def _mother_with_two(partner_id: int) -> dict:
    return body(partner_id=partner_id, person={"age": 31, "name": "Ratna Rujukan Uji"},
                children=[{"age": 4, "sex": "female"}, {"age": 1, "sex": "male"}])


def test_record_offer_accept_through_the_api(app, desk, partner, family_panti, intake_of):
    created = desk.post("referrals", json=_mother_with_two(partner.id))
    assert created.status_code == 201, created.get_json()
    referral = created.get_json()
    assert referral["partner"]["id"] == partner.id and referral["status"] == "received"
    assert [c["age"] for c in referral["children"]] == [4, 1]
    assert referral["officer"]["phone"] == "+6281255501234"
    assert [h["kind"] for h in referral["history"]] == ["received"]

    offered = desk.post(f"referrals/{referral['id']}/offers", json={"facility_id": family_panti.id,
                                                                  "respond_by": (utcnow() + timedelta(hours=3))
                                                                  .isoformat(), "note": "Kamar keluarga"})
    assert offered.status_code == 201, offered.get_json()
    offer = offered.get_json()
    assert offer["beds"] == 3 and offer["facility"] == {"id": family_panti.id, "name": family_panti.name,
                                                        "protected": False}
    intake = Api(app, token_for(intake_of(family_panti)))
    inbox = intake.get("offers").get_json()
    assert [o["id"] for o in inbox["offers"]] == [offer["id"]]
    assert inbox["offers"][0]["referral"]["officer"]["name"] == "Bripka Sari Rekaan"

    accepted = intake.post(f"offers/{offer['id']}/accept", json={
        "person": {"name": "Ratna Rujukan Uji"}, "children": [{"name": "Anak Satu"}, {"name": "Anak Dua"}]})
    assert accepted.status_code == 200, accepted.get_json()
    stays = accepted.get_json()["stays"]
    assert len(stays) == 3 and {s["facility_id"] for s in stays} == {family_panti.id}
    assert {s["bed_id"] for s in stays} == {b.id for b in family_panti.test_beds[:3]}
    assert accepted.get_json()["offer"]["status"] == "accepted"

    read = desk.get(f"referrals/{referral['id']}").get_json()
    assert read["status"] == "placed" and read["placement"]["name"] == family_panti.name
    assert [h["kind"] for h in read["history"]] == ["received", "offered", "accepted", "admitted"]
    assert intake.get("offers").get_json()["offers"] == []
    assert [o["id"] for o in intake.get("offers?view=decided").get_json()["offers"]] == [offer["id"]]


def test_decline_frees_the_beds_and_returns_the_referral(app, desk, partner, family_panti, intake_of):
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    offer_id = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": family_panti.id}).get_json()["id"]
    intake = Api(app, token_for(intake_of(family_panti)))

    before = referral_counts()
    refused = intake.post(f"offers/{offer_id}/decline", json={"reason": "other"})
    assert refused.status_code == 422 and fields(refused) == {"note": "required"}
    assert referral_counts() == before

    declined = intake.post(f"offers/{offer_id}/decline", json={"reason": "safety_conflict", "note": "Pelaku di sini"})
    assert declined.status_code == 200, declined.get_json()
    assert declined.get_json()["status"] == "declined" and declined.get_json()["decline_reason"] == "safety_conflict"
    db.session.expire_all()
    holds = [db.session.get(BedHold, link.hold_id) for link in db.session.get(Offer, offer_id).hold_links]
    assert holds and all(h.released_at is not None for h in holds)
    read = desk.get(f"referrals/{referral_id}").get_json()
    assert read["status"] == "received"
    assert read["history"][-1]["kind"] == "declined" and read["history"][-1]["code"] == "safety_conflict"
    again = intake.post(f"offers/{offer_id}/decline", json={"reason": "no_suitable_bed"})
    assert again.status_code == 409 and error_code(again) == "offer_not_pending"


def test_the_second_acceptance_is_already_placed_and_frees_its_beds(app, desk, partner, family_panti, make_facility,
                                                                    make_room, make_bed, intake_of):
    other = make_facility(name="Panti Kedua Uji")
    make_bed(make_room(other, sex="female", age_group="adult"), label="X1")
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    first = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": family_panti.id}).get_json()["id"]
    second = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": other.id}).get_json()["id"]
    ok = Api(app, token_for(intake_of(family_panti))).post(f"offers/{first}/accept", json={"person": {"name": "Ani"}})
    assert ok.status_code == 200, ok.get_json()
    late = Api(app, token_for(intake_of(other))).post(f"offers/{second}/accept", json={"person": {"name": "Ani"}})
    assert late.status_code == 409 and error_code(late) == "already_placed"
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Stay)) == 1
    assert all(db.session.get(BedHold, link.hold_id).released_at is not None
               for link in db.session.get(Offer, second).hold_links)


def test_waitlist_in_priority_order(app, desk, partner):
    planned = desk.post("referrals", json=body(partner_id=partner.id, urgency="planned")).get_json()["id"]
    urgent = desk.post("referrals", json=body(partner_id=partner.id, urgency="emergency")).get_json()["id"]
    for referral_id in (planned, urgent):
        response = desk.post(f"referrals/{referral_id}/waitlist", json={"note": "Belum ada kasur"})
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == "waitlisted"
    entries = desk.get("waitlist").get_json()["entries"]
    assert [(e["position"], e["referral"]["id"]) for e in entries] == [(1, urgent), (2, planned)]
    assert entries[0]["referral"]["waitlist"]["match"] is None  # no facility has a bed
    listed = desk.get("referrals?view=waitlist").get_json()["referrals"]
    assert {r["id"] for r in listed} == {planned, urgent}
    assert desk.get("referrals?view=nonsense").status_code == 422


def test_only_the_desk_and_the_deciders_act(app, partner, family_panti, make_facility, intake_of, make_referral,
                                            case_manager, admin):
    referral = make_referral()
    intake = Api(app, token_for(intake_of(family_panti)))
    assert intake.get("referrals").get_json()["referrals"] == []
    assert intake.get(f"referrals/{referral.id}").status_code == 404
    assert intake.post("referrals", json=body(partner_id=partner.id)).status_code == 404
    assert intake.get("waitlist").status_code == 404
    assert intake.post(f"referrals/{referral.id}/offers", json={"facility_id": family_panti.id}).status_code == 404

    desk = Api(app, token_for(case_manager))
    offer_id = desk.post(f"referrals/{referral.id}/offers", json={"facility_id": family_panti.id}).get_json()["id"]
    stranger = Api(app, token_for(intake_of(make_facility(name="Panti Lain Uji"))))
    assert stranger.get("offers").get_json()["offers"] == []
    before = referral_counts()
    for path, payload in ((f"offers/{offer_id}/accept", {"person": {"name": "Ani"}}),
                          (f"offers/{offer_id}/decline", {"reason": "no_suitable_bed"})):
        assert stranger.post(path, json=payload).status_code == 404
        assert desk.post(path, json=payload).status_code == 404  # the desk offers; the facility decides
    assert referral_counts() == before


def test_a_safe_house_placement_is_protected_from_other_case_managers(app, partner, make_facility, make_room,
                                                                      make_bed, make_user, case_manager, admin):
    safe_house = make_facility(name="Rumah Aman Melati Uji", code="RAMU-1", kind="rumah_aman")
    make_bed(make_room(safe_house, sex="female", age_group="adult"), label="M1")
    safe_staff = make_user(roles=("intake_staff",), facilities=[safe_house])
    desk = Api(app, token_for(case_manager))
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    offer_id = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": safe_house.id}).get_json()["id"]
    assert Api(app, token_for(safe_staff)).post(f"offers/{offer_id}/accept",
                                                 json={"person": {"name": "Ani"}}).status_code == 200
    assert desk.get(f"referrals/{referral_id}").get_json()["placement"]["name"] == "Rumah Aman Melati Uji"
    colleague = Api(app, token_for(make_user(roles=("case_manager",), facilities=[])))
    assert colleague.get(f"referrals/{referral_id}").status_code == 404
    assert "Melati" not in colleague.get("referrals?view=all").get_data(as_text=True)


# --- bad input: 422 with field codes, nothing changed ---------------------------------------------------------

@pytest.mark.parametrize("changes, expected", [
    ({"person": {"age": 9, "categories": []}}, {"consent/by": "child_needs_guardian_consent"}),
    ({"consent": None}, {"consent": "invalid_type"}),
    ({"partner_id": 2_000_000_000}, {"partner_id": "unknown_partner"}),
    ({"person": {"age": 10, "categories": ["adult_trafficking"]}, "consent": {"by": "guardian"}},
     {"person/categories": "adult_category_for_child"}),
    ({"person": {"age": 30, "categories": ["ampk_emergency"]}}, {"person/categories": "child_category_for_adult"}),
    ({"person": {"age": 30, "age_band": "13-17"}}, {"person/age_band": "contradicts_age"}),
    ({"person": {"age": None}}, {"person/age": "age_required"}),
    ({"officer": {"phone": "12"}}, {"officer/phone": "phone_format"}),
    ({"person": {"nik": "1234"}}, {"person/nik": "nik_format"}),
    ({"person": {"sex": "male", "pregnant": True}}, {"person/pregnant": "contradicts_sex"}),
    ({"person": {"age": "tiga puluh"}}, {"person": "invalid_type"}),
    ({"children": [{"age": 19, "sex": "female"}]}, {"children": "out_of_range"}),
    ({"urgency": "besok"}, {"urgency": "invalid_choice"}),
])
def test_bad_referrals_are_422_and_change_nothing(app, desk, partner, changes, expected):
    payload = body(**{"partner_id": partner.id, **changes})
    if "consent" in changes and changes["consent"] is None:
        del payload["consent"]
        expected = {"consent": "required"}
    before = referral_counts()
    response = desk.post("referrals", json=payload)
    assert response.status_code == 422, response.get_json()
    assert fields(response) == expected
    assert referral_counts() == before


def test_staff_must_name_the_partner(app, desk):
    response = desk.post("referrals", json=body())
    assert response.status_code == 422 and fields(response) == {"partner_id": "required"}


@pytest.mark.parametrize("respond_by, code", [(-1, "in_past"), (49, "too_far")])
def test_a_deadline_in_the_past_is_refused(app, desk, partner, family_panti, respond_by, code):
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    before = referral_counts()
    response = desk.post(f"referrals/{referral_id}/offers", json={
        "facility_id": family_panti.id, "respond_by": (utcnow() + timedelta(hours=respond_by)).isoformat()})
    assert response.status_code == 422 and fields(response) == {"respond_by": code}
    assert referral_counts() == before
    assert db.session.get(Referral, referral_id).status == "received"


def test_offers_that_cannot_be_made_are_refused(app, desk, partner, family_panti, make_facility):
    referral_id = desk.post("referrals", json=body(partner_id=partner.id, children=[
        {"age": c, "sex": "male"} for c in (1, 2, 3, 4)])).get_json()["id"]
    before = referral_counts()
    no_room = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": family_panti.id})
    assert no_room.status_code == 409 and error_code(no_room) == "no_suitable_bed"
    unknown = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": 2_000_000_000})
    assert unknown.status_code == 422 and fields(unknown) == {"facility_id": "unknown_facility"}
    assert referral_counts() == before


def test_accept_with_the_wrong_children_is_422(app, desk, partner, family_panti, intake_of):
    referral_id = desk.post("referrals", json=_mother_with_two(partner.id)).get_json()["id"]
    offer_id = desk.post(f"referrals/{referral_id}/offers", json={"facility_id": family_panti.id}).get_json()["id"]
    intake = Api(app, token_for(intake_of(family_panti)))
    before = referral_counts()
    wrong = intake.post(f"offers/{offer_id}/accept", json={"person": {"name": "Ratna"}, "children": [{"name": "A"}]})
    assert wrong.status_code == 422 and fields(wrong) == {"children": "count"}
    nameless = intake.post(f"offers/{offer_id}/accept", json={"person": {}, "children": [{"name": "A"}, {"name": "B"}]})
    assert nameless.status_code == 422 and fields(nameless) == {"person/name": "required"}
    stranger = intake.post(f"offers/{offer_id}/accept", json={"person": {"resident_id": 2_000_000_000},
                                                               "children": [{"name": "A"}, {"name": "B"}]})
    assert stranger.status_code == 422 and fields(stranger) == {"person/resident_id": "unknown_resident"}
    assert referral_counts() == before


def test_a_partner_referral_reaches_the_desk(app, partner, case_manager):
    partner_api(app, partner).post("referrals", json=body())
    listed = Api(app, token_for(case_manager)).get("referrals").get_json()["referrals"]
    assert len(listed) == 1 and listed[0]["via_api"] and listed[0]["history"] is None


def test_the_lists_cost_the_same_for_2_or_12_referrals(app, partner, case_manager, family_panti, make_facility,
                                                       make_room, make_bed, intake_of, make_referral):
    """Each list is a fixed number of statements whatever its length (no query per referral or offer)."""
    from tests.conftest import counting_statements

    desk, intake = Api(app, token_for(case_manager)), Api(app, token_for(intake_of(family_panti)))
    partner_side = partner_api(app, partner)
    panti_room = make_room(family_panti, sex="female", age_group="adult")
    for _ in range(10):
        make_bed(panti_room)
    for api in (desk, intake, partner_side):  # the tokens' first use is recorded (once every few minutes)
        api.get("offers" if api is intake else "referrals")
    counts = []
    for total in (2, 12):
        while db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) < total:
            referral = make_referral(by=case_manager)
            desk.post(f"referrals/{referral.id}/offers", json={"facility_id": family_panti.id})
        with counting_statements() as desk_list:
            assert len(desk.get("referrals").get_json()["referrals"]) == total
        with counting_statements() as inbox:
            assert len(intake.get("offers").get_json()["offers"]) == total
        with counting_statements() as partner_list:
            assert len(partner_side.get("referrals").get_json()["referrals"]) == total
        counts.append((len(desk_list), len(inbox), len(partner_list)))
    assert counts[0] == counts[1], counts


def test_a_waiting_referral_shows_the_facility_that_fits_now(app, desk, partner, family_panti):
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    assert desk.post(f"referrals/{referral_id}/waitlist", json={}).status_code == 200
    entry = desk.get("waitlist").get_json()["entries"][0]
    assert entry["referral"]["waitlist"]["match"] == {"id": family_panti.id, "name": family_panti.name,
                                                      "protected": False}


def test_a_rumah_aman_that_fits_is_not_named_to_the_desk(app, desk, partner, make_facility, make_room, make_bed,
                                                         admin):
    make_bed(make_room(make_facility(name="Rumah Aman Kenanga Uji", code="RAKU-2", kind="rumah_aman"),
                       sex="female", age_group="adult"))
    referral_id = desk.post("referrals", json=body(partner_id=partner.id)).get_json()["id"]
    assert desk.post(f"referrals/{referral_id}/waitlist", json={}).status_code == 200
    entry = desk.get("waitlist").get_json()["entries"][0]
    assert entry["referral"]["waitlist"]["match"] == {"id": None, "name": None, "protected": True}
    for path in ("waitlist", f"referrals/{referral_id}", "referrals?view=waitlist"):
        text = desk.get(path).get_data(as_text=True)
        assert "Kenanga" not in text and "RAKU-2" not in text, path
    as_admin = Api(app, token_for(admin)).get("waitlist").get_json()["entries"][0]
    assert as_admin["referral"]["waitlist"]["match"]["name"] == "Rumah Aman Kenanga Uji"
