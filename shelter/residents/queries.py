"""The queries that feed the resident pages, with their eager loads, beside the partials they feed.

Every query here is limited by ``resident_scope_clause(user)``: a resident the user may not open is
never listed, searched, offered as a guardian or shown as a child. Where they stay and what happened
in their stays follows the episode rule (``shelter.access``): a stay in another facility never shows
its facility, bed, staff or text (in the timeline it is a month line; a Rumah Aman's not even that),
and "staying" means staying in one of the user's facilities. Statement counts do not grow with
the data: the list is two statements (count + page), a resident page a fixed handful however many
stays and bed moves the timeline holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from shelter.access import (episode_clause, episode_listed_clause, resident_scope_clause, scoped_facilities_query,
                            sees_episode)
from shelter.auth.models import User
from shelter.db import utcnow
from shelter.encryption import nik_matches
from shelter.extensions import db
from shelter.i18n import month_year
from shelter.pagination import Page, clamp_page
from shelter.facilities.models import Bed, Facility, Room
from shelter.residents.models import Resident
from shelter.residents.service import normalise_nik
from shelter.stays.models import BedAssignment, Stay

PER_PAGE = 25
GUARDIAN_RESULTS = 10
SEARCH_MAX = 120  # characters of a search (the filter form refuses longer ones)


def age(resident: Resident, today: date | None = None) -> int | None:
    today = today or utcnow().date()
    if resident.birth_date is not None:
        born = resident.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return resident.estimated_age


# --- the list ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResidentFilters:
    q: str = ""
    facility_id: int | None = None
    status: str = ""  # "", staying, discharged, never


@dataclass(frozen=True)
class ResidentRow:
    resident: Resident
    facility_name: str | None   # of the open stay if it is the user's; a Rumah Aman's name is its code name
    bed_label: str | None
    room_name: str | None
    ever_admitted: bool         # to one of the user's facilities

    @property
    def staying(self) -> bool:
        return self.facility_name is not None

    @property
    def age(self) -> int | None:
        return age(self.resident)




def _search_condition(q: str):
    """Name or alias containing the words (any order), or exactly this NIK."""
    q = q.strip()[:SEARCH_MAX]
    nik = normalise_nik(q)
    if nik and nik.isdigit() and len(nik) == 16:
        return nik_matches(Resident.nik_hash, nik)
    words = [w for w in re.split(r"\s+", q.lower()) if w]
    if not words:
        return sa.true()
    name, alias = sa.func.lower(Resident.full_name), sa.func.lower(sa.func.coalesce(Resident.alias, ""))
    return sa.and_(*[sa.or_(name.contains(w, autoescape=True), alias.contains(w, autoescape=True))
                     for w in words[:5]])


def residents_query(user, filters: ResidentFilters) -> sa.Select:
    """Residents the user may open, filtered; no columns chosen yet. "Staying", "discharged" and
    "never admitted" are about the user's own facilities (episode rule)."""
    here = episode_clause(user, Stay.facility_id)
    open_stay = sa.exists().where(Stay.resident_id == Resident.id, Stay.discharged_at.is_(None), here)
    any_stay = sa.exists().where(Stay.resident_id == Resident.id, here)
    query = sa.select(Resident).where(resident_scope_clause(user))
    if filters.q:
        query = query.where(_search_condition(filters.q))
    status, facility_id = filters.status, filters.facility_id
    if status == "staying":
        query = query.where(open_stay)
    elif status == "discharged":
        query = query.where(any_stay, ~open_stay)
    elif status == "never":
        query = query.where(~any_stay)
    if facility_id is not None:
        # "In this facility" depends on the status asked for: staying there now, once stayed there,
        # registered there; with no status, any of these.
        now_there = sa.exists().where(Stay.resident_id == Resident.id, Stay.discharged_at.is_(None),
                                      Stay.facility_id == facility_id)
        stayed_there = sa.exists().where(Stay.resident_id == Resident.id, Stay.facility_id == facility_id)
        registered_there = Resident.registered_facility_id == facility_id
        query = query.where({
            "staying": now_there,
            "discharged": stayed_there,
            "never": registered_there,
        }.get(status, sa.or_(registered_there, stayed_there)))
    return query


