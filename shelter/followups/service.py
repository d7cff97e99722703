"""Follow-ups after reunification: the policy, the schedule a discharge creates, recording a follow-up,
and flags for the case managers. The reunification plan, written before the discharge, is in
``followups.reunification``.

Like every service here these functions add to the current transaction and raise domain errors with a
stable ``code``; the caller commits. SMS go through the outbox (``shelter.notifications.service``) and
carry counts and fixed wording only, never a name, NIK, address or a Rumah Aman code name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app, g, render_template
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from shelter.access import acts_in, works_in
from shelter.errors import FieldProblems
from shelter.localtime import local_date, local_today, zone  # noqa: F401 (part of this API)
from shelter.audit import service as audit
from shelter.auth.models import Role, User, UserRole, user_facilities
from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups.models import (FLAGGING_OUTCOMES, FollowUp, FollowUpMethod, FollowUpOutcome,
                                      FollowUpPolicyStep, FollowUpStatus)
from shelter.notifications import service as notifications
from shelter.text import has_control_characters

DEFAULT_POLICY = (
    (7, FollowUpMethod.PHONE_CALL.value),
    (30, FollowUpMethod.HOME_VISIT.value),
    (90, FollowUpMethod.HOME_VISIT.value),
    (180, FollowUpMethod.HOME_VISIT.value),
)
OFFSET_MAX = 730
NOTES_MAX = 4000
# An open follow-up this many days past its due day escalates to the case managers.
ESCALATE_AFTER_DAYS = 2


class FollowUpError(Exception):
    code = "followup_error"


class FollowUpInvalid(FieldProblems, FollowUpError):
    """Field-level problems: {field: code}, never the values typed."""

    code = "followup_invalid"


class AlreadyRecorded(FollowUpError):
    code = "followup_already_recorded"


class NotACaseworker(FollowUpError):
    code = "not_a_caseworker"


class PolicyInvalid(FollowUpInvalid):
    code = "policy_invalid"


# --- days in the configured zone ---------------------------------------------------------------------

# --- who may do what ------------------------------------------------------------------------------------

_works_in = works_in


def may_record(user, facility_id: int) -> bool:
    """Caseworkers and case managers of the facility record follow-ups."""
    return _works_in(user, facility_id, Role.CASEWORKER, Role.CASE_MANAGER)


def may_manage(user, facility_id: int) -> bool:
    """Case managers of the facility (and admins) assign follow-ups and acknowledge flags."""
    return user.is_admin or _works_in(user, facility_id, Role.CASE_MANAGER)


def may_edit_plan(user, responsible_facility_id: int) -> bool:
    """Caseworkers and case managers of the facility responsible for the resident now (and admins):
    the reunification plan is the person's shared data (``shelter.access.responsible_facility_id``)."""
    return acts_in(user, responsible_facility_id, Role.CASEWORKER, Role.CASE_MANAGER)


def caseworkers_of(facility_id: int) -> list[User]:
    from shelter.stays.service import caseworkers_of as stay_caseworkers

    return stay_caseworkers(facility_id)


def case_managers_of(facility_ids) -> list[User]:
    """Active case managers working in any of these facilities (each once, in id order)."""
    ids = list(facility_ids)
    if not ids:
        return []
    return list(db.session.scalars(
        sa.select(User).where(
            User.active.is_(True),
            User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role.CASE_MANAGER.value)),
            User.id.in_(sa.select(user_facilities.c.user_id).where(user_facilities.c.facility_id.in_(ids))),
        ).order_by(User.id)
    ))


def case_manager_ids_by_facility(facility_ids) -> dict[int, list[int]]:
    """``{facility_id: [user ids]}``: the active case managers working in each of these facilities, as
    ``case_managers_of`` gives them one facility at a time, in one statement."""
    ids = sorted(set(facility_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(user_facilities.c.facility_id, User.id)
        .join(User, User.id == user_facilities.c.user_id)
        .where(User.active.is_(True), user_facilities.c.facility_id.in_(ids),
               User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == Role.CASE_MANAGER.value)))
        .order_by(user_facilities.c.facility_id, User.id)
    ).all()
    result: dict[int, list[int]] = {}
    for facility_id, user_id in rows:
        result.setdefault(facility_id, []).append(user_id)
    return result


# --- SMS bodies -------------------------------------------------------------------------------------------

def render_sms(template: str, user, **context) -> str:
    """An SMS body from ``templates/sms/<template>.txt`` in the recipient's language."""
    locale = user.locale or current_app.config["SHELTER"].default_locale
    # Flask-Babel keeps the forced locale on ``g`` and ignores an empty ``g`` (a scheduler job's).
    g.shelter_sms_rendering = True
    with force_locale(locale):
        return " ".join(render_template(f"sms/{template}.txt", **context).split())


# --- the policy -------------------------------------------------------------------------------------------

