"""No SMS ever carries a resident's name, NIK, a facility's address or a Rumah Aman's code name.

Two ways in: every template under templates/sms/ (whoever wrote it) rendered in both languages with
realistic contexts built from the demo data, where the records a template could be tempted to print
(a resident, a Rumah Aman, a stay, a follow-up) are right there in the context; and the demo data
driven through every flow that sends SMS (a discharge home, the morning reminders, the overdue
escalation, a follow-up with concerns, a facility filling past a capacity rule), after which every
body in the outbox is scanned. The checker is shown to fail on leaky bodies and templates.
"""

from __future__ import annotations

import re
from datetime import timedelta

import jinja2.meta
import pytest
import sqlalchemy as sa
import time_machine
from flask import render_template_string
from flask_babel import force_locale

from shelter.auth.models import Role, User
from shelter.config import PROJECT_ROOT
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.notifications.models import OutboundMessage
from shelter.residents.models import FamilyContact, Resident

SMS_TEMPLATES = sorted((PROJECT_ROOT / "templates" / "sms").glob("*.txt"))
NAME_PART_MIN = 4
NOT_A_NAME = {"demo"}  # every invented name carries "(demo)"
GENERIC_FACILITY_WORDS = {"rumah", "aman", "panti", "sosial", "demo"}


# --- what must never appear -------------------------------------------------------------------------------

def _name_parts(name: str) -> set[str]:
    return {part for part in re.findall(r"[^\W\d_]+", name or "")
            if len(part) >= NAME_PART_MIN and part.lower() not in NOT_A_NAME}


def forbidden_texts() -> dict[str, str]:
    """text → why it must not appear, from everything in the database now."""
    found: dict[str, str] = {}
    for r in db.session.scalars(sa.select(Resident)):
        found[r.full_name] = f"name of resident {r.id}"
        for part in _name_parts(r.full_name) | _name_parts(r.alias or ""):
            found[part] = f"part of the name of resident {r.id}"
        if r.nik:
            found[r.nik] = f"NIK of resident {r.id}"
    for c in db.session.scalars(sa.select(FamilyContact)):
        found[c.name] = f"family contact {c.id}"
        if c.address:
            found[c.address] = f"address of family contact {c.id}"
    from shelter.referrals.models import Referral

    for r in db.session.scalars(sa.select(Referral)):
        for name in filter(None, (r.person_name, r.officer_name, r.person_nik, r.partner_reference)):
            found[name] = f"referral {r.id}"
            for part in _name_parts(name):
                found[part] = f"part of a name in referral {r.id}"
    for f in db.session.scalars(sa.select(Facility)):
        if f.address:
            found[f.address] = f"address of facility {f.code}"
        if f.kind == "rumah_aman":
            found[f.code] = f"code of Rumah Aman {f.id}"
            found[f.name] = f"name of Rumah Aman {f.id}"
            for part in _name_parts(f.name) - {w.title() for w in GENERIC_FACILITY_WORDS}:
                if part.lower() not in GENERIC_FACILITY_WORDS:
                    found[part] = f"code name of Rumah Aman {f.id}"
    return found


def leaks(body: str, forbidden: dict[str, str]) -> list[str]:
    problems = []
    for text, why in forbidden.items():
        if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", body, re.I):
            problems.append(f"{why} ({text!r}) in {body!r}")
    return problems


# --- the demo data, and a world with a phone for everybody -------------------------------------------------

START = "2026-11-20 06:00:00+07:00"  # a Friday morning in Jakarta, before the 08:00 reminders


@pytest.fixture
def demo(app):
    from shelter import demo as demo_data

    with time_machine.travel(START, tick=False):
        demo_data.load()
    users = {role: db.session.scalar(sa.select(User).where(User.email == email))
             for role, email, *_ in [(r, e) for r, e, _n, _f in demo_data.DEMO_USERS]}
    for number, user in enumerate(users.values(), start=40):
        user.phone = user.phone or f"+6281255501{number}"
    users[Role.CASE_MANAGER].locale = "en"  # one recipient in each language
    db.session.commit()
    return users


def _facility(code: str) -> Facility:
    return db.session.scalar(sa.select(Facility).where(Facility.code == code))


# --- every SMS template ------------------------------------------------------------------------------------

