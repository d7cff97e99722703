"""Forms of the partner pages. The rules live in ``partners.validate``; these forms carry what was
typed and show the service's problems next to the fields (``show_problems``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from shelter import text
from shelter.formfields import options
from shelter.labels import KOTA
from shelter.referrals.partner_labels import PARTNER_KINDS

STATUS_CHOICES = [("", _l("Active and inactive")), ("active", _l("Active")), ("inactive", _l("Inactive"))]

# Problem codes of the services → the message next to the field.
MESSAGES = {
    "required": _l("This is required."),
    "taken": _l("A partner with this name already exists."),
    "too_long": _l("This is too long."),
    "hidden_characters": text.HIDDEN_MESSAGE,
    "control_characters": text.CONTROL_MESSAGE,
    "phone_format": _l("Enter a valid phone number, for example 0812 3456 7890 or +62 812 3456 7890."),
    "email_format": _l("Enter a valid email address, for example nama@dinsos.jakarta.go.id."),
    "invalid_choice": _l("Choose from the list."),
    "invalid": _l("This value is not valid."),
}
REQUIRED = {
    "name": _l("Enter the partner's name."),
    "kind": _l("Choose the kind of partner."),
}


def show_problems(form, problems: dict[str, str], messages=MESSAGES, required=REQUIRED) -> None:
    """Put each problem's message on its field (a problem without a field goes to the form)."""
    for name, code in problems.items():
        message = required.get(name) if code == "required" and name in required else messages.get(code, messages["invalid"])
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


class PartnerForm(FlaskForm):
    name = StringField(_l("Name"), filters=[text.clean])
    kind = SelectField(_l("Kind"), choices=options([("", _l("Choose…")), *PARTNER_KINDS.items()]),
                       validate_choice=False, default="")
    kota = SelectField(_l("Kota"), choices=options([("", _l("Not in one kota")), *KOTA.items()]),
                       validate_choice=False, default="")
    contact_name = StringField(_l("Contact person (optional)"), filters=[text.clean])
    contact_phone = StringField(_l("Contact phone (optional)"), filters=[text.strip])
    contact_email = StringField(_l("Contact email (optional)"), filters=[text.clean])


class PartnerFilterForm(FlaskForm):
    """The filters above the partners table; read from the query string."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Kind"), choices=options([("", _l("All kinds")), *PARTNER_KINDS.items()]), default="")
    kota = SelectField(_l("Kota"), choices=options([("", _l("All kota")), *KOTA.items()]), default="")
    status = SelectField(_l("Status"), choices=options(STATUS_CHOICES), default="")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in (self.kind, self.kota, self.status):
            if f.errors:
                f.errors[:] = [_l("Choose from the list.")]
        return ok


class TokenForm(FlaskForm):
    name = StringField(_l("Name of the token"), filters=[text.clean])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that confirms an action."""
