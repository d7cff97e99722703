"""Residents: the scoped list and search, intake with a duplicate check, the resident page with its
timeline, edits guarded by a version, family contacts and persons who must have no contact.

Every record is looked up through the scope check (404 outside it); the person's shared data (the
edit form, family contacts, no-contact persons) is changed only by the facility responsible for them
(``get_resident_or_404(..., change=True)``: the same 404 otherwise), and the page shows other
facilities' stays as the episode rule says (``shelter.access``). Names, NIKs and addresses never
go into a URL: the search is posted, and messages that outlive the page say "Resident registered."
rather than whom. htmx requests get the fragment alone (``_table.html``, ``_form.html``,
``_family_contacts.html``, ``_no_contact.html``, ``_guardian_options.html``); forms with errors
answer htmx with 200 (htmx 2 does not swap 4xx) and plain posts with 422 (409 for a stale edit).
"""

from __future__ import annotations

from flask import (Blueprint, abort, flash, make_response, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shelter.access import (can_change_person, get_resident_or_404, resident_scope_clause, roles_required,
                            sees_episode)
from shelter.auth.models import Role
from shelter.extensions import db
from shelter.fragments import UNPROCESSABLE, error_status, flash_oob, wants_fragment
from shelter.facilities.models import Facility
from shelter.residents import forms, labels, queries, service
from shelter.stays import service as stays_service
from shelter.residents.service import ContactInvalid, ContactNotFound, ResidentInvalid, StaleResident
from shelter import text

bp = Blueprint("residents", __name__, url_prefix="/residents")

# Ids in URLs stop at the INTEGER column's range: a larger number is a 404 from the router.

CONFLICT = 409

# Who registers people and who admits, moves and discharges them (the stays pages decide for
# themselves; this only decides which links the resident page offers).
INTAKE_ROLES = (Role.ADMIN, Role.INTAKE_STAFF, Role.CASE_MANAGER, Role.FACILITY_MANAGER)
STALE_MESSAGE = _l("This record was changed by someone else since you opened it. Reload to see their changes; "
                   "your edits were not saved.")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)



# --- helpers -------------------------------------------------------------------------------------------

def acting_user():
    return current_user._get_current_object()




def go_to(url: str):
    """After a successful change: htmx follows with a full page load, a plain post is redirected."""
    if wants_fragment():
        return "", 200, {"HX-Redirect": url}
    return redirect(url)


def valid_id(value: int | None) -> int | None:
    """An id that can exist (the columns are INTEGER), else None."""
    return value if value is not None and 0 < value <= forms.MAX_ID else None


# --- the list --------------------------------------------------------------------------------------------

@bp.route("/", methods=["GET", "POST"])
def index():
    """GET shows the list (filters by facility and stay in the query string); the search by name or
    NIK is POSTed so that it never appears in a URL, a server log or the browser history."""
    if request.method == "POST":
        form = forms.ResidentFilterForm(formdata=request.form)
    else:
        form = forms.ResidentFilterForm(formdata=request.args)
        form.q.data = ""  # a name or NIK in a URL is ignored, never searched
    form.set_facility_choices(queries.facility_choices(current_user))
    page = None
    if form.validate():
        filters = queries.ResidentFilters(**form.values())
        page = queries.residents_page(current_user, filters, request.values.get("page", 1, type=int))
    body_template = "residents/_table.html" if wants_fragment() else "residents/index.html"
    return render_template(body_template, form=form, page=page,
                           can_register=current_user.has_role(*INTAKE_ROLES))


# --- intake ----------------------------------------------------------------------------------------------

def render_form(form, *, resident=None, duplicates=(), status=200, guardian=None, guardian_options=()):
    """The intake or edit page, or for htmx the form alone."""
    if guardian is None and form.guardian_id.data and not form.guardian_id.errors:
        guardian = next(iter(queries.summaries(current_user, [form.guardian_id.data])), None)
    context = dict(form=form, resident=resident, duplicates=list(duplicates), guardian=guardian,
                   guardian_options=list(guardian_options), searched=False)
    if wants_fragment():
        return make_response(render_template("residents/_form.html", **context), status)
    page = "residents/edit.html" if resident is not None else "residents/new.html"
    return make_response(render_template(page, **context), status)


