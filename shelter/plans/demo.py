"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents.

The demo caseworker's longest stay in the demo panti (assessed by the assessments demo) gets an approved
rehabilitation plan with three goals: written by the demo caseworker 18 days ago, approved by the demo
case manager 15 days ago, so its first review is due in 15 days. All text is invented.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.auth.models import Role
from shelter.extensions import db

GOALS = [
    # (domain, description, interventions, target in days from today, status)
    ("family", "Kembali tinggal bersama ibunya di Bekasi dengan aman. (demo)",
     "Kunjungan rumah oleh pekerja sosial; dua pertemuan keluarga; rencana keselamatan. (demo)", 75, "in_progress"),
    ("therapy", "Tidur lebih nyenyak dan rasa cemas berkurang. (demo)",
     "Konseling psikososial mingguan; rujukan ke psikolog puskesmas. (demo)", 45, "in_progress"),
    ("vocational", "Mampu menerima pesanan jahitan sendiri. (demo)",
     "Ikut program menjahit di panti; modal usaha kecil setelah lulus. (demo)", 90, "planned"),
]


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    from shelter.plans import service
    from shelter.stays.models import Stay

    panti = facilities.get("PSBK-DEMO")
    caseworker, manager = users.get(Role.CASEWORKER), users.get(Role.CASE_MANAGER)
    if panti is None or caseworker is None or manager is None:
        return
    if not (service.may_write(caseworker, panti.id) and service.may_approve(manager, panti.id)):
        return
    stay = db.session.scalar(
        sa.select(Stay).where(Stay.facility_id == panti.id, Stay.discharged_at.is_(None))
        .order_by((Stay.caseworker_id == caseworker.id).desc(), Stay.admitted_at, Stay.id).limit(1))
    if stay is None or service.active_plan(stay.id) is not None:
        return
    if stay.caseworker_id is None:
        stay.caseworker_id = caseworker.id
    today = service.local_today()
    plan = service.create_plan(stay, by=caseworker)
    for domain, description, interventions, days, status in GOALS:
        service.add_goal(plan, service.GoalInput(
            domain=domain, description=description, interventions=interventions, responsible_id=caseworker.id,
            target_date=today + timedelta(days=days), status=status), by=caseworker)
    service.submit(plan, by=caseworker)
    version = service.approve(plan, by=manager)
    # Written and approved some days ago (the stay is older than that in the demo).
    plan.created_at -= timedelta(days=18)
    plan.submitted_at -= timedelta(days=16)
    plan.approved_at -= timedelta(days=15)
    plan.schedule_from = today - timedelta(days=15)
    version.recorded_at = plan.approved_at
    version.effective_on = plan.schedule_from
