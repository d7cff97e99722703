"""Reading the stored counts: a page of facilities, totals by kota, one facility, and the data's version.

What a reader gets equals the derivation of ``stays.queries`` at the moment of reading: the stored row
counts a hold as held until it is released, and each read subtracts, in the same SQL statement, the
holds whose time is up but that the expiry job has not released yet (``_expired``: a few rows at
most, found through the partial index of unreleased holds). Filters, search, sorting and paging are
done in SQL on those effective counts. Every function issues a fixed number of statements.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from shelter.availability.models import CATEGORIES, MEASURES, SCOPES, AvailabilityCount, RoomAvailability
from flask import current_app

from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from shelter.stays.models import BedAssignment, BedHold
from shelter.stays.queries import Counts, FacilityAvailability, RoomFree, bed_category_expression

PER_PAGE = 25
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Query:
    """What to list. Unknown values are the caller's to refuse; empty means "any"."""

    kota: str = ""
    kind: str = ""
    category: str = ""
    accessible: bool = False
    min_free: int = 0
    search: str = ""
    facility_id: int | None = None

    @property
    def scope(self) -> str:
        """The counts that "free" means here: the chosen category's, else accessible beds', else all."""
        return self.category or ("accessible" if self.accessible else "all")


def _expired(now: datetime):
    """Per facility, the unreleased holds whose time is up on beds nobody occupies: per scope how many
    (to move from held) and how many of them are on beds out of service (those are not free)."""
    category = bed_category_expression()
    occupied = sa.exists().where(BedAssignment.bed_id == Bed.id, BedAssignment.ended_at.is_(None))
    out = Bed.out_of_service_reason.is_not(None)
    columns = [Room.facility_id.label("facility_id")]
    for scope in SCOPES:
        in_scope = (sa.true() if scope == "all" else Bed.wheelchair_accessible.is_(True) if scope == "accessible"
                    else category == scope)
        columns.append(sa.func.sum(sa.case((in_scope, 1), else_=0)).label(f"{scope}_held"))
        columns.append(sa.func.sum(sa.case((sa.and_(in_scope, out), 1), else_=0)).label(f"{scope}_out"))
    return (sa.select(*columns).select_from(BedHold).join(Bed, Bed.id == BedHold.bed_id)
            .join(Room, Room.id == Bed.room_id)
            .where(BedHold.released_at.is_(None), BedHold.expires_at <= now, ~occupied)
            .group_by(Room.facility_id).subquery("expired"))


def _effective(expired) -> dict[str, sa.ColumnElement]:
    """``{scope_measure: expression}``: the stored count corrected by the expired holds."""
    result = {}
    for scope in SCOPES:
        held = sa.func.coalesce(getattr(expired.c, f"{scope}_held"), 0)
        out = sa.func.coalesce(getattr(expired.c, f"{scope}_out"), 0)
        stored = {m: sa.func.coalesce(getattr(AvailabilityCount, f"{scope}_{m}"), 0) for m in MEASURES}
        result[f"{scope}_total"] = stored["total"]
        result[f"{scope}_occupied"] = stored["occupied"]
        result[f"{scope}_held"] = stored["held"] - held
        result[f"{scope}_out_of_service"] = stored["out_of_service"] + out
        result[f"{scope}_available"] = stored["available"] + held - out
    result["over_capacity"] = sa.func.coalesce(AvailabilityCount.over_capacity, 0)
    return result


def _where(query: Query, effective) -> list:
    clauses = [Facility.is_active.is_(True)]
    if query.kota:
        clauses.append(Facility.kota == query.kota)
    if query.kind:
        clauses.append(Facility.kind == query.kind)
    if query.facility_id is not None:
        clauses.append(Facility.id == query.facility_id)
    if query.category:
        clauses.append(effective[f"{query.category}_total"] > 0)
    if query.accessible:
        clauses.append(effective["accessible_total"] > 0)
    if query.min_free:
        clauses.append(effective[f"{query.scope}_available"] >= query.min_free)
    words = [w for w in (query.search or "").lower().split() if w][:4]
    for word in words:
        clauses.append(sa.func.lower(Facility.name).contains(word, autoescape=True))
    return clauses


def _source(now: datetime):
    expired = _expired(now)
    return expired, _effective(expired)


