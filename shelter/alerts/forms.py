"""The capacity rule form: the rules live here once; the create and edit views reuse it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional

from shelter.alerts.models import DEFAULT_INTERVAL_MINUTES, MAX_INTERVAL_MINUTES, RULE_CATEGORIES
from shelter.alerts.thresholds import MAX_FREE_BEDS_LIMIT, RECOVERY_BEDS_MARGIN
from shelter.formfields import CheckboxListField


class RuleForm(FlaskForm):
    category = SelectField(_l("Beds counted"), validate_choice=True)
    max_free_beds = IntegerField(
        _l("Alert when free beds are at most"),
        validators=[Optional(), NumberRange(min=0, max=MAX_FREE_BEDS_LIMIT,
                                            message=_l("Enter a number from %(min)d to %(max)d."))],
        invalid_value_message=_l("Enter a whole number, for example 2."),
        description=_l("Leave empty to use only the occupancy."),
    )
    min_occupancy_percent = IntegerField(
        _l("Alert when occupancy is at least this percentage"),
        validators=[Optional(), NumberRange(min=1, max=100, message=_l("Enter a number from %(min)d to %(max)d."))],
        invalid_value_message=_l("Enter a whole number, for example 90."),
        description=_l("Held beds count as taken. Leave empty to use only free beds."),
    )
    recovery_free_beds = IntegerField(
        _l("Back to normal when free beds are at least"),
        validators=[Optional(), NumberRange(min=0, max=MAX_FREE_BEDS_LIMIT + RECOVERY_BEDS_MARGIN,
                                            message=_l("Enter a number from %(min)d to %(max)d."))],
        invalid_value_message=_l("Enter a whole number, for example 4."),
        description=_l("More than the alert threshold, so that one bed taken and freed again does not alert "
                       "again. Empty: two more than the alert threshold."),
    )
    recovery_occupancy_percent = IntegerField(
        _l("Back to normal when occupancy is at most this percentage"),
        validators=[Optional(), NumberRange(min=0, max=99, message=_l("Enter a number from %(min)d to %(max)d."))],
        invalid_value_message=_l("Enter a whole number, for example 80."),
        description=_l("Below the alert threshold. Empty: 10 points below it."),
    )
    min_interval_minutes = IntegerField(
        _l("Minutes at least between two alerts"), default=DEFAULT_INTERVAL_MINUTES,
        validators=[Optional(), NumberRange(min=0, max=MAX_INTERVAL_MINUTES,
                                            message=_l("Enter a number from %(min)d to %(max)d."))],
        invalid_value_message=_l("Enter a whole number of minutes, for example 60."),
        description=_l("A new low within this time waits, and is alerted when the time is over if it is still "
                       "low. Empty: 60."),
    )
    recipients = CheckboxListField(_l("Who gets the SMS"), coerce=int)
    notify_recovery = BooleanField(_l("Also send an SMS when it is back to normal"))

    def set_choices(self, candidates, category_label) -> None:
        self.category.choices = [("", _l("All beds"))] + [(c, category_label(c)) for c in RULE_CATEGORIES]
        self.recipients.choices = [(u.id, u.full_name) for u in candidates]
        self.recipient_users = {u.id: u for u in candidates}  # for the template's "no SMS" notes

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.max_free_beds.data is None and self.min_occupancy_percent.data is None:
            message = _l("Enter at least one threshold: free beds or occupancy.")
            self.max_free_beds.errors = [*self.max_free_beds.errors, message]
            ok = False
        n, r = self.max_free_beds.data, self.recovery_free_beds.data
        if ok and n is not None and r is not None and r <= n:
            self.recovery_free_beds.errors = [_l("Enter at least %(min)d: more free beds than the alert threshold.",
                                                 min=n + 1)]
            ok = False
        p, q = self.min_occupancy_percent.data, self.recovery_occupancy_percent.data
        if ok and p is not None and q is not None and q >= p:
            self.recovery_occupancy_percent.errors = [_l("Enter at most %(max)d: below the alert threshold.",
                                                         max=p - 1)]
            ok = False
        return ok

    def values(self) -> dict:
        return dict(category=self.category.data or None, max_free_beds=self.max_free_beds.data,
                    min_occupancy_percent=self.min_occupancy_percent.data,
                    recovery_free_beds=self.recovery_free_beds.data,
                    recovery_occupancy_percent=self.recovery_occupancy_percent.data,
                    min_interval_minutes=self.min_interval_minutes.data,
                    recipient_ids=list(self.recipients.data or []), notify_recovery=bool(self.notify_recovery.data))


def rule_form(candidates, category_label, *, rule=None, formdata=None) -> RuleForm:
    if rule is not None and formdata is None:
        form = RuleForm(formdata=None, data=dict(
            category=rule.category or "", max_free_beds=rule.max_free_beds,
            min_occupancy_percent=rule.min_occupancy_percent, recovery_free_beds=rule.recovery_free_beds,
            recovery_occupancy_percent=rule.recovery_occupancy_percent,
            min_interval_minutes=rule.min_interval_minutes, recipients=[u.id for u in rule.recipients],
            notify_recovery=rule.notify_recovery))
    else:
        # formdata None means an empty form, even while answering a POST (the fresh form after a save).
        form = RuleForm(formdata=formdata)
    form.set_choices(candidates, category_label)
    return form
