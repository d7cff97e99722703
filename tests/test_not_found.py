"""A record in another facility and a record that does not exist get the same 404, byte for byte
(issue 9, finding 5).

The attack: on seven API routes a programme of another facility answered ``"message": "not_found"`` and
a made-up id ``"Programme not found."`` — enough to learn which ids exist elsewhere. Here every rule of
the URL map with an ``<id:…>`` argument (pages, fragments and /api/v1) is requested by a member of staff
of one facility holding every staff role, with the ids of real records of another facility, with ids
that exist nowhere, and, for nested routes, with their own parent and the other facility's (or no)
child. Every answer is a 404, and all pages' 404s are one body, all the API's another. A rule whose
argument names a kind of record this file cannot make fails the test: add it to ``record_ids``.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.conftest import login
from tests.test_scope_rehab import build_world

IGNORED_METHODS = {"HEAD", "OPTIONS"}
MISSING_ID = 2_000_000_000  # valid for the router, never a row in a test database
# The page's CSRF token carries a timestamp (itsdangerous): equal pages a second apart differ there only.
CSRF_TOKEN = re.compile(r'("X-CSRFToken": "|name="csrf_token" value=")[^"]*(")')

ARGUMENT_KINDS = {
    "facility_id": "facility", "room_id": "room", "bed_id": "bed", "resident_id": "resident", "stay_id": "stay",
    "hold_id": "hold", "contact_id": "contact", "person_id": "person", "assessment_id": "assessment",
    "note_id": "note", "plan_id": "plan", "goal_id": "goal", "programme_id": "programme", "session_id": "session",
    "enrollment_id": "enrollment", "followup_id": "followup", "step_id": "step", "rule_id": "rule",
    "message_id": "message", "user_id": "user", "referral_id": "referral", "offer_id": "offer",
}


def record_ids(world, make_room, make_bed, make_resident) -> dict[str, int]:
    """One record of every kind in ``world.facility`` (build_world's kinds plus the rest), by kind."""
    from shelter.alerts import service as alerts
    from shelter.followups.models import FollowUp, FollowUpPolicyStep
    from shelter.notifications import service as outbox
    from shelter.residents.models import Resident
    from shelter.residents import service as residents
    from shelter.stays import service as stays

    facility, staff = world.facility, world.insider
    room = make_room(facility=facility)
    beds = [make_bed(room=room) for _ in range(3)]
    hold = stays.place_hold(beds[0], by=staff, reason="Rujukan menunggu", hours=24)
    resident = db.session.get(Resident, world.ids["resident"])
    contact = residents.add_family_contact(resident, residents.FamilyContactInput(name="Kontak Uji", relationship="ibu"),
                                           by=staff)
    person = residents.add_no_contact_person(resident, residents.NoContactInput(name="Orang Uji", relationship="paman"),
                                             by=staff)
    going_home = make_resident(facility)
    stay = stays.admit(going_home, beds[1], by=staff)
    stays.assign_caseworker(stay, world.caseworker, by=staff)
    db.session.flush()
    stays.discharge(stay, outcome="reunified", by=staff)
    followup = db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id)).first()
    rule = alerts.create_rule(facility, by=staff, recipient_ids=[staff.id], max_free_beds=1)
    message = outbox.enqueue(to="+6281255509999", body="Uji", dedupe_key=f"not-found-{facility.id}", purpose="test",
                             user_id=staff.id)
    db.session.commit()
    ids = dict(world.ids)
    ids.update(room=room.id, bed=beds[2].id, hold=hold.id, contact=contact.id, person=person.id,
               followup=followup.id, rule=rule.id, message=message.id, user=staff.id,
               # The follow-up policy is the province's, not a facility's: only admins reach it.
               step=db.session.scalars(sa.select(FollowUpPolicyStep.id)).first())
    return ids


def id_rules(app) -> list:
    return sorted((rule for rule in app.url_map.iter_rules() if "<id:" in rule.rule), key=lambda r: r.rule)


def variants(rule, own: dict[str, int], other: dict[str, int]) -> list[tuple[str, dict]]:
    """The argument sets to try: all of the other facility, all missing, and own parents with the
    other facility's (or a missing) last record."""
    names = [name for name in rule.arguments]
    ordered = sorted(names, key=lambda n: rule.rule.index(f":{n}>"))
    kinds = {name: ARGUMENT_KINDS[name] for name in names}
    found = [("elsewhere", {n: other[kinds[n]] for n in names}),
             ("missing", {n: MISSING_ID for n in names})]
    if len(ordered) > 1:
        parents = {n: own[kinds[n]] for n in ordered[:-1]}
        last = ordered[-1]
        found.append(("own parent, child elsewhere", {**parents, last: other[kinds[last]]}))
        found.append(("own parent, child missing", {**parents, last: MISSING_ID}))
    return found