def _joined(select, expired):
    return (select.select_from(Facility)
            .outerjoin(AvailabilityCount, AvailabilityCount.facility_id == Facility.id)
            .outerjoin(expired, expired.c.facility_id == Facility.id))


def _entry(facility: Facility, values) -> FacilityAvailability:
    entry = FacilityAvailability(facility=facility)

    def counts(scope: str) -> Counts:
        return Counts(**{m: int(values[f"{scope}_{m}"]) for m in MEASURES})

    entry.counts = counts("all")
    entry.categories = {c: counts(c) for c in CATEGORIES}
    entry.accessible = counts("accessible")
    entry.over_capacity = int(values["over_capacity"])
    return entry


@dataclass
class Page:
    entries: list[FacilityAvailability]
    total: int  # facilities matching, on every page
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def facilities(query: Query = Query(), *, page: int = 1, per_page: int = PER_PAGE,
               now: datetime | None = None) -> Page:
    """One page of matching active facilities, the most free beds (of the query's scope) first, then by
    name. One statement (the number of matches comes with the page; a page past the end asks again)."""
    now = now or utcnow()
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    expired, effective = _source(now)
    clauses = _where(query, effective)
    labelled = [expr.label(name) for name, expr in effective.items()]
    rows = db.session.execute(
        _joined(sa.select(Facility, *labelled, sa.func.count().over().label("matches")), expired).where(*clauses)
        .order_by(effective[f"{query.scope}_available"].desc(), sa.func.lower(Facility.name), Facility.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    if rows:
        total = rows[0].matches
    else:  # past the last page (or nothing matches): the window has no row to say how many
        total = db.session.scalar(_joined(sa.select(sa.func.count()), expired).where(*clauses))
    entries = [_entry(row[0], row._mapping) for row in rows]
    return Page(entries=entries, total=int(total or 0), page=page, per_page=per_page)


def for_facilities(facility_ids, *, now: datetime | None = None,
                   include_inactive: bool = False) -> list[FacilityAvailability]:
    """The counts of these facilities (by name). One statement."""
    ids = sorted(set(facility_ids))
    if not ids:
        return []
    expired, effective = _source(now or utcnow())
    clauses = [Facility.id.in_(ids)]
    if not include_inactive:
        clauses.append(Facility.is_active.is_(True))
    rows = db.session.execute(
        _joined(sa.select(Facility, *[e.label(n) for n, e in effective.items()]), expired)
        .where(*clauses).order_by(sa.func.lower(Facility.name), Facility.id)
    ).all()
    return [_entry(row[0], row._mapping) for row in rows]


@dataclass
class KotaTotals:
    kota: str
    facilities: int
    counts: Counts
    categories: dict[str, Counts]
    accessible: Counts
    over_capacity: int


def totals_by_kota(query: Query = Query(), *, now: datetime | None = None) -> list[KotaTotals]:
    """Sums per kota of the facilities matching ``query`` (paging aside). One statement."""
    expired, effective = _source(now or utcnow())
    sums = [sa.func.sum(expr).label(name) for name, expr in effective.items()]
    rows = db.session.execute(
        _joined(sa.select(Facility.kota, sa.func.count(Facility.id).label("n"), *sums), expired)
        .where(*_where(query, effective)).group_by(Facility.kota).order_by(Facility.kota)
    ).all()
    result = []
    for row in rows:
        values = row._mapping

        def counts(scope: str) -> Counts:
            return Counts(**{m: int(values[f"{scope}_{m}"] or 0) for m in MEASURES})

        result.append(KotaTotals(kota=row.kota, facilities=int(row.n), counts=counts("all"),
                                 categories={c: counts(c) for c in CATEGORIES}, accessible=counts("accessible"),
                                 over_capacity=int(values["over_capacity"] or 0)))
    return result


def free_beds_by_room(*, min_free: int = 0, facility_ids=None, now: datetime | None = None) -> list[RoomFree]:
    """Every room of every active facility (or of ``facility_ids``) with its free beds now (all,
    wheelchair accessible, with a crib), read from the stored rows and corrected for holds whose time
    is up; ``min_free``: only rooms with at least that many. Equals ``stays.queries.free_beds_by_room``.
    One statement, whatever the number of facilities."""
    now = now or utcnow()
    occupied = sa.exists().where(BedAssignment.bed_id == Bed.id, BedAssignment.ended_at.is_(None))
    expired_free = sa.and_(~occupied, Bed.out_of_service_reason.is_(None))

    def count(*extra):
        return sa.func.sum(sa.case((sa.and_(*extra), 1), else_=0))

    expired = (sa.select(Bed.room_id.label("room_id"), count(sa.true()).label("free"),
                         count(Bed.wheelchair_accessible.is_(True)).label("accessible"),
                         count(Bed.has_crib.is_(True)).label("cribs"))
               .select_from(BedHold).join(Bed, Bed.id == BedHold.bed_id)
               .where(BedHold.released_at.is_(None), BedHold.expires_at <= now, expired_free)
               .group_by(Bed.room_id).subquery("expired_rooms"))

    def effective(stored, extra):
        return sa.func.coalesce(stored, 0) + sa.func.coalesce(extra, 0)

    free = effective(RoomAvailability.free, expired.c.free)
    query = (
        sa.select(Facility.id, Facility.name, Facility.kind, Facility.kota, Room.id, Room.name, Room.sex,
                  Room.age_group, free, effective(RoomAvailability.free_accessible, expired.c.accessible),
                  effective(RoomAvailability.free_cribs, expired.c.cribs))
        .select_from(Room).join(Facility, Facility.id == Room.facility_id)
        .outerjoin(RoomAvailability, RoomAvailability.room_id == Room.id)
        .outerjoin(expired, expired.c.room_id == Room.id)
        .where(Facility.is_active.is_(True))
        .order_by(Facility.name, Room.name)
    )
    if min_free > 0:
        query = query.where(free >= min_free)
    if facility_ids is not None:
        query = query.where(Facility.id.in_(sorted(facility_ids)))
    return [RoomFree(*(int(v) if i >= 8 else v for i, v in enumerate(row)))
            for row in db.session.execute(query).all()]


def version(*, now: datetime | None = None) -> str:
    """A short token that changes whenever what the board or the API could show changes. One statement.

    Built from: the sum of the facilities' versions (every refresh adds one, so it only grows), the
    number of rows, the active facilities (count and sum of ids: one switched on or off changes it),
    and the number of unreleased holds whose time is up (grows as time passes, and only a release,
    which refreshes and so grows the sum, makes it fall)."""
    global _version_statement
    if _version_statement is None:  # built once: every board, API answer and poll asks (CPU, not SQL)
        _version_statement = sa.select(
            sa.select(sa.func.coalesce(sa.func.sum(AvailabilityCount.version), 0)).scalar_subquery(),
            sa.select(sa.func.count()).select_from(AvailabilityCount).scalar_subquery(),
            sa.select(sa.func.count()).select_from(Facility).where(Facility.is_active.is_(True)).scalar_subquery(),
            sa.select(sa.func.coalesce(sa.func.sum(Facility.id), 0)).where(Facility.is_active.is_(True))
            .scalar_subquery(),
            sa.select(sa.func.count()).select_from(BedHold)
            .where(BedHold.released_at.is_(None), BedHold.expires_at <= sa.bindparam("now", type_=BedHold.expires_at.type))
            .scalar_subquery(),
        )
    read_at = _clock()
    row = db.session.execute(_version_statement, {"now": now or utcnow()}).one()
    value = "-".join(str(int(v)) for v in row)
    if now is None:
        current_app.extensions[_RECENT_KEY] = (read_at, value)
    return value


_version_statement = None

# The board's 30-second background poll may compare with a version this process read at most this
# long ago: a change is then seen by that poll up to a second later — within the poll's own 30 s —
# and a province of phones polling costs no query each. Only the poll's 304 uses it: whatever is
# drawn or answered otherwise reads ``version`` afresh.
RECENT_SECONDS = 1.0
_RECENT_KEY = "shelter.availability.recent_version"
_clock = time.monotonic


def recent_version() -> str:
    """``version`` as this app's process read it less than ``RECENT_SECONDS`` ago, else read now."""
    seen = current_app.extensions.get(_RECENT_KEY)
    if seen is not None and 0 <= _clock() - seen[0] < RECENT_SECONDS:
        return seen[1]
    return version()


def etag(data_version: str, *parts) -> str:
    """A strong ETag (unquoted) for a response built from ``data_version`` and whatever else shapes it (user,
    language, query string): opaque, so nothing of those leaks into a header."""
    return hashlib.sha256("\x1f".join([data_version, *map(str, parts)]).encode()).hexdigest()[:32]
