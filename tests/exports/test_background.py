"""Exports over EXPORT_BACKGROUND_ROWS: queued, written by the scheduler's job with a progress bar,
downloadable by their owner only, for 24 hours; a job is claimed by one runner only."""

from __future__ import annotations

import logging
import os
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from shelter.db import utcnow
from shelter.exports import service
from shelter.exports.models import ExportStatus
from shelter.extensions import db
from shelter.followups.models import FollowUp
from shelter.scheduler.jobs import JOBS, run_job
from tests.conftest import audit_events, login, page_of
from tests.exports.conftest import csv_rows, export, export_files, jobs

RUN_EXPORTS = next(job for job in JOBS if job.name == "run_exports")
EXPIRE_EXPORTS = next(job for job in JOBS if job.name == "expire_exports")


@pytest.fixture
def config_overrides():
    return {"export_background_rows": 1}


def test_a_large_export_is_queued_then_written_by_the_scheduler_and_downloaded(world, login_as, app):
    client = login_as(world["caseworker"])
    response = export(client, facility=str(world["a"].id))
    assert response.status_code == 303
    status_url = response.headers["Location"]
    [job] = jobs()
    assert job.status == "queued" and job.total_rows == 2 and job.token in status_url
    assert str(job.id) not in status_url.rsplit("/", 1)[-1] or len(job.token) > 20
    fragment = client.htmx("GET", status_url).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in fragment and "<progress" in fragment
    assert "/file" not in fragment
    assert audit_events("export.created")[0].detail["background"] is True

    run_job(app, RUN_EXPORTS)
    [job] = jobs()
    assert job.status == "done" and job.done_rows == 2
    fragment = client.htmx("GET", status_url).get_data(as_text=True)
    assert "every 2s" not in fragment
    download = client.get(f"{status_url}/file")
    assert download.status_code == 200
    assert download.headers["Cache-Control"] == "no-store"
    assert sorted(int(r[0]) for r in csv_rows(download)[1:]) == sorted(
        [world["people"]["siti"].id, world["people"]["dewi"].id])
    assert len(audit_events("export.downloaded")) == 1
    path = Path(app.instance_path) / "exports" / job.file_name
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_only_the_owner_downloads_and_only_for_24_hours(world, app):
    owner, other = app.test_client(), app.test_client()
    login(owner, world["caseworker"])
    login(other, world["other"])   # same facility, same role: still not theirs
    status_url = export(owner).headers["Location"]
    run_job(app, RUN_EXPORTS)
    missing = other.get("/exports/" + "x" * 43 + "/file")
    assert missing.status_code == 404
    assert other.get(status_url).status_code == 404
    stolen = other.get(f"{status_url}/file")
    assert stolen.status_code == 404 and page_of(stolen) == page_of(missing)
    assert owner.get(f"{status_url}/file").status_code == 200

    with time_machine.travel(utcnow() + timedelta(hours=24, minutes=1), tick=False):
        login(owner, world["caseworker"])  # the session itself has ended by then
        late = owner.get(f"{status_url}/file")
        assert late.status_code == 404 and page_of(late) == page_of(owner.get("/exports/" + "x" * 43 + "/file"))
        [job] = jobs()
        name = job.file_name
        run_job(app, EXPIRE_EXPORTS)
    [job] = jobs()
    assert job.status == "expired" and job.file_name is None
    assert name not in export_files(app)


def test_a_failing_job_is_marked_failed_and_logged_by_class_only(world, login_as, app, caplog, monkeypatch):
    client = login_as(world["caseworker"])
    export(client)

    def broken(*args, **kwargs):
        raise RuntimeError("Siti Rahayu Rekaan")

    monkeypatch.setattr(service, "_checked", broken)
    with caplog.at_level(logging.ERROR):
        run_job(app, RUN_EXPORTS)
    [job] = jobs()
    assert job.status == "failed"
    assert "RuntimeError" in caplog.text and "Siti" not in caplog.text


