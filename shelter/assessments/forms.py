"""Forms for assessments and case notes, and the translated labels of their codes.

The forms check the shape of the input (lengths, choices, a real date, no control characters);
the service checks the rules that need the stay (not before the admission, not in the future) and
the views put its answers next to the fields. What was typed is always kept.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from shelter.assessments.models import DOMAINS, FINDING_MAX, NOTE_MAX
from shelter.facilities.forms import plain_text
from shelter.residents import labels as resident_labels
from shelter.stays.forms import parse_id
from shelter.text import strip

DOMAIN_LABELS = {
    "safety": _l("Safety"),
    "physical_health": _l("Physical health"),
    "mental_health": _l("Mental health"),
    "legal": _l("Legal"),
    "education": _l("Education"),
    "family": _l("Family situation"),
    "economic": _l("Economic"),
}
RECOMMENDATIONS = {
    "rehabilitation": _l("Rehabilitation in this facility"),
    "reunification": _l("Reunification with family"),
    "referral": _l("Referral elsewhere"),
}
NOTE_KINDS = {
    "visit": _l("Visit"),
    "counselling": _l("Counselling"),
    "medical": _l("Medical"),
    "legal": _l("Legal"),
    "other": _l("Other"),
}


def _lookup(table):
    def label(code):
        return table.get(code, code)
    return label


domain_label = _lookup(DOMAIN_LABELS)
recommendation_label = _lookup(RECOMMENDATIONS)
note_kind_label = _lookup(NOTE_KINDS)

TEMPLATE_GLOBALS = {
    "assessment_domain_label": domain_label,
    "recommendation_label": recommendation_label,
    "note_kind_label": note_kind_label,
}

# The service's codes, as the sentence shown next to the field.
DATE_MESSAGES = {
    "required": _l("Enter the date."),
    "in_future": _l("The date cannot be in the future."),
    "before_admission": _l("The date cannot be before the admission."),
    "after_discharge": _l("The date cannot be after the discharge."),
}
PROBLEM_MESSAGES = {
    "too_long": _l("This text is too long."),
    "control_characters": _l("Remove the control characters from this field."),
    "invalid_choice": _l("Choose one of the options."),
    "not_in_stay": _l("The corrected note is not a note of this stay."),
}


def message(field: str, code: str) -> str:
    if field in ("assessed_on", "noted_on"):
        return str(DATE_MESSAGES.get(code, code))
    if field == "findings":
        return str(_l("Write a finding for at least one domain."))
    if field == "body" and code == "required":
        return str(_l("Write the note."))
    if field == "body" and code == "too_long":
        return str(_l("A note can be at most %(max)d characters.", max=NOTE_MAX))
    if field in DOMAINS and code == "too_long":
        return str(_l("A finding can be at most %(max)d characters.", max=FINDING_MAX))
    return str(PROBLEM_MESSAGES.get(code, code))


def options(table) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in table.items()]


def finding_field(domain: str):
    return TextAreaField(
        DOMAIN_LABELS[domain], filters=[strip],
        validators=[Optional(), Length(max=FINDING_MAX, message=_l("A finding can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
        render_kw={"rows": 3, "maxlength": False},
    )


class AssessmentForm(FlaskForm):
    assessed_on = DateField(_l("Date of the assessment"), validators=[InputRequired(_l("Enter the date."))],
                            invalid_value_message=_l("Enter a valid date."))
    safety = finding_field("safety")
    physical_health = finding_field("physical_health")
    mental_health = finding_field("mental_health")
    legal = finding_field("legal")
    education = finding_field("education")
    family = finding_field("family")
    economic = finding_field("economic")
    risk_level = SelectField(_l("Risk level"), choices=options(resident_labels.RISK_LEVELS),
                             validators=[InputRequired(_l("Choose the risk level."))],
                             invalid_choice_message=_l("Choose the risk level."))
    recommendation = SelectField(_l("Recommendation"), choices=options(RECOMMENDATIONS),
                                 validators=[InputRequired(_l("Choose a recommendation."))],
                                 invalid_choice_message=_l("Choose a recommendation."))

    def finding_fields(self):
        return [getattr(self, domain) for domain in DOMAINS]

    def findings(self) -> dict[str, str]:
        return {domain: getattr(self, domain).data or "" for domain in DOMAINS}


class NoteForm(FlaskForm):
    noted_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))],
                         invalid_value_message=_l("Enter a valid date."))
    kind = SelectField(_l("Type"), choices=options(NOTE_KINDS),
                       validators=[InputRequired(_l("Choose the type of note."))],
                       invalid_choice_message=_l("Choose the type of note."))
    body = TextAreaField(
        _l("Note"), filters=[strip],
        validators=[DataRequired(_l("Write the note.")),
                    Length(max=NOTE_MAX, message=_l("A note can be at most %(max)d characters.")),
                    plain_text(multiline=True)],
        # No maxlength in the page: a browser would cut a pasted text silently; the server says
        # what is wrong and gives the whole text back instead.
        render_kw={"rows": 5, "maxlength": False},
        description=_l("At most %(max)d characters. You can edit your note for 24 hours; after that, "
                       "write a new note to correct it.", max=NOTE_MAX),
    )
    corrects = HiddenField()

    @property
    def corrects_id(self) -> int | None:
        return parse_id(self.corrects.data)


def apply_problems(form, problems: dict[str, str]) -> None:
    """Put the service's problems next to the fields (form-wide when there is no such field)."""
    for name, code in problems.items():
        text = message(name, code)
        field = getattr(form, "corrects" if name == "corrects_id" else name, None)
        if field is None or name in ("findings", "corrects_id"):
            form.form_errors.append(text)
        else:
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]
