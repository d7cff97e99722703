"""Capacity rules and their evaluation, with hysteresis.

A rule goes *low* when free beds ≤ N (``max_free_beds``) or occupancy ≥ P % (``min_occupancy_percent``)
and is back to normal only at its separate recovery threshold (``shelter.alerts.thresholds``). Only a
change of state does anything: crossing into low records one CapacityAlert and queues one SMS per
recipient, at most once per ``min_interval_minutes`` (a low that comes sooner waits, and is alerted
when the interval is over if it is still low); staying low does nothing; leaving low records a
"recovered" alert (and texts it only when ``notify_recovery``), unless the low was never alerted.

Concurrency: ``evaluate_facility`` runs inside the transaction of every admission, transfer,
discharge, hold and bed change. It first locks the facility's active rules (``SELECT … FOR UPDATE``
on PostgreSQL; on SQLite the transaction already holds the write lock from ``BEGIN IMMEDIATE``),
then counts free beds. Under PostgreSQL's READ COMMITTED each statement sees everything committed
before it started, so the count taken after the lock includes every change whose evaluation went
before ours: ten admissions crossing a threshold together see the state move once.

Numbers: "free" beds are in service, not occupied and not held (the board's "available");
occupancy is (beds in service − free) / beds in service, so held beds count as taken. A category
rule counts only that category's beds. A category or facility without beds in service is 0 free
and 100 % occupied.

SMS bodies come from ``templates/sms/capacity_low.txt`` and ``capacity_recovered.txt``. They never
name the facility: a Rumah Aman's name and code are code names that must not travel by SMS, and
for one rule of wording the same holds for every panti. They say "one of your facilities" and
counts; the facility is on the alerts page in Shelter.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy.orm import joinedload

from shelter.alerts import thresholds
from shelter.alerts.models import AlertKind, CapacityAlert, CapacityRule, RULE_CATEGORIES, capacity_rule_recipients
from shelter.alerts.thresholds import MAX_FREE_BEDS_LIMIT, Measure, is_low  # noqa: F401 - re-exported
from shelter.audit import service as audit
from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays import labels as stay_labels

SMS_PURPOSE = "capacity.alert"


class AlertError(Exception):
    """Base of the domain errors raised here; ``code`` is stable."""

    code = "alert_error"


class InvalidRule(AlertError):
    code = "invalid_rule"

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class RecipientNotAllowed(AlertError):
    code = "recipient_not_allowed"


# --- measuring ------------------------------------------------------------------------------------------

def _measures(facility_ids, now: datetime) -> dict[int, dict[str | None, Measure]]:
    """facility id → {None: all beds, category: that category's beds}. Three statements."""
    from shelter.stays.queries import availability

    result = {}
    for entry in availability(facility_ids, now=now, include_inactive=True):
        per = {None: _measure(entry.counts)}
        for category, counts in entry.categories.items():
            per[category] = _measure(counts)
        result[entry.facility.id] = per
    return result


def _measure(counts) -> Measure:
    total = counts.total - counts.out_of_service
    free = counts.available
    percent = (100 * (total - free)) // total if total else 100
    return Measure(free=free, total=total, occupancy_percent=percent)


# --- evaluating -----------------------------------------------------------------------------------------

def _locked_rules(*where) -> list[CapacityRule]:
    """Active rules, locked in id order (one order for everyone: no deadlocks between rules)."""
    return list(db.session.scalars(
        sa.select(CapacityRule).where(CapacityRule.active.is_(True), *where)
        .order_by(CapacityRule.id)
        .with_for_update(of=CapacityRule)
        .execution_options(populate_existing=True)
    ).unique())


def evaluate_facility(facility_id: int, *, now=None) -> int:
    """Called in the transaction of every change of free beds (admit, transfer, discharge, holds, bed
    status). Moves the state of the facility's active rules; returns how many alerts it recorded.

    With no rule on the facility this is one indexed query. Never commits.
    """
    rules = _locked_rules(CapacityRule.facility_id == facility_id)
    if not rules:
        return 0
    now = now or utcnow()
    # Counted after the lock: see the module docstring.
    measures = _measures([facility_id], now).get(facility_id)
    if measures is None:
        return 0
    return sum(_apply(rule, measures[rule.category], now) for rule in rules)


def evaluate_all(now=None) -> int:
    """The periodic safety net (scheduler, every few minutes): evaluates every active rule, one
    facility per transaction, and commits. Catches what no user action announced, like a hold that
    expired. Returns how many alerts it recorded.

    A first look, without locks, reads every active rule and the stored availability counts
    (``shelter.availability``: equal to the derivation, expired holds included) in two statements;
    only the facilities where a rule would change state or has a held-back alert due are then
    evaluated for real (locked, recounted), so 500 quiet facilities cost two statements, not 500
    transactions."""
    from shelter.availability.lookup import for_facilities

    now = now or utcnow()
    rules = list(db.session.scalars(sa.select(CapacityRule).where(CapacityRule.active.is_(True))))
    counts = {entry.facility.id: entry for entry in
              for_facilities({rule.facility_id for rule in rules}, now=now, include_inactive=True)}
    facility_ids = sorted({rule.facility_id for rule in rules if _may_change(rule, counts.get(rule.facility_id), now)})
    db.session.commit()
    created = 0
    for facility_id in facility_ids:
        try:
            created += evaluate_facility(facility_id, now=now)
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - one facility's failure must not stop the others' alerts
            db.session.rollback()
            # The class only: an exception's message can carry a statement's values (a phone number).
            current_app.logger.error("capacity evaluation failed for facility %s: %s", facility_id,
                                     type(error).__name__)
    return created


def _may_change(rule: CapacityRule, entry, now: datetime) -> bool:
    """Whether evaluating this rule could change anything (its state, or a held-back alert now due)."""
    if entry is None:
        return True
    counts = entry.counts if rule.category is None else entry.categories.get(rule.category)
    if counts is None:
        return True
    measure = _measure(counts)
    return thresholds.next_state(rule, measure) != rule.is_low or (rule.alert_pending
                                                                   and thresholds.may_alert(rule, now))


def _apply(rule: CapacityRule, measure: Measure, now: datetime) -> int:
    low = thresholds.next_state(rule, measure)
    if low != rule.is_low:
        unannounced = rule.alert_pending
        rule.is_low, rule.state_changed_at, rule.alert_pending = low, now, low
        if not low and not unannounced:
            return _record(rule, AlertKind.RECOVERED, measure, now)
    if rule.alert_pending and thresholds.may_alert(rule, now):
        rule.alert_pending, rule.last_alert_at = False, now
        return _record(rule, AlertKind.LOW, measure, now)
    return 0


def _record(rule: CapacityRule, kind: AlertKind, measure: Measure, now: datetime) -> int:
    low = kind == AlertKind.LOW
    alert = CapacityAlert(rule_id=rule.id, facility_id=rule.facility_id, category=rule.category, kind=kind.value,
                          free_beds=measure.free, total_beds=measure.total,
                          occupancy_percent=measure.occupancy_percent, created_at=now, sms_count=0)
    db.session.add(alert)
    db.session.flush()
    if low or rule.notify_recovery:
        alert.sms_count = _text_recipients(rule, alert)
    return 1


def _text_recipients(rule: CapacityRule, alert: CapacityAlert) -> int:
    from shelter.notifications.service import enqueue, sms_recipient

    queued = 0
    template = "sms/capacity_low.txt" if alert.kind == AlertKind.LOW.value else "sms/capacity_recovered.txt"
    for user in eligible_recipients(rule):
        number = sms_recipient(user)
        if number is None:
            continue
        body = sms_body(template, alert, locale=user.locale)
        if enqueue(to=number, body=body, dedupe_key=f"capacity:{alert.id}:{user.id}", purpose=SMS_PURPOSE,
                   user_id=user.id) is not None:
            queued += 1
    return queued


def sms_body(template: str, alert: CapacityAlert, *, locale: str | None = None) -> str:
    """Counts and fixed wording only: never the facility's name, code or address."""
    with force_locale(locale or current_app.config["SHELTER"].default_locale):
        return render_template(template, free=alert.free_beds, occupancy=alert.occupancy_percent,
                               category=category_label(alert.category) if alert.category else None).strip()


def category_label(code: str) -> str:
    return str(stay_labels.category_label(code))


# --- who may receive a rule's alerts --------------------------------------------------------------------

def candidate_recipients(facility_id: int) -> list:
    """Active users with access to the facility (its staff, and admins), by name."""
    from shelter.auth.models import Role, User, UserRole, user_facilities

    works_here = sa.exists().where(user_facilities.c.user_id == User.id,
                                   user_facilities.c.facility_id == facility_id)
    is_admin = sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.ADMIN.value)
    return list(db.session.scalars(
        sa.select(User).where(User.active.is_(True), sa.or_(works_here, is_admin)).order_by(User.full_name, User.id)
    ))


