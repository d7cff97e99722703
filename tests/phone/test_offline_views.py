"""What the service worker may keep: the board's snapshot holds facility names and counts only (no address
of a Rumah Aman, no resident), for signed-in users; the worker's script is served from the root; logging
out tells the browser to clear what it kept."""

from __future__ import annotations


def test_snapshot_has_counts_but_no_address_or_resident(client, login_as, make_facility, make_room, make_bed,
                                                         make_user, make_resident):
    house = make_facility(name="Rumah Aman Uji", kind="rumah_aman", address="Jalan Rahasia 7")
    make_bed(room=make_room(facility=house, sex="female", age_group="adult"))
    resident = make_resident(house, full_name="Sari Tersembunyi")
    user = make_user(roles=("intake_staff",), facilities=[house])
    assert client.get("/board/offline").status_code == 302  # not without signing in
    login_as(user)
    html = client.get("/board/offline").get_data(as_text=True)
    assert "Rumah Aman Uji" in html and "Luring — jumlah per" in html and 'data-count="available">1<' in html
    assert "Jalan Rahasia" not in html and resident.full_name not in html and user.full_name not in html


def test_worker_script_from_the_root_and_offline_notice_without_data(client):
    script = client.get("/sw.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert script.headers["Service-Worker-Allowed"] == "/"
    notice = client.get("/offline")
    assert notice.status_code == 200 and "Tidak ada koneksi" in notice.get_data(as_text=True)


def test_logout_clears_site_data(client, login_as, make_user):
    login_as(make_user(roles=("caseworker",)))
    response = client.post("/logout")
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
