"""`flask users …` and `flask demo load`: clean errors (no tracebacks), demo data of the right size."""

from __future__ import annotations

import re
import stat

import pytest
import sqlalchemy as sa

from shelter.auth.models import Role, User
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room
from tests.conftest import login

NEW_PASSWORD = "a long cli password"


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def invoke(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert "Traceback" not in result.output
    # A clean failure is a SystemExit from click, never an escaped exception.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_create_user_with_password_on_stdin(runner, make_facility, client):
    facility = make_facility(code="PANTI-A")
    facility_id = facility.id
    result = invoke(runner, "users", "create", "Siti@Shelter.Test", "--role", "caseworker",
                    "--facility", "panti-a", "--name", "Siti Aminah", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "siti@shelter.test" in result.output
    assert NEW_PASSWORD not in result.output
    user = _user("siti@shelter.test")
    assert user.full_name == "Siti Aminah"
    assert user.roles == {Role.CASEWORKER}
    assert user.facility_ids == {facility_id}
    assert not user.must_change_password  # they chose their password
    db.session.rollback()
    assert login(client, "siti@shelter.test", NEW_PASSWORD).status_code == 302


def test_create_user_with_several_roles_and_facilities(runner, make_facility):
    make_facility(code="PANTI-B")
    make_facility(code="RA-C", kind="rumah_aman")
    result = invoke(runner, "users", "create", "multi@shelter.test", "--role", "case_manager", "--role",
                    "caseworker", "--facility", "PANTI-B", "--facility", "RA-C", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = _user("multi@shelter.test")
    assert user.roles == {Role.CASE_MANAGER, Role.CASEWORKER}
    assert sorted(f.code for f in user.facilities) == ["PANTI-B", "RA-C"]


def test_duplicate_email_is_a_clean_error(runner, make_user):
    make_user(email="taken@shelter.test")
    result = invoke(runner, "users", "create", "TAKEN@shelter.test", "--role", "admin", input=NEW_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_unknown_facility_is_a_clean_error(runner):
    result = invoke(runner, "users", "create", "x@shelter.test", "--role", "caseworker", "--facility", "NOPE",
                    input=NEW_PASSWORD + "\n")
    assert result.exit_code != 0
    assert "no facility with code NOPE" in result.output
    assert _user("x@shelter.test") is None


@pytest.mark.parametrize("password, message", [
    ("short", "too short"),
    ("x" * 129, "too long"),
    ("", "too short"),
])
def test_bad_password_is_a_clean_error(runner, password, message):
    result = invoke(runner, "users", "create", "y@shelter.test", "--role", "admin", input=password + "\n")
    assert result.exit_code != 0
    assert message in result.output
    assert _user("y@shelter.test") is None


def test_unknown_role_is_a_usage_error(runner):
    result = invoke(runner, "users", "create", "z@shelter.test", "--role", "superuser", input=NEW_PASSWORD + "\n")
    assert result.exit_code == 2
    assert "superuser" in result.output
    assert _user("z@shelter.test") is None


def test_list_users(runner, make_user, make_facility):
    facility = make_facility(code="PANTI-L")
    make_user(email="b@shelter.test", roles=("intake_staff",), facilities=[facility])
    make_user(email="a@shelter.test", roles=("admin",))
    result = invoke(runner, "users", "list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert lines[0].split("\t")[:3] == ["a@shelter.test", "admin", "-"]
    assert lines[1].split("\t")[:3] == ["b@shelter.test", "intake_staff", "PANTI-L"]


def test_list_users_when_there_are_none(runner):
    result = invoke(runner, "users", "list")
    assert result.exit_code == 0
    assert "no users" in result.output


# --- demo data --------------------------------------------------------------------------------

def _beds(facility_code: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Bed).join(Room).join(Facility).where(Facility.code == facility_code)
    )


def test_demo_load_then_load_if_empty_does_nothing(app, runner, client, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = invoke(runner, "demo", "load")
    assert result.exit_code == 0, result.output

    facilities = db.session.scalars(sa.select(Facility)).all()
    panti = [f for f in facilities if f.kind == "panti"]
    safe_houses = [f for f in facilities if f.kind == "rumah_aman"]
    assert len(panti) == 1
    assert 110 <= _beds(panti[0].code) <= 130
    assert {r.age_group for r in panti[0].rooms} >= {"adult", "child", "mother_with_children"}
    assert {r.sex for r in panti[0].rooms} >= {"female", "male"}
    assert len(safe_houses) == 2
    for house in safe_houses:
        assert 10 <= _beds(house.code) <= 14

    credentials = tmp_path / "demo-credentials.txt"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    lines = credentials.read_text().splitlines()
    parsed = [re.fullmatch(r"(\w+) (\S+@\S+) (\S{10,})", line) for line in lines]
    assert all(parsed), lines
    assert {m.group(1) for m in parsed} == {r.value for r in Role}
    for match in parsed:  # printed once, too
        assert match.group(3) in result.output
    admin_email, admin_password = next((m.group(2), m.group(3)) for m in parsed if m.group(1) == "admin")
    db.session.rollback()
    assert login(client, admin_email, admin_password).status_code == 302

    counts = (db.session.scalar(sa.select(sa.func.count()).select_from(User)),
              db.session.scalar(sa.select(sa.func.count()).select_from(Bed)))
    before = credentials.read_text()
    db.session.rollback()
    again = invoke(runner, "demo", "load", "--if-empty")
    assert again.exit_code == 0
    assert "nothing loaded" in again.output
    assert credentials.read_text() == before
    assert (db.session.scalar(sa.select(sa.func.count()).select_from(User)),
            db.session.scalar(sa.select(sa.func.count()).select_from(Bed))) == counts

    twice = invoke(runner, "demo", "load")
    assert twice.exit_code != 0
    assert "already loaded" in twice.output


def test_demo_load_if_empty_loads_into_an_empty_database(app, runner, tmp_path, monkeypatch):
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    result = invoke(runner, "demo", "load", "--if-empty")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "demo-credentials.txt").exists()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == len(Role)
