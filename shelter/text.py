"""Checks for text that people type, shared by forms, services and the API."""

from __future__ import annotations

import unicodedata

MULTILINE_ALLOWED = frozenset({"\n", "\r", "\t"})


def strip(value):
    """A WTForms filter: surrounding blanks off, non-strings untouched."""
    return value.strip() if isinstance(value, str) else value


def has_control_characters(value: str | None, *, multiline: bool = False) -> bool:
    """NUL, escapes, lone surrogates and the like (PostgreSQL refuses NUL in text; nobody types a
    bell). A multi-line field may keep line breaks and tabs."""
    if not value:
        return False
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value)
