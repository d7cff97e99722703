"""Labels of the availability categories and bed states that the stays queries compute (the board,
find-a-bed and the capacity alerts show them): beside the domain they describe, not in a view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "women": _l("Women"),
    "girls": _l("Girls"),
    "boys": _l("Boys"),
    "mothers_with_children": _l("Mothers with children"),
    "men": _l("Men"),
    "accessible": _l("Wheelchair accessible"),
}
STATUS_LABELS = {
    "available": _l("free"),
    "occupied": _l("occupied"),
    "held": _l("held"),
    "out_of_service": _l("out of service"),
}


def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code)


def status_label(code: str) -> str:
    return STATUS_LABELS.get(code, code)
