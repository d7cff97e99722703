"""An open stay: its panel, and the two things that change it, a move to another bed (transfer) and
its end (discharge).

Both touch more than one bed (or the facility's counters and what listens to a stay closing), so on
the board they answer with ``boardStale`` and the board refreshes itself. A discharge time is
checked against the admission and the latest move, in the facility's local time as typed.
"""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status
from shelter.stays import forms, service
from shelter.stays.rules import (BedNotAvailable, BedOutOfService, InvalidDischarge, RoomRulesViolated,
                                 StayClosed)
from shelter.stays.views.common import (BOARD_STALE, CONFLICT, bed_or_404, bp, done, facility_ids_where,
                                        format_time, out_of_service_message, render_panel, resident_link,
                                        room_problem_messages, stay_or_404, taken_message)
from shelter.stays.views.placement import placement_options


@bp.get("/<id:stay_id>")
def show(stay_id: int):
    stay = stay_or_404(stay_id)
    assignment = service.current_assignment(stay)
    return render_panel("stays/_stay.html", title=_("Stay"), stay=stay,
                        bed=assignment.bed if assignment else None,
                        may_move=service.may_move(current_user, stay.facility_id),
                        resident_url=resident_link(stay.resident_id),
                        origin=request.args.get("origin", ""),
                        outcome_label=forms.outcome_label)


def render_transfer(form, stay, *, status=200, headers=None, problems=None, error=None):
    assignment = service.current_assignment(stay) if stay.is_open else None
    options = placement_options(stay.resident, facility_ids_where(service.may_move),
                                exclude_bed_id=assignment.bed_id if assignment else None, over_capacity=False)
    return render_panel("stays/_transfer.html", title=_("Transfer"), status=status, headers=headers, form=form,
                        stay=stay, bed=assignment.bed if assignment else None, options=options,
                        problems=problems or [], error=error, origin=form.origin_value())


@bp.route("/<id:stay_id>/transfer", methods=["GET", "POST"])
def transfer_form(stay_id: int):
    stay = stay_or_404(stay_id, service.may_move)
    form = forms.TransferForm()
    if request.method == "GET":
        form.origin.data = request.args.get("origin", "")
        return render_transfer(form, stay)
    if not form.validate():
        return render_transfer(form, stay, status=error_status())
    bed_id = forms.parse_id(form.bed_id.data)
    if bed_id is None:
        form.form_errors.append(_("Choose the bed to move to."))
        return render_transfer(form, stay, status=error_status())
    bed = bed_or_404(bed_id, service.may_move)
    origin = form.origin_value()
    board_headers = BOARD_STALE if origin == "board" else None
    resident_id = stay.resident_id
    try:
        new_stay = service.transfer(stay, bed, by=current_user, override_reason=form.override_reason.data or None)
        db.session.commit()
    except RoomRulesViolated as err:
        db.session.rollback()
        return render_transfer(form, stay, status=error_status(),
                               problems=room_problem_messages(err.problems, bed.room))
    except (BedNotAvailable, BedOutOfService) as err:
        db.session.rollback()
        form.bed_id.data = ""
        message = out_of_service_message() if isinstance(err, BedOutOfService) else taken_message()
        return render_transfer(form, stay, status=error_status(CONFLICT), headers=board_headers, error=message)
    except StayClosed:
        db.session.rollback()
        return render_transfer(form, stay, status=error_status(CONFLICT), headers=board_headers,
                               error=_("This stay has already ended."))
    message = _("Moved to bed %(bed)s in %(facility)s.", bed=bed.label, facility=new_stay.facility.name)
    return done(message, origin=origin, resident_id=resident_id, headers=BOARD_STALE)


def render_discharge(form, stay, *, status=200, headers=None, error=None):
    return render_panel("stays/_discharge.html", title=_("Discharge"), status=status, headers=headers, form=form,
                        stay=stay, error=error, origin=form.origin_value())


@bp.route("/<id:stay_id>/discharge", methods=["GET", "POST"])
def discharge_form(stay_id: int):
    stay = stay_or_404(stay_id, service.may_move)
    form = forms.DischargeForm()
    if request.method == "GET":
        form.origin.data = request.args.get("origin", "")
        form.discharged_at.data = forms.to_local_input(utcnow())
        return render_discharge(form, stay)
    if not form.validate():
        return render_discharge(form, stay, status=error_status())
    at = form.discharged_at_utc()
    if stay.admitted_at.replace(second=0, microsecond=0) <= at < stay.admitted_at:
        at = stay.admitted_at  # the form has minutes; the admission's own minute means "at admission"
    origin = form.origin_value()
    resident_id = stay.resident_id
    try:
        service.discharge(stay, outcome=form.outcome.data, note=form.note.data or "", by=current_user, at=at)
        db.session.commit()
    except InvalidDischarge as err:
        db.session.rollback()
        reason = err.args[0] if err.args else ""
        if reason == "before_admission":
            form.discharged_at.errors.append(
                _("The discharge cannot be before the admission (%(time)s). Check the date and time.",
                  time=format_time(stay.admitted_at)))
        elif reason == "before_transfer":
            assignment = service.current_assignment(stay)
            form.discharged_at.errors.append(
                _("The discharge cannot be before the move to the current bed (%(time)s). Check the date and time.",
                  time=format_time(assignment.started_at if assignment else stay.admitted_at)))
        elif reason == "in_future":
            form.discharged_at.errors.append(
                _("The discharge cannot be in the future. Enter when the resident actually left."))
        else:
            form.outcome.errors.append(_("Choose the outcome."))
        return render_discharge(form, stay, status=error_status())
    except StayClosed:
        db.session.rollback()
        return render_discharge(form, stay, status=error_status(CONFLICT), error=_("This stay has already ended."))
    message = _("Discharged: %(outcome)s.", outcome=forms.outcome_label(form.outcome.data))
    return done(message, origin=origin, resident_id=resident_id, headers=BOARD_STALE)
