"""Forms for facilities, rooms and beds. The rules live here once; views and tests reuse them.

Text fields refuse control characters (PostgreSQL cannot store NUL, and nobody types a bell),
and every length matches its column, so bad input becomes a message next to the field, never a
500 from the database.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from shelter import labels
from shelter.phones import InvalidPhone, to_e164
from shelter import text
from shelter.text import clean, has_control_characters, strip

try:  # WTForms 3.3 names choices; plain tuples are deprecated there
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

CODE_PATTERN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
MAX_BULK_BEDS = 200
LABEL_MAX = 32  # Bed.label
PREFIX_MAX = 20
FIRST_NUMBER_MAX = 99999
PAD_WIDTH_MAX = 6


def upper(value):
    return value.upper() if isinstance(value, str) else value


def plain_text(multiline: bool = False, *, name: bool = False):
    """Refuse control characters (a multi-line field may keep tabs and line breaks); a one-line field
    (a name, a code, a label) also refuses hidden characters (``shelter.text``)."""
    control_message = _l("Remove the control characters from this field.")
    if not multiline:
        return text.OneLine(text.NAME_HIDDEN_MESSAGE if name else None, control_message=control_message)

    def check(form, field):
        if isinstance(field.data, str) and has_control_characters(field.data, multiline=True):
            raise ValidationError(control_message)

    return check


def _choices(table):
    if SelectChoice is None:
        return labels.choices(table)
    return [SelectChoice(value, label) for value, label in labels.choices(table)]


def select_field(label, table, message):
    return SelectField(label, choices=_choices(table),
                       validators=[InputRequired(message)],
                       validate_choice=True)


class FacilityForm(FlaskForm):
    kind = select_field(_l("Kind"), labels.FACILITY_KINDS, _l("Choose the kind of facility."))
    code = StringField(
        _l("Code"),
        filters=[clean, upper],
        validators=[DataRequired(_l("Enter a short code, for example PSBK-01.")),
                    Length(max=32, message=_l("The code can be at most %(max)d characters.")),
                    plain_text()],
        description=_l("Short and unique, letters, digits and dashes, for example PSBK-01."),
    )
    name = StringField(
        _l("Name"),
        filters=[clean],
        validators=[DataRequired(_l("Enter the name.")),
                    Length(max=120, message=_l("The name can be at most %(max)d characters.")),
                    plain_text(name=True)],
        description=_l("For a Rumah Aman, its code name: the only name shown anywhere."),
    )
    kota = select_field(_l("Kota"), labels.KOTA, _l("Choose the kota."))
    address = TextAreaField(
        _l("Address"),
        filters=[strip],
        validators=[Length(max=500, message=_l("The address can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
        description=_l("A Rumah Aman's address is shown only to its own staff and administrators."),
    )
    phone = StringField(
        _l("Phone"),
        filters=[clean],
        validators=[Length(max=32, message=_l("The phone number can be at most %(max)d characters.")),
                    plain_text()],
        description=_l("For example 0812 5550 199 or +62 21 555 0199."),
    )

    def validate_code(self, field):
        if field.data and not CODE_PATTERN.fullmatch(field.data):
            raise ValidationError(_l("Use only letters, digits and single dashes, for example PSBK-01."))

    def validate_phone(self, field):
        self.phone_e164 = None
        try:
            self.phone_e164 = to_e164(field.data)
        except InvalidPhone:
            raise ValidationError(
                _l("This is not a valid phone number. Use a number such as 0812 5550 199 or +62 21 555 0199.")
            ) from None

    def values(self) -> dict:
        """The cleaned values, ready for the service."""
        return {
            "kind": self.kind.data,
            "code": self.code.data,
            "name": self.name.data,
            "kota": self.kota.data,
            "address": self.address.data or "",
            "phone": getattr(self, "phone_e164", None),
        }


class RoomForm(FlaskForm):
    name = StringField(
        _l("Room name"),
        filters=[clean],
        validators=[DataRequired(_l("Enter the room's name.")),
                    Length(max=80, message=_l("The room name can be at most %(max)d characters.")),
                    plain_text(name=True)],
    )
    sex = select_field(_l("Who sleeps here"), labels.ROOM_SEXES, _l("Choose who sleeps in this room."))
    age_group = select_field(_l("Age group"), labels.AGE_GROUPS, _l("Choose the age group."))

    def values(self) -> dict:
        return {"name": self.name.data, "sex": self.sex.data, "age_group": self.age_group.data}


class BulkBedsForm(FlaskForm):
    """Many beds at once: prefix + zero-padded numbers, e.g. A-01 … A-40."""

    label_prefix = StringField(
        _l("Label prefix"),
        filters=[clean],
        validators=[Length(max=PREFIX_MAX, message=_l("The prefix can be at most %(max)d characters.")),
                    plain_text()],
        description=_l("Optional; written before the number, e.g. A- gives A-01, A-02, …"),
    )
    first_number = IntegerField(
        _l("First number"),
        default=1,
        validators=[InputRequired(_l("Enter the first number.")),
                    NumberRange(min=0, max=FIRST_NUMBER_MAX,
                                message=_l("Enter a number from %(min)d to %(max)d."))],
    )
    count = IntegerField(
        _l("How many beds"),
        default=10,
        validators=[InputRequired(_l("Enter how many beds to add.")),
                    NumberRange(min=1, max=MAX_BULK_BEDS,
                                message=_l("Enter a number from %(min)d to %(max)d."))],
    )
    pad_width = IntegerField(
        _l("Digits"),
        default=2,
        validators=[InputRequired(_l("Enter the number of digits.")),
                    NumberRange(min=1, max=PAD_WIDTH_MAX,
                                message=_l("Enter a number from %(min)d to %(max)d."))],
        description=_l("Numbers are padded with zeros to this width: 2 gives 01, 02, …"),
    )
    wheelchair_accessible = BooleanField(_l("Wheelchair accessible"))
    has_crib = BooleanField(_l("Has a crib"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        longest = len(self.labels()[-1])
        if longest > LABEL_MAX:
            self.label_prefix.errors.append(
                _l("The labels would be %(length)d characters long; the most is %(max)d. Use a shorter prefix.",
                   length=longest, max=LABEL_MAX)
            )
            return False
        return True

    def labels(self) -> list[str]:
        prefix = self.label_prefix.data or ""
        first, width = self.first_number.data, self.pad_width.data
        return [f"{prefix}{n:0{width}d}" for n in range(first, first + self.count.data)]


class BedForm(FlaskForm):
    label = StringField(
        _l("Label"),
        filters=[clean],
        validators=[DataRequired(_l("Enter the bed's label.")),
                    Length(max=LABEL_MAX, message=_l("The label can be at most %(max)d characters.")),
                    plain_text()],
    )
    wheelchair_accessible = BooleanField(_l("Wheelchair accessible"))
    has_crib = BooleanField(_l("Has a crib"))
    out_of_service = BooleanField(_l("Out of service"))
    out_of_service_reason = StringField(
        _l("Reason"),
        filters=[clean],
        validators=[Length(max=200, message=_l("The reason can be at most %(max)d characters.")),
                    plain_text()],
    )
    out_of_service_since = DateField(
        _l("Out of service since"), validators=[Optional()],
        render_kw={"type": "date"},
    )
    out_of_service_until = DateField(
        _l("Expected back (optional)"), validators=[Optional()],
        render_kw={"type": "date"},
    )

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if not self.out_of_service.data:
            return ok
        if not self.out_of_service_reason.data and not self.out_of_service_reason.errors:
            self.out_of_service_reason.errors.append(_l("Enter why the bed is out of service."))
            ok = False
        since, until = self.out_of_service_since.data, self.out_of_service_until.data
        if since is None and not self.out_of_service_since.errors:
            self.out_of_service_since.errors.append(_l("Enter the date the bed went out of service."))
            ok = False
        if since is not None and until is not None and until < since:
            self.out_of_service_until.errors.append(
                _l("The expected return cannot be before the out-of-service date.")
            )
            ok = False
        return ok

    def values(self) -> dict:
        out = bool(self.out_of_service.data)
        return {
            "label": self.label.data,
            "wheelchair_accessible": bool(self.wheelchair_accessible.data),
            "has_crib": bool(self.has_crib.data),
            "out_of_service_reason": self.out_of_service_reason.data if out else None,
            "out_of_service_since": self.out_of_service_since.data if out else None,
            "out_of_service_until": self.out_of_service_until.data if out else None,
        }


def _data(submitted: bool) -> dict:
    # A FlaskForm reads the request by itself when submitted; a blank form must not (several forms
    # share one page, and a POST for one of them must not fill the others).
    return {} if submitted else {"formdata": None}


def bed_form(bed, submitted: bool = False) -> BedForm:
    """The edit form of one bed, prefixed so several rows can be open at once."""
    form = BedForm(obj=bed, prefix=f"bed{bed.id}", **_data(submitted))
    if not submitted:
        form.out_of_service.data = bed.is_out_of_service
    return form


def bulk_beds_form(room, submitted: bool = False) -> BulkBedsForm:
    """Every room on the page has its own bulk form: the prefix keeps field ids unique."""
    return BulkBedsForm(prefix=f"room{room.id}", **_data(submitted))


def room_form(room=None, submitted: bool = False) -> RoomForm:
    if room is None:
        return RoomForm(prefix="newroom", **_data(submitted))
    return RoomForm(obj=room, prefix=f"editroom{room.id}", **_data(submitted))
