"""The lists behind a report's counts, one page at a time, restricted to what the user may open:
stays, residents and follow-ups of the user's own facilities (``access.episode_clause``,
``access.resident_scope_clause``), referrals the user may open (``access.referral_clause``). A count in
a kota or province report can be larger than its list: the list shows only the user's own episodes.
Two statements per page (the total and the page), whatever the data.
"""

from __future__ import annotations

import sqlalchemy as sa

from shelter import access
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.followups.models import FollowUp
from shelter.pagination import Page, clamp_page
from shelter.referrals.models import Partner, Referral
from shelter.reports import selections
from shelter.reports.stay_sql import joined_stays
from shelter.residents.models import Resident
from shelter.stays.models import Stay

PER_PAGE = 50
KINDS = ("stays", "residents", "followups", "referrals")


def _page(base, columns, order, page: int, per_page: int) -> Page:
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    page = clamp_page(page, total, per_page)
    query = base.with_only_columns(*columns).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    return Page(items=list(db.session.execute(query)), page=page, per_page=per_page, total=total)


def list_query(user, ctx, kind: str, figure: str, args) -> tuple | None:
    """The list behind ``figure`` as (base statement of ids, the page's columns, order); None when the
    figure or its arguments are unknown. The exports write the same selection (``shelter.exports``)."""
    if kind == "stays":
        clause = selections.stay_clause(ctx, figure, args)
        if clause is None:
            return None
        base = (sa.select(Stay.id).select_from(joined_stays(ctx)).join(Resident, Resident.id == Stay.resident_id)
                .join(Facility, Facility.id == Stay.facility_id)
                .where(clause, access.episode_clause(user, Stay.facility_id)))
        columns = (Stay.id, Stay.resident_id, Resident.full_name, Facility.name.label("facility_name"),
                   Stay.admitted_at, Stay.discharged_at, Stay.discharge_outcome, Stay.over_capacity)
        return base, columns, (Stay.admitted_at, Stay.id)
    if kind == "residents":
        clause = selections.resident_clause(ctx, figure, args)
        if clause is None:
            return None
        # Served in one of the user's own facilities: a stay elsewhere (a Rumah Aman's) never lists them.
        own = sa.select(Stay.resident_id).where(access.episode_clause(user, Stay.facility_id), Stay.admitted_at < ctx.hi,
                                                sa.or_(Stay.discharged_at.is_(None), Stay.discharged_at > ctx.lo))
        base = sa.select(Resident.id).where(clause, access.resident_scope_clause(user), Resident.id.in_(own))
        columns = (Resident.id, Resident.full_name, Resident.sex, Resident.birth_date, Resident.estimated_age,
                   Resident.kota_of_origin)
        return base, columns, (Resident.full_name, Resident.id)
    if kind == "followups":
        clause = selections.followup_clause(ctx, figure, args)
        if clause is None:
            return None
        base = (sa.select(FollowUp.id).join(Resident, Resident.id == FollowUp.resident_id)
                .join(Facility, Facility.id == FollowUp.facility_id)
                .where(clause, access.episode_clause(user, FollowUp.facility_id)))
        columns = (FollowUp.id, FollowUp.stay_id, FollowUp.resident_id, Resident.full_name,
                   Facility.name.label("facility_name"), FollowUp.due_on, FollowUp.status, FollowUp.done_on)
        return base, columns, (FollowUp.due_on, FollowUp.id)
    if kind == "referrals":
        clause = selections.referral_clause(ctx, figure, args)
        if clause is None:
            return None
        base = (sa.select(Referral.id).join(Partner, Partner.id == Referral.partner_id)
                .where(clause, access.referral_clause(user)))
        columns = (Referral.id, Partner.kind.label("partner_kind"), Referral.received_at, Referral.status,
                   Referral.urgency)
        return base, columns, (Referral.received_at, Referral.id)
    return None


def list_page(user, ctx, kind: str, figure: str, args, page: int = 1, per_page: int = PER_PAGE) -> Page | None:
    """One page of the list behind ``figure``; None when the figure or its arguments are unknown."""
    found = list_query(user, ctx, kind, figure, args)
    if found is None:
        return None
    return _page(*found, page, per_page)