def eligible_recipients(rule: CapacityRule) -> list:
    """The rule's recipients who still have access to its facility (staff move; rules stay)."""
    allowed = {u.id for u in candidate_recipients(rule.facility_id)}
    return [u for u in rule.recipients if u.id in allowed]


# --- managing rules -------------------------------------------------------------------------------------

def _check(values: dict, facility_id: int) -> list:
    """Raises InvalidRule or RecipientNotAllowed; ``values`` must be ``thresholds.completed``."""
    category = values.get("category") or None
    if category is not None and category not in RULE_CATEGORIES:
        raise InvalidRule("category")
    field = thresholds.problem(values)
    if field is not None:
        raise InvalidRule(field)
    candidates = {u.id: u for u in candidate_recipients(facility_id)}
    ids = list(dict.fromkeys(values.get("recipient_ids") or []))
    if any(i not in candidates for i in ids):
        raise RecipientNotAllowed()
    return [candidates[i] for i in ids]


def _baseline(rule: CapacityRule, now: datetime) -> None:
    """Set the state from the counts now, without an alert: whoever saves a rule sees its state on
    the page; alerts are for crossings that happen afterwards."""
    db.session.flush()
    _locked_rules(CapacityRule.id == rule.id)
    measure = _measures([rule.facility_id], now)[rule.facility_id][rule.category]
    rule.is_low = thresholds.next_state(rule, measure)  # a low rule stays low until it recovers
    rule.state_changed_at = now
    rule.alert_pending = False


