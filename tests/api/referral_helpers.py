"""Shared by the referral API tests: partner tokens, bodies, and the referral tables' row counts."""

from __future__ import annotations

import copy

import sqlalchemy as sa

from shelter.extensions import db
from tests.api.conftest import TABLES, Api

REFERRAL_TABLES = (*TABLES, "referrals", "referral_children", "referral_categories", "referral_offers",
                   "referral_offer_holds", "referral_events", "partner_tokens")

BODY = {
    "urgency": "emergency",
    "referred_at": None,
    "reference": "LP/77/XII/2026",
    "person": {"sex": "female", "age": 29, "wheelchair": False, "pregnant": False, "high_risk": True,
               "categories": ["adult_domestic_violence"]},
    "children": [],
    "consent": {"by": "person", "method": "verbal", "note": "Setuju di kantor PPA"},
    "summary": "Korban KDRT, perlu tempat malam ini.",
    "officer": {"name": "Bripka Sari Rekaan", "phone": "0812-5550-1234"},
}


def body(**changes) -> dict:
    """A valid referral body; ``person``/``consent`` changes are merged into those objects."""
    found = copy.deepcopy(BODY)
    for key, value in changes.items():
        if key in ("person", "consent") and isinstance(value, dict):
            found[key].update(value)
        else:
            found[key] = value
    return found


def partner_token(partner, name: str = "sistem mitra") -> str:
    from shelter.referrals.tokens import issue_partner_token

    token = issue_partner_token(partner, name)
    db.session.commit()
    return token


def partner_api(app, partner) -> Api:
    return Api(app, partner_token(partner))


def referral_counts() -> dict[str, int]:
    """Rows per table (the API's and the referrals'), leaving out the audit of tokens the test issues."""
    db.session.expire_all()
    counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in REFERRAL_TABLES}
    counts["audit_events"] -= db.session.scalar(sa.text(
        "SELECT count(*) FROM audit_events WHERE action LIKE 'api_token.%' OR action LIKE 'partner_token.%'"))
    counts["partner_tokens"] = 0
    return counts