def residents_page(user, filters: ResidentFilters, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """One page of residents with where each one sleeps tonight, if that is one of the user's
    facilities (someone staying elsewhere is simply not staying here: no hint of where). Two statements."""
    base = residents_query(user, filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
    page = clamp_page(page, total, per_page)

    here = episode_clause(user, Stay.facility_id)
    open_stay = (sa.select(Stay.id, Stay.resident_id, Stay.facility_id)
                 .where(Stay.discharged_at.is_(None), here).subquery("open_stay"))
    open_assignment = (sa.select(BedAssignment.stay_id, BedAssignment.bed_id)
                       .where(BedAssignment.ended_at.is_(None)).subquery("open_assignment"))
    ever = sa.exists().where(Stay.resident_id == Resident.id, here).label("ever_admitted")
    query = (base.add_columns(Facility.name, Bed.label, Room.name, ever)
             .outerjoin(open_stay, open_stay.c.resident_id == Resident.id)
             .outerjoin(Facility, Facility.id == open_stay.c.facility_id)
             .outerjoin(open_assignment, open_assignment.c.stay_id == open_stay.c.id)
             .outerjoin(Bed, Bed.id == open_assignment.c.bed_id)
             .outerjoin(Room, Room.id == Bed.room_id)
             .order_by(Resident.full_name, Resident.id)
             .limit(per_page).offset((page - 1) * per_page))
    items = [ResidentRow(*row) for row in db.session.execute(query)]
    return Page(items=items, page=page, per_page=per_page, total=total)


def facility_choices(user) -> list[tuple[int, str]]:
    """The facilities whose residents the user may see (admin: all), for filters and intake."""
    return [(f.id, f.name) for f in db.session.scalars(scoped_facilities_query(user))]


def intake_facility_choices(user) -> list[tuple[int, str]]:
    """Where the user may register a resident: their own active facilities (admin: every active one)."""
    query = scoped_facilities_query(user).where(Facility.is_active.is_(True))
    return [(f.id, f.name) for f in db.session.scalars(query)]


# --- guardians ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResidentSummary:
    """Enough to recognise a person: for duplicate candidates, guardian choices and family links."""

    resident: Resident
    facility_name: str | None  # the user's facility they stay in now, else registered in; else None

    @property
    def age(self) -> int | None:
        return age(self.resident)


def summaries(user, residents_or_ids) -> list[ResidentSummary]:
    """Residents in scope, in the order given, with the facility they stay in now (else the one that
    registered them), named only when it is one of the user's: someone staying in another facility
    shows no facility at all. One statement."""
    ids = [getattr(r, "id", r) for r in residents_or_ids]
    if not ids:
        return []
    open_stay = (sa.select(Stay.resident_id, Stay.facility_id)
                 .where(Stay.discharged_at.is_(None)).subquery("open_stay"))
    facility_id = sa.case(
        (open_stay.c.facility_id.is_(None),
         sa.case((episode_clause(user, Resident.registered_facility_id), Resident.registered_facility_id))),
        (episode_clause(user, open_stay.c.facility_id), open_stay.c.facility_id),
    )
    query = (sa.select(Resident, Facility.name)
             .outerjoin(open_stay, open_stay.c.resident_id == Resident.id)
             .outerjoin(Facility, Facility.id == facility_id)
             .where(Resident.id.in_(ids), resident_scope_clause(user)))
    found = {resident.id: ResidentSummary(resident, name) for resident, name in db.session.execute(query)}
    return [found[i] for i in ids if i in found]


def guardian_candidates(user, q: str, *, exclude_id: int | None = None) -> list[ResidentSummary]:
    """Residents in scope whose name, alias or NIK matches, for the mother/guardian picker."""
    q = (q or "").strip()[:SEARCH_MAX]
    if len(q) < 2:
        return []
    query = (sa.select(Resident.id).where(resident_scope_clause(user), _search_condition(q))
             .order_by(Resident.full_name, Resident.id).limit(GUARDIAN_RESULTS))
    if exclude_id is not None:
        query = query.where(Resident.id != exclude_id)
    return summaries(user, list(db.session.scalars(query)))


def visible_resident(user, resident_id: int | None) -> Resident | None:
    if resident_id is None or not 0 < resident_id < 2**31:
        return None
    return db.session.scalar(sa.select(Resident).where(Resident.id == resident_id, resident_scope_clause(user)))


# --- one resident's page ----------------------------------------------------------------------------------

TIMELINE_RECENT = 10  # stays shown on the resident page; older ones load on request


@dataclass(frozen=True)
class StayElsewhere:
    """Another facility's stay as the timeline shows it: the months, nothing else (episode rule)."""

    admitted_at: datetime
    discharged_at: datetime | None
    elsewhere = True

    @property
    def label(self) -> str:
        start = month_year(self.admitted_at)
        if self.discharged_at is None:
            return _("Stay in another facility since %(start)s", start=start)
        return _("Stay in another facility, %(start)s – %(end)s", start=start, end=month_year(self.discharged_at))


@dataclass
class Timeline:
    stays: list                           # newest first: the user's stays (Stay, with facility and bed
                                          # assignments) and other facilities' as StayElsewhere
    has_more: bool = False                # older stays exist beyond ``stays``
    user_names: dict[int, str] = field(default_factory=dict)

    @property
    def open_stay(self) -> Stay | None:
        """The open stay, if it is in one of the user's facilities."""
        return next((s for s in self.stays if isinstance(s, Stay) and s.is_open), None)

    @property
    def stays_by_id(self) -> dict[int, Stay]:
        return {s.id: s for s in self.stays if isinstance(s, Stay)}

    def user_name(self, user_id: int | None) -> str | None:
        return self.user_names.get(user_id) if user_id is not None else None


def timeline(user, resident: Resident, *, limit: int | None = TIMELINE_RECENT, user_ids=()) -> Timeline:
    """A resident's stays as ``user`` may see them, newest first (the ``limit`` latest, or all): the
    user's own with their bed assignments and the names of the staff who admitted, discharged and
    are responsible (the caseworker),
    other facilities' as ``StayElsewhere`` (a Rumah Aman's left out in SQL). Two statements however
    long the history. ``user_ids``: more users whose names the caller needs (in the same statement)."""
    query = (sa.select(Stay).where(Stay.resident_id == resident.id, episode_listed_clause(user, Stay.facility_id))
             .options(joinedload(Stay.facility),  # assignments joined too: one statement, however many
                      joinedload(Stay.assignments).joinedload(BedAssignment.bed).joinedload(Bed.room))
             .order_by(Stay.admitted_at.desc(), Stay.id.desc()))
    if limit is not None:
        query = query.limit(limit + 1)
    stays = list(db.session.scalars(query).unique())
    has_more = limit is not None and len(stays) > limit
    stays = stays[:limit] if limit is not None else stays
    stays = [s if sees_episode(user, s.facility_id) else StayElsewhere(s.admitted_at, s.discharged_at)
             for s in stays]
    ids = {uid for s in stays if isinstance(s, Stay)
           for uid in (s.admitted_by_id, s.discharged_by_id, s.caseworker_id) if uid is not None}
    ids |= {uid for uid in user_ids if uid is not None}
    names = {}
    if ids:
        names = dict(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(ids))).all())
    return Timeline(stays=stays, has_more=has_more, user_names=names)


