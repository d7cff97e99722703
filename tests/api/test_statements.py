"""The list endpoints issue the same number of SQL statements whatever the amount of data."""

from __future__ import annotations

from shelter.extensions import db
from shelter.stays import service as stays
from tests.conftest import counting_statements


def grow(n, make_facility, make_room, make_bed, make_resident, staff):
    facilities = []
    for _ in range(n):
        facility = make_facility()
        room = make_room(facility=facility)
        beds = [make_bed(room=room) for _ in range(3)]
        stays.admit(make_resident(facility), beds[0], by=staff)
        make_resident(facility)
        facilities.append(facility)
    db.session.commit()
    return facilities


def test_statement_counts_do_not_grow(api_as, admin, make_facility, make_room, make_bed, make_resident):
    api = api_as(admin)
    api.get("availability")  # the token's last-used stamp is written once; not part of the count
    counts = []
    for n in (1, 6):
        facilities = grow(n, make_facility, make_room, make_bed, make_resident, admin)
        with counting_statements() as statements:
            assert api.get("availability").status_code == 200
            assert api.get("residents").status_code == 200
            assert api.get(f"facilities/{facilities[-1].id}/beds").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
