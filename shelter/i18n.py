"""Language choice and WIB date/time formatting."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, current_app, g, redirect, request, session
from flask_babel import format_date, format_datetime, get_locale, get_translations
from flask_login import current_user

from shelter.access import public
from shelter.config import LOCALES
from shelter.extensions import db
from shelter.redirects import safe_next

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in LOCALES:
        return chosen
    return current_app.config["SHELTER"].default_locale


def select_timezone() -> str:
    return current_app.config["SHELTER"].timezone


@bp.post("/language")
@public
def set_language():
    locale = request.form.get("locale", "")
    if locale in LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


def _in_zone(value: datetime, pattern_id: str, pattern_en: str) -> str:
    pattern = pattern_id if str(get_locale()) == "id" else pattern_en
    if current_app.config["SHELTER"].timezone == "Asia/Jakarta":
        return format_datetime(value, pattern) + " WIB"
    return format_datetime(value, pattern + " zzz")


def datetime_filter(value: datetime | None) -> str:
    """22 Nov 2026 14.05 WIB in Indonesian: always shown in the configured zone."""
    if value is None:
        return "—"
    return _in_zone(value, "d MMM y HH.mm", "d MMM y HH:mm")


def clock_filter(value: datetime | None) -> str:
    """14.05 WIB (Indonesian) / 14:05 WIB: the time of day in the configured zone."""
    if value is None:
        return "—"
    return _in_zone(value, "HH.mm", "HH:mm")


def month_year(value: datetime) -> str:
    """"Maret 2026" / "March 2026": the month of a UTC moment in the configured zone (WIB)."""
    return format_datetime(value, "LLLL y")


def date_filter(value: date | None) -> str:
    if value is None:
        return "—"
    return format_date(value, "d MMM y")


def request_translations():
    """The request's translations, looked up once per locale rather than for every string a
    template translates (Flask-Babel's own lookup walks its context three times per call; a
    resident page translates some sixty strings). Keyed by the locale object itself, so
    ``force_locale`` (which sets another) and ``flask_babel.refresh`` (which drops it) still count."""
    context = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None)
    if locale is None:
        return get_translations()
    memo = getattr(context, "shelter_translations", None)
    if memo is None or memo[0] is not locale:
        memo = (locale, get_translations())
        context.shelter_translations = memo
    return memo[1]


def init_app(app) -> None:
    # After babel.init_app, which installed its own (same behaviour, slower lookup).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["clock"] = clock_filter
    app.register_blueprint(bp)

    @app.context_processor
    def _languages():
        return {"language_names": LANGUAGE_NAMES, "current_locale": str(get_locale())}
