"""The bed board and find-a-bed.

Everyone logged in sees the counts of every active facility; only the facilities whose inside the
user may open (``visible_facility_ids``) show their rooms and beds. The board never shows a
resident's name (an occupied bed links to the resident's page, which checks scope and audits the
view) nor any address; a Rumah Aman appears under its name, which is its code name.

One template serves the page and the htmx fragment (``_board.html``): the filter form and the
board's own 30-second poll get the fragment alone. The statements a board issues do not grow with
the number of facilities or beds (``availability`` and ``bed_states`` are fixed-size).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from shelter import labels
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
# Beds drawn on one board at most: beyond this (an administrator's whole province) the board shows the
# counts and asks for a filter; a page of 25,000 bed cells is neither readable nor fast.
GRID_LIMIT = 800
FILTER_CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")


bp.add_app_template_global(category_label, "board_category_label")
bp.add_app_template_global(status_label, "board_status_label")


# --- the board --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    kota: str = ""
    kind: str = ""
    category: str = ""
    accessible: bool = False
    facility: int | None = None

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
        )

    @property
    def active(self) -> bool:
        return bool(self.kota or self.kind or self.category or self.accessible or self.facility)

    def facility_matches(self, entry) -> bool:
        facility = entry.facility
        if self.kota and facility.kota != self.kota:
            return False
        if self.kind and facility.kind != self.kind:
            return False
        if self.facility and facility.id != self.facility:
            return False
        if self.category and not entry.categories[self.category].total:
            return False
        if self.accessible and not entry.accessible.total:
            return False
        return True

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
    all_facilities: list  # every active facility, for the filter's list
    grids_hidden: int = 0  # beds not drawn because there are too many (0: all drawn)


def build_board(perms: Permissions, filters: Filters, now: datetime) -> Board:
    """The board's data in five statements whatever its size: facilities, counts, over-capacity
    counts (``availability``), beds (``bed_states``) and the over-capacity placements."""
    every = queries.availability(None, now=now)
    board = Board(
        facilities=[BoardFacility(entry=e, inside=perms.sees_inside(e.facility.id))
                    for e in every if filters.facility_matches(e)],
        all_facilities=sorted((e.facility for e in every), key=lambda f: f.name.lower()),
    )
    inside = {f.facility.id: f for f in board.facilities if f.inside}
    beds_inside = sum(f.entry.counts.total for f in inside.values())
    if beds_inside > GRID_LIMIT:
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


def board_context(filters: Filters) -> dict:
    now = utcnow()
    perms = Permissions(current_user)
    board = build_board(perms, filters, now)
    return {
        "facilities": board.facilities,
        "all_facilities": board.all_facilities,
        "grids_hidden": board.grids_hidden,
        "filters": filters,
        "perms": perms,
        "updated_at": now,
        "refresh_seconds": REFRESH_SECONDS,
        "kota_choices": labels.choices(labels.KOTA),
        "kind_choices": labels.choices(labels.FACILITY_KINDS),
        "category_choices": [(c, CATEGORY_LABELS[c]) for c in FILTER_CATEGORIES],
    }


@bp.get("/")
def index():
    filters = Filters.from_args(request.args)
    context = board_context(filters)
    if wants_fragment():
        return render_template("board/_board.html", **context)
    return render_template("board/index.html", **context)


@bp.get("/panel/close")
def close_panel():
    """Empties the side panel (htmx swaps the empty answer in); without htmx, back to the board."""
    if wants_fragment():
        return ""
    return redirect(url_for(".index"))


# --- find a bed -------------------------------------------------------------------------------------------

def find_results(form: FindBedForm) -> tuple[list[matching.FacilityMatch], dict[int, str]]:
    """Ranked facilities for the person described by the form, and each facility's kota."""
    person = matching.Person(
        sex=form.sex.data, age=form.age.data, children=form.children.data or 0,
        wheelchair=bool(form.wheelchair.data), high_risk=bool(form.high_risk.data),
    )
    rows = queries.free_beds_by_room()
    rooms = [
        matching.Room(facility_id=r.facility_id, facility_name=r.facility_name, facility_kind=r.facility_kind,
                      room_id=r.room_id, room_name=r.room_name, sex=r.sex, age_group=r.age_group, free=r.free,
                      free_accessible=r.free_accessible, free_cribs=r.free_cribs)
        for r in rows
    ]
    return matching.rank_facilities(person, rooms), {r.facility_id: r.kota for r in rows}


@bp.get("/find")
def find():
    asked = bool(request.args)
    form = FindBedForm(request.args) if asked else FindBedForm(formdata=None)
    results, kota_of = None, {}
    if asked and form.validate():
        results, kota_of = find_results(form)
    context = {"form": form, "results": results, "perms": Permissions(current_user), "asked": asked,
               "kota_of": kota_of, "updated_at": utcnow()}
    if wants_fragment():
        return render_template("board/_find.html", **context)
    return render_template("board/find.html", **context)


