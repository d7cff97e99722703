"""Deny by default: every endpoint needs a logged-in user unless marked public, and scoped
lookups answer 404 (never 403) for records outside the user's facilities.

**Scope is per episode.** A resident is a person who may pass through several facilities; an
*episode* is one ``Stay`` and everything that hangs on it (assessments, case notes, rehabilitation
plans, programme enrolments, the discharge and its note, follow-ups). An episode belongs to its
facility, and a user sees and changes the episodes of their own facilities only (admins: all):
``sees_episode`` for one record, ``episode_clause`` for the ``WHERE`` of every list, ``find_stay``
for a stay looked up by id. Why: the record of a person who moved on to a Rumah Aman must not carry
the safe house's beds, staff or notes back to the panti they came from; a leaked safe house can
get someone hurt.

Where a user needs to know that other episodes exist (the resident page's timeline), another
facility's episode shows only as "stay in another facility, month – month" without facility, bed,
staff, outcome or text (``episode_listed_clause``); a Rumah Aman's episode does not show at all to
anyone outside it, not even that it was one.

The person's shared data (name, identity, contacts, no-contact persons, categories and the
reunification plan) is written only by the facility currently *responsible* for them: the open
stay's facility, else the last stay's, else the one that registered them (``responsible_facility_id``,
``can_change_person``; admins always). The reunification plan is also read only there: it names
where the family lives. Anything else is a 404 with the body of a missing record, and changes no row.
"""

from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, redirect, request, url_for
from werkzeug.routing import IntegerConverter
from flask_login import current_user

from shelter.auth.models import Role
from shelter.extensions import db
from shelter.facilities.models import Facility, FacilityKind

# Endpoints that must pass while a user still has to change their initial password.
PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static", "i18n.set_language"}
# Endpoints that must pass while a user still has to enrol in two-step sign-in (issue 14).
TWO_STEP_ENROLMENT_EXEMPT = PASSWORD_CHANGE_EXEMPT | {"auth.two_step"}


def public(view):
    """Mark a view as reachable without login (login page, health check, webhooks)."""
    view.is_public = True
    return view


def partner_allowed(view):
    """Mark a view as reachable with a partner's token (``api.auth.PartnerPrincipal``). Deny by default:
    a partner's system reaches these views only, every other one answers as if it were not logged in."""
    view.partner_allowed = True
    return view


def is_partner(user) -> bool:
    return bool(getattr(user, "is_partner", False))


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None or endpoint == "static":  # None: 404 for an unknown URL, the router answers
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _unauthorized():
    return {"error": {"code": "unauthorized", "message": "Login required"}}, 401


def enforce_login():
    """before_request hook: anonymous users go to the login page, unless the endpoint is public; a
    partner's token reaches only the endpoints marked ``partner_allowed``."""
    if is_public_endpoint(request.endpoint):
        return None
    if not current_user.is_authenticated:
        if _wants_json():
            return _unauthorized()
        login_url = url_for("auth.login", next=request.full_path.rstrip("?") if request.method == "GET" else None)
        if request.headers.get("HX-Request") == "true":
            return "", 204, {"HX-Redirect": login_url}
        return redirect(login_url)
    if is_partner(current_user) and not getattr(current_app.view_functions.get(request.endpoint),
                                                "partner_allowed", False):
        # A partner's token on any other endpoint: exactly as if no token had been sent (and a page
        # is never reached: the token is read on /api/ paths only).
        if _wants_json():
            return _unauthorized()
        abort(404)
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_EXEMPT:
        if _wants_json():
            return {"error": {"code": "password_change_required",
                              "message": "Log in to Shelter and choose your own password first."}}, 403
        if request.headers.get("HX-Request") == "true":
            return "", 204, {"HX-Redirect": url_for("auth.change_password")}
        return redirect(url_for("auth.change_password"))
    if getattr(current_user, "two_step_due", False) and request.endpoint not in TWO_STEP_ENROLMENT_EXEMPT:
        if _wants_json():
            return {"error": {"code": "two_step_enrolment_required",
                              "message": "Log in to Shelter and set up two-step sign-in first."}}, 403
        if request.headers.get("HX-Request") == "true":
            return "", 204, {"HX-Redirect": url_for("auth.two_step")}
        return redirect(url_for("auth.two_step"))
    return None


