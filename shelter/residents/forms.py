"""Forms of the resident pages. They parse what was typed (dates, numbers, choices); the rules about
a resident (NIK, ages, lengths, guardians) live once in ``shelter.residents.service``, and
``apply_problems`` puts the service's codes next to the fields as messages.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, HiddenField, IntegerField, RadioField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField, ValidationError)
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from shelter.access import MAX_ID
from shelter.residents import labels, service
from shelter.residents.queries import SEARCH_MAX
from shelter.residents.service import FamilyContactInput, NoContactInput, ResidentInput
from shelter import text
from shelter.text import clean, strip



# Messages for the service's problem codes. A field may have its own wording (``FIELD_MESSAGES``);
# otherwise the code's general message is used.
CODE_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This is too long."),
    "control_characters": _l("Remove the invisible control characters."),
    "hidden_characters": text.HIDDEN_MESSAGE,
    "invalid_choice": _l("Choose from the list."),
}
FIELD_MESSAGES = {
    ("full_name", "required"): _l("Enter the full name. If the name is not known, write how the person is known, "
                                  "for example a call name."),
    ("full_name", "too_long"): _l("The full name can be at most %(max)d characters.", max=service.NAME_MAX),
    ("full_name", "hidden_characters"): text.NAME_HIDDEN_MESSAGE,
    ("name", "hidden_characters"): text.NAME_HIDDEN_MESSAGE,
    ("alias", "too_long"): _l("The call name can be at most %(max)d characters.", max=service.ALIAS_MAX),
    ("sex", "invalid_choice"): _l("Choose female or male."),
    ("birth_date", "age_required"): _l("Enter the date of birth or, if it is not known, an estimated age."),
    ("birth_date", "in_future"): _l("The date of birth cannot be in the future."),
    ("birth_date", "too_old"): _l("Check the date of birth: it is more than %(max)d years ago.",
                                  max=service.MAX_AGE),
    ("estimated_age", "out_of_range"): _l("Enter an age from 0 to %(max)d years.", max=service.MAX_AGE),
    ("nik", "nik_format"): _l("A NIK has exactly 16 digits. Leave it empty if the person has none or it is "
                              "not known."),
    ("kota_of_origin", "too_long"): _l("The kota of origin can be at most %(max)d characters.",
                                       max=service.KOTA_MAX),
    ("risk_level", "invalid_choice"): _l("Choose the risk level."),
    ("categories", "invalid_choice"): _l("Choose categories from the list."),
    ("disabilities", "too_long"): _l("The description of disabilities can be at most %(max)d characters.",
                                     max=service.DISABILITIES_MAX),
    ("guardian_id", "unknown"): _l("Choose the mother or guardian from the search results."),
    ("guardian_id", "self"): _l("A resident cannot be their own mother or guardian."),
    ("guardian_id", "loop"): _l("This resident is already the mother or guardian of the person chosen."),
    ("name", "required"): _l("Enter the name."),
    ("name", "too_long"): _l("The name can be at most %(max)d characters.", max=service.NAME_MAX),
    ("relationship", "too_long"): _l("The relationship can be at most %(max)d characters.",
                                     max=service.RELATIONSHIP_MAX),
    ("phone", "phone_format"): _l("This is not a valid phone number. Use a number such as 0812 5550 199 or "
                                  "+62 21 555 0199."),
    ("address", "too_long"): _l("The address can be at most %(max)d characters.", max=service.ADDRESS_MAX),
    ("notes", "too_long"): _l("The notes can be at most %(max)d characters.", max=service.DESCRIPTION_MAX),
    ("description", "too_long"): _l("The description can be at most %(max)d characters.",
                                    max=service.DESCRIPTION_MAX),
}


def message_for(field_name: str, code: str):
    return FIELD_MESSAGES.get((field_name, code)) or CODE_MESSAGES.get(code) or _l("Check this field.")


def apply_problems(form, problems: dict[str, str]) -> None:
    """Put the service's problems next to their fields; a field that already shows a parsing error
    keeps only that one (the service saw an empty value there)."""
    for name, code in problems.items():
        target = getattr(form, name, None)
        if target is None:
            form.form_errors.append(message_for(name, code))
        elif not target.errors:
            target.errors = [*target.errors, message_for(name, code)]


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxListField(SelectMultipleField):
    """A list of checkboxes; a value that is not among the choices is a field error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Choose from the list."))
        kwargs.setdefault("invalid_choice_message", _l("Choose categories from the list."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:
            self.data = list(dict.fromkeys(self.data))


class ResidentForm(FlaskForm):
    """Intake and edit. ``facility_id`` is for intake only (the edit view deletes it)."""

    full_name = StringField(_l("Full name"), filters=[strip])
    alias = StringField(_l("Call name or alias (optional)"), filters=[strip])
    sex = RadioField(_l("Sex"), choices=options(labels.SEXES.items()),
                     validators=[InputRequired(_l("Choose female or male."))],
                     invalid_choice_message=_l("Choose female or male."))
    birth_date = DateField(_l("Date of birth"), validators=[Optional()],
                           invalid_value_message=_l("Enter a valid date of birth."))
    estimated_age = IntegerField(_l("Estimated age in years"), validators=[Optional()],
                                 invalid_value_message=_l("Enter the age as a whole number of years."))
    nik = StringField(_l("NIK (optional)"), filters=[strip])
    kota_of_origin = StringField(_l("Kota or kabupaten of origin (optional)"), filters=[strip])
    categories = CheckboxListField(_l("Protection categories"), choices=options(labels.CATEGORIES.items()))
    risk_level = SelectField(_l("Risk level"), choices=options(labels.RISK_LEVELS.items()), default="low",
                             validators=[InputRequired(_l("Choose the risk level."))],
                             invalid_choice_message=_l("Choose the risk level."))
    disabilities = TextAreaField(_l("Disabilities and support needs (optional)"), filters=[strip])
    facility_id = SelectField(_l("Registering facility"), coerce=int, choices=[],
                              validators=[InputRequired(_l("Choose the facility that registers this person."))],
                              invalid_value_message=_l("Choose the facility that registers this person."),
                              invalid_choice_message=_l("Choose the facility that registers this person."))
    guardian_id = IntegerField(_l("Mother or guardian"), validators=[Optional()],
                               invalid_value_message=_l("Choose the mother or guardian from the search results."))
    guardian_q = StringField(_l("Find the mother or guardian"), filters=[strip])
    version = HiddenField()
    # Ids of the likely duplicates the user was shown and confirmed as different people.
    seen_duplicates = HiddenField()

    def set_facility_choices(self, pairs) -> None:
        self.facility_id.choices = options(pairs)

    def validate_guardian_id(self, field):
        if field.data is not None and not 0 < field.data <= MAX_ID:
            raise ValidationError(_l("Choose the mother or guardian from the search results."))

    def to_input(self) -> ResidentInput:
        """What was typed, for the service (which checks it). Unparsable values become None."""
        return ResidentInput(
            full_name=self.full_name.data or "",
            alias=self.alias.data,
            sex=self.sex.data or "",
            birth_date=self.birth_date.data if not self.birth_date.errors else None,
            estimated_age=self.estimated_age.data if not self.estimated_age.errors else None,
            nik=self.nik.data,
            kota_of_origin=self.kota_of_origin.data,
            risk_level=self.risk_level.data or "",
            disabilities=self.disabilities.data or "",
            categories=[c for c in (self.categories.data or []) if isinstance(c, str)],
            guardian_id=self.guardian_id.data if not self.guardian_id.errors else None,
        )

    def confirmed_duplicates(self) -> set[int]:
        ids = set()
        for part in (self.seen_duplicates.data or "").split(","):
            part = part.strip()
            if part.isascii() and part.isdigit() and len(part) <= 10:
                ids.add(int(part))
        return ids

    def category_groups(self):
        """(key, legend, [checkbox subfields]) in the order of ``labels.CATEGORY_GROUPS``."""
        by_value = {option.data: option for option in self.categories}
        return [(key, legend, [by_value[c] for c in codes if c in by_value])
                for key, legend, codes in labels.CATEGORY_GROUPS]


def intake_form(facility_choices, *, submitted: bool) -> ResidentForm:
    """The intake form: blank, or (submitted) filled from the request."""
    form = ResidentForm() if submitted else ResidentForm(formdata=None)
    form.set_facility_choices(facility_choices)
    del form.version  # nothing to be stale against yet
    return form


def resident_form(resident, *, formdata=None) -> ResidentForm:
    """The edit form: filled from ``resident``, or (submitted) from the posted ``formdata``."""
    if formdata is None:
        form = ResidentForm(formdata=None, data={
            "full_name": resident.full_name, "alias": resident.alias or "", "sex": resident.sex,
            "birth_date": resident.birth_date, "estimated_age": resident.estimated_age, "nik": resident.nik or "",
            "kota_of_origin": resident.kota_of_origin or "", "risk_level": resident.risk_level,
            "disabilities": resident.disabilities or "", "guardian_id": resident.guardian_id,
            "categories": sorted(r.category for r in resident.category_rows), "version": str(resident.version),
        })
    else:
        form = ResidentForm(formdata=formdata)
    del form.facility_id  # the registering facility is not edited
    del form.seen_duplicates  # the duplicate check is for intake
    return form


class FamilyContactForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    relationship = StringField(_l("Relationship"), filters=[strip],
                               description=_l("For example mother, uncle, older sister."))
    phone = StringField(_l("Phone (optional)"), filters=[strip],
                        description=_l("For example 0812 5550 199; stored as +62…"))
    address = TextAreaField(_l("Address (optional)"), filters=[strip])
    notes = TextAreaField(_l("Notes (optional)"), filters=[strip])

    def to_input(self) -> FamilyContactInput:
        return FamilyContactInput(name=self.name.data or "", relationship=self.relationship.data or "",
                                  phone=self.phone.data, address=self.address.data or "",
                                  notes=self.notes.data or "")


class NoContactForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip])
    relationship = StringField(_l("Relationship"), filters=[strip],
                               description=_l("For example husband, former partner, stepfather, employer."))
    description = TextAreaField(_l("How to recognise them, what to do (optional)"), filters=[strip],
                                description=_l("Appearance, vehicle, known threats; what staff should do if "
                                               "this person comes."))

    def to_input(self) -> NoContactInput:
        return NoContactInput(name=self.name.data or "", relationship=self.relationship.data or "",
                              description=self.description.data or "")