THRESHOLD_FIELDS = ("category", "max_free_beds", "min_occupancy_percent", "recovery_free_beds",
                    "recovery_occupancy_percent")
FIELDS = (*THRESHOLD_FIELDS, "min_interval_minutes", "notify_recovery")


def _values(*, category, max_free_beds, min_occupancy_percent, recovery_free_beds, recovery_occupancy_percent,
            min_interval_minutes, recipient_ids) -> dict:
    return thresholds.completed(dict(
        category=category or None, max_free_beds=max_free_beds, min_occupancy_percent=min_occupancy_percent,
        recovery_free_beds=recovery_free_beds, recovery_occupancy_percent=recovery_occupancy_percent,
        min_interval_minutes=min_interval_minutes, recipient_ids=recipient_ids))


def create_rule(facility, *, by, category=None, max_free_beds=None, min_occupancy_percent=None,
                recovery_free_beds=None, recovery_occupancy_percent=None, min_interval_minutes=None,
                recipient_ids=(), notify_recovery=False) -> CapacityRule:
    """Empty recovery thresholds and interval take the defaults (``shelter.alerts.thresholds``)."""
    values = _values(category=category, max_free_beds=max_free_beds, min_occupancy_percent=min_occupancy_percent,
                     recovery_free_beds=recovery_free_beds, recovery_occupancy_percent=recovery_occupancy_percent,
                     min_interval_minutes=min_interval_minutes, recipient_ids=recipient_ids)
    recipients = _check(values, facility.id)
    rule = CapacityRule(facility_id=facility.id, notify_recovery=bool(notify_recovery), active=True, is_low=False,
                        alert_pending=False, created_by_id=by.id if by is not None else None,
                        **{name: values[name] for name in FIELDS if name != "notify_recovery"})
    rule.recipients = recipients
    db.session.add(rule)
    _baseline(rule, utcnow())
    audit.record("capacity_rule.created", actor=by, target=rule, facility_id=facility.id,
                 detail={"recipient_ids": [u.id for u in recipients], "is_low": rule.is_low})
    return rule


