"""Fixtures shared by every test: an app per database backend, clients, factories, login.

Every test that asks for ``app`` (or anything built on it) runs on SQLite, and also on PostgreSQL
when ``TEST_DATABASE_URL`` is set. Both databases are built by the Alembic migrations, never by
``create_all``, so the tests exercise the schema production gets (triggers and partial indexes
included).
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import secrets
import shutil
from itertools import count

import jinja2
import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from shelter import create_app, events
from shelter.config import Config
from shelter.db import sqlite_begin_immediate
from shelter.extensions import db

# Shared fixtures for tests in any feature directory: the browser (Chromium, live server, page) and
# the fake Twilio API.
pytest_plugins = ["tests.browser.fixtures", "tests.notifications.fixtures"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
PASSWORD = "correct horse battery"


def pytest_report_header(config):
    return f"database backends: {', '.join(BACKENDS)}"


def pytest_configure(config):
    """Compile the message catalogues when they are missing or stale (`make test` does too)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("shelter/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked the browser tests
def pytest_collection_modifyitems(config, items):
    """The longest tests first (slow browser walks, other browser tests, other slow tests), in their order
    otherwise: with two workers (pytest-xdist hands out tests in collection order) a long test left to the
    end keeps one worker busy while the other idles."""

    def rank(item) -> int:
        browser, slow = item.get_closest_marker("browser"), item.get_closest_marker("slow")
        return 0 if browser and slow else 1 if browser else 2 if slow else 3

    items.sort(key=rank)


def _share_url_builders() -> None:
    """Every test builds its own app (create_app), and ~80% of that (~0.13 s of ~0.16 s per test) was
    Werkzeug compiling two URL-builder functions per route from a Python AST. A builder is a pure function
    of its rule's parts, defaults and ``append_unknown`` (it reads the rule's converters through the rule it
    is bound to), so the apps of one test process share the builders of equal rules; each app still binds
    and routes every rule itself."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict[tuple, object] = {}

    def shared(self, append_unknown=True):
        key = (self.rule, tuple(self._trace), repr(sorted((self.defaults or {}).items())), append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    Rule._compile_builder = shared


class _SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of a test process. Each test's app has its own
    Jinja environment, which lexed, parsed and compiled each template it rendered again (~10% of the
    suite's time); the bucket checks the source's checksum, so an edited template is compiled anew."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_templates() -> None:
    from flask import Flask

    create_environment = Flask.create_jinja_environment
    shared = _SharedTemplateCode()

    def create(self):
        environment = create_environment(self)
        environment.bytecode_cache = shared
        return environment

    Flask.create_jinja_environment = create


def _share_engines() -> None:
    """One SQLAlchemy engine per database and engine options in a test process, shared by the apps of
    every test. An engine keeps its compiled statements (SQLAlchemy's statement cache is per engine and
    keyed by its dialect): with an engine per test's app, every statement of every test was compiled
    anew. The ``app`` fixture disposes the pool's connections after each test, as before; SQLite tests
    get the same file name each time (``database_url``), PostgreSQL tests their worker's database."""
    from flask_sqlalchemy import SQLAlchemy

    make_engine = SQLAlchemy._make_engine
    engines: dict[str, sa.Engine] = {}

    def shared(self, bind_key, options, app):
        key = repr(sorted((name, str(value)) for name, value in options.items()))
        if key not in engines:
            engines[key] = make_engine(self, bind_key, options, app)
        return engines[key]

    SQLAlchemy._make_engine = shared


_share_url_builders()
_share_compiled_templates()
_share_engines()


# --- databases -----------------------------------------------------------------------------------

def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _pg_url(database: str) -> str:
    url = sa.make_url(Config.for_tests(TEST_DATABASE_URL).database_url)
    return url.set(database=database).render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    import flask_migrate

    app = create_app(Config.for_tests(url))
    with app.app_context():
        flask_migrate.upgrade()
        db.engine.dispose()


def create_pg_database(name: str) -> str:
    admin = sa.create_engine(Config.for_tests(TEST_DATABASE_URL).database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return _pg_url(name)


def drop_pg_database(name: str) -> None:
    admin = sa.create_engine(Config.for_tests(TEST_DATABASE_URL).database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database():
    name = f"shelter_test_{_worker()}_{os.getpid()}"
    url = create_pg_database(name)
    _migrate(url)
    yield url
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()
    drop_pg_database(name)


# Tables whose triggers refuse DELETE and TRUNCATE (migrations 0001, 0008, 0012): emptied between tests
# by their owner, the test user, with the triggers off inside the same transaction.
APPEND_ONLY_TABLES = ("audit_events", "case_note_revisions")

_engines: dict[str, sa.Engine] = {}


def _engine(url: str) -> sa.Engine:
    if url not in _engines:
        _engines[url] = sa.create_engine(url, poolclass=sa.pool.StaticPool)
    return _engines[url]


def _empty_all(url: str) -> None:
    """Empty the PostgreSQL test database as a fresh migration leaves it: no rows, every sequence back at 1.

    Only the tables a test wrote to are emptied, by DELETE, children first: a TRUNCATE of all ~50 tables
    cost ~0.3 s per test (each truncated table gets new files), a DELETE of the few non-empty ones a few ms.
    """
    tables = [t.name for t in db.metadata.sorted_tables]
    probe = " UNION ALL ".join(f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM {name})" for name in tables)
    with _engine(url).begin() as conn:
        full = set(conn.scalars(sa.text(probe)))
        for name in reversed(tables):
            if name not in full:
                continue
            append_only = name in APPEND_ONLY_TABLES
            if append_only:
                conn.execute(sa.text(f"ALTER TABLE {name} DISABLE TRIGGER USER"))
            conn.execute(sa.text(f"DELETE FROM {name}"))
            if append_only:
                conn.execute(sa.text(f"ALTER TABLE {name} ENABLE TRIGGER USER"))
        used = conn.scalars(sa.text("SELECT format('%I.%I', schemaname, sequencename) FROM pg_sequences "
                                    "WHERE last_value IS NOT NULL"))
        for sequence in list(used):
            conn.execute(sa.text(f"ALTER SEQUENCE {sequence} RESTART"))


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A freshly migrated, empty database for one test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        # One file name per worker, so the worker's one engine for it (``_share_engines``) serves every
        # test; the old file and its WAL are unlinked first (a connection a test left open keeps the old
        # inode, never sees the new file's pages).
        path = template.parent / f"test-{_worker()}.sqlite3"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_database")
        yield url
        _empty_all(url)


@pytest.fixture
def config_overrides():
    """Override in a test module to change settings, e.g. a lower login limit."""
    return {}


@pytest.fixture
def app(database_url, config_overrides):
    app = create_app(Config.for_tests(database_url, **config_overrides))
    app.test_client_class = CsrfClient
    # The test body gets its own app context (and session) for factories and assertions. Requests
    # never share it: CsrfClient runs each one in a fresh context, as a real server would.
    token = sqlite_begin_immediate.set(False)
    ctx = app.app_context()
    ctx.push()
    yield app
    db.session.remove()
    ctx.pop()
    sqlite_begin_immediate.reset(token)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def backend(database_url) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


# --- clients ---------------------------------------------------------------------------------------

class CsrfClient(FlaskClient):
    """A test client that sends the CSRF token the way our pages do (the X-CSRFToken header).

    CSRF protection stays on in the tests; pass ``csrf=False`` to send a request without a token.
    Each request runs in an empty ``contextvars`` context, so it pushes its own app context: its
    own ``g`` (current user, locale) and its own database session, never the test body's. Before
    the request the test body's transaction is committed, so each side sees the other's writes.
    """

    def open(self, *args, csrf=True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method in ("POST", "PUT", "PATCH", "DELETE"):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        if has_app_context():  # not when following a redirect, which runs inside the empty context
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)

    def csrf_token(self) -> str:
        app = self.application
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = session["csrf_token"] = secrets.token_hex(20)
        serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def htmx(self, method: str, url: str, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("HX-Request", "true")
        return self.open(url, method=method, headers=headers, **kwargs)


@pytest.fixture
def client(app) -> CsrfClient:
    return app.test_client()


# --- factories -------------------------------------------------------------------------------------

_seq = count(1)


@pytest.fixture
def make_facility(app):
    from shelter.facilities.models import Facility

    def make(**overrides):
        n = next(_seq)
        values = dict(code=f"FAC-{n}", name=f"Panti Uji {n}", kind="panti", kota="jakarta_timur",
                      address=f"Jl. Uji Fiktif No. {n}", phone="+628125550199")
        values.update(overrides)
        facility = Facility(**values)
        db.session.add(facility)
        db.session.commit()
        return facility

    return make


@pytest.fixture
def make_room(app, make_facility):
    from shelter.facilities.models import Room

    def make(facility=None, **overrides):
        n = next(_seq)
        values = dict(name=f"Kamar {n}", sex="female", age_group="adult")
        values.update(overrides)
        room = Room(facility=facility or make_facility(), **values)
        db.session.add(room)
        db.session.commit()
        return room

    return make


@pytest.fixture
def make_bed(app, make_room):
    from shelter.facilities.models import Bed

    def make(room=None, **overrides):
        n = next(_seq)
        values = dict(label=f"B{n:03d}")
        values.update(overrides)
        bed = Bed(room=room or make_room(), **values)
        db.session.add(bed)
        db.session.flush()
        # As the facilities service does: the stored availability counts (and capacity rules) follow.
        events.facilities_changed([bed.room.facility_id])
        db.session.commit()
        return bed

    return make


@pytest.fixture
def make_user(app):
    from shelter.auth import service

    def make(*, roles=("caseworker",), facilities=(), password=PASSWORD, **overrides):
        n = next(_seq)
        values = dict(email=f"user{n}@shelter.test", full_name=f"Pengguna Uji {n}")
        values.update(overrides)
        user = service.create_user(password=password, roles=roles, facilities=facilities, **values)
        db.session.commit()
        return user

    return make


@pytest.fixture
def admin(make_user):
    return make_user(roles=("admin",), email="admin@shelter.test", full_name="Admin Uji")


@pytest.fixture
def make_resident(app, make_facility):
    from datetime import date

    from shelter.residents.models import Resident, ResidentCategory

    def make(facility=None, *, categories=(), **overrides):
        values = dict(full_name=f"Penghuni Rekaan {next(_seq)}", sex="female", birth_date=date(1995, 3, 14),
                      risk_level="low")
        values.update(overrides)
        resident = Resident(registered_facility_id=(facility or make_facility()).id, **values)
        resident.category_rows = [ResidentCategory(category=c) for c in categories]
        db.session.add(resident)
        db.session.commit()
        return resident

    return make


# --- observing the app -------------------------------------------------------------------------------

@contextlib.contextmanager
def counting_statements():
    """Yields a list that collects every SQL statement sent while the block runs."""
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)


def audit_events(action: str | None = None):
    """The audit trail as it is in the database now, oldest first (optionally one action)."""
    from shelter.audit.models import AuditEvent

    db.session.expire_all()
    query = sa.select(AuditEvent).order_by(AuditEvent.id)
    if action:
        query = query.where(AuditEvent.action == action)
    return list(db.session.scalars(query))


CSRF_TOKEN = re.compile(r'("X-CSRFToken": "|name="csrf_token" value=")[^"]*(")')


def page_of(response) -> str:
    """A page without its CSRF token (signed with a timestamp, so it changes from one second to the next),
    to compare two pages, e.g. a 404 for a record elsewhere with one for a missing record."""
    return CSRF_TOKEN.sub(r"\1…\2", response.get_data(as_text=True))


# Two-step sign-in (issue 14) is required for admins and Rumah Aman staff. So that every other test can
# log in with `login`/`login_as`/`browser_login` as before, a test user who needs it is enrolled with this
# known secret and the test's browser is *remembered* for them: the real "remember this browser" path
# (a token the server checks in trusted_browsers), after the real password check. Nothing in the app
# knows about tests. The two-step tests (tests/auth/test_two_step*.py) pass ``two_step=False`` and go
# through the code page themselves.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def remembered_for_two_step(app, email: str) -> str | None:
    """Enrol the user with TOTP_SECRET when two-step sign-in is required and not set up; for an enrolled
    user, a remembered-browser token (the value for the trusted-browser cookie), else None."""
    from shelter.auth import twostep
    from shelter.auth.models import TwoStep, User
    from shelter.db import utcnow

    context = None if has_app_context() else app.app_context()
    if context is not None:
        context.push()
    try:
        user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
        if user is None:
            return None
        if twostep.enrolment_due(user):
            row = db.session.get(TwoStep, user.id) or TwoStep(user_id=user.id)
            row.secret, row.confirmed_at, row.reset_at = TOTP_SECRET, utcnow(), None
            db.session.add(row)
        token = twostep.trust_browser(user) if twostep.is_enrolled(user) else None
        db.session.commit()
        return token
    finally:
        if context is not None:
            db.session.remove()
            context.pop()


def login(client, user_or_email, password=PASSWORD, *, follow=False, two_step=True):
    email = getattr(user_or_email, "email", user_or_email)
    if two_step:
        from shelter.auth.twostep import TRUST_COOKIE

        token = remembered_for_two_step(client.application, email)
        if token:
            existing = client.get_cookie(TRUST_COOKIE)
            client.set_cookie(TRUST_COOKIE, ".".join([token, *([existing.value] if existing else [])]))
    return client.post("/login", data={"email": email, "password": password}, follow_redirects=follow)


@pytest.fixture
def login_as(client):
    """Log the shared client in as a user; returns the client."""

    def do(user, password=PASSWORD):
        response = login(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


@pytest.fixture
def login_in_english(login_as):
    """Like login_as, with the English interface, for tests that read English messages."""

    def do(user, password=PASSWORD):
        logged_in = login_as(user, password)
        logged_in.post("/language", data={"locale": "en", "next": "/"})
        return logged_in

    return do


def extract(pattern: str, html: str) -> str:
    match = re.search(pattern, html)
    assert match, f"{pattern!r} not found"
    return match.group(1)
