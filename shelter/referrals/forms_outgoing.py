"""Forms of the outgoing referrals. The rules live in ``outgoing``; these forms carry what was typed
(kept when a problem is shown) and the service's problems become messages next to the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from shelter.formfields import options
from shelter.referrals.forms_partners import MESSAGES as COMMON
from shelter.referrals.partner_labels import OUTGOING_STATUSES, SERVICE_KINDS

MESSAGES = {
    **COMMON,
    "unknown_partner": _l("Choose an active partner from the list, or none."),
    "stay_ended": _l("This stay ended too long ago for a new referral."),
    "closed": _l("This referral is closed: its status no longer changes."),
    "backwards": _l("A referral's status only moves forward."),
    "datetime_format": _l("Enter a date and time, for example 2026-12-05 09:30."),
    "out_of_range": _l("Enter a time within a year from today."),
}
REQUIRED = {
    "service_kind": _l("Choose the kind of service."),
    "reason": _l("Say why the resident is referred."),
    "status": _l("Choose the status."),
    "appointment_at": _l("Enter the appointment's date and time."),
}


class OutgoingForm(FlaskForm):
    service_kind = SelectField(_l("Service"), choices=options([("", _l("Choose…")), *SERVICE_KINDS.items()]),
                               validate_choice=False, default="")
    partner_id = SelectField(_l("Partner (optional)"), choices=[], validate_choice=False, default="")
    reason = TextAreaField(_l("Reason for the referral"))

    def set_partner_choices(self, partners) -> None:
        self.partner_id.choices = options([("", _l("No partner from the list")),
                                           *((str(id_), name) for id_, name in partners)])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), choices=options(OUTGOING_STATUSES.items()), validate_choice=False)
    appointment_at = StringField(_l("Appointment (WIB)"))
    result = TextAreaField(_l("Result (optional)"))