def policy_steps() -> list[FollowUpPolicyStep]:
    """The policy, by offset; created with the defaults (+7 call, +30/+90/+180 visits) on first use."""
    steps = list(db.session.scalars(sa.select(FollowUpPolicyStep).order_by(FollowUpPolicyStep.offset_days)))
    if steps:
        return steps
    try:
        with db.session.begin_nested():
            for offset, method in DEFAULT_POLICY:
                db.session.add(FollowUpPolicyStep(offset_days=offset, method=method))
            db.session.flush()
    except IntegrityError:  # created a moment ago by a concurrent first use
        pass
    return list(db.session.scalars(sa.select(FollowUpPolicyStep).order_by(FollowUpPolicyStep.offset_days)))


def _check_step(offset_days, method, *, step_id: int | None = None) -> None:
    problems = {}
    if not isinstance(offset_days, int) or not 1 <= offset_days <= OFFSET_MAX:
        problems["offset_days"] = "out_of_range"
    elif db.session.scalar(sa.select(FollowUpPolicyStep.id).where(
            FollowUpPolicyStep.offset_days == offset_days,
            FollowUpPolicyStep.id != (step_id or 0))):
        problems["offset_days"] = "duplicate"
    if method not in {m.value for m in FollowUpMethod}:
        problems["method"] = "invalid_choice"
    if problems:
        raise PolicyInvalid(problems)


def add_step(offset_days: int, method: str, *, by) -> FollowUpPolicyStep:
    policy_steps()
    _check_step(offset_days, method)
    step = FollowUpPolicyStep(offset_days=offset_days, method=method, updated_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(step)
            db.session.flush()
    except IntegrityError:
        raise PolicyInvalid({"offset_days": "duplicate"}) from None
    audit.record("followup_policy.step_added", actor=by, target=step,
                 detail={"offset_days": offset_days, "method": method})
    return step


def update_step(step: FollowUpPolicyStep, offset_days: int, method: str, *, by) -> bool:
    _check_step(offset_days, method, step_id=step.id)
    if (step.offset_days, step.method) == (offset_days, method):
        return False
    before = {"offset_days": step.offset_days, "method": step.method}
    step.offset_days, step.method, step.updated_by_id = offset_days, method, by.id
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise PolicyInvalid({"offset_days": "duplicate"}) from None
    audit.record("followup_policy.step_changed", actor=by, target=step,
                 detail={"before": before, "offset_days": offset_days, "method": method})
    return True


def remove_step(step: FollowUpPolicyStep, *, by) -> None:
    if db.session.scalar(sa.select(sa.func.count()).select_from(FollowUpPolicyStep)) <= 1:
        raise PolicyInvalid({"policy": "last_step"})
    audit.record("followup_policy.step_removed", actor=by, target=step,
                 detail={"offset_days": step.offset_days, "method": step.method})
    db.session.delete(step)
    db.session.flush()


# --- the schedule -------------------------------------------------------------------------------------------

def _responsible_caseworker(stay, by) -> int | None:
    """The stay's caseworker; else the discharging user if they are a caseworker there; else nobody."""
    ids = {u.id for u in caseworkers_of(stay.facility_id)}
    if stay.caseworker_id is not None and stay.caseworker_id in ids:
        return stay.caseworker_id
    if by is not None and by.id in ids:
        return by.id
    return None


def schedule_after_discharge(stay, *, by) -> list[FollowUp]:
    """Heard from ``stay_discharged`` (``followups.listeners``), in the discharge's transaction, for
    reunified / returned-home outcomes.

    One follow-up per policy step, due that many WIB days after the discharge day. Asking again for
    the same stay changes nothing (UNIQUE stay + step) and returns the existing schedule.
    """
    existing = list(db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id)
                                       .order_by(FollowUp.step)))
    if existing:
        return existing
    discharged_on = local_date(stay.discharged_at or utcnow())
    caseworker_id = _responsible_caseworker(stay, by)
    created = []
    for number, step in enumerate(policy_steps(), start=1):
        created.append(FollowUp(
            stay_id=stay.id, resident_id=stay.resident_id, facility_id=stay.facility_id, step=number,
            offset_days=step.offset_days, due_on=discharged_on + timedelta(days=step.offset_days),
            planned_method=step.method, caseworker_id=caseworker_id,
        ))
    try:
        with db.session.begin_nested():
            db.session.add_all(created)
            db.session.flush()
    except IntegrityError:  # a concurrent call made it first
        return list(db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id)
                                       .order_by(FollowUp.step)))
    audit.record("followup.scheduled", actor=by, target=stay, facility_id=stay.facility_id,
                 detail={"count": len(created), "caseworker_id": caseworker_id,
                         "follow_up_ids": [f.id for f in created]})
    return created


def assign(followup: FollowUp, caseworker: User | None, *, by) -> int:
    """Make ``caseworker`` responsible for this follow-up and the later open ones of the same discharge.

    Returns how many follow-ups changed. Only an active caseworker of the facility can be chosen.
    """
    new_id = caseworker.id if caseworker is not None else None
    if new_id is not None and new_id not in {u.id for u in caseworkers_of(followup.facility_id)}:
        raise NotACaseworker()
    targets = list(db.session.scalars(
        sa.select(FollowUp).where(FollowUp.stay_id == followup.stay_id,
                                  FollowUp.status == FollowUpStatus.OPEN.value,
                                  FollowUp.step >= followup.step)
    ))
    changed = [f for f in targets if f.caseworker_id != new_id]
    for item in changed:
        item.caseworker_id = new_id
    db.session.flush()
    if changed:
        audit.record("followup.assigned", actor=by, target=followup, facility_id=followup.facility_id,
                     detail={"caseworker_id": new_id, "follow_up_ids": [f.id for f in changed]})
    return len(changed)


