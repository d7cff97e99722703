"""Forms of the follow-up pages. They parse what was typed; the rules live in ``shelter.followups.service``
and ``apply_problems`` puts its codes next to the fields as messages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import Optional

from shelter.access import MAX_ID
from shelter import text
from shelter.followups import labels, reunification, service
from shelter.text import strip

CODE_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "control_characters": _l("Remove the invisible control characters."),
    "hidden_characters": text.HIDDEN_MESSAGE,
    "invalid_choice": _l("Choose from the list."),
}
FIELD_MESSAGES = {
    ("status", "invalid_choice"): _l("Choose whether the follow-up was done or missed."),
    ("done_on", "required"): _l("Enter the date of the follow-up."),
    ("done_on", "in_future"): _l("The date cannot be in the future."),
    ("done_on", "before_discharge"): _l("The date cannot be before the discharge."),
    ("method", "required"): _l("Choose how the follow-up was done."),
    ("outcome", "required"): _l("Choose the outcome."),
    ("notes", "too_long"): _l("The notes can be at most %(max)d characters.", max=service.NOTES_MAX),
    ("notes", "reason_required"): _l("Write why the follow-up was missed."),
    ("offset_days", "out_of_range"): _l("Enter a number of days from 1 to %(max)d.", max=service.OFFSET_MAX),
    ("offset_days", "duplicate"): _l("There is already a step on that day."),
    ("policy", "last_step"): _l("The policy needs at least one step."),
    ("relation", "who_required"): _l("Choose a family contact or describe who the resident goes to."),
    ("destination", "required"): _l("Enter the kota or kabupaten the resident goes to."),
    ("planned_on", "out_of_range"): _l("Enter a valid date."),
}


def message_for(field_name: str, code: str):
    return FIELD_MESSAGES.get((field_name, code)) or CODE_MESSAGES.get(code) or _l("Check this field.")


def apply_problems(form, problems: dict[str, str]) -> None:
    for name, code in problems.items():
        target = getattr(form, name, None)
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message_for(name, code))
        elif not target.errors:
            target.errors = [*target.errors, message_for(name, code)]


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _blank_first(table) -> list[SelectChoice]:
    return options([("", _l("— choose —"))] + list(table.items()))


class RecordForm(FlaskForm):
    """Recording one follow-up. Prefixed with the follow-up's id, so several on a page keep their ids apart."""

    status = RadioField(_l("Result"), choices=options([("done", _l("Done")), ("missed", _l("Missed (could not reach)"))]),
                        validate_choice=False)
    done_on = DateField(_l("Date"), validators=[Optional()], invalid_value_message=_l("Enter a valid date."))
    method = SelectField(_l("Method"), choices=_blank_first(labels.METHODS), validate_choice=False)
    outcome = RadioField(_l("Outcome"), choices=options(labels.OUTCOMES.items()), validate_choice=False)
    notes = TextAreaField(_l("Notes"), filters=[strip])
    view = HiddenField()

    def to_input(self) -> service.RecordInput:
        return service.RecordInput(status=self.status.data or None, done_on=self.done_on.data,
                                   method=self.method.data or None, outcome=self.outcome.data or None,
                                   notes=self.notes.data or "")


def record_form(followup, *, formdata=None, today=None) -> RecordForm:
    form = RecordForm(formdata=formdata, prefix=f"f{followup.id}")
    if formdata is None:
        form.method.data = followup.planned_method
        form.done_on.data = today
    return form


class AssignForm(FlaskForm):
    caseworker_id = SelectField(_l("Caseworker"), coerce=str, validate_choice=False)
    view = HiddenField()


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    facility = SelectField(_l("Facility"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False,
                         choices=options([("", _l("All")), ("open", _l("Not done yet")), ("overdue", _l("Overdue")),
                                          ("done", _l("Done")), ("missed", _l("Missed"))]))
    outcome = SelectField(_l("Outcome"), validate_choice=False,
                          choices=options([("", _l("All"))] + list(labels.OUTCOMES.items())))
    caseworker = SelectField(_l("Caseworker"), validate_choice=False)
    flagged = SelectField(_l("Flags"), validate_choice=False,
                          choices=options([("", _l("All")), ("waiting", _l("Flagged, awaiting review")),
                                           ("all", _l("Flagged (all)"))]))

    def set_choices(self, facilities, caseworkers) -> None:
        self.facility.choices = options([("", _l("All my facilities"))] + [(str(i), n) for i, n in facilities])
        self.caseworker.choices = options([("", _l("All")), ("none", _l("Not assigned"))]
                                          + [(str(i), n) for i, n in caseworkers])

    def filters(self):
        """The chosen filters; a value that is not among the choices is ignored (never a 500)."""
        from shelter.followups.queries import Filters

        def chosen(field_):
            value = field_.data or ""
            return value if value and value in {str(c.value) for c in field_.choices} else None

        facility = chosen(self.facility)
        return Filters(facility_id=int(facility) if facility else None, status=chosen(self.status),
                       outcome=chosen(self.outcome), caseworker=chosen(self.caseworker),
                       flagged=chosen(self.flagged))

    def query_args(self) -> dict:
        return {name: getattr(self, name).data for name in ("facility", "status", "outcome", "caseworker", "flagged")
                if getattr(self, name).data}


class StepForm(FlaskForm):
    offset_days = IntegerField(_l("Days after discharge"), validators=[Optional()],
                               invalid_value_message=_l("Enter a whole number of days."))
    method = SelectField(_l("Planned method"), choices=options(labels.METHODS.items()), validate_choice=False)


class PlanForm(FlaskForm):
    family_contact_id = SelectField(_l("Family contact"), validate_choice=False)
    relation = StringField(_l("Who (relation), if not a family contact above"), filters=[strip])
    destination = StringField(_l("Where: kota or kabupaten"), filters=[strip])
    family_assessment = TextAreaField(_l("Family assessment"), filters=[strip])
    planned_on = DateField(_l("Planned date (optional)"), validators=[Optional()],
                           invalid_value_message=_l("Enter a valid date."))
    version = HiddenField()

    def set_contacts(self, contacts) -> None:
        self.family_contact_id.choices = options([("", _l("— none, described below —"))] + [
            (str(c.id), f"{c.name} ({c.relationship_to_resident})" if c.relationship_to_resident else c.name)
            for c in contacts])

    def to_input(self) -> reunification.PlanInput:
        raw = self.family_contact_id.data or ""
        contact_id = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= MAX_ID else None
        if raw and contact_id is None:
            contact_id = -1  # not one of the resident's contacts: the service says so
        return reunification.PlanInput(family_contact_id=contact_id, relation=self.relation.data or "",
                                 destination=self.destination.data or "",
                                 family_assessment=self.family_assessment.data or "",
                                 planned_on=self.planned_on.data)

    def expected_version(self) -> int | None:
        raw = self.version.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
