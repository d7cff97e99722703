"""Form pieces shared by several features' forms (below every feature: they import none).

``choices``/``options`` build WTForms choices from a label table or from pairs; ``PrintableText``
refuses control characters; ``AtLeastOne`` and ``CheckboxListField`` make a list of checkboxes.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectMultipleField
from wtforms.validators import StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from shelter import text


def choices(table: dict) -> list[SelectChoice]:
    """Choices from a label table {code: label}."""
    return options(table.items())


def options(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class PrintableText(text.OneLine):
    """Refuses control characters (NUL, escapes, line breaks: PostgreSQL refuses NUL in text) and
    hidden ones (bidi controls, zero-width spaces): none of them belongs in a name or a search."""


class AtLeastOne:
    """Like DataRequired, without the ``required`` flag (it would land on every checkbox)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if not field.data:
            raise StopValidation(self.message)


class CheckboxListField(SelectMultipleField):
    """A list of checkboxes; values that are not among the choices are a field error."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_value_message", _l("Choose from the list."))
        kwargs.setdefault("invalid_choice_message", _l("Choose from the list."))
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None:  # each value once, in the order given
            self.data = list(dict.fromkeys(self.data))