# --- recording ---------------------------------------------------------------------------------------------

@dataclass
class RecordInput:
    status: str | None = None          # done | missed
    done_on: date | None = None
    method: str | None = None
    outcome: str | None = None
    notes: str = ""


def check_record(followup: FollowUp, data: RecordInput, *, today: date | None = None) -> RecordInput:
    """The rules for a record; raises FollowUpInvalid with every problem at once."""
    today = today or local_today()
    problems = {}
    notes = (data.notes or "").strip()
    if data.status not in (FollowUpStatus.DONE.value, FollowUpStatus.MISSED.value):
        problems["status"] = "invalid_choice"
    if data.done_on is None:
        problems["done_on"] = "required"
    elif data.done_on > today:
        problems["done_on"] = "in_future"
    else:
        discharged_at = followup.stay.discharged_at
        if discharged_at is not None and data.done_on < local_date(discharged_at):
            problems["done_on"] = "before_discharge"
    methods = {m.value for m in FollowUpMethod}
    outcomes = {o.value for o in FollowUpOutcome}
    if data.status == FollowUpStatus.DONE.value:
        if data.method not in methods:
            problems["method"] = "required" if not data.method else "invalid_choice"
        if data.outcome not in outcomes:
            problems["outcome"] = "required" if not data.outcome else "invalid_choice"
    else:
        if data.method and data.method not in methods:
            problems["method"] = "invalid_choice"
        if data.outcome and data.outcome not in outcomes:
            problems["outcome"] = "invalid_choice"
    if len(notes) > NOTES_MAX:
        problems["notes"] = "too_long"
    elif has_control_characters(notes, multiline=True):
        problems["notes"] = "control_characters"
    if data.status == FollowUpStatus.MISSED.value and not notes and "notes" not in problems:
        problems["notes"] = "reason_required"
    if problems:
        raise FollowUpInvalid(problems)
    return RecordInput(status=data.status, done_on=data.done_on, method=data.method or None,
                       outcome=data.outcome or None, notes=notes)


def record(followup: FollowUp, data: RecordInput, *, by) -> FollowUp:
    """Record a follow-up as done or missed. A "concerns" or "re-referral needed" outcome flags it for
    the facility's case managers: in the app, and by SMS to each one who can be texted."""
    followup = _locked(followup.id)
    if not followup.is_open:
        raise AlreadyRecorded()
    data = check_record(followup, data)
    now = utcnow()
    followup.status = data.status
    followup.done_on = data.done_on
    followup.method = data.method
    followup.outcome = data.outcome
    followup.notes = data.notes
    followup.recorded_by_id = by.id
    followup.recorded_at = now
    flagged = data.outcome in FLAGGING_OUTCOMES
    if flagged:
        followup.flagged_at = now
    db.session.flush()
    audit.record("followup.recorded", actor=by, target=followup, facility_id=followup.facility_id,
                 detail={"status": data.status, "outcome": data.outcome, "method": data.method,
                         "flagged": flagged})
    if flagged:
        _notify_flag(followup)
    return followup


def _locked(followup_id: int) -> FollowUp:
    """The follow-up, re-read with a row lock (PostgreSQL; SQLite writers are serialised at BEGIN)."""
    return db.session.scalar(
        sa.select(FollowUp).where(FollowUp.id == followup_id).with_for_update()
        .execution_options(populate_existing=True)
    )


def unacknowledged_flags(facility_ids) -> int:
    ids = list(facility_ids)
    if not ids:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(FollowUp)
        .where(FollowUp.facility_id.in_(ids), FollowUp.flagged_at.is_not(None),
               FollowUp.acknowledged_at.is_(None))
    )


def _notify_flag(followup: FollowUp) -> int:
    sent = 0
    for manager in case_managers_of([followup.facility_id]):
        number = notifications.sms_recipient(manager)
        if number is None:
            continue
        count = unacknowledged_flags(manager.facility_ids)
        body = render_sms("followup_flagged", manager, count=count)
        if notifications.enqueue(to=number, body=body, dedupe_key=f"followup.flagged:{followup.id}:{manager.id}",
                                 purpose="followup.flagged", user_id=manager.id):
            sent += 1
    return sent


def acknowledge(followup: FollowUp, *, by) -> bool:
    """A case manager has seen the flag; False when it was not (or no longer) waiting."""
    followup = _locked(followup.id)
    if not followup.needs_acknowledgement:
        return False
    followup.acknowledged_at = utcnow()
    followup.acknowledged_by_id = by.id
    db.session.flush()
    audit.record("followup.flag_acknowledged", actor=by, target=followup, facility_id=followup.facility_id)
    return True
