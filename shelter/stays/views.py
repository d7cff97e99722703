"""Admission, transfer, discharge and bed holds.

Each form opens in the bed board's side panel (htmx) or as a page of its own (plain requests, and
links from a resident's page). Every view looks its records up through the scope checks (a bed,
stay or hold outside the user's facilities, or an action the user's role does not allow there, is a
404), calls one service function, commits once, and maps the domain errors to messages.

``origin=board`` says the form was opened on the board: success then answers with a short message
for the panel plus the changed bed and the facility's counters out of band (admission, holds), or
asks the board to refresh itself (``HX-Trigger: boardStale``: transfers and discharges touch more
than one bed). Otherwise the user goes back to the resident's page (or the board).

No resident name, NIK or address goes into a URL (ids only), a message meant for a log, or the
board: the admission form shows names only in its search results, to staff who may open them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import get_facility_or_404, get_stay_or_404, get_resident_or_404, resident_scope_clause
from shelter.stays import matching
from shelter.facilities.queries import natural_key
from shelter.stays.board_cells import oob_updates
from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status, wants_fragment
from shelter.facilities.models import Bed, Facility
from shelter.stays import forms, queries, service
from shelter.stays.models import BedHold, Stay
from shelter.stays.service import (BedNotAvailable, BedOutOfService, FacilityHasFreeBeds, HoldNotFound, InvalidDischarge,
                                   InvalidHold, ReasonRequired, ResidentAlreadyAdmitted, RoomRulesViolated, StayClosed)

bp = Blueprint("stays", __name__, url_prefix="/stays")

CONFLICT = 409
BOARD_STALE = {"HX-Trigger": "boardStale"}
MAX_BEDS_PER_ROOM = 12
SEARCH_LIMIT = 15


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


# --- choosing a bed: free beds the user may use, ranked for the person ------------------------------------

@dataclass
class BedGroup:
    facility: Facility
    room_id: int
    room_name: str
    sex: str
    age_group: str
    fit: str  # best | ok | rules
    beds: list = field(default_factory=list)
    more: int = 0


@dataclass
class PlacementOptions:
    groups: list[BedGroup] = field(default_factory=list)
    full_facilities: list[Facility] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.groups and not self.full_facilities


def person_for(resident) -> matching.Person:
    return matching.Person(
        sex=resident.sex,
        age=service.age_on(resident, utcnow().date()),
        children=len(resident.children),
        high_risk=resident.risk_level == "high",
    )


def placement_options(resident, facility_ids: list[int], *, exclude_bed_id: int | None = None,
                      over_capacity: bool = True) -> PlacementOptions:
    """Free beds in these facilities, grouped by room: rooms that fit the person (and their children)
    first, in find-a-bed's order; then rooms that fit the person alone; then rooms whose rules do not
    fit (an admission there needs a reason). Full facilities are offered for an over-capacity placement.
    Two statements for the beds and the facilities, whatever their number."""
    options = PlacementOptions()
    if not facility_ids:
        return options
    facilities = {f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(facility_ids)))}
    free = [s for s in queries.bed_states(facility_ids) if s.status == "available" and s.bed_id != exclude_bed_id]
    by_room: dict[int, list] = {}
    for state in free:
        by_room.setdefault(state.room_id, []).append(state)
    rooms = []
    for beds in by_room.values():
        first = beds[0]
        facility = facilities[first.facility_id]
        rooms.append(matching.Room(
            facility_id=facility.id, facility_name=facility.name, facility_kind=facility.kind, room_id=first.room_id,
            room_name=first.room_name, sex=first.room_sex, age_group=first.room_age_group, free=len(beds),
            free_accessible=sum(1 for b in beds if b.wheelchair_accessible),
            free_cribs=sum(1 for b in beds if b.has_crib),
        ))
    person = person_for(resident)
    order: list[tuple[matching.Room, str]] = []
    seen = set()
    ranked = [(m.room, "best") for m in matching.rank_rooms(person, rooms)]
    if person.children:
        ranked += [(m.room, "ok") for m in matching.rank_rooms(replace(person, children=0), rooms)]
    for room, fit in ranked:
        if room.room_id not in seen:
            seen.add(room.room_id)
            order.append((room, fit))
    rest = sorted((r for r in rooms if r.room_id not in seen),
                  key=lambda r: (r.facility_name.lower(), r.room_name.lower(), r.room_id))
    order += [(room, "rules") for room in rest]
    for room, fit in order:
        beds = sorted(by_room[room.room_id], key=lambda b: (not b.has_crib if person.children else False,
                                                             natural_key(b.label)))
        options.groups.append(BedGroup(
            facility=facilities[room.facility_id], room_id=room.room_id, room_name=room.room_name, sex=room.sex,
            age_group=room.age_group, fit=fit, beds=beds[:MAX_BEDS_PER_ROOM],
            more=max(0, len(beds) - MAX_BEDS_PER_ROOM),
        ))
    if over_capacity:
        with_free = {s.facility_id for s in free}
        options.full_facilities = sorted((f for fid, f in facilities.items() if fid not in with_free),
                                         key=lambda f: f.name.lower())
    return options


# --- admission --------------------------------------------------------------------------------------------

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


# --- a stay: its panel, transfer, discharge ----------------------------------------------------------------

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
                  time=_format_time(stay.admitted_at)))
        elif reason == "before_transfer":
            assignment = service.current_assignment(stay)
            form.discharged_at.errors.append(
                _("The discharge cannot be before the move to the current bed (%(time)s). Check the date and time.",
                  time=_format_time(assignment.started_at if assignment else stay.admitted_at)))
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


def _format_time(value) -> str:
    return current_app.jinja_env.filters["datetime"](value)


# --- holds --------------------------------------------------------------------------------------------------

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
    message = _("Bed %(bed)s is held until %(time)s.", bed=bed.label, time=_format_time(hold.expires_at))
    oob = oob_updates([facility_id], [bed.id]) if origin == "board" and wants_fragment() else ""
    return done(message, origin="board", resident_id=None, oob=oob)


@bp.get("/holds/<id:hold_id>")
def hold_show(hold_id: int):
    hold = hold_or_404(hold_id)
    from shelter.auth.models import User

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
