"""A partner's system with its token: it records referrals for its own partner, reads only its own (and
only the status words: a Rumah Aman is never named), withdraws them, and reaches nothing else."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.db import utcnow
from shelter.extensions import db
from shelter.referrals import acceptance, service
from shelter.referrals.models import PartnerToken, Referral, ReferralEvent
from shelter.stays.models import BedHold
from tests.api.conftest import Api, error_code
from tests.api.referral_helpers import body, partner_api, partner_token
from tests.referrals.conftest import (case_manager, deadline, family_panti, intake_of, make_partner,  # noqa: F401
                                      make_referral, partner, referral_input)

MISSING_ID = 2_000_000_000


def test_a_partner_records_for_itself_whatever_the_body_says(app, make_partner):
    ours, theirs = make_partner(), make_partner()
    api = partner_api(app, ours)
    response = api.post("referrals", json=body(partner_id=theirs.id))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["status"] == "received" and answer["placement"] is None and answer["reference"] == "LP/77/XII/2026"
    referral = db.session.get(Referral, answer["id"])
    assert referral.partner_id == ours.id and referral.via_api and referral.recorded_by_id is None
    assert referral.case_manager_id is None  # in the shared queue for the referral desk
    # The audit trail names the token, never a user.
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "referral.received"))
    token_id = db.session.scalar(sa.select(PartnerToken.id).where(PartnerToken.partner_id == ours.id))
    assert event.actor_id is None and event.actor_email == f"partner-token:{token_id}"
    assert db.session.scalar(sa.select(ReferralEvent.by_partner).where(ReferralEvent.referral_id == referral.id))


def test_a_partner_reads_only_its_own_referrals(app, make_partner, make_referral):
    ours, theirs = make_partner(), make_partner()
    own = [make_referral(partner_id=ours.id, partner_reference=f"LP/{i}") for i in range(2)]
    other = make_referral(partner_id=theirs.id, partner_reference="LP/RAHASIA")
    api = partner_api(app, ours)

    listed = api.get("referrals").get_json()
    assert sorted(r["id"] for r in listed["referrals"]) == sorted(r.id for r in own)
    assert listed["total"] == 2 and "LP/RAHASIA" not in json.dumps(listed)
    assert set(listed["referrals"][0]) == {"id", "reference", "status", "outcome", "placement", "received_at",
                                           "closed_at"}
    assert api.get(f"referrals/{own[0].id}").get_json()["id"] == own[0].id

    elsewhere, missing = api.get(f"referrals/{other.id}"), api.get(f"referrals/{MISSING_ID}")
    assert elsewhere.status_code == missing.status_code == 404
    assert elsewhere.get_data() == missing.get_data()
    withdrawn_elsewhere = api.post(f"referrals/{other.id}/withdraw", json={})
    assert withdrawn_elsewhere.status_code == 404 and withdrawn_elsewhere.get_data() == missing.get_data()
    db.session.expire_all()
    assert db.session.get(Referral, other.id).status == "received"


def test_a_rumah_aman_placement_names_no_facility(app, partner, make_facility, make_room, make_bed, make_user,
                                                    admin, family_panti, intake_of):
    safe_house = make_facility(name="Rumah Aman Cendana Tersembunyi", code="RACT-7", kind="rumah_aman",
                               kota="kepulauan_seribu", address="Jl. Rahasia Cendana No. 9")
    make_bed(make_room(safe_house, name="Kamar Cendana", sex="female", age_group="adult"), label="RC-1")
    safe_staff = make_user(roles=("intake_staff",), facilities=[safe_house])
    api = partner_api(app, partner)
    to_safe_house = api.post("referrals", json=body()).get_json()["id"]
    to_panti = api.post("referrals", json=body(reference="LP/PANTI")).get_json()["id"]

    for referral_id, facility, decider in ((to_safe_house, safe_house, safe_staff),
                                           (to_panti, family_panti, intake_of(family_panti))):
        offered = Api(app, _token(admin)).post(f"referrals/{referral_id}/offers", json={"facility_id": facility.id})
        assert offered.status_code == 201, offered.get_json()
        staff = Api(app, _token(decider))
        accepted = staff.post(f"offers/{offered.get_json()['id']}/accept", json={"person": {"name": "Dewi Rujukan"}})
        assert accepted.status_code == 200, accepted.get_json()

    placed = api.get(f"referrals/{to_safe_house}")
    assert placed.get_json()["status"] == "placed" and placed.get_json()["outcome"] == "placed"
    assert placed.get_json()["placement"] == {"kind": "protected_facility"}
    listed = api.get("referrals")
    for response in (placed, listed):
        text = response.get_data(as_text=True).lower()
        for secret in ("Rumah Aman Cendana Tersembunyi", "RACT-7", "kepulauan_seribu", "Jl. Rahasia Cendana",
                       "Kamar Cendana", "RC-1"):
            assert secret.lower() not in text, secret
    # The check can fail: a panti is named.
    assert api.get(f"referrals/{to_panti}").get_json()["placement"] == {"kind": "panti",
                                                                        "facility": family_panti.name}


def _token(user) -> str:
    from tests.api.conftest import token_for

    return token_for(user)


def test_withdraw_closes_frees_the_beds_and_refuses_twice(app, partner, admin, family_panti):
    api = partner_api(app, partner)
    referral_id = api.post("referrals", json=body()).get_json()["id"]
    offered = Api(app, _token(admin)).post(f"referrals/{referral_id}/offers", json={"facility_id": family_panti.id})
    assert offered.status_code == 201
    hold_ids = [h.hold_id for h in db.session.get(Referral, referral_id).offers[0].hold_links]

    response = api.post(f"referrals/{referral_id}/withdraw", json={"note": "Korban kembali ke keluarga"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "closed" and response.get_json()["outcome"] == "withdrawn"
    db.session.expire_all()
    referral = db.session.get(Referral, referral_id)
    assert referral.offers[0].status == "withdrawn"
    assert all(db.session.get(BedHold, h).released_at is not None for h in hold_ids)
    closed = db.session.scalar(sa.select(ReferralEvent).where(ReferralEvent.kind == "closed"))
    assert closed.by_partner and closed.by_id is None and closed.code == "withdrawn"

    again = api.post(f"referrals/{referral_id}/withdraw", json={})
    assert again.status_code == 409 and error_code(again) == "referral_closed"


def test_a_placed_referral_cannot_be_withdrawn(app, partner, admin, family_panti, intake_of):
    api = partner_api(app, partner)
    referral = service.create(referral_input(None), partner_id=partner.id)
    offer = service.offer(referral, family_panti, by=admin, respond_by=deadline())
    acceptance.accept(offer, acceptance.Acceptance(person=acceptance.PersonChoice(name="Dewi Uji")),
                      by=intake_of(family_panti), visible_resident=lambda _id: None)
    db.session.commit()
    response = api.post(f"referrals/{referral.id}/withdraw", json={})
    assert response.status_code == 409 and error_code(response) == "referral_closed"
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "placed"


def test_revoked_tokens_and_inactive_partners_are_401(app, partner, make_partner):
    from shelter.referrals.tokens import revoke_partner_token

    token = partner_token(partner)
    assert Api(app, token).get("referrals").status_code == 200
    db.session.expire_all()
    row = db.session.scalar(sa.select(PartnerToken))
    assert row.last_used_at is not None
    assert revoke_partner_token(row) and not revoke_partner_token(row)
    db.session.commit()
    assert Api(app, token).get("referrals").status_code == 401

    other = make_partner()
    token = partner_token(other)
    other.active = False
    db.session.commit()
    assert Api(app, token).get("referrals").status_code == 401
    assert Api(app, "shelp_" + "x" * 43).get("referrals").status_code == 401


def test_cli_prints_a_partner_token_once(app, partner):
    result = app.test_cli_runner().invoke(args=["partners", "token", str(partner.id), "--name", "SIM PPA"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("shelp_")
    db.session.expire_all()
    row = db.session.scalar(sa.select(PartnerToken))
    assert row.partner_id == partner.id and row.name == "SIM PPA" and token not in row.token_hash
    assert Api(app, token).post("referrals", json=body()).status_code == 201
    refused = app.test_cli_runner().invoke(args=["partners", "token", str(MISSING_ID)])
    assert refused.exit_code != 0 and "no active partner" in refused.output


def test_a_partner_token_reaches_no_other_endpoint(app, partner, make_referral, make_bed, make_resident, admin):
    """Walk the whole URL map (pages, fragments and the API, every method) with the partner's token and
    ids of real records: only the four partner operations (and the public endpoints) answer 2xx; every
    other API endpoint answers 401 as without a token, every page sends to the login (or 404)."""
    from shelter.access import is_public_endpoint
    from shelter.stays import service as stays

    own = make_referral(partner_id=partner.id)
    bed = make_bed()
    stays.admit(make_resident(bed.room.facility), bed, by=admin)
    db.session.commit()
    token = partner_token(partner)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    adapter = app.url_map.bind("localhost")
    allowed = {"api.referrals_list", "api.referral_create", "api.referral_show", "api.referral_withdraw"}
    reached, problems = set(), []
    with app.test_request_context():
        public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in public:
            continue
        values = {name: own.id if name == "referral_id" else 1 for name in rule.arguments}
        url = adapter.build(rule.endpoint, values, method=None)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            kwargs = ({"json": {}} if method != "GET" else {}) if url.startswith("/api/") else {"data": {}}
            response = client.open(url, method=method, headers=headers, **kwargs)
            where = f"{method} {url} ({rule.endpoint}) → {response.status_code}"
            if 200 <= response.status_code < 300:
                reached.add(rule.endpoint)
                if rule.endpoint not in allowed:
                    problems.append(where)
            elif rule.endpoint not in allowed:
                if url.startswith("/api/") and response.status_code != 401:
                    problems.append(where + " (not the answer without a token)")
                if not url.startswith("/api/") and response.status_code not in (302, 404):
                    problems.append(where)
    assert not problems, "a partner's token reaches:\n" + "\n".join(problems)
    assert reached == allowed - {"api.referral_create"}  # an empty body is refused (422)
    db.session.expire_all()
    assert db.session.get(Referral, own.id).status == "closed"  # the walk withdrew it, and nothing else


def test_staff_cannot_use_the_partner_withdraw(app, case_manager, make_referral):
    referral = make_referral()
    response = Api(app, _token(case_manager)).post(f"referrals/{referral.id}/withdraw", json={})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "received"


def test_partner_listing_pages(app, partner, make_referral):
    for i in range(27):
        make_referral(partner_id=partner.id, partner_reference=f"LP/{i}")
    api = partner_api(app, partner)
    first, second = api.get("referrals").get_json(), api.get("referrals?page=2").get_json()
    assert (len(first["referrals"]), first["has_next"], first["total"]) == (25, True, 27)
    assert (len(second["referrals"]), second["has_next"]) == (2, False)
    assert api.get("referrals?page=0").status_code == 422


def test_referred_at_in_the_future_is_refused(app, partner):
    api = partner_api(app, partner)
    when = (utcnow() + timedelta(days=2)).isoformat()
    response = api.post("referrals", json=body(referred_at=when))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"referred_at": "in_future"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0
