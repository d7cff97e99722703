"""The files of an export: CSV (stdlib) and XLSX (openpyxl, write-only: rows stream to the sheet).

Moments are written in local time (WIB) without a zone: dates as dates, numbers as numbers in XLSX.
A CSV cell starting with = + - @ (or a tab or carriage return) gets a leading ' so a spreadsheet
opening the file never runs it as a formula (CSV/formula injection, OWASP).
"""

from __future__ import annotations

import csv
import os
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from shelter.localtime import zone
from shelter.private_files import FILE_MODE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DATE_FORMAT = "yyyy-mm-dd"
MOMENT_FORMAT = "yyyy-mm-dd hh:mm"


def _local(value):
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone())
        return value.replace(tzinfo=None, microsecond=0)
    return value


def csv_cell(value) -> str:
    value = _local(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _private_open(path: Path):
    """A new file only Shelter's user can read (0600 whatever the umask)."""
    return os.fdopen(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE), "w", newline="",
                     encoding="utf-8-sig")


class CsvWriter:
    def __init__(self, path: Path, headers: list[str]):
        self._file = _private_open(path)
        self._csv = csv.writer(self._file)
        self._csv.writerow(headers)

    def write(self, rows) -> None:
        self._csv.writerows([csv_cell(v) for v in row] for row in rows)

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        self._file.close()


class XlsxWriter:
    def __init__(self, path: Path, headers: list[str]):
        self._path = path
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet("data")
        self._sheet.append(headers)

    def _cell(self, value):
        value = _local(value)
        if isinstance(value, str) and value.startswith(FORMULA_STARTS[:4]):
            return "'" + value  # openpyxl would store a leading = as a formula
        return value

    def write(self, rows) -> None:
        for row in rows:
            self._sheet.append([self._cell(v) for v in row])

    def close(self) -> None:
        with open(self._path, "wb") as out:  # the file exists: its 0600 mode is kept
            self._book.save(out)

    def abort(self) -> None:
        pass


WRITERS = {"csv": CsvWriter, "xlsx": XlsxWriter}
