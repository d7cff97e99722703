"""The bed board and find-a-bed.

Everyone logged in sees the counts of every active facility; only the facilities whose inside the
user may open (``visible_facility_ids``) show their rooms and beds. The board never shows a
resident's name (an occupied bed links to the resident's page, which checks scope and audits the
view) nor any address; a Rumah Aman appears under its name, which is its code name.

At province scale the board is small enough for a phone: totals by kota and category, then one page
of facilities (the most free beds of the chosen category first), filtered, searched and paged in SQL
on the stored counts (``shelter.availability.lookup``); bed grids only for one chosen facility, or
when the page's beds are few (``GRID_LIMIT``). One template serves the page and the htmx fragment
(``_board.html``). Every answer carries an ETag built from the data's version
(``lookup.version``), the user, the language and the query; a request whose If-None-Match names it
(the board's own 30-second poll, see static/js/app.js) gets a 304 after one small query — or none:
the background poll may compare with the version this process read less than a second ago
(``lookup.recent_version``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from shelter import labels
from shelter.auth.views import is_background_poll
from shelter.availability import cache, lookup
from shelter.stays import matching
from shelter.board.forms import FindBedForm
from shelter.db import utcnow
from shelter.fragments import wants_fragment
from shelter.facilities.queries import natural_key
from shelter.stays import queries
from shelter.stays.board_cells import Permissions
from shelter.stays.labels import CATEGORY_LABELS, category_label, status_label

bp = Blueprint("board", __name__, url_prefix="/board")

REFRESH_SECONDS = 30
# Beds drawn on one board at most, unless one facility is chosen: beyond this (an administrator's
# province, a case manager's five facilities) the board shows the counts and a link to each grid.
GRID_LIMIT = 100
FILTER_CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")
SEARCH_MAX = 60
MIN_FREE_MAX = 999


bp.add_app_template_global(category_label, "board_category_label")
bp.add_app_template_global(status_label, "board_status_label")


# --- the board --------------------------------------------------------------------------------------------

def _small_int(raw: str, limit: int) -> int | None:
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) <= 6 and int(raw) <= limit else None


@dataclass(frozen=True)
class Filters:
    kota: str = ""
    kind: str = ""
    category: str = ""
    accessible: bool = False
    facility: int | None = None
    q: str = ""
    min_free: int = 0
    page: int = 1

    @classmethod
    def from_args(cls, args) -> Filters:
        """Unknown values are ignored (a hand-edited URL shows the whole board, never an error)."""
        kota = args.get("kota", "")
        kind = args.get("kind", "")
        category = args.get("category", "")
        facility = args.get("facility", "")
        return cls(
            kota=kota if kota in labels.KOTA else "",
            kind=kind if kind in labels.FACILITY_KINDS else "",
            category=category if category in FILTER_CATEGORIES else "",
            accessible=args.get("accessible", "") in ("1", "on", "true", "yes"),
            facility=int(facility) if facility.isdigit() and 0 < len(facility) <= 10 else None,
            q=" ".join(args.get("q", "").split())[:SEARCH_MAX],
            min_free=_small_int(args.get("min_free", ""), MIN_FREE_MAX) or 0,
            page=_small_int(args.get("page", ""), 100_000) or 1,
        )

    @property
    def active(self) -> bool:
        return bool(self.kota or self.kind or self.category or self.accessible or self.facility or self.q
                    or self.min_free)

    def query(self) -> lookup.Query:
        return lookup.Query(kota=self.kota, kind=self.kind, category=self.category, accessible=self.accessible,
                            min_free=self.min_free, search=self.q, facility_id=self.facility)

    def args(self, **changes) -> dict:
        """The query string of this board (for the pages' links), empty values left out."""
        values = {"kota": self.kota, "kind": self.kind, "category": self.category,
                  "accessible": "1" if self.accessible else "", "facility": self.facility or "", "q": self.q,
                  "min_free": self.min_free or "", "page": self.page if self.page > 1 else ""}
        values.update(changes)
        if values["page"] == 1:
            values["page"] = ""
        return {k: v for k, v in values.items() if v not in ("", None, 0)}

    def bed_matches(self, bed) -> bool:
        if self.category and bed.category != self.category:
            return False
        if self.accessible and not bed.wheelchair_accessible:
            return False
        return True


@dataclass
class BoardRoom:
    room_id: int
    name: str
    sex: str | None
    age_group: str | None
    beds: list = field(default_factory=list)


@dataclass
class BoardFacility:
    entry: queries.FacilityAvailability
    inside: bool
    rooms: list[BoardRoom] = field(default_factory=list)
    over: list[queries.OpenStayRef] = field(default_factory=list)

    @property
    def facility(self):
        return self.entry.facility


@dataclass
class Board:
    facilities: list[BoardFacility]
    page: lookup.Page
    totals: list[lookup.KotaTotals]
    grids_hidden: int = 0  # beds not drawn because there are too many (0: all drawn)


def build_board(perms: Permissions, filters: Filters, now: datetime) -> Board:
    """The board's data in a fixed number of statements whatever its size: a page of facilities with
    their counts and the number of matches, the totals by kota, and (grids drawn) the beds and the
    over-capacity placements of the facilities shown inside."""
    query = filters.query()
    page = lookup.facilities(query, page=filters.page, now=now)
    board = Board(facilities=[BoardFacility(entry=e, inside=perms.sees_inside(e.facility.id)) for e in page.entries],
                  page=page, totals=lookup.totals_by_kota(query, now=now))
    inside = {f.facility.id: f for f in board.facilities if f.inside}
    beds_inside = sum(f.entry.counts.total for f in inside.values())
    if beds_inside > GRID_LIMIT and not filters.facility:
        board.grids_hidden = beds_inside
        return board
    rooms: dict[int, BoardRoom] = {}
    for bed in queries.bed_states(list(inside), now=now):
        if not filters.bed_matches(bed):
            continue
        room = rooms.get(bed.room_id)
        if room is None:
            room = rooms[bed.room_id] = BoardRoom(bed.room_id, bed.room_name, bed.room_sex, bed.room_age_group)
            inside[bed.facility_id].rooms.append(room)
        room.beds.append(bed)
    for room in rooms.values():
        room.beds.sort(key=lambda b: natural_key(b.label))
    for stay in queries.over_capacity_stays(list(inside)):
        inside[stay.facility_id].over.append(stay)
    return board


def board_context(filters: Filters, etag: str = "") -> dict:
    now = utcnow()
    perms = Permissions(current_user)
    board = build_board(perms, filters, now)
    return {
        "facilities": board.facilities,
        "page": board.page,
        "totals": board.totals,
        "grids_hidden": board.grids_hidden,
        "filters": filters,
        "perms": perms,
        "etag": etag,
        "updated_at": now,
        "refresh_seconds": REFRESH_SECONDS,
        "categories": FILTER_CATEGORIES,
    }


def form_context(filters: Filters) -> dict:
    """The page around the board: its filter form and poll."""
    return {
        "filters": filters,
        "refresh_seconds": REFRESH_SECONDS,
        "kota_choices": labels.choices(labels.KOTA),
        "kind_choices": labels.choices(labels.FACILITY_KINDS),
        "category_choices": [(c, CATEGORY_LABELS[c]) for c in FILTER_CATEGORIES],
    }


def board_key(perms: Permissions, data_version: str | None = None) -> str:
    """What the board depends on: the data's version, who asks (and what they may see inside), the
    language and the query. Opaque (a digest)."""
    visible = "all" if perms.visible is None else ",".join(map(str, sorted(perms.visible)))
    roles = ",".join(sorted(role.value for role in current_user.roles))
    return lookup.etag(data_version or lookup.version(), current_user.get_id(), roles, visible, get_locale(),
                       request.query_string.decode("latin-1"))


def not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    return response


@bp.get("/")
def index():
    """The board, or its fragment (filters, the poll). ETag: the board's key and which of the two; the
    fragment is built once per key and process (``availability.cache``); the page around it, which
    carries the session's CSRF token, is rendered every time."""
    filters = Filters.from_args(request.args)
    perms = Permissions(current_user)
    if is_background_poll() and request.if_none_match:  # the 30-second poll (``lookup.recent_version``)
        etag = lookup.etag(board_key(perms, lookup.recent_version()), wants_fragment())
        if request.if_none_match.contains(etag):
            return not_modified(etag)
    key = board_key(perms)
    etag = lookup.etag(key, wants_fragment())
    if request.if_none_match.contains(etag):
        return not_modified(etag)
    board_html = cache.cached("board:" + key, lambda: Markup(render_template(
        "board/_board.html", **board_context(filters, lookup.etag(key, True)))))
    if wants_fragment():
        body = board_html
    else:
        body = render_template("board/index.html", board_html=board_html, **form_context(filters))
    response = Response(body)
    response.set_etag(etag)
    response.headers.add("Vary", "HX-Request")
    return response


@bp.get("/offline")
def offline_snapshot():
    """The counts the service worker (static/js/sw.js) keeps for the board offline: each facility's name
    and numbers, stamped with their time; no bed, no resident, no address."""
    now = utcnow()
    page = lookup.facilities(Filters.from_args({}).query(), page=1, now=now)
    return render_template("offline/board.html", entries=page.entries, updated_at=now)


@bp.get("/panel/close")
def close_panel():
    """Empties the side panel (htmx swaps the empty answer in); without htmx, back to the board."""
    if wants_fragment():
        return ""
    return redirect(url_for(".index"))


# --- find a bed -------------------------------------------------------------------------------------------

FIND_PER_PAGE = 10  # facilities per page of find-a-bed's answer; "more" brings the next ones


def find_results(form: FindBedForm) -> tuple[list[matching.FacilityMatch], dict[int, str]]:
    """Ranked facilities for the person described by the form, and each facility's kota. Reads the
    stored free beds per room (``availability.lookup``), only rooms with enough of them for the person."""
    person = matching.Person(
        sex=form.sex.data, age=form.age.data, children=form.children.data or 0,
        wheelchair=bool(form.wheelchair.data), high_risk=bool(form.high_risk.data),
    )
    rows = lookup.free_beds_by_room(min_free=person.beds_needed)
    rooms = [
        matching.Room(facility_id=r.facility_id, facility_name=r.facility_name, facility_kind=r.facility_kind,
                      room_id=r.room_id, room_name=r.room_name, sex=r.sex, age_group=r.age_group, free=r.free,
                      free_accessible=r.free_accessible, free_cribs=r.free_cribs)
        for r in rows
    ]
    return matching.rank_facilities(person, rooms), {r.facility_id: r.kota for r in rows}


@bp.get("/find")
def find():
    """Find-a-bed. Its answer depends on the data, the question and who asks (what they may do): built
    once per version of the data and key (``availability.cache``), like the board's fragment.

    The answer lists the best ``FIND_PER_PAGE`` facilities; "more" (``page=N``) asks for the next ones:
    htmx appends just those, a browser without it gets the first N pages in one."""
    asked = bool(request.args)
    form = FindBedForm(request.args) if asked else FindBedForm(formdata=None)
    perms = Permissions(current_user)
    page = _small_int(request.args.get("page", ""), 1000) or 1
    more_only = page > 1 and wants_fragment()
    context = {"form": form, "results": None, "perms": perms, "asked": asked, "kota_of": {},
               "updated_at": utcnow()}
    if asked and form.validate():
        # The ranked results, rendered once per version of the data, question and user (no CSRF token in
        # them: find-a-bed is a GET form).
        def build():
            results, kota_of = find_results(form)
            first = (page - 1) * FIND_PER_PAGE if more_only else 0
            shown = results[first:page * FIND_PER_PAGE]
            more = None
            if len(results) > page * FIND_PER_PAGE:
                args = {k: v for k, v in request.args.items() if k != "page"}
                more = url_for(".find", **args, page=page + 1)
            return Markup(render_template("board/_find_more.html" if more_only else "board/_find_results.html",
                                          results=shown, kota_of=kota_of, perms=perms, updated_at=utcnow(),
                                          total=len(results), more=more))

        context["results_html"] = cache.cached(("find-more:" if more_only else "find:") + board_key(perms), build)
        if more_only:
            return context["results_html"]
    if wants_fragment():
        return render_template("board/_find.html", **context)
    return render_template("board/find.html", **context)
