"""Shelter: beds, residents and follow-ups for Jakarta's shelters.

Layers, lowest first. A module imports only from its own feature, the foundation and the features
listed before its own; never from one listed after it (tests/test_layers.py reads every import, those
inside functions too, and fails on one). Models are the exception: the schema is one, so any module
may import any feature's models. A feature that must react to something below it listens to a domain
event (``shelter.events``); the listeners are connected here, in ``create_app``.

    foundation: config extensions db errors text localtime phones pagination fragments security
                i18n labels access events formfields worklist_items redirects outage private_files
                encryption
    audit
    auth
    facilities
    stays
    residents
    availability
    board
    notifications
    alerts
    followups
    assessments
    plans
    programmes
    referrals
    worklists
    reports
    exports
    admin
    api
    scheduler
    health
    application: __init__ home cli keys demo
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from shelter.config import HTMX_FILE, PROJECT_ROOT, Config
from shelter.private_files import private_directory


def create_app(config: Config | None = None) -> Flask:
    """Build the app. No work at import time; no migrations or schedulers started here."""
    config = config or Config.from_env()
    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    app.config.from_mapping(config.flask_settings())
    private_directory(Path(app.instance_path))

    from shelter import access, fragments, i18n, labels, outage, security
    from shelter.api import auth as api_auth
    from shelter.db import configure_engine
    from shelter.extensions import babel, csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    app.before_request(api_auth.csrf_unless_bearer(csrf))  # WTF_CSRF_CHECK_DEFAULT is off
    htmx.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are server-side; see auth.service
    with app.app_context():
        configure_engine(db.engine)

    _import_models()
    _connect_listeners()
    from shelter.auth.views import register_session_loader

    register_session_loader(login_manager)
    api_auth.register(login_manager)
    app.before_request(access.enforce_login)
    security.init_app(app)
    outage.init_app(app)
    fragments.init_app(app)
    i18n.init_app(app)
    labels.init_app(app)
    app.url_map.converters["id"] = access.IdConverter
    _register_blueprints(app)
    _register_error_pages(app)

    from shelter import cli

    cli.init_app(app)
    app.jinja_env.globals["HTMX_FILE"] = HTMX_FILE
    from shelter.auth.models import Role

    app.jinja_env.globals["Role"] = Role
    if config.trusted_proxies:
        # Behind N proxies: the client's address, scheme and host as the outermost proxy saw them, so
        # the audit trail, sessions, login throttles and the security headers (HSTS) see each client, not
        # the proxy. Outermost, so every other middleware sees the same.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    return app


def _import_models() -> None:
    # Every model module, so metadata (and Alembic's autogenerate) sees all tables.
    from shelter.api import models as _api  # noqa: F401
    from shelter.audit import models as _audit  # noqa: F401
    from shelter.auth import models as _auth  # noqa: F401
    from shelter.facilities import models as _facilities  # noqa: F401
    from shelter.residents import models as _residents  # noqa: F401
    from shelter.stays import models as _stays  # noqa: F401
    from shelter.notifications import models as _notifications  # noqa: F401
    from shelter.followups import models as _followups  # noqa: F401
    from shelter.alerts import models as _alerts  # noqa: F401
    from shelter.assessments import models as _assessments  # noqa: F401
    from shelter.plans import models as _plans  # noqa: F401
    from shelter.programmes import models as _programmes  # noqa: F401
    from shelter.referrals import models as _referrals  # noqa: F401
    from shelter.availability import models as _availability  # noqa: F401
    from shelter.reports import models as _reports  # noqa: F401
    from shelter.exports import models as _exports  # noqa: F401


def _connect_listeners() -> None:
    """Each feature's reactions to the domain events (``shelter.events``). blinker keeps one connection
    per receiver, so building several apps in one process connects each listener once."""
    from shelter.alerts import listeners as alerts
    from shelter.availability import listeners as availability
    from shelter.followups import listeners as followups
    from shelter.plans import listeners as plans
    from shelter.programmes import listeners as programmes
    from shelter.referrals import listeners as referrals

    for feature in (availability, alerts, followups, plans, programmes, referrals):
        feature.connect()


def _register_blueprints(app: Flask) -> None:
    from shelter.admin.views import bp as admin_bp
    from shelter.api.views import bp as api_bp
    from shelter.audit.views import bp as audit_bp
    from shelter.auth.views import bp as auth_bp
    from shelter.board.views import bp as board_bp
    from shelter.facilities.views import bp as facilities_bp
    from shelter.health.views import bp as health_bp
    from shelter.home import bp as home_bp
    from shelter.residents.views import bp as residents_bp
    from shelter.stays.views import bp as stays_bp
    from shelter.notifications.views import bp as notifications_bp
    from shelter.followups.views import bp as followups_bp
    from shelter.alerts.views import bp as alerts_bp
    from shelter.assessments.views import bp as assessments_bp
    from shelter.plans.views import bp as plans_bp
    from shelter.programmes.views import bp as programmes_bp
    from shelter.referrals.views import bp as referrals_bp
    from shelter.referrals.views.outgoing import bp as outgoing_bp
    from shelter.referrals.views.partners import bp as partners_bp
    from shelter.worklists.views import bp as worklists_bp
    from shelter.reports.views import bp as reports_bp
    from shelter.reports.lists_views import bp as report_lists_bp
    from shelter.exports.views import bp as exports_bp
    # Feature modules that add routes to a blueprint of another module, before it is registered.
    from shelter.api import assessments as _api_assessments, plans as _api_plans  # noqa: F401
    from shelter.api import programmes as _api_programmes  # noqa: F401
    from shelter.api import facilities as _api_facilities  # noqa: F401
    from shelter.api import referrals as _api_referrals  # noqa: F401
    from shelter.api import availability as _api_availability  # noqa: F401
    from shelter.api import reports as _api_reports  # noqa: F401
    from shelter.plans import review_views as _plans_review_views  # noqa: F401
    from shelter.auth import twostep_views as _auth_twostep_views  # noqa: F401
    from shelter.reports import monthly_views as _reports_monthly_views  # noqa: F401

    for bp in (auth_bp, home_bp, health_bp, facilities_bp, admin_bp, audit_bp, residents_bp, board_bp,
               stays_bp, api_bp, notifications_bp, followups_bp, alerts_bp, assessments_bp, plans_bp,
               programmes_bp, referrals_bp, partners_bp, outgoing_bp, worklists_bp, reports_bp, report_lists_bp,
               exports_bp):
        app.register_blueprint(bp)


def _register_error_pages(app: Flask) -> None:
    from flask import render_template, request
    from flask_wtf.csrf import CSRFError

    from shelter.api.errors import not_found_body

    def render_error(status: int):
        if request.path.startswith("/api/"):
            if status == 404:
                return not_found_body(), 404
            codes = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                     413: "too_large", 500: "internal_error"}
            return {"error": {"code": codes.get(status, "error"), "message": codes.get(status, "error")}}, status
        return render_template("errors/error.html", status=status), status

    for status in (400, 404, 405, 413, 500):
        app.register_error_handler(status, lambda e, status=status: render_error(status))
    app.register_error_handler(CSRFError, lambda e: render_error(400))
