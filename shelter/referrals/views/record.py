"""Recording a referral from a call: the case manager types what the partner says.

Every problem shows at once next to its field (WTForms parses, ``referrals.rules`` checks), what was
typed stays, and nothing is saved until all is right. After saving, the referral's page; when a name
or NIK was given, that page lists the residents who may be the same person.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _

from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status
from shelter.referrals import forms, rules, service
from shelter.referrals.models import Partner
from shelter.referrals.rules import ReferralInvalid
from shelter.referrals.views.common import acting_user, bp, go_to, render, require_desk


def active_partners() -> list[Partner]:
    return list(db.session.scalars(sa.select(Partner).where(Partner.active.is_(True)).order_by(Partner.name)))


def render_form(form, status: int = 200):
    return render("referrals/new.html", "referrals/_form.html", status=status, form=form)


@bp.route("/new", methods=["GET", "POST"])
def new():
    require_desk()
    partners = active_partners()
    if request.method == "GET":
        return render_form(forms.new_referral_form(partners, utcnow(), submitted=False))
    form = forms.new_referral_form(partners, utcnow(), submitted=True)
    parsed = form.validate()
    data = form.to_input()
    if not parsed:
        try:  # the rules' problems too, so that every problem shows at once; nothing is saved
            rules.validate_referral(data)
        except ReferralInvalid as error:
            forms.apply_problems(form, error.problems)
        db.session.rollback()
        return render_form(form, error_status())
    try:
        referral = service.create(data, by=acting_user())
        db.session.commit()
    except ReferralInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_form(form, error_status())
    return go_to(url_for(".show", referral_id=referral.id), _("Referral R-%(id)d recorded.", id=referral.id))
