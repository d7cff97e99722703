"""No capacity SMS carries a facility's name, code or address (a Rumah Aman's name is a code name), nor
anything about a resident: every template in every language, and the messages the demo data produces."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from shelter.alerts import service
from shelter.alerts.models import CapacityAlert, CapacityRule, RULE_CATEGORIES
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.i18n import LOCALES
from shelter.residents.models import Resident
from tests.alerts.conftest import messages

TEMPLATES = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "templates" / "sms").glob("capacity_*.txt"))


def forbidden_words() -> set[str]:
    words = set()
    for facility in db.session.scalars(sa.select(Facility)):
        words |= {facility.name, facility.code}
        if facility.address:
            words.add(facility.address)
    for resident in db.session.scalars(sa.select(Resident)):
        words |= {w for w in (resident.full_name, resident.alias, getattr(resident, "nik", None)) if w}
        words |= {part for part in resident.full_name.split() if len(part) > 3 and part != "(demo)"}
    return {w for w in words if w}


def assert_clean(body: str, words: set[str]) -> None:
    lowered = body.lower()
    leaked = [w for w in words if w.lower() in lowered]
    assert not leaked, (body, leaked)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_capacity_template_in_every_language_has_counts_only(app, ward, template):
    assert TEMPLATES == ["capacity_low.txt", "capacity_recovered.txt"]
    words = forbidden_words()
    for locale in LOCALES:
        for category in (None, *RULE_CATEGORIES):
            alert = CapacityAlert(kind="low", category=category, free_beds=1, total_beds=12, occupancy_percent=91)
            body = service.sms_body(f"sms/{template}", alert, locale=locale)
            assert body and "\n" not in body and len(body) <= 160 * 2
            assert_clean(body, words)


def test_demo_rules_alert_without_naming_the_facility(app):
    from shelter import demo
    from shelter.auth.models import User

    demo.load()
    db.session.commit()
    rules = list(db.session.scalars(sa.select(CapacityRule).order_by(CapacityRule.id)).unique())
    assert {r.facility.code for r in rules} == {"PSBK-DEMO", "RA-MERPATI"}
    manager = db.session.scalar(sa.select(User).where(User.email == "manajer@demo.shelter.test"))
    assert manager.phone and manager.phone.startswith("+62812555")
    for n, user in enumerate({u for r in rules for u in r.recipients}):  # every recipient can be texted here
        user.phone = user.phone or f"+6281255501{50 + n}"
    for rule in rules:  # make every rule cross now
        rule.max_free_beds, rule.is_low = service.MAX_FREE_BEDS_LIMIT, False
        rule.recovery_free_beds = service.MAX_FREE_BEDS_LIMIT + 1  # above it, as the database requires
    db.session.commit()
    for rule in rules:
        assert service.evaluate_facility(rule.facility_id) == 1
    db.session.commit()
    sent = messages()
    assert len(sent) == sum(len(r.recipients) for r in rules) >= 2
    words = forbidden_words()
    for message in sent:
        assert_clean(message.body, words)
