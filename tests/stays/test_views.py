"""Admission, transfer, discharge and holds through the pages: from the board (htmx, the changed bed
and counters out of band), from a resident's page, and as plain form posts. Scope: 404 outside."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shelter.audit.models import AuditEvent
from shelter.db import utcnow
from shelter.extensions import db
from shelter.stays import service
from shelter.stays.models import BedAssignment, BedHold, Stay
from tests.board.helpers import bed_cells, counts
from tests.conftest import PASSWORD


@pytest.fixture
def login_as(login_as, client):
    """Users see English here, so the tests can read the messages."""

    def do(user, password=PASSWORD):
        client.post("/logout")
        logged_in = login_as(user, password)
        logged_in.post("/language", data={"locale": "en", "next": "/"})
        return logged_in

    return do


@pytest.fixture
def world(make_facility, make_room, make_bed, make_user, make_resident):
    a = make_facility(name="Panti Bakti Kasih")
    b = make_facility(name="Panti Bina Laras")
    women = make_room(facility=a, name="Melati", sex="female", age_group="adult")
    girls = make_room(facility=a, name="Mawar", sex="female", age_group="child")
    other = make_room(facility=b, name="Kenanga", sex="female", age_group="adult")
    return dict(
        a=a, b=b, women=women, girls=girls,
        beds=[make_bed(room=women, label=f"W-{n}") for n in range(1, 4)],
        girl_bed=make_bed(room=girls, label="G-1"),
        b_bed=make_bed(room=other, label="K-1"),
        intake=make_user(roles=("intake_staff",), facilities=[a]),
        b_staff=make_user(roles=("intake_staff",), facilities=[b]),
        resident=make_resident(a, full_name="Siti Rahasia", alias="Ani"),
    )


def admit_data(resident_id, placement, **extra):
    data = {"choose": "resident", "placement": placement, "origin": "board", "resident_id": resident_id,
            "action": "admit"}
    data.update(extra)
    return data


def open_stays(resident) -> list[Stay]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Stay).where(Stay.resident_id == resident.id,
                                                         Stay.discharged_at.is_(None))))


def oob_counts(html: str, facility_id: int) -> dict:
    assert f'<div id="counts-{facility_id}" class="counts" hx-swap-oob="true">' in html
    return counts(html, facility_id)


def oob_element(html: str, element_id: str) -> str:
    match = re.search(rf'<(div|a) id="{element_id}"[^>]*hx-swap-oob="true"[^>]*>.*?</\1>', html, re.S)
    assert match, f"no out-of-band #{element_id}"
    return match.group(0)


# --- admission from the board ----------------------------------------------------------------------------

def test_admit_from_the_board_updates_the_bed_and_counters_by_fragment(client, login_as, world):
    bed, resident, a = world["beds"][0], world["resident"], world["a"]
    login_as(world["intake"])
    before = counts(client.get("/board/").get_data(as_text=True), a.id)

    form = client.htmx("GET", f"/stays/admit?bed_id={bed.id}&origin=board")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    assert "<html" not in html and "Admit to bed W-1" in html
    assert f'name="resident_id" value="{resident.id}"' in html and "Siti Rahasia" in html

    response = client.htmx("POST", "/stays/admit", data=admit_data(resident.id, f"bed:{bed.id}"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Admitted to bed W-1 in Panti Bakti Kasih." in html
    cell = oob_element(html, f"bed-{bed.id}")
    assert 'data-status="occupied"' in cell and "Siti" not in cell
    after = oob_counts(html, a.id)
    assert after["available"] == before["available"] - 1 and after["occupied"] == 1
    assert after["women"] == (before["women"][0] - 1, before["women"][1])
    [stay] = open_stays(resident)
    assert stay.facility_id == a.id and service.current_assignment(stay).bed_id == bed.id
    assert bed_cells(client.get("/board/").get_data(as_text=True))[bed.id] == "occupied"


def test_the_race_loser_is_told_the_bed_was_just_taken(client, login_as, world, make_resident):
    bed, intake = world["beds"][0], world["intake"]
    login_as(intake)
    client.htmx("GET", f"/stays/admit?bed_id={bed.id}&origin=board")
    service.admit(make_resident(world["a"]), bed, by=intake)  # someone else was faster
    db.session.commit()
    response = client.htmx("POST", "/stays/admit", data=admit_data(world["resident"].id, f"bed:{bed.id}"))
    assert response.status_code == 200  # htmx swaps only 2xx
    assert "This bed was just taken — choose another." in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "boardStale"  # the board refreshes itself
    assert open_stays(world["resident"]) == []
    plain = client.post("/stays/admit", data=admit_data(world["resident"].id, f"bed:{bed.id}", origin=""))
    assert plain.status_code == 409


def test_a_bed_clicked_on_an_old_board_says_at_once_that_it_is_taken(client, login_as, world, make_resident):
    bed, intake = world["beds"][0], world["intake"]
    service.admit(make_resident(world["a"]), bed, by=intake)
    db.session.commit()
    login_as(intake)
    response = client.htmx("GET", f"/stays/admit?bed_id={bed.id}&origin=board")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "boardStale"
    assert "This bed was just taken — choose another." in html and "<form" not in html


def test_a_bed_out_of_service_is_refused(client, login_as, world):
    bed = world["beds"][1]
    login_as(world["intake"])
    bed.out_of_service_reason, bed.out_of_service_since = "Bocor", date(2026, 1, 1)
    db.session.commit()
    response = client.htmx("POST", "/stays/admit", data=admit_data(world["resident"].id, f"bed:{bed.id}"))
    assert "This bed is out of service — choose another." in response.get_data(as_text=True)
    assert open_stays(world["resident"]) == []


def test_room_rules_need_a_reason_which_is_audited(client, login_as, world):
    bed, resident = world["girl_bed"], world["resident"]  # an adult woman in a girls' room
    login_as(world["intake"])
    response = client.htmx("POST", "/stays/admit", data=admit_data(resident.id, f"bed:{bed.id}"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This is a children&#39;s room and the person is an adult." in html
    assert 'name="override_reason"' in html
    assert f'value="{resident.id}" checked' in html  # the choice is kept
    assert open_stays(resident) == []

    response = client.htmx("POST", "/stays/admit", data=admit_data(resident.id, f"bed:{bed.id}",
                                                                   override_reason="Kamar dewasa penuh, satu malam"))
    assert "Admitted to bed G-1" in response.get_data(as_text=True)
    [stay] = open_stays(resident)
    assert stay.override_reason == "Kamar dewasa penuh, satu malam"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "stay.room_rules_overridden")) == 1


def test_over_capacity_only_when_full_and_with_a_reason(client, login_as, world, make_resident):
    a, intake, resident = world["a"], world["intake"], world["resident"]
    login_as(intake)
    url = f"/stays/admit?facility_id={a.id}&origin=board"
    assert "This facility has no free bed" in client.htmx("GET", url).get_data(as_text=True)
    data = {"choose": "resident", "placement": f"facility:{a.id}", "origin": "board", "resident_id": resident.id,
            "action": "admit", "override_reason": "Penjangkauan malam"}
    response = client.htmx("POST", "/stays/admit", data=data)
    assert "This facility has a free bed again" in response.get_data(as_text=True)
    assert open_stays(resident) == []

    for bed in world["beds"] + [world["girl_bed"]]:
        service.admit(make_resident(a, sex="female", birth_date=date(2010, 1, 1) if bed is world["girl_bed"]
                                    else date(1990, 1, 1)), bed, by=intake)
    db.session.commit()
    response = client.htmx("POST", "/stays/admit", data=dict(data, override_reason=""))
    assert "Give the reason for the over-capacity placement." in response.get_data(as_text=True)
    assert open_stays(resident) == []
    response = client.htmx("POST", "/stays/admit", data=data)
    html = response.get_data(as_text=True)
    assert "as an over-capacity placement" in html
    assert oob_counts(html, a.id)["over_capacity"] == 1
    [stay] = open_stays(resident)
    assert stay.over_capacity and stay.override_reason == "Penjangkauan malam"
    assert service.current_assignment(stay) is None
    board = client.get("/board/").get_data(as_text=True)
    assert "+1 over capacity" in board


def test_admit_from_the_resident_page_lists_fitting_beds_first(app, client, login_as, world, make_resident):
    girl = make_resident(world["a"], full_name="Putri Kecil", sex="female", birth_date=date(2014, 5, 1))
    login_as(world["intake"])
    response = client.get(f"/stays/admit?resident_id={girl.id}&origin=resident")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html  # a page of its own without htmx
    values = re.findall(r'name="placement" value="([^"]+)"', html)
    assert values[0] == f"bed:{world['girl_bed'].id}"  # the girls' room fits; the women's room comes after
    assert set(values) == {f"bed:{b.id}" for b in world["beds"] + [world["girl_bed"]]}  # not facility B's
    assert "room rules do not fit" in html

    response = client.post("/stays/admit", data={"choose": "placement", "resident_id": girl.id, "origin": "resident",
                                                 "placement": f"bed:{world['girl_bed'].id}", "action": "admit"})
    assert response.status_code == 302
    expected = f"/residents/{girl.id}" if "residents.show" in app.view_functions else "/board/"
    assert response.headers["Location"].endswith(expected)
    assert len(open_stays(girl)) == 1
    htmx = client.htmx("POST", "/stays/admit", data={"choose": "placement", "resident_id": girl.id,
                                                     "origin": "resident", "placement": f"bed:{world['beds'][0].id}",
                                                     "action": "admit"})
    assert "This person already has an open stay." in htmx.get_data(as_text=True)


def test_choosing_nothing_is_a_message_not_an_error(client, login_as, world):
    login_as(world["intake"])
    response = client.htmx("POST", "/stays/admit", data={"choose": "resident", "origin": "board", "action": "admit",
                                                         "placement": f"bed:{world['beds'][0].id}"})
    assert response.status_code == 200 and "Choose the person to admit." in response.get_data(as_text=True)
    response = client.post("/stays/admit", data={"choose": "placement", "resident_id": world["resident"].id,
                                                 "action": "admit"})
    assert response.status_code == 422 and "Choose a bed" in response.get_data(as_text=True)


def test_resident_search_is_a_post_in_scope_without_open_stays(client, login_as, world, make_resident):
    admitted = make_resident(world["a"], full_name="Siti Sudah Masuk")
    service.admit(admitted, world["beds"][2], by=world["intake"])
    make_resident(world["b"], full_name="Siti Lain Panti")
    db.session.commit()
    login_as(world["intake"])
    assert client.get("/stays/admit/residents?q=Siti").status_code == 405  # names stay out of URLs
    html = client.htmx("POST", "/stays/admit/residents", data={"q": "siti"}).get_data(as_text=True)
    assert "Siti Rahasia" in html and "Sudah Masuk" not in html and "Lain Panti" not in html
    assert "Siti Rahasia" in client.htmx("POST", "/stays/admit/residents", data={"q": "ani"}).get_data(as_text=True)
    assert "Nobody without an open stay matches" in client.htmx(
        "POST", "/stays/admit/residents", data={"q": "zzz"}).get_data(as_text=True)
    # The search button of the form itself (without htmx) does the same.
    html = client.post("/stays/admit", data=admit_data("", f"bed:{world['beds'][0].id}", action="search",
                                                       q="rahasia")).get_data(as_text=True)
    assert "Siti Rahasia" in html and "Choose the person" not in html


# --- transfer and discharge ------------------------------------------------------------------------------

@pytest.fixture
def admitted(world):
    stay = service.admit(world["resident"], world["beds"][0], by=world["intake"])
    db.session.commit()
    return stay


def test_transfer_within_the_facility(client, login_as, world, admitted):
    login_as(world["intake"])
    panel = client.htmx("GET", f"/stays/{admitted.id}?origin=board").get_data(as_text=True)
    assert f"/stays/{admitted.id}/transfer?origin=board" in panel and "Siti" not in panel
    html = client.htmx("GET", f"/stays/{admitted.id}/transfer?origin=board").get_data(as_text=True)
    offered = {int(v) for v in re.findall(r'name="bed_id" value="(\d+)"', html)}
    assert offered == {world["beds"][1].id, world["beds"][2].id, world["girl_bed"].id}
    response = client.htmx("POST", f"/stays/{admitted.id}/transfer",
                           data={"bed_id": world["beds"][1].id, "origin": "board"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "boardStale"
    assert "Moved to bed W-2 in Panti Bakti Kasih." in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.current_assignment(admitted).bed_id == world["beds"][1].id
    cells = bed_cells(client.get("/board/").get_data(as_text=True))
    assert cells[world["beds"][0].id] == "available" and cells[world["beds"][1].id] == "occupied"


def test_transfer_to_another_facility_the_user_manages(client, login_as, world, admitted, make_user):
    both = make_user(roles=("intake_staff",), facilities=[world["a"], world["b"]])
    login_as(both)
    response = client.post(f"/stays/{admitted.id}/transfer", data={"bed_id": world["b_bed"].id, "origin": "board"})
    assert response.status_code == 302
    [stay] = open_stays(world["resident"])
    assert stay.facility_id == world["b"].id and stay.previous_stay_id == admitted.id
    assert db.session.get(Stay, admitted.id).discharge_outcome == "moved_facility"


def test_transfer_refusals(client, login_as, world, admitted, make_resident):
    login_as(world["intake"])
    # Not offered and not allowed: a bed of a facility the user does not manage.
    assert client.htmx("POST", f"/stays/{admitted.id}/transfer", data={"bed_id": world["b_bed"].id}).status_code == 404
    response = client.htmx("POST", f"/stays/{admitted.id}/transfer", data={"bed_id": "", "origin": "board"})
    assert "Choose the bed to move to." in response.get_data(as_text=True)
    response = client.htmx("POST", f"/stays/{admitted.id}/transfer", data={"bed_id": world["girl_bed"].id})
    assert "This is a children&#39;s room" in response.get_data(as_text=True)
    service.admit(make_resident(world["a"]), world["beds"][1], by=world["intake"])
    db.session.commit()
    response = client.htmx("POST", f"/stays/{admitted.id}/transfer", data={"bed_id": world["beds"][1].id,
                                                                          "origin": "board"})
    assert "This bed was just taken — choose another." in response.get_data(as_text=True)
    db.session.expire_all()
    assert service.current_assignment(admitted).bed_id == world["beds"][0].id


def test_discharge_in_wib_with_clear_messages_for_impossible_times(client, login_as, world, admitted):
    admitted.admitted_at = datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc)  # 10.00 WIB
    db.session.execute(sa.update(BedAssignment).where(BedAssignment.stay_id == admitted.id)
                       .values(started_at=admitted.admitted_at))
    db.session.commit()
    login_as(world["intake"])
    form = client.htmx("GET", f"/stays/{admitted.id}/discharge?origin=board").get_data(as_text=True)
    assert 'type="datetime-local"' in form and "Returned to home region (pemulangan)" in form
    url = f"/stays/{admitted.id}/discharge"

    before = client.htmx("POST", url, data={"outcome": "reunified", "discharged_at": "2026-01-10T09:59",
                                            "note": "", "origin": "board"})
    assert before.status_code == 200
    assert "The discharge cannot be before the admission" in before.get_data(as_text=True)
    future = (utcnow() + timedelta(days=2)).astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%dT%H:%M")
    response = client.htmx("POST", url, data={"outcome": "reunified", "discharged_at": future, "origin": "board"})
    assert "The discharge cannot be in the future." in response.get_data(as_text=True)
    response = client.post(url, data={"outcome": "sent_to_moon", "discharged_at": "2026-01-11T08:30"})
    assert response.status_code == 422
    response = client.post(url, data={"outcome": "reunified", "discharged_at": "not a date"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Stay, admitted.id).is_open  # nothing changed

    response = client.htmx("POST", url, data={"outcome": "returned_home_region", "discharged_at": "2026-01-11T08:30",
                                              "note": "Dijemput keluarga", "origin": "board"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "boardStale"
    assert "Discharged: Returned to home region (pemulangan)." in response.get_data(as_text=True)
    db.session.expire_all()
    stay = db.session.get(Stay, admitted.id)
    assert stay.discharged_at == datetime(2026, 1, 11, 1, 30, tzinfo=timezone.utc)
    assert stay.discharge_outcome == "returned_home_region" and stay.discharge_note == "Dijemput keluarga"
    assert service.current_assignment(stay) is None
    again = client.htmx("POST", url, data={"outcome": "other", "discharged_at": "2026-01-12T08:30"})
    assert "This stay has already ended." in again.get_data(as_text=True)


def test_discharge_right_after_admission_in_the_same_minute(client, login_as, world, admitted):
    login_as(world["intake"])
    minute = admitted.admitted_at.astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%dT%H:%M")
    response = client.htmx("POST", f"/stays/{admitted.id}/discharge",
                           data={"outcome": "left_without_notice", "discharged_at": minute})
    assert response.status_code == 204 or "Discharged" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.get(Stay, admitted.id).is_open


# --- holds -------------------------------------------------------------------------------------------------

def test_place_and_release_a_hold(client, login_as, world, make_user):
    bed = world["beds"][2]
    manager = make_user(roles=("case_manager",), facilities=[world["a"]])
    login_as(manager)
    html = client.htmx("GET", f"/stays/holds/new?bed_id={bed.id}&origin=board").get_data(as_text=True)
    assert "Hold bed W-3" in html
    response = client.htmx("POST", "/stays/holds/new", data={"bed_id": bed.id, "reason": "Rujukan UPTD PPA 7",
                                                             "hours": "100", "origin": "board"})
    assert "Enter a number from 1 to 72." in response.get_data(as_text=True)
    response = client.htmx("POST", "/stays/holds/new", data={"bed_id": bed.id, "reason": " ", "hours": "6",
                                                             "origin": "board"})
    assert "Say why the bed is held" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BedHold)) == 0

    response = client.htmx("POST", "/stays/holds/new", data={"bed_id": bed.id, "reason": "Rujukan UPTD PPA 7",
                                                             "hours": "6", "origin": "board"})
    html = response.get_data(as_text=True)
    assert "Bed W-3 is held until" in html
    cell = oob_element(html, f"bed-{bed.id}")
    assert 'data-status="held"' in cell and manager.full_name in cell
    assert oob_counts(html, world["a"].id)["held"] == 1
    hold = db.session.scalar(sa.select(BedHold))
    assert hold.held_by_id == manager.id and hold.expires_at - hold.created_at == timedelta(hours=6)

    shown = client.htmx("GET", f"/stays/holds/{hold.id}?origin=board").get_data(as_text=True)
    assert "Rujukan UPTD PPA 7" in shown and "Admit into this bed" in shown
    response = client.htmx("POST", f"/stays/holds/{hold.id}/release", data={"origin": "board"})
    html = response.get_data(as_text=True)
    assert "Bed W-3 is no longer held." in html
    assert 'data-status="available"' in oob_element(html, f"bed-{bed.id}")
    db.session.expire_all()
    assert db.session.get(BedHold, hold.id).release_reason == "cancelled"
    again = client.htmx("POST", f"/stays/holds/{hold.id}/release", data={"origin": "board"})
    assert "This hold had already ended." in again.get_data(as_text=True)


def test_the_hold_owner_admits_into_the_held_bed(client, login_as, world):
    bed, intake = world["beds"][2], world["intake"]
    service.place_hold(bed, by=intake, reason="Rujukan 9", hours=2)
    db.session.commit()
    login_as(intake)
    response = client.htmx("POST", "/stays/admit", data=admit_data(world["resident"].id, f"bed:{bed.id}"))
    assert "Admitted to bed W-3" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(BedHold.release_reason)) == "used"


# --- scope and roles ----------------------------------------------------------------------------------------

def test_everything_outside_the_users_facilities_is_a_404(client, login_as, world, admitted, make_user):
    hold = service.place_hold(world["beds"][2], by=world["intake"], reason="Rujukan", hours=2)
    db.session.commit()
    a_bed, resident = world["beds"][1], world["resident"]
    login_as(world["b_staff"])
    gets = [f"/stays/admit?bed_id={a_bed.id}", f"/stays/admit?resident_id={resident.id}",
            f"/stays/admit?facility_id={world['a'].id}", f"/stays/{admitted.id}", f"/stays/{admitted.id}/transfer",
            f"/stays/{admitted.id}/discharge", f"/stays/holds/new?bed_id={a_bed.id}", f"/stays/holds/{hold.id}",
            "/stays/admit", "/stays/admit?bed_id=abc", "/stays/admit?bed_id=99999999999", "/stays/999999"]
    for url in gets:
        assert client.get(url).status_code == 404, url
        assert client.htmx("GET", url).status_code == 404, url
    posts = [("/stays/admit", admit_data(resident.id, f"bed:{world['b_bed'].id}")),  # resident out of scope
             ("/stays/admit", admit_data("", f"bed:{a_bed.id}")),
             ("/stays/admit", dict(admit_data("", "bed:x"))),
             (f"/stays/{admitted.id}/transfer", {"bed_id": world["b_bed"].id}),
             (f"/stays/{admitted.id}/discharge", {"outcome": "other", "discharged_at": "2026-01-11T08:30"}),
             ("/stays/holds/new", {"bed_id": a_bed.id, "reason": "x", "hours": 2}),
             (f"/stays/holds/{hold.id}/release", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 404, url
    db.session.expire_all()
    assert db.session.get(Stay, admitted.id).is_open and db.session.get(BedHold, hold.id).released_at is None


@pytest.mark.parametrize("role, admit, move, hold", [
    ("intake_staff", 200, 200, 200),
    ("facility_manager", 200, 200, 200),
    ("case_manager", 200, 404, 200),
    ("caseworker", 404, 404, 404),
])
def test_what_each_role_may_do_in_its_own_facility(client, login_as, world, admitted, make_user, role, admit, move,
                                                   hold):
    login_as(make_user(roles=(role,), facilities=[world["a"]]))
    free = world["beds"][1]
    assert client.get(f"/stays/admit?bed_id={free.id}").status_code == admit
    assert client.get(f"/stays/{admitted.id}/transfer").status_code == move
    assert client.get(f"/stays/{admitted.id}/discharge").status_code == move
    assert client.get(f"/stays/holds/new?bed_id={free.id}").status_code == hold
    assert client.get(f"/stays/{admitted.id}").status_code == 200  # the stay's panel itself is in scope


def test_admins_may_act_everywhere(client, login_as, admin, world):
    login_as(admin)
    response = client.htmx("POST", "/stays/admit", data=admit_data(world["resident"].id, f"bed:{world['b_bed'].id}"))
    assert "Admitted to bed K-1 in Panti Bina Laras." in response.get_data(as_text=True)


def test_a_post_without_the_csrf_token_is_refused(client, login_as, world):
    login_as(world["intake"])
    response = client.post("/stays/admit", data=admit_data(world["resident"].id, f"bed:{world['beds'][0].id}"),
                           csrf=False)
    assert response.status_code == 400
    assert open_stays(world["resident"]) == []


def test_no_name_or_nik_in_any_url_of_the_panels(client, login_as, world, admitted, make_resident):
    make_resident(world["a"], full_name="Dewi Nama Rahasia", nik="3171234567890999")
    login_as(world["intake"])
    pages = [client.get("/board/"), client.htmx("GET", f"/stays/admit?bed_id={world['beds'][1].id}&origin=board"),
             client.htmx("GET", f"/stays/{admitted.id}?origin=board"),
             client.htmx("GET", f"/stays/{admitted.id}/transfer?origin=board"),
             client.htmx("GET", f"/stays/{admitted.id}/discharge?origin=board")]
    for response in pages:
        html = response.get_data(as_text=True)
        urls = re.findall(r'(?:href|hx-get|hx-post|action)="([^"]*)"', html)
        assert urls
        for url in urls:
            for secret in ("Dewi", "Rahasia", "Siti", "3171234567890999", "Ani"):
                assert secret not in url, url


def test_discharge_before_the_move_to_the_current_bed_is_refused(client, login_as, world, admitted):
    admitted.admitted_at = datetime(2026, 1, 10, 3, 0, tzinfo=timezone.utc)
    db.session.execute(sa.update(BedAssignment).where(BedAssignment.stay_id == admitted.id)
                       .values(started_at=admitted.admitted_at))
    db.session.commit()
    service.transfer(admitted, world["beds"][1], by=world["intake"])  # moved now
    db.session.commit()
    login_as(world["intake"])
    response = client.htmx("POST", f"/stays/{admitted.id}/discharge",
                           data={"outcome": "other", "discharged_at": "2026-01-11T08:30"})
    assert response.status_code == 200
    assert "The discharge cannot be before the move to the current bed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Stay, admitted.id).is_open
