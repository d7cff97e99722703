"""Generated JSON to every POST endpoint: never a 5xx, every answer as the document says, and a refused
request writes nothing (an accepted one leaves no half-made stay behind)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter.extensions import db
from shelter.stays import service as stays
from tests.api.conftest import Api, row_counts, token_for

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

edge_text = st.sampled_from(["", " ", "\x00", "A\x07", "\ud800", "\u200b", "é" * 130, "x" * 600, "0", "-1",
                             "1e3", "2024-02-30", "2024-05-01T10:00:00", "2024-05-01T10:00:00+07:00",
                             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "<script>",
                             "' OR 1=1 --", "٣", "null", "female", "reunified", "PSBK-01", "3174011234567890"])
leaf = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), edge_text)
json_value = st.recursive(leaf, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)), max_leaves=10)


def payload(required: dict, optional: dict) -> dict[str, st.SearchStrategy]:
    """"plausible": the required keys and some optional ones, values valid or near misses;
    "junk": anything in the known keys, extra keys, or not an object at all."""
    plausible = st.fixed_dictionaries(required, optional=optional)
    mixed = st.fixed_dictionaries({}, optional={key: st.one_of(value, json_value)
                                                for key, value in {**required, **optional}.items()})
    with_extra = st.tuples(plausible, st.dictionaries(st.text(max_size=10), json_value, min_size=1,
                                                      max_size=2)).map(lambda pair: {**pair[1], **pair[0]})
    return {"plausible": plausible, "junk": st.one_of(mixed, with_extra, json_value)}


def mostly(valid: list, noise: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Usually a valid value, now and then a near miss (the junk bodies bring the real junk).
    Hypothesis favours later branches of one_of, hence the weights are in a sampled list."""
    return st.tuples(st.sampled_from([True] * 6 + [False]), st.sampled_from(valid),
                     noise if noise is not None else st.text(max_size=20)).map(lambda t: t[1] if t[0] else t[2])


def clean_text(max_size: int) -> st.SearchStrategy:
    return st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=max_size)


small_id = mostly(list(range(1, 9)), st.sampled_from([-1, 0, 2**31 - 1, 2**31, 2**63]))


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident, admin):
    a = make_facility()
    women, men = make_room(facility=a, sex="female", age_group="adult"), make_room(facility=a, sex="male")
    beds = [make_bed(room=women, label=f"W{i}") for i in range(4)] + [make_bed(room=men, label="M1")]
    resident = make_resident(a)
    stay = stays.admit(resident, beds[0], by=admin)
    for _ in range(3):
        make_resident(a, full_name="Penghuni Lain", birth_date=date(1980, 1, 1))
    db.session.commit()
    assert a.id == 1  # the bodies name facility 1 most of the time
    return {"facility": a, "room": women, "stay": stay}


def invariants_hold() -> bool:
    """No open stay in a bed lost its assignment, no bed or stay has two open assignments."""
    rows = db.session.execute(sa.text(
        "SELECT s.id, count(a.id) FROM stays s LEFT JOIN bed_assignments a "
        "ON a.stay_id = s.id AND a.ended_at IS NULL "
        "WHERE s.discharged_at IS NULL AND s.over_capacity = :false GROUP BY s.id"), {"false": False}).all()
    doubles = db.session.scalar(sa.text(
        "SELECT count(*) FROM (SELECT bed_id FROM bed_assignments WHERE ended_at IS NULL "
        "GROUP BY bed_id HAVING count(*) > 1) d"))
    return all(n == 1 for _, n in rows) and doubles == 0


def drive(app, token, path, body):
    before = row_counts()
    response = Api(app, token).post(path, json=body)  # checked against the document
    assert response.status_code < 500
    if response.status_code >= 400:
        assert row_counts() == before, response.get_json()
    assert invariants_hold()
    return response


ENDPOINTS = {
    "residents": payload(
        {"name": mostly(["Dewi Contoh", "Ani", "Budi Santoso"], st.sampled_from(["  ", "x" * 121, "A\x00"])),
         "sex": mostly(["female", "male"]), "facility_id": mostly([1], small_id)},
        {"birth_date": st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 1, 1)).map(date.isoformat),
         "estimated_age": st.integers(-1, 125), "nik": st.from_regex(r"[0-9]{16}|[0-9 .-]{10,20}", fullmatch=True),
         "alias": clean_text(70), "kota_of_origin": clean_text(70),
         "risk_level": mostly(["low", "medium", "high"]),
         "categories": st.lists(mostly(["adult_trafficking", "ppks_homeless"]), max_size=2),
         "disabilities": clean_text(50), "guardian_id": small_id,
         "allow_duplicates": st.booleans()}),
    "stays": payload({"resident_id": small_id, "bed_id": small_id},
                     {"override_reason": mostly(["Kasur terakhir", None])}),
    "stays/{stay}/transfer": payload({"bed_id": small_id}, {"override_reason": mostly(["Kasur terakhir", None])}),
    "stays/{stay}/discharge": payload(
        {"outcome": mostly(["reunified", "referred", "died"])},
        {"note": clean_text(30),
         "discharged_at": st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat())}),
    "holds": payload({"bed_id": small_id, "reason": mostly(["Rujukan P2TP2A"])},
                     {"hours": mostly(list(range(1, 73)), st.integers(-1, 100))}),
    "facilities": payload(
        {"kind": mostly(["panti", "rumah_aman"]), "code": st.from_regex(r"[A-Z0-9]{1,4}(-[A-Za-z0-9]{1,5})?",
                                                                       fullmatch=True),
         "name": mostly(["Panti Uji", "Kenari"], clean_text(130)),
         "kota": mostly(["jakarta_barat", "kepulauan_seribu"])},
        {"address": clean_text(40), "phone": st.sampled_from(["0812 5550 199", "+62 21 555 0199", "12", ""])}),
    "facilities/{facility}/rooms": payload(
        {"name": mostly(["Kamar A", "Kamar B"], clean_text(90)),
         "sex": mostly(["female", "male", "mixed_family"]),
         "age_group": mostly(["child", "adult", "mother_with_children"])}, {}),
    "rooms/{room}/beds": payload(
        {}, {"label": mostly(["A1", "A2"], clean_text(40)), "prefix": mostly(["B-", ""], clean_text(25)),
             "first_number": mostly([0, 1, 10], st.integers(-1, 100001)),
             "count": mostly([1, 5, 40], st.integers(-1, 210)),
             "pad_width": mostly([1, 2, 3], st.integers(0, 8)), "wheelchair_accessible": st.booleans(),
             "has_crib": st.booleans()}),
}


@pytest.mark.parametrize("kind", ["plausible", "junk"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_generated_bodies_never_5xx(app, admin, world, endpoint, kind):
    token = token_for(admin)
    path = endpoint.format(facility=world["facility"].id, room=world["room"].id, stay=world["stay"].id)

    @FUZZ
    @given(body=ENDPOINTS[endpoint][kind])
    def run(body):
        drive(app, token, path, body)

    run()


@FUZZ
@given(raw=st.one_of(st.binary(max_size=60), st.text(max_size=60).map(str.encode)))
def test_raw_bytes_are_400_or_422(app, admin, world, raw):
    response = Api(app, token_for(admin)).post("stays", data=raw)
    assert response.status_code in (400, 422)
