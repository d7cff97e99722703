from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, ValidationError
from wtforms.validators import DataRequired, EqualTo, Length

from shelter.auth.passwords import MAX_LENGTH, MIN_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address.")), Length(max=254)])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")),
                    Length(max=MAX_LENGTH, message=_l("Password is too long."))],
    )


def new_password_rules():
    return [
        DataRequired(_l("Enter a new password.")),
        Length(min=MIN_LENGTH, max=MAX_LENGTH,
               message=_l("The password must be between %(min)d and %(max)d characters.")),
    ]


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=new_password_rules())
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo("new_password", message=_l("The two passwords do not match."))],
    )

    def validate_new_password(self, field):
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class CodeForm(FlaskForm):
    """The second step of a login: a code from the authenticator app, or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(_l("Enter the code from your authenticator app.")),
                                               Length(max=32, message=_l("That is not a code."))])
    remember = BooleanField(_l("Remember this browser for 30 days"))


class EnrolForm(FlaskForm):
    code = StringField(_l("Code from the app"),
                       validators=[DataRequired(_l("Enter the code from your authenticator app.")),
                                   Length(max=32, message=_l("That is not a code."))])

