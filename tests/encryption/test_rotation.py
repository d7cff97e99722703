"""`flask keys rotate`: every row moves to the newest key in batches; interrupted and run again it ends
with every row on the new key and none unreadable; then the old key can go. NIK duplicates are found
during and after the rotation."""

from __future__ import annotations

import contextlib
import time
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from shelter import create_app
from shelter.config import Config
from shelter.encryption import UndecryptableValue, generate_key, keyring
from shelter.extensions import db
from shelter.localtime import local_today

ROWS = 10_000


def nik_of(n: int) -> str:
    return f"3174{n:012d}"


@pytest.fixture
def old_rows(app, make_facility):
    """10,000 residents with a NIK (and a family contact each tenth) under the test's key, bulk inserted."""
    from shelter.residents.models import FamilyContact, Resident

    facility = make_facility()
    ring = keyring()
    now = datetime.now(timezone.utc)
    db.session.execute(sa.insert(Resident), [
        dict(full_name=f"Penghuni Rekaan {n}", sex="female", birth_date=date(1990, 1, 1), risk_level="low",
             disabilities="", registered_facility_id=facility.id, registered_at=now, version=1,
             nik=nik_of(n), nik_hash=ring.nik_hash(nik_of(n)))
        for n in range(ROWS)])
    first = db.session.scalar(sa.select(sa.func.min(Resident.id)))
    db.session.execute(sa.insert(FamilyContact), [
        dict(resident_id=first + n, name="Kontak", relationship_to_resident="ibu", phone="+6281255500000",
             address=f"Jl. Rekaan {n}", notes="") for n in range(0, ROWS, 10)])
    db.session.commit()
    return ring.current.id


@contextlib.contextmanager
def keys_in_use(database_url, *keys):
    """The app as it runs with FIELD_ENCRYPTION_KEYS=keys (its own engine, closed afterwards)."""
    app = create_app(Config.for_tests(database_url, field_encryption_keys=tuple(keys)))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_rotation_interrupted_half_way_and_run_again(app, database_url, old_rows):
    from shelter import keys as rotation
    from shelter.residents import service as residents
    from shelter.residents.models import Resident

    old_key = app.config["SHELTER"].field_encryption_keys[0]
    new_key = generate_key()
    started = time.monotonic()
    with keys_in_use(database_url, new_key, old_key):
        assert rotation.pending() == ROWS + ROWS // 10 + 1  # and the facility's address

        class Stop(Exception):
            pass

        done = []

        def stop_half_way(count):
            done.append(count)
            if sum(done) >= ROWS // 2:
                raise Stop()

        with pytest.raises(Stop):
            rotation.rotate(batch_size=1000, on_batch=stop_half_way)
        db.session.rollback()
        left = rotation.pending()
        assert 0 < left <= ROWS // 2 + ROWS // 10 + 1
        # half done: old and new rows both read, and a NIK under either key is found as a duplicate
        niks = dict(db.session.execute(sa.select(Resident.id, Resident.nik)).all())
        assert sorted(niks.values()) == sorted(nik_of(n) for n in range(ROWS))
        for n in (1, ROWS - 1):
            probe = residents.ResidentInput(full_name="Orang Lain Sama Sekali", sex="female", nik=nik_of(n))
            assert [r.nik for r in residents.likely_duplicates(probe)] == [nik_of(n)]

        assert rotation.rotate(batch_size=1000) == left
        assert rotation.pending() == 0
        assert set(rotation.key_usage()) == {keyring().current.id}
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"rotating {ROWS} rows took {elapsed:.1f}s"

    # the old key can now be removed: every row reads under the new key alone, duplicates still found
    with keys_in_use(database_url, new_key):
        niks = db.session.scalars(sa.select(Resident.nik)).all()
        assert sorted(niks) == sorted(nik_of(n) for n in range(ROWS))
        probe = residents.ResidentInput(full_name="Orang Lain Sama Sekali", sex="female", nik=nik_of(4242))
        assert [r.nik for r in residents.likely_duplicates(probe)] == [nik_of(4242)]
    # and the old key alone no longer reads them
    with keys_in_use(database_url, old_key):
        with pytest.raises(UndecryptableValue):
            db.session.scalars(sa.select(Resident.nik).limit(1)).all()


def test_the_rotation_re_encrypts_the_append_only_note_history_and_keeps_it_append_only(
        app, database_url, make_facility, make_room, make_bed, make_resident, make_user):
    from shelter import keys as rotation
    from shelter.assessments import service as assessments
    from shelter.assessments.models import CaseNoteRevision
    from shelter.stays import service as stays

    admin = make_user(roles=("admin",))
    facility = make_facility()
    stay = stays.admit(make_resident(facility), make_bed(make_room(facility)), by=admin)
    db.session.flush()
    note = assessments.add_note(stay, assessments.NoteInput(noted_on=local_today(), kind="visit", body="lama"), by=admin)
    db.session.flush()
    assessments.edit_note(note, assessments.NoteInput(noted_on=local_today(), kind="visit", body="baru"),
                          by=admin, stay=stay)
    db.session.commit()
    old_key = app.config["SHELTER"].field_encryption_keys[0]
    with keys_in_use(database_url, generate_key(), old_key):
        assert rotation.rotate() >= 3  # the facility's address, the note and its earlier text
        assert db.session.scalars(sa.select(CaseNoteRevision.body)).all() == ["lama"]
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text("UPDATE case_note_revisions SET body = 'x'"))
        db.session.rollback()


def test_the_command_shows_progress_and_says_when_the_old_key_can_go(app, database_url, make_resident):
    from shelter.keys import keys_cli

    make_resident(nik="3174000000000001")
    old_key = app.config["SHELTER"].field_encryption_keys[0]
    with keys_in_use(database_url, generate_key(), old_key) as rotating:  # the commands run in it
        runner = rotating.test_cli_runner()
        result = runner.invoke(keys_cli, ["rotate", "--batch-size", "1"])
        assert result.exit_code == 0, result.output
        assert "Re-encrypting" in result.output and "can now be removed" in result.output
        result = runner.invoke(keys_cli, ["status"])
        assert "older, decrypts only): 0 values" in result.output
        assert "can be removed" in result.output
        result = runner.invoke(keys_cli, ["rotate"])
        assert "already under the newest key" in result.output