def realistic_context(app) -> dict:
    """Values for every variable an SMS template may use. Records are real demo records, so a template
    that prints one of their names, codes or addresses is caught."""
    from shelter.followups.models import FollowUp
    from shelter.stays.models import Stay

    safe_house = _facility("RA-MERPATI")
    resident = db.session.scalar(sa.select(Resident).order_by(Resident.id))
    return {
        # counts and percentages, and translated category labels: what templates are meant to print
        "count": 3, "num": 3, "free": 1, "free_beds": 1, "total": 12, "total_beds": 12, "occupancy": 92,
        "occupancy_percent": 92, "threshold": 2, "days": 2,
        "category": "Perempuan dewasa",
        # records a template must never print from
        "resident": resident, "facility": safe_house,
        "stay": db.session.scalar(sa.select(Stay).order_by(Stay.id)),
        "followup": db.session.scalar(sa.select(FollowUp).order_by(FollowUp.id)),
        "user": db.session.scalar(sa.select(User).order_by(User.id)),
    }


def render_sms_template(app, source: str, context: dict, locale: str) -> str:
    from flask import g

    g.sms_privacy_test = True  # Flask-Babel forces a locale only on a non-empty ``g``
    with force_locale(locale):
        return " ".join(render_template_string(source, **context).split())


def template_variables(app, source: str) -> set[str]:
    return jinja2.meta.find_undeclared_variables(app.jinja_env.parse(source)) - set(app.jinja_env.globals) - {
        "_", "gettext", "ngettext", "pgettext", "npgettext"}


def test_there_are_sms_templates_to_check():
    names = {p.name for p in SMS_TEMPLATES}
    assert {"followup_due.txt", "followup_overdue.txt", "followup_flagged.txt"} <= names


LEAKY_TEMPLATES = [
    "{{ count }} kunjungan untuk {{ resident.full_name }}",
    "Kunjungan lanjutan: NIK {{ resident.nik }}",
    "Tempat tidur hampir penuh di {{ facility.code }}",
    "Tempat tidur hampir penuh di {{ facility.name }}",
    "Alamat: {{ facility.address }}",
]


def template_problems(app, name: str, source: str, forbidden: dict) -> list[str]:
    context = realistic_context(app)
    unknown = template_variables(app, source) - set(context)
    if unknown:
        return [f"{name} uses {sorted(unknown)}: give them realistic values in realistic_context() so this "
                "test can check what the template prints"]
    problems = []
    for locale in ("id", "en"):
        for variant in ({}, {"category": None}, {"count": 1, "num": 1, "free": 0}):
            body = render_sms_template(app, source, {**context, **variant}, locale)
            if not body:
                problems.append(f"{name} rendered nothing")
            if len(body) > 320:
                problems.append(f"{name} is longer than two SMS segments: {body!r}")
            problems.extend(f"{name}: {leak}" for leak in leaks(body, forbidden))
    return problems


def test_every_sms_template_renders_without_private_data(app, demo):
    """Every template under templates/sms/, whoever wrote it; and the check fails on leaky templates."""
    resident = db.session.scalar(sa.select(Resident).order_by(Resident.id))
    resident.nik = "3171234567890001"
    db.session.flush()
    forbidden = forbidden_texts()
    problems = [p for path in SMS_TEMPLATES for p in template_problems(app, path.name, path.read_text(), forbidden)]
    assert not problems, "\n".join(problems)
    for number, leaky in enumerate(LEAKY_TEMPLATES):
        assert template_problems(app, f"leaky-{number}", leaky, forbidden), f"not caught: {leaky}"
    assert template_problems(app, "unknown", "{{ secret_thing }} kunjungan", forbidden)


# --- the flows that send SMS, on the demo data -----------------------------------------------------------------

