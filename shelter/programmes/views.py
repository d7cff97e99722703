"""Skills programmes: catalogue, enrolment, attendance, completion certificates.

Every record is taken through one lookup that checks scope and role (``programme_or_404``,
``enrollment_or_404``, ``session_or_404``): outside the user's facilities, or for a role that may not
do this there, the answer is a 404, never a 403. Views call one service function and commit once.

Attendance is one page per session: each click posts one mark (htmx) and gets back only that
resident's row, so a page of twenty residents is marked without a reload, and every mark is saved
the moment it is clicked.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from shelter.access import get_facility_or_404, get_resident_or_404, visible_facility_ids
from shelter.formfields import choices
from shelter.extensions import db
from shelter.fragments import error_status, wants_fragment
from shelter.pagination import Page, clamp_page
from shelter.programmes import forms, queries, service
from shelter.programmes.models import AttendanceStatus, Enrollment, EnrollmentStatus, Programme, ProgrammeSession
from shelter.stays.forms import parse_id

bp = Blueprint("programmes", __name__, url_prefix="/programmes")

PER_PAGE = 25
RECENT_SESSIONS = 5
COMING_SESSIONS = 10


# --- lookups: scope and role first, anything else is a 404 -------------------------------------------------------

def programme_or_404(programme_id: int, allowed=None) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        abort(404)
    get_facility_or_404(programme.facility_id)
    if allowed is not None and not allowed(current_user, programme.facility_id):
        abort(404)
    return programme


def enrollment_or_404(enrollment_id: int, allowed=None) -> Enrollment:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None:
        abort(404)
    programme_or_404(enrollment.programme_id, allowed)
    return enrollment


def session_or_404(session_id: int, allowed=None) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    if session is None:
        abort(404)
    programme_or_404(session.programme_id, allowed)
    return session


def managed_facilities():
    """Active facilities where the user may create programmes."""
    from shelter.facilities.models import Facility
    import sqlalchemy as sa

    if current_user.is_admin:
        return list(db.session.scalars(sa.select(Facility).where(Facility.is_active.is_(True))
                                       .order_by(Facility.name)))
    return [f for f in current_user.facilities if f.is_active and service.may_manage(current_user, f.id)]


# --- messages ------------------------------------------------------------------------------------------------------

def eligibility_messages(problems: list[str], programme: Programme) -> list[str]:
    messages = []
    for code in problems:
        if code == "sex":
            messages.append(_("This programme is for women and girls only.") if programme.eligible_sex == "female"
                            else _("This programme is for men and boys only."))
        elif code == "too_young":
            messages.append(_("Younger than the minimum age (%(age)d).", age=programme.min_age))
        elif code == "too_old":
            messages.append(_("Older than the maximum age (%(age)d).", age=programme.max_age))
    return messages


def error_message(error: service.ProgrammeError) -> str:
    if isinstance(error, service.NoOpenStay):
        return _("Only residents staying in this programme's facility can enrol.")
    if isinstance(error, service.AlreadyEnrolled):
        return _("This resident is already enrolled or on the waitlist.")
    if isinstance(error, service.EnrollmentNotActive):
        return _("This enrolment has already ended; nothing was changed.")
    if isinstance(error, service.NotEnrolled):
        return _("This resident is not enrolled in this programme; nothing was saved.")
    if isinstance(error, service.SessionNotStarted):
        return _("This session has not taken place yet; attendance can be taken from its day on.")
    if isinstance(error, service.InvalidAttendance):
        return _("Choose present, absent or excused.")
    return _("Nothing was changed: the input was not valid.")


# --- template helpers (this blueprint's pages only) -----------------------------------------------------------------

ATTENDANCE_LABELS = {"present": forms._l("Present"), "absent": forms._l("Absent"), "excused": forms._l("Excused")}


def weekday_names(programme: Programme) -> str:
    return ", ".join(str(forms.WEEKDAYS[d]) for d in programme.weekday_numbers)


def restriction_text(programme: Programme) -> str:
    parts = []
    if programme.eligible_sex:
        parts.append(str(forms.SEXES[programme.eligible_sex]))
    if programme.min_age is not None and programme.max_age is not None:
        parts.append(_("aged %(min)d to %(max)d", min=programme.min_age, max=programme.max_age))
    elif programme.min_age is not None:
        parts.append(_("aged %(min)d or older", min=programme.min_age))
    elif programme.max_age is not None:
        parts.append(_("aged %(max)d or younger", max=programme.max_age))
    return ", ".join(parts) if parts else _("Anyone staying in the facility")


def enrolment_status_text(enrollment: Enrollment, position: int | None) -> str:
    status = enrollment.status
    if status == EnrollmentStatus.ENROLLED:
        return _("Enrolled")
    if status == EnrollmentStatus.WAITLISTED:
        return _("Waitlist, position %(num)d", num=position) if position else _("On the waitlist")
    if status == EnrollmentStatus.COMPLETED:
        return _("Completed")
    if status == EnrollmentStatus.WITHDRAWN:
        return _("Withdrawn")
    return _("Ended: the stay closed")


@bp.context_processor
def _helpers():
    return {"weekday_names": weekday_names, "restriction_text": restriction_text,
            "enrolment_status_text": enrolment_status_text,
            "attendance_label": lambda code: ATTENDANCE_LABELS.get(code, code)}


# --- catalogue ------------------------------------------------------------------------------------------------------

@bp.get("/")
def index():
    ids = visible_facility_ids(current_user)
    total = queries.programme_count(ids)
    page_number = clamp_page(request.args.get("page", 1, type=int) or 1, total, PER_PAGE)
    rows = queries.programme_rows(ids, offset=(page_number - 1) * PER_PAGE, limit=PER_PAGE)
    return render_template("programmes/index.html", page=Page(rows, page_number, PER_PAGE, total),
                           can_create=bool(managed_facilities()))


def _programme_form(programme: Programme | None = None) -> forms.ProgrammeForm:
    form = forms.ProgrammeForm(obj=programme)
    if programme is not None:
        if request.method == "GET":
            form.weekdays.data = programme.weekday_numbers
            form.eligible_sex.data = programme.eligible_sex or ""
        del form.facility_id  # a programme stays in its facility
    else:
        form.facility_id.choices = choices({f.id: f.name for f in managed_facilities()})
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    facilities = managed_facilities()
    if not facilities:
        abort(404)
    form = _programme_form()
    if request.method == "GET":
        wanted = parse_id(request.args.get("facility"))
        if wanted in {f.id for f in facilities}:
            form.facility_id.data = wanted
    if form.validate_on_submit():
        facility = get_facility_or_404(form.facility_id.data)
        if not service.may_manage(current_user, facility.id):
            abort(404)
        try:
            programme = service.create_programme(facility, form.to_input(), by=current_user)
            db.session.commit()
        except service.InvalidProgramme as error:
            db.session.rollback()
            form.show_problems(error.problems)
        else:
            flash(_("Programme created with %(num)d sessions.", num=len(programme.sessions)), "success")
            return redirect(url_for("programmes.show", programme_id=programme.id))
    status = 200 if request.method == "GET" else 422
    return render_template("programmes/form.html", form=form, programme=None), status


@bp.route("/<id:programme_id>/edit", methods=["GET", "POST"])
def edit(programme_id: int):
    programme = programme_or_404(programme_id, service.may_manage)
    form = _programme_form(programme)
    if form.validate_on_submit():
        try:
            service.update_programme(programme, form.to_input(), by=current_user)
            db.session.commit()
        except service.InvalidProgramme as error:
            db.session.rollback()
            form.show_problems(error.problems)
        else:
            flash(_("Programme saved; the sessions from tomorrow on follow the new schedule."), "success")
            return redirect(url_for("programmes.show", programme_id=programme.id))
    status = 200 if request.method == "GET" else 422
    return render_template("programmes/form.html", form=form, programme=programme), status


def _show_context(programme: Programme, form: forms.EnrolForm | None = None, hints=None) -> dict:
    enrolments = queries.enrolments_of(programme.id)
    may_manage = service.may_manage(current_user, programme.facility_id)
    candidates = queries.candidates(programme) if may_manage else []
    today = service.local_today()
    if form is None:
        form = forms.EnrolForm()
    form.resident_id.choices = choices({0: _("Choose…"), **{
        r.id: r.full_name + (" — " + "; ".join(eligibility_messages(p, programme)) if (
            p := service.eligibility_problems(programme, r, today)) else "")
        for r in candidates}})
    sessions = queries.sessions_of(programme.id)
    all_sessions = request.args.get("sessions") == "all"
    shown = sessions
    if not all_sessions:  # the last few and the next few; the rest behind a link
        past = [s for s in sessions if s.session_date < today]
        coming = [s for s in sessions if s.session_date >= today]
        shown = past[-RECENT_SESSIONS:] + coming[:COMING_SESSIONS]
    return dict(
        programme=programme, enrolments=enrolments, form=form, hints=hints or [],
        positions=service.waitlist_positions(programme.id),
        rates=queries.attendance_rates([e.id for e in enrolments]),
        sessions=shown, session_total=len(sessions), marks=queries.marks_per_session(programme.id), today=today,
        seated=sum(1 for e in enrolments if e.seat is not None),
        may_manage=may_manage,
        may_attend=service.may_take_attendance(current_user, programme.facility_id),
    )


@bp.get("/<id:programme_id>")
def show(programme_id: int):
    programme = programme_or_404(programme_id)
    return render_template("programmes/show.html", **_show_context(programme))


@bp.post("/<id:programme_id>/enrolments")
def enrol(programme_id: int):
    programme = programme_or_404(programme_id, service.may_manage)
    form = forms.EnrolForm()
    resident_id = parse_id(request.form.get("resident_id"))
    if resident_id is None:
        form.validate()
        form.resident_id.errors = [_("Choose a resident.")]
        return render_template("programmes/show.html", **_show_context(programme, form)), 422
    if not form.validate_on_submit():
        return render_template("programmes/show.html", **_show_context(programme, form)), 422
    resident = get_resident_or_404(resident_id)
    try:
        enrollment = service.enrol(programme, resident, by=current_user,
                                   override_reason=form.override_reason.data)
        db.session.commit()
    except service.NotEligible as error:
        db.session.rollback()
        form.override_reason.errors = [_("The programme's restrictions do not fit: give a reason to enrol anyway.")]
        hints = eligibility_messages(error.problems, programme)
        return render_template("programmes/show.html", **_show_context(programme, form, hints)), 422
    except service.InvalidProgramme:
        db.session.rollback()
        form.override_reason.errors = [_("At most %(max)d characters, without control characters.",
                                         max=service.REASON_MAX)]
        return render_template("programmes/show.html", **_show_context(programme, form)), 422
    except (service.ProgrammeError, IntegrityError) as error:
        db.session.rollback()
        message = error_message(error) if isinstance(error, service.ProgrammeError) else _(
            "Someone else changed this at the same time; nothing was saved. Try again.")
        form.resident_id.errors = [message]
        return render_template("programmes/show.html", **_show_context(programme, form)), 422
    if enrollment.status == EnrollmentStatus.ENROLLED:
        flash(_("Enrolled."), "success")
    else:
        flash(_("The programme is full: added to the waitlist at position %(num)d.",
                num=service.waitlist_position(enrollment)), "warning")
    return redirect(url_for("programmes.show", programme_id=programme.id))


def _enrollment_action(enrollment_id: int, action):
    enrollment = enrollment_or_404(enrollment_id, service.may_manage)
    programme_id = enrollment.programme_id
    try:
        result = action(enrollment)
        db.session.commit()
    except service.ProgrammeError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        result = None
    return programme_id, result


@bp.post("/enrolments/<id:enrollment_id>/withdraw")
def withdraw(enrollment_id: int):
    programme_id, promoted = _enrollment_action(
        enrollment_id, lambda e: service.withdraw(e, by=current_user) or True)
    if promoted is not None:
        flash(_("Withdrawn."), "success")
        if promoted is not True:
            flash(_("A resident moved up from the waitlist and has the place."), "success")
    return redirect(url_for("programmes.show", programme_id=programme_id))


@bp.post("/enrolments/<id:enrollment_id>/complete")
def complete(enrollment_id: int):
    programme_id, done = _enrollment_action(enrollment_id, lambda e: service.complete(e, by=current_user))
    if done is not None:
        flash(_("Marked as completed; the certificate can be printed."), "success")
    return redirect(url_for("programmes.show", programme_id=programme_id))


@bp.get("/enrolments/<id:enrollment_id>/certificate")
def certificate(enrollment_id: int):
    enrollment = enrollment_or_404(enrollment_id)
    get_resident_or_404(enrollment.resident_id)
    if enrollment.status != EnrollmentStatus.COMPLETED:
        abort(404)
    rate = queries.attendance_rates([enrollment.id])[enrollment.id]
    return render_template("programmes/certificate.html", enrollment=enrollment, programme=enrollment.programme,
                           resident=enrollment.resident, rate=rate)


# --- attendance ------------------------------------------------------------------------------------------------------

@bp.get("/sessions/<id:session_id>")
def attendance(session_id: int):
    session = session_or_404(session_id, service.may_take_attendance)
    rows = queries.roster(session)
    return render_template("programmes/attendance.html", session=session, programme=session.programme, rows=rows,
                           statuses=list(AttendanceStatus),
                           open_for_marks=session.session_date <= service.local_today())


@bp.post("/sessions/<id:session_id>/attendance")
def mark(session_id: int):
    session = session_or_404(session_id, service.may_take_attendance)
    enrollment_id = parse_id(request.form.get("enrollment_id"))
    status = request.form.get("status", "")
    try:
        if enrollment_id is None:
            raise service.NotEnrolled()
        service.record_attendance(session, enrollment_id, status, by=current_user)
        db.session.commit()
    except service.ProgrammeError as error:
        db.session.rollback()
        flash(error_message(error), "error")
        if wants_fragment():
            # Nothing changed in the row: show the message where messages go, leave the row alone.
            return (render_template("_flash.html"), error_status(),
                    {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
        return redirect(url_for("programmes.attendance", session_id=session.id)), 303
    if wants_fragment():
        row = queries.roster_row(session, enrollment_id)
        return render_template("programmes/_attendance_row.html", row=row, session=session,
                               statuses=list(AttendanceStatus), open_for_marks=True)
    flash(_("Saved."), "success")
    return redirect(url_for("programmes.attendance", session_id=session.id))


# --- the resident's section (loaded lazily by the resident's page) -------------------------------------------------

@bp.get("/residents/<id:resident_id>")
def resident_section(resident_id: int):
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():  # a section of the resident's page, not a page of its own
        return redirect(url_for("residents.show", resident_id=resident.id))
    enrolments = queries.resident_enrolments(current_user, resident.id)
    return render_template("programmes/_resident_programmes.html", resident=resident, enrolments=enrolments,
                           rates=queries.attendance_rates([e.id for e in enrolments]))
