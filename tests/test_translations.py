"""Bahasa Indonesia is the default language and must be complete.

Every string the code and templates pass through Babel must have a non-fuzzy Indonesian
translation with the same placeholders; a new string without one fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}
# The same sources as babel.cfg: code, page templates and SMS templates (an SMS in English would
# reach an Indonesian caseworker without this).
METHOD_MAP = [("shelter/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def _source_messages() -> dict[str, str]:
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHOD_MAP, keywords=KEYWORDS, options_map={"templates/**.html": {}, "templates/**.txt": {}}
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, f"{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def indonesian():
    with open(ROOT / "shelter/translations/id/LC_MESSAGES/messages.po", "rb") as handle:
        return read_po(handle, locale="id")


def test_source_has_strings_to_translate():
    assert len(_source_messages()) > 50


def test_every_string_has_an_indonesian_translation(indonesian):
    missing = []
    for msgid, where in sorted(_source_messages().items(), key=lambda item: item[1]):
        message = indonesian.get(msgid)
        text = message.string if message else None
        if isinstance(text, tuple):
            text = text[0]
        if not message or not text or message.fuzzy:
            missing.append(f"{where}: {msgid!r}")
    assert not missing, "untranslated (run `make extract-messages`, then translate):\n" + "\n".join(missing)


def test_translations_keep_their_placeholders(indonesian):
    problems = [f"{message.id!r}: {errors}" for message, errors in indonesian.check() if errors]
    assert not problems, "\n".join(problems)


def test_templates_follow_the_locale_of_the_moment(app):
    """Templates look the translations up once per locale (``i18n.request_translations``), yet a
    forced locale inside the request (the SMS, the monthly report) and a change back still count."""
    from dataclasses import replace

    from flask import render_template_string
    from flask_babel import force_locale, refresh

    template = "{{ _('Resident') }}|{{ ngettext('%(num)d bed', '%(num)d beds', 2) }}"
    with app.test_request_context("/"):
        assert render_template_string(template).startswith("Penghuni|")
        with force_locale("en"):
            assert render_template_string(template) == "Resident|2 beds"
        assert render_template_string(template).startswith("Penghuni|")
        app.config["SHELTER"] = replace(app.config["SHELTER"], default_locale="en")
        refresh()
        assert render_template_string(template) == "Resident|2 beds"