def blank(form_class, prefix: str):
    """A form that must not read the current request (several forms share a page)."""
    return form_class(formdata=None, prefix=prefix)


# --- the residents list -----------------------------------------------------------------------------

printable = text.OneLine()


class ResidentFilterForm(FlaskForm):
    class Meta:
        csrf = False  # the POST is checked for every request before the view (shelter.api.auth)

    q = StringField(_l("Name, call name or NIK"), filters=[clean], validators=[printable])
    facility = SelectField(_l("Facility"), choices=[], default="",
                           invalid_choice_message=_l("Choose a facility from the list."))
    status = SelectField(_l("Stay status"), default="",
                         choices=options([("", _l("All residents")), *labels.STAY_STATUSES.items()]),
                         invalid_choice_message=_l("Choose from the list."))

    def set_facility_choices(self, pairs) -> None:
        self.facility.choices = options([("", _l("All facilities")), *((str(i), n) for i, n in pairs)])

    def validate_q(self, field):
        if field.data and len(field.data) > SEARCH_MAX:
            raise ValidationError(_l("Search with at most %(max)d characters.", max=SEARCH_MAX))

    def values(self) -> dict:
        """The cleaned filters, for ``queries.ResidentFilters``."""
        return {"q": self.q.data or "", "facility_id": int(self.facility.data) if self.facility.data else None,
                "status": self.status.data or ""}
