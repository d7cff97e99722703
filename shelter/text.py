"""Text that people type: one set of rules, shared by forms, services and the API.

- Control characters (Unicode category Cc, and lone surrogates Cs) are refused everywhere:
  PostgreSQL cannot store a NUL, and nobody types a bell. A multi-line field may keep line breaks
  and tabs.
- Names and codes (one-line fields: a resident's name, a NIK, a facility's code or code name, a room,
  a bed label, a user's name or email, a programme) are NFKC-normalised *before* they are checked and
  stored, so a NIK typed in full-width digits ("１２３４…") is the same NIK as "1234…" and the
  duplicate check finds it; and they refuse characters nobody can see: format characters (Cf: the
  bidi controls U+202A–U+202E and U+2066–U+2069 that make a name read backwards, the zero-width
  U+200B–U+200D, U+2060, U+FEFF), private-use and unassigned code points (Co, Cn), and line or
  paragraph separators (Zl, Zp). Issue 9, finding 8: such a name looks like another one on screen.
- Multi-line text (notes, addresses) is kept as typed, apart from the control characters.

Problem codes, never the value: ``control_characters``, ``hidden_characters``.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

MULTILINE_ALLOWED = frozenset({"\n", "\r", "\t"})
CONTROL = frozenset({"Cc", "Cs"})
HIDDEN = frozenset({"Cf", "Co", "Cn", "Zl", "Zp"})
NIK_SEPARATORS = re.compile(r"[\s.\-]")


def strip(value):
    """A WTForms filter: surrounding blanks off, non-strings untouched."""
    return value.strip() if isinstance(value, str) else value


def normalise(value):
    """NFKC (full-width letters and digits, ligatures, compatibility forms → their plain form);
    non-strings untouched. Also a WTForms filter."""
    return unicodedata.normalize("NFKC", value) if isinstance(value, str) else value


def clean(value):
    """A one-line value as it is checked and stored: NFKC, then surrounding blanks off."""
    value = normalise(value)
    return value.strip() if isinstance(value, str) else value


def has_control_characters(value: str | None, *, multiline: bool = False) -> bool:
    """NUL, escapes, lone surrogates and the like. A multi-line field may keep line breaks and tabs."""
    if not value:
        return False
    allowed = MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(ch) in CONTROL and ch not in allowed for ch in value)


def has_hidden_characters(value: str | None) -> bool:
    """Bidi controls, zero-width characters, private-use or unassigned code points, line separators."""
    if not value:
        return False
    return any(unicodedata.category(ch) in HIDDEN for ch in value)


def problem(value: str | None, *, multiline: bool = False) -> str | None:
    """The problem code of a value (None when fine): one-line values are names and codes."""
    if has_control_characters(value, multiline=multiline):
        return "control_characters"
    if not multiline and has_hidden_characters(value):
        return "hidden_characters"
    return None


def normalise_nik(nik: str | None) -> str | None:
    """A NIK as stored: NFKC, any script's decimal digits as ASCII, spaces, dots and dashes dropped;
    None when nothing is left. Whether it is then 16 digits is the caller's check."""
    if nik is None:
        return None
    nik = NIK_SEPARATORS.sub("", normalise(nik))
    nik = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in nik)
    return nik or None


HIDDEN_MESSAGE = _l("This contains hidden characters or text direction controls. Type it again without them.")
NAME_HIDDEN_MESSAGE = _l("The name contains hidden characters or text direction controls.")
CONTROL_MESSAGE = _l("Remove the invisible control characters.")


class OneLine:
    """A WTForms validator for names, codes and searches: no control and no hidden characters."""

    def __init__(self, message=None, *, control_message=None):
        self.message = message or HIDDEN_MESSAGE
        self.control_message = control_message or CONTROL_MESSAGE

    def __call__(self, form, field):
        code = problem(field.data) if isinstance(field.data, str) else None
        if code == "control_characters":
            raise ValidationError(self.control_message)
        if code == "hidden_characters":
            raise ValidationError(self.message)
