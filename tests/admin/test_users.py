"""Users administration: who may use it, the list and its filters, create, edit, deactivate,
reactivate and reset a password."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from shelter.auth.models import User, UserSession
from shelter.extensions import db
from tests.admin.conftest import NEW_PASSWORD, audit_events, new_user_form
from tests.conftest import PASSWORD, login

NON_ADMIN_ROLES = ["facility_manager", "intake_staff", "case_manager", "caseworker"]


def _admin_area_requests(app, user_id: int):
    """(method, url) for every admin and audit endpoint and method in the URL map."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith(("admin.", "audit.")):
            continue
        values = {name: user_id if isinstance(rule._converters[name], IntegerConverter) else "x"
                  for name in rule.arguments}
        url = adapter.build(rule.endpoint, values)
        found += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_every_admin_and_audit_url_is_404_for_other_roles(app, client, make_user, make_facility, login_as, role):
    facility = make_facility()
    target = make_user(roles=("caseworker",), facilities=[facility])
    login_as(make_user(roles=(role,), facilities=[facility]))
    requests = _admin_area_requests(app, target.id)
    assert {url for _, url in requests} >= {"/admin/users", "/admin/users/new", "/admin/audit/",
                                             f"/admin/users/{target.id}/deactivate"}
    wrong = []
    for method, url in requests:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.open(url, method=method, headers=headers,
                                   data={"full_name": "x", "roles": ["admin"], "new_password": "x" * 12})
            if response.status_code != 404:
                wrong.append(f"{method} {url} {headers}: {response.status_code}")
    assert not wrong
    db.session.expire_all()
    assert db.session.get(User, target.id).active
    assert audit_events("user.updated") == audit_events("user.deactivated") == []


def test_admin_reaches_every_admin_page(app, admin_client, make_user):
    target = make_user()
    for method, url in _admin_area_requests(app, target.id):
        if method == "GET":
            assert admin_client.get(url).status_code == 200, url


# --- list ------------------------------------------------------------------------------------------

def test_list_filters_by_role_facility_status_and_search(admin_client, make_user, make_facility):
    north, south = make_facility(name="Panti Utara"), make_facility(name="Panti Selatan")
    make_user(full_name="Ani Wulandari", email="ani@dinsos.example.org", roles=("caseworker",), facilities=[north])
    make_user(full_name="Budi Santoso", email="budi@dinsos.example.org", roles=("intake_staff",), facilities=[south])
    gone = make_user(full_name="Cici Lestari", email="cici@dinsos.example.org", roles=("caseworker",))
    gone.active = False
    db.session.commit()

    def names(**args):
        response = admin_client.htmx("GET", "/admin/users", query_string=args)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<html" not in html and 'id="users-table"' in html  # the fragment alone
        return {n for n in ("Ani Wulandari", "Budi Santoso", "Cici Lestari", "Admin Uji") if n in html}

    assert names() == {"Ani Wulandari", "Budi Santoso", "Cici Lestari", "Admin Uji"}
    assert names(role="caseworker") == {"Ani Wulandari", "Cici Lestari"}
    assert names(facility=str(south.id)) == {"Budi Santoso"}
    assert names(status="inactive") == {"Cici Lestari"}
    assert names(status="active", role="caseworker") == {"Ani Wulandari"}
    assert names(q="SANTOSO") == {"Budi Santoso"}
    assert names(q="cici@") == {"Cici Lestari"}
    assert names(q="%") == set()  # LIKE wildcards are searched for literally
    empty = admin_client.htmx("GET", "/admin/users", query_string={"q": "nobody-has-this"})
    assert "No users match these filters." in empty.get_data(as_text=True)


def test_full_page_without_htmx_and_bad_filters_give_a_message(admin_client):
    page = admin_client.get("/admin/users")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and 'hx-target="#users-table"' in html and 'hx-get="/admin/users"' in html
    for args in ({"role": "superuser"}, {"facility": "999999"}, {"status": "maybe"}, {"q": "a\x00b"},
                 {"q": "x" * 500}):
        response = admin_client.htmx("GET", "/admin/users", query_string=args)
        assert response.status_code == 200, args
        assert "Correct the filters to see users" in response.get_data(as_text=True), args
    assert admin_client.get("/admin/users", query_string={"page": "abc"}).status_code == 200
    assert admin_client.get("/admin/users", query_string={"page": str(10**30)}).status_code == 200