def roles_required(*roles: Role):
    """Only users holding one of ``roles`` reach the view; others get 404, like a missing page."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or not current_user.has_role(*roles):
                abort(404)
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


admin_required = roles_required(Role.ADMIN)


def visible_facility_ids(user) -> set[int] | None:
    """Facilities whose inside (rooms, beds, residents) the user may open; None means all."""
    if user.is_admin:
        return None
    return user.facility_ids


def scoped_facilities_query(user) -> sa.Select:
    query = sa.select(Facility).where(facilities_clause(visible_facility_ids(user), Facility.id))
    return query.order_by(Facility.kind, Facility.name)


# Ids are INTEGER columns: anything outside 1..MAX_ID cannot exist, and would overflow the driver
# (a 500) on both databases if it reached a query.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<id:name>`` in a route: a record id, so a URL with 0 or 99999999999 is a 404 from the router."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def _valid_id(value) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


def get_facility_or_404(facility_id: int) -> Facility:
    ids = visible_facility_ids(current_user)
    visible = _valid_id(facility_id) and (ids is None or facility_id in ids)
    facility = db.session.get(Facility, facility_id) if visible else None
    if facility is None:
        abort(404)
    return facility


def works_in(user, facility_id: int, *roles) -> bool:
    """The user belongs to this facility and holds one of ``roles`` (Role members or their values)."""
    return facility_id in user.facility_ids and user.has_role(*(Role(r) for r in roles))


def acts_in(user, facility_id: int, *roles) -> bool:
    """Admins everywhere; otherwise ``works_in``."""
    return user.is_admin or works_in(user, facility_id, *roles)


def find_stay(stay_id: int, allowed=None):
    """The stay, if it is in one of the current user's facilities and ``allowed(user, facility_id)``
    (when given: a feature's role rule) says yes; None otherwise. The one scope check of a stay:
    pages turn None into a 404 (``get_stay_or_404``), the API into its JSON 404."""
    from shelter.stays.models import Stay

    if not _valid_id(stay_id):
        return None
    stay = db.session.get(Stay, stay_id)
    if stay is None or not sees_episode(current_user, stay.facility_id) or (
            allowed is not None and not allowed(current_user, stay.facility_id)):
        return None
    return stay


def get_stay_or_404(stay_id: int, allowed=None):
    stay = find_stay(stay_id, allowed)
    if stay is None:
        abort(404)
    return stay


def can_see_address(user, facility: Facility) -> bool:
    """A Rumah Aman's address: only its own staff and admins. A panti's address is public."""
    if not facility.is_safe_house:
        return True
    return user.is_admin or facility.id in user.facility_ids


def may_export_personal(user, facility_ids: set[int] | None) -> bool:
    """Names and NIK in an exported file (it leaves Shelter): admins; facility and case managers for lists
    of their own facilities only; None: the network's referral list, the referral desk's (case managers)."""
    if user.is_admin or not user.has_role(Role.FACILITY_MANAGER, Role.CASE_MANAGER):
        return bool(user.is_admin)
    if facility_ids is None:
        return user.has_role(Role.CASE_MANAGER)
    return bool(facility_ids) and set(facility_ids) <= set(user.facility_ids)


def can_manage_facility(user, facility: Facility) -> bool:
    """Rooms and beds: admins everywhere, facility managers in their own facilities."""
    return user.is_admin or (
        user.has_role(Role.FACILITY_MANAGER) and facility.id in user.facility_ids
    )


def resident_scope_clause(user):
    """SQL condition: residents this user may open (registered at, or ever stayed in, their facilities)."""
    from shelter.residents.models import Resident
    from shelter.stays.models import Stay

    ids = visible_facility_ids(user)
    if ids is None:
        return sa.true()
    if not ids:
        return sa.false()
    stayed_here = sa.exists().where(Stay.resident_id == Resident.id, episode_clause(user, Stay.facility_id))
    return sa.or_(Resident.registered_facility_id.in_(ids), stayed_here)


def get_resident_or_404(resident_id: int, *, change: bool = False, options=()):
    """The resident, if the current user may open their record; 404 otherwise (never 403).
    ``change``: the user is about to write the person's shared data, which only the responsible
    facility may (``can_change_person``): otherwise the same 404. ``options``: loader options for
    what the caller shows next (the resident page's collections), in the same lookup."""
    from shelter.residents.models import Resident

    if not _valid_id(resident_id):
        abort(404)
    resident = db.session.execute(  # unique(): ``options`` may join a collection
        sa.select(Resident).where(Resident.id == resident_id, resident_scope_clause(current_user)).options(*options)
    ).unique().scalar_one_or_none()
    if resident is None or (change and not can_change_person(current_user, resident)):
        abort(404)
    return resident


# --- episodes (see the module docstring) ------------------------------------------------------------

def facilities_clause(facility_ids: set[int] | None, facility_id_column):
    """SQL condition: ``facility_id_column`` is one of ``facility_ids`` (None: any facility)."""
    if facility_ids is None:
        return sa.true()
    if not facility_ids:
        return sa.false()
    return facility_id_column.in_(sorted(facility_ids))


def episode_clause(user, facility_id_column):
    """SQL condition: the episode (a stay, or a row of one: ``facility_id_column`` says whose
    facility) is one the user sees and changes. Every list of per-resident episode data filters by
    it in the same statement."""
    return facilities_clause(visible_facility_ids(user), facility_id_column)


def sees_episode(user, facility_id: int | None) -> bool:
    """The one-record form of ``episode_clause``: an episode of this facility is the user's."""
    ids = visible_facility_ids(user)
    return ids is None or facility_id in ids


def episode_listed_clause(user, facility_id_column):
    """SQL condition: the episode shows at all to this user, in full (``episode_clause``) or as
    "stay in another facility"; another facility's Rumah Aman episode never does."""
    ids = visible_facility_ids(user)
    if ids is None:
        return sa.true()
    not_safe_house = sa.select(Facility.id).where(Facility.kind != FacilityKind.RUMAH_AMAN.value)
    return sa.or_(episode_clause(user, facility_id_column), facility_id_column.in_(not_safe_house))


def responsible_facility_id(resident) -> int:
    """The facility responsible for the person now: the open stay's, else the last stay's, else the
    one that registered them. One statement."""
    from shelter.stays.models import Stay

    latest = db.session.scalar(
        sa.select(Stay.facility_id).where(Stay.resident_id == resident.id)
        .order_by(Stay.discharged_at.is_(None).desc(), Stay.admitted_at.desc(), Stay.id.desc()).limit(1))
    return latest if latest is not None else resident.registered_facility_id


def can_change_person(user, resident, *, facility_id: int | None = None) -> bool:
    """Whether the user writes (and reads the reunification plan of) the person's shared data:
    admins, and the staff of the responsible facility (``facility_id`` when the caller has it)."""
    if user.is_admin:
        return True
    if facility_id is None:
        facility_id = responsible_facility_id(resident)
    return facility_id in user.facility_ids


# --- referrals ------------------------------------------------------------------------------------------
# A referral is the network's, not a facility's, until someone is admitted: case managers (of any
# facility: the referral desk) and admins see and act on every referral. A receiving facility's staff
# see a referral only through the offers made to their facility (the inbox). A Rumah Aman is named in a
# referral's history only to admins, its own staff and the case manager who offered it there; to
# everyone else it is "a protected facility", and to a partner always (``referral_facility_named``).

REFERRAL_DECIDE_ROLES = (Role.INTAKE_STAFF, Role.FACILITY_MANAGER, Role.CASE_MANAGER)


def manages_referrals(user) -> bool:
    """Record, offer, waitlist, reorder and close referrals: case managers and admins."""
    return bool(getattr(user, "is_admin", False)) or (hasattr(user, "has_role") and user.has_role(Role.CASE_MANAGER))


def referral_clause(user):
    """SQL condition on ``Referral``: the referrals this user may open. The referral desk sees every
    referral, except one placed in a Rumah Aman: that one only admins, the safe house's staff and the
    case manager who handled it (its episode is the safe house's: not even "a stay elsewhere")."""
    from shelter.referrals.models import Referral

    if not manages_referrals(user):
        return sa.false()
    if user.is_admin:
        return sa.true()
    safe_houses = sa.select(Facility.id).where(Facility.kind == FacilityKind.RUMAH_AMAN.value)
    return sa.or_(Referral.placed_facility_id.is_(None), Referral.placed_facility_id.not_in(safe_houses),
                  Referral.case_manager_id == user.id, facilities_clause(user.facility_ids, Referral.placed_facility_id))


def sees_referral(user, referral) -> bool:
    """The one-record form of ``referral_clause``."""
    if not manages_referrals(user):
        return False
    facility = referral.placed_facility
    return (user.is_admin or facility is None or not facility.is_safe_house or referral.case_manager_id == user.id
            or facility.id in user.facility_ids)


def decides_offers_in(user, facility_id: int) -> bool:
    """Accept or decline offers made to this facility: its intake staff, managers and case managers."""
    return bool(getattr(user, "is_admin", False)) or works_in(user, facility_id, *REFERRAL_DECIDE_ROLES)


def offer_inbox_clause(user, facility_id_column):
    """SQL condition: offers made to a facility whose inbox this user reads (admins: every facility)."""
    if user.is_admin:
        return sa.true()
    if not user.has_role(*REFERRAL_DECIDE_ROLES):
        return sa.false()
    return facilities_clause(user.facility_ids, facility_id_column)


def sees_offer(user, offer) -> bool:
    """One offer: the receiving facility's deciders; the referral desk, unless it is a Rumah Aman's offer
    they did not make (or its referral is one they may not open)."""
    if decides_offers_in(user, offer.facility_id):
        return True
    return (manages_referrals(user) and sees_referral(user, offer.referral)
            and referral_facility_named(user, offer.facility, offered_by_id=offer.offered_by_id))


def referral_facility_named(user, facility: Facility | None, *, offered_by_id: int | None = None) -> bool:
    """Whether a referral's page names this facility to the user, or says "a protected facility"."""
    if facility is None:
        return False
    if not facility.is_safe_house:
        return True
    return user.is_admin or facility.id in user.facility_ids or (
        offered_by_id is not None and offered_by_id == user.id)


# --- reports ------------------------------------------------------------------------------------------
# A facility's report: the people who work there (any role) and admins; a kota's or the province's:
# admins, case managers and facility managers. Counts below 3 are hidden whenever the figures leave a
# facility's scope (every kota and province report, and everything the API serves, for everyone).

def sees_report(user, scope) -> bool:
    if is_partner(user) or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if scope.level == "facility":
        return scope.facility_id in user.facility_ids
    return user.has_role(Role.CASE_MANAGER, Role.FACILITY_MANAGER)


def report_suppressed(user, scope) -> bool:
    if scope.level != "facility":
        return True
    return not (user.is_admin or scope.facility_id in user.facility_ids)
