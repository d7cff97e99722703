"""Translated labels for the follow-up codes (stored in English)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

METHODS = {
    "phone_call": _l("Phone call"),
    "home_visit": _l("Home visit"),
    "office_visit": _l("Visit at the office"),
    "video_call": _l("Video call"),
}
OUTCOMES = {
    "stable": _l("Stable"),
    "concerns": _l("Concerns"),
    "re_referral_needed": _l("Re-referral needed"),
}
STATUSES = {
    "open": _l("Not done yet"),
    "done": _l("Done"),
    "missed": _l("Missed"),
}


def _lookup(table):
    def label(code):
        return table.get(code, code or "—")
    return label


TEMPLATE_GLOBALS = {
    "followup_method_label": _lookup(METHODS),
    "followup_outcome_label": _lookup(OUTCOMES),
    "followup_status_label": _lookup(STATUSES),
}
