"""Hardening (issue 9, finding 11): HSTS in production, private files, and a database role that owns
nothing, so the app cannot switch off the audit triggers or empty the audit table."""

from __future__ import annotations

import re
import secrets
import stat
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from shelter import create_app
from shelter.config import PROJECT_ROOT, Config
from shelter.extensions import db
from shelter.private_files import private_directory
from tests.conftest import PASSWORD, TEST_DATABASE_URL, CsrfClient, login

STRONG_KEY = "k" * 48


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _app_from_env(tmp_path, **environ):
    environ.setdefault("SECRET_KEY", STRONG_KEY)
    environ.setdefault("FIELD_ENCRYPTION_KEYS", "a" * 43)
    environ.setdefault("DATABASE_URL", f"sqlite:///{tmp_path / 'hsts.sqlite3'}")
    app = create_app(Config.from_env(environ))
    return app


# --- HSTS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/static/css/app.css", "/no-such-page"])
def test_production_sends_strict_transport_security(tmp_path, path):
    app = _app_from_env(tmp_path, SHELTER_ENV="production")
    response = app.test_client().get(path, base_url="https://shelter.example.go.id")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize("env", ["development", "test"])
def test_development_and_tests_send_no_hsts_unless_configured(tmp_path, env):
    app = _app_from_env(tmp_path, SHELTER_ENV=env)
    assert "Strict-Transport-Security" not in app.test_client().get("/login").headers
    configured = _app_from_env(tmp_path, SHELTER_ENV=env, HSTS_MAX_AGE="600")
    assert configured.test_client().get("/login").headers["Strict-Transport-Security"] == "max-age=600"


def test_production_may_switch_hsts_off_explicitly(tmp_path):
    app = _app_from_env(tmp_path, SHELTER_ENV="production", HSTS_MAX_AGE="0")
    assert "Strict-Transport-Security" not in app.test_client().get("/login", base_url="https://x.test").headers


def test_the_test_apps_send_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


# --- files only Shelter's user can read ----------------------------------------------------------------

def test_a_new_sqlite_database_file_is_private(tmp_path):
    path = tmp_path / "fresh.sqlite3"
    app = create_app(Config.for_tests(f"sqlite:///{path}"))
    with app.app_context():
        flask_migrate.upgrade()
        db.session.execute(sa.text("INSERT INTO audit_events (occurred_at, action, detail) "
                                   "VALUES (CURRENT_TIMESTAMP, 'test.event', '{}')"))
        db.session.commit()
        assert _mode(path) == 0o600
        for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists():
                assert _mode(companion) == 0o600, companion.name
        db.session.remove()
        db.engine.dispose()


def test_the_instance_directory_is_private(app):
    assert _mode(Path(app.instance_path)) == 0o700
    assert Path(app.instance_path) == PROJECT_ROOT / "instance"


def test_a_new_or_too_open_directory_becomes_0700(tmp_path):
    assert _mode(private_directory(tmp_path / "new")) == 0o700
    opened = tmp_path / "opened"
    opened.mkdir(mode=0o755)
    opened.chmod(0o755)
    assert _mode(private_directory(opened)) == 0o700


# --- the production database roles of the README ------------------------------------------------------

def _readme_sql() -> str:
    text = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(r"<!-- database-roles -->\s*```sql\n(.*?)```", text, re.S)
    assert match, "the README's database roles block"
    return match.group(1)


def _statements(sql: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
def test_the_readme_app_role_cannot_disable_the_audit_triggers_nor_truncate():
    suffix = secrets.token_hex(4)
    name = f"shelter_roles_{suffix}"
    owner, app_role = f"shelter_owner_{suffix}", f"shelter_app_{suffix}"
    passwords = {owner: secrets.token_hex(12), app_role: secrets.token_hex(12)}
    sql = _readme_sql()
    sql = re.sub(r"\bshelter_owner\b", owner, sql)
    sql = re.sub(r"\bshelter_app\b", app_role, sql)
    sql = sql.replace("'owner-password'", f"'{passwords[owner]}'").replace("'app-password'", f"'{passwords[app_role]}'")
    sql = re.sub(r"\bDATABASE shelter\b", f'DATABASE "{name}"', sql)
    superuser_url = Config.for_tests(TEST_DATABASE_URL).database_url

    def url(role=None, database=None):
        base = sa.make_url(superuser_url)
        if role:
            base = base.set(username=role, password=passwords[role])
        return base.set(database=database or base.database).render_as_string(hide_password=False)

    admin = sa.create_engine(superuser_url, isolation_level="AUTOCOMMIT")
    engines = [admin]
    try:
        conn = admin.connect()
        for statement in _statements(sql):
            if statement.startswith("\\connect"):
                conn.close()
                engine = sa.create_engine(url(database=name), isolation_level="AUTOCOMMIT")
                engines.append(engine)
                conn = engine.connect()
                continue
            conn.exec_driver_sql(statement)
        conn.close()

        # Migrations run as the owner role.
        owner_app = create_app(Config.for_tests(url(owner, name)))
        with owner_app.app_context():
            flask_migrate.upgrade()
            db.engine.dispose()

        # The app runs as the other role and does its work: a user, a login, an audit event.
        app = create_app(Config.for_tests(url(app_role, name)))
        with app.app_context():
            from shelter.auth import service

            service.create_user(email="roles@example.org", full_name="Uji Peran", password=PASSWORD,
                                roles=("admin",), facilities=())
            db.session.commit()
            app.test_client_class = CsrfClient
            client = app.test_client()
            assert login(client, "roles@example.org").status_code == 302
            assert client.get("/facilities/").status_code == 200
            db.session.remove()
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() >= 1
            for attack, refusal in [
                ("ALTER TABLE audit_events DISABLE TRIGGER ALL", "must be owner"),
                ("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only", "must be owner"),
                ("DROP TRIGGER audit_events_append_only ON audit_events", "must be owner"),
                ("TRUNCATE audit_events", "permission denied"),
                ("DELETE FROM audit_events", "append-only"),
                ("UPDATE audit_events SET action = 'tampered'", "append-only"),
            ]:
                with pytest.raises(sa.exc.DBAPIError, match=refusal):
                    with db.engine.begin() as conn:
                        conn.exec_driver_sql(attack)
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar() >= 1
            db.engine.dispose()
    finally:
        for engine in engines[1:]:
            engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in (app_role, owner):
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()
