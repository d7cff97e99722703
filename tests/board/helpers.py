"""Helpers for the board and stays page tests: read the counters and bed cells out of the HTML, and
build many beds fast."""

from __future__ import annotations

import re

import sqlalchemy as sa

from shelter.availability import store
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.conftest import counting_statements  # noqa: F401  (re-exported for the tests)


def counts_block(html: str, facility_id: int) -> str:
    match = re.search(rf'<div id="counts-{facility_id}" class="counts"[^>]*>(.*?)</dl>\s*</div>', html, re.S)
    assert match, f"no counters for facility {facility_id}"
    return match.group(1)


def counts(html: str, facility_id: int) -> dict[str, object]:
    """{'available': 3, 'total': 5, 'women': (free, total), …, 'over_capacity': n} from a facility's counters."""
    block = counts_block(html, facility_id)
    result: dict[str, object] = {
        "available": int(re.search(r'data-count="available">(\d+)<', block).group(1)),
        "total": int(re.search(r"free of (\d+) bed", block).group(1)),
        "occupied": int(re.search(r"(\d+) occupied", block).group(1)),
        "held": int(re.search(r"(\d+) held", block).group(1)),
        "out_of_service": int(re.search(r"(\d+) out of service", block).group(1)),
    }
    over = re.search(r'data-count="over_capacity">\+(\d+) over capacity', block)
    result["over_capacity"] = int(over.group(1)) if over else 0
    for category, free, total in re.findall(r'data-category="(\w+)">(\d+) of (\d+) free<', block):
        result[category] = (int(free), int(total))
    return result


def bed_cells(html: str) -> dict[int, str]:
    """{bed id: status} for every bed cell on the page."""
    return {int(bed_id): status for bed_id, status in
            re.findall(r'id="bed-(\d+)" class="bed bed-\w+" data-status="(\w+)"', html)}


def facility_section(html: str, facility_id: int) -> str:
    match = re.search(rf'<section [^>]*id="facility-{facility_id}".*?</section>', html, re.S)
    assert match, f"no section for facility {facility_id}"
    return match.group(0)


def add_facilities(n: int, *, rooms: int = 1, beds_per_room: int = 5, prefix: str = "Bulk", **values) -> list[int]:
    """n facilities with rooms and beds, inserted in a few statements (fast even for hundreds of beds)."""
    start = (db.session.scalar(sa.select(sa.func.max(Facility.id))) or 0) + 1
    facility_rows = [dict(code=f"{prefix.upper()}-{start + i}", name=f"{prefix} {start + i}", kind="panti",
                          kota="jakarta_barat", address="Jl. Uji Fiktif", **values) for i in range(n)]
    db.session.execute(sa.insert(Facility), facility_rows)
    ids = list(db.session.scalars(sa.select(Facility.id).where(Facility.code.in_([r["code"] for r in facility_rows]))))
    db.session.execute(sa.insert(Room), [dict(facility_id=f, name=f"Kamar {r}", sex="female", age_group="adult")
                                         for f in ids for r in range(rooms)])
    room_ids = list(db.session.scalars(sa.select(Room.id).where(Room.facility_id.in_(ids))))
    db.session.execute(sa.insert(Bed), [dict(room_id=r, label=f"B-{b:03d}", wheelchair_accessible=b == 0,
                                             has_crib=False) for r in room_ids for b in range(beds_per_room)])
    store.fill_all()  # inserted around the services: write their stored counts, as bench/datagen.py does
    db.session.commit()
    return ids
