"""API fixtures: tokens, and a client that checks every answer against the
OpenAPI document (status declared for the operation, body valid against its schema)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from shelter.api.auth import issue_token
from shelter.api.openapi import document
from shelter.api.schema import problems as schema_problems
from shelter.extensions import db

PREFIX = "/api/v1"


def _template_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


OPERATIONS = [(_template_regex(PREFIX + path), path, methods) for path, methods in document()["paths"].items()]


def operation_for(method: str, path: str):
    path = path.split("?", 1)[0]
    for regex, template, methods in OPERATIONS:
        if regex.match(path) and method.lower() in methods:
            return template, methods[method.lower()]
    return None, None


def check_against_document(method: str, path: str, response) -> None:
    """The status is one the operation declares and the body matches its schema."""
    template, operation = operation_for(method, path)
    if operation is None:  # an unknown URL or method: the app's own JSON error
        body = response.get_json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
        return
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template} answered {status}, not in the document"
    declared = operation["responses"][status]
    if "content" not in declared:
        assert response.data == b"", response.data[:200]
        return
    assert response.mimetype == "application/json"
    schema = declared["content"]["application/json"]["schema"]
    problems = schema_problems(response.get_json(), schema)
    assert not problems, f"{method} {template} {status}: {problems} in {response.get_json()}"


class Api:
    """A client acting as one token's user. Each answer is checked against the document."""

    def __init__(self, app, token: str | None):
        self.client = app.test_client()  # no cookies: a partner system, not a browser
        self.token = token

    def open(self, method: str, path: str, *, json=None, data=None, headers=None, check=True):
        headers = dict(headers or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        url = path if path.startswith("/") else f"{PREFIX}/{path}"
        kwargs = {"json": json} if json is not None else {}
        if data is not None:
            kwargs = {"data": data, "content_type": "application/json"}
        response = self.client.open(url, method=method, headers=headers, csrf=False, **kwargs)
        if check:
            check_against_document(method, url, response)
        return response

    def get(self, path, **kwargs):
        return self.open("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.open("POST", path, json={} if json is None and "data" not in kwargs else json, **kwargs)

    def delete(self, path, **kwargs):
        return self.open("DELETE", path, **kwargs)


def token_for(user, name: str = "test") -> str:
    token = issue_token(user, name)
    db.session.commit()
    return token


@pytest.fixture
def api_as(app):
    """``api_as(user)``: an API client with a fresh token of that user."""

    def make(user):
        return Api(app, token_for(user))

    return make


@pytest.fixture
def anonymous_api(app):
    return Api(app, None)


def error_code(response) -> str:
    return response.get_json()["error"]["code"]


def fields(response) -> dict:
    return response.get_json()["error"].get("fields", {})


TABLES = ("residents", "resident_categories", "stays", "bed_assignments", "bed_holds", "facilities", "rooms",
          "beds", "audit_events")


def row_counts() -> dict[str, int]:
    """Rows per table, to show a refused request wrote nothing. The audit events of tokens the test
    itself creates (``api_as``) are left out."""
    db.session.expire_all()
    counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in TABLES}
    counts["audit_events"] -= db.session.scalar(
        sa.text("SELECT count(*) FROM audit_events WHERE action LIKE 'api_token.%'"))
    return counts
