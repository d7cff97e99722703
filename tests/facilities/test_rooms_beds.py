"""Rooms and beds: who may change them, the bulk add, bed edits and deletions, htmx fragments."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.facilities.models import Bed, Room
from tests.facilities.helpers import audit_actions, bed_data, bulk_data, count, room_data, row_counts


def labels_in(room) -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(sa.select(Bed.label).where(Bed.room_id == room.id)))


def bed_urls(facility, room, bed) -> dict[str, str]:
    base = f"/facilities/{facility.id}/rooms/{room.id}"
    return {
        "room": base,
        "room_edit": f"{base}/edit",
        "room_delete": f"{base}/delete",
        "beds_create": f"{base}/beds",
        "bed": f"{base}/beds/{bed.id}",
        "bed_edit": f"{base}/beds/{bed.id}/edit",
        "bed_return": f"{base}/beds/{bed.id}/return",
        "bed_delete": f"{base}/beds/{bed.id}/delete",
        "room_create": f"/facilities/{facility.id}/rooms",
    }


POSTS = {"room_edit", "room_delete", "beds_create", "bed_edit", "bed_return", "bed_delete", "room_create"}


@pytest.fixture
def two_facilities(make_facility, make_room, make_bed):
    """Facility A and B, each with a room and an out-of-service bed."""
    out = {}
    for key in ("a", "b"):
        facility = make_facility(name=f"Panti {key.upper()}")
        room = make_room(facility=facility, name=f"Kamar {key.upper()}")
        bed = make_bed(room=room, label=f"{key.upper()}-01", out_of_service_reason="Rusak",
                       out_of_service_since=date(2026, 1, 5))
        out[key] = (facility, room, bed)
    return out


# --- scope -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_caseworker_of_a_gets_404_on_everything_of_b(client, make_user, login_as, two_facilities, htmx):
    facility_a, *_ = two_facilities["a"]
    login_as(make_user(roles=("caseworker",), facilities=[facility_a]))
    facility_b, room_b, bed_b = two_facilities["b"]
    before = row_counts()

    assert client.get(f"/facilities/{facility_b.id}").status_code == 404
    for name, url in bed_urls(facility_b, room_b, bed_b).items():
        method = "POST" if name in POSTS else "GET"
        data = {**bulk_data(room_b), **room_data(), **bed_data(bed_b)} if method == "POST" else None
        response = client.htmx(method, url, data=data) if htmx else client.open(url, method=method, data=data)
        assert response.status_code == 404, (name, response.status_code)
        assert "Kamar B" not in response.get_data(as_text=True)
    assert row_counts() == before


def test_room_of_another_facility_through_own_facility_url_is_404(client, make_user, login_as, two_facilities):
    facility_a, room_a, bed_a = two_facilities["a"]
    facility_b, room_b, bed_b = two_facilities["b"]
    login_as(make_user(roles=("facility_manager",), facilities=[facility_a]))
    before = row_counts()

    # Facility A in the URL (in scope), but B's room or bed: still 404.
    for name, url in {**bed_urls(facility_a, room_b, bed_b), **bed_urls(facility_a, room_a, bed_b)}.items():
        if name == "room_create":
            continue
        if url.startswith(f"/facilities/{facility_a.id}/rooms/{room_a.id}") and "beds/" not in url:
            continue  # room A itself is fine
        method = "POST" if name in POSTS else "GET"
        response = client.open(url, method=method, data=bulk_data(room_b) if method == "POST" else None)
        assert response.status_code == 404, (name, url)
    assert row_counts() == before


@pytest.mark.parametrize("huge", ["2147483648", "99999999999999999999999"])
def test_ids_beyond_the_integer_range_are_404(client, as_admin, two_facilities, huge):
    facility, room, bed = two_facilities["a"]
    base = f"/facilities/{facility.id}"
    gets = [f"/facilities/{huge}", f"/facilities/{huge}/edit", f"{base}/rooms/{huge}", f"{base}/rooms/{huge}/edit",
            f"{base}/rooms/{room.id}/beds/{huge}", f"{base}/rooms/{room.id}/beds/{huge}/edit"]
    posts = [f"/facilities/{huge}/rooms", f"{base}/rooms/{huge}/beds", f"{base}/rooms/{huge}/delete",
             f"{base}/rooms/{room.id}/beds/{huge}/edit", f"{base}/rooms/{room.id}/beds/{huge}/delete"]
    assert [client.get(url).status_code for url in gets] == [404] * len(gets)
    assert [client.post(url).status_code for url in posts] == [404] * len(posts)


@pytest.mark.parametrize("roles", [("caseworker",), ("intake_staff",), ("case_manager",)])
def test_staff_who_are_not_managers_see_but_cannot_change(client, make_user, login_as, two_facilities, roles):
    facility, room, bed = two_facilities["a"]
    login_as(make_user(roles=roles, facilities=[facility]))
    before = row_counts()

    html = client.get(f"/facilities/{facility.id}").get_data(as_text=True)
    assert "Kamar A" in html and "A-01" in html and "Rusak" in html
    assert "Add beds" not in html and "Delete" not in html
    for name, url in bed_urls(facility, room, bed).items():
        if name in POSTS or name.endswith("_edit"):
            method = "POST" if name in POSTS else "GET"
            assert client.open(url, method=method, data=bulk_data(room)).status_code == 404, name
    assert row_counts() == before


def test_admin_and_own_manager_can_open_and_manage(client, admin, make_user, login_as, two_facilities):
    facility_b, room_b, _bed = two_facilities["b"]
    login_as(admin)
    html = client.get(f"/facilities/{facility_b.id}").get_data(as_text=True)
    assert "Kamar B" in html and "Add beds" in html

    manager = make_user(roles=("facility_manager",), facilities=[facility_b])
    client.post("/logout")
    login_as(manager)
    assert "Add beds" in client.get(f"/facilities/{facility_b.id}").get_data(as_text=True)
    assert client.post(f"/facilities/{facility_b.id}/rooms", data=room_data(name="Kamar Baru")).status_code == 302
    assert count(Room, Room.facility_id == facility_b.id) == 2


# --- rooms -------------------------------------------------------------------------------------------

def test_create_room_plain_and_htmx(client, as_admin, make_facility):
    facility = make_facility()

    plain = client.post(f"/facilities/{facility.id}/rooms", data=room_data(name="Kamar Melati"))
    assert plain.status_code == 302 and "#room-" in plain.headers["Location"]

    fragment = client.htmx("POST", f"/facilities/{facility.id}/rooms",
                           data=room_data(name="Kamar Anggrek", sex="mixed_family", age_group="mother_with_children"))
    assert fragment.status_code == 200
    html = fragment.get_data(as_text=True)
    assert html.lstrip().startswith("<div id=\"rooms\">") and "<html" not in html
    assert "Kamar Melati" in html and "Kamar Anggrek" in html
    assert 'hx-swap-oob="true"' in html and "Room Kamar Anggrek added." in html
    room = db.session.scalar(sa.select(Room).where(Room.name == "Kamar Anggrek"))
    assert (room.sex, room.age_group) == ("mixed_family", "mother_with_children")
    assert len(audit_actions("room.created")) == 2


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_duplicate_room_name_is_refused_next_to_the_field(client, as_admin, make_room, htmx):
    room = make_room(name="Kamar Melati")
    url = f"/facilities/{room.facility_id}/rooms"
    data = room_data(name="Kamar Melati", sex="male")

    response = client.htmx("POST", url, data=data) if htmx else client.post(url, data=data)

    assert response.status_code == (200 if htmx else 422)
    html = response.get_data(as_text=True)
    assert re.search(r'id="err-newroom-name"[^>]*>This facility already has a room called Kamar Melati', html)
    assert '<details class="panel new-room" open>' in html
    assert count(Room) == 1


def test_same_room_name_in_another_facility_is_fine(client, as_admin, make_room, make_facility):
    make_room(name="Kamar Melati")
    other = make_facility()
    assert client.post(f"/facilities/{other.id}/rooms", data=room_data(name="Kamar Melati")).status_code == 302
    assert count(Room) == 2


@pytest.mark.parametrize("values, field", [
    ({"name": ""}, "name"), ({"name": "k" * 81}, "name"), ({"sex": "other"}, "sex"),
    ({"age_group": "elderly"}, "age_group"), ({"sex": None}, "sex"),
])
def test_bad_room_input_is_refused(client, as_admin, make_facility, values, field):
    facility = make_facility()
    response = client.post(f"/facilities/{facility.id}/rooms", data=room_data(**values))
    assert response.status_code == 422
    assert f'id="err-newroom-{field}"' in response.get_data(as_text=True)
    assert count(Room) == 0


def test_edit_room_inline(client, as_admin, make_room):
    room = make_room(name="Kamar Lama")
    make_room(facility=room.facility, name="Kamar Tetangga")
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/edit"
    prefix = f"editroom{room.id}"

    form = client.htmx("GET", url).get_data(as_text=True)
    assert form.lstrip().startswith(f'<section class="panel room" id="room-{room.id}"')
    assert f'name="{prefix}-name"' in form and 'value="Kamar Lama"' in form

    clash = client.htmx("POST", url, data=room_data(prefix, name="Kamar Tetangga"))
    assert clash.status_code == 200
    assert "already has a room called Kamar Tetangga" in clash.get_data(as_text=True)

    saved = client.htmx("POST", url, data=room_data(prefix, name="Kamar Baru", sex="male", age_group="child"))
    assert saved.status_code == 200
    assert ">Kamar Baru</h2>" in saved.get_data(as_text=True)
    db.session.expire_all()
    assert (room.name, room.sex, room.age_group) == ("Kamar Baru", "male", "child")
    assert audit_actions("room.updated")[-1].detail["fields"] == ["name", "sex", "age_group"]


def test_edit_room_without_htmx(client, as_admin, make_room):
    room = make_room(name="Kamar Lama")
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/edit"
    assert "<html" in client.get(url).get_data(as_text=True)
    response = client.post(url, data=room_data(f"editroom{room.id}", name="Kamar Baru"))
    assert response.status_code == 302
    db.session.expire_all()
    assert room.name == "Kamar Baru"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_delete_room_removes_its_beds(client, as_admin, make_room, make_bed, htmx):
    room = make_room(name="Kamar Hapus")
    room_id = room.id
    keep = make_room(facility=room.facility)
    for _ in range(3):
        make_bed(room=room)
    make_bed(room=keep)
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/delete"

    html = client.get(f"/facilities/{room.facility_id}").get_data(as_text=True)
    assert re.search(rf'action="{url}"[^>]*\s+hx-post="{url}"[^>]*\s+hx-confirm="Delete room Kamar Hapus and its 3 beds\?"',
                     html.replace("\n", " "))
    response = client.htmx("POST", url) if htmx else client.post(url)

    assert response.status_code == (200 if htmx else 302)
    if htmx:
        body = response.get_data(as_text=True)
        assert f'id="room-{room_id}"' not in body and "Room Kamar Hapus deleted." in body
    assert count(Room) == 1 and count(Bed) == 1
    assert len(audit_actions("room.deleted")) == 1


def test_room_fragment_and_non_htmx_redirect(client, as_admin, make_room):
    room = make_room()
    url = f"/facilities/{room.facility_id}/rooms/{room.id}"
    assert client.get(url).status_code == 302
    fragment = client.htmx("GET", url).get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<section class="panel room" id="room-{room.id}"')


# --- adding beds in bulk -----------------------------------------------------------------------------

def test_forty_beds_in_one_htmx_post(app, client, as_admin, make_room):
    room = make_room(name="Kamar Besar")

    response = client.htmx("POST", f"/facilities/{room.facility_id}/rooms/{room.id}/beds",
                           data=bulk_data(room, label_prefix="A-", first_number="1", count="40",
                                          pad_width="2", wheelchair_accessible="y"))

    assert response.status_code == 200
    assert labels_in(room) == [f"A-{n:02d}" for n in range(1, 41)]
    assert count(Bed, Bed.room_id == room.id, Bed.wheelchair_accessible.is_(True)) == 40
    assert count(Bed, Bed.has_crib.is_(True)) == 0
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<section class="panel room" id="room-{room.id}"') and "<html" not in html
    assert html.index(">A-01<") < html.index(">A-02<") < html.index(">A-40<")
    assert "40 beds added to Kamar Besar." in html and 'id="flash"' in html
    assert f'<span id="room-{room.id}-count">40 beds</span>' in html
    [event] = audit_actions("beds.created")
    assert event.detail == {"count": 40, "first": "A-01", "last": "A-40"}


def test_bulk_add_commits_once(app, client, as_admin, make_room):
    room = make_room()
    commits = []

    def on_commit(conn):
        commits.append(conn)

    sa.event.listen(db.engine, "commit", on_commit)
    try:
        client.get(f"/facilities/{room.facility_id}")
        baseline = len(commits)  # whatever a request commits anyway (the session's last-seen time)
        commits.clear()
        client.post(f"/facilities/{room.facility_id}/rooms/{room.id}/beds", data=bulk_data(room, count="40"))
    finally:
        sa.event.remove(db.engine, "commit", on_commit)

    assert count(Bed) == 40
    assert len(commits) == baseline + 1


def test_bulk_add_without_htmx_redirects_to_the_room(client, as_admin, make_room):
    room = make_room()
    response = client.post(f"/facilities/{room.facility_id}/rooms/{room.id}/beds",
                           data=bulk_data(room, label_prefix="", first_number="7", count="3", pad_width="1",
                                          has_crib="y"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/facilities/{room.facility_id}#room-{room.id}")
    assert labels_in(room) == ["7", "8", "9"]
    assert count(Bed, Bed.has_crib.is_(True)) == 3


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_clashing_labels_create_nothing_and_name_the_clash(client, as_admin, make_room, make_bed, htmx):
    room = make_room()
    make_bed(room=room, label="A-05")
    make_bed(room=room, label="A-17")
    other_room = make_room(facility=room.facility)
    make_bed(room=other_room, label="A-01")  # another room's labels do not clash
    before = row_counts()
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/beds"
    data = bulk_data(room, label_prefix="A-", count="40")

    response = client.htmx("POST", url, data=data) if htmx else client.post(url, data=data)

    assert response.status_code == (200 if htmx else 422)
    html = response.get_data(as_text=True)
    error = re.search(rf'id="err-room{room.id}-first_number"[^>]*>([^<]*)<', html)
    assert error, html[:2000]
    assert "A-05, A-17" in error.group(1) and "Nothing was added" in error.group(1)
    assert '<details class="add-beds" open>' in html
    assert f'name="room{room.id}-label_prefix" type="text" value="A-"' in html  # what was typed is kept
    assert re.search(rf'name="room{room.id}-count"[^>]*value="40"', html)
    assert row_counts() == before
    assert labels_in(room) == ["A-05", "A-17"]


def test_clash_found_only_by_the_database_gives_the_same_message(client, as_admin, make_room, make_bed,
                                                                 monkeypatch):
    """Someone else added A-03 between our check and our insert: the unique index has the last word."""
    from shelter.facilities import service

    room = make_room()
    make_bed(room=room, label="A-03")
    real = service.existing_labels
    calls = []

    def blind_first_time(*args, **kwargs):
        calls.append(1)
        return [] if len(calls) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(service, "existing_labels", blind_first_time)
    before = row_counts()

    response = client.htmx("POST", f"/facilities/{room.facility_id}/rooms/{room.id}/beds",
                           data=bulk_data(room, label_prefix="A-", count="5"))

    assert response.status_code == 200
    assert "The label A-03 is already used in this room" in response.get_data(as_text=True)
    assert row_counts() == before


def test_many_clashes_are_summarised(client, as_admin, make_room):
    room = make_room()
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/beds"
    assert client.post(url, data=bulk_data(room, count="30")).status_code == 302

    html = client.htmx("POST", url, data=bulk_data(room, count="40")).get_data(as_text=True)

    assert "01, 02, 03, 04, 05, 06, 07, 08, 09, 10 and 20 more" in html
    assert count(Bed) == 30


@pytest.mark.parametrize("values, field, message", [
    ({"count": "0"}, "count", "from 1 to 200"),
    ({"count": "201"}, "count", "from 1 to 200"),
    ({"count": "abc"}, "count", "Not a valid integer"),
    ({"count": ""}, "count", "Enter how many beds"),
    ({"count": None}, "count", "Enter how many beds"),
    ({"first_number": "-1"}, "first_number", "from 0 to 99999"),
    ({"pad_width": "9"}, "pad_width", "from 1 to 6"),
    ({"label_prefix": "P" * 21}, "label_prefix", "at most 20"),
    ({"label_prefix": "A\x07"}, "label_prefix", "control characters"),
])
def test_bad_bulk_input_is_refused_next_to_the_field(client, as_admin, make_room, values, field, message):
    room = make_room()
    before = row_counts()
    response = client.htmx("POST", f"/facilities/{room.facility_id}/rooms/{room.id}/beds",
                           data=bulk_data(room, **values))
    assert response.status_code == 200
    error = re.search(rf'id="err-room{room.id}-{field}"[^>]*>([^<]*)<', response.get_data(as_text=True))
    assert error and message in error.group(1)
    assert row_counts() == before


def test_beds_are_listed_in_natural_order(client, as_admin, make_room, make_bed):
    room = make_room()
    for label in ("B-10", "B-2", "A-1", "B-1"):
        make_bed(room=room, label=label)
    html = client.get(f"/facilities/{room.facility_id}").get_data(as_text=True)
    positions = [html.index(f">{label}<") for label in ("A-1", "B-1", "B-2", "B-10")]
    assert positions == sorted(positions)


# --- editing one bed ----------------------------------------------------------------------------------

@pytest.fixture
def bed_setup(make_room, make_bed):
    room = make_room()
    bed = make_bed(room=room, label="C-01")
    make_bed(room=room, label="C-02")
    base = f"/facilities/{room.facility_id}/rooms/{room.id}/beds/{bed.id}"
    return room, bed, base


def test_bed_row_swaps_to_an_inline_form_and_back(client, as_admin, bed_setup):
    room, bed, base = bed_setup
    form = client.htmx("GET", f"{base}/edit").get_data(as_text=True)
    assert form.lstrip().startswith(f'<tr id="bed-{bed.id}" class="bed-row editing">')
    assert f'hx-post="{base}/edit"' in form and f'name="bed{bed.id}-label"' in form
    row = client.htmx("GET", base).get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="bed-{bed.id}" class="bed-row">')
    page = client.get(f"{base}/edit").get_data(as_text=True)
    assert "<html" in page and "hx-post" not in page.split('<main id="main">')[1]


def test_edit_bed_label_and_flags(client, as_admin, bed_setup):
    room, bed, base = bed_setup
    response = client.htmx("POST", f"{base}/edit", data=bed_data(bed, label="C-99", has_crib="y"))
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith(f'<tr id="bed-{bed.id}" class="bed-row">')
    db.session.expire_all()
    assert (bed.label, bed.has_crib, bed.wheelchair_accessible) == ("C-99", True, False)
    assert audit_actions("bed.updated")[-1].detail["fields"] == ["label", "has_crib"]


def test_edit_bed_to_a_taken_label_is_refused(client, as_admin, bed_setup):
    room, bed, base = bed_setup
    response = client.htmx("POST", f"{base}/edit", data=bed_data(bed, label="C-02"))
    assert "Another bed in this room already has the label C-02" in response.get_data(as_text=True)
    db.session.expire_all()
    assert bed.label == "C-01"


def test_set_and_clear_out_of_service(client, as_admin, bed_setup):
    room, bed, base = bed_setup
    response = client.htmx("POST", f"{base}/edit", data=bed_data(
        bed, out_of_service="y", out_of_service_reason="Kasur rusak", out_of_service_since="2026-03-01",
        out_of_service_until="2026-03-01"))
    assert response.status_code == 200 and "Kasur rusak" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (bed.out_of_service_reason, bed.out_of_service_since, bed.out_of_service_until) == (
        "Kasur rusak", date(2026, 3, 1), date(2026, 3, 1))

    back = client.htmx("POST", f"{base}/return")
    assert back.status_code == 200 and "In service" in back.get_data(as_text=True)
    db.session.expire_all()
    assert (bed.out_of_service_reason, bed.out_of_service_since, bed.out_of_service_until) == (None, None, None)

    client.htmx("POST", f"{base}/edit", data=bed_data(bed, out_of_service="y", out_of_service_reason="Bocor",
                                                       out_of_service_since="2026-03-02"))
    # Unticking "out of service" in the form clears the reason and dates too.
    client.htmx("POST", f"{base}/edit", data=bed_data(bed, out_of_service_reason="Bocor",
                                                       out_of_service_since="2026-03-02"))
    db.session.expire_all()
    assert not bed.is_out_of_service and bed.out_of_service_since is None


@pytest.mark.parametrize("values, field, message", [
    ({"out_of_service_until": "2026-02-28"}, "out_of_service_until", "cannot be before"),
    ({"out_of_service_reason": ""}, "out_of_service_reason", "Enter why"),
    ({"out_of_service_since": ""}, "out_of_service_since", "Enter the date"),
    ({"out_of_service_since": "2026-02-30"}, "out_of_service_since", "Not a valid date"),
    ({"out_of_service_reason": "r" * 201}, "out_of_service_reason", "at most 200"),
    ({"label": ""}, "label", "Enter the bed"),
    ({"label": "L" * 33}, "label", "at most 32"),
])
def test_bad_out_of_service_input_is_refused(client, as_admin, bed_setup, values, field, message):
    room, bed, base = bed_setup
    data = {"out_of_service": "y", "out_of_service_reason": "Rusak", "out_of_service_since": "2026-03-01",
            **values}
    before = row_counts()

    response = client.htmx("POST", f"{base}/edit", data=bed_data(bed, **data))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error = re.search(rf'id="err-bed{bed.id}-{field}"[^>]*>([^<]*)<', html)
    assert error and message in error.group(1), html
    db.session.expire_all()
    assert not bed.is_out_of_service and bed.label == "C-01"
    assert row_counts() == before


def test_bad_bed_edit_without_htmx_shows_the_page_with_errors(client, as_admin, bed_setup):
    room, bed, base = bed_setup
    response = client.post(f"{base}/edit", data=bed_data(bed, out_of_service="y", out_of_service_reason="Rusak",
                                                          out_of_service_since="2026-03-05",
                                                          out_of_service_until="2026-03-04"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and "cannot be before" in html and 'value="Rusak"' in html


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_delete_bed(client, as_admin, bed_setup, htmx):
    room, bed, base = bed_setup
    html = client.get(f"/facilities/{room.facility_id}").get_data(as_text=True)
    assert 'hx-confirm="Delete bed C-01?"' in html

    response = client.htmx("POST", f"{base}/delete") if htmx else client.post(f"{base}/delete")

    assert response.status_code == (200 if htmx else 302)
    assert labels_in(room) == ["C-02"]
    if htmx:
        body = response.get_data(as_text=True)
        assert f'<span id="room-{room.id}-count" hx-swap-oob="true">1 bed</span>' in body
        assert "Bed C-01 deleted." in body
    assert audit_actions("bed.deleted")[-1].detail == {"label": "C-01"}
    assert client.post(f"{base}/delete").status_code == 404


# --- beds with a history stay ---------------------------------------------------------------------------

def follow(client, response):
    assert response.status_code == 302
    return client.get(response.headers["Location"])


@pytest.fixture
def held_bed(make_room, make_bed):
    """A bed that was held once: the hold refers to it (ON DELETE RESTRICT), so it must stay."""
    from datetime import datetime, timedelta, timezone

    from shelter.stays.models import BedHold

    room = make_room(name="Kamar Riwayat")
    bed = make_bed(room=room, label="H-01")
    make_bed(room=room, label="H-02")
    now = datetime.now(timezone.utc)
    db.session.add(BedHold(bed_id=bed.id, reason="Rujukan", created_at=now - timedelta(days=3),
                           expires_at=now - timedelta(days=2), released_at=now - timedelta(days=2),
                           release_reason="expired"))
    db.session.commit()
    return room, bed


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_bed_with_history_is_not_deleted(client, as_admin, held_bed, htmx):
    room, bed = held_bed
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/beds/{bed.id}/delete"
    before = row_counts()

    response = client.htmx("POST", url) if htmx else follow(client, client.post(url))

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bed H-01 cannot be deleted" in html and "Put it out of service instead" in html
    if htmx:
        assert response.headers["HX-Reswap"] == "none"  # the row stays on the page
    assert row_counts() == before
    assert labels_in(room) == ["H-01", "H-02"]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_room_with_a_bed_with_history_is_not_deleted(client, as_admin, held_bed, htmx):
    room, _bed = held_bed
    url = f"/facilities/{room.facility_id}/rooms/{room.id}/delete"
    before = row_counts()

    response = client.htmx("POST", url) if htmx else follow(client, client.post(url))

    assert response.status_code == 200
    assert "Room Kamar Riwayat cannot be deleted" in response.get_data(as_text=True)
    assert row_counts() == before
    assert labels_in(room) == ["H-01", "H-02"]


def test_the_other_beds_of_that_room_can_still_go(client, as_admin, held_bed):
    room, bed = held_bed
    other = db.session.scalar(sa.select(Bed).where(Bed.room_id == room.id, Bed.id != bed.id))
    assert client.post(f"/facilities/{room.facility_id}/rooms/{room.id}/beds/{other.id}/delete").status_code == 302
    assert labels_in(room) == ["H-01"]
