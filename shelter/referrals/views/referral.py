"""A referral's page for the referral desk: the needs, consent, summary and the officer to call; the
status and outcome; the offers made (a Rumah Aman named only to whom ``access`` allows, otherwise "a
protected facility"); the history with who and when. And what the desk does from here: take it,
withdraw a pending offer, close it with an outcome (both after a confirmation).
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter import access
from shelter.auth.models import User
from shelter.extensions import db
from shelter.fragments import error_status
from shelter.referrals import forms, queries, service
from shelter.referrals.models import OfferStatus, ReferralStatus
from shelter.referrals.rules import OfferNotPending, ReferralClosed, ReferralInvalid
from shelter.referrals.views.common import acting_user, bp, desk_offer_or_404, go_to, referral_or_404, render
from shelter.stays.board_cells import Permissions


def offer_rows(referral) -> list[dict]:
    """The offers made, newest first, each with whether the user may know the facility and its beds."""
    perms = Permissions(current_user)
    rows = []
    for offer in reversed(referral.offers):
        named = access.referral_facility_named(current_user, offer.facility, offered_by_id=offer.offered_by_id)
        rows.append({"offer": offer, "named": named,
                     "beds": [link.hold.bed for link in offer.hold_links]
                     if named and perms.sees_inside(offer.facility_id) else []})
    return rows


def show_context(referral, *, close_form=None) -> dict:
    duplicates = []
    if referral.is_open and (referral.person_name or referral.person_nik):
        duplicates = service.possible_residents(referral, access.resident_scope_clause(current_user))
    declined = [o for o in referral.offers if o.status == OfferStatus.DECLINED.value]
    last_decline = declined[-1] if declined and referral.status == ReferralStatus.RECEIVED.value else None
    return {
        "referral": referral,
        "offers": offer_rows(referral),
        "last_decline": last_decline,
        "last_decline_named": last_decline is not None and access.referral_facility_named(
            current_user, last_decline.facility, offered_by_id=last_decline.offered_by_id),
        "history": queries.history(current_user, referral),
        "placed_named": queries.placed_facility_named(current_user, referral),
        "case_manager": db.session.get(User, referral.case_manager_id) if referral.case_manager_id else None,
        "duplicates": duplicates,
        "close_form": close_form or forms.CloseForm(formdata=None),
        "waitlist_form": forms.WaitlistForm(formdata=None),
    }


@bp.get("/<id:referral_id>")
def show(referral_id: int):
    referral = referral_or_404(referral_id)
    return render("referrals/show.html", None, **show_context(referral))


@bp.post("/<id:referral_id>/take")
def take(referral_id: int):
    referral = referral_or_404(referral_id)
    if service.take(referral, by=acting_user()):
        db.session.commit()
        message = _("You handle this referral now.")
    else:
        db.session.rollback()
        message = _("This referral already has a case manager.")
    return go_to(url_for(".show", referral_id=referral.id), message)


@bp.post("/<id:referral_id>/close")
def close(referral_id: int):
    referral = referral_or_404(referral_id)
    form = forms.CloseForm()
    if not form.validate():
        return render("referrals/show.html", None, status=error_status(), **show_context(referral, close_form=form))
    try:
        service.close(referral, outcome=form.outcome.data or "", note=form.note.data or "", by=acting_user())
        db.session.commit()
    except ReferralInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render("referrals/show.html", None, status=error_status(), **show_context(referral, close_form=form))
    except ReferralClosed:
        db.session.rollback()
        return go_to(url_for(".show", referral_id=referral.id), _("This referral was already closed."), "error")
    return go_to(url_for(".show", referral_id=referral.id), _("Referral R-%(id)d closed.", id=referral.id))


@bp.post("/offers/<id:offer_id>/withdraw")
def withdraw_offer(offer_id: int):
    offer = desk_offer_or_404(offer_id)
    referral_id = offer.referral_id
    try:
        service.withdraw_offer(offer, by=acting_user())
        db.session.commit()
    except OfferNotPending:
        db.session.rollback()
        return go_to(url_for(".show", referral_id=referral_id),
                     _("This offer was already answered or ended; nothing was withdrawn."), "error")
    return go_to(url_for(".show", referral_id=referral_id), _("Offer withdrawn; the held beds are free again."))

