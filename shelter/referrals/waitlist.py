"""The waitlist: referrals that no bed fits now, in priority order, matched when beds free up.

Priority: a case manager's adjustment first (each step up or down is audited with a reason), then
urgency (emergency tonight, within days, planned), then high risk, then the longest wait. When free
beds change in some facilities (``events.beds_changed``: a discharge, a transfer, a hold released or
expired, a bed back in service), the waiting referrals are matched against the free beds of those
facilities and of the facilities they were matched to before, in priority order, each match taking
its beds from what the next one can have: two referrals waiting for one bed give one match, to the
first in line. Nobody is placed automatically: the match shows in the app, and each case manager with
new matches gets one SMS a day, counts only ("N orang di daftar tunggu kini cocok dengan tempat
tidur kosong").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import sqlalchemy as sa

from shelter.audit import service as audit
from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups.service import render_sms
from shelter.localtime import local_today
from shelter.notifications import service as notifications
from shelter.referrals import rules
from shelter.referrals.models import URGENCY_ORDER, Referral, ReferralStatus
from shelter.referrals.rules import NotWaitlisted, ReferralClosed
from shelter.referrals.service import event, lock, person_of
from shelter.stays import matching, queries as stay_queries

MAX_ADJUSTMENT = 9


def priority_order():
    """ORDER BY of the waitlist, first in line first."""
    urgency = sa.case(*[(Referral.urgency == code, rank) for code, rank in URGENCY_ORDER.items()], else_=9)
    return (Referral.priority_adjustment.desc(), urgency, Referral.high_risk.desc(), Referral.waitlisted_at,
            Referral.id)


def waiting_query() -> sa.Select:
    return sa.select(Referral).where(Referral.status == ReferralStatus.WAITLISTED.value).order_by(*priority_order())


def add(referral: Referral, *, by, note: str = "") -> Referral:
    """Put an open referral on the waitlist (no bed fits now); it is matched at once against every
    facility's free beds, in case one does."""
    referral = lock(referral)
    if not referral.is_open:
        raise ReferralClosed()
    if referral.status == ReferralStatus.OFFERED.value:
        raise rules.AlreadyOffered()
    if referral.status == ReferralStatus.WAITLISTED.value:
        return referral
    note = rules.validate_reason(note) if note and note.strip() else ""
    if referral.case_manager_id is None and not by.is_admin:
        referral.case_manager_id = by.id
    referral.status = ReferralStatus.WAITLISTED.value
    referral.waitlisted_at = utcnow()
    referral.priority_adjustment = 0
    db.session.flush()
    event(referral, "waitlisted", by=by, note=note)
    audit.record("referral.waitlisted", actor=by, target=referral)
    match(None)
    return referral


def remove(referral: Referral, *, by) -> Referral:
    """Back to the case manager's list (to be offered by hand, or closed)."""
    referral = lock(referral)
    if referral.status != ReferralStatus.WAITLISTED.value:
        raise NotWaitlisted()
    referral.status = ReferralStatus.RECEIVED.value
    referral.waitlisted_at = referral.matched_at = referral.matched_facility_id = None
    db.session.flush()
    event(referral, "left_waitlist", by=by)
    audit.record("referral.left_waitlist", actor=by, target=referral)
    return referral


def adjust(referral: Referral, *, by, step: int, reason: str) -> Referral:
    """Move a waiting referral up (+1) or down (−1) in the order, with a reason (audited)."""
    reason = rules.validate_reason(reason)
    if step not in (1, -1):
        raise rules.ReferralInvalid({"step": "invalid_choice"})
    referral = lock(referral)
    if referral.status != ReferralStatus.WAITLISTED.value:
        raise NotWaitlisted()
    new = max(-MAX_ADJUSTMENT, min(MAX_ADJUSTMENT, referral.priority_adjustment + step))
    previous, referral.priority_adjustment = referral.priority_adjustment, new
    db.session.flush()
    event(referral, "reordered", by=by, code="up" if step > 0 else "down", note=reason)
    audit.record("referral.reordered", actor=by, target=referral,
                 detail={"from": previous, "to": new, "reason_length": len(reason)})
    return referral


def positions() -> dict[int, int]:
    """Referral id → place in line (1 first). One statement."""
    ids = db.session.scalars(sa.select(Referral.id).where(Referral.status == ReferralStatus.WAITLISTED.value)
                             .order_by(*priority_order()))
    return {referral_id: i for i, referral_id in enumerate(ids, start=1)}


# --- matching -------------------------------------------------------------------------------------------

def match(facility_ids) -> int:
    """Match the waitlist against the free beds of ``facility_ids`` (None: every facility) and of the
    facilities its referrals were matched to, in priority order. Returns how many referrals are newly
    matched; their case managers get one SMS a day. Two statements when nobody waits."""
    waiting = list(db.session.scalars(waiting_query()))
    if not waiting:
        return 0
    if facility_ids is not None:
        facility_ids = set(facility_ids) | {r.matched_facility_id for r in waiting if r.matched_facility_id}
        if not facility_ids:
            return 0
    rooms = {r.room_id: matching.Room(
        facility_id=r.facility_id, facility_name=r.facility_name, facility_kind=r.facility_kind, room_id=r.room_id,
        room_name=r.room_name, sex=r.sex, age_group=r.age_group, free=r.free, free_accessible=r.free_accessible,
        free_cribs=r.free_cribs) for r in stay_queries.free_beds_by_room(facility_ids=facility_ids) if r.free}
    now = utcnow()
    newly: Counter[int] = Counter()
    for referral in waiting:
        if facility_ids is not None and referral.matched_facility_id is None and not rooms:
            continue
        person = person_of(referral)
        best = matching.rank_rooms(person, rooms.values())
        if best:
            room = best[0].room
            rooms[room.room_id] = replace(
                room, free=room.free - person.beds_needed,
                free_accessible=room.free_accessible - (1 if person.wheelchair else 0),
                free_cribs=max(0, room.free_cribs - person.children))
            if referral.matched_facility_id != room.facility_id:
                was_matched = referral.matched_facility_id is not None
                referral.matched_facility_id = room.facility_id
                referral.matched_at = now
                if not was_matched:
                    event(referral, "matched")
                    if referral.case_manager_id is not None:
                        newly[referral.case_manager_id] += 1
        elif referral.matched_facility_id is not None and (
                facility_ids is None or referral.matched_facility_id in facility_ids):
            referral.matched_facility_id = None
            referral.matched_at = None
    db.session.flush()
    if newly:
        _text_case_managers(newly)
    return sum(newly.values())


def _text_case_managers(newly: Counter) -> int:
    """One SMS a day per case manager: how many of their waiting referrals fit a free bed now."""
    today = local_today()
    sent = 0
    users = db.session.scalars(sa.select(User).where(User.id.in_(sorted(newly)))).all()
    for user in users:
        number = notifications.sms_recipient(user)
        if number is None:
            continue
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Referral).where(
            Referral.status == ReferralStatus.WAITLISTED.value, Referral.case_manager_id == user.id,
            Referral.matched_facility_id.is_not(None)))
        body = render_sms("waitlist_match", user, count=count)
        if notifications.enqueue(to=number, body=body, dedupe_key=f"waitlist.match:{user.id}:{today.isoformat()}",
                                 purpose="waitlist.match", user_id=user.id):
            sent += 1
    return sent
