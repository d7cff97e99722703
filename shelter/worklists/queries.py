"""Compose the worklists from what each feature says is due (``worklist_items``, see ``items.py``).

Two views of the same items:

* **mine** — a caseworker: the work on the stays they are responsible for (``Stay.caseworker_id``).
* **team** — a case manager, facility manager or admin: everything across their facilities, with a
  count per caseworker and an "unassigned" row, filterable by caseworker (the features are asked once
  more for that caseworker, so the sessions their residents attend show too), paginated.

Every source issues a fixed number of statements, and so does this module (one more, for the
caseworkers' names), so the home page costs the same with 2 residents or 2,000.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from shelter.localtime import local_today  # noqa: F401 (part of this API)
from shelter.access import visible_facility_ids
from shelter.auth.models import Role, User, UserRole, user_facilities
from shelter.extensions import db
from shelter.pagination import Page, clamp_page
from shelter.worklist_items import WorkKind, WorklistItem

PER_PAGE = 50
# Who sees the team view; a caseworker (without these roles) sees their own list.
TEAM_ROLES = (Role.ADMIN, Role.CASE_MANAGER, Role.FACILITY_MANAGER)
UNASSIGNED = "none"  # the filter value of the "unassigned" row

# Groups in the order the page shows them.
KIND_ORDER = (WorkKind.ASSESSMENT_DUE, WorkKind.PLAN_APPROVAL, WorkKind.PLAN_REVIEW_DUE, WorkKind.FOLLOW_UP_DUE,
              WorkKind.OUTGOING_REFERRAL, WorkKind.SESSION_TODAY)
KIND_LABELS = {
    WorkKind.ASSESSMENT_DUE: _l("Assessments due"),
    WorkKind.PLAN_APPROVAL: _l("Plans waiting for approval"),
    WorkKind.PLAN_REVIEW_DUE: _l("Plan reviews due"),
    WorkKind.FOLLOW_UP_DUE: _l("Follow-ups due"),
    WorkKind.OUTGOING_REFERRAL: _l("Outgoing referrals to follow up"),
    WorkKind.SESSION_TODAY: _l("Programme sessions today"),
}
# A caseworker acts on these; approving a plan is the case manager's work.
MINE_KINDS = frozenset(KIND_ORDER) - {WorkKind.PLAN_APPROVAL}
# Work that belongs to a resident's caseworker (sessions belong to a programme, not to a person).
PERSONAL_KINDS = frozenset(KIND_ORDER) - {WorkKind.SESSION_TODAY}


def _sources():
    """Each feature's ``worklist_items``, in a fixed order."""
    from shelter.assessments import queries as assessments
    from shelter.plans import queries as plans
    from shelter.programmes import queries as programmes
    from shelter.referrals import queries_outgoing as outgoing
    from shelter.worklists import followups

    return (assessments.worklist_items, plans.worklist_items, followups.worklist_items, programmes.worklist_items,
            outgoing.worklist_items)


def collect(*, facility_ids: set[int] | None, caseworker_id: int | None, today: date) -> list[WorklistItem]:
    """Every item the features report for these facilities (and, if given, this caseworker)."""
    if facility_ids is not None and not facility_ids:
        return []
    items: list[WorklistItem] = []
    for source in _sources():
        items.extend(source(facility_ids=facility_ids, caseworker_id=caseworker_id, today=today))
    return items


# --- one line on the page ------------------------------------------------------------------------------------

WHEN_OVERDUE, WHEN_TODAY, WHEN_WEEK, WHEN_LATER = "overdue", "today", "week", "later"


def when(item: WorklistItem, today: date) -> str:
    if item.overdue or item.due_on < today:
        return WHEN_OVERDUE
    if item.due_on == today:
        return WHEN_TODAY
    if item.due_on <= today + timedelta(days=6):
        return WHEN_WEEK
    return WHEN_LATER


def sort_key(item: WorklistItem, today: date):
    return (KIND_ORDER.index(item.kind) if item.kind in KIND_ORDER else len(KIND_ORDER),
            when(item, today) != WHEN_OVERDUE, item.due_on, item.resident_name, item.url)


@dataclass(frozen=True)
class Entry:
    item: WorklistItem
    when: str
    caseworker_name: str | None  # team view: who is responsible (None: nobody yet)


@dataclass(frozen=True)
class Group:
    kind: WorkKind
    entries: list[Entry]

    @property
    def label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    @property
    def overdue(self) -> int:
        return sum(1 for e in self.entries if e.when == WHEN_OVERDUE)


@dataclass(frozen=True)
class CaseworkerCount:
    key: str  # the filter value: a user id, or UNASSIGNED
    name: str | None  # None: the unassigned row
    by_kind: dict
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


@dataclass
class Worklist:
    mode: str  # "mine" or "team"
    today: date
    page: Page
    groups: list[Group]
    counts: list[CaseworkerCount] = field(default_factory=list)
    selected: str = ""  # the caseworker filter in force ("" = everyone)
    total_overdue: int = 0
    summary: list[tuple] = field(default_factory=list)  # (kind, label, count) over every page

    @property
    def count_kinds(self) -> tuple:
        return tuple(k for k in KIND_ORDER if k in PERSONAL_KINDS)

    @property
    def selected_name(self) -> str | None:
        for row in self.counts:
            if row.key == self.selected:
                return row.name
        return None

    def kind_label(self, kind) -> str:
        return str(KIND_LABELS.get(kind, kind))