@dataclass
class ResidentPage:
    resident: Resident
    guardian: Resident | None
    children: list[Resident]
    timeline: Timeline

    @property
    def open_stay(self) -> Stay | None:
        return self.timeline.open_stay

    def user_name(self, user_id: int | None) -> str | None:
        return self.timeline.user_name(user_id)


PAGE_COLLECTIONS = frozenset({"category_rows", "family_contacts", "no_contact_persons"})


def page_options() -> tuple:
    """Loader options for what the resident page shows of the person: pass them to the lookup
    (``access.get_resident_or_404``) and the page does not load the person again. All three joined
    into the lookup's one statement: each holds a handful of rows (the product stays small), and two
    round trips fewer count on a page every visit writes an audit row for."""
    return (joinedload(Resident.category_rows), joinedload(Resident.family_contacts),
            joinedload(Resident.no_contact_persons))


def resident_page(user, resident: Resident, *, whole_timeline: bool = False) -> ResidentPage:
    """Everything the resident page shows, in a fixed number of statements whatever the number of
    stays, bed moves and contacts (the timeline shows the latest stays; older ones load on request).
    ``resident`` has passed the scope check already; the guardian and the children are shown only
    when the user may open them too.
    """
    if PAGE_COLLECTIONS & sa.inspect(resident).unloaded:  # not loaded with the lookup (``page_options``)
        resident = db.session.execute(
            sa.select(Resident).where(Resident.id == resident.id).options(*page_options())
            .execution_options(populate_existing=True)
        ).unique().scalar_one()
    scope = resident_scope_clause(user)
    guardian = None
    if resident.guardian_id is not None:
        guardian = db.session.scalar(sa.select(Resident).where(Resident.id == resident.guardian_id, scope))
    children = list(db.session.scalars(
        sa.select(Resident).where(Resident.guardian_id == resident.id, scope).order_by(Resident.birth_date, Resident.id)
    ))
    return ResidentPage(resident=resident, guardian=guardian, children=children,
                        timeline=timeline(user, resident, limit=None if whole_timeline else TIMELINE_RECENT,
                                          user_ids=[resident.registered_by_id]
                                          if sees_episode(user, resident.registered_facility_id) else []))


def contacts(resident: Resident) -> Resident:
    """The resident with their family contacts and no-contact persons loaded (for the htmx fragments)."""
    return db.session.scalar(
        sa.select(Resident).where(Resident.id == resident.id)
        .options(selectinload(Resident.family_contacts), selectinload(Resident.no_contact_persons))
        .execution_options(populate_existing=True)
    )
