"""Whatever is typed into the facility, room and bed forms, the answer is never a 500, and a refused
submission writes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.facilities.helpers import row_counts

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Mostly junk, sometimes plausible, so both the refusals and the successes are exercised.
junk = st.text(max_size=80)
edge = st.sampled_from(["", " ", "\x00", "A\x07", "\u200b", "é" * 40, "x" * 500, "0", "-1", "1e3", "99999999999999999999",
                        "<script>", "' OR 1=1 --", "٣", "²", "1_0"])
text = st.one_of(junk, edge)
number = st.one_of(st.integers(min_value=-5, max_value=250).map(str), text)
maybe = st.one_of(st.none(), text)  # None leaves the field out of the POST


def form(**fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


@pytest.fixture
def room(make_room, make_bed):
    room = make_room()
    make_bed(room=room, label="01")
    return room


@FUZZ
@given(data=form(
    kind=st.one_of(st.sampled_from(["panti", "rumah_aman"]), maybe),
    code=st.one_of(st.from_regex(r"[A-Za-z]{2,5}-[0-9]{2}", fullmatch=True), maybe),
    name=st.one_of(st.just("Panti Uji"), maybe),
    kota=st.one_of(st.sampled_from(["jakarta_pusat", "kepulauan_seribu"]), maybe),
    address=maybe,
    phone=st.one_of(st.sampled_from(["0812 5550 199", "+62 21 555 0199", ""]), maybe),
))
def test_facility_form(client, as_admin, data):
    before = row_counts()
    response = client.post("/facilities/new", data=data)
    assert response.status_code < 500
    after = row_counts()
    if response.status_code == 302:
        assert after["facilities"] == before["facilities"] + 1
    else:
        assert response.status_code == 422
        assert after == before


@FUZZ
@given(data=form(
    name=st.one_of(st.sampled_from(["Kamar A", "Kamar B"]), maybe),
    sex=st.one_of(st.sampled_from(["female", "male", "mixed_family"]), maybe),
    age_group=st.one_of(st.sampled_from(["child", "adult"]), maybe),
), htmx=st.booleans())
def test_room_form(client, as_admin, room, data, htmx):
    url = f"/facilities/{room.facility_id}/rooms"
    payload = {f"newroom-{k}": v for k, v in data.items()}
    before = row_counts()
    response = client.htmx("POST", url, data=payload) if htmx else client.post(url, data=payload)
    assert response.status_code < 500
    after = row_counts()
    if after != before:
        assert after["rooms"] == before["rooms"] + 1 and response.status_code in (200, 302)
    else:
        assert response.status_code == (200 if htmx else 422)


@FUZZ
@given(data=form(label_prefix=maybe, first_number=number, count=number, pad_width=number,
                 wheelchair_accessible=maybe, has_crib=maybe), htmx=st.booleans())
def test_bulk_beds_form(client, as_admin, room, data, htmx):
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/beds"
    payload = {f"room{room.id}-{k}": v for k, v in data.items()}
    before = row_counts()
    response = client.htmx("POST", url, data=payload) if htmx else client.post(url, data=payload)
    assert response.status_code < 500
    after = row_counts()
    if after != before:  # accepted: exactly `count` beds and one audit event, nothing else
        added = after["beds"] - before["beds"]
        assert added == int(data["count"]) and 1 <= added <= 200
        assert after["audit_events"] == before["audit_events"] + 1
        assert after["rooms"] == before["rooms"] and after["facilities"] == before["facilities"]
    else:
        assert response.status_code == (200 if htmx else 422)


@FUZZ
@given(data=form(label=maybe, wheelchair_accessible=maybe, has_crib=maybe, out_of_service=maybe,
                 out_of_service_reason=maybe,
                 out_of_service_since=st.one_of(st.dates().map(str), maybe),
                 out_of_service_until=st.one_of(st.dates().map(str), maybe)))
def test_bed_form(client, as_admin, room, data):
    bed = room.beds[0]
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/beds/{bed.id}/edit"
    before = row_counts()
    response = client.htmx("POST", url, data={f"bed{bed.id}-{k}": v for k, v in data.items()})
    assert response.status_code == 200
    after = row_counts()
    if 'class="bed-row editing"' in response.get_data(as_text=True):  # refused: the form came back
        assert after == before
    else:  # saved (or nothing to change): the row came back, one audit event at most
        assert after["beds"] == before["beds"]
        assert after["audit_events"] - before["audit_events"] in (0, 1)
