"""Forms: one's own phone and SMS opt-out; the outbox filters; the resend button."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from shelter.notifications.models import MessageStatus
from shelter.phones import InvalidPhone, to_e164
from shelter.text import strip

STATUS_LABELS = {
    MessageStatus.QUEUED.value: _l("Queued"),
    MessageStatus.SENDING.value: _l("Sending"),
    MessageStatus.SENT.value: _l("Sent"),
    MessageStatus.DELIVERED.value: _l("Delivered"),
    MessageStatus.FAILED.value: _l("Failed"),
    MessageStatus.UNKNOWN.value: _l("Unknown"),
}

# What each kind of SMS is for, in words; a purpose not listed here shows its code.
PURPOSE_LABELS = {
    "followup.due": _l("Follow-up due"),
    "followup.overdue": _l("Follow-up overdue"),
    "followup.flagged": _l("Follow-up flagged"),
    "capacity.alert": _l("Capacity alert"),
}


class PreferencesForm(FlaskForm):
    phone = StringField(_l("Mobile phone number"), filters=[strip], validators=[
        Optional(), Length(max=40, message=_l("At most %(max)d characters.")),
    ])
    sms_opt_out = BooleanField(_l("Do not send me SMS"))

    def validate_phone(self, field):
        try:
            to_e164(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("Enter a valid phone number, for example 0812 3456 7890 or +62 812 3456 7890.")
            ) from None


class OutboxFilterForm(FlaskForm):
    """The filters above the outbox; read from the query string. Purposes come from the data."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), default="", choices=[
        SelectChoice("", _l("All statuses")), *(SelectChoice(k, v) for k, v in STATUS_LABELS.items()),
    ])
    purpose = SelectField(_l("Purpose"), default="", choices=[])

    def set_purpose_choices(self, purposes: list[str]):
        self.purpose.choices = [SelectChoice("", _l("All purposes")), *(SelectChoice(p, PURPOSE_LABELS.get(p, p)) for p in purposes)]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in (self.status, self.purpose):
            if f.errors:
                f.errors[:] = [_l("Choose from the list.")]
        return ok


class ResendForm(FlaskForm):
    """The resend button. For a message whose fate is unknown the admin must tick the box."""

    accept_duplicate = BooleanField(_l("I understand the person may get this SMS twice"))