def test_no_sms_sent_by_any_flow_on_the_demo_data_carries_private_data(app, demo):
    from shelter.followups import service as followups
    from shelter.followups.models import FollowUp
    from shelter.followups.reminders import send_due_reminders
    from shelter.stays import service as stays
    from shelter.stays.models import Stay

    panti = _facility("PSBK-DEMO")
    caseworker, intake = demo[Role.CASEWORKER], demo[Role.INTAKE_STAFF]
    # Give every demo resident a NIK, so a NIK in a body would be caught.
    for number, resident in enumerate(db.session.scalars(sa.select(Resident).order_by(Resident.id)), start=1):
        resident.nik = f"31710000000{number:05d}"
    db.session.commit()

    with time_machine.travel(START, tick=False) as clock:
        # A discharge home plans follow-ups for the demo caseworker.
        stay = db.session.scalar(sa.select(Stay).where(Stay.facility_id == panti.id, Stay.discharged_at.is_(None))
                                 .order_by(Stay.id))
        stays.assign_caseworker(stay, caseworker, by=intake)
        stays.discharge(stay, outcome="reunified", by=intake)
        db.session.commit()
        # Forty mornings of reminders and escalations, each just after 08:00 WIB.
        morning = stays.utcnow() + timedelta(hours=2, minutes=5)
        for day in range(40):
            clock.move_to(morning + timedelta(days=day))
            send_due_reminders()
        # A follow-up with concerns alerts the case manager.
        item = db.session.scalar(sa.select(FollowUp).where(FollowUp.status == "open",
                                                           FollowUp.facility_id == panti.id).order_by(FollowUp.id))
        followups.record(item, followups.RecordInput(status="done", done_on=followups.local_today(),
                                                     method="home_visit", outcome="concerns",
                                                     notes="Keluarga menolak kunjungan."), by=caseworker)
        db.session.commit()
        purposes = {"followup.due", "followup.overdue", "followup.flagged"}
        # A Rumah Aman filling past a capacity rule (once capacity alerts exist).
        if _fill_safe_house_past_a_rule(demo):
            purposes.add("capacity.alert")
    # A referral that waits and is matched to a free bed; an offer to a Rumah Aman left unanswered.
    purposes |= _referral_flows(demo)

    messages = list(db.session.scalars(sa.select(OutboundMessage).order_by(OutboundMessage.id)))
    sent_purposes = {m.purpose for m in messages}
    assert purposes <= sent_purposes, f"the flows sent {sent_purposes}, expected at least {purposes}"
    forbidden = forbidden_texts()
    assert len(forbidden) > 20  # names, name parts, NIKs, addresses and code names of the demo data
    problems = [problem for m in messages for problem in leaks(m.body, forbidden)]
    assert not problems, "\n".join(problems)
    # The same check on bodies that do leak: a name part in capitals, a code name, an address.
    first_name = sorted(_name_parts(stay.resident.full_name))[0]
    for body in (f"3 kunjungan lanjutan: {first_name.upper()} — buka Shelter", "Tempat tidur penuh di RA-MERPATI",
                 "Kapasitas Merpati hampir penuh", "Alamat Jl. Contoh Fiktif No. 7, Jakarta Timur",
                 f"NIK {stay.resident.nik}"):
        assert leaks(body, forbidden), body
    assert not leaks("3 kunjungan lanjutan jatuh tempo hari ini — buka Shelter", forbidden)


def _referral_flows(demo) -> set[str]:
    """A named referral waitlisted while a bed fits (the case manager's daily SMS), and another offered to
    RA-MERPATI and left past its deadline (the escalation to its manager and the case manager)."""
    from shelter.db import utcnow
    from shelter.referrals import service as referrals, waitlist
    from shelter.referrals.escalation import review_offers
    from shelter.referrals.models import Partner
    from shelter.referrals.rules import ReferralInput

    manager = demo[Role.CASE_MANAGER]
    manager.phone = manager.phone or "+6281255509001"
    partner = Partner(name="Unit PPA Rekaan SMS", kind="police_ppa")
    db.session.add(partner)
    db.session.flush()

    def referral(name):
        return referrals.create(ReferralInput(
            partner_id=partner.id, urgency="emergency", sex="female", age=30, consent_by="person",
            consent_method="verbal", person_name=name, person_nik="3171000000088888", officer_name="Bripka Lastri Rekaan",
            partner_reference="LP/77/XII/Kenanga"), by=manager)

    waiting = referral("Kenanga Puspitasari Rekaan")
    waitlist.add(waiting, by=manager)
    house = _facility("RA-MERPATI")
    referrals.offer(referral("Melati Anggraini Rekaan"), house, by=manager, respond_by=utcnow() + timedelta(hours=1))
    db.session.commit()
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        review_offers()
        db.session.commit()
    assert waiting.matched_facility_id is not None, "the demo has a free bed for a woman alone"
    return {"waitlist.match", "referral.overdue"}


def _fill_safe_house_past_a_rule(demo) -> bool:
    """Create a rule on RA-MERPATI that the next admission crosses, and admit; False without alerts."""
    try:
        from shelter.alerts import service as alerts
        from shelter.alerts.models import CapacityRule  # noqa: F401
    except ImportError:
        return False
    if not hasattr(alerts, "create_rule"):
        return False
    from shelter.residents import service as residents
    from shelter.residents.service import ResidentInput
    from shelter.stays import service as stays

    house = _facility("RA-MERPATI")
    admin, manager, intake = demo[Role.ADMIN], demo[Role.CASE_MANAGER], demo[Role.INTAKE_STAFF]
    free = stays.free_beds_in_facility(house.id)
    alerts.create_rule(house, by=admin, max_free_beds=free - 1, recipient_ids=[admin.id, manager.id])
    db.session.commit()
    room = next(r for r in house.rooms if r.age_group == "adult")
    resident = residents.register(ResidentInput(full_name="Kirana Paramitha (demo)", sex="female", estimated_age=27,
                                                nik="3171000000099999"), facility_id=house.id, by=admin)
    stays.admit(resident, room.beds[0], by=admin)
    db.session.commit()
    return True