def api_body(endpoint: str, own: dict[str, int]) -> dict:
    """A body that passes validation where the API validates before it looks the record up (the answer
    is the same either way, but then it would not be the 404 this test is about)."""
    return {"api.stay_transfer": {"bed_id": own["bed"]}, "api.stay_discharge": {"outcome": "other"}}.get(endpoint, {})


def send(client, method: str, url: str, body: dict):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body if method != "GET" else None)
    return client.open(url, method=method, data={})


def referral_ids(world, make_facility, make_room, make_bed) -> dict[str, int]:
    """A police referral placed in a Rumah Aman by this world's staff, and its offer: the referral desk of
    another facility may not open either (the safe house's episode), so they are this world's records."""
    from shelter.db import utcnow
    from shelter.referrals import acceptance, service as referrals
    from shelter.referrals.models import Partner
    from shelter.referrals.rules import ReferralInput

    safe_house = make_facility(name=f"Rumah Aman Walk {world.facility.id}", kind="rumah_aman")
    make_bed(room=make_room(facility=safe_house))
    partner = Partner(name=f"Unit PPA Walk {world.facility.id}", kind="police_ppa")
    db.session.add(partner)
    db.session.flush()
    referral = referrals.create(ReferralInput(partner_id=partner.id, urgency="emergency", sex="female", age=30,
                                              consent_by="person", consent_method="verbal"), by=world.insider)
    offer = referrals.offer(referral, safe_house, by=world.insider, respond_by=utcnow() + timedelta(hours=2))
    acceptance.accept(offer, acceptance.Acceptance(person=acceptance.PersonChoice(name="Rujukan Walk")),
                      by=world.insider, visible_resident=lambda _id: None)
    db.session.commit()
    return {"referral": referral.id, "offer": offer.id}


@pytest.fixture
def two_facilities(app, make_facility, make_room, make_bed, make_user, make_resident):
    own = build_world(make_facility, make_room, make_bed, make_user, make_resident)
    other = build_world(make_facility, make_room, make_bed, make_user, make_resident)
    own_ids, other_ids = (record_ids(world, make_room, make_bed, make_resident) for world in (own, other))
    own_ids.update(referral_ids(own, make_facility, make_room, make_bed))
    other_ids.update(referral_ids(other, make_facility, make_room, make_bed))
    return own, own_ids, other_ids


def test_every_404_is_the_same_whether_the_record_is_elsewhere_or_nowhere(app, client, two_facilities):
    own_world, own, other = two_facilities
    assert len(set(other.values())) > 5 and None not in other.values() and None not in own.values()
    assert login(client, own_world.insider).status_code == 302
    adapter = app.url_map.bind("localhost")
    unknown = sorted({f"{rule.rule}: {name}" for rule in id_rules(app) for name in rule.arguments
                      if name not in ARGUMENT_KINDS})
    assert not unknown, "route arguments without a record kind here:\n" + "\n".join(unknown)

    bodies: dict[str, dict[bytes, str]] = {"page": {}, "api": {}}
    problems = []
    walked = 0
    for rule in id_rules(app):
        methods = rule.methods - IGNORED_METHODS
        method = "GET" if "GET" in methods else sorted(methods)[0]
        for label, values in variants(rule, own, other):
            url = adapter.build(rule.endpoint, values, method=method)
            response = send(client, method, url, api_body(rule.endpoint, own))
            walked += 1
            where = f"{method} {url} ({rule.endpoint}, {label})"
            if response.status_code != 404:
                problems.append(f"{where}: {response.status_code}")
                continue
            body = CSRF_TOKEN.sub(r"\1…\2", response.get_data(as_text=True)).encode()
            bodies["api" if url.startswith("/api/") else "page"].setdefault(body, where)
    assert walked > 200
    assert not problems, "not a 404:\n" + "\n".join(problems)
    for kind, seen in bodies.items():
        assert len(seen) == 1, f"{kind} 404s differ:\n" + "\n".join(
            f"{where}: {body[:160]!r}" for body, where in seen.items())


def test_the_comparison_notices_a_404_that_says_more(app, client, admin):
    """The walk can fail: a 404 naming what was looked for is told apart from the plain one."""
    from shelter.api.errors import not_found

    @app.get("/api/v1/probe-not-found")
    def probe_not_found():
        return {"error": {"code": "not_found", "message": "Programme not found."}}, 404

    login(client, admin)
    plain = client.get(f"/api/v1/programmes/{MISSING_ID}")
    telling = client.get("/api/v1/probe-not-found")
    assert plain.status_code == telling.status_code == 404
    assert plain.get_data() != telling.get_data()
    assert not_found().status == 404
