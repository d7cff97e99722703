"""Migration 0013_alert_hysteresis fills the new settings of the rules that existed before it."""

from __future__ import annotations

from datetime import datetime

import flask_migrate
import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.test_migrations import empty_database_url, fresh_app  # noqa: F401 - fixtures

BEFORE = "0010_programmes"
WHEN = datetime(2026, 11, 30, 3, 0)


def test_existing_rules_get_the_defaults_and_keep_their_last_alert(fresh_app):  # noqa: F811
    flask_migrate.upgrade(revision=BEFORE)
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO facilities (id, code, name, kind, kota, address, is_active, created_at) "
            "VALUES (1, 'PSBK-01', 'Panti', 'panti', 'jakarta_timur', '', true, :t)"), {"t": WHEN})
        for rule_id, n, p in ((1, 2, None), (2, None, 85), (3, 0, 5)):
            conn.execute(sa.text(
                "INSERT INTO capacity_rules (id, facility_id, max_free_beds, min_occupancy_percent, notify_recovery, "
                "active, is_low, created_at, updated_at) VALUES (:id, 1, :n, :p, false, true, false, :t, :t)"),
                {"id": rule_id, "n": n, "p": p, "t": WHEN})
        conn.execute(sa.text(
            "INSERT INTO capacity_alerts (rule_id, facility_id, kind, free_beds, total_beds, occupancy_percent, "
            "sms_count, created_at) VALUES (1, 1, 'low', 2, 12, 83, 1, :t)"), {"t": WHEN})
    flask_migrate.upgrade(revision="0013_alert_hysteresis")
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT id, recovery_free_beds, recovery_occupancy_percent, min_interval_minutes, last_alert_at, "
            "alert_pending FROM capacity_rules ORDER BY id")).all()
    assert [tuple(r[:4]) for r in rows] == [(1, 4, None, 60), (2, None, 75, 60), (3, 2, 0, 60)]
    assert str(rows[0][4]).startswith("2026-11-30 03:00") and rows[1][4] is None
    assert not any(r[5] for r in rows)
    for statement in ("UPDATE capacity_rules SET recovery_free_beds = 2 WHERE id = 1",
                      "UPDATE capacity_rules SET recovery_occupancy_percent = 85 WHERE id = 2",
                      "UPDATE capacity_rules SET min_interval_minutes = -1 WHERE id = 1"):
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(statement))
    flask_migrate.downgrade(revision=BEFORE)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM capacity_rules")).scalar() == 3
