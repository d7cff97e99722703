"""Facilities, rooms and beds: pages for everyone in scope, changes for admins and facility managers.

Every view: look the record up through a scope check (404 outside it), validate the form, call one
service function, commit once (or roll back and show the message next to the field). htmx requests
get the fragment alone (``_room.html``, ``_rooms.html``, ``_bed_row.html``); plain requests get the
page, so everything also works without JavaScript.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import admin_required, can_manage_facility, can_see_address, get_facility_or_404
from shelter.extensions import db
from shelter.fragments import UNPROCESSABLE, error_status, flash_oob, wants_fragment
from shelter.facilities import forms, queries, service
from shelter.facilities.models import Facility, Room
from shelter.facilities.service import (BedInUse, DuplicateBedLabels, DuplicateFacilityCode, DuplicateRoomName,
                                       RoomInUse)

bp = Blueprint("facilities", __name__, url_prefix="/facilities")

# Ids in URLs stop at the INTEGER column's range: a larger number is a 404 from the router, not an
# overflow in the database driver.

MAX_LABELS_NAMED = 10


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


# --- messages for domain errors --------------------------------------------------------------------------

def code_taken_message(code: str) -> str:
    return _("Another facility already has the code %(code)s. Choose a different code.", code=code)


def room_taken_message(name: str) -> str:
    return _("This facility already has a room called %(name)s. Choose a different name.", name=name)


def labels_taken_message(labels: list[str]) -> str:
    named = ", ".join(labels[:MAX_LABELS_NAMED])
    if len(labels) > MAX_LABELS_NAMED:
        named = _("%(labels)s and %(num)d more", labels=named, num=len(labels) - MAX_LABELS_NAMED)
    return ngettext(
        "The label %(labels)s is already used in this room. Nothing was added: choose another first "
        "number or prefix.",
        "These labels are already used in this room: %(labels)s. Nothing was added: choose another first "
        "number or prefix.",
        len(labels), labels=named,
    )


def label_taken_message(label: str) -> str:
    return _("Another bed in this room already has the label %(label)s.", label=label)


def conflict_message() -> str:
    return _("Someone else changed this at the same time. Nothing was saved; please try again.")


# --- rendering helpers ------------------------------------------------------------------------------------



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


# --- facilities -------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    page = queries.facilities_page(current_user, request.args.get("page", 1, type=int))
    return render_template("facilities/index.html", page=page)


@bp.get("/<id:facility_id>")
def show(facility_id: int):
    facility = get_facility_or_404(facility_id)
    return render_show(facility)


def render_facility_form(form, facility: Facility | None, status: int = 200):
    if facility is not None and facility.is_safe_house and form.address.data:
        # The edit form shows the address: that is a view of it too.
        service.record_address_view(facility)
        db.session.commit()
    return render_template("facilities/form.html", form=form, facility=facility), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = forms.FacilityForm()
    if not form.validate_on_submit():
        return render_facility_form(form, None, UNPROCESSABLE if form.is_submitted() else 200)
    try:
        facility = service.create_facility(**form.values())
        db.session.commit()
    except (DuplicateFacilityCode, IntegrityError):
        db.session.rollback()
        if service.code_taken(form.code.data):
            form.code.errors.append(code_taken_message(form.code.data))
        else:
            form.form_errors.append(conflict_message())
        return render_facility_form(form, None, UNPROCESSABLE)
    flash(_("Facility %(name)s created.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.route("/<id:facility_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(facility_id: int):
    facility = get_facility_or_404(facility_id)
    form = forms.FacilityForm(obj=facility)
    if not form.validate_on_submit():
        return render_facility_form(form, facility, UNPROCESSABLE if form.is_submitted() else 200)
    try:
        changed = service.update_facility(facility, form.values())
        db.session.commit()
    except (DuplicateFacilityCode, IntegrityError):
        db.session.rollback()
        if service.code_taken(form.code.data, exclude=facility):
            form.code.errors.append(code_taken_message(form.code.data))
        else:
            form.form_errors.append(conflict_message())
        return render_facility_form(form, facility, UNPROCESSABLE)
    if changed:
        flash(_("Facility %(name)s saved.", name=facility.name), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.post("/<id:facility_id>/deactivate")
@admin_required
def deactivate(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if service.set_facility_active(facility, False):
        db.session.commit()
        flash(_("Facility %(name)s deactivated.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))


@bp.post("/<id:facility_id>/activate")
@admin_required
def activate(facility_id: int):
    facility = get_facility_or_404(facility_id)
    if service.set_facility_active(facility, True):
        db.session.commit()
        flash(_("Facility %(name)s is active again.", name=facility.name), "success")
    return redirect(url_for(".show", facility_id=facility.id))


# --- rooms ------------------------------------------------------------------------------------------------

@bp.post("/<id:facility_id>/rooms")
def room_create(facility_id: int):
    facility = managed_facility_or_404(facility_id)
    form = forms.room_form(submitted=True)
    if form.validate_on_submit():
        try:
            room = service.create_room(facility, **form.values())
            db.session.commit()
        except (DuplicateRoomName, IntegrityError):
            db.session.rollback()
            if service.room_name_taken(facility, form.name.data):
                form.name.errors.append(room_taken_message(form.name.data))
            else:
                form.form_errors.append(conflict_message())
        else:
            flash(_("Room %(name)s added.", name=room.name), "success")
            if wants_fragment():
                return rooms_fragment(facility)
            return back_to_room(facility, room.id)
    if wants_fragment():
        return rooms_fragment(facility, new_room_form=form)
    return render_show(facility, new_room_form=form, status=UNPROCESSABLE)


@bp.get("/<id:facility_id>/rooms/<id:room_id>")
def room(facility_id: int, room_id: int):
    facility = get_facility_or_404(facility_id)
    room_or_404(facility, room_id)
    if wants_fragment():
        return room_fragment(facility, room_id, with_flash=False)
    return back_to_room(facility, room_id)


@bp.route("/<id:facility_id>/rooms/<id:room_id>/edit", methods=["GET", "POST"])
def room_edit(facility_id: int, room_id: int):
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    form = forms.room_form(room, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            changed = service.update_room(room, form.values())
            db.session.commit()
        except (DuplicateRoomName, IntegrityError):
            db.session.rollback()
            if service.room_name_taken(facility, form.name.data, exclude=room):
                form.name.errors.append(room_taken_message(form.name.data))
            else:
                form.form_errors.append(conflict_message())
        else:
            if changed:
                flash(_("Room %(name)s saved.", name=room.name), "success")
            if wants_fragment():
                return room_fragment(facility, room_id)
            return back_to_room(facility, room_id)
    status = error_status() if form.is_submitted() else 200
    if wants_fragment():
        return room_fragment(facility, room_id, room_form=form, with_flash=False), status
    return render_template("facilities/room_edit.html", facility=facility, room=room, form=form), status


@bp.post("/<id:facility_id>/rooms/<id:room_id>/delete")
def room_delete(facility_id: int, room_id: int):
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    name = room.name
    try:
        service.delete_room(room)
        db.session.commit()
    except RoomInUse:
        db.session.rollback()
        flash(_("Room %(name)s cannot be deleted: some of its beds have been assigned or held, and that "
                "history is kept. Put the beds out of service instead.", name=name), "error")
        return refused(url_for(".show", facility_id=facility.id, _anchor=f"room-{room_id}"))
    flash(_("Room %(name)s deleted.", name=name), "success")
    if wants_fragment():
        return flash_oob()  # the room's section is swapped for nothing
    return redirect(url_for(".show", facility_id=facility.id))


# --- beds -------------------------------------------------------------------------------------------------

@bp.post("/<id:facility_id>/rooms/<id:room_id>/beds")
def beds_create(facility_id: int, room_id: int):
    """Many beds in one form and one transaction: all of them or none."""
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    form = forms.bulk_beds_form(room, submitted=True)
    if form.validate_on_submit():
        labels = form.labels()
        try:
            beds = service.add_beds(room, labels, wheelchair_accessible=form.wheelchair_accessible.data,
                                    has_crib=form.has_crib.data)
            db.session.commit()
        except DuplicateBedLabels as err:
            db.session.rollback()
            form.first_number.errors.append(labels_taken_message(err.labels))
        except IntegrityError:  # lost a race with someone adding the same labels
            db.session.rollback()
            clash = service.existing_labels(room, labels)
            if clash:
                form.first_number.errors.append(labels_taken_message(clash))
            else:
                form.form_errors.append(conflict_message())
        else:
            flash(ngettext("%(num)d bed added to %(room)s.", "%(num)d beds added to %(room)s.",
                           len(beds), room=room.name), "success")
            if wants_fragment():
                return room_fragment(facility, room_id)
            return back_to_room(facility, room_id)
    if wants_fragment():
        return room_fragment(facility, room_id, bulk_form=form)
    return render_show(facility, bulk_forms={room_id: form}, status=UNPROCESSABLE)


def bed_row(facility, room, bed, *, status: int = 200):
    return render_template("facilities/_bed_row.html", facility=facility, room=room, bed=bed,
                           can_manage=can_manage_facility(current_user, facility)), status


@bp.get("/<id:facility_id>/rooms/<id:room_id>/beds/<id:bed_id>")
def bed(facility_id: int, room_id: int, bed_id: int):
    facility = get_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    bed = bed_or_404(room, bed_id)
    if wants_fragment():
        return bed_row(facility, room, bed)
    return back_to_room(facility, room_id)


@bp.route("/<id:facility_id>/rooms/<id:room_id>/beds/<id:bed_id>/edit", methods=["GET", "POST"])
def bed_edit(facility_id: int, room_id: int, bed_id: int):
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    bed = bed_or_404(room, bed_id)
    form = forms.bed_form(bed, submitted=request.method == "POST")
    if form.validate_on_submit():
        try:
            service.update_bed(bed, form.values())
            db.session.commit()
        except (DuplicateBedLabels, IntegrityError):
            db.session.rollback()
            if service.existing_labels(room, [form.label.data], exclude=bed):
                form.label.errors.append(label_taken_message(form.label.data))
            else:
                form.form_errors.append(conflict_message())
        else:
            if wants_fragment():
                return bed_row(facility, room, bed)
            flash(_("Bed %(label)s saved.", label=bed.label), "success")
            return back_to_room(facility, room_id)
    status = error_status() if form.is_submitted() else 200
    if wants_fragment():
        return render_template("facilities/_bed_form.html", facility=facility, room=room, bed=bed,
                               form=form, inline=True), status
    return render_template("facilities/bed_edit.html", facility=facility, room=room, bed=bed,
                           form=form, inline=False), status


@bp.post("/<id:facility_id>/rooms/<id:room_id>/beds/<id:bed_id>/return")
def bed_return(facility_id: int, room_id: int, bed_id: int):
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    bed = bed_or_404(room, bed_id)
    if service.return_bed_to_service(bed):
        db.session.commit()
    if wants_fragment():
        return bed_row(facility, room, bed)
    flash(_("Bed %(label)s is back in service.", label=bed.label), "success")
    return back_to_room(facility, room_id)


@bp.post("/<id:facility_id>/rooms/<id:room_id>/beds/<id:bed_id>/delete")
def bed_delete(facility_id: int, room_id: int, bed_id: int):
    facility = managed_facility_or_404(facility_id)
    room = room_or_404(facility, room_id)
    bed = bed_or_404(room, bed_id)
    label = bed.label
    try:
        service.delete_bed(bed)
        db.session.commit()
    except BedInUse:
        db.session.rollback()
        flash(_("Bed %(label)s cannot be deleted: it has been assigned or held, and that history is kept. "
                "Put it out of service instead.", label=label), "error")
        return refused(url_for(".show", facility_id=facility.id, _anchor=f"room-{room_id}"))
    flash(_("Bed %(label)s deleted.", label=label), "success")
    if wants_fragment():
        # The row is swapped for nothing; the room's bed count and the flash update out of band.
        room = room_or_404(facility, room_id)
        return render_template("facilities/_bed_deleted.html", room=room) + flash_oob()
    return back_to_room(facility, room_id)
