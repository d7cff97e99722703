"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents: two skills
programmes at PSBK-DEMO (Menjahit, Tata Boga) with their sessions, a few demo residents enrolled and
some attendance already taken."""

from __future__ import annotations

from datetime import time, timedelta

from shelter.auth.models import Role
from shelter.programmes import queries, service


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    panti = facilities.get("PSBK-DEMO")
    by = users.get(Role.CASEWORKER) or users.get(Role.ADMIN)
    if panti is None or by is None:
        return
    today = service.local_today()
    sewing = service.create_programme(panti, service.ProgrammeInput(
        name="Menjahit (demo)", trainer="Ibu Sri Handayani (demo)", capacity=6,
        description="Dasar menjahit dengan mesin: mengukur, memotong pola, menjahit pakaian sederhana.",
        starts_on=today - timedelta(days=14), ends_on=today + timedelta(days=42), weekdays=[1, 3, 5],
        start_time=time(9, 0), duration_minutes=120, eligible_sex="female", min_age=15), by=by)
    cooking = service.create_programme(panti, service.ProgrammeInput(
        name="Tata Boga (demo)", trainer="Pak Agus Salim (demo)", capacity=3,
        description="Memasak dan mengemas kue untuk dijual: kebersihan dapur, resep, harga jual.",
        starts_on=today - timedelta(days=7), ends_on=today + timedelta(days=49), weekdays=[2, 4],
        start_time=time(13, 0), duration_minutes=90, min_age=15), by=by)
    people = [r for r in queries.candidates(sewing) if (service.age_on(r, today) or 0) >= 15]
    enrolments = []
    for resident in people:
        if not service.eligibility_problems(sewing, resident, today):
            enrolments.append(service.enrol(sewing, resident, by=by))
    for resident in people[:4]:  # one more than the places: the last one waits
        service.enrol(cooking, resident, by=by)
    marks = ("present", "present", "absent", "present", "excused")
    for session in sewing.sessions:
        if session.session_date < today:
            for n, enrollment in enumerate(e for e in enrolments if e.seat is not None):
                service.record_attendance(session, enrollment.id, marks[(n + session.id) % len(marks)], by=by)
