"""Configuration comes from the environment into one frozen object, and refuses what it cannot use."""

from __future__ import annotations

import dataclasses
import re

import pytest

from shelter import create_app
from shelter.config import PROJECT_ROOT, Config, ConfigError, setting_names

SECRET = "s" * 48
FIELD_KEY = "a" * 43  # 32 bytes, urlsafe base64


def from_env(**environ) -> Config:
    return Config.from_env({"SHELTER_ENV": "production", "SECRET_KEY": SECRET, "FIELD_ENCRYPTION_KEYS": FIELD_KEY,
                            **environ})


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(ConfigError, match="SECRET_KEY is not set") as error:
        Config.from_env({"SHELTER_ENV": "production"})
    assert "SHELTER_ENV=development" in str(error.value)  # says what to do about it


def test_production_is_the_default_environment():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config.from_env({})
    assert from_env().env == "production"


def test_create_app_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SHELTER_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_test_environment_makes_up_a_secret_key():
    config = Config.from_env({"SHELTER_ENV": "test"})
    assert len(config.secret_key) >= 32


def test_defaults():
    config = from_env()
    assert config.database_url.startswith("sqlite:///")
    assert config.database_url.endswith("instance/shelter.sqlite3")
    assert config.timezone == "Asia/Jakarta"
    assert config.default_locale == "id"
    assert config.sms_backend == "console"
    assert config.session_idle_minutes == 30
    assert config.session_max_hours == 12
    assert config.login_max_failures == 5
    assert config.secure_cookies


@pytest.mark.parametrize("url", [
    "postgres://shelter:pw@db.example:5432/shelter",
    "postgresql://shelter:pw@db.example:5432/shelter",
])
def test_postgres_urls_are_normalised_to_psycopg_3(url):
    config = from_env(DATABASE_URL=url)
    assert config.database_url == "postgresql+psycopg://shelter:pw@db.example:5432/shelter"
    assert not config.is_sqlite


def test_explicit_driver_is_kept():
    url = "postgresql+psycopg://shelter@127.0.0.1/shelter"
    assert from_env(DATABASE_URL=url).database_url == url


@pytest.mark.parametrize("environ, message", [
    ({"SHELTER_ENV": "staging"}, "SHELTER_ENV must be one of"),
    ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND must be one of"),
    ({"SMS_BACKEND": "twilio"}, "TWILIO_ACCOUNT_SID"),
    ({"TIMEZONE": "Asia/Jakartaa"}, "TIMEZONE"),
    ({"TIMEZONE": "../../etc/passwd"}, "TIMEZONE"),
    ({"BABEL_DEFAULT_LOCALE": "fr"}, "BABEL_DEFAULT_LOCALE must be one of"),
    ({"SESSION_IDLE_MINUTES": "thirty"}, "SESSION_IDLE_MINUTES must be a whole number"),
    ({"LOGIN_MAX_FAILURES": "5.5"}, "LOGIN_MAX_FAILURES must be a whole number"),
])
def test_invalid_settings_are_refused_with_a_clear_message(environ, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        from_env(**environ)


def test_twilio_with_credentials_is_accepted():
    config = from_env(SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID="AC" + "0" * 32, TWILIO_AUTH_TOKEN="t" * 32,
                      TWILIO_FROM_NUMBER="+6281255501", TWILIO_TIMEOUT_SECONDS="5")
    assert config.sms_backend == "twilio"
    assert config.twilio_timeout_seconds == 5


def test_numbers_are_read():
    config = from_env(SESSION_IDLE_MINUTES="10", SESSION_MAX_HOURS="8", LOGIN_MAX_FAILURES="3",
                      LOGIN_LOCKOUT_MINUTES="20")
    assert (config.session_idle_minutes, config.session_max_hours, config.login_max_failures,
            config.login_lockout_minutes) == (10, 8, 3, 20)


def test_config_is_frozen():
    config = from_env()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.secret_key = "changed"  # type: ignore[misc]


def test_flask_settings_follow_the_config():
    settings = from_env(SESSION_MAX_HOURS="8").flask_settings()
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["PERMANENT_SESSION_LIFETIME"].total_seconds() == 8 * 3600
    assert settings["BABEL_DEFAULT_TIMEZONE"] == "Asia/Jakarta"


# --- every setting is documented, and every documented setting is read ----------------------------

def _readme_settings() -> list[str]:
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", section, re.M)


def test_readme_settings_table_lists_exactly_the_settings():
    documented = _readme_settings()
    assert len(documented) == len(set(documented)), "a setting is listed twice"
    assert set(documented) == set(setting_names())


def test_every_environment_variable_the_config_reads_is_a_documented_setting():
    source = (PROJECT_ROOT / "shelter" / "config.py").read_text()
    read = set(re.findall(r"environ(?:\.get\(|\[|, )\s*[\"']([A-Z][A-Z0-9_]*)[\"']", source))
    assert {"SECRET_KEY", "DATABASE_URL", "TIMEZONE"} <= read  # the pattern finds them
    assert read <= set(setting_names())


def test_database_errors_outside_tests_do_not_carry_values_into_logs(tmp_path):
    """A failed INSERT's message must not contain the resident's name (it would reach the log)."""
    import sqlalchemy as sa

    from shelter import create_app
    from shelter.extensions import db

    config = Config.from_env({"SHELTER_ENV": "development", "SECRET_KEY": "x" * 40,
                              "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    app = create_app(config)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE t (name TEXT NOT NULL UNIQUE)")
            conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": "Siti Rahasia"})
        with pytest.raises(sa.exc.IntegrityError) as error:
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO t VALUES (:n)"), {"n": "Siti Rahasia"})
        assert "Siti Rahasia" not in str(error.value)
        db.engine.dispose()
