"""Whatever is typed into the intake form, the answer is never a 500, and a refused submission writes
nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter.residents.models import PROTECTION_CATEGORIES
from tests.residents.helpers import row_counts

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

junk = st.text(max_size=60)
edge = st.sampled_from(["", " ", "\x00", "A\x07", "\u200b", "\ud7ff", "é" * 130, "x" * 3000, "0", "-1", "1e3",
                        "99999999999999999999", "<script>", "' OR 1=1 --", "٣", "²", "1_0", "%", "_"])
text = st.one_of(junk, edge)
maybe = st.one_of(st.none(), text)  # None leaves the field out of the POST
dates = st.one_of(st.dates().map(lambda d: d.isoformat()), st.sampled_from(["2099-01-01", "1990-02-30"]), maybe)
numbers = st.one_of(st.integers(min_value=-5, max_value=200).map(str), maybe)


def form(**fields) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not None})


@pytest.fixture
def as_intake(login_as, intake_a):
    return login_as(intake_a)


@FUZZ
@given(data=form(
    full_name=st.one_of(st.just("Sari Rekaan"), maybe),
    alias=maybe,
    sex=st.one_of(st.sampled_from(["female", "male"]), maybe),
    birth_date=dates,
    estimated_age=numbers,
    nik=st.one_of(st.from_regex(r"[0-9]{16}", fullmatch=True), maybe),
    kota_of_origin=maybe,
    risk_level=st.one_of(st.sampled_from(["low", "medium", "high"]), maybe),
    disabilities=maybe,
    guardian_id=st.one_of(numbers, st.just("2147483648")),
    seen_duplicates=maybe,
    confirm=st.one_of(st.just("different"), maybe),
), categories=st.lists(st.one_of(st.sampled_from(PROTECTION_CATEGORIES), text), max_size=4),
    facility=st.sampled_from(["mine", "other", "junk"]), htmx=st.booleans())
def test_intake_form(as_intake, facility_a, facility_b, data, categories, facility, htmx):
    data["facility_id"] = {"mine": str(facility_a.id), "other": str(facility_b.id), "junk": "x"}[facility]
    data["categories"] = categories
    before = row_counts()
    response = (as_intake.htmx("POST", "/residents/new", data=data) if htmx
                else as_intake.post("/residents/new", data=data))
    assert response.status_code < 500
    after = row_counts()
    created = "HX-Redirect" in response.headers if htmx else response.status_code == 302
    if created:
        assert after["residents"] == before["residents"] + 1
    else:
        assert response.status_code in ((200,) if htmx else (200, 422))
        assert after == before
