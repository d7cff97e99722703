"""Users administration (admins only): list, create, edit, deactivate/reactivate, reset a password.

Each page template includes its partials (``_*.html``); an htmx request gets the partial alone, and
a flash message rides along as an out-of-band swap into ``#flash``. A form with errors is answered
with 200 to htmx (htmx 2 does not swap 4xx responses) and 422 to a plain form post.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import admin_required
from shelter.admin import queries, service
from shelter.admin.forms import ConfirmForm, CreateUserForm, EditUserForm, ResetPasswordForm, UserFilterForm
from shelter.auth import twostep
from shelter.auth.models import User
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment

bp = Blueprint("admin", __name__, url_prefix="/admin")




# --- helpers -----------------------------------------------------------------------------------

def render(page_template: str, fragment_template: str, *, status: int = 200, oob_flash: bool = False,
           **context):
    """The whole page, or for htmx the fragment alone (plus pending flash messages, out of band)."""
    if wants_fragment():
        body = render_template(fragment_template, **context)
        if oob_flash:
            body += flash_oob()
    else:
        body = render_template(page_template, **context)
    return make_response(body, status)


def get_user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)  # the <id:…> route refuses ids that cannot exist
    if user is None:
        abort(404)
    return user


def acting_admin() -> User:
    return current_user._get_current_object()


def _details_form(form_class, user: User | None = None):
    data = None
    if user is not None:
        data = {"full_name": user.full_name, "roles": sorted(user.roles),
                "facilities": sorted(user.facility_ids), "phone": user.phone or ""}
    form = form_class(data=data)
    form.set_facility_choices(queries.facility_choices())
    return form


# --- list ----------------------------------------------------------------------------------------

@bp.get("/users")
@admin_required
def users():
    form = UserFilterForm(formdata=request.args)
    form.set_facility_choices(queries.facility_choices())
    page = None
    filter_args: dict = {}
    if form.validate():
        filters = queries.UserFilters(
            q=form.q.data or "", role=form.role.data or "",
            facility_id=int(form.facility.data) if form.facility.data else None,
            status=form.status.data or "",
        )
        page = queries.users_page(filters, request.args.get("page", 1, type=int))
        filter_args = {k: v for k, v in (("q", filters.q), ("role", filters.role),
                                         ("facility", form.facility.data), ("status", filters.status)) if v}
    return render("admin/users.html", "admin/_users_table.html",
                  form=form, page=page, filter_args=filter_args)


# --- create ------------------------------------------------------------------------------------

@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def create_user():
    form = _details_form(CreateUserForm)
    status = 200
    if form.validate_on_submit():
        try:
            user = service.create_user(
                email=form.email.data, full_name=form.full_name.data, password=form.password.data,
                roles=form.roles.data, facilities=service.get_facilities(form.facilities.data),
                phone=form.phone.data, by=acting_admin(),
            )
        except service.EmailTaken:
            form.email.errors.append(_("A user with this email address already exists."))
        else:
            db.session.commit()
            flash(_("Account created: it can log in with the initial password and will be asked to choose "
                    "its own."), "success")
            target = url_for("admin.users")
            if wants_fragment():
                return "", 200, {"HX-Redirect": target}
            return redirect(target)
    if request.method == "POST":
        status = error_status()
    return render("admin/user_new.html", "admin/_user_form.html", status=status, form=form, user=None)


# --- edit ----------------------------------------------------------------------------------------

def edit_page(user: User, *, status: int = 200, form=None, reset_form=None, confirm: str | None = None):
    return make_response(render_template(
        "admin/user_edit.html", user=user, two_step_state=_two_step_state(user),
        form=form or _details_form(EditUserForm, user),
        reset_form=reset_form or ResetPasswordForm(formdata=None),
        status_form=ConfirmForm(formdata=None), confirm=confirm,
    ), status)


def _two_step_state(user: User) -> str:
    row = twostep.record_of(user)
    if row is not None and row.confirmed_at is not None:
        return "enrolled"
    return "reset" if row is not None and row.reset_at is not None else "none"


def status_fragment(user: User, *, confirm: str | None = None, oob_flash: bool = False):
    body = render_template("admin/_user_status.html", user=user, confirm=confirm,
                           status_form=ConfirmForm(formdata=None))
    if oob_flash:
        body += flash_oob()
    return body


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
@admin_required
def edit_user(user_id: int):
    user = get_user_or_404(user_id)
    if request.method == "GET":
        if wants_fragment() and request.args.get("part") == "status":
            return status_fragment(user)
        return edit_page(user)

    form = _details_form(EditUserForm, user)
    if form.validate_on_submit():
        try:
            changed = service.update_user(
                user, full_name=form.full_name.data, roles=form.roles.data,
                facilities=service.get_facilities(form.facilities.data), phone=form.phone.data,
                by=acting_admin(),
            )
        except service.CannotDemoteSelf:
            form.roles.errors.append(_("You cannot remove your own administrator role. "
                                       "Ask another administrator to do it."))
        else:
            db.session.commit()
            if changed:
                flash(_("Changes to the account saved."), "success")
            else:
                flash(_("Nothing was changed."), "info")
            if not wants_fragment():
                return redirect(url_for("admin.edit_user", user_id=user.id))
            body = (render_template("admin/_user_form.html", form=_details_form(EditUserForm, user), user=user)
                    + render_template("admin/_user_heading.html", user=user, oob=True)
                    + flash_oob())
            return body
    if wants_fragment():
        return render_template("admin/_user_form.html", form=form, user=user), error_status()
    return edit_page(user, form=form, status=error_status())


# --- deactivate / reactivate ---------------------------------------------------------------------

def _change_status(user_id: int, action: str):
    """GET asks for confirmation; POST (with the CSRF token) does it."""
    user = get_user_or_404(user_id)
    if request.method == "GET":
        applies = user.active == (action == "deactivate") and user.id != current_user.id
        confirm = action if applies else None
        if wants_fragment():
            return status_fragment(user, confirm=confirm)
        return edit_page(user, confirm=confirm)

    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            if action == "deactivate":
                done = service.deactivate_user(user, by=acting_admin())
            else:
                done = service.reactivate_user(user, by=acting_admin())
        except service.CannotDeactivateSelf:
            flash(_("You cannot deactivate your own account."), "error")
        else:
            db.session.commit()
            if action == "deactivate":
                flash(_("The account is deactivated and has been logged out everywhere.")
                      if done else _("The account was already inactive."), "success")
            else:
                flash(_("The account can log in again.")
                      if done else _("The account was already active."), "success")
    if wants_fragment():
        return status_fragment(user, oob_flash=True)
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<id:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate_user(user_id: int):
    return _change_status(user_id, "deactivate")


@bp.route("/users/<id:user_id>/reactivate", methods=["GET", "POST"])
@admin_required
def reactivate_user(user_id: int):
    return _change_status(user_id, "reactivate")


# --- reset password ------------------------------------------------------------------------------

@bp.post("/users/<id:user_id>/password")
@admin_required
def reset_password(user_id: int):
    user = get_user_or_404(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            service.reset_password(user, form.new_password.data, by=acting_admin())
        except service.CannotResetOwnPassword:
            form.new_password.errors.append(_("Change your own password on the Change password page."))
        else:
            db.session.commit()
            flash(_("New initial password set. The account's sessions have ended; it must choose its own "
                    "password at next login."), "success")
            if not wants_fragment():
                return redirect(url_for("admin.edit_user", user_id=user.id))
            return (render_template("admin/_reset_password.html", user=user,
                                    reset_form=ResetPasswordForm(formdata=None))
                    + flash_oob())
    if wants_fragment():
        return render_template("admin/_reset_password.html", user=user, reset_form=form), 200
    return edit_page(user, reset_form=form, status=422)


# --- reset two-step sign-in ----------------------------------------------------------------------------

@bp.post("/users/<id:user_id>/two-step")
@admin_required
def reset_two_step(user_id: int):
    user = get_user_or_404(user_id)
    form = ConfirmForm()
    if form.validate_on_submit() and user.id != current_user.id:
        twostep.reset(user, by=acting_admin())
        db.session.commit()
        flash(_("Two-step sign-in is reset and the account has been logged out everywhere. The user sets it up "
                "again at the next login."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))
