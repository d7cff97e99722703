"""Referral partners (admins only; everyone else gets the 404 of a missing page): the list with its
filters, new and edit forms, deactivate / reactivate with a confirmation step, and the partner's API
tokens (issued and shown once on the page that issued them; revoked with a confirmation step).

Under the admin area's URLs (/admin/partners), in the referrals feature. Each page includes its
partials (``_*.html``); an htmx request gets the partial alone, with flash messages out of band. A
form with problems is answered 200 to htmx and 422 to a plain post, the typed values kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from shelter.access import admin_required
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.referrals import partner_labels, partners, queries_partners, tokens as partner_tokens
from shelter.referrals.forms_partners import (ConfirmForm, PartnerFilterForm, PartnerForm, TokenForm,
                                              show_problems)
from shelter.referrals.models import Partner

bp = Blueprint("partners", __name__, url_prefix="/admin/partners")

TOKEN_REQUIRED = {"name": _l("Give the token a name, for example the name of the partner's system.")}


@bp.record_once
def _labels(state) -> None:
    partner_labels.register(state.app)


def get_partner_or_404(partner_id: int) -> Partner:
    partner = queries_partners.get_partner(partner_id)  # the <id:…> route refuses ids that cannot exist
    if partner is None:
        abort(404)
    return partner


def acting_admin():
    return current_user._get_current_object()


def _input(form: PartnerForm) -> partners.PartnerInput:
    return partners.PartnerInput(name=form.name.data or "", kind=form.kind.data or "", kota=form.kota.data or None,
                                 contact_name=form.contact_name.data or "", contact_phone=form.contact_phone.data,
                                 contact_email=form.contact_email.data)


def _filled(partner: Partner) -> PartnerForm:
    return PartnerForm(formdata=None, data={
        "name": partner.name, "kind": partner.kind, "kota": partner.kota or "", "contact_name": partner.contact_name,
        "contact_phone": partner.contact_phone or "", "contact_email": partner.contact_email or ""})


def _go(target: str):
    if wants_fragment():
        return "", 200, {"HX-Redirect": target}
    return redirect(target)


# --- list ----------------------------------------------------------------------------------------

@bp.get("")
@admin_required
def index():
    form = PartnerFilterForm(formdata=request.args)
    page, filter_args = None, {}
    if form.validate():
        filters = queries_partners.PartnerFilters(kind=form.kind.data or "", kota=form.kota.data or "",
                                                  status=form.status.data or "")
        page = queries_partners.partners_page(filters, request.args.get("page", 1, type=int))
        filter_args = filters.args()
    template = "referrals/_partners_table.html" if wants_fragment() else "referrals/partners.html"
    return render_template(template, form=form, page=page, filter_args=filter_args)


# --- new and edit --------------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create():
    form = PartnerForm()
    status = 200
    if form.validate_on_submit():
        try:
            partner = partners.create(_input(form), by=acting_admin())
        except partners.PartnerInvalid as problems:
            db.session.rollback()
            show_problems(form, problems.problems)
        else:
            db.session.commit()
            flash(_("Partner added."), "success")
            return _go(url_for("partners.edit", partner_id=partner.id))
    if request.method == "POST":
        status = error_status()
    template = "referrals/_partner_form.html" if wants_fragment() else "referrals/partner_new.html"
    return make_response(render_template(template, form=form, partner=None), status)


def partner_page(partner: Partner, *, status: int = 200, form=None, confirm: str | None = None,
                 token_form=None, new_token: str | None = None, revoke=None):
    return make_response(render_template(
        "referrals/partner_edit.html", partner=partner, form=form or _filled(partner), confirm=confirm,
        status_form=ConfirmForm(formdata=None), token_form=token_form or TokenForm(formdata=None),
        tokens=partner_tokens.tokens_of(partner), new_token=new_token, revoke=revoke), status)


def _part(template: str, partner: Partner, *, oob_flash: bool = False, status: int = 200, **context):
    body = render_template(template, partner=partner, status_form=ConfirmForm(formdata=None), **context)
    if oob_flash:
        body += flash_oob()
    return make_response(body, status)


def tokens_part(partner: Partner, *, token_form=None, new_token=None, revoke=None, oob_flash=False, status=200):
    return _part("referrals/_partner_tokens.html", partner, oob_flash=oob_flash, status=status,
                 token_form=token_form or TokenForm(formdata=None), tokens=partner_tokens.tokens_of(partner),
                 new_token=new_token, revoke=revoke)


@bp.route("/<id:partner_id>", methods=["GET", "POST"])
@admin_required
def edit(partner_id: int):
    partner = get_partner_or_404(partner_id)
    if request.method == "GET":
        part = request.args.get("part")
        if wants_fragment() and part == "status":
            return _part("referrals/_partner_status.html", partner, confirm=None)
        if wants_fragment() and part == "tokens":
            return tokens_part(partner)
        return partner_page(partner)

    form = PartnerForm()
    if form.validate_on_submit():
        try:
            changed = partners.update(partner, _input(form), by=acting_admin())
        except partners.PartnerInvalid as problems:
            db.session.rollback()
            show_problems(form, problems.problems)
            partner = get_partner_or_404(partner_id)
        else:
            db.session.commit()
            flash(_("Changes to the partner saved.") if changed else _("Nothing was changed."),
                  "success" if changed else "info")
            if not wants_fragment():
                return redirect(url_for("partners.edit", partner_id=partner.id))
            return (render_template("referrals/_partner_form.html", form=_filled(partner), partner=partner)
                    + render_template("referrals/_partner_heading.html", partner=partner, oob=True) + flash_oob())
    if wants_fragment():
        return render_template("referrals/_partner_form.html", form=form, partner=partner), error_status()
    return partner_page(partner, form=form, status=error_status())


# --- deactivate / reactivate ---------------------------------------------------------------------

def _change_status(partner_id: int, action: str):
    """GET asks for confirmation; POST (with the CSRF token) does it."""
    partner = get_partner_or_404(partner_id)
    if request.method == "GET":
        confirm = action if partner.active == (action == "deactivate") else None
        if wants_fragment():
            return _part("referrals/_partner_status.html", partner, confirm=confirm)
        return partner_page(partner, confirm=confirm)
    if ConfirmForm().validate_on_submit():
        if action == "deactivate":
            done = partners.deactivate(partner, by=acting_admin())
            message = _("The partner is inactive: it is no longer offered in forms and its tokens no longer work.")
        else:
            done = partners.reactivate(partner, by=acting_admin())
            message = _("The partner is active again.")
        db.session.commit()
        flash(message if done else _("Nothing was changed."), "success" if done else "info")
    if wants_fragment():
        body = (render_template("referrals/_partner_status.html", partner=partner, confirm=None,
                                status_form=ConfirmForm(formdata=None))
                + render_template("referrals/_partner_heading.html", partner=partner, oob=True) + flash_oob())
        return body
    return redirect(url_for("partners.edit", partner_id=partner.id))


@bp.route("/<id:partner_id>/deactivate", methods=["GET", "POST"])
@admin_required
def deactivate(partner_id: int):
    return _change_status(partner_id, "deactivate")


@bp.route("/<id:partner_id>/reactivate", methods=["GET", "POST"])
@admin_required
def reactivate(partner_id: int):
    return _change_status(partner_id, "reactivate")


# --- API tokens ------------------------------------------------------------------------------------

@bp.post("/<id:partner_id>/tokens")
@admin_required
def issue_token(partner_id: int):
    """The new token is in this answer only: never in a URL, a flash message or a later page."""
    partner = get_partner_or_404(partner_id)
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            new_token = partner_tokens.issue_partner_token(partner, name=form.name.data or "", by=acting_admin())
        except partner_tokens.TokenInvalid as problems:
            db.session.rollback()
            show_problems(form, problems.problems, required=TOKEN_REQUIRED)
        except partner_tokens.PartnerInactive:
            db.session.rollback()
            form.name.errors = [_("An inactive partner gets no new token. Reactivate it first.")]
        else:
            db.session.commit()
            form = TokenForm(formdata=None)
    status = 200 if new_token else error_status()
    if wants_fragment():
        return tokens_part(partner, token_form=form, new_token=new_token, status=200)
    return partner_page(partner, token_form=form, new_token=new_token, status=status)


@bp.route("/<id:partner_id>/tokens/<id:token_id>/revoke", methods=["GET", "POST"])
@admin_required
def revoke_token(partner_id: int, token_id: int):
    partner = get_partner_or_404(partner_id)
    row = partner_tokens.find_token(partner, token_id)
    if row is None:
        abort(404)
    if request.method == "GET":
        revoke = row if row.revoked_at is None else None
        if wants_fragment():
            return tokens_part(partner, revoke=revoke)
        return partner_page(partner, revoke=revoke)
    if ConfirmForm().validate_on_submit():
        done = partner_tokens.revoke_partner_token(row, by=acting_admin())
        db.session.commit()
        flash(_("Token revoked: the partner's system can no longer use it.") if done
              else _("Nothing was changed."), "success" if done else "info")
    if wants_fragment():
        return tokens_part(partner, oob_flash=True)
    return redirect(url_for("partners.edit", partner_id=partner.id))
