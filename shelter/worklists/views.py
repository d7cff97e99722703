"""Who is responsible for a stay: the caseworker panel on the resident page, and its routes.

Who may choose the caseworker (``may_assign``): admins, and in the stay's own facility its case
managers, facility managers and intake staff — the people who place and admit residents, so the
responsibility is set when the person arrives. A caseworker cannot assign stays (to themselves or
anyone): their list is what their case manager gave them. Everyone who may open the resident sees
who is responsible.

The worklists themselves are the home page (``shelter.home``); the query is ``worklists.queries``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from shelter.access import get_stay_or_404
from shelter.auth.models import Role, User
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.stays import service as stays
from shelter.stays.models import Stay

bp = Blueprint("worklists", __name__, url_prefix="/worklists")

ASSIGN_ROLES = (Role.CASE_MANAGER, Role.FACILITY_MANAGER, Role.INTAKE_STAFF)


def may_assign(user, facility_id: int) -> bool:
    if user.is_admin:
        return True
    return facility_id in user.facility_ids and user.has_role(*ASSIGN_ROLES)


class CaseworkerForm(FlaskForm):
    class Meta:
        csrf = False  # the POST is checked for every request before the view (shelter.api.auth)

    caseworker = SelectField(_l("Caseworker (pekerja sosial)"), choices=[], validate_choice=True)


@dataclass
class CaseworkerPanel:
    stay: Stay
    caseworker_name: str | None
    may_assign: bool
    form: CaseworkerForm | None  # None: folded (fetched when opened), or the user may only read
    error: str | None = None


def _form(stay: Stay, caseworkers, *, formdata=None) -> CaseworkerForm:
    form = CaseworkerForm(formdata=formdata, prefix="cw")
    form.caseworker.choices = [SelectChoice("", _("Nobody yet"))] + [SelectChoice(str(u.id), u.full_name)
                                                                     for u in caseworkers]
    if formdata is None:
        form.caseworker.data = str(stay.caseworker_id) if stay.caseworker_id else ""
    return form


def caseworker_panel(stay: Stay | None, *, formdata=None, names=None, with_form=False) -> CaseworkerPanel | None:
    """What the resident page shows about the open stay's caseworker (None: no open stay).
    ``names``: users' names the page has already loaded (by id). The choice of caseworkers is built
    only for a submitted form or when asked (``with_form``): the page folds it and fetches it when
    opened, as most visits only read who is responsible."""
    if stay is None or not stay.is_open:
        return None
    name = None
    if stay.caseworker_id:
        name = (names or {}).get(stay.caseworker_id) or db.session.get(User, stay.caseworker_id).full_name
    assigns = may_assign(current_user, stay.facility_id)
    form = None
    if assigns and (with_form or formdata is not None):
        form = _form(stay, stays.caseworkers_of(stay.facility_id), formdata=formdata)
    return CaseworkerPanel(stay=stay, caseworker_name=name, may_assign=assigns, form=form)


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals["caseworker_panel"] = caseworker_panel


def stay_or_404(stay_id: int) -> Stay:
    """A stay in one of the user's facilities (404 otherwise, never 403)."""
    return get_stay_or_404(stay_id)


def _resident_url(stay: Stay) -> str:
    return url_for("residents.show", resident_id=stay.resident_id, _anchor="caseworker")


def _render(panel: CaseworkerPanel | None, *, status: int = 200, oob: bool = False):
    if panel is not None and panel.form is not None and not wants_fragment():
        # without JavaScript a refused choice comes back on the form's own page
        return make_response(render_template("worklists/caseworker_form.html", cw=panel), status)
    html = render_template("worklists/_caseworker.html", cw_panel=panel)
    if oob:
        html += flash_oob()
    return make_response(html, status)


@bp.get("/stays/<id:stay_id>/caseworker")
def caseworker(stay_id: int):
    """The panel alone (htmx), or the resident page where it lives."""
    stay = stay_or_404(stay_id)
    if not wants_fragment():
        return redirect(_resident_url(stay))
    return _render(caseworker_panel(stay))


@bp.get("/stays/<id:stay_id>/caseworker/form")
def caseworker_form(stay_id: int):
    """The choice of caseworkers: what the panel's folded section fetches when opened (htmx), or,
    without JavaScript, a page of its own. Only for those who may assign, like the POST."""
    stay = stay_or_404(stay_id)
    if not may_assign(current_user, stay.facility_id):
        abort(404)
    panel = caseworker_panel(stay, with_form=True)
    if panel is None:  # the stay has ended
        return redirect(_resident_url(stay)) if not wants_fragment() else _render(None)
    if wants_fragment():
        return render_template("worklists/_caseworker_form.html", cw=panel)
    return render_template("worklists/caseworker_form.html", cw=panel)


@bp.post("/stays/<id:stay_id>/caseworker")
def assign(stay_id: int):
    stay = stay_or_404(stay_id)
    if not may_assign(current_user, stay.facility_id):
        abort(404)
    panel = caseworker_panel(stay, formdata=request.form)
    if panel is None:  # the stay was closed meanwhile
        flash(_("This stay has ended; its caseworker can no longer be changed."), "error")
        return redirect(_resident_url(stay)) if not wants_fragment() else _render(None, oob=True)
    form = panel.form
    if not form.validate():
        panel.error = _("Choose a caseworker of this facility from the list.")
        return _render(panel, status=error_status())
    chosen = None
    if form.caseworker.data:
        chosen = db.session.get(User, int(form.caseworker.data))
    try:
        changed = stays.assign_caseworker(stay, chosen, by=current_user._get_current_object())
    except stays.StayClosed:
        db.session.rollback()
        flash(_("This stay has ended; its caseworker can no longer be changed."), "error")
        return redirect(_resident_url(stay)) if not wants_fragment() else _render(None, oob=True)
    except stays.NotACaseworker:
        db.session.rollback()
        panel.error = _("Choose a caseworker of this facility from the list.")
        return _render(panel, status=error_status())
    db.session.commit()
    if changed:
        flash(_("Caseworker set.") if chosen else _("Caseworker removed."), "success")
    if not wants_fragment():
        return redirect(_resident_url(stay))
    return _render(caseworker_panel(stay), oob=True)
