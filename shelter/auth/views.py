from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from shelter.access import public
from shelter.audit import service as audit
from shelter.auth import devices, service, twostep
from shelter.auth.forms import ChangePasswordForm, LoginForm
from shelter.auth.passwords import verify_password
from shelter.extensions import db
from shelter.redirects import safe_next

bp = Blueprint("auth", __name__)


# Sent by requests no person asked for (the board's 30-second timer): they may read, but they are not
# activity, so they do not push back the idle limit of the session (issue 9, 2.10).
BACKGROUND_POLL_HEADER = "X-Background-Poll"


def is_background_poll() -> bool:
    return request.headers.get(BACKGROUND_POLL_HEADER) == "1"


def register_session_loader(login_manager) -> None:
    login_manager.user_loader(lambda token: service.load_session(token, touch=not is_background_poll()))
    login_manager.login_view = "auth.login"
    login_manager.login_message = None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data, request.remote_addr,
                                        device_token=request.cookies.get(devices.COOKIE_NAME))
        except service.AccountLocked as locked:
            error = _("Too many failed attempts. This account is locked until %(time)s.",
                      time=format_datetime(locked.until, "HH:mm"))
        except service.AddressThrottled:
            error = _("Too many failed attempts from this device. Please wait a few minutes.")
        except service.InvalidCredentials:
            error = _("The email or password is incorrect.")
        else:
            next_url = safe_next(request.args.get("next"))
            if twostep.is_enrolled(user) and not twostep.is_trusted(user, request.cookies.get(twostep.TRUST_COOKIE)):
                db.session.commit()
                response = start_second_step(user, next_url)
                devices.remember(response, request.cookies.get(devices.COOKIE_NAME), user)
                return response
            return complete_login(user, next_url)
        db.session.commit()  # keep the failed attempt: it is what the throttle counts
    status = 200 if error is None else 401
    return render_template("auth/login.html", form=form, error=error), status


TWO_STEP_PENDING = "two_step"


def start_second_step(user, next_url: str):
    """After a right password, for an enrolled user on a browser it does not remember: no session yet,
    only which user passed the password and when (``twostep_views.login_code`` asks for the code)."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session[TWO_STEP_PENDING] = {"user": user.id, "at": int(time.time()), "next": next_url}
    return redirect(url_for("auth.login_code"))


def complete_login(user, next_url: str):
    """Start the user's server-side session (after the password, and the code when one is asked)."""
    locale = session.get("locale")
    session.clear()  # a fresh session (and CSRF secret) at every login
    if user.locale is None and locale:
        user.locale = locale
    service.start_session(user, request.remote_addr)
    login_user(user)
    session.permanent = True
    db.session.commit()
    response = redirect(next_url)
    devices.remember(response, request.cookies.get(devices.COOKIE_NAME), user)
    return response


@bp.post("/logout")
def logout():
    service.revoke_all_sessions(current_user)
    audit.record("auth.logout", target=current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out. All your sessions have ended."), "info")
    response = redirect(url_for("auth.login"))
    # What the service worker kept for the board goes too (the login page's script also clears it).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("The current password is incorrect."))
        else:
            user = current_user._get_current_object()
            service.change_password(user, form.new_password.data)
            session.clear()
            service.start_session(user, request.remote_addr)
            login_user(user)
            session.permanent = True
            db.session.commit()
            flash(_("Your password has been changed. Other sessions have been ended."), "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
