"""Database plumbing shared by every feature: the declarative base, UTC times, SQLite settings."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import DeclarativeBase

from shelter.private_files import create_private_file, sqlite_file

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores naive UTC on both databases; always hands back aware UTC datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


# Whether SQLite transactions started in this context take the write lock up front. True for the
# app (web requests, CLI, scheduler); a test harness reading the database from the side sets it to
# False for itself so it never blocks the app it is observing.
sqlite_begin_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=True)


def configure_engine(engine: sa.Engine) -> None:
    """SQLite: WAL, foreign keys, and write locks taken up front.

    pysqlite's own transaction handling starts transactions lazily (BEGIN DEFERRED), so two
    writers can both read and then one fails with "database is locked" when it tries to write.
    We switch that off and issue BEGIN IMMEDIATE ourselves: a second writer waits for the busy
    timeout instead (SQLAlchemy documents this recipe under "Serializable isolation / Savepoints /
    Transactional DDL" for pysqlite).
    """
    if engine.dialect.name != "sqlite" or getattr(engine, "_shelter_configured", False):
        return  # once per engine: apps built on one engine (the tests share them) add no second listener
    engine._shelter_configured = True  # type: ignore[attr-defined]
    database = sqlite_file(engine.url.database)

    @event.listens_for(engine, "do_connect")
    def _create_private(_dialect, _record, _cargs, _cparams):
        # Before SQLite creates the file with the umask's mode: create it 0600 ourselves. A missing
        # directory is left missing (the connection then fails, and /healthz says so).
        if database is not None and database.parent.is_dir():
            create_private_file(database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if sqlite_begin_immediate.get() else "BEGIN")
