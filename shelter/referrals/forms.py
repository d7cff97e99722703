"""Forms of the referral pages. They parse what was typed (numbers, times, choices); the rules of a
referral live once in ``referrals.rules`` (the same for the form, the API and the partners' API), and
``apply_problems`` puts the rules' codes next to the fields as messages.

Children coming along are ten fixed rows of age and sex (three shown, the rest behind "more
children"): a row counts when something is typed in it. Times are typed as wall-clock WIB
(``datetime-local``) and kept in UTC.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, DateTimeLocalField, FieldList, Form, FormField, HiddenField, IntegerField,
                     RadioField, SelectField, StringField, TextAreaField)
from wtforms.validators import Optional

from shelter import text
from shelter.formfields import CheckboxListField, choices, options
from shelter.referrals import labels
from shelter.referrals.models import AGE_BANDS
from shelter.referrals.rules import CLOSING_OUTCOMES, MAX_CHILDREN, ChildInput, ReferralInput
from shelter.residents import forms as resident_forms, labels as resident_labels
from shelter.stays.forms import from_local_input, parse_id, to_local_input

SHOWN_CHILD_ROWS = 3
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
SEX_CHOICES = {"": _l("Choose…"), "female": _l("Girl"), "male": _l("Boy")}

CODE_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "control_characters": _l("Remove the invisible control characters."),
    "hidden_characters": text.HIDDEN_MESSAGE,
    "invalid_choice": _l("Choose from the list."),
    "invalid": _l("Check this field."),
}
FIELD_MESSAGES = {
    ("partner_id", "unknown_partner"): _l("Choose the referring partner from the list."),
    ("urgency", "invalid_choice"): _l("Choose how urgent the referral is."),
    ("sex", "invalid_choice"): _l("Choose female or male."),
    ("referred_at", "in_future"): _l("The time of the referral cannot be in the future."),
    ("referred_at", "too_old"): _l("Check the time of the referral: it is more than a year ago."),
    ("age", "out_of_range"): _l("Enter an age from 0 to 120 years."),
    ("age", "age_required"): _l("Enter the age or, if it is not known, choose an age band."),
    ("age_band", "contradicts_age"): _l("The age band does not match the age."),
    ("children", "too_many"): _l("At most %(max)d children can come along.", max=MAX_CHILDREN),
    ("children", "child_age"): _l("Give each child's age, from 0 to 17 years."),
    ("children", "child_sex"): _l("Choose each child's sex."),
    ("children", "child_name"): _l("Check the children's names."),
    ("categories", "adult_category_for_child"): _l("An adult's category was chosen for a child: check the age "
                                                   "and the categories."),
    ("categories", "child_category_for_adult"): _l("A child's category was chosen for an adult: check the age "
                                                   "and the categories."),
    ("categories", "elderly_category_too_young"): _l("The neglected elderly category is for people aged 60 or "
                                                     "older."),
    ("consent_by", "required"): _l("Say who gave consent."),
    ("consent_by", "child_needs_guardian_consent"): _l("A child cannot consent alone: consent comes from a parent "
                                                       "or guardian, the PPA officer or a social worker."),
    ("consent_method", "required"): _l("Say how consent was given."),
    ("officer_phone", "phone_format"): _l("This is not a valid phone number. Use a number such as 0812 5550 199 "
                                          "or +62 21 555 0199."),
    ("person_nik", "nik_format"): _l("A NIK has exactly 16 digits. Leave it empty if the person has none or it is "
                                     "not known."),
    ("pregnant", "contradicts_sex"): _l("Pregnancy is ticked for a man: check the sex."),
    ("respond_by", "required"): _l("Enter the deadline for an answer."),
    ("respond_by", "in_past"): _l("This deadline has already passed: choose a later time."),
    ("respond_by", "too_far"): _l("The deadline can be at most 48 hours from now."),
    ("outcome", "required"): _l("Choose the outcome."),
    ("reason", "required"): _l("Give the reason."),
    ("note", "required"): _l("Say in a few words why."),
    ("name", "unknown_resident"): _l("Choose the person from the list."),
    ("name", "already_admitted"): _l("This person is already staying in a facility."),
    ("name", "room_rules"): _l("The room's rules do not fit this person."),
}


def message_for(field_name: str, code: str):
    base = field_name.split(".", 1)[0]
    if base.startswith("child_"):
        base = "name"
    return (FIELD_MESSAGES.get((field_name, code)) or FIELD_MESSAGES.get((base, code))
            or resident_forms.FIELD_MESSAGES.get((base, code)) or CODE_MESSAGES.get(code) or _l("Check this field."))


def apply_problems(form, problems: dict[str, str]) -> None:
    """The rules' problems next to their fields (a field showing a parsing error keeps only that one);
    a problem without a field of its own goes to the top of the form."""
    for name, code in problems.items():
        target = form.problem_target(name) if hasattr(form, "problem_target") else getattr(form, name, None)
        if target is None:
            form.form_errors.append(message_for(name, code))
        elif not target.errors:
            target.errors = [*target.errors, message_for(name, code)]


def wib_time_field(label, **kwargs) -> DateTimeLocalField:
    return DateTimeLocalField(label, format=TIME_FORMATS, validators=[Optional()],
                              invalid_value_message=_l("Enter a date and a time."), **kwargs)


def utc_or_none(field) -> datetime | None:
    return from_local_input(field.data) if field.data is not None and not field.errors else None


# --- recording a referral --------------------------------------------------------------------------------

class ChildRow(Form):
    age = IntegerField(_l("Age"), validators=[Optional()],
                       invalid_value_message=_l("Enter the age as a whole number of years."))
    sex = SelectField(_l("Sex"), choices=choices(SEX_CHOICES), validate_choice=False)

    @property
    def filled(self) -> bool:
        return self.age.raw_data not in (None, [], [""]) or bool(self.sex.data)


class ReferralForm(FlaskForm):
    partner_id = SelectField(_l("Referring partner"), choices=[], validate_choice=False)
    partner_reference = StringField(_l("Partner's reference number (optional)"), filters=[text.strip])
    referred_at = wib_time_field(_l("Referred at (WIB)"))
    urgency = RadioField(_l("Urgency"), choices=choices(labels.URGENCIES), validate_choice=False)
    sex = RadioField(_l("Sex"), choices=choices(resident_labels.SEXES), validate_choice=False)
    age = IntegerField(_l("Age in years"), validators=[Optional()],
                       invalid_value_message=_l("Enter the age as a whole number of years."))
    age_band = SelectField(_l("Or an age band, if the age is not known"),
                           choices=choices({"": _l("Choose…"), **labels.AGE_BAND_LABELS}), validate_choice=False)
    children = FieldList(FormField(ChildRow), min_entries=MAX_CHILDREN, max_entries=MAX_CHILDREN)
    wheelchair = BooleanField(_l("Uses a wheelchair"))
    pregnant = BooleanField(_l("Pregnant"))
    high_risk = BooleanField(_l("High risk (may be pursued)"))
    categories = CheckboxListField(_l("Protection categories"), choices=choices(resident_labels.CATEGORIES))
    consent_by = RadioField(_l("Consent given by"), choices=choices(labels.CONSENT_BY), validate_choice=False)
    consent_method = RadioField(_l("How consent was given"), choices=choices(labels.CONSENT_METHODS),
                                validate_choice=False)
    consent_note = StringField(_l("Note on consent (optional)"), filters=[text.strip])
    summary = TextAreaField(_l("Summary"), filters=[text.strip])
    officer_name = StringField(_l("Referring officer"), filters=[text.strip])
    officer_phone = StringField(_l("Officer's phone"), filters=[text.strip])
    person_name = StringField(_l("Name of the person (optional)"), filters=[text.strip])
    person_nik = StringField(_l("NIK (optional)"), filters=[text.strip])

    def __init__(self, *args, partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.partner_id.choices = options([("", _l("Choose…"))] + [(str(p.id), p.name) for p in partners])
        self.children_errors: list = []

    def problem_target(self, name: str):
        if name == "children":
            return _ChildrenErrors(self.children_errors)
        return getattr(self, name, None)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for row in self.children:
            child = row.form
            if child.filled and not child.age.errors and (child.age.data is None or not child.sex.data):
                child.age.errors = [*child.age.errors, _l("Give this child's age and sex.")]
                ok = False
        if not ok:
            self.children.errors = [row.form.errors for row in self.children if row.form.errors]
        return ok

    def child_rows(self):
        """(row number, row form, shown without opening "more children")."""
        return [(i, row.form, i <= SHOWN_CHILD_ROWS) for i, row in enumerate(self.children, start=1)]

    @property
    def more_children_open(self) -> bool:
        return any(row.form.filled or row.form.age.errors for row in list(self.children)[SHOWN_CHILD_ROWS:])

    def to_input(self) -> ReferralInput:
        """What was typed, for the rules (which check it). Unparsable values become None."""
        children = [ChildInput(age=row.form.age.data if not row.form.age.errors else None, sex=row.form.sex.data or "")
                    for row in self.children if row.form.filled]
        return ReferralInput(
            partner_id=parse_id(self.partner_id.data), urgency=self.urgency.data or "", sex=self.sex.data or "",
            consent_by=self.consent_by.data or "", consent_method=self.consent_method.data or "",
            referred_at=utc_or_none(self.referred_at), partner_reference=self.partner_reference.data or "",
            age=self.age.data if not self.age.errors else None,
            age_band=self.age_band.data if self.age_band.data in AGE_BANDS else None,
            children=children, wheelchair=bool(self.wheelchair.data), pregnant=bool(self.pregnant.data),
            high_risk=bool(self.high_risk.data),
            categories=[c for c in (self.categories.data or []) if isinstance(c, str)],
            consent_note=self.consent_note.data or "", summary=self.summary.data or "",
            officer_name=self.officer_name.data or "", officer_phone=self.officer_phone.data or None,
            person_name=self.person_name.data or None, person_nik=self.person_nik.data or None,
        )

    def category_groups(self):
        by_value = {option.data: option for option in self.categories}
        return [(key, legend, [by_value[c] for c in codes if c in by_value])
                for key, legend, codes in resident_labels.CATEGORY_GROUPS]


class _ChildrenErrors:
    """Lets ``apply_problems`` add the rules' one message about the children to the children's fieldset."""

    def __init__(self, errors: list):
        self._errors = errors

    @property
    def errors(self):
        return list(self._errors)

    @errors.setter
    def errors(self, value):
        self._errors[:] = value


def new_referral_form(partners, now: datetime, *, submitted: bool) -> ReferralForm:
    if submitted:
        return ReferralForm(partners=partners)
    form = ReferralForm(formdata=None, partners=partners)
    form.referred_at.data = to_local_input(now)
    return form


# --- placement, decisions, closing, the waitlist ----------------------------------------------------------

class OfferForm(FlaskForm):
    facility_id = HiddenField()
    room_id = HiddenField()
    respond_by = wib_time_field(_l("Answer needed by (WIB)"))
    note = StringField(_l("Note for the facility (optional)"), filters=[text.strip],
                       description=_l("Do not write the person's name here."))


class CloseForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), choices=choices({"": _l("Choose…"),
                                                          **{c: labels.OUTCOMES[c] for c in CLOSING_OUTCOMES}}),
                          validate_choice=False)
    note = StringField(_l("Note (optional)"), filters=[text.strip])


class DeclineForm(FlaskForm):
    reason = SelectField(_l("Reason"), choices=choices({"": _l("Choose…"), **labels.DECLINE_REASONS}),
                         validate_choice=False)
    note = StringField(_l("Note"), filters=[text.strip],
                       description=_l("Required for “other reason”. It goes to the case manager."))


class ReorderForm(FlaskForm):
    step = HiddenField()
    reason = StringField(_l("Reason for the change"), filters=[text.strip])

    def step_value(self) -> int | None:
        return {"up": 1, "down": -1}.get(self.step.data or "")


class WaitlistForm(FlaskForm):
    note = StringField(_l("Note (optional)"), filters=[text.strip])


class AcceptForm(FlaskForm):
    """Who the held beds are for: the person (new, by name, or an existing resident) and each child."""

    person = RadioField(_l("The person"), choices=options([("new", _l("Register as a new resident"))]),
                        validate_choice=False, default="new")
    name = StringField(_l("Full name"), filters=[text.strip])
    children = FieldList(StringField(_l("Child's full name"), filters=[text.strip]), min_entries=0,
                         max_entries=MAX_CHILDREN)

    def set_matches(self, matches) -> None:
        self.person.choices = options([("new", _l("Register as a new resident"))]
                                      + [(str(r.id), r.full_name) for r in matches])

    def problem_target(self, name: str):
        if name.startswith("child_"):
            number = parse_id(name.split(".", 1)[0].removeprefix("child_"))
            entries = list(self.children)
            return entries[number - 1] if number is not None and number <= len(entries) else None
        return self.name if name.split(".", 1)[0] == "name" else None

    def chosen_resident_id(self) -> int | None:
        return None if self.person.data in (None, "", "new") else parse_id(self.person.data)


def accept_form(referral, matches, *, submitted: bool) -> AcceptForm:
    if submitted:
        form = AcceptForm()
    else:
        form = AcceptForm(formdata=None, data={"person": "new", "name": referral.person_name or "",
                                               "children": [c.name or "" for c in referral.children]})
    while len(form.children) < len(referral.children):
        form.children.append_entry("")
    while len(form.children) > len(referral.children):
        form.children.pop_entry()
    for number, entry in enumerate(form.children, start=1):
        entry.label.text = _l("Name of child %(number)d", number=number)
    form.set_matches(matches)
    return form
