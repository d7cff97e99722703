"""Files only Shelter's own user can read: the SQLite database (0600) and ``instance/`` (0700).

The SQLite file holds every resident's record, and ``instance/`` the development secret key and the
demo passwords. Created with the process umask (often 022) they would be readable by every account on
the machine. SQLite gives its -wal and -shm files the mode of the database file, so they follow.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    """Create ``path`` as 0700, or take group and other access away from an existing one we own."""
    path.mkdir(mode=DIRECTORY_MODE, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        try:
            path.chmod(DIRECTORY_MODE)
        except PermissionError:  # someone else's directory: leave it to its owner
            pass
    return path


def create_private_file(path: Path) -> None:
    """Create an empty 0600 file unless it exists (the mode passed to open() is not widened by umask)."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    except FileExistsError:
        pass


def sqlite_file(database: str | None) -> Path | None:
    """The file of an SQLite URL's database, or None for an in-memory or URI database."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)
