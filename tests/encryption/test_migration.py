"""Migration 0016 encrypts the existing data and its downgrade decrypts it (both databases)."""

from __future__ import annotations

import os

import flask_migrate
import pytest
import sqlalchemy as sa

from shelter import create_app
from shelter.config import Config
from shelter.extensions import db
from tests.conftest import BACKENDS, create_pg_database, drop_pg_database

NIK = "3174051203950002"


@pytest.fixture(params=BACKENDS)
def fresh_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'encrypt.sqlite3'}"
    else:
        name = f"shelter_encrypt_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
        url = create_pg_database(name)
    app = create_app(Config.for_tests(url))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if request.param != "sqlite":
        drop_pg_database(name)


def run(sql: str, **params):
    with db.engine.begin() as conn:
        return conn.execute(sa.text(sql), params)


def rows(sql: str) -> list:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql))]


PLAIN = {
    "SELECT nik FROM residents": [(NIK,), (None,)],
    "SELECT address FROM facilities": [("Jl. Rahasia No. 7",)],
    "SELECT phone, address FROM family_contacts": [("+6281255501234", "Gang Mawar 3")],
    "SELECT discharge_note FROM stays": [("Pulang ke kakaknya.",)],
    "SELECT body FROM case_notes": [("Catatan kunjungan.",)],
    "SELECT body FROM case_note_revisions": [("Catatan lama.",)],
}


def test_the_upgrade_encrypts_existing_rows_and_the_downgrade_decrypts_them(fresh_app):
    flask_migrate.upgrade(revision="0014_referrals")
    now = "2026-01-05 08:00:00"
    run("INSERT INTO facilities (id, code, name, kind, kota, address, is_active, created_at) "
        "VALUES (1, 'RA-1', 'Rumah Aman Melati', 'rumah_aman', 'jakarta_timur', 'Jl. Rahasia No. 7', true, :now)", now=now)
    for rid, nik in ((1, NIK), (2, None)):
        run("INSERT INTO residents (id, full_name, sex, birth_date, nik, risk_level, disabilities, "
            "registered_facility_id, registered_at, version) VALUES (:id, 'Penghuni Rekaan', 'female', '1990-01-01', "
            ":nik, 'low', '', 1, :now, 1)", id=rid, nik=nik, now=now)
    run("INSERT INTO family_contacts (id, resident_id, name, relationship_to_resident, phone, address, notes) "
        "VALUES (1, 1, 'Kakak', 'kakak', '+6281255501234', 'Gang Mawar 3', '')")
    run("INSERT INTO stays (id, resident_id, facility_id, admitted_at, over_capacity, discharged_at, "
        "discharge_outcome, discharge_note) VALUES (1, 1, 1, :now, false, :now, 'reunified', 'Pulang ke kakaknya.')",
        now=now)
    run("INSERT INTO case_notes (id, stay_id, noted_on, kind, body, created_at) "
        "VALUES (1, 1, '2026-01-05', 'visit', 'Catatan kunjungan.', :now)", now=now)
    run("INSERT INTO case_note_revisions (id, note_id, noted_on, kind, body, written_at, replaced_at) "
        "VALUES (1, 1, '2026-01-05', 'visit', 'Catatan lama.', :now, :now)", now=now)

    flask_migrate.upgrade()
    for sql, plain in PLAIN.items():
        stored = rows(sql + " ORDER BY id")
        assert stored != plain, sql
        flat = [v for row in stored for v in row if v is not None]
        assert flat and all(":" in v for v in flat), sql
        assert not any(p in v for row in plain for p in row if p for v in flat), sql
    from shelter.residents.models import Resident
    from shelter.residents import service as residents

    resident = db.session.get(Resident, 1)
    assert resident.nik == NIK and resident.family_contacts[0].phone == "+6281255501234"
    probe = residents.ResidentInput(full_name="Siapa Saja", sex="male", nik=NIK)
    assert [r.id for r in residents.likely_duplicates(probe)] == [1]
    db.session.remove()

    flask_migrate.downgrade(revision="0014_referrals")
    for sql, plain in PLAIN.items():
        assert rows(sql + " ORDER BY id") == plain, sql
    # the NIK length check is back
    with pytest.raises(sa.exc.IntegrityError):
        run("UPDATE residents SET nik = '123' WHERE id = 1")
    flask_migrate.upgrade()
    assert rows("SELECT nik FROM residents WHERE id = 2") == [(None,)]