def test_the_claim_is_taken_once_when_two_runners_ask_at_once(world, login_as, app, backend):
    if backend != "postgresql":
        pytest.skip("concurrent claims need two connections to a server database")
    client = login_as(world["caseworker"])
    export(client)
    job_id = jobs()[0].id
    barrier, results = threading.Barrier(2), []

    def runner():
        with app.app_context():
            try:
                db.session.execute(sa.select(1))  # each runner on its own connection before the race
                db.session.rollback()
                barrier.wait(timeout=20)
                results.append(service.claim(job_id))
            except Exception as error:  # noqa: BLE001 - reported through the assertion
                results.append(repr(error))
                barrier.abort()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert jobs()[0].status == ExportStatus.RUNNING.value


def test_a_job_left_half_written_by_a_dead_runner_is_taken_again_and_finished(world, login_as, app):
    """A scheduler killed mid-export leaves the job "running" and part of its file: a live run (a batch
    written within STALE_AFTER) is left alone; once silent that long, the next run starts it again from
    the first row, over the half-written file, and the owner gets the whole list."""
    client = login_as(world["caseworker"])
    status_url = export(client, facility=str(world["a"].id)).headers["Location"]
    [job] = jobs()
    assert service.claim(job.id)  # the runner that will die
    [job] = jobs()
    service.export_directory()
    service.file_path(job).write_text("id\n")  # its first, half batch
    job.done_rows = 1
    db.session.commit()

    run_job(app, RUN_EXPORTS)  # within STALE_AFTER: perhaps alive; not touched
    [job] = jobs()
    assert job.status == "running" and job.done_rows == 1

    with time_machine.travel(utcnow() + service.STALE_AFTER + timedelta(minutes=1), tick=False):
        run_job(app, RUN_EXPORTS)
        [job] = jobs()
        assert job.status == "done" and job.done_rows == 2
        login(client, world["caseworker"])
        download = client.get(f"{status_url}/file")
    assert download.status_code == 200
    assert sorted(int(r[0]) for r in csv_rows(download)[1:]) == sorted(
        [world["people"]["siti"].id, world["people"]["dewi"].id])


def test_a_follow_up_moved_while_the_export_is_written_is_written_once(world, login_as, app, monkeypatch):
    """The background run reads its rows in one statement (one snapshot), a batch at a time: a follow-up
    whose due day moves past the others between two batches is not written a second time, and none
    is skipped (batches by OFFSET over a changing list did both)."""
    from datetime import date

    from shelter.exports import writers
    from shelter.stays.models import Stay

    siti = world["people"]["siti"]
    stay = Stay(resident_id=siti.id, facility_id=world["a"].id, admitted_at=utcnow() - timedelta(days=40),
                discharged_at=utcnow() - timedelta(days=30), discharge_outcome="reunified")
    db.session.add(stay)
    db.session.flush()
    due = [date(2026, 10, 1) + timedelta(days=n) for n in range(3)]
    followups = [FollowUp(stay_id=stay.id, resident_id=siti.id, facility_id=world["a"].id, step=n + 1,
                          offset_days=7 * (n + 1), due_on=day, planned_method="phone_call", status="open")
                 for n, day in enumerate(due)]
    db.session.add_all(followups)
    db.session.commit()
    ids = [f.id for f in followups]
    client = login_as(world["caseworker"])
    status_url = export(client, "followups", facility=str(world["a"].id)).headers["Location"]

    monkeypatch.setattr(service, "BATCH_ROWS", 1)
    write = writers.CsvWriter.write
    moved = []

    def write_then_move(self, rows):
        write(self, rows)
        if not moved:  # after the first batch (the earliest follow-up), it moves to the end of the list
            db.session.execute(sa.update(FollowUp).where(FollowUp.id == ids[0]).values(due_on=date(2026, 12, 1)))
            db.session.commit()
            moved.append(ids[0])

    monkeypatch.setattr(writers.CsvWriter, "write", write_then_move)
    run_job(app, RUN_EXPORTS)
    assert moved
    [job] = jobs()
    assert job.status == "done" and job.done_rows == 3
    written = [int(r[0]) for r in csv_rows(client.get(f"{status_url}/file"))[1:]]
    assert written == ids  # as the list stood when the run began: each once, none missed
