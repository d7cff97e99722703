"""What every referrals view shares: the blueprint, the scoped lookups, the answers (page or htmx
fragment; back to a page after a change) and the menu's counts.

Lookups answer 404 for a referral or offer the user may not open (``referrals.queries`` asks
``shelter.access``), and for an action the user's role does not allow on it, so a record elsewhere
looks like one that does not exist. The routes live in the modules of their story; this one has none.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template
from flask_login import current_user

from shelter import access
from shelter.fragments import wants_fragment
from shelter.referrals import labels, queries
from shelter.referrals.models import Offer, Referral

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(labels.TEMPLATE_GLOBALS)
    state.app.jinja_env.globals["referral_menu_links"] = menu_links


def acting_user():
    return current_user._get_current_object()


# --- lookups: scope and role first, anything else is a 404 ---------------------------------------------

def require_desk() -> None:
    """The referral desk: case managers and admins."""
    if not access.manages_referrals(current_user):
        abort(404)


def referral_or_404(referral_id: int) -> Referral:
    referral = queries.find_referral(current_user, referral_id)
    if referral is None:
        abort(404)
    return referral


def offer_or_404(offer_id: int) -> Offer:
    offer = queries.find_offer(current_user, offer_id)
    if offer is None:
        abort(404)
    return offer


def decided_offer_or_404(offer_id: int) -> Offer:
    """An offer the user answers: made to one of their facilities where they decide offers."""
    offer = offer_or_404(offer_id)
    if not access.decides_offers_in(current_user, offer.facility_id):
        abort(404)
    return offer


def desk_offer_or_404(offer_id: int) -> Offer:
    """An offer the referral desk acts on (withdraws)."""
    require_desk()
    offer = offer_or_404(offer_id)
    if not access.sees_referral(current_user, offer.referral):
        abort(404)
    return offer


# --- answers -------------------------------------------------------------------------------------------

def render(page_template: str, fragment_template: str | None, *, status: int = 200, **context):
    """The page, or for htmx the fragment alone."""
    template = fragment_template if fragment_template is not None and wants_fragment() else page_template
    return make_response(render_template(template, **context), status)


def go_to(url: str, message: str | None = None, category: str = "success"):
    """After a change: a flash (never a name), then htmx follows with a page load, a plain post is redirected."""
    if message:
        flash(message, category)
    if wants_fragment():
        return "", 200, {"HX-Redirect": url}
    return redirect(url)


# --- the menu ------------------------------------------------------------------------------------------

def decides_offers_somewhere(user) -> bool:
    if user.is_admin:
        return True
    return any(access.decides_offers_in(user, facility_id) for facility_id in user.facility_ids)


def menu_links() -> tuple[bool, bool]:
    """For the top bar: (show "Rujukan", show "Tawaran masuk"). No statement: roles and facilities are
    loaded with the user. The counts beside them load after the page (``listing.menu_counts``), so no
    page pays for them. Not while the user must first change their password or set up two-step sign-in:
    every other request is turned back to that page then, and the counts' request would reload it."""
    user = current_user
    if not user.is_authenticated or user.must_change_password or getattr(user, "two_step_due", False):
        return False, False
    return access.manages_referrals(user), decides_offers_somewhere(user)
