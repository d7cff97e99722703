"""The audit log browser (admins only): newest first, filters that update the list through htmx."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from shelter.access import admin_required
from shelter.formfields import PrintableText, options
from shelter.audit import queries
from shelter.text import strip

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)


class InRange:
    def __call__(self, form, field):
        if field.data is not None and not FIRST_DAY <= field.data <= LAST_DAY:
            raise ValidationError(_l("Enter a date between %(first)s and %(last)s.",
                                     first=format_date(FIRST_DAY), last=format_date(LAST_DAY)))


def date_field(label):
    return DateField(label, validators=[Optional(), InRange()],
                     invalid_value_message=_l("Enter a date as YYYY-MM-DD, for example 2026-11-22."))


class AuditFilterForm(FlaskForm):
    """Read from the query string; dates are whole days in WIB."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), choices=[], default="")
    actor = StringField(_l("Actor email"), filters=[strip], validators=[
        Optional(), Length(max=254, message=_l("At most %(max)d characters.")), PrintableText(),
    ])
    facility = SelectField(_l("Facility"), choices=[], default="")
    date_from = date_field(_l("From (WIB)"))
    date_to = date_field(_l("To (WIB)"))

    def set_choices(self, actions, facilities):
        self.action.choices = options([("", _l("All actions")), *((a, a) for a in actions)])
        self.facility.choices = options([("", _l("All facilities")), *facilities])

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for f in (self.action, self.facility):
            if f.errors:
                f.errors[:] = [_l("Choose from the list.")]
        return ok

    def filters(self) -> queries.AuditFilters:
        start, end = queries.date_range(self.date_from.data, self.date_to.data)
        return queries.AuditFilters(
            action=self.action.data or "", actor_email=self.actor.data or "",
            facility_id=int(self.facility.data) if self.facility.data else None,
            start=start, end=end,
        )

    def query_args(self) -> dict:
        """The filters as query-string arguments, for the page links."""
        args = {"action": self.action.data, "actor": self.actor.data, "facility": self.facility.data,
                "date_from": self.date_from.data.isoformat() if self.date_from.data else None,
                "date_to": self.date_to.data.isoformat() if self.date_to.data else None}
        return {k: v for k, v in args.items() if v}



@bp.get("/")
@admin_required
def index():
    form = AuditFilterForm(formdata=request.args)
    form.set_choices(queries.action_choices(), queries.facility_choices())
    page = None
    filter_args: dict = {}
    if form.validate():
        page = queries.events_page(
            form.filters(),
            before=queries.Cursor.decode(request.args.get("before")),
            after=queries.Cursor.decode(request.args.get("after")),
        )
        filter_args = form.query_args()
    htmx = request.htmx
    fragment = bool(htmx) and not htmx.boosted and not htmx.history_restore_request
    template = "audit/_events.html" if fragment else "audit/index.html"
    return render_template(template, form=form, page=page, filter_args=filter_args)
