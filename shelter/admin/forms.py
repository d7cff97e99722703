"""Forms of the users administration pages. Choices that come from the database are set by the view."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, Length, Optional

from shelter.admin import service
from shelter.auth.forms import new_password_rules
from shelter.auth.service import normalise_email
from shelter.formfields import AtLeastOne, CheckboxListField, PrintableText, options
from shelter.labels import ROLES
from shelter import text
from shelter.text import clean, strip


def name_field():
    return StringField(_l("Full name"), filters=[clean], validators=[
        DataRequired(_l("Enter the full name.")), Length(max=120, message=_l("At most %(max)d characters.")),
        PrintableText(text.NAME_HIDDEN_MESSAGE),
    ])


def roles_field():
    return CheckboxListField(_l("Roles"), choices=options(ROLES.items()), validators=[
        AtLeastOne(_l("Choose at least one role.")),
    ])


def facilities_field():
    return CheckboxListField(_l("Facilities"), coerce=int, choices=[])


def phone_field():
    return StringField(_l("Phone (optional)"), filters=[strip], validators=[
        Optional(), Length(max=40, message=_l("At most %(max)d characters.")),
    ])


class UserDetailsForm(FlaskForm):
    full_name = name_field()
    roles = roles_field()
    facilities = facilities_field()
    phone = phone_field()

    def set_facility_choices(self, facility_choices):
        self.facilities.choices = options((int(value), label) for value, label in facility_choices)

    def validate_phone(self, field):
        try:
            field.e164 = service.parse_phone(field.data)
        except service.InvalidPhone:
            raise ValidationError(_l("Enter a valid phone number, for example 0812 3456 7890 or +62 812 3456 7890.")) from None


class CreateUserForm(UserDetailsForm):
    email = EmailField(_l("Email"), filters=[clean], validators=[
        DataRequired(_l("Enter an email address.")),
        Length(max=254, message=_l("At most %(max)d characters.")), PrintableText(),
        Email(_l("Enter a valid email address, for example nama@dinsos.jakarta.go.id.")),
    ])
    password = PasswordField(_l("Initial password"), validators=new_password_rules())

    def validate_email(self, field):
        if len(normalise_email(field.data)) > 254:  # lowercasing can lengthen some letters
            raise ValidationError(_l("At most %(max)d characters.", max=254))


class EditUserForm(UserDetailsForm):
    pass


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New initial password"), validators=new_password_rules())


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a button that confirms an action."""


STATUS_CHOICES = options([("", _l("Active and inactive")), ("active", _l("Active")), ("inactive", _l("Inactive"))])


class UserFilterForm(FlaskForm):
    """The filters above the users table; read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Name or email"), filters=[clean], validators=[
        Optional(), Length(max=100, message=_l("At most %(max)d characters.")), PrintableText(),
    ])
    role = SelectField(_l("Role"), choices=options([("", _l("All roles")), *ROLES.items()]),
                       validate_choice=True, default="")
    facility = SelectField(_l("Facility"), choices=[], default="")
    status = SelectField(_l("Status"), choices=STATUS_CHOICES, default="")

    def set_facility_choices(self, facility_choices):
        self.facility.choices = options([("", _l("All facilities")), *facility_choices])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in (self.role, self.facility, self.status):
            if f.errors:
                f.errors[:] = [_l("Choose from the list.")]
        return ok
