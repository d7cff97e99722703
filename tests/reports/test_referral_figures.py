"""Referrals received by source, offers accepted and declined with reasons, time to decision and to
admission, and the waitlist per day: each against a count written here."""

from __future__ import annotations

from datetime import date, timedelta

from shelter.extensions import db
from shelter.referrals.models import Offer, Partner, Referral, ReferralEvent
from tests.reports.conftest import OCTOBER, PROVINCE, exact_report, facility_scope, wib


def referral(partner, received, **values):
    r = Referral(partner_id=partner.id, referred_at=received, received_at=received, urgency="days", sex="female",
                 age=30, consent_by="person", consent_method="verbal", **values)
    db.session.add(r)
    db.session.flush()
    return r


def offer(r, facility, at, status, decided=None, reason=None):
    db.session.add(Offer(referral_id=r.id, facility_id=facility.id, offered_at=at, respond_by=at + timedelta(hours=4),
                         status=status, decided_at=decided, decline_reason=reason))


def test_referral_figures(app, admin, make_facility):
    a, b = make_facility(), make_facility()
    police = Partner(name="Unit PPA Uji", kind="police_ppa")
    hospital = Partner(name="RS Uji", kind="hospital")
    db.session.add_all([police, hospital])
    db.session.flush()
    placed = referral(police, wib(2026, 10, 2, 8), status="placed", outcome="placed", first_offered_at=wib(2026, 10, 2, 9),
                      decided_at=wib(2026, 10, 2, 12), admitted_at=wib(2026, 10, 3, 8), placed_facility_id=a.id)
    offer(placed, b, wib(2026, 10, 2, 9), "declined", wib(2026, 10, 2, 10), "no_suitable_bed")
    offer(placed, a, wib(2026, 10, 2, 10), "accepted", wib(2026, 10, 2, 12))
    waiting = referral(police, wib(2026, 10, 5, 8), status="waitlisted", waitlisted_at=wib(2026, 10, 5, 9))
    left = referral(hospital, wib(2026, 10, 6, 8))
    referral(hospital, wib(2026, 9, 30, 8))  # received in September
    db.session.add_all([
        ReferralEvent(referral_id=waiting.id, at=wib(2026, 10, 5, 9), kind="waitlisted"),
        ReferralEvent(referral_id=left.id, at=wib(2026, 10, 6, 9), kind="waitlisted"),
        ReferralEvent(referral_id=left.id, at=wib(2026, 10, 8, 9), kind="offered"),
    ])
    db.session.commit()

    province = exact_report(admin, PROVINCE, OCTOBER)
    sources = {c[0].value: c[1].value for c in province.table("referrals_by_source").rows if c[1].value}
    assert sources == {"Police PPA unit": 2, "Hospital (PPT)": 1, "Total": 3}
    decided = {c[0].value: c[1].value for c in province.table("offers_decided").rows if c[1].value}
    assert decided == {"Accepted": 1, "Declined": 1, "Declined: No suitable bed": 1}
    times = [[c.value for c in r[1:]] for r in province.table("referral_times").rows]
    assert times == [[1, 3.0, 3.0], [1, 24.0, 24.0]]  # 09:00 → 12:00; 2 Oct 08:00 → 3 Oct 08:00
    waitlist = {c[0].value: c[1].value for c in province.table("waitlist_by_day").rows}
    assert [waitlist[(date(2026, 10, d)).isoformat()] for d in (4, 5, 6, 7, 8, 31)] == [0, 1, 2, 2, 1, 1]

    facility_b = exact_report(admin, facility_scope(b), OCTOBER)
    received_b = {c[0].value: c[1].value for c in facility_b.table("referrals_by_source").rows if c[1].value}
    assert sum(received_b.values()) == 2  # the one referral offered to B, and the total row
    declined_b = {c[0].value: c[1].value for c in facility_b.table("offers_decided").rows if c[1].value}
    assert declined_b.get("Accepted") is None and declined_b["Declined"] == 1