def update_rule(rule: CapacityRule, *, by, category=None, max_free_beds=None, min_occupancy_percent=None,
                recovery_free_beds=None, recovery_occupancy_percent=None, min_interval_minutes=None,
                recipient_ids=(), notify_recovery=False) -> list[str]:
    """Returns the names of the fields that changed ("recipients" included)."""
    values = _values(category=category, max_free_beds=max_free_beds, min_occupancy_percent=min_occupancy_percent,
                     recovery_free_beds=recovery_free_beds, recovery_occupancy_percent=recovery_occupancy_percent,
                     min_interval_minutes=min_interval_minutes, recipient_ids=recipient_ids)
    recipients = _check(values, rule.facility_id)
    values["notify_recovery"] = bool(notify_recovery)
    changed = [name for name in FIELDS if getattr(rule, name) != values[name]]
    for name in changed:
        setattr(rule, name, values[name])
    if {u.id for u in rule.recipients} != {u.id for u in recipients}:
        rule.recipients = recipients
        changed.append("recipients")
    if changed:
        if rule.active and set(changed) & set(THRESHOLD_FIELDS):
            _baseline(rule, utcnow())
        audit.record("capacity_rule.updated", actor=by, target=rule, facility_id=rule.facility_id,
                     detail={"fields": changed})
    return changed


def set_rule_active(rule: CapacityRule, active: bool, *, by) -> bool:
    if rule.active == active:
        return False
    rule.active = active
    if active:
        _baseline(rule, utcnow())
    else:
        rule.is_low = rule.alert_pending = False
        rule.state_changed_at = utcnow()
    audit.record("capacity_rule.activated" if active else "capacity_rule.deactivated", actor=by, target=rule,
                 facility_id=rule.facility_id)
    return True


# --- reading --------------------------------------------------------------------------------------------

def low_rules(facility_ids=None) -> list[CapacityRule]:
    """Active rules that are low now (facility ids None = all), for the in-app banner. One statement."""
    query = (sa.select(CapacityRule).options(joinedload(CapacityRule.facility))
             .where(CapacityRule.active.is_(True), CapacityRule.is_low.is_(True))
             .order_by(CapacityRule.state_changed_at.desc(), CapacityRule.id))
    if facility_ids is not None:
        query = query.where(CapacityRule.facility_id.in_(list(facility_ids)))
    return list(db.session.scalars(query).unique())


def rules_of(facility_id: int) -> list[CapacityRule]:
    return list(db.session.scalars(
        sa.select(CapacityRule).where(CapacityRule.facility_id == facility_id)
        .order_by(CapacityRule.active.desc(), CapacityRule.id)
    ).unique())


def history_page(facility_id: int, page: int, per_page: int):
    from shelter.pagination import Page, clamp_page

    total = db.session.scalar(sa.select(sa.func.count()).select_from(CapacityAlert)
                              .where(CapacityAlert.facility_id == facility_id))
    page = clamp_page(page, total, per_page)
    items = list(db.session.scalars(
        sa.select(CapacityAlert).where(CapacityAlert.facility_id == facility_id)
        .order_by(CapacityAlert.created_at.desc(), CapacityAlert.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).unique())
    return Page(items=items, page=page, per_page=per_page, total=total)


__all__ = ["evaluate_facility", "evaluate_all", "create_rule", "update_rule", "set_rule_active", "low_rules",
           "rules_of", "history_page", "candidate_recipients", "eligible_recipients", "capacity_rule_recipients"]
