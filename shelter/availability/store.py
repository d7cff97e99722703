"""Writing the stored counts: the derivation from assignments, holds and beds, and the refresh.

``derive`` is the full derivation (the same rules as ``stays.queries``: a bed is occupied if it has
an open assignment, else held if it has an unreleased hold, else out of service if it has a reason,
else available), with one difference: a hold counts as held until it is released, whatever its
``expires_at``. ``refresh`` writes it for some facilities inside the caller's transaction; ``repair``
compares every facility and rewrites those that drifted (the scheduler's safety net).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from shelter.availability.models import CATEGORIES, COUNT_COLUMNS, MEASURES, AvailabilityCount, RoomAvailability
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from shelter.stays.models import BedAssignment, BedHold, Stay
from shelter.stays.queries import bed_category_expression


def _status():
    occupied = sa.exists().where(BedAssignment.bed_id == Bed.id, BedAssignment.ended_at.is_(None))
    held = sa.exists().where(BedHold.bed_id == Bed.id, BedHold.released_at.is_(None))
    return sa.case((occupied, "occupied"), (held, "held"),
                   (Bed.out_of_service_reason.is_not(None), "out_of_service"), else_="available")


def empty() -> dict[str, int]:
    values = dict.fromkeys(COUNT_COLUMNS, 0)
    values["over_capacity"] = 0
    return values


def derive(facility_ids=None) -> dict[int, dict[str, int]]:
    """Counts per facility from the source tables (every facility, or ``facility_ids``). Two statements."""
    facilities = sa.select(Facility.id)
    if facility_ids is not None:
        facilities = facilities.where(Facility.id.in_(sorted(facility_ids)))
    result = {facility_id: empty() for facility_id in db.session.scalars(facilities)}
    if not result:
        return result
    status, category = _status().label("status"), bed_category_expression().label("category")
    rows = db.session.execute(
        sa.select(Room.facility_id, category, Bed.wheelchair_accessible, status, sa.func.count())
        .select_from(Bed).join(Room, Bed.room_id == Room.id)
        .where(Room.facility_id.in_(sorted(result)))
        .group_by(Room.facility_id, category, Bed.wheelchair_accessible, status)
    ).all()
    for facility_id, bed_category, accessible, bed_status, n in rows:
        values = result[facility_id]
        for scope in ("all", bed_category) + (("accessible",) if accessible else ()):
            values[f"{scope}_total"] += n
            values[f"{scope}_{bed_status}"] += n
    over = db.session.execute(
        sa.select(Stay.facility_id, sa.func.count())
        .where(Stay.discharged_at.is_(None), Stay.over_capacity.is_(True), Stay.facility_id.in_(sorted(result)))
        .group_by(Stay.facility_id)
    ).all()
    for facility_id, n in over:
        result[facility_id]["over_capacity"] = n
    return result


def _rooms_select(facility_ids=None):
    """Per room of these facilities (or all): facility, free, free accessible, free with a crib; free
    meaning no open assignment, no unreleased hold, in service (a hold counts until released)."""
    free = _status() == "available"

    def count(*extra):
        return sa.func.coalesce(sa.func.sum(sa.case((sa.and_(free, *extra), 1), else_=0)), 0)

    query = (sa.select(Room.id, Room.facility_id, count(), count(Bed.wheelchair_accessible.is_(True)),
                       count(Bed.has_crib.is_(True)))
             .select_from(Room).outerjoin(Bed, Bed.room_id == Room.id).group_by(Room.id, Room.facility_id))
    if facility_ids is not None:
        query = query.where(Room.facility_id.in_(sorted(facility_ids)))
    return query


def derive_rooms(facility_ids=None) -> dict[int, tuple[int, int, int]]:
    """``{room_id: (free, free accessible, free with a crib)}`` from the source tables. One statement."""
    return {room_id: (int(a), int(b), int(c))
            for room_id, _facility_id, a, b, c in db.session.execute(_rooms_select(facility_ids))}


def stored_rooms(facility_ids=None) -> dict[int, tuple[int, int, int]]:
    """The stored rows, as ``derive_rooms`` gives them. One statement."""
    query = sa.select(RoomAvailability.room_id, RoomAvailability.free, RoomAvailability.free_accessible,
                      RoomAvailability.free_cribs).join(Room, Room.id == RoomAvailability.room_id)
    if facility_ids is not None:
        query = query.where(Room.facility_id.in_(sorted(facility_ids)))
    return {room_id: (a, b, c) for room_id, a, b, c in db.session.execute(query)}


def _write_rooms(facility_ids) -> None:
    """Rewrite these facilities' room rows from the source tables: two statements (DELETE, INSERT …
    SELECT), under the facilities' row locks that ``refresh`` holds."""
    ids = sorted(facility_ids)
    db.session.execute(sa.delete(RoomAvailability).where(
        RoomAvailability.room_id.in_(sa.select(Room.id).where(Room.facility_id.in_(ids)))))
    db.session.execute(sa.insert(RoomAvailability).from_select(
        ["room_id", "facility_id", "free", "free_accessible", "free_cribs"], _rooms_select(ids)))


