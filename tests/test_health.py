"""/healthz: no login, JSON, and 503 with a reason when the database cannot be reached."""

from __future__ import annotations

import pytest

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db


def test_healthy_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/shelter",  # nothing listens on port 1
    "sqlite:////nonexistent-directory/for/shelter.sqlite3",
], ids=["postgresql-closed-port", "sqlite-missing-directory"])
def test_unreachable_database_gives_503_with_a_reason(url):
    app = create_app(Config.for_tests(url))
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "error"
        assert body["database"] == "unreachable"
        assert body["reason"]
        assert "nonexistent" not in response.get_data(as_text=True)  # no connection details leak
        # It recovers by itself: the next request tries again instead of crashing.
        assert app.test_client().get("/healthz").status_code == 503
    finally:
        with app.app_context():
            db.engine.dispose()
