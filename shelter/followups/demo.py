"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents.

Two invented residents of the demo panti went home: one to her family a month ago (a reunification plan,
the first follow-up done, the next one overdue) and one back to her home region a week ago (a phone call
due today). Both are the demo caseworker's, who gets an invented phone number in the +62 812-5550-1xx
range so the morning reminder has somewhere to go (the console backend only logs it).
"""

from __future__ import annotations

from datetime import timedelta

from shelter.auth.models import Role
from shelter.db import utcnow
from shelter.extensions import db

CASEWORKER_PHONE = "+628125550120"


def _went_home(panti, *, name, sex, age, room_prefix, days_ago, outcome, intake, caseworker, kota):
    from shelter.residents import service as residents
    from shelter.residents.service import ResidentInput
    from shelter.stays import service as stays
    from shelter.stays.models import BedAssignment

    resident = residents.register(
        ResidentInput(full_name=name, sex=sex, estimated_age=age, risk_level="low",
                      categories=["adult_domestic_violence"],
                      kota_of_origin=kota),
        facility_id=panti.id, by=intake)
    taken = set(db.session.scalars(db.select(BedAssignment.bed_id).where(BedAssignment.ended_at.is_(None))))
    bed = next(b for room in panti.rooms if room.name.startswith(room_prefix) for b in room.beds
               if b.id not in taken and not b.is_out_of_service)
    stay = stays.admit(resident, bed, by=intake)
    left_at = utcnow() - timedelta(days=days_ago)
    stay.admitted_at = left_at - timedelta(days=45)
    stay.assignments[0].started_at = stay.admitted_at
    db.session.flush()
    stays.assign_caseworker(stay, caseworker, by=intake)
    stays.discharge(stay, outcome=outcome, by=intake, at=left_at,
                    note="Dijemput keluarga (demo)" if outcome == "reunified" else "Pemulangan ke daerah asal (demo)")
    return resident, stay


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    from shelter.followups import reunification, service
    from shelter.residents import service as residents
    from shelter.residents.service import FamilyContactInput

    panti = facilities.get("PSBK-DEMO")
    caseworker = users.get(Role.CASEWORKER)
    intake = users.get(Role.INTAKE_STAFF)
    if panti is None or caseworker is None or intake is None:
        return
    if not caseworker.phone:
        caseworker.phone = CASEWORKER_PHONE

    resident, stay = _went_home(panti, name="Rini Handayani (demo)", sex="female", age=34,
                                room_prefix="Wisma Melati", days_ago=32, outcome="reunified",
                                intake=intake, caseworker=caseworker, kota="Kota Bekasi")
    mother = residents.add_family_contact(
        resident, FamilyContactInput(name="Suminah (demo)", relationship="Ibu", phone="+628125550130",
                                     address="Jl. Khayalan No. 12, Kota Bekasi (demo)"), by=intake)
    db.session.flush()
    reunification.save_plan(resident, reunification.PlanInput(
        family_contact_id=mother.id, relation="Ibu kandung", destination="Kota Bekasi",
        family_assessment="Ibu tinggal sendiri, rumah layak huni, bersedia menerima dan mendampingi. "
                          "Pelaku tidak tinggal di wilayah yang sama. (demo)",
        planned_on=(utcnow() - timedelta(days=33)).date()), by=caseworker)
    first, second = service.schedule_after_discharge(stay, by=intake)[:2]
    service.record(first, service.RecordInput(
        status="done", done_on=first.due_on, method="phone_call", outcome="stable",
        notes="Ibu dan anak baik, sudah kembali bekerja. (demo)"), by=caseworker)
    # ``second`` (+30 home visit) stays open: two days overdue, so it shows (and escalates) as such.

    _went_home(panti, name="Sri Wahyuni (demo)", sex="female", age=41, room_prefix="Wisma Melati",
               days_ago=7, outcome="returned_home_region", intake=intake, caseworker=caseworker,
               kota="Kabupaten Garut")
    db.session.flush()