def test_list_pages_by_25(admin_client, make_user):
    for n in range(30):
        make_user(full_name=f"Staf {n:02d}")
    first = admin_client.get("/admin/users").get_data(as_text=True)
    assert "31 users" in first and "Page 1 of 2" in first
    assert "Staf 00" in first and "Staf 23" in first and "Staf 24" not in first
    second = admin_client.htmx("GET", "/admin/users", query_string={"page": 2}).get_data(as_text=True)
    assert "Staf 24" in second and "Staf 29" in second and "Staf 00" not in second
    assert "Page 2 of 2" in second


def test_list_statement_count_does_not_grow_with_users(app, admin_client, make_user, make_facility, count_statements):
    facility = make_facility()

    def statements():
        with count_statements() as counted:
            assert admin_client.get("/admin/users").status_code == 200
        return len(counted)

    make_user(facilities=[facility])
    few = statements()
    for _ in range(20):
        make_user(roles=("caseworker", "intake_staff"), facilities=[facility, make_facility()])
    assert statements() == few


# --- create ----------------------------------------------------------------------------------------

def test_create_user_who_must_change_password_at_first_login(app, admin_client, other_client, make_facility):
    facility = make_facility()
    response = admin_client.post("/admin/users/new", data=new_user_form(
        roles=["caseworker", "intake_staff"], facilities=[str(facility.id)], phone="0812-3456-7890"))
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "siti.rahma@example.org"))
    assert user is not None and user.full_name == "Siti Rahma"
    assert user.must_change_password
    assert user.roles == {"caseworker", "intake_staff"}
    assert user.facility_ids == {facility.id}
    assert user.phone == "+6281234567890"
    (created,) = audit_events("user.created")[-1:]
    assert created.target_id == user.id and created.actor_email == "admin@shelter.test"
    listed = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Account created: it can log in with the initial password" in listed
    assert "Siti Rahma can now log in" not in listed  # no name in the flash (it travels in the cookie)

    assert login(other_client, "siti.rahma@example.org", NEW_PASSWORD).status_code == 302
    for url in ("/", "/facilities/"):
        forced = other_client.get(url)
        assert forced.status_code == 302 and forced.headers["Location"].endswith("/account/password")
    changed = other_client.post("/account/password", data={
        "current_password": NEW_PASSWORD, "new_password": "my own password 7", "confirm_password": "my own password 7"})
    assert changed.status_code == 302
    assert other_client.get("/").status_code == 200


def test_create_with_htmx_redirects_on_success_and_answers_errors_with_200(admin_client):
    bad = admin_client.htmx("POST", "/admin/users/new", data=new_user_form(full_name="", roles=[]))
    assert bad.status_code == 200
    html = bad.get_data(as_text=True)
    assert "<html" not in html and 'id="user-form"' in html
    assert "Enter the full name." in html and "Choose at least one role." in html
    good = admin_client.htmx("POST", "/admin/users/new", data=new_user_form())
    assert good.status_code == 200 and good.headers["HX-Redirect"] == "/admin/users"


def test_duplicate_email_is_refused_next_to_the_field_and_keeps_what_was_typed(admin_client, make_user):
    make_user(email="siti.rahma@example.org")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = admin_client.post("/admin/users/new", data=new_user_form(email="  SITI.Rahma@example.ORG "))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    field = html[html.index('id="field-email"'):html.index('id="field-full_name"')]
    assert "A user with this email address already exists." in field
    assert 'value="SITI.Rahma@example.ORG"' in field
    assert 'value="Siti Rahma"' in html  # the rest of the form is kept too
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_duplicate_email_seen_only_by_the_unique_index_is_the_same_message(admin_client, make_user, monkeypatch):
    """Two admins creating the same email at once: the second insert fails in the database."""
    from shelter.auth import service as auth

    make_user(email="siti.rahma@example.org")
    monkeypatch.setattr(auth, "get_user_by_email", lambda email: None)  # the check both passed
    response = admin_client.htmx("POST", "/admin/users/new", data=new_user_form())
    assert response.status_code == 200
    assert "A user with this email address already exists." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
    assert len(audit_events("user.created")) == 2  # the admin's and the first Siti's only