def check_form(form, *, resident=None) -> tuple[bool, service.ResidentInput]:
    """Parse (WTForms), then the service's rules, then the guardian's scope: every problem at once."""
    ok = form.validate()
    data = form.to_input()
    try:
        data = service.validate(data)
    except ResidentInvalid as error:
        forms.apply_problems(form, error.problems)
        ok = False
    if data.guardian_id is not None and not form.guardian_id.errors:
        if resident is None or data.guardian_id != resident.guardian_id:
            try:
                service.check_guardian(data.guardian_id, resident_id=resident.id if resident else None,
                                       scope_clause=resident_scope_clause(current_user))
            except ResidentInvalid as error:
                forms.apply_problems(form, error.problems)
                ok = False
    return ok, data


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*INTAKE_ROLES)
def new():
    choices = queries.intake_facility_choices(current_user)
    if request.method == "GET":
        form = forms.intake_form(choices, submitted=False)
        guardian = queries.visible_resident(current_user, request.args.get("guardian", type=int))
        if guardian is not None:
            form.guardian_id.data = guardian.id
        ids = [i for i, _name in choices]
        if guardian is not None and guardian.registered_facility_id in ids:
            form.facility_id.data = guardian.registered_facility_id
        elif len(ids) == 1:
            form.facility_id.data = ids[0]
        return render_form(form)

    form = forms.intake_form(choices, submitted=True)
    ok, data = check_form(form)
    if not ok:
        return render_form(form, status=error_status())

    # Likely duplicates among the residents this user may see, shown before anything is created. The
    # user confirms "a different person" for exactly the candidates shown; new ones are shown again.
    scope = resident_scope_clause(current_user)
    candidates = service.likely_duplicates(data, scope)
    confirmed = request.form.get("confirm") == "different" and (
        {c.id for c in candidates} <= form.confirmed_duplicates())
    if candidates and not confirmed:
        form.seen_duplicates.data = ",".join(str(c.id) for c in candidates)
        return render_form(form, duplicates=queries.summaries(current_user, candidates))

    try:
        resident = service.register(data, facility_id=form.facility_id.data, by=acting_user(), scope_clause=scope)
        db.session.commit()
    except ResidentInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_form(form, status=error_status())
    flash(_("Resident registered."), "success")
    return go_to(url_for(".show", resident_id=resident.id))


@bp.route("/guardian-search", methods=["POST"])
def guardian_search():
    """The mother/guardian picker: residents in scope matching the search, as radio buttons."""
    q = text.clean(request.form.get("guardian_q") or "")
    if text.problem(q):
        q = ""
    exclude = valid_id(request.form.get("exclude", type=int))
    chosen_id = valid_id(request.form.get("guardian_id", type=int))
    candidates = queries.guardian_candidates(current_user, q, exclude_id=exclude)
    guardian = None
    if chosen_id is not None:
        guardian = next(iter(queries.summaries(current_user, [chosen_id])), None)
    context = dict(guardian=guardian, guardian_options=candidates, searched=len(q) >= 2)
    if wants_fragment():
        return render_template("residents/_guardian_options.html", **context)
    return render_template("residents/guardian_search.html", q=q, **context)


# --- one resident --------------------------------------------------------------------------------------

def stay_actions(page: queries.ResidentPage) -> dict:
    """Which admission/transfer/discharge links to offer: the stays service decides, per facility,
    as it does when the form is submitted (case managers place people but do not move them)."""
    open_stay = page.open_stay
    may_move = open_stay is not None and stays_service.may_move(current_user, open_stay.facility_id)
    return {
        "admit": open_stay is None and (current_user.is_admin or current_user.has_role(*stays_service.ADMIT_ROLES)),
        "transfer": may_move,
        "discharge": may_move,
    }


def render_show(resident, *, status=200, contact_form=None, no_contact_form=None, whole_timeline=False):
    """The resident page. Every showing is audited: the event is committed only once the page has
    been rendered, and the page is not sent if that fails."""
    page = queries.resident_page(current_user, resident, whole_timeline=whole_timeline)
    registered_at = None  # another facility's registration is not shown (nor who made it)
    if sees_episode(current_user, resident.registered_facility_id):
        registered_at = db.session.get(Facility, resident.registered_facility_id)
    open_stay = page.open_stay
    service.record_view(resident, by=acting_user(),
                        facility_id=open_stay.facility_id if open_stay else resident.registered_facility_id)
    html = render_template(
        "residents/show.html", page=page, resident=page.resident, timeline=page.timeline, registered_at=registered_at,
        actions=stay_actions(page), can_register=current_user.has_role(*INTAKE_ROLES), age=queries.age,
        can_change=can_change_person(current_user, resident,  # a person's one open stay is responsible
                                     facility_id=open_stay.facility_id if open_stay else None),
        contact_form=contact_form, no_contact_form=no_contact_form,  # None: folded, fetched when opened
    )
    db.session.commit()
    return make_response(html, status)


@bp.get("/<id:resident_id>")
def show(resident_id: int):
    resident = get_resident_or_404(resident_id, options=queries.page_options())
    return render_show(resident, whole_timeline=request.args.get("timeline") == "all")


@bp.get("/<id:resident_id>/timeline")
def timeline(resident_id: int):
    """The whole timeline (the page shows the latest stays): for htmx the section alone. Audited as
    a view of the record, like the page."""
    resident = get_resident_or_404(resident_id)
    if not wants_fragment():
        return redirect(url_for(".show", resident_id=resident.id, timeline="all", _anchor="timeline"))
    whole = queries.timeline(current_user, resident, limit=None)
    service.record_view(resident, by=acting_user(), part="timeline")
    html = render_template("residents/_timeline.html", resident=resident, timeline=whole)
    db.session.commit()
    return html


