"""Forms of the plan pages. They check the shape of what was typed (lengths, choices, real dates, no
control characters); the rules (target dates not in the past, review dates, the responsible worker
belongs to the facility) live in ``plans.service`` and come back as field messages."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, FieldList, Form, FormField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from shelter.formfields import choices
from shelter.facilities.forms import plain_text
from shelter.plans import service
from shelter.plans.models import GoalDomain, GoalStatus
from shelter.stays.forms import parse_id
from shelter.text import strip

DOMAINS = {
    GoalDomain.FAMILY.value: _l("Family support and reunification"),
    GoalDomain.VOCATIONAL.value: _l("Vocational training"),
    GoalDomain.THERAPY.value: _l("Therapy (physical, psychosocial, mental)"),
    GoalDomain.SOCIAL_CARE.value: _l("Social care and upbringing"),
    GoalDomain.ASSISTIVE_AID.value: _l("Assistive aid and social assistance"),
    GoalDomain.BASIC_NEEDS.value: _l("Basic needs"),
    GoalDomain.LEGAL.value: _l("Legal aid"),
    GoalDomain.EDUCATION.value: _l("Education"),
}

GOAL_STATUSES = {
    GoalStatus.PLANNED.value: _l("Planned"),
    GoalStatus.IN_PROGRESS.value: _l("In progress"),
    GoalStatus.ACHIEVED.value: _l("Achieved"),
    GoalStatus.DROPPED.value: _l("Dropped"),
}

PLAN_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "closed": _l("Closed"),
}


def domain_label(code: str | None) -> str:
    return str(DOMAINS.get(code, code or ""))


def goal_status_label(code: str | None) -> str:
    return str(GOAL_STATUSES.get(code, code or ""))


def plan_status_label(code: str | None) -> str:
    return str(PLAN_STATUSES.get(code, code or ""))


class LocalDateField(DateField):
    """A date field whose unreadable input gets our own (translated) message."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        kwargs.setdefault("render_kw", {"type": "date"})
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message or _l("Enter a date like 2026-12-31.")

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip()
        try:
            self.data = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(str(self.invalid_message)) from None


def _choice_of(table, message):
    def check(form, field):
        if field.data not in table:
            raise ValidationError(message)
    return check


class GoalFields:
    """The fields of a goal, shared by the goal form and the review's new-goal part."""

    domain = SelectField(_l("Domain (ATENSI)"), choices=choices({"": _l("Choose…"), **DOMAINS}),
                         validators=[_choice_of(DOMAINS, _l("Choose the domain of this goal."))])
    description = TextAreaField(
        _l("Goal"), filters=[strip],
        validators=[InputRequired(_l("Describe the goal.")),
                    Length(max=service.DESCRIPTION_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)],
        description=_l("What should be different for the resident, in words they would recognise."))
    interventions = TextAreaField(
        _l("Interventions"), filters=[strip],
        validators=[Length(max=service.INTERVENTIONS_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)],
        description=_l("What the team will do: sessions, referrals, training, visits."))
    responsible_id = SelectField(_l("Responsible worker"), choices=[], validate_choice=False)
    target_date = LocalDateField(_l("Target date"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=choices(GOAL_STATUSES),
                         validators=[_choice_of(GOAL_STATUSES, _l("Choose a status from the list."))])

    def set_workers(self, workers) -> None:
        self.responsible_id.choices = [("", _l("Nobody yet"))] + [(str(u.id), u.full_name) for u in workers]

    def validate_responsible_id(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError(_l("Choose a worker of this facility."))

    def goal_input(self) -> service.GoalInput:
        return service.GoalInput(
            domain=self.domain.data, description=self.description.data or "",
            interventions=self.interventions.data or "", responsible_id=parse_id(self.responsible_id.data),
            target_date=self.target_date.data, status=self.status.data or GoalStatus.PLANNED.value)


class GoalForm(GoalFields, FlaskForm):
    pass


class NewGoalForm(GoalFields, Form):
    """The review's optional new goal: left empty, nothing is added."""

    domain = SelectField(_l("Domain (ATENSI)"), choices=choices({"": _l("Choose…"), **DOMAINS}))
    description = TextAreaField(
        _l("Goal"), filters=[strip],
        validators=[Length(max=service.DESCRIPTION_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)])

    def is_empty(self) -> bool:
        return not self.description.data and not self.domain.data

    def validate(self, extra_validators=None) -> bool:
        if self.is_empty():
            return True  # no new goal: its other fields (status, worker) do not matter
        ok = super().validate(extra_validators)
        if self.domain.data not in DOMAINS:
            self.domain.errors = [*self.domain.errors, _l("Choose the domain of this goal.")]
            ok = False
        if not self.description.data:
            self.description.errors = [*self.description.errors, _l("Describe the goal.")]
            ok = False
        return ok


class GoalProgressForm(Form):
    goal_id = HiddenField()
    status = SelectField(_l("Status"), choices=choices(GOAL_STATUSES),
                         validators=[_choice_of(GOAL_STATUSES, _l("Choose a status from the list."))])
    note = TextAreaField(_l("Progress note"), filters=[strip],
                         validators=[Length(max=service.NOTE_MAX, message=_l("At most %(max)d characters.")),
                                     plain_text(multiline=True)])
    target_date = LocalDateField(_l("Target date"), validators=[Optional()])
    interventions = TextAreaField(
        _l("Interventions"), filters=[strip],
        validators=[Length(max=service.INTERVENTIONS_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)])


class ReviewForm(FlaskForm):
    reviewed_on = LocalDateField(_l("Date of the review"),
                                 validators=[InputRequired(_l("Enter the date of the review."))])
    summary = TextAreaField(
        _l("Summary of the review"), filters=[strip],
        validators=[Length(max=service.SUMMARY_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)],
        description=_l("Who took part (the resident, family, team) and what was agreed."))
    goals = FieldList(FormField(GoalProgressForm), min_entries=0, max_entries=service.MAX_GOALS)
    new_goal = FormField(NewGoalForm)

    def review_input(self) -> service.ReviewInput:
        progress = [service.GoalProgress(goal_id=parse_id(entry.goal_id.data) or 0, status=entry.status.data,
                                         note=entry.note.data or "", target_date=entry.target_date.data,
                                         interventions=entry.interventions.data or "")
                    for entry in self.goals]
        new_goal = None if self.new_goal.is_empty() else self.new_goal.goal_input()
        return service.ReviewInput(reviewed_on=self.reviewed_on.data, summary=self.summary.data or "",
                                   progress=progress, new_goal=new_goal)


class SendBackForm(FlaskForm):
    note = TextAreaField(
        _l("What needs to change"), filters=[strip],
        validators=[InputRequired(_l("Say what needs to change.")),
                    Length(max=service.NOTE_MAX, message=_l("At most %(max)d characters.")),
                    plain_text(multiline=True)])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
