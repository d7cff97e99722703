"""Plan versions: every approval and every review freezes the goals (with the progress notes of a
review) into a numbered ``PlanVersion``, and "what changed" compares two of those frozen copies.

A version is never changed once written: it is the record of what was agreed at that case
conference, so a snapshot carries the responsible worker's name as it was then, not an id to look up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from shelter.auth.models import User
from shelter.extensions import db
from shelter.plans.models import PlanVersion, RehabilitationPlan, VersionKind


def snapshot(plan: RehabilitationPlan) -> dict:
    names = dict(db.session.execute(sa.select(User.id, User.full_name).where(
        User.id.in_({g.responsible_id for g in plan.goals if g.responsible_id}))).all()) if plan.goals else {}
    return {"goals": [{
        "id": g.id, "position": g.position, "domain": g.domain, "description": g.description,
        "interventions": g.interventions, "responsible_id": g.responsible_id,
        "responsible_name": names.get(g.responsible_id, ""),
        "target_date": g.target_date.isoformat() if g.target_date else None,
        "status": g.status, "note": g.progress_note,
    } for g in sorted(plan.goals, key=lambda g: g.position)]}


def freeze(plan: RehabilitationPlan, *, kind: VersionKind, on: date, by, at: datetime,
            summary: str = "") -> PlanVersion:
    number = (db.session.scalar(sa.select(sa.func.max(PlanVersion.number))
                                .where(PlanVersion.plan_id == plan.id)) or 0) + 1
    version = PlanVersion(plan_id=plan.id, number=number, kind=kind.value, effective_on=on, recorded_at=at,
                          recorded_by_id=by.id, summary=summary, snapshot=snapshot(plan))
    db.session.add(version)
    db.session.flush()
    db.session.refresh(plan, ["versions"])
    return version


@dataclass(frozen=True)
class Change:
    """One difference between two versions, for "what changed"."""

    kind: str            # added | removed | field
    goal_position: int
    goal_description: str
    field: str = ""      # status | target_date | description | interventions | domain | responsible_name
    before: str | None = None
    after: str | None = None


COMPARED = ("status", "target_date", "domain", "description", "interventions", "responsible_name")


def changes(before: dict | None, after: dict) -> list[Change]:
    """What differs from the previous version (everything is new in version 1)."""
    old = {g["id"]: g for g in (before or {}).get("goals", [])}
    found = []
    for goal in after.get("goals", []):
        previous = old.pop(goal["id"], None)
        if previous is None:
            if before is not None:
                found.append(Change("added", goal["position"], goal["description"]))
            continue
        for name in COMPARED:
            if previous.get(name) != goal.get(name):
                found.append(Change("field", goal["position"], goal["description"], name,
                                    previous.get(name), goal.get(name)))
    for goal in old.values():
        found.append(Change("removed", goal["position"], goal["description"]))
    return found
