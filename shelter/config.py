"""Configuration: read once from the environment into one frozen object.

Every setting Shelter understands is a field here and a row in the README's settings table
(``tests/test_config.py`` checks that the two agree).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shelter.private_files import private_directory

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
ENVIRONMENTS = ("development", "test", "production")
SMS_BACKENDS = ("console", "twilio")
LOCALES = ("id", "en")
HTMX_FILE = "vendor/htmx-2.0.8.min.js"


class ConfigError(RuntimeError):
    """The environment does not describe a configuration Shelter can start with."""


def _normalise_database_url(url: str) -> str:
    # Heroku-style and plain PostgreSQL URLs select psycopg 2 in SQLAlchemy; we ship psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _int(environ, name: str, default: int) -> int:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None


def _bool(environ, name: str, default: bool) -> bool:
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _dev_field_key() -> str:
    """A per-checkout field-encryption key for development, kept in instance/ beside the secret key."""
    from shelter.encryption import generate_key

    path = INSTANCE_DIR / "dev-field-encryption-key"
    private_directory(INSTANCE_DIR)
    if not path.exists():
        path.write_text(generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


# One key per test process: databases migrated once (the templates) are read by every test's app.
_TEST_FIELD_KEY: list[str] = []


def _test_field_key() -> str:
    if not _TEST_FIELD_KEY:
        from shelter.encryption import generate_key

        _TEST_FIELD_KEY.append(generate_key())
    return _TEST_FIELD_KEY[0]


def _dev_secret_key() -> str:
    """A per-checkout key for development, kept in instance/ so sessions survive restarts."""
    path = INSTANCE_DIR / "dev-secret-key"
    private_directory(INSTANCE_DIR)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Config:
    env: str = "production"
    secret_key: str = ""
    database_url: str = f"sqlite:///{INSTANCE_DIR / 'shelter.sqlite3'}"
    sms_backend: str = "console"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_timeout_seconds: int = 10
    timezone: str = "Asia/Jakarta"
    default_locale: str = "id"
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    login_max_failures: int = 5
    login_failure_window_seconds: int = 60
    login_lockout_minutes: int = 15
    ip_max_failures: int = 30
    ip_failure_window_seconds: int = 300
    # The longer window: this many failures within it lock too, however they are spread. Each lock of an
    # account (or address, or device cookie) within a day lasts twice as long as the one before, up to
    # login_max_lock_hours.
    login_long_max_failures: int = 20
    login_long_window_hours: int = 24
    login_max_lock_hours: int = 24
    # A browser that logged in to an account before carries a signed device cookie for it (OWASP):
    # strangers' failures do not hold it back. Renewed at each login.
    device_cookie_days: int = 180
    # How many proxies in front of the app set X-Forwarded-For/-Proto/-Host (Werkzeug's ProxyFix).
    # 0: the headers are ignored (anyone could forge them); behind one nginx: 1.
    trusted_proxies: int = 0
    # argon2id cost; tests lower it, production keeps argon2-cffi's RFC 9106 low-memory profile.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    csrf_enabled: bool = True
    sqlite_busy_timeout_seconds: int = 30
    # The address the public reaches this app at (https://…, no trailing slash): Twilio's status
    # callbacks are sent there and their signatures are checked against it. Empty: no callbacks asked.
    public_url: str = ""
    # Local time (in ``timezone``) of the morning follow-up reminders, "HH:MM".
    reminder_time: str = "08:00"
    # `make run` starts the scheduler inside the dev server (with the same one-scheduler guard).
    scheduler_in_process: bool = False
    # Rehabilitation: the first assessment is due this many days after admission; plans are
    # reviewed every this many days.
    assessment_due_days: int = 7
    plan_review_days: int = 30
    # Strict-Transport-Security max-age in seconds; 0 sends none. from_env: a year in production.
    hsts_max_age: int = 0
    # FIELD_ENCRYPTION_KEYS: the newest first; it encrypts, all decrypt (see shelter/encryption.py).
    field_encryption_keys: tuple[str, ...] = ()
    # Two-step sign-in is required for admins and Rumah Aman staff; true: for every user.
    two_step_for_all: bool = False
    # A list export of more rows than this is written in the background (the scheduler's job), with a
    # progress bar; smaller ones are written in the request.
    export_background_rows: int = 5000

    @classmethod
    def from_env(cls, environ=None) -> "Config":
        environ = os.environ if environ is None else environ
        env = environ.get("SHELTER_ENV", "production")
        if env not in ENVIRONMENTS:
            raise ConfigError(f"SHELTER_ENV must be one of {', '.join(ENVIRONMENTS)}, got {env!r}")
        secret_key = environ.get("SECRET_KEY", "")
        if not secret_key:
            if env == "production":
                raise ConfigError(
                    "SECRET_KEY is not set. Shelter refuses to start in production without it: "
                    "set SECRET_KEY to a long random value (for example the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
                    "or set SHELTER_ENV=development on a developer's machine."
                )
            secret_key = _dev_secret_key() if env == "development" else secrets.token_urlsafe(32)
        raw_keys = environ.get("FIELD_ENCRYPTION_KEYS", "")
        if not raw_keys.strip():
            if env == "production":
                raise ConfigError(
                    "FIELD_ENCRYPTION_KEYS is not set. Shelter refuses to start in production without it: "
                    "NIK, addresses, phones and notes are stored encrypted with it. Generate a key with "
                    "`flask keys generate` and set FIELD_ENCRYPTION_KEYS to it (keep a copy with the backups: "
                    "without it the encrypted fields cannot be read)."
                )
            raw_keys = _dev_field_key() if env == "development" else _test_field_key()
        config = cls(
            env=env,
            field_encryption_keys=_field_keys(raw_keys),
            two_step_for_all=_bool(environ, "TWO_STEP_FOR_ALL", False),
            secret_key=secret_key,
            database_url=_normalise_database_url(
                environ.get("DATABASE_URL") or cls.database_url
            ),
            sms_backend=environ.get("SMS_BACKEND", "console"),
            twilio_account_sid=environ.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=environ.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=environ.get("TWILIO_FROM_NUMBER", ""),
            twilio_timeout_seconds=_int(environ, "TWILIO_TIMEOUT_SECONDS", 10),
            timezone=environ.get("TIMEZONE", "Asia/Jakarta"),
            default_locale=environ.get("BABEL_DEFAULT_LOCALE", "id"),
            session_idle_minutes=_int(environ, "SESSION_IDLE_MINUTES", 30),
            session_max_hours=_int(environ, "SESSION_MAX_HOURS", 12),
            login_max_failures=_int(environ, "LOGIN_MAX_FAILURES", 5),
            login_lockout_minutes=_int(environ, "LOGIN_LOCKOUT_MINUTES", 15),
            trusted_proxies=_int(environ, "TRUSTED_PROXIES", 0),
            public_url=environ.get("PUBLIC_URL", "").rstrip("/"),
            reminder_time=environ.get("REMINDER_TIME", "08:00"),
            scheduler_in_process=_bool(environ, "SCHEDULER_IN_PROCESS", False),
            assessment_due_days=_int(environ, "ASSESSMENT_DUE_DAYS", 7),
            plan_review_days=_int(environ, "PLAN_REVIEW_DAYS", 30),
            hsts_max_age=_int(environ, "HSTS_MAX_AGE", 31536000 if env == "production" else 0),
            export_background_rows=_int(environ, "EXPORT_BACKGROUND_ROWS", 5000),
        )
        config.validate()
        return config

    @classmethod
    def for_tests(cls, database_url: str, **overrides) -> "Config":
        base = cls(
            env="test",
            secret_key="test-" + secrets.token_hex(16),
            database_url=_normalise_database_url(database_url),
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            field_encryption_keys=(_test_field_key(),),
        )
        return replace(base, **overrides)

    def validate(self) -> None:
        _field_keys(",".join(self.field_encryption_keys))
        if self.sms_backend not in SMS_BACKENDS:
            raise ConfigError(f"SMS_BACKEND must be one of {', '.join(SMS_BACKENDS)}")
        if self.sms_backend == "twilio" and not (
            self.twilio_account_sid and self.twilio_auth_token and self.twilio_from_number
        ):
            raise ConfigError(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER"
            )
        if self.default_locale not in LOCALES:
            raise ConfigError(f"BABEL_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
        if self.export_background_rows < 1:
            raise ConfigError("EXPORT_BACKGROUND_ROWS must be at least 1")
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.reminder_time):
            raise ConfigError(f"REMINDER_TIME must be HH:MM (24-hour), got {self.reminder_time!r}")
        if self.public_url and not re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", self.public_url):
            raise ConfigError("PUBLIC_URL must be an http(s) address such as https://shelter.example.go.id")
        if not 0 <= self.trusted_proxies <= 10:
            raise ConfigError("TRUSTED_PROXIES must be the number of proxies in front of Shelter, 0 to 10")
        if not 1 <= self.assessment_due_days <= 90:
            raise ConfigError("ASSESSMENT_DUE_DAYS must be between 1 and 90")
        if not 7 <= self.plan_review_days <= 180:
            raise ConfigError("PLAN_REVIEW_DAYS must be between 7 and 180")
        if self.hsts_max_age < 0:
            raise ConfigError("HSTS_MAX_AGE must be 0 (no header) or a number of seconds")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TIMEZONE {self.timezone!r} is not a known time zone") from None

    @property
    def reminder_hour_minute(self) -> tuple[int, int]:
        hour, minute = self.reminder_time.split(":")
        return int(hour), int(minute)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.env == "production"

    def flask_settings(self) -> dict:
        """The subset of Flask and extension settings derived from this object."""
        from datetime import timedelta

        return {
            "SECRET_KEY": self.secret_key,
            "TESTING": self.env == "test",
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": self.engine_options(),
            "SESSION_COOKIE_NAME": "shelter_session",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.secure_cookies,
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.session_max_hours),
            "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
            "WTF_CSRF_ENABLED": self.csrf_enabled,
            "WTF_CSRF_CHECK_DEFAULT": False,  # checked in shelter.api.auth.csrf_unless_bearer
            "WTF_CSRF_TIME_LIMIT": self.session_max_hours * 3600,
            "WTF_CSRF_HEADERS": ["X-CSRFToken"],
            # Flask-WTF's extra check on HTTPS wants a same-host Referer, but our pages send
            # Referrer-Policy: no-referrer, so once ProxyFix (TRUSTED_PROXIES) tells it a request is HTTPS
            # every form would be refused. The CSRF token and SameSite=Lax cookies still protect forms.
            "WTF_CSRF_SSL_STRICT": False,
            "BABEL_DEFAULT_LOCALE": self.default_locale,
            "BABEL_DEFAULT_TIMEZONE": self.timezone,
            "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "shelter" / "translations"),
            "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
            "SHELTER": self,
        }

    def engine_options(self) -> dict:
        # A database error's message would otherwise carry the statement's values (a resident's
        # name, a NIK) into the logs; tests keep them to make failures readable.
        options: dict = {"hide_parameters": self.env != "test"}
        if self.is_sqlite:
            options["connect_args"] = {"timeout": self.sqlite_busy_timeout_seconds}
        else:
            options["pool_pre_ping"] = True
        return options


def _field_keys(raw: str) -> tuple[str, ...]:
    from shelter.encryption import KeyProblem, parse_keys

    try:
        return parse_keys(raw)
    except KeyProblem as problem:
        raise ConfigError(str(problem)) from None


def setting_names() -> list[str]:
    """Environment variable names documented in the README."""
    return [
        "SHELTER_ENV", "SECRET_KEY", "DATABASE_URL", "SMS_BACKEND", "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER", "TWILIO_TIMEOUT_SECONDS", "TIMEZONE",
        "BABEL_DEFAULT_LOCALE", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "LOGIN_MAX_FAILURES",
        "LOGIN_LOCKOUT_MINUTES", "PUBLIC_URL", "REMINDER_TIME", "SCHEDULER_IN_PROCESS",
        "ASSESSMENT_DUE_DAYS", "PLAN_REVIEW_DAYS", "PORT", "TRUSTED_PROXIES", "HSTS_MAX_AGE",
        "FIELD_ENCRYPTION_KEYS", "TWO_STEP_FOR_ALL", "EXPORT_BACKGROUND_ROWS",
    ]

