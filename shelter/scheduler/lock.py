"""One scheduler at a time: a PostgreSQL advisory lock, or a file lock beside a SQLite database.

The lock belongs to the process that holds it for as long as it lives: a session-level advisory
lock on a connection of its own (PostgreSQL), or ``flock`` on an open file (SQLite). Either is
released by the operating system or the database server when the process dies, however it dies,
so a scheduler that crashed never leaves the installation without one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

# "SHELTER" + 0x01, a fixed bigint every scheduler of one database agrees on. Advisory locks are
# per database, so schedulers of two installations on one server do not see each other.
ADVISORY_LOCK_KEY = 0x5348454C54455201


class SchedulerLock:
    """Non-blocking: ``try_acquire`` answers at once; the caller decides how often to retry."""

    description = "lock"

    def try_acquire(self) -> bool:
        raise NotImplementedError

    def still_held(self) -> bool:
        """False when the lock was lost behind our back (the database connection died)."""
        return True

    def release(self) -> None:
        raise NotImplementedError


class PostgresAdvisoryLock(SchedulerLock):
    description = "PostgreSQL advisory lock"

    def __init__(self, database_url: str, key: int = ADVISORY_LOCK_KEY):
        self.key = key
        # A dedicated connection, outside the app's pool: the lock lives exactly as long as it.
        self._engine = sa.create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        self._connection: sa.Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is None:
            self._connection = self._engine.connect()
        try:
            acquired = bool(self._connection.scalar(sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}))
        except Exception:
            self._close()
            raise
        if not acquired:
            self._close()  # an idle scheduler holds no connection between tries
        return acquired

    def still_held(self) -> bool:
        if self._connection is None:
            return False
        try:
            # A session-level advisory lock is only let go by pg_advisory_unlock (we never call it
            # before release) or by the end of the session: a live connection still holds it.
            self._connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.scalar(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
            except Exception:
                pass  # closing the connection below releases it anyway
        self._close()
        self._engine.dispose()

    def _close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                pass
            self._connection = None


class FileLock(SchedulerLock):
    """``flock`` on ``<database file>.scheduler.lock``.

    ``flock`` (not ``lockf``) because its locks belong to the open file, not the process: a second
    attempt from the same process conflicts too, and closing an unrelated descriptor of the same
    file does not drop it.
    """

    description = "file lock"

    def __init__(self, path: Path):
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for an operator wondering who holds it
        return True

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class ProcessLocalLock(SchedulerLock):
    """An in-memory SQLite database: no other process can reach it, so there is nothing to guard."""

    description = "no lock (in-memory database)"

    def try_acquire(self) -> bool:
        return True

    def release(self) -> None:
        pass


def sqlite_lock_path(database_url: str) -> Path | None:
    """``<database file>.scheduler.lock`` beside the database file; None for an in-memory database."""
    database = sa.make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    if database.startswith("file:"):  # a URI filename (…?uri=true)
        database = database[len("file:"):].split("?", 1)[0]
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + ".scheduler.lock")


def lock_for(database_url: str) -> SchedulerLock:
    if sa.make_url(database_url).get_backend_name() == "postgresql":
        return PostgresAdvisoryLock(database_url)
    path = sqlite_lock_path(database_url)
    return FileLock(path) if path is not None else ProcessLocalLock()
