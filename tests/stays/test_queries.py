from datetime import date, timedelta

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays import queries, service
from shelter.stays.models import BedHold


def test_availability_derives_every_state_per_category(app, make_facility, make_room, make_bed, make_user, make_resident):
    facility = make_facility()
    women = make_room(facility=facility, sex="female", age_group="adult")
    boys = make_room(facility=facility, sex="male", age_group="child")
    occupied, held, broken, free = (make_bed(room=women) for _ in range(4))
    make_bed(room=women, wheelchair_accessible=True)
    make_bed(room=boys)
    broken.out_of_service_reason, broken.out_of_service_since = "Rusak", date(2026, 1, 1)
    db.session.commit()
    staff = make_user(roles=("intake_staff",), facilities=[facility])
    service.admit(make_resident(facility), occupied, by=staff)
    service.place_hold(held, by=staff, reason="rujukan")
    db.session.commit()

    [entry] = queries.availability([facility.id])
    assert entry.counts.as_dict() == {"total": 6, "occupied": 1, "held": 1, "out_of_service": 1, "available": 3}
    assert entry.categories["women"].available == 2 and entry.categories["boys"].available == 1
    assert entry.accessible.available == 1

    db.session.execute(sa.update(BedHold).values(expires_at=utcnow() - timedelta(seconds=1),
                                                 created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    [entry] = queries.availability([facility.id])
    assert entry.counts.held == 0 and entry.counts.available == 4
    states = {s.bed_id: s.status for s in queries.bed_states([facility.id])}
    assert states[occupied.id] == "occupied" and states[broken.id] == "out_of_service"
    assert states[held.id] == "available" and states[free.id] == "available"