def mode_for(user) -> str | None:
    if user.has_role(*TEAM_ROLES):
        return "team"
    if user.has_role(Role.CASEWORKER):
        return "mine"
    return None


def _dedupe(items: list[WorklistItem]) -> list[WorklistItem]:
    """One line per piece of work (a session reported for several caseworkers shows once)."""
    seen, unique = set(), []
    for item in items:
        key = (item.kind, item.url, item.resident_id)
        if key not in seen:
            seen.add(key)
            unique.append(item)
    return unique


def _paged(items: list[WorklistItem], today: date, page: int, names: dict[int, str]) -> tuple[Page, list[Group]]:
    items = sorted(items, key=lambda i: sort_key(i, today))
    number = clamp_page(page, len(items), PER_PAGE)
    start = (number - 1) * PER_PAGE
    shown = items[start:start + PER_PAGE]
    groups: list[Group] = []
    for item in shown:
        if not groups or groups[-1].kind != item.kind:
            groups.append(Group(kind=item.kind, entries=[]))
        groups[-1].entries.append(Entry(item=item, when=when(item, today),
                                        caseworker_name=names.get(item.caseworker_id)))
    return Page(items=shown, page=number, per_page=PER_PAGE, total=len(items)), groups


def _caseworker_names(facility_ids: set[int] | None, extra_ids: set[int]) -> dict[int, str]:
    """Caseworkers of these facilities, and anyone else responsible for an item: id → name (one query)."""
    in_facilities = (sa.select(UserRole.user_id).where(UserRole.role == Role.CASEWORKER.value))
    if facility_ids is not None:
        in_facilities = in_facilities.join(user_facilities, user_facilities.c.user_id == UserRole.user_id).where(
            user_facilities.c.facility_id.in_(facility_ids))
    query = (sa.select(User.id, User.full_name)
             .where(sa.or_(sa.and_(User.id.in_(in_facilities), User.active.is_(True)), User.id.in_(extra_ids)))
             .order_by(User.full_name, User.id))
    return dict(db.session.execute(query).all())


def parse_filter(raw: str | None) -> str:
    """The caseworker filter: a user id, "none" (unassigned), or "" (everyone); anything else is ignored."""
    raw = (raw or "").strip()
    if raw == UNASSIGNED:
        return raw
    if raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31:
        return str(int(raw))
    return ""


def worklist_for(user, *, today: date, page: int = 1, caseworker: str = "") -> Worklist | None:
    """The worklist this user sees on the home page, or None (intake staff: no worklist)."""
    mode = mode_for(user)
    if mode is None:
        return None
    facility_ids = visible_facility_ids(user)  # the user's episodes only (shelter.access): every source filters by it
    if mode == "mine":
        items = [i for i in collect(facility_ids=facility_ids, caseworker_id=user.id, today=today)
                 if i.kind in MINE_KINDS]
        items = _dedupe(items)
        page_, groups = _paged(items, today, page, {})
        return Worklist(mode=mode, today=today, page=page_, groups=groups, summary=_summary(items, MINE_KINDS),
                        total_overdue=sum(1 for i in items if when(i, today) == WHEN_OVERDUE))

    items = collect(facility_ids=facility_ids, caseworker_id=None, today=today)
    names = _caseworker_names(facility_ids, {i.caseworker_id for i in items if i.caseworker_id is not None})
    counts = _counts(items, names, today)
    caseworker = caseworker if caseworker in {row.key for row in counts} else ""
    if caseworker == UNASSIGNED:
        shown = [i for i in items if i.caseworker_id is None and i.kind in PERSONAL_KINDS]
    elif caseworker:
        # Asked again for this caseworker: the features then also say which sessions concern their residents.
        shown = collect(facility_ids=facility_ids, caseworker_id=int(caseworker), today=today)
    else:
        shown = items
    shown = _dedupe(shown)
    page_, groups = _paged(shown, today, page, names)
    return Worklist(mode=mode, today=today, page=page_, groups=groups, counts=counts, selected=caseworker,
                    summary=_summary(shown, frozenset(KIND_ORDER)),
                    total_overdue=sum(1 for i in shown if when(i, today) == WHEN_OVERDUE))


def _summary(items: list[WorklistItem], kinds) -> list[tuple]:
    counted = Counter(i.kind for i in items)
    return [(kind, str(KIND_LABELS[kind]), counted[kind]) for kind in KIND_ORDER if kind in kinds]


def _counts(items: list[WorklistItem], names: dict[int, str], today: date) -> list[CaseworkerCount]:
    """One row per caseworker (every caseworker of the facilities, even with nothing due), then "unassigned"."""
    by_kind: dict[int | None, Counter] = {cid: Counter() for cid in names}
    overdue: Counter = Counter()
    by_kind[None] = Counter()
    for item in _dedupe(items):
        if item.kind not in PERSONAL_KINDS:
            continue  # a session belongs to a programme: counted on its own, not as someone's work
        by_kind.setdefault(item.caseworker_id, Counter())[item.kind] += 1
        if when(item, today) == WHEN_OVERDUE:
            overdue[item.caseworker_id] += 1
    rows = [CaseworkerCount(key=str(cid), name=name, by_kind=dict(by_kind[cid]), overdue=overdue[cid])
            for cid, name in names.items()]
    rows.append(CaseworkerCount(key=UNASSIGNED, name=None, by_kind=dict(by_kind[None]), overdue=overdue[None]))
    return rows
