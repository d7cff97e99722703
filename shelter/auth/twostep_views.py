"""The pages of two-step sign-in: the code after the password, enrolment, and its state.

Registered on the ``auth`` blueprint (imported by ``create_app`` before the blueprint is registered).
"""

from __future__ import annotations

import time

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from shelter.access import public
from shelter.auth import twostep
from shelter.auth.forms import CodeForm, EnrolForm
from shelter.auth.models import User
from shelter.auth.views import TWO_STEP_PENDING, bp, complete_login
from shelter.extensions import db

PENDING_SECONDS = 300  # the password was right this long ago at most


def _pending_user() -> tuple[User | None, str]:
    pending = session.get(TWO_STEP_PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None, ""
    user = db.session.get(User, pending.get("user")) if isinstance(pending.get("user"), int) else None
    if user is None or not user.active:
        return None, ""
    return user, pending.get("next") or url_for("home.index")


def _locked_message(locked: twostep.CodesLocked) -> str:
    return _("Too many wrong codes. Try again after %(time)s.", time=format_datetime(locked.until, "HH:mm"))


def _refused_message() -> str:
    return _("That code is not right or has expired. Enter the code your app shows now, or one of your "
             "recovery codes.")


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user, next_url = _pending_user()
    if user is None:
        session.pop(TWO_STEP_PENDING, None)
        flash(_("Your login took too long. Please enter your email and password again."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:
            recovery = twostep.check_any(user, form.code.data)
        except twostep.CodesLocked as locked:
            error = _locked_message(locked)
        except twostep.CodeRefused:
            error = _refused_message()
        else:
            token = twostep.trust_browser(user) if form.remember.data else None
            response = complete_login(user, next_url)  # a fresh session: flash after it
            if recovery:
                flash(_("You used a recovery code; %(count)d are left. Each works only once.",
                        count=twostep.recovery_codes_left(user)), "info")
            if token:
                twostep.remember(response, request.cookies.get(twostep.TRUST_COOKIE), token)
            return response
        db.session.commit()
    status = 200 if error is None and not form.errors else 401 if error else 422
    return render_template("auth/login_code.html", form=form, error=error), status


@bp.route("/account/two-step", methods=["GET", "POST"])
def two_step():
    user = current_user._get_current_object()
    if twostep.is_enrolled(user):
        return render_template("auth/two_step.html", left=twostep.recovery_codes_left(user),
                               required=twostep.required_for(user))
    secret = twostep.pending_secret(user)
    db.session.commit()
    form = EnrolForm()
    if form.validate_on_submit():
        try:
            codes = twostep.confirm(user, form.code.data)
        except twostep.CodesLocked as locked:
            form.code.errors.append(_locked_message(locked))
        except twostep.CodeRefused:
            form.code.errors.append(_("That code is not right or has expired. Enter the code your app shows now."))
        else:
            db.session.commit()
            return render_template("auth/two_step_codes.html", codes=codes)
    uri = twostep.provisioning_uri(user, secret)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return render_template("auth/two_step_enrol.html", form=form, qr=Markup(twostep.qr_svg(uri)), secret=grouped,
                           required=twostep.required_for(user)), 422 if form.errors else 200
