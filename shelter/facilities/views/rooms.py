"""Rooms of a facility: adding, showing (as a fragment), editing and deleting one (facility managers
of the facility and admins).

A room whose beds have ever been assigned or held cannot be deleted: that history is kept, and the
beds go out of service instead.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from shelter.access import get_facility_or_404
from shelter.extensions import db
from shelter.facilities import forms, service
from shelter.facilities.service import DuplicateRoomName, RoomInUse
from shelter.facilities.views.common import (back_to_room, bp, conflict_message, managed_facility_or_404, refused,
                                             render_show, room_fragment, room_or_404, rooms_fragment)
from shelter.fragments import UNPROCESSABLE, error_status, flash_oob, wants_fragment


def room_taken_message(name: str) -> str:
    return _("This facility already has a room called %(name)s. Choose a different name.", name=name)


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
