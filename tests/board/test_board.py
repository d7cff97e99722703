"""The bed board: counts for everyone, beds only inside the user's facilities, no names or addresses,
filters by fragment, a fixed number of SQL statements."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from shelter.stays import service
from tests.board.helpers import add_facilities, bed_cells, counting_statements, counts, facility_section


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident):
    """Facility A (a panti, with beds of every kind) and B (a Rumah Aman), staff of A, residents."""
    a = make_facility(name="Panti Bakti Kasih", kota="jakarta_timur", address="Jl. Panti Rahasia 1")
    b = make_facility(kind="rumah_aman", name="RA Kenanga", code="RA-KNG", kota="jakarta_selatan",
                      address="Jl. Rumah Aman Tersembunyi 9")
    women = make_room(facility=a, name="Melati", sex="female", age_group="adult")
    girls = make_room(facility=a, name="Mawar", sex="female", age_group="child")
    boys = make_room(facility=a, name="Kenari", sex="male", age_group="child")
    mothers = make_room(facility=a, name="Anggrek", sex="mixed_family", age_group="mother_with_children")
    w = [make_bed(room=women, label=f"W-{n}") for n in range(1, 5)]
    w.append(make_bed(room=women, label="W-5", wheelchair_accessible=True))
    g = [make_bed(room=girls, label=f"G-{n}") for n in range(1, 3)]
    bo = [make_bed(room=boys, label="K-1")]
    m = [make_bed(room=mothers, label=f"A-{n}", has_crib=True) for n in range(1, 4)]
    safe_room = make_room(facility=b, name="Kamar Satu", sex="female", age_group="adult")
    s = [make_bed(room=safe_room, label=f"S-{n}") for n in range(1, 3)]
    intake = make_user(roles=("intake_staff",), facilities=[a])
    safe_staff = make_user(roles=("intake_staff",), facilities=[b])
    resident = make_resident(a, full_name="Siti Rahasia Aminah", nik="3171234567890123")
    return dict(a=a, b=b, women=w, girls=g, boys=bo, mothers=m, safe=s, intake=intake, safe_staff=safe_staff,
                resident=resident)


def test_counts_per_category_follow_admissions_holds_and_beds_out_of_service(client, login_as, world, make_resident):
    a, intake = world["a"], world["intake"]
    login_as(intake)
    before = counts(client.get("/board/").get_data(as_text=True), a.id)
    assert before["available"] == 11 and before["total"] == 11
    assert before["women"] == (5, 5) and before["girls"] == (2, 2) and before["boys"] == (1, 1)
    assert before["mothers_with_children"] == (3, 3) and before["accessible"] == (1, 1)
    assert "men" not in before  # no men's beds here: the category is left out

    service.admit(world["resident"], world["women"][0], by=intake)
    service.admit(make_resident(a, full_name="Anak Uji", sex="female", birth_date=date(2015, 1, 1)),
                  world["girls"][0], by=intake)
    service.place_hold(world["women"][4], by=intake, reason="rujukan 12", hours=4)
    broken = world["boys"][0]
    # Through the service, as the bed form does: the stored counts follow its event (shelter.availability).
    from shelter.facilities import service as facilities_service

    facilities_service.update_bed(broken, {"out_of_service_reason": "Kasur rusak",
                                           "out_of_service_since": date(2026, 1, 5)})
    db.session.commit()

    html = client.get("/board/").get_data(as_text=True)
    after = counts(html, a.id)
    assert after == {"available": 7, "total": 11, "occupied": 2, "held": 1, "out_of_service": 1, "over_capacity": 0,
                     "women": (3, 5), "girls": (1, 2), "boys": (0, 1), "mothers_with_children": (3, 3),
                     "accessible": (0, 1)}
    cells = bed_cells(html)
    assert cells[world["women"][0].id] == "occupied" and cells[world["women"][4].id] == "held"
    assert cells[broken.id] == "out_of_service" and cells[world["women"][1].id] == "available"
    section = facility_section(html, a.id)
    assert "Kasur rusak" in section
    assert intake.full_name in section  # the hold's owner is shown …
    assert "rujukan 12" not in section  # … but not its reason
    # Names and NIKs never reach the board.
    for secret in ("Siti", "Rahasia", "Aminah", "3171234567890123", "Anak Uji"):
        assert secret not in html


def test_a_user_of_another_facility_sees_counts_only(client, login_as, world):
    a, b = world["a"], world["b"]
    service.admit(world["resident"], world["women"][0], by=world["intake"])
    db.session.commit()
    login_as(world["safe_staff"])  # staff of B only
    html = client.get("/board/").get_data(as_text=True)
    other = facility_section(html, a.id)
    assert counts(html, a.id)["occupied"] == 1
    assert 'id="bed-' not in other and "/residents/" not in other and "/stays/" not in other
    assert "Counts only" in other
    assert f'href="/facilities/{a.id}"' not in other
    own = facility_section(html, b.id)
    assert set(bed_cells(own)) == {bed.id for bed in world["safe"]}
    for address in ("Jl. Panti Rahasia", "Jl. Rumah Aman Tersembunyi"):
        assert address not in html


@pytest.mark.parametrize("role", ["intake_staff", "case_manager", "caseworker", "facility_manager"])
def test_every_role_sees_every_active_facility_but_a_rumah_aman_only_by_its_name(client, login_as, world, make_user,
                                                                                 make_facility, role):
    make_facility(name="Panti Tutup", is_active=False)
    user = make_user(roles=(role,), facilities=[world["a"]])
    login_as(user)
    response = client.get("/board/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Panti Bakti Kasih" in html and "RA Kenanga" in html
    assert "Panti Tutup" not in html
    assert "Jl. Rumah Aman Tersembunyi" not in html and "RA-KNG" not in html
    safe = facility_section(html, world["b"].id)
    assert 'id="bed-' not in safe
    assert counts(html, world["b"].id)["available"] == 2


def test_admins_see_every_grid_but_still_no_address(client, login_as, admin, world):
    login_as(admin)
    html = client.get("/board/").get_data(as_text=True)
    assert set(bed_cells(html)) >= {bed.id for bed in world["safe"] + world["women"]}
    assert "Jl. Rumah Aman Tersembunyi" not in html and "Jl. Panti Rahasia" not in html


def test_who_may_admit_gets_clickable_free_beds_and_a_caseworker_does_not(client, login_as, world, make_user):
    free_bed = world["women"][1]
    login_as(world["intake"])
    html = client.get("/board/").get_data(as_text=True)
    assert f'hx-get="/stays/admit?bed_id={free_bed.id}&amp;origin=board"' in html
    caseworker = make_user(roles=("caseworker",), facilities=[world["a"]])
    client.post("/logout")
    login_as(caseworker)
    html = client.get("/board/").get_data(as_text=True)
    assert bed_cells(html)[free_bed.id] == "available"
    assert "/stays/admit" not in html


def test_an_occupied_bed_links_to_the_resident_page_by_id_only(app, client, login_as, world):
    stay = service.admit(world["resident"], world["women"][0], by=world["intake"])
    db.session.commit()
    login_as(world["intake"])
    html = client.get("/board/").get_data(as_text=True)
    cell = html[html.index(f'id="bed-{world["women"][0].id}"'):]
    cell = cell[:cell.index("</div>")]
    if "residents.show" in app.view_functions:
        assert f'href="/residents/{world["resident"].id}"' in cell
    assert f"/stays/{stay.id}?origin=board" in cell
    assert "Siti" not in cell


def test_filters_narrow_the_board_and_htmx_gets_the_fragment_alone(client, login_as, admin, world, make_facility,
                                                                   make_room, make_bed):
    north = make_facility(name="Panti Utara", kota="jakarta_utara")
    make_bed(room=make_room(facility=north, sex="male", age_group="adult"))
    login_as(admin)

    def shown(query: str, htmx: bool = True) -> set[str]:
        response = client.htmx("GET", f"/board/?{query}") if htmx else client.get(f"/board/?{query}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        if htmx:
            assert "<html" not in html and "board-filters" not in html
        return {name for name in ("Panti Bakti Kasih", "RA Kenanga", "Panti Utara") if name in html}

    assert shown("") == {"Panti Bakti Kasih", "RA Kenanga", "Panti Utara"}
    assert shown("kota=jakarta_utara") == {"Panti Utara"}
    assert shown("kind=rumah_aman") == {"RA Kenanga"}
    assert shown("category=men") == {"Panti Utara"}
    assert shown("category=boys") == {"Panti Bakti Kasih"}
    assert shown("accessible=1") == {"Panti Bakti Kasih"}
    assert shown("kota=kepulauan_seribu") == set()
    assert "No facility matches these filters." in client.htmx("GET", "/board/?kota=kepulauan_seribu").get_data(as_text=True)
    # Unknown values are ignored rather than refused; a plain request gets the whole page with the form set.
    assert shown("kota=atlantis&category=%3Cscript%3E") == {"Panti Bakti Kasih", "RA Kenanga", "Panti Utara"}
    page = client.get("/board/?kota=jakarta_utara").get_data(as_text=True)
    assert '<option value="jakarta_utara" selected>' in page and "<html" in page


def test_the_category_filter_narrows_the_grid_too(client, login_as, world):
    login_as(world["intake"])
    html = client.htmx("GET", "/board/?category=girls").get_data(as_text=True)
    assert set(bed_cells(html)) == {bed.id for bed in world["girls"]}
    html = client.htmx("GET", "/board/?accessible=1").get_data(as_text=True)
    assert set(bed_cells(html)) == {world["women"][4].id}


def test_the_board_polls_itself_keeps_its_filters_and_says_how_fresh_it_is(client, login_as, world):
    login_as(world["intake"])
    html = client.get("/board/").get_data(as_text=True)
    one_line = " ".join(html.split())
    assert 'id="board" class="board" hx-get="/board/" hx-trigger="boardStale from:body"' in one_line
    # The timer refreshes the same board, marked as a background poll (it does not extend the session).
    assert ('hx-get="/board/" hx-trigger="every 30s" hx-target="#board" hx-include="#board-filters" '
            'hx-swap="innerHTML" hx-headers=\'{"X-Background-Poll": "1"}\'') in one_line
    assert 'hx-include="#board-filters"' in html and 'hx-push-url="true"' in html
    assert "Updated " in html and " WIB" in html and "refreshes every 30 seconds" in html
    fragment = client.htmx("GET", "/board/").get_data(as_text=True)
    assert "Updated " in fragment


def test_the_freshness_is_in_wib_with_a_dot_in_indonesian(client, world):
    import re

    from tests.conftest import login

    login(client, world["intake"])  # Indonesian is the default language
    html = client.get("/board/").get_data(as_text=True)
    assert re.search(r'id="board-freshness">\s*\S+ \d{2}\.\d{2} WIB', html)


def test_empty_board(client, login_as, make_user):
    login_as(make_user(roles=("case_manager",)))
    html = client.get("/board/").get_data(as_text=True)
    assert "No active facilities yet." in html


def test_over_capacity_placements_show_on_the_board(client, login_as, world, make_resident):
    a, intake = world["a"], world["intake"]
    for bed in world["women"] + world["girls"] + world["boys"] + world["mothers"]:
        service.place_hold(bed, by=intake, reason="penuh", hours=2)
    stay = service.admit(world["resident"], None, by=intake, override_reason="Penjangkauan malam",
                         over_capacity_facility=a)
    db.session.commit()
    login_as(intake)
    html = client.get("/board/").get_data(as_text=True)
    assert counts(html, a.id)["over_capacity"] == 1
    section = facility_section(html, a.id)
    assert "Over capacity (no bed)" in section and f"/stays/{stay.id}?origin=board" in section
    assert f"/stays/admit?facility_id={a.id}&amp;origin=board" in section  # full: another one is possible


@pytest.mark.parametrize("user_kind", ["admin", "staff"])
def test_the_board_issues_the_same_number_of_statements_whatever_its_size(client, login_as, admin, make_user,
                                                                          make_resident, user_kind, monkeypatch):
    """2 facilities with 10 beds, then 20 with about 200: the same statements (admins see every grid,
    staff see their own facilities' grids and the others' counts)."""
    from shelter.board import views

    monkeypatch.setattr(views, "GRID_LIMIT", 1000)  # every grid drawn, at both sizes
    small = add_facilities(2, rooms=1, beds_per_room=5, prefix="Small")
    user = admin if user_kind == "admin" else make_user(roles=("intake_staff",))

    def occupy(facility_ids):
        beds = list(db.session.scalars(sa.select(Bed).join(Room).where(Room.facility_id.in_(facility_ids))
                                       .order_by(Bed.id).limit(2)))
        service.admit(make_resident(db.session.get(Facility, facility_ids[0])), beds[0], by=admin)
        service.place_hold(beds[1], by=admin, reason="rujukan", hours=3)
        db.session.commit()

    def statements(facility_ids) -> int:
        if user_kind == "staff":
            user.facilities = [db.session.get(Facility, f) for f in facility_ids]
            db.session.commit()
        client.get("/board/")  # warm up (first-request work is not the board's)
        with counting_statements() as seen:
            response = client.get("/board/")
        assert response.status_code == 200
        grid = bed_cells(response.get_data(as_text=True))
        query = sa.select(sa.func.count()).select_from(Bed).join(Room)
        if user_kind == "staff":
            query = query.where(Room.facility_id.in_(facility_ids))
        assert len(grid) == db.session.scalar(query)
        return len(seen)

    occupy(small)
    login_as(user)
    few = statements(small[:1])
    big = add_facilities(18, rooms=2, beds_per_room=5, prefix="Big")  # 20 facilities, 190 beds
    occupy(big)
    many = statements(small[:1] + big[:6])
    assert few == many, (few, many)
    assert many <= 12


def test_the_facility_filter_and_the_limit_on_beds_drawn(client, login_as, admin, world, monkeypatch):
    from shelter.board import views

    login_as(admin)
    html = client.htmx("GET", f"/board/?facility={world['b'].id}").get_data(as_text=True)
    assert "RA Kenanga" in html and "Panti Bakti Kasih" not in html
    page = client.get("/board/").get_data(as_text=True)
    # No list of every facility (500 options at province scale): a search by name, and each facility
    # the user sees inside links to its own grid.
    assert 'id="filter-q"' in page and 'id="filter-facility"' not in page
    assert "Jl. Rumah Aman" not in page
    html = client.htmx("GET", "/board/?q=kenanga").get_data(as_text=True)
    assert "RA Kenanga" in html and "Panti Bakti Kasih" not in html

    monkeypatch.setattr(views, "GRID_LIMIT", 12)  # A has 11 beds, B 2: 13 beds in all
    views.cache.clear()  # the board built before the limit changed is kept by the data's version
    html = client.htmx("GET", "/board/").get_data(as_text=True)
    assert "13 beds are too many to draw at once" in html
    assert bed_cells(html) == {} and counts(html, world["a"].id)["total"] == 11
    assert f'href="/board/?facility={world["a"].id}"' in html  # "Show the beds" of one facility
    html = client.htmx("GET", "/board/?kota=jakarta_timur").get_data(as_text=True)
    assert "too many" not in html and len(bed_cells(html)) == 11