BAD_CREATE_INPUT = [
    ({"email": "not-an-email"}, "Enter a valid email address"),
    ({"email": ""}, "Enter an email address."),
    ({"full_name": "x" * 121}, "At most 120 characters."),
    ({"full_name": "Siti\x00Rahma"}, "Remove the invisible control characters."),
    ({"roles": []}, "Choose at least one role."),
    ({"roles": ["superuser"]}, "Choose from the list."),
    ({"facilities": ["999999"]}, "Choose from the list."),
    ({"facilities": ["abc"]}, "Choose from the list."),
    ({"phone": "12"}, "Enter a valid phone number"),
    ({"password": "short"}, "The password must be between 10 and 128 characters."),
    ({"password": "p" * 129}, "The password must be between 10 and 128 characters."),
]


def test_create_refuses_bad_input_without_writing(admin_client):
    for overrides, message in BAD_CREATE_INPUT:
        response = admin_client.post("/admin/users/new", data=new_user_form(**overrides))
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True), overrides
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1  # the admin only
    assert [e.target_id for e in audit_events("user.created")] == [1]


def test_over_long_password_is_refused_before_any_hashing(admin_client, monkeypatch):
    from shelter.auth import passwords

    def no_hashing():
        raise AssertionError("argon2 must not see an over-long password")

    monkeypatch.setattr(passwords, "_hasher", no_hashing)
    response = admin_client.post("/admin/users/new", data=new_user_form(password="p" * 100_000))
    assert response.status_code == 422


# --- edit ------------------------------------------------------------------------------------------

def test_edit_roles_facilities_name_and_phone(admin_client, make_user, make_facility):
    old, new = make_facility(), make_facility()
    user = make_user(roles=("caseworker",), facilities=[old])
    page = admin_client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert re.search(rf'<input checked id="facilities-\d+" name="facilities" type="checkbox" value="{old.id}">', page)
    assert not re.search(rf'<input checked [^>]*value="{new.id}">', page)
    response = admin_client.post(f"/admin/users/{user.id}", data={
        "full_name": "Nama Baru", "roles": ["case_manager", "facility_manager"],
        "facilities": [str(new.id)], "phone": "+62 21 555 0199"})
    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert user.full_name == "Nama Baru"
    assert user.roles == {"case_manager", "facility_manager"}
    assert user.facility_ids == {new.id}
    assert user.phone == "+62215550199"
    (event,) = audit_events("user.updated")
    assert event.target_id == user.id
    assert event.detail == {"fields": ["full_name", "roles", "facilities", "phone"],
                            "roles": ["case_manager", "facility_manager"], "facility_ids": [new.id]}
    assert "password" not in str(event.detail)


def test_edit_with_htmx_returns_the_form_and_an_out_of_band_flash(admin_client, make_user):
    user = make_user(roles=("caseworker",))
    response = admin_client.htmx("POST", f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "roles": ["caseworker", "intake_staff"], "facilities": [], "phone": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="user-form"' in html
    assert '<div id="flash" class="flash-area" aria-live="polite" hx-swap-oob="true">' in html
    assert "saved" in html
    (event,) = audit_events("user.updated")
    assert event.detail == {"fields": ["roles"], "roles": ["caseworker", "intake_staff"]}
    # Saving again without a change records nothing.
    admin_client.htmx("POST", f"/admin/users/{user.id}", data={
        "full_name": user.full_name, "roles": ["caseworker", "intake_staff"], "phone": ""})
    assert len(audit_events("user.updated")) == 1


def test_edit_with_errors_keeps_the_user_unchanged(admin_client, make_user):
    user = make_user(roles=("caseworker",), full_name="Tetap Sama")
    response = admin_client.htmx("POST", f"/admin/users/{user.id}", data={
        "full_name": "", "roles": ["admin"], "phone": "not a phone"})
    assert response.status_code == 200
    assert "Enter the full name." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).roles == {"caseworker"}
    assert audit_events("user.updated") == []


def test_admin_cannot_remove_their_own_admin_role(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}", data={
        "full_name": admin.full_name, "roles": ["caseworker"], "phone": ""})
    assert response.status_code == 422
    assert "You cannot remove your own administrator role." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).roles == {"admin"}
    assert audit_events("user.updated") == []
    # Their other details can still be edited.
    ok = admin_client.post(f"/admin/users/{admin.id}", data={
        "full_name": "Admin Baru", "roles": ["admin", "caseworker"], "phone": ""})
    assert ok.status_code == 302


