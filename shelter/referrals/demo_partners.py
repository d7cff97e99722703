"""Invented demo data of the partners and outgoing referrals, loaded by ``flask demo load``.

Five partners (police PPA, UPTD PPA, a hospital with a PPT, an outreach team, legal aid) with invented
contacts and phone numbers in the +62 8xx-555 range, and one outgoing referral of the demo
caseworker's resident to the hospital, waiting for its appointment (it shows in her worklist).
Three incoming referrals at the demo case manager's desk: a mother with two children from the police
PPA, not offered yet; a woman offered to the demo panti (in its intake staff's inbox); and an elderly
wheelchair user on the waitlist. None carries a name.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.auth.models import Role
from shelter.db import utcnow
from shelter.extensions import db

PARTNERS = [
    # (name, kind, kota, contact, phone, email)
    ("Unit PPA Polres Metro Jakarta Timur (rekaan)", "police_ppa", "jakarta_timur", "Aipda Sri Lestari (rekaan)",
     "0812-5550-2101", "ppa.jaktim@contoh.test"),
    ("UPTD PPA DKI Jakarta (rekaan)", "uptd_ppa", "jakarta_pusat", "Dewi Anggraini (rekaan)", "0813-5550-2102",
     "uptdppa@contoh.test"),
    ("RSUD Rekaan PPT", "hospital", "jakarta_barat", "dr. Rudi Hartono (rekaan)", "0815-5550-2103",
     "ppt@rsud-rekaan.test"),
    ("Tim Penjangkauan Dinsos Rekaan", "outreach", "jakarta_utara", "Agus Salim (rekaan)", "0817-5550-2104", None),
    ("LBH Rekaan", "legal_aid", "jakarta_selatan", "Maria Ulfa, S.H. (rekaan)", "0819-5550-2105",
     "pengaduan@lbh-rekaan.test"),
]


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    from shelter.referrals import outgoing, partners
    from shelter.stays.models import Stay

    admin = users.get(Role.ADMIN)
    made = {}
    for name, kind, kota, contact, phone, email in PARTNERS:
        made[kind] = partners.create(partners.PartnerInput(name=name, kind=kind, kota=kota, contact_name=contact,
                                                           contact_phone=phone, contact_email=email), by=admin)
    _incoming(made, facilities, users)
    panti, caseworker = facilities.get("PSBK-DEMO"), users.get(Role.CASEWORKER)
    if panti is None or caseworker is None or not outgoing.may_refer(caseworker, panti.id):
        return
    stay = db.session.scalar(
        sa.select(Stay).where(Stay.facility_id == panti.id, Stay.discharged_at.is_(None))
        .order_by((Stay.caseworker_id == caseworker.id).desc(), Stay.admitted_at, Stay.id).limit(1))
    if stay is None:
        return
    row = outgoing.create(stay, outgoing.OutgoingInput(
        service_kind="hospital", partner_id=made["hospital"].id,
        reason="Pemeriksaan kesehatan lanjutan dan visum. (demo)"), by=caseworker)
    outgoing.update_status(row, outgoing.StatusInput(
        status="appointment", appointment_at=utcnow() + timedelta(days=2)), by=caseworker)


def _incoming(partners: dict, facilities: dict, users: dict) -> None:
    from shelter.referrals import service, waitlist
    from shelter.referrals.rules import ChildInput, ReferralInput

    desk = users.get(Role.CASE_MANAGER)
    if desk is None:
        return
    now = utcnow()
    service.create(ReferralInput(
        partner_id=partners["police_ppa"].id, partner_reference="LP/B/0412/XII/2026 (demo)", urgency="emergency",
        referred_at=now - timedelta(minutes=40), sex="female", age=26, high_risk=True,
        children=[ChildInput(age=4, sex="male"), ChildInput(age=7, sex="female")],
        categories=["adult_domestic_violence"], consent_by="person", consent_method="verbal",
        summary="Korban KDRT datang ke Polres bersama dua anak; pelaku masih mencari. Perlu tempat malam ini. (demo)",
        officer_name="Aipda Sri Lestari (rekaan)", officer_phone="0812-5550-2101"), by=desk)
    offered = service.create(ReferralInput(
        partner_id=partners["uptd_ppa"].id, partner_reference="UPTD/0933 (demo)", urgency="days", sex="female", age=34,
        categories=["adult_sexual_violence"], consent_by="person", consent_method="written",
        summary="Penyintas kekerasan seksual, sudah diperiksa di RS, perlu tempat aman beberapa minggu. (demo)",
        officer_name="Dewi Anggraini (rekaan)", officer_phone="0813-5550-2102"), by=desk)
    panti = facilities.get("PSBK-DEMO")
    if panti is not None:
        try:
            service.offer(offered, panti, by=desk, respond_by=now + timedelta(hours=6))
        except service.ReferralError:
            pass  # no fitting bed in this demo: it stays at the desk
    elderly = service.create(ReferralInput(
        partner_id=partners["outreach"].id, urgency="planned", sex="female", age_band="60+", wheelchair=True,
        categories=["ppks_neglected_elderly"], consent_by="social_worker", consent_method="verbal",
        summary="Lansia terlantar di kolong jembatan, memakai kursi roda. (demo)"), by=desk)
    waitlist.add(elderly, by=desk)
