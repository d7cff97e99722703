"""Forms for admission, transfer, discharge and bed holds; and find-a-bed's question.

Ids come in as plain integers and are looked up through the scope checks in the views; the rules
about beds and stays live in ``stays.service``. What is checked here is the shape of the input:
lengths that match the columns, no control characters, numbers in range, a real date and time.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from shelter.access import MAX_ID
from shelter.formfields import choices
from shelter.facilities.forms import plain_text
from shelter.text import strip
from shelter.stays.models import DischargeOutcome
from shelter.stays.service import MAX_HOLD_HOURS

ORIGINS = ("board", "resident")

DISCHARGE_OUTCOMES = {
    DischargeOutcome.REUNIFIED.value: _l("Reunified with family"),
    DischargeOutcome.RETURNED_HOME_REGION.value: _l("Returned to home region (pemulangan)"),
    DischargeOutcome.REFERRED.value: _l("Referred to another service"),
    DischargeOutcome.MOVED_FACILITY.value: _l("Moved to another facility"),
    DischargeOutcome.INDEPENDENT.value: _l("Independent living"),
    DischargeOutcome.LEFT_WITHOUT_NOTICE.value: _l("Left without notice"),
    DischargeOutcome.DIED.value: _l("Died"),
    DischargeOutcome.OTHER.value: _l("Other outcome"),
}


def outcome_label(code: str | None) -> str:
    return DISCHARGE_OUTCOMES.get(code, code or "")


def parse_id(value) -> int | None:
    """A positive id in the INTEGER range, or None (never an exception, never an overflow)."""
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def parse_placement(value) -> tuple[str, int] | None:
    """'bed:12' or 'facility:3' (an over-capacity placement) → (kind, id)."""
    kind, _, raw = str(value or "").partition(":")
    number = parse_id(raw)
    if kind not in ("bed", "facility") or number is None:
        return None
    return kind, number


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SHELTER"].timezone)


def to_local_input(value: datetime) -> datetime:
    """A UTC time as the naive wall-clock time a datetime-local input shows (WIB)."""
    return value.astimezone(local_zone()).replace(tzinfo=None, second=0, microsecond=0)


def from_local_input(value: datetime) -> datetime:
    """What was typed (wall-clock WIB) → aware UTC."""
    return value.replace(tzinfo=local_zone()).astimezone(timezone.utc)


class OriginMixin:
    # Where the form was opened: the board gets fragments back, the resident page a redirect.
    origin = HiddenField()

    def origin_value(self) -> str:
        return self.origin.data if self.origin.data in ORIGINS else "resident"


class AdmitForm(OriginMixin, FlaskForm):
    # "resident": the bed (or the full facility) is fixed and a person is chosen; "placement": the reverse.
    choose = HiddenField()
    resident_id = HiddenField()
    placement = HiddenField()
    q = StringField(_l("Find the person"), filters=[strip],
                    validators=[Length(max=60, message=_l("Search with at most %(max)d characters.")),
                                plain_text()],
                    description=_l("Name or call name; only people without an open stay are listed."))
    override_reason = TextAreaField(
        _l("Reason"),
        filters=[strip],
        validators=[Length(max=500, message=_l("The reason can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
    )


class TransferForm(OriginMixin, FlaskForm):
    bed_id = HiddenField()
    override_reason = TextAreaField(
        _l("Reason for the exception"),
        filters=[strip],
        validators=[Length(max=500, message=_l("The reason can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
    )


class DischargeForm(OriginMixin, FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=choices({"": _l("Choose…"), **DISCHARGE_OUTCOMES}),
                          validators=[InputRequired(_l("Choose the outcome."))])
    discharged_at = DateTimeLocalField(
        _l("Date and time of discharge (WIB)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(_l("Enter the date and time of discharge."))],
    )
    note = TextAreaField(
        _l("Note"),
        filters=[strip],
        validators=[Length(max=4000, message=_l("The note can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
        description=_l("Where the resident went and anything the next team should know."),
    )

    def validate_outcome(self, field):
        if field.data not in DISCHARGE_OUTCOMES:
            raise ValidationError(_l("Choose the outcome."))

    def discharged_at_utc(self) -> datetime:
        return from_local_input(self.discharged_at.data)


class HoldForm(OriginMixin, FlaskForm):
    bed_id = HiddenField()
    reason = StringField(
        _l("Reason"),
        filters=[strip],
        validators=[DataRequired(_l("Say why the bed is held, for example the referral it is kept for.")),
                    Length(max=200, message=_l("The reason can be at most %(max)d characters.")),
                    plain_text()],
        description=_l("Do not write the person's name here; the referral number is enough."),
    )
    hours = IntegerField(
        _l("Hold for (hours)"),
        default=24,
        validators=[InputRequired(_l("Enter for how many hours the bed is held.")),
                    NumberRange(min=1, max=MAX_HOLD_HOURS, message=_l("Enter a number from %(min)d to %(max)d."))],
    )
