"""Find-a-bed's question."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from shelter.formfields import choices

MAX_CHILDREN = 15


class FindBedForm(FlaskForm):
    """Find-a-bed's question. A GET form: no CSRF (it changes nothing) and nothing identifying."""

    class Meta:
        csrf = False

    sex = SelectField(_l("Sex"), choices=choices({"female": _l("Female"), "male": _l("Male")}),
                      validators=[InputRequired(_l("Choose the sex."))])
    age = IntegerField(_l("Age (years)"),
                       validators=[InputRequired(_l("Enter the age in years.")),
                                   NumberRange(min=0, max=120, message=_l("Enter a number from %(min)d to %(max)d."))])
    children = IntegerField(_l("Accompanying children"), default=0,
                            validators=[Optional(),
                                        NumberRange(min=0, max=MAX_CHILDREN, message=_l("Enter a number from %(min)d to %(max)d."))])
    wheelchair = BooleanField(_l("Needs wheelchair access"))
    high_risk = BooleanField(_l("High risk (a Rumah Aman first)"))
