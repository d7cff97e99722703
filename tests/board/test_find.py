"""Find a bed: the page ranks the facilities that fit, shows rooms only where the user may look inside."""

from __future__ import annotations

import re

import pytest

from shelter.extensions import db
from shelter.stays import service


@pytest.fixture
def places(make_facility, make_room, make_bed, make_user):
    own = make_facility(name="Panti Bakti Kasih", kota="jakarta_timur")
    safe = make_facility(kind="rumah_aman", name="RA Kenanga", kota="jakarta_selatan",
                         address="Jl. Rumah Aman Tersembunyi 9")
    men_only = make_facility(name="Panti Bina Laras", kota="jakarta_barat")
    women = make_room(facility=own, name="Melati", sex="female", age_group="adult")
    family = make_room(facility=own, name="Anggrek", sex="mixed_family", age_group="mother_with_children")
    beds = {
        "women": [make_bed(room=women, label=f"W-{n}") for n in range(1, 3)],
        "family": [make_bed(room=family, label=f"A-{n}", has_crib=n == 1) for n in range(1, 4)],
        "safe": [make_bed(room=make_room(facility=safe, name="Kamar Rahasia", sex="female", age_group="adult"),
                          label="S-1", wheelchair_accessible=True)],
        "men": [make_bed(room=make_room(facility=men_only, name="Pria", sex="male", age_group="adult"), label="P-1")],
    }
    manager = make_user(roles=("case_manager",), facilities=[own])
    return dict(own=own, safe=safe, men_only=men_only, beds=beds, manager=manager)


def order(html: str) -> list[str]:
    return re.findall(r'<li class="panel find-facility" id="find-facility-\d+">\s*<h3>([^<]+)</h3>', html)


def test_high_risk_woman_gets_the_rumah_aman_first_with_counts_only(client, login_as, places):
    login_as(places["manager"])
    response = client.get("/board/find?sex=female&age=30&children=0&high_risk=y")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert order(html) == ["RA Kenanga", "Panti Bakti Kasih"]
    safe = html[html.index(f'id="find-facility-{places["safe"].id}"'):html.index(f'id="find-facility-{places["own"].id}"')]
    assert "1 free bed fits" in safe
    assert "Kamar Rahasia" not in html and "Jl. Rumah Aman" not in html  # no rooms or address inside it
    assert "Melati" in html and "Anggrek" in html  # rooms of the user's own facility
    assert "Panti Bina Laras" not in html


def test_not_high_risk_gets_a_panti_first(client, login_as, places):
    login_as(places["manager"])
    html = client.get("/board/find?sex=female&age=30").get_data(as_text=True)
    assert order(html) == ["Panti Bakti Kasih", "RA Kenanga"]


def test_mother_with_two_children_needs_a_family_room_with_three_free_beds(client, login_as, places):
    login_as(places["manager"])
    html = client.get("/board/find?sex=female&age=27&children=2").get_data(as_text=True)
    assert order(html) == ["Panti Bakti Kasih"]
    assert "Anggrek" in html and "Melati" not in html
    assert "1 crib short" in html
    service.place_hold(places["beds"]["family"][2], by=places["manager"], reason="rujukan", hours=2)
    db.session.commit()
    html = client.get("/board/find?sex=female&age=27&children=2").get_data(as_text=True)
    assert order(html) == []
    assert "No free bed fits right now." in html


def test_wheelchair_and_men(client, login_as, places):
    login_as(places["manager"])
    assert order(client.get("/board/find?sex=female&age=50&wheelchair=y").get_data(as_text=True)) == ["RA Kenanga"]
    assert order(client.get("/board/find?sex=male&age=50").get_data(as_text=True)) == ["Panti Bina Laras"]


@pytest.mark.parametrize("query", ["sex=female&age=abc", "sex=robot&age=30", "sex=female&age=300",
                                   "sex=female&age=30&children=-1", "age=30"])
def test_bad_answers_get_a_message_and_no_results(client, login_as, places, query):
    login_as(places["manager"])
    response = client.get(f"/board/find?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="field-error"' in html and "find-facility" not in html


def test_the_empty_form_and_the_htmx_answer(client, login_as, places):
    login_as(places["manager"])
    html = client.get("/board/find").get_data(as_text=True)
    assert "<form" in html and "field-error" not in html and "find-facility" not in html
    fragment = client.htmx("GET", "/board/find?sex=female&age=30").get_data(as_text=True)
    assert "<html" not in fragment and 'id="find"' in fragment and "RA Kenanga" in fragment


def test_the_answer_lists_the_best_facilities_first_and_more_on_request(client, login_as, make_facility, make_room,
                                                                       make_bed, make_user):
    """A province has many fitting facilities: the answer shows the best ten (most free beds first) and
    a link to more; htmx appends the next ones, a browser without it gets the longer list."""
    from shelter.board.views import FIND_PER_PAGE

    for n in range(FIND_PER_PAGE + 3):
        facility = make_facility(name=f"Panti Nomor {n:02d}", kota="jakarta_timur")
        room = make_room(facility=facility, name="Mawar", sex="female", age_group="adult")
        for b in range(1 + n % 4):
            make_bed(room=room, label=f"M-{b}")
    login_as(make_user(roles=("case_manager",)))
    html = client.get("/board/find?sex=female&age=30").get_data(as_text=True)
    first = order(html)
    assert len(first) == FIND_PER_PAGE
    assert f"{FIND_PER_PAGE + 3} facilities have a bed that fits" in html
    assert first[:4] == ["Panti Nomor 03", "Panti Nomor 07", "Panti Nomor 11", "Panti Nomor 02"]  # 4 free beds, then 3
    more = re.search(r'<li class="find-more"><a href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "page=2" in more
    rest = client.htmx("GET", more).get_data(as_text=True)
    assert "<html" not in rest and "<form" not in rest and 'id="find"' not in rest
    assert len(order(rest)) == 3 and not set(order(rest)) & set(first) and "find-more" not in rest
    whole = order(client.get(more).get_data(as_text=True))
    assert whole == first + order(rest)
