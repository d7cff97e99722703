"""The SMS outbox for admins, one's own phone and SMS settings, and Twilio's status webhook."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.access import admin_required, public
from shelter.audit import service as audit
from shelter.extensions import db
from shelter.fragments import error_status, flash_oob, wants_fragment
from shelter.notifications import queries, service
from shelter.notifications.forms import PURPOSE_LABELS, STATUS_LABELS, OutboxFilterForm, PreferencesForm, ResendForm
from shelter.notifications.models import OutboundMessage
from shelter.phones import to_e164

bp = Blueprint("notifications", __name__, url_prefix="")
log = logging.getLogger("shelter.sms")


def csrf_exempt(view):
    """No CSRF token: for a webhook that proves where it comes from otherwise (a signature).
    Honoured by shelter.api.auth.csrf_unless_bearer."""
    view.csrf_exempt = True
    return view


@bp.app_context_processor
def _sms_helpers():
    return {"mask_number": service.mask_number, "sms_status_label": lambda s: STATUS_LABELS.get(s, s),
            "sms_purpose_label": lambda p: PURPOSE_LABELS.get(p, p)}


# --- Twilio's delivery reports -------------------------------------------------------------------

_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")


@bp.post("/webhooks/twilio/status")
@public
@csrf_exempt
def twilio_status():
    """Twilio reports what became of a message. Only a request signed with our auth token for our
    public address counts (403 otherwise, and nothing changes); repeats and late reports change
    nothing (see service.apply_delivery_report). Twilio wants a 2xx with any body."""
    config = current_app.config["SHELTER"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not (config.twilio_auth_token and config.public_url and signature):
        return "", 403
    from twilio.request_validator import RequestValidator

    url = config.public_url + (request.full_path if request.query_string else request.path)
    if not RequestValidator(config.twilio_auth_token).validate(url, request.form, signature):
        log.warning("Twilio status callback with a bad signature refused")
        return "", 403
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    sid = sid if _SID.fullmatch(sid) else None
    provider_status = request.form.get("MessageStatus") or request.form.get("SmsStatus") or ""
    error_code = request.form.get("ErrorCode", "")
    error_code = error_code if error_code.isdigit() and len(error_code) <= 10 else None
    message = service.find_for_callback(sid, request.args.get("m", type=int))
    if message is None:
        log.info("Twilio status callback for a message we do not know (status=%s)", provider_status[:20])
        return "", 204
    changed = service.apply_delivery_report(message, sid, provider_status, error_code)
    db.session.commit()
    log.info("SMS id=%s callback status=%s changed=%s", message.id, provider_status[:20], changed)
    return "", 204


# --- the outbox (admins) -------------------------------------------------------------------------

def _outbox_context():
    form = OutboxFilterForm(formdata=request.args)
    form.set_purpose_choices(queries.purposes())
    page = None
    filter_args: dict = {}
    resent: dict = {}
    if form.validate():
        filters = queries.OutboxFilters(status=form.status.data or "", purpose=form.purpose.data or "")
        page = queries.outbox_page(filters, request.args.get("page", 1, type=int))
        resent = queries.resends_of(page.items)
        filter_args = {k: v for k, v in (("status", filters.status), ("purpose", filters.purpose)) if v}
    return {"form": form, "page": page, "filter_args": filter_args, "resent": resent,
            "resend_form": ResendForm(formdata=None)}


@bp.get("/admin/outbox")
@admin_required
def outbox():
    context = _outbox_context()
    if wants_fragment():
        return render_template("notifications/_outbox_table.html", **context)
    return render_template("notifications/outbox.html", **context)


@bp.post("/admin/outbox/<id:message_id>/resend")
@admin_required
def resend(message_id: int):
    message = db.session.get(OutboundMessage, message_id)
    if message is None:
        abort(404)
    form = ResendForm()
    error = None
    if form.validate_on_submit():
        try:
            copy = service.resend(message, by=current_user._get_current_object(),
                                  accept_duplicate=form.accept_duplicate.data)
        except service.DuplicateNotConfirmed:
            error = _("Tick the box to confirm: this SMS may already have arrived, so it may arrive twice.")
        except service.RecipientUnreachable:
            error = _("Not resent: this user no longer receives SMS (no phone, opted out or inactive).")
        except service.AlreadyResent:
            error = _("This message has already been resent.")
        except service.NotResendable:
            error = _("Only failed messages, or messages whose delivery is unknown, can be resent.")
        else:
            db.session.commit()
            flash(_("Message %(id)d queued again as message %(new_id)d.", id=message.id, new_id=copy.id), "success")
    else:
        error = _("The form expired. Reload the page and try again.")
    if error:
        flash(error, "error")
    if not wants_fragment():
        return redirect(url_for("notifications.outbox"))
    return (render_template("notifications/_outbox_row.html", m=message, resent=queries.resends_of([message]),
                            resend_form=ResendForm(formdata=None))
            + flash_oob())


# --- one's own phone and SMS ---------------------------------------------------------------------

@bp.route("/account/sms", methods=["GET", "POST"])
def preferences():
    user = current_user._get_current_object()
    form = PreferencesForm(data={"phone": user.phone or "", "sms_opt_out": user.sms_opt_out})
    status = 200
    if form.validate_on_submit():
        changed = []
        phone = to_e164(form.phone.data)  # validated above; blank means no phone
        if phone != user.phone:
            user.phone = phone
            changed.append("phone")
        if form.sms_opt_out.data != user.sms_opt_out:
            user.sms_opt_out = form.sms_opt_out.data
            changed.append("sms_opt_out")
        if changed:
            audit.record("user.sms_settings_changed", actor=user, target=user,
                         detail={"fields": changed, "sms_opt_out": user.sms_opt_out})
            db.session.commit()
            flash(_("Your phone and SMS settings are saved."), "success")
        else:
            flash(_("Nothing was changed."), "info")
        if not wants_fragment():
            return redirect(url_for("notifications.preferences"))
        form = PreferencesForm(formdata=None, data={"phone": user.phone or "", "sms_opt_out": user.sms_opt_out})
        return render_template("notifications/_preferences_form.html", form=form, user=user) + flash_oob()
    if request.method == "POST":
        status = error_status()
    template = "notifications/_preferences_form.html" if wants_fragment() else "notifications/preferences.html"
    return make_response(render_template(template, form=form, user=user), status)
