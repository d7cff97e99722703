"""Who may call the API: bearer tokens (from `flask tokens create`) or the browser session with CSRF."""

from __future__ import annotations

import sqlalchemy as sa

from shelter.api.models import ApiToken
from shelter.audit.models import AuditEvent
from shelter.db import utcnow
from shelter.extensions import db
from tests.api.conftest import Api, error_code, token_for


def test_no_token_is_401_json(anonymous_api):
    for method, path in [("GET", "availability"), ("GET", "residents"), ("GET", "openapi.json"),
                         ("POST", "stays"), ("POST", "residents"), ("DELETE", "holds/1")]:
        response = anonymous_api.open(method, path, json={} if method == "POST" else None)
        assert response.status_code == 401, (method, path)
        assert error_code(response) == "unauthorized"


def test_unknown_malformed_and_revoked_tokens_are_401(app, make_user):
    user = make_user(roles=("intake_staff",))
    token = token_for(user)
    for bad in ["shel_nope", "", "x" * 500, token + "x"]:
        response = Api(app, bad).get("availability")
        assert response.status_code == 401, bad
    assert Api(app, token).get("availability").status_code == 200
    db.session.scalar(sa.select(ApiToken)).revoked_at = utcnow()
    db.session.commit()
    assert Api(app, token).get("availability").status_code == 401


def test_not_bearer_scheme_is_401(app, make_user):
    token = token_for(make_user())
    response = Api(app, None).get("availability", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401


def test_token_of_deactivated_user_is_401(app, make_user):
    user = make_user(roles=("intake_staff",))
    token = token_for(user)
    user.active = False
    db.session.commit()
    assert Api(app, token).get("availability").status_code == 401


def test_valid_token_acts_as_its_user_and_records_use(app, make_user):
    user = make_user(roles=("intake_staff",))
    token = token_for(user)
    assert Api(app, token).get("availability").status_code == 200
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_cli_token_works(app, make_user):
    user = make_user(roles=("intake_staff",), email="petugas@shelter.test")
    result = app.test_cli_runner().invoke(args=["tokens", "create", "Petugas@Shelter.test", "--name", "mitra"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("shel_")
    db.session.expire_all()
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.user_id == user.id and stored.name == "mitra" and token not in stored.token_hash
    assert Api(app, token).get("availability").status_code == 200


def test_cli_refuses_unknown_user(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "nobody@shelter.test"])
    assert result.exit_code != 0
    assert "no active user" in result.output


def test_bearer_post_needs_no_csrf_and_sets_no_cookie(app, make_user, make_bed):
    bed = make_bed()
    user = make_user(roles=("intake_staff",), facilities=[bed.room.facility])
    api = Api(app, token_for(user))
    response = api.post("holds", json={"bed_id": bed.id, "reason": "Rujukan dari P2TP2A", "hours": 2})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers


def test_session_cookie_post_needs_csrf(app, client, login_as, make_user, make_bed):
    bed = make_bed()
    user = make_user(roles=("intake_staff",), facilities=[bed.room.facility])
    login_as(user)
    body = {"bed_id": bed.id, "reason": "Rujukan", "hours": 2}
    refused = client.post("/api/v1/holds", json=body, csrf=False)
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "bad_request"
    # A bearer header does not switch the check off while the session cookie is sent
    token = token_for(user)
    refused = client.post("/api/v1/holds", json=body, csrf=False, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 400
    accepted = client.post("/api/v1/holds", json=body)  # the CsrfClient sends X-CSRFToken
    assert accepted.status_code == 201, accepted.get_json()


def test_session_cookie_get_works(client, login_as, make_user):
    login_as(make_user(roles=("caseworker",)))
    response = client.get("/api/v1/availability")
    assert response.status_code == 200
    assert "facilities" in response.get_json()


def test_unknown_api_url_and_method_are_json(app, make_user):
    api = Api(app, token_for(make_user()))
    response = api.get("nothing-here")
    assert response.status_code == 404 and error_code(response) == "not_found"
    response = api.open("PUT", "availability", json={})
    assert response.status_code == 405 and error_code(response) == "method_not_allowed"
    response = api.get("facilities/99999999999/beds")
    assert response.status_code == 404 and error_code(response) == "not_found"


def test_cli_lists_and_revokes_tokens(app, make_user):
    user = make_user(roles=("intake_staff",), email="mitra@shelter.test")
    runner = app.test_cli_runner()
    token = runner.invoke(args=["tokens", "create", "mitra@shelter.test", "--name", "SIKS-NG"]).output.strip()
    listed = runner.invoke(args=["tokens", "list", "mitra@shelter.test"])
    assert listed.exit_code == 0 and "SIKS-NG" in listed.output and "active" in listed.output
    assert token not in listed.output
    token_id = int(listed.output.split("\t", 1)[0])
    result = runner.invoke(args=["tokens", "revoke", str(token_id)])
    assert result.exit_code == 0 and "revoked" in result.output
    assert Api(app, token).get("availability").status_code == 401
    assert "already revoked" in runner.invoke(args=["tokens", "revoke", str(token_id)]).output
    assert runner.invoke(args=["tokens", "revoke", "99999999999"]).exit_code != 0
    db.session.expire_all()
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_type == "api_tokens")).all()
    assert sorted(actions) == ["api_token.created", "api_token.revoked"]
    assert user.id


def test_token_of_user_who_must_change_password_is_401_not_a_redirect(app, make_user):
    user = make_user(roles=("intake_staff",))
    token = token_for(user)
    user.must_change_password = True
    db.session.commit()
    response = Api(app, token).get("availability")
    assert response.status_code == 401 and error_code(response) == "unauthorized"
    user.must_change_password = False
    db.session.commit()
    assert Api(app, token).get("availability").status_code == 200
