"""Labels of the partner kinds, the services a resident is referred to and the outgoing statuses.

Kept apart from ``labels.py`` (the incoming referral pages' labels); registered as Jinja globals by
the partners and outgoing blueprints.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from shelter.labels import lookup

PARTNER_KINDS = {
    "police_ppa": _l("Police PPA unit"),
    "uptd_ppa": _l("UPTD PPA"),
    "puspa": _l("Puspa"),
    "hospital": _l("Hospital (PPT)"),
    "outreach": _l("Outreach team"),
    "panti": _l("Another panti"),
    "legal_aid": _l("Legal aid (LBH)"),
    "dinas_sosial": _l("Dinas Sosial"),
    "psychologist": _l("Psychologist"),
    "other": _l("Other"),
}

SERVICE_KINDS = {
    "hospital": _l("Hospital or health care"),
    "psychologist": _l("Psychologist"),
    "legal_aid": _l("Legal aid"),
    "police": _l("Police"),
    "panti": _l("Another panti"),
    "other": _l("Other service"),
}

OUTGOING_STATUSES = {
    "sent": _l("Sent"),
    "accepted": _l("Accepted"),
    "appointment": _l("Appointment made"),
    "done": _l("Done"),
    "declined": _l("Declined"),
}




partner_kind_label = lookup(PARTNER_KINDS)
service_kind_label = lookup(SERVICE_KINDS)
outgoing_status_label = lookup(OUTGOING_STATUSES)


def register(app) -> None:
    app.jinja_env.globals.update(partner_kind_label=partner_kind_label, service_kind_label=service_kind_label,
                                 outgoing_status_label=outgoing_status_label)
