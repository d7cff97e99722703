"""Admission: the form that puts a person into a bed (or, when every bed of a facility is taken, into
the facility as an over-capacity placement), opened from a free bed on the board (choose the person)
or from a resident's page (choose the bed).

Names appear only in the form's search results, shown to staff who may open those residents; the
search is a POST so that what is typed (part of a name) stays out of URLs and logs. A bed taken by
someone else while the form was open is a 409 with a message, and the board is told to refresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import get_resident_or_404, resident_scope_clause
from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility
from shelter.fragments import error_status, wants_fragment
from shelter.stays import forms, queries, service
from shelter.stays.board_cells import oob_updates
from shelter.stays.rules import (BedNotAvailable, BedOutOfService, FacilityHasFreeBeds, ReasonRequired,
                                 ResidentAlreadyAdmitted, RoomRulesViolated)
from shelter.stays.views.common import (BOARD_STALE, CONFLICT, bed_or_404, bp, done, facility_ids_where,
                                        may_admit_somewhere, out_of_service_message,
                                        over_capacity_facility_or_404, render_panel, room_problem_messages,
                                        taken_message)
from shelter.stays.views.placement import placement_options

SEARCH_LIMIT = 15


@dataclass
class Admission:
    """What an admission form is about: fixed parts (from the link that opened it) and choices."""

    choose: str  # "resident": the bed (or over-capacity facility) is fixed; "placement": the resident is
    bed: Bed | None = None
    facility: Facility | None = None  # over-capacity placement
    resident: object | None = None

    @property
    def facility_id(self) -> int | None:
        if self.bed is not None:
            return self.bed.room.facility_id
        return self.facility.id if self.facility is not None else None


def admission_from_request(form: forms.AdmitForm) -> Admission:
    if request.method == "GET":
        args = request.args
        form.origin.data = args.get("origin", "")
        bed_id, facility_id = forms.parse_id(args.get("bed_id")), forms.parse_id(args.get("facility_id"))
        resident_id = forms.parse_id(args.get("resident_id"))
        placement = ("bed", bed_id) if bed_id else ("facility", facility_id) if facility_id else None
        if placement is None and resident_id is None:
            abort(404)
        choose = "resident" if placement else "placement"
        form.choose.data = choose
    else:
        choose = form.choose.data
        placement = forms.parse_placement(form.placement.data)
        resident_id = forms.parse_id(form.resident_id.data)
        if choose not in ("resident", "placement") or (choose == "resident" and placement is None) \
                or (choose == "placement" and resident_id is None):
            abort(404)
    admission = Admission(choose=choose)
    if placement is not None:
        kind, number = placement
        if kind == "bed":
            admission.bed = bed_or_404(number, service.may_admit)
        else:
            admission.facility = over_capacity_facility_or_404(number)
        form.placement.data = f"{kind}:{number}"
    elif not may_admit_somewhere():
        abort(404)
    if resident_id is not None:
        admission.resident = get_resident_or_404(resident_id)
        form.resident_id.data = str(resident_id)
    return admission


def resident_choices(residents) -> list[tuple]:
    today = utcnow().date()
    return [(r, service.age_on(r, today)) for r in residents]


def register_url() -> str | None:
    return url_for("residents.new") if "residents.new" in current_app.view_functions else None


def admit_context(form, admission: Admission, *, problems=None, error=None, closed=False) -> dict:
    context = {"form": form, "admission": admission, "problems": problems or [], "error": error,
               "closed": closed, "origin": form.origin_value(), "register_url": register_url(),
               "may_hold": admission.bed is not None and service.may_hold(current_user, admission.facility_id)}
    if admission.choose == "resident":
        residents = queries.admittable_residents(resident_scope_clause(current_user), form.q.data or "",
                                                 limit=SEARCH_LIMIT)
        if admission.resident is not None and admission.resident not in residents:
            residents.insert(0, admission.resident)
        context["choices"] = resident_choices(residents)
        context["chosen_id"] = admission.resident.id if admission.resident is not None else None
        context["searched"] = bool(form.q.data)
    else:
        context["options"] = placement_options(admission.resident, facility_ids_where(service.may_admit))
    return context


def bed_gone_message(bed: Bed) -> str | None:
    """Why this bed cannot take anyone now (None when it can: free, or held by the current user)."""
    [state] = queries.bed_states([bed.room.facility_id], bed_ids=[bed.id])
    if state.status == "available" or (state.status == "held" and state.held_by_id == current_user.id):
        return None
    return out_of_service_message() if state.status == "out_of_service" else taken_message()


def render_admit(form, admission, *, status=200, headers=None, **extra):
    return render_panel("stays/_admit.html", title=_("Admit"), status=status, headers=headers,
                        **admit_context(form, admission, **extra))


@bp.route("/admit", methods=["GET", "POST"])
def admit_form():
    form = forms.AdmitForm()
    admission = admission_from_request(form)
    if request.method == "GET":
        gone = admission.bed is not None and bed_gone_message(admission.bed)
        if gone:  # the board was out of date: say so now, and let it refresh
            return render_admit(form, admission, closed=True, error=gone,
                                headers=BOARD_STALE if form.origin_value() == "board" else None)
        return render_admit(form, admission)
    if not form.validate():
        return render_admit(form, admission, status=error_status())
    if request.form.get("action") == "search":
        return render_admit(form, admission)
    if admission.resident is None:
        form.form_errors.append(_("Choose the person to admit."))
        return render_admit(form, admission, status=error_status())
    if admission.bed is None and admission.facility is None:
        form.form_errors.append(_("Choose a bed, or a full facility for an over-capacity placement."))
        return render_admit(form, admission, status=error_status())

    origin = form.origin_value()
    board_headers = BOARD_STALE if origin == "board" else None
    resident_id = admission.resident.id
    try:
        stay = service.admit(admission.resident, admission.bed, by=current_user,
                             override_reason=form.override_reason.data or None,
                             over_capacity_facility=admission.facility if admission.bed is None else None)
        db.session.commit()
    except RoomRulesViolated as err:
        db.session.rollback()
        return render_admit(form, admission, status=error_status(),
                            problems=room_problem_messages(err.problems, admission.bed.room))
    except ReasonRequired:
        db.session.rollback()
        form.override_reason.errors.append(_("Give the reason for the over-capacity placement."))
        return render_admit(form, admission, status=error_status())
    except FacilityHasFreeBeds:
        db.session.rollback()
        return render_admit(form, admission, status=error_status(CONFLICT), headers=board_headers,
                            closed=admission.choose == "resident",
                            error=_("This facility has a free bed again: admit the person into it instead of "
                                    "placing them over capacity."))
    except (BedNotAvailable, BedOutOfService) as err:
        db.session.rollback()
        message = out_of_service_message() if isinstance(err, BedOutOfService) else taken_message()
        if admission.choose == "placement":
            form.placement.data = ""
        return render_admit(form, admission, status=error_status(CONFLICT), headers=board_headers, error=message,
                            closed=admission.choose == "resident")
    except ResidentAlreadyAdmitted:
        db.session.rollback()
        return render_admit(form, admission, status=error_status(CONFLICT),
                            error=_("This person already has an open stay. Transfer them instead."))

    if admission.bed is not None:
        bed = admission.bed
        message = _("Admitted to bed %(bed)s in %(facility)s.", bed=bed.label, facility=bed.room.facility.name)
        oob = oob_updates([stay.facility_id], [bed.id]) if origin == "board" and wants_fragment() else ""
    else:
        message = _("Admitted to %(facility)s as an over-capacity placement.", facility=admission.facility.name)
        oob = oob_updates([stay.facility_id]) if origin == "board" and wants_fragment() else ""
    return done(message, origin=origin, resident_id=resident_id, oob=oob)


@bp.post("/admit/residents")
def resident_search():
    """The admission form's live search (a POST: what is typed is part of a name and stays out of URLs)."""
    if not may_admit_somewhere():
        abort(404)
    form = forms.AdmitForm()
    text = form.q.data if form.q.validate(form) else ""
    residents = queries.admittable_residents(resident_scope_clause(current_user), text or "", limit=SEARCH_LIMIT)
    return render_template("stays/_resident_choices.html", choices=resident_choices(residents), chosen_id=None,
                           searched=bool(text), register_url=register_url())