def test_another_admin_can_remove_an_admin_role(admin_client, make_user):
    other = make_user(roles=("admin",))
    response = admin_client.post(f"/admin/users/{other.id}", data={
        "full_name": other.full_name, "roles": ["caseworker"], "phone": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, other.id).roles == {"caseworker"}


def test_unknown_user_is_404(admin_client):
    for url in ("/admin/users/999999", "/admin/users/99999999999999999999", "/admin/users/0/deactivate",
                "/admin/users/4294967296/reactivate", "/admin/users/2147483648/password"):
        assert admin_client.get(url).status_code in (404, 405), url
        assert admin_client.post(url, data={}).status_code == 404, url


# --- deactivate / reactivate -------------------------------------------------------------------------

def test_deactivation_asks_first_then_ends_the_users_session_at_once(admin_client, other_client, make_user):
    user = make_user()
    assert login(other_client, user).status_code == 302
    assert other_client.get("/").status_code == 200

    ask = admin_client.htmx("GET", f"/admin/users/{user.id}/deactivate")
    html = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "<html" not in html and "Yes, deactivate" in html
    db.session.expire_all()
    assert db.session.get(User, user.id).active  # asking changes nothing

    done = admin_client.htmx("POST", f"/admin/users/{user.id}/deactivate")
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and 'hx-swap-oob="true"' in html and "Inactive" in html
    assert other_client.get("/").status_code == 302  # the open session is dead
    assert login(other_client, user).status_code == 401  # and no new one
    live = db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))
    assert live == 0
    (event,) = audit_events("user.deactivated")
    assert event.target_id == user.id and event.detail == {"sessions_revoked": 1}

    listed = admin_client.get("/admin/users", query_string={"status": "inactive"}).get_data(as_text=True)
    assert user.full_name in listed

    again = admin_client.post(f"/admin/users/{user.id}/reactivate")
    assert again.status_code == 302
    assert login(other_client, user).status_code == 302
    assert other_client.get("/").status_code == 200
    assert len(audit_events("user.reactivated")) == 1


def test_plain_deactivation_confirms_on_a_page(admin_client, make_user):
    user = make_user()
    page = admin_client.get(f"/admin/users/{user.id}/deactivate")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "Yes, deactivate" in html
    assert 'name="csrf_token"' in html
    assert admin_client.post(f"/admin/users/{user.id}/deactivate", csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).active


def test_admin_cannot_deactivate_themselves(admin_client, admin):
    response = admin_client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 302
    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
    assert admin_client.get("/admin/users").status_code == 200
    assert audit_events("user.deactivated") == []


# --- reset password --------------------------------------------------------------------------------

def test_reset_password_ends_sessions_and_forces_a_change(admin_client, other_client, make_user):
    user = make_user()
    assert login(other_client, user).status_code == 302
    response = admin_client.htmx("POST", f"/admin/users/{user.id}/password", data={"new_password": NEW_PASSWORD})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "New initial password set" in html and 'hx-swap-oob="true"' in html
    assert NEW_PASSWORD not in html
    assert other_client.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).must_change_password
    assert login(other_client, user, PASSWORD).status_code == 401
    assert login(other_client, user, NEW_PASSWORD).status_code == 302
    assert other_client.get("/").headers["Location"].endswith("/account/password")
    (event,) = audit_events("user.password_reset")
    assert event.target_id == user.id and NEW_PASSWORD not in str(event.detail)


def test_reset_password_policy_and_own_account(admin_client, admin, make_user):
    user = make_user()
    short = admin_client.htmx("POST", f"/admin/users/{user.id}/password", data={"new_password": "short"})
    assert short.status_code == 200 and "between 10 and 128" in short.get_data(as_text=True)
    plain = admin_client.post(f"/admin/users/{user.id}/password", data={"new_password": "x" * 500})
    assert plain.status_code == 422
    own = admin_client.post(f"/admin/users/{admin.id}/password", data={"new_password": NEW_PASSWORD})
    assert own.status_code == 422
    assert "Change password page" in own.get_data(as_text=True)
    assert audit_events("user.password_reset") == []
    db.session.expire_all()
    assert not db.session.get(User, user.id).must_change_password
