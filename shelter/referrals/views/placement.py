"""Placement: find-a-bed pre-filled with the referral's needs, and an offer to one of the facilities
that fit (its beds are held until the answer); or, when nothing fits, the waitlist.

Like the board's find-a-bed, a facility outside the user's scope shows its count of fitting free beds
only, never its rooms. A problem with one facility's offer (a deadline in the past, the beds just
taken) shows at that facility's form, with what was typed.
"""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from shelter.db import utcnow
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.fragments import error_status
from shelter.referrals import forms, service, waitlist
from shelter.referrals.rules import AlreadyOffered, NoSuitableBed, ReferralClosed, ReferralInvalid
from shelter.referrals.views.common import acting_user, bp, go_to, referral_or_404, render, require_desk
from shelter.stays import matching, queries as stay_queries
from shelter.stays.board_cells import Permissions
from shelter.stays.forms import parse_id, to_local_input

CONFLICT = 409


def ranked(referral) -> tuple[list[matching.FacilityMatch], dict[int, str]]:
    """The facilities whose free beds fit the referred person (and children), best first; each one's kota."""
    rows = stay_queries.free_beds_by_room()
    rooms = [matching.Room(facility_id=r.facility_id, facility_name=r.facility_name, facility_kind=r.facility_kind,
                           room_id=r.room_id, room_name=r.room_name, sex=r.sex, age_group=r.age_group, free=r.free,
                           free_accessible=r.free_accessible, free_cribs=r.free_cribs) for r in rows]
    return matching.rank_facilities(service.person_of(referral), rooms), {r.facility_id: r.kota for r in rows}


def placement_context(referral, *, failed_form=None, failed_facility: int | None = None, error: str | None = None):
    results, kota_of = ranked(referral) if referral.is_open else ([], {})
    default = forms.OfferForm(formdata=None)
    default.respond_by.data = to_local_input(service.default_deadline(referral))
    return {
        "referral": referral, "results": results, "kota_of": kota_of, "perms": Permissions(current_user),
        "default_form": default, "failed_form": failed_form, "failed_facility": failed_facility, "error": error,
        "pending_facilities": {o.facility_id for o in referral.offers if o.is_pending},
        "waitlist_form": forms.WaitlistForm(formdata=None), "updated_at": utcnow(),
    }


def render_placement(referral, status: int = 200, **context):
    return render("referrals/placement.html", "referrals/_placement.html", status=status,
                  **placement_context(referral, **context))


@bp.get("/<id:referral_id>/placement")
def placement(referral_id: int):
    require_desk()
    referral = referral_or_404(referral_id)
    return render_placement(referral)


@bp.post("/<id:referral_id>/offer")
def offer(referral_id: int):
    require_desk()
    referral = referral_or_404(referral_id)
    form = forms.OfferForm()
    facility_id = parse_id(form.facility_id.data)
    facility = db.session.get(Facility, facility_id) if facility_id is not None else None
    if facility is None or not facility.is_active:
        abort(404)
    if not form.validate():
        return render_placement(referral, error_status(), failed_form=form, failed_facility=facility.id)
    respond_by = forms.utc_or_none(form.respond_by)
    try:
        made = service.offer(referral, facility, by=acting_user(), respond_by=respond_by,
                             room_id=parse_id(form.room_id.data), note=form.note.data or "")
        db.session.commit()
    except ReferralInvalid as error:
        db.session.rollback()
        forms.apply_problems(form, error.problems)
        return render_placement(referral, error_status(), failed_form=form, failed_facility=facility.id)
    except (NoSuitableBed, AlreadyOffered) as error:
        db.session.rollback()
        message = (_("This referral is already offered to this facility.") if isinstance(error, AlreadyOffered)
                   else _("No free bed in this facility fits any more: choose another, or the waitlist."))
        return render_placement(referral, error_status(CONFLICT), failed_form=form, failed_facility=facility.id,
                                error=message)
    except ReferralClosed:
        db.session.rollback()
        return go_to(url_for(".show", referral_id=referral.id), _("This referral is closed: nothing was offered."),
                     "error")
    return go_to(url_for(".show", referral_id=referral.id),
                 _("Offered; %(num)d beds are held until the answer.", num=len(made.hold_links)))


@bp.post("/<id:referral_id>/waitlist")
def waitlist_add(referral_id: int):
    require_desk()
    referral = referral_or_404(referral_id)
    form = forms.WaitlistForm()
    back = url_for(".show", referral_id=referral.id)
    if not form.validate():
        return go_to(back, _("The waitlist note could not be read; nothing changed."), "error")
    try:
        waitlist.add(referral, by=acting_user(), note=form.note.data or "")
        db.session.commit()
    except ReferralInvalid:
        db.session.rollback()
        return go_to(back, _("The waitlist note is too long or has hidden characters; nothing changed."), "error")
    except ReferralClosed:
        db.session.rollback()
        return go_to(back, _("This referral is closed: it cannot wait for a bed."), "error")
    except AlreadyOffered:
        db.session.rollback()
        return go_to(back, _("This referral awaits a facility's answer: withdraw the offer first."), "error")
    position = waitlist.positions().get(referral.id)
    return go_to(back, _("On the waitlist, place %(num)d in line.", num=position or 0))

