"""Invented demo data of the partners and outgoing referrals, loaded by ``flask demo load``.

Five partners (police PPA, UPTD PPA, a hospital with a PPT, an outreach team, legal aid) with invented
contacts and phone numbers in the +62 8xx-555 range, and one outgoing referral of the demo
caseworker's resident to the hospital, waiting for its appointment (it shows in her worklist).
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
