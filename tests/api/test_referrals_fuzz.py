"""Generated JSON to the referral API: POST /referrals with a partner's token and as the referral desk,
accept and decline as the receiving facility. Never a 5xx, every answer as the document says, and a
refused request writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from shelter.extensions import db
from shelter.referrals import service
from tests.api.conftest import Api, token_for
from tests.api.referral_helpers import body as body_of_a_valid_referral, partner_token, referral_counts
from tests.api.test_fuzz import FUZZ, clean_text, edge_text, json_value, mostly, payload, small_id
from tests.referrals.conftest import (case_manager, deadline, family_panti, intake_of, make_partner,  # noqa: F401
                                      partner, referral_input)

SEXES = mostly(["female", "male"])
ages = mostly([0, 4, 17, 18, 29, 60, None], st.integers(-5, 130))
datetimes = st.one_of(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), edge_text, st.none())

person = st.fixed_dictionaries({"sex": SEXES}, optional={
    "age": ages, "age_band": mostly(["0-5", "6-12", "13-17", "18-59", "60+", None]),
    "wheelchair": st.booleans(), "pregnant": st.booleans(), "high_risk": st.booleans(),
    "categories": st.lists(mostly(["adult_domestic_violence", "ampk_emergency", "ppks_neglected_elderly",
                                   "ppks_homeless"]), max_size=3),
    "name": mostly(["Dewi Rujukan", None], clean_text(130)),
    "nik": st.one_of(st.from_regex(r"[0-9]{16}|[0-9 .-]{10,20}", fullmatch=True), edge_text)})
child = st.fixed_dictionaries({"age": mostly([0, 3, 17], st.integers(-2, 20)), "sex": SEXES},
                              optional={"name": mostly(["Anak Uji", None], clean_text(20))})
consent = st.fixed_dictionaries({"by": mostly(["person", "guardian", "ppa_officer", "social_worker"]),
                                 "method": mostly(["written", "verbal", "phone"])},
                                optional={"note": mostly(["Setuju", None], clean_text(210))})


def half(one: st.SearchStrategy, other: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(st.booleans(), one, other).map(lambda t: t[1] if t[0] else t[2])


OPTIONAL = {
    "referred_at": datetimes, "reference": mostly(["LP/1", None], edge_text), "children": st.lists(child, max_size=3),
    "summary": clean_text(40),
    "officer": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
        "name": mostly(["Bripka Uji", None]), "phone": mostly(["0812 5550 199", "+62 21 555 0199", "12", None])}))}
REQUIRED = {"urgency": mostly(["emergency", "days", "planned"]), "person": half(st.sampled_from([{"sex": "female", "age": 30},
                                                                                   {"sex": "male", "age_band": "60+"}]),
                                                                   st.one_of(person, json_value)),
            "consent": consent}
PARTNER_ID = mostly([1, 2], small_id)
REFERRAL = {  # the desk must name the partner; a partner's token may (it is ignored)
    "partner": payload(REQUIRED, {**OPTIONAL, "partner_id": PARTNER_ID}),
    "desk": payload({**REQUIRED, "partner_id": PARTNER_ID}, OPTIONAL),
}
choice = st.fixed_dictionaries({}, optional={"resident_id": small_id, "name": mostly(["Ani Uji", None], edge_text)})
DECISIONS = {
    "accept": payload({"person": choice}, {"children": st.lists(choice, max_size=2)}),
    "decline": payload({"reason": mostly(["no_suitable_bed", "needs_medical_care", "safety_conflict",
                                          "outside_mandate", "other"])},
                       {"note": mostly(["Penuh", None], edge_text)}),
}


def drive(app, token, path, body):
    before = referral_counts()
    response = Api(app, token).post(path, json=body)  # checked against the document
    assert response.status_code < 500
    if response.status_code >= 400:
        assert referral_counts() == before, response.get_json()
    return response


@pytest.mark.parametrize("kind", ["plausible", "junk"])
@pytest.mark.parametrize("caller", ["partner", "desk"])
def test_generated_referrals_never_5xx(app, make_partner, case_manager, caller, kind):
    partners = [make_partner(), make_partner()]
    assert [p.id for p in partners] == [1, 2]  # the bodies name partners 1 and 2 most of the time
    token = partner_token(partners[0]) if caller == "partner" else token_for(case_manager)
    accepted = []

    @FUZZ
    @given(body=REFERRAL[caller][kind])
    @example(body={**body_of_a_valid_referral(), "partner_id": 2})  # the path that writes, every run
    def run(body):
        if drive(app, token, "referrals", body).status_code == 201:
            accepted.append(body)

    run()
    assert accepted  # at least the explicit example: a valid body is written


@pytest.mark.parametrize("kind", ["plausible", "junk"])
@pytest.mark.parametrize("decision", list(DECISIONS))
def test_generated_decisions_never_5xx(app, partner, admin, family_panti, intake_of, decision, kind):
    token = token_for(intake_of(family_panti))
    offers = []

    def fresh_offer() -> int:
        referral = service.create(referral_input(partner.id), by=admin)
        offer = service.offer(referral, family_panti, by=admin, respond_by=deadline())
        db.session.commit()
        return offer.id

    offers.append(fresh_offer())

    @FUZZ
    @given(body=DECISIONS[decision][kind])
    def run(body):
        if drive(app, token, f"offers/{offers[-1]}/{decision}", body).status_code == 200:
            if decision == "accept":  # free the beds again for the next example
                from shelter.stays import service as stays
                from shelter.stays.models import Stay

                for stay in db.session.query(Stay).filter(Stay.discharged_at.is_(None)):
                    stays.discharge(stay, outcome="other", by=admin)
                db.session.commit()
            offers.append(fresh_offer())

    run()
