"""Bed holds: keeping a free bed for someone on their way (for 1 to 72 hours, with a reason), seeing a
held bed, and releasing it early.

A hold is placed from the board; whoever may admit in the facility may admit into a bed they hold
themselves. Releasing a hold that had already ended is not an error: the bed is free either way.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from shelter.auth.models import User
from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status, wants_fragment
from shelter.stays import forms, service
from shelter.stays.board_cells import oob_updates
from shelter.stays.rules import BedNotAvailable, BedOutOfService, HoldNotFound, InvalidHold, ReasonRequired
from shelter.stays.views.common import (BOARD_STALE, CONFLICT, bed_or_404, bp, done, format_time, hold_or_404,
                                        id_or_404, out_of_service_message, render_panel, taken_message)


def render_hold(form, bed, *, status=200, headers=None, error=None):
    return render_panel("stays/_hold.html", title=_("Hold a bed"), status=status, headers=headers, form=form,
                        bed=bed, error=error, origin=form.origin_value())


@bp.route("/holds/new", methods=["GET", "POST"])
def hold_form():
    source = request.args if request.method == "GET" else request.form
    bed = bed_or_404(id_or_404(source.get("bed_id")), service.may_hold)
    form = forms.HoldForm()
    if request.method == "GET":
        form.origin.data = request.args.get("origin", "")
        form.bed_id.data = str(bed.id)
        return render_hold(form, bed)
    if not form.validate():
        return render_hold(form, bed, status=error_status())
    origin = form.origin_value()
    facility_id = bed.room.facility_id
    try:
        hold = service.place_hold(bed, by=current_user, reason=form.reason.data, hours=form.hours.data)
        db.session.commit()
    except (BedNotAvailable, BedOutOfService) as err:
        db.session.rollback()
        message = out_of_service_message() if isinstance(err, BedOutOfService) else taken_message()
        return render_hold(form, bed, status=error_status(CONFLICT),
                           headers=BOARD_STALE if origin == "board" else None, error=message)
    except (ReasonRequired, InvalidHold):
        db.session.rollback()
        form.form_errors.append(_("Give a reason and a number of hours from 1 to 72."))
        return render_hold(form, bed, status=error_status())
    message = _("Bed %(bed)s is held until %(time)s.", bed=bed.label, time=format_time(hold.expires_at))
    oob = oob_updates([facility_id], [bed.id]) if origin == "board" and wants_fragment() else ""
    return done(message, origin="board", resident_id=None, oob=oob)


@bp.get("/holds/<id:hold_id>")
def hold_show(hold_id: int):
    hold = hold_or_404(hold_id)
    owner = db.session.get(User, hold.held_by_id) if hold.held_by_id else None
    active = hold.released_at is None and hold.expires_at > utcnow()
    return render_panel("stays/_hold_show.html", title=_("Held bed"), hold=hold, owner=owner, active=active,
                        is_mine=hold.held_by_id == current_user.id,
                        may_admit=service.may_admit(current_user, hold.bed.room.facility_id),
                        origin=request.args.get("origin", ""))


@bp.post("/holds/<id:hold_id>/release")
def hold_release(hold_id: int):
    hold = hold_or_404(hold_id)
    origin = "board" if request.form.get("origin") == "board" else "resident"
    bed_id, facility_id, label = hold.bed_id, hold.bed.room.facility_id, hold.bed.label
    try:
        service.release_hold(hold, by=current_user)
        db.session.commit()
    except HoldNotFound:
        db.session.rollback()
        message = _("This hold had already ended.")
    else:
        message = _("Bed %(bed)s is no longer held.", bed=label)
    oob = oob_updates([facility_id], [bed_id]) if origin == "board" and wants_fragment() else ""
    return done(message, origin="board", resident_id=None, oob=oob)
