"""Migrations 0015 and 0019 fill the counts of the data already there, by the same rules as ``store.derive``."""

from __future__ import annotations

from datetime import date, timedelta

import flask_migrate
import sqlalchemy as sa

from shelter.availability import store
from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays.models import BedAssignment, BedHold, Stay


def test_the_migration_fills_the_counts_of_existing_data(app, make_facility, make_room, make_bed, make_resident,
                                                         admin):
    a, empty = make_facility(), make_facility()
    women = make_room(facility=a, sex="female", age_group="adult")
    boys = make_room(facility=a, sex="male", age_group="child")
    beds = [make_bed(room=women, label="W1"), make_bed(room=women, label="W2", wheelchair_accessible=True),
            make_bed(room=women, label="W3", out_of_service_reason="Rusak", out_of_service_since=date(2026, 1, 1)),
            make_bed(room=boys, label="B1"), make_bed(room=boys, label="B2")]
    stay = Stay(resident_id=make_resident(a).id, facility_id=a.id)
    over = Stay(resident_id=make_resident(a).id, facility_id=a.id, over_capacity=True, override_reason="penuh")
    db.session.add_all([stay, over])
    db.session.flush()
    now = utcnow()
    db.session.add_all([
        BedAssignment(stay_id=stay.id, bed_id=beds[0].id),
        BedHold(bed_id=beds[3].id, held_by_id=admin.id, reason="r", created_at=now - timedelta(hours=3),
                expires_at=now - timedelta(hours=1)),  # expired, not yet released: still held in the row
        BedHold(bed_id=beds[4].id, held_by_id=admin.id, reason="r", created_at=now - timedelta(hours=3),
                expires_at=now - timedelta(hours=2), released_at=now - timedelta(hours=2)),
    ])
    db.session.commit()
    expected, expected_rooms = store.derive(), store.derive_rooms()
    a_id, empty_id, women_id, boys_id = a.id, empty.id, women.id, boys.id
    db.session.commit()  # no transaction of ours open while the migration drops the table (PostgreSQL waits)

    flask_migrate.downgrade(revision="0014_referrals")
    flask_migrate.upgrade()
    db.session.remove()
    rows = {i: row.counts() for i, row in store.stored().items()}
    assert rows == expected
    assert rows[a_id]["all_total"] == 5 and rows[a_id]["all_occupied"] == 1 and rows[a_id]["all_held"] == 1
    assert rows[a_id]["all_out_of_service"] == 1 and rows[a_id]["all_available"] == 2
    assert rows[a_id]["boys_held"] == 1 and rows[a_id]["accessible_available"] == 1
    assert rows[a_id]["over_capacity"] == 1 and rows[empty_id] == store.empty()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("availability_counts"))) == 2
    # Migration 0019 fills the rooms' rows (find-a-bed) the same way: the expired hold still counts.
    assert store.stored_rooms() == expected_rooms
    assert expected_rooms[women_id] == (1, 1, 0) and expected_rooms[boys_id] == (1, 0, 0)
