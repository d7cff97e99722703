"""What a request gets when the database cannot be reached: a 503 that needs no database.

The user is loaded from the database before any view runs, so when PostgreSQL is down (or the SQLite
file cannot be opened) the failure happens there, and the usual error page — which shows who is logged
in, in their language — would fail again. This page asks nothing of the database: the language comes
from the session cookie or the default, and the template stands alone. The security headers are added
as on any response (``shelter.security``).
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request, session
from flask_babel import force_locale

from shelter.config import LOCALES
from shelter.extensions import db

log = logging.getLogger(__name__)

# Errors that mean "the database is not there", not "this request is wrong".
UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)
RETRY_AFTER = {"Retry-After": "30"}


def _locale() -> str:
    chosen = session.get("locale")
    return chosen if chosen in LOCALES else current_app.config["SHELTER"].default_locale


def database_unavailable(error):
    # The class only: the message holds the connection target and maybe a statement's values.
    log.error("database unavailable: %s", type(error).__name__)
    try:
        db.session.rollback()
    except sa.exc.SQLAlchemyError:
        pass
    if request.path.startswith("/api/"):
        body = {"error": {"code": "unavailable", "message": "The database cannot be reached; try again later."}}
        return body, 503, RETRY_AFTER
    with force_locale(_locale()):
        return render_template("errors/unavailable.html"), 503, RETRY_AFTER


def init_app(app: Flask) -> None:
    for error_class in UNAVAILABLE:
        app.register_error_handler(error_class, database_unavailable)
