"""Forms for programmes and enrolments. Shapes and lengths here; the rules (dates, capacity, eligibility)
in ``programmes.service``, whose problems the views put next to the fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField,
                     TimeField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from shelter.formfields import choices
from shelter.facilities.forms import plain_text
from shelter.programmes import service
from shelter import text
from shelter.text import strip

WEEKDAYS = {1: _l("Monday"), 2: _l("Tuesday"), 3: _l("Wednesday"), 4: _l("Thursday"), 5: _l("Friday"),
            6: _l("Saturday"), 7: _l("Sunday")}
SEXES = {"": _l("Anyone"), "female": _l("Women and girls only"), "male": _l("Men and boys only")}

PROBLEM_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "control_characters": _l("Remove the control characters from this field."),
    "hidden_characters": text.HIDDEN_MESSAGE,
    "out_of_range": _l("This number is out of range."),
    "before_start": _l("The end date cannot be before the start date."),
    "invalid_choice": _l("Choose one of the options."),
    "below_min_age": _l("The maximum age cannot be below the minimum age."),
    "below_enrolled": _l("More residents already hold a place than this capacity."),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeForm(FlaskForm):
    facility_id = SelectField(_l("Facility"), coerce=int, validators=[InputRequired(_l("Choose the facility."))])
    name = StringField(_l("Name"), filters=[strip],
                       validators=[DataRequired(_l("Enter the name.")),
                                   Length(max=service.NAME_MAX, message=_l("At most %(max)d characters.")),
                                   plain_text()])
    description = TextAreaField(_l("Description"), filters=[strip],
                                validators=[Length(max=service.DESCRIPTION_MAX,
                                                   message=_l("At most %(max)d characters.")),
                                            plain_text(multiline=True)])
    trainer = StringField(_l("Trainer"), filters=[strip],
                          validators=[Length(max=service.TRAINER_MAX, message=_l("At most %(max)d characters.")),
                                      plain_text()])
    capacity = IntegerField(_l("Capacity (places)"), validators=[
        InputRequired(_l("Enter the number of places.")),
        NumberRange(1, service.MAX_CAPACITY, message=_l("From %(min)d to %(max)d places."))])
    starts_on = DateField(_l("First day"), validators=[InputRequired(_l("Enter a date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(_l("Enter a date."))])
    weekdays = MultiCheckboxField(_l("Days of the week"), coerce=int,
                                  choices=choices(WEEKDAYS),
                                  validators=[DataRequired(_l("Choose at least one day."))])
    start_time = TimeField(_l("Start time (WIB)"), validators=[InputRequired(_l("Enter a time."))])
    duration_minutes = IntegerField(_l("Duration (minutes)"), default=120, validators=[
        InputRequired(_l("Enter the duration.")),
        NumberRange(1, service.MAX_DURATION, message=_l("From %(min)d to %(max)d minutes."))])
    eligible_sex = SelectField(_l("Who may join"), choices=choices(SEXES), default="")
    min_age = IntegerField(_l("Minimum age"), validators=[
        Optional(), NumberRange(0, service.MAX_AGE, message=_l("From %(min)d to %(max)d years."))])
    max_age = IntegerField(_l("Maximum age"), validators=[
        Optional(), NumberRange(0, service.MAX_AGE, message=_l("From %(min)d to %(max)d years."))])

    def to_input(self) -> service.ProgrammeInput:
        return service.ProgrammeInput(
            name=self.name.data or "", description=self.description.data or "", trainer=self.trainer.data or "",
            capacity=self.capacity.data, starts_on=self.starts_on.data, ends_on=self.ends_on.data,
            weekdays=list(self.weekdays.data or []), start_time=self.start_time.data,
            duration_minutes=self.duration_minutes.data, eligible_sex=self.eligible_sex.data or None,
            min_age=self.min_age.data, max_age=self.max_age.data)

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, code in problems.items():
            target = getattr(self, name, None)
            message = PROBLEM_MESSAGES.get(code, PROBLEM_MESSAGES["invalid_choice"])
            if target is not None:
                target.errors = [*target.errors, message]
            else:
                self.form_errors.append(message)


class EnrolForm(FlaskForm):
    resident_id = SelectField(_l("Resident"), coerce=int, validate_choice=False,
                              validators=[InputRequired(_l("Choose a resident."))])
    override_reason = TextAreaField(
        _l("Reason, if the programme's restrictions do not fit"), filters=[strip],
        validators=[Length(max=service.REASON_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)])
