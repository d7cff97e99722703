"""What every stays view shares: the blueprint, the scoped lookups, the messages for the domain errors
and the two ways of answering (the board's side panel or a page; back to the board or the resident).

Lookups check scope and role first and answer 404 for anything else, so a bed, stay or hold outside
the user's facilities looks the same as one that does not exist. The routes live in the modules of
their story (``admission``, ``stay``, ``holds``); this one has no routes.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import get_facility_or_404, get_stay_or_404
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility
from shelter.fragments import wants_fragment
from shelter.stays import forms, service
from shelter.stays.models import BedHold, Stay

bp = Blueprint("stays", __name__, url_prefix="/stays")

CONFLICT = 409
BOARD_STALE = {"HX-Trigger": "boardStale"}


# --- lookups: scope and role first, anything else is a 404 ---------------------------------------------

def id_or_404(value) -> int:
    number = forms.parse_id(value)
    if number is None:
        abort(404)
    return number


def bed_or_404(bed_id: int, allowed) -> Bed:
    bed = db.session.get(Bed, bed_id)
    if bed is None:
        abort(404)
    facility = get_facility_or_404(bed.room.facility_id)
    if not facility.is_active or not allowed(current_user, facility.id):
        abort(404)
    return bed


def stay_or_404(stay_id: int, allowed=None) -> Stay:
    return get_stay_or_404(stay_id, allowed)


def hold_or_404(hold_id: int) -> BedHold:
    hold = db.session.get(BedHold, hold_id)
    if hold is None:
        abort(404)
    facility_id = hold.bed.room.facility_id
    get_facility_or_404(facility_id)
    if not service.may_hold(current_user, facility_id):
        abort(404)
    return hold


def over_capacity_facility_or_404(facility_id: int) -> Facility:
    facility = get_facility_or_404(facility_id)
    if not facility.is_active or not service.may_admit(current_user, facility.id):
        abort(404)
    return facility


def facility_ids_where(allowed) -> list[int]:
    """Active facilities where the current user may do this (admins: all active facilities)."""
    if current_user.is_admin:
        return list(db.session.scalars(sa.select(Facility.id).where(Facility.is_active.is_(True))))
    return [f.id for f in current_user.facilities if f.is_active and allowed(current_user, f.id)]


def may_admit_somewhere() -> bool:
    return current_user.is_admin or any(service.may_admit(current_user, f) for f in current_user.facility_ids)


# --- messages ---------------------------------------------------------------------------------------------

def room_problem_messages(problems: list[str], room) -> list[str]:
    messages = []
    for code in problems:
        if code == "sex":
            messages.append(_("This room is for women and girls only.") if room.sex == "female"
                            else _("This room is for men and boys only."))
        elif code == "age_adult_in_child_room":
            messages.append(_("This is a children's room and the person is an adult."))
        elif code == "age_child_in_adult_room":
            messages.append(_("This is an adults' room and the person is a child."))
        elif code == "child_without_mother":
            messages.append(_("This room is for mothers with their children, and this child is not linked to a "
                              "mother."))
        else:
            messages.append(_("The room's rules do not fit this person."))
    return messages


def taken_message() -> str:
    return _("This bed was just taken — choose another.")


def out_of_service_message() -> str:
    return _("This bed is out of service — choose another.")


# --- rendering --------------------------------------------------------------------------------------------

def render_panel(template: str, *, title: str, status: int = 200, headers=None, **context):
    """The panel alone for htmx (the board's side panel), or a page around it."""
    if wants_fragment():
        return render_template(template, **context), status, headers or {}
    return render_template("stays/page.html", panel=template, title=title, **context), status, headers or {}


def resident_page_url(resident_id: int | None) -> str:
    if resident_id is not None and "residents.show" in current_app.view_functions:
        return url_for("residents.show", resident_id=resident_id)
    return url_for("board.index")


def done(message: str, *, origin: str, resident_id: int | None, oob: str = "", headers=None):
    """After a successful action: on the board a message in the panel (and what changed, out of band);
    elsewhere a flash and back to the resident's page."""
    if origin == "board" and wants_fragment():
        html = render_template("stays/_done.html", message=message, resident_url=resident_link(resident_id))
        return html + oob, 200, headers or {}
    flash(message, "success")
    target = resident_page_url(resident_id) if origin == "resident" else url_for("board.index")
    if wants_fragment():
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def resident_link(resident_id: int | None) -> str | None:
    if resident_id is None or "residents.show" not in current_app.view_functions:
        return None
    return url_for("residents.show", resident_id=resident_id)


def format_time(value) -> str:
    return current_app.jinja_env.filters["datetime"](value)
