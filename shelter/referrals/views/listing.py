"""The referral desk's list: tabs (open, waitlist, placed, closed, all), filters (urgency, partner,
mine) and pages. The waitlist tab shows each referral's place in line, the free bed it fits now
(a Rumah Aman only as "a protected facility" unless the user may know it) and the reorder forms.

A row shows the needs, never a name unless the referral carries one. The statements a page issues do
not grow with its rows: the page (``queries.referrals_page``, with its eager loads), the partners of
the filter, and on the waitlist tab the positions and the matched facilities, one statement each.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import render_template, request
from flask_login import current_user

from shelter import access
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.referrals import forms, labels, queries, waitlist
from shelter.referrals.models import Partner
from shelter.referrals.views.common import bp, menu_links, render, require_desk

TABS = ("open", "waitlist", "placed", "closed", "all")


def page_number() -> int:
    raw = request.args.get("page", "")
    return int(raw) if raw.isdigit() and len(raw) <= 6 else 1


def matched_places(items) -> dict[int, str | None]:
    """Referral id → the name of the facility whose free bed it fits (None: "a protected facility")."""
    ids = {r.matched_facility_id for r in items if r.matched_facility_id}
    if not ids:
        return {}
    facilities = {f.id: f for f in db.session.scalars(sa.select(Facility).where(Facility.id.in_(ids)))}
    places = {}
    for referral in items:
        facility = facilities.get(referral.matched_facility_id)
        if facility is not None:
            places[referral.id] = facility.name if access.referral_facility_named(current_user, facility) else None
    return places


def list_context(filters: queries.ReferralFilters) -> dict:
    page = queries.referrals_page(current_user, filters, page=page_number())
    context = {
        "page": page, "filters": filters, "tabs": TABS,
        "partners": list(db.session.scalars(sa.select(Partner).order_by(Partner.name))),
        "urgencies": labels.URGENCIES,
    }
    if filters.view == "waitlist":
        context.update(positions=waitlist.positions(), matched=matched_places(page.items),
                       reorder_form=forms.ReorderForm(formdata=None))
    return context


def filter_args(filters: queries.ReferralFilters, **changes) -> dict:
    """The query string of this list with some values changed (for tabs and page links)."""
    args = {"view": filters.view, "urgency": filters.urgency, "partner": filters.partner_id or "",
            "mine": "1" if filters.mine else ""}
    args.update(changes)
    return {key: value for key, value in args.items() if value not in ("", None)}


bp.add_app_template_global(filter_args, "referral_filter_args")


@bp.get("/")
def index():
    require_desk()
    filters = queries.ReferralFilters.from_args(request.args)
    return render("referrals/index.html", "referrals/_list.html", **list_context(filters))


@bp.get("/menu-counts")
def menu_counts():
    """The counts beside "Rujukan" and "Tawaran masuk", swapped into the top bar out of band after the
    page has loaded: at most two COUNT statements, and none on the pages themselves."""
    desk, decides = menu_links()
    counts = queries.menu_counts(current_user) if desk or decides else None
    return render_template("referrals/_menu_counts.html", desk=desk, decides=decides, counts=counts)
