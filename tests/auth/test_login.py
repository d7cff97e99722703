import sqlalchemy as sa

from shelter.auth.models import UserSession
from shelter.extensions import db
from tests.conftest import PASSWORD, login


def test_login_page_is_indonesian_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="id"' in html
    assert "Masuk ke Shelter" in html


def test_chosen_language_sticks_to_the_user(client, make_user):
    user = make_user()
    login(client, user)
    client.post("/language", data={"locale": "en", "next": "/"})
    assert "Your facilities" in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(client, user)
    assert "Your facilities" in client.get("/").get_data(as_text=True)


def test_right_password_logs_in_and_wrong_one_does_not(client, make_user):
    user = make_user()
    assert login(client, user, "wrong password!").status_code == 401
    assert client.get("/").status_code == 302
    response = login(client, user)
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_sixth_attempt_within_a_minute_is_refused_even_with_right_password(client, make_user):
    user = make_user()
    for _ in range(5):
        assert login(client, user, "wrong password!").status_code == 401
    response = login(client, user, PASSWORD)
    assert response.status_code == 401
    assert client.get("/").status_code == 302


def test_logout_ends_session_server_side(app, client, make_user):
    user = make_user()
    login(client, user)
    with client.session_transaction() as session:
        stolen_cookie_session = dict(session)
    assert client.post("/logout").status_code == 302
    # Replaying the old cookie contents must not bring the session back.
    with client.session_transaction() as session:
        session.update(stolen_cookie_session)
    assert client.get("/").status_code == 302
    live = db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)
                             .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None)))
    assert live == 0
