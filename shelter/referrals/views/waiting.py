"""The waitlist's own actions: move a referral up or down (a reason is required; the step is audited
and shows in the referral's history), and take it off the waitlist (back to the desk's open list).

The list itself is the "waitlist" tab of the referrals list (``listing``): a move with no reason
re-renders that list with the message next to the reason of that row.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from shelter.extensions import db
from shelter.fragments import error_status
from shelter.referrals import forms, queries, waitlist
from shelter.referrals.rules import NotWaitlisted, ReferralInvalid
from shelter.referrals.views.common import acting_user, bp, go_to, referral_or_404, render, require_desk
from shelter.referrals.views.listing import list_context

WAITLIST_VIEW = queries.ReferralFilters(view="waitlist")


def waitlist_url() -> str:
    return url_for(".index", view="waitlist")


@bp.post("/<id:referral_id>/waitlist/move")
def waitlist_move(referral_id: int):
    require_desk()
    referral = referral_or_404(referral_id)
    form = forms.ReorderForm()
    step = form.step_value()
    problems = {} if step is not None else {"step": "invalid_choice"}
    if form.validate() and step is not None:
        try:
            waitlist.adjust(referral, by=acting_user(), step=step, reason=form.reason.data or "")
            db.session.commit()
        except ReferralInvalid as error:
            db.session.rollback()
            problems = error.problems
        except NotWaitlisted:
            db.session.rollback()
            return go_to(waitlist_url(), _("This referral is no longer on the waitlist."), "error")
        else:
            position = waitlist.positions().get(referral.id, 0)
            return go_to(waitlist_url(), _("Waitlist order changed: R-%(id)d is now place %(num)d.",
                                           id=referral.id, num=position))
    forms.apply_problems(form, problems)
    context = list_context(WAITLIST_VIEW)
    context.update(reorder_form=form, reorder_failed=referral.id)
    return render("referrals/index.html", "referrals/_list.html", status=error_status(), **context)


@bp.post("/<id:referral_id>/waitlist/remove")
def waitlist_remove(referral_id: int):
    require_desk()
    referral = referral_or_404(referral_id)
    form = forms.WaitlistForm()
    if not form.validate():
        return go_to(waitlist_url(), _("The form expired; nothing changed. Try again."), "error")
    try:
        waitlist.remove(referral, by=acting_user())
        db.session.commit()
    except NotWaitlisted:
        db.session.rollback()
        return go_to(waitlist_url(), _("This referral is no longer on the waitlist."), "error")
    return go_to(url_for(".show", referral_id=referral.id), _("Taken off the waitlist; back in the open list."))