def stored(facility_ids=None, *, lock: bool = False) -> dict[int, AvailabilityCount]:
    query = sa.select(AvailabilityCount).order_by(AvailabilityCount.facility_id)
    if facility_ids is not None:
        query = query.where(AvailabilityCount.facility_id.in_(sorted(facility_ids)))
    if lock:
        query = query.with_for_update()
    query = query.execution_options(populate_existing=True)
    return {row.facility_id: row for row in db.session.scalars(query)}


def _write(row: AvailabilityCount, values: dict[str, int], now: datetime) -> bool:
    """Store the counts; the version grows even when they are equal (a move between two beds of one
    facility changes its bed grid, not its counts, and the grid's ETag must change too)."""
    changed = row.counts() != values
    for name, value in values.items():
        setattr(row, name, value)
    row.version = (row.version or 0) + 1
    row.refreshed_at = now
    return changed


def _create_missing(facility_ids) -> None:
    """A row for each facility that has none yet (a new facility), each in a savepoint: a concurrent
    transaction that created it first wins, and ours then locks the row it made."""
    for facility_id in facility_ids:
        try:
            with db.session.begin_nested():
                db.session.add(AvailabilityCount(facility_id=facility_id, version=0, **empty()))
                db.session.flush()
        except IntegrityError:
            pass


def refresh(facility_ids) -> int:
    """Recount these facilities and store what changed, in the caller's transaction.

    The rows are locked first (ascending ids, the order ``events.facilities_changed`` gives), and the
    derivation reads after the lock: on PostgreSQL (READ COMMITTED) each statement sees what was
    committed before it, so a concurrent admission in the same facility is either committed and seen,
    or waiting behind our lock and will recount after us. Returns how many rows changed.
    """
    ids = sorted(set(facility_ids))
    if not ids:
        return 0
    db.session.flush()
    rows = stored(ids, lock=True)
    missing = [i for i in ids if i not in rows]
    if missing:
        _create_missing(missing)
        rows = stored(ids, lock=True)
    now = utcnow()
    derived = derive(ids)
    changed = 0
    for facility_id, row in rows.items():
        changed += _write(row, derived.get(facility_id, empty()), now)
    db.session.flush()
    _write_rooms(ids)
    return changed


def drift() -> list[int]:
    """Facilities whose stored row, or one of whose rooms' rows, differs from the derivation (a missing
    row counts as all zeros: a facility or room without beds needs none). Five statements."""
    derived = derive()
    rows = stored()
    wrong = {facility_id for facility_id, values in derived.items()
             if (rows[facility_id].counts() if facility_id in rows else empty()) != values}
    rooms = stored_rooms()
    for room_id, facility_id, *values in db.session.execute(_rooms_select()):
        if rooms.get(room_id, (0, 0, 0)) != tuple(int(v) for v in values):
            wrong.add(facility_id)
    return sorted(wrong)


def repair() -> int:
    """Rewrite every facility whose stored counts drifted from the derivation; returns how many."""
    wrong = drift()
    if wrong:
        refresh(wrong)
    return len(wrong)


def fill_all() -> int:
    """Write every facility's row (after loading data with SQL, outside the services)."""
    ids = list(db.session.scalars(sa.select(Facility.id)))
    return refresh(ids) if ids else 0


__all__ = ["CATEGORIES", "MEASURES", "derive", "derive_rooms", "drift", "stored_rooms", "empty", "fill_all", "refresh", "repair", "stored"]