@bp.route("/<id:resident_id>/edit", methods=["GET", "POST"])
def edit(resident_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    if request.method == "GET":
        form = forms.resident_form(resident)
        # The edit form shows the record: that is a view of it too.
        service.record_view(resident, by=acting_user())
        response = render_form(form, resident=resident)
        db.session.commit()
        return response

    form = forms.resident_form(resident, formdata=request.form)
    ok, data = check_form(form, resident=resident)
    if not ok:
        return render_form(form, resident=resident, status=error_status())
    version = form.version.data or ""
    expected = int(version) if version.isascii() and version.isdigit() and len(version) < 10 else -1
    try:
        before = resident.version
        service.update(resident, data, expected_version=expected, by=acting_user(),
                       scope_clause=resident_scope_clause(current_user))
        changed = resident.version != before
        db.session.commit()
    except StaleResident:
        db.session.rollback()
        form.form_errors.append(STALE_MESSAGE)
        return render_form(form, resident=resident, status=error_status(CONFLICT))
    except ResidentInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_form(form, resident=resident, status=error_status())
    flash(_("Changes saved.") if changed else _("Nothing was changed."), "success" if changed else "info")
    return go_to(url_for(".show", resident_id=resident.id))


# --- family contacts and persons who must have no contact ---------------------------------------------------

def contacts_fragment(resident, template: str, *, form=None, status=200):
    resident = queries.contacts(resident)
    if template == "residents/_family_contacts.html":
        context = {"contact_form": form}
    else:
        context = {"no_contact_form": form}
    return make_response(render_template(template, resident=resident, can_change=True, **context) + flash_oob(),
                         status)


def contact_added(resident, template: str, anchor: str):
    if wants_fragment():
        return contacts_fragment(resident, template)
    return redirect(url_for(".show", resident_id=resident.id, _anchor=anchor))


CONTACT_FORMS = {  # which form, its partial, its heading and the section it belongs to
    "contact": (forms.FamilyContactForm, "residents/_contact_form.html", _l("Add a family contact"),
                "family-contacts", "contact_form"),
    "nocontact": (forms.NoContactForm, "residents/_no_contact_form.html",
                  _l("Add a person who must have no contact"), "no-contact", "no_contact_form"),
}


def blank_contact_form(resident_id: int, prefix: str):
    """The empty form the resident page fetches when its folded section is opened (htmx), or, without
    JavaScript, a page of its own. Only for those who may change the person, like the POST."""
    resident = get_resident_or_404(resident_id, change=True)
    form_class, template, heading, anchor, name = CONTACT_FORMS[prefix]
    context = {"resident": resident, name: forms.blank(form_class, prefix)}
    if wants_fragment():
        return render_template(template, embedded=True, **context)
    return render_template("residents/contact_form.html", form_template=template, heading=heading, anchor=anchor,
                           **context)


@bp.get("/<id:resident_id>/contacts/new")
def contact_form(resident_id: int):
    return blank_contact_form(resident_id, "contact")


@bp.get("/<id:resident_id>/no-contact/new")
def no_contact_form(resident_id: int):
    return blank_contact_form(resident_id, "nocontact")


@bp.post("/<id:resident_id>/contacts")
def contact_add(resident_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    form = forms.FamilyContactForm(prefix="contact")
    form.validate()
    try:
        service.add_family_contact(resident, form.to_input(), by=acting_user())
        db.session.commit()
    except ContactInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        if wants_fragment():
            return contacts_fragment(resident, "residents/_family_contacts.html", form=form)
        return render_show(resident, contact_form=form, status=UNPROCESSABLE)
    flash(_("Family contact added."), "success")
    return contact_added(resident, "residents/_family_contacts.html", "family-contacts")


@bp.post("/<id:resident_id>/contacts/<id:contact_id>/delete")
def contact_delete(resident_id: int, contact_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    try:
        service.remove_family_contact(resident, contact_id, by=acting_user())
        db.session.commit()
    except ContactNotFound:
        db.session.rollback()
        abort(404)
    flash(_("Family contact removed."), "success")
    return contact_added(resident, "residents/_family_contacts.html", "family-contacts")


@bp.post("/<id:resident_id>/no-contact")
def no_contact_add(resident_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    form = forms.NoContactForm(prefix="nocontact")
    form.validate()
    try:
        service.add_no_contact_person(resident, form.to_input(), by=acting_user())
        db.session.commit()
    except ContactInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        if wants_fragment():
            return contacts_fragment(resident, "residents/_no_contact.html", form=form)
        return render_show(resident, no_contact_form=form, status=UNPROCESSABLE)
    flash(_("Person who must have no contact added. Tell the staff on duty."), "success")
    return contact_added(resident, "residents/_no_contact.html", "no-contact")


@bp.post("/<id:resident_id>/no-contact/<id:person_id>/delete")
def no_contact_delete(resident_id: int, person_id: int):
    resident = get_resident_or_404(resident_id, change=True)
    try:
        service.remove_no_contact_person(resident, person_id, by=acting_user())
        db.session.commit()
    except ContactNotFound:
        db.session.rollback()
        abort(404)
    flash(_("Person removed from the no-contact list."), "success")
    return contact_added(resident, "residents/_no_contact.html", "no-contact")
