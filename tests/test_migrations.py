"""Alembic on both databases: every revision goes up, down and up again; the models and the
migrated schema agree (autogenerate finds nothing); the audit table is append-only in the database."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    """A database with nothing in it, not even the migrations."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        name = f"shelter_migrations_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        yield create_pg_database(name)
        drop_pg_database(name)


@pytest.fixture
def fresh_app(empty_database_url):
    app = create_app(Config.for_tests(empty_database_url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _revisions(app) -> list[str]:
    """Revision ids from the first to head."""
    config = app.extensions["migrate"].migrate.get_config()
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _current() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _differences() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade(fresh_app):
    flask_migrate.upgrade()
    tables = _tables()
    assert {"users", "facilities", "rooms", "beds", "audit_events", "user_sessions"} <= tables
    assert tables == set(db.metadata.tables)

    flask_migrate.downgrade(revision="base")
    assert _tables() == set()
    assert _current() is None

    flask_migrate.upgrade()
    assert _tables() == tables
    assert _current() == _revisions(fresh_app)[-1]


def test_every_revision_downgrades_and_upgrades_again(fresh_app):
    revisions = _revisions(fresh_app)
    for revision in revisions:
        flask_migrate.upgrade(revision=revision)
        after_upgrade = _tables()
        flask_migrate.downgrade(revision="-1")
        flask_migrate.upgrade(revision=revision)
        assert _current() == revision
        assert _tables() == after_upgrade, revision
    assert _current() == revisions[-1]


def test_models_match_the_migrations(fresh_app):
    flask_migrate.upgrade()
    assert _differences() == []


def test_the_comparison_notices_a_model_the_migrations_lack(fresh_app):
    flask_migrate.upgrade()
    extra = sa.Table("not_migrated_probe", db.metadata, sa.Column("id", sa.Integer, primary_key=True))
    try:
        assert any(diff[0] == "add_table" and diff[1].name == "not_migrated_probe" for diff in _differences())
    finally:
        db.metadata.remove(extra)


# --- the audit table refuses changes, in the database itself -------------------------------------

def _insert_audit_event(conn) -> int:
    conn.execute(
        sa.text("INSERT INTO audit_events (occurred_at, action, detail) VALUES (:at, 'test.event', '{}')"),
        {"at": datetime.now(timezone.utc).replace(tzinfo=None)},
    )
    return conn.execute(sa.text("SELECT max(id) FROM audit_events")).scalar_one()


def test_audit_events_cannot_be_updated_or_deleted(app):
    engine = db.engine
    with engine.begin() as conn:
        event_id = _insert_audit_event(conn)
    for statement in ("UPDATE audit_events SET action = 'tampered' WHERE id = :id",
                      "DELETE FROM audit_events WHERE id = :id"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement), {"id": event_id})
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT action FROM audit_events WHERE id = :id"), {"id": event_id}).one()
    assert row.action == "test.event"


def test_audit_events_cannot_be_truncated(app, backend):
    """TRUNCATE fires no row trigger: on PostgreSQL a statement trigger refuses it (0012_audit_truncate).
    SQLite has no TRUNCATE; its equivalent, DELETE without WHERE, is refused by the DELETE trigger."""
    engine = db.engine
    with engine.begin() as conn:
        event_id = _insert_audit_event(conn)
    attacks = {"postgresql": ["TRUNCATE audit_events", "TRUNCATE audit_events, case_note_revisions CASCADE",
                              "TRUNCATE case_note_revisions"],
               "sqlite": ["DELETE FROM audit_events"]}[backend]
    for statement in attacks:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(sa.text(statement))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM audit_events WHERE id = :id"), {"id": event_id}).scalar() == 1
