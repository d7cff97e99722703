"""What every facilities view shares: the blueprint, the scoped lookups (scope first, then the record;
anything else is a 404), and the answers the facility page and its room and bed fragments are built
from. The routes live in the modules of their story (``facility``, ``rooms``, ``beds``); this one has
none.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import can_manage_facility, can_see_address, get_facility_or_404
from shelter.extensions import db
from shelter.facilities import forms, queries, service
from shelter.facilities.models import Facility, Room
from shelter.fragments import flash_oob, wants_fragment

bp = Blueprint("facilities", __name__, url_prefix="/facilities")

# Ids in URLs stop at the INTEGER column's range: a larger number is a 404 from the router, not an
# overflow in the database driver.


@bp.app_template_filter("beds_in_order")
def beds_in_order(beds):
    return queries.sorted_beds(beds)


# --- lookups: scope first, then the record; anything else is a 404 -------------------------------------

def managed_facility_or_404(facility_id: int) -> Facility:
    facility = get_facility_or_404(facility_id)
    if not can_manage_facility(current_user, facility):
        abort(404)
    return facility


def room_or_404(facility: Facility, room_id: int) -> Room:
    room = queries.room_with_beds(facility, room_id)
    if room is None:
        abort(404)
    return room


def bed_or_404(room: Room, bed_id: int):
    bed = queries.bed_in_room(room, bed_id)
    if bed is None:
        abort(404)
    return bed


# --- messages and rendering --------------------------------------------------------------------------------

def conflict_message() -> str:
    return _("Someone else changed this at the same time. Nothing was saved; please try again.")


def rooms_context(facility: Facility, *, rooms=None, bulk_forms=None, new_room_form=None) -> dict:
    rooms = queries.rooms_with_beds(facility) if rooms is None else rooms
    bulk_forms = dict(bulk_forms or {})
    for room in rooms:
        bulk_forms.setdefault(room.id, forms.bulk_beds_form(room))
    return {
        "facility": facility,
        "rooms": rooms,
        "bulk_forms": bulk_forms,
        "new_room_form": new_room_form or forms.room_form(),
        "can_manage": can_manage_facility(current_user, facility),
    }


def render_show(facility: Facility, *, status: int = 200, **overrides):
    show_address = can_see_address(current_user, facility) and bool(facility.address)
    if show_address and facility.is_safe_house:
        # Audit first and commit, then load the rooms (a commit expires what was loaded).
        service.record_address_view(facility)
        db.session.commit()
    context = rooms_context(facility, **overrides)
    return render_template("facilities/show.html", show_address=show_address,
                           is_admin=current_user.is_admin, **context), status


def room_fragment(facility: Facility, room_id: int, *, bulk_form=None, room_form=None, with_flash=True):
    room = room_or_404(facility, room_id)
    html = render_template(
        "facilities/_room.html", facility=facility, room=room,
        can_manage=can_manage_facility(current_user, facility),
        bulk_form=bulk_form or forms.bulk_beds_form(room), room_form=room_form,
    )
    return html + flash_oob() if with_flash else html


def rooms_fragment(facility: Facility, **overrides) -> str:
    return render_template("facilities/_rooms.html", **rooms_context(facility, **overrides)) + flash_oob()


def refused(plain_url: str):
    """An action that changed nothing: htmx keeps the page as it is and shows the flash; plain
    requests go back to the page."""
    if wants_fragment():
        return flash_oob(), 200, {"HX-Reswap": "none"}
    return redirect(plain_url)


def back_to_room(facility: Facility, room_id: int):
    return redirect(url_for(".show", facility_id=facility.id, _anchor=f"room-{room_id}"))
