"""The receiving facility's side: the inbox of offers made to the user's facilities (pending, the
earliest deadline first; and the decided ones), an offer's page and its two answers.

The offer's page shows what the facility needs to decide: the needs, the summary, the referring
officer to call, the beds held and the history as this facility may see it (``offer_facility_id``):
never another facility's name or steps. ACCEPT is one step: the person (new, by name, or one of the
residents the user may open who may be her) and each child are admitted into the held beds. If
another facility accepted first, the answer says so; that facility's acceptance has already ended
this offer and freed its beds. DECLINE needs a reason (a note for "other"); it reaches the case manager.
"""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter import access
from shelter.db import utcnow
from shelter.extensions import db
from shelter.fragments import error_status
from shelter.referrals import acceptance, forms, queries, service
from shelter.referrals.rules import (AlreadyPlaced, HoldsEnded, OfferNotPending, ReferralClosed, ReferralInvalid)
from shelter.referrals.views.common import (acting_user, bp, decided_offer_or_404, go_to, offer_or_404, render)
from shelter.referrals.views.listing import page_number
from shelter.residents import queries as resident_queries
from shelter.stays.board_cells import Permissions

CONFLICT = 409


def already_placed_message() -> str:
    return _("This referral has already been placed in another facility; the beds held here have been released.")


@bp.get("/offers/")
def inbox():
    decided = request.args.get("tab") == "decided"
    page = queries.inbox_page(current_user, pending_only=not decided, page=page_number())
    return render("referrals/inbox.html", "referrals/_inbox_list.html", page=page, decided=decided, now=utcnow())


def matches_for(referral) -> list:
    """Residents the user may open who may be the referred person (by NIK, or name and age)."""
    return service.possible_residents(referral, access.resident_scope_clause(current_user))


def offer_context(offer, *, accept_form=None, decline_form=None, error: str | None = None) -> dict:
    referral = offer.referral
    decides = access.decides_offers_in(current_user, offer.facility_id)
    matches = matches_for(referral) if decides and offer.is_pending else []
    return {
        "offer": offer, "referral": referral, "decides": decides, "error": error, "now": utcnow(),
        "facility_named": access.referral_facility_named(current_user, offer.facility,
                                                         offered_by_id=offer.offered_by_id),
        "beds": sorted(((link.person, link.hold) for link in offer.hold_links), key=lambda pair: pair[0])
        if Permissions(current_user).sees_inside(offer.facility_id) else [],
        "history": queries.history(current_user, referral, offer_facility_id=offer.facility_id),
        "accept_form": accept_form or forms.accept_form(referral, matches, submitted=False),
        "decline_form": decline_form or forms.DeclineForm(formdata=None),
    }


def render_offer(offer, status: int = 200, **context):
    return render("referrals/offer.html", None, status=status, **offer_context(offer, **context))


@bp.get("/offers/<id:offer_id>")
def offer_show(offer_id: int):
    return render_offer(offer_or_404(offer_id))


@bp.post("/offers/<id:offer_id>/accept")
def accept(offer_id: int):
    offer = decided_offer_or_404(offer_id)
    referral = offer.referral
    form = forms.accept_form(referral, matches_for(referral), submitted=True)
    if not form.validate():
        return render_offer(offer, error_status(), accept_form=form)
    chosen = form.chosen_resident_id()
    choice = acceptance.Acceptance(
        person=acceptance.PersonChoice(resident_id=chosen, name=None if chosen else form.name.data or ""),
        children=[acceptance.PersonChoice(name=entry.data or "") for entry in form.children])
    user = acting_user()
    try:
        stays = acceptance.accept(offer, choice, by=user,
                                  visible_resident=lambda rid: resident_queries.visible_resident(user, rid))
        db.session.commit()
    except ReferralInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_offer(offer, error_status(), accept_form=form)
    except AlreadyPlaced:
        db.session.rollback()
        return render_offer(offer, error_status(CONFLICT), accept_form=form, error=already_placed_message())
    except HoldsEnded:
        db.session.rollback()
        return render_offer(offer, error_status(CONFLICT), accept_form=form,
                            error=_("The beds held for this offer are no longer held (the hold ran out or was "
                                    "released). Call the case manager to offer again."))
    except (OfferNotPending, ReferralClosed):
        db.session.rollback()
        return render_offer(offer, error_status(CONFLICT), accept_form=form,
                            error=_("This offer was already answered, withdrawn or has ended."))
    resident_id = stays[0].resident_id
    return go_to(url_for("residents.show", resident_id=resident_id),
                 _("Referral R-%(id)d accepted: %(num)d people admitted into the held beds.",
                   id=referral.id, num=len(stays)))


@bp.post("/offers/<id:offer_id>/decline")
def decline(offer_id: int):
    offer = decided_offer_or_404(offer_id)
    form = forms.DeclineForm()
    if not form.validate():
        return render_offer(offer, error_status(), decline_form=form)
    try:
        service.decline(offer, by=acting_user(), reason=form.reason.data or "", note=form.note.data or "")
        db.session.commit()
    except ReferralInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_offer(offer, error_status(), decline_form=form)
    except OfferNotPending:
        db.session.rollback()
        return render_offer(offer, error_status(CONFLICT), decline_form=form,
                            error=_("This offer was already answered, withdrawn or has ended."))
    return go_to(url_for(".inbox"), _("Offer declined; the held beds are free again and the case manager sees "
                                      "the reason."))
