"""Beds of a room: adding many at once (all or none, in one transaction), showing and editing one row,
returning a bed to service, and deleting one that was never used.

Labels are unique within a room; a clash (also one lost in a race with someone adding the same
labels) names the labels that are taken, never more than ``MAX_LABELS_NAMED`` of them.
"""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import can_manage_facility, get_facility_or_404
from shelter.extensions import db
from shelter.facilities import forms, service
from shelter.facilities.service import BedInUse, DuplicateBedLabels
from shelter.facilities.views.common import (back_to_room, bed_or_404, bp, conflict_message,
                                             managed_facility_or_404, refused, render_show, room_fragment,
                                             room_or_404)
from shelter.fragments import UNPROCESSABLE, error_status, flash_oob, wants_fragment

MAX_LABELS_NAMED = 10


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
