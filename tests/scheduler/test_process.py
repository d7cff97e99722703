"""The scheduler as an operator meets it: real processes, one at a time, SIGTERM stops them.

On SQLite the guard is a file lock beside the database file; on PostgreSQL an advisory lock held by
a connection of the process. Both are let go when the process dies, however it dies.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from shelter import create_app
from shelter.config import Config
from shelter.db import sqlite_begin_immediate
from shelter.extensions import db
from shelter.notifications.service import enqueue
from shelter.scheduler.lock import lock_for
from shelter.scheduler.runner import IDLE_MESSAGE
from tests.scheduler.conftest import STARTED, STOPPED, TAKES_OVER, statuses, wait_until


def queue(count: int, prefix: str) -> None:
    """Queue messages while schedulers run: on SQLite as a writer from the start (BEGIN IMMEDIATE)."""
    db.session.rollback()
    token = sqlite_begin_immediate.set(True)
    try:
        for n in range(count):
            enqueue(to=f"+6281255501{n % 100:02d}", body="Uji: 1 kunjungan lanjutan jatuh tempo hari ini",
                    dedupe_key=f"{prefix}-{n}", purpose="test")
        db.session.commit()
    finally:
        sqlite_begin_immediate.reset(token)


@pytest.mark.slow
def test_sigterm_stops_flask_scheduler_run_promptly_after_its_work(start_scheduler):
    queue(5, "sigterm")
    scheduler = start_scheduler(cli=True)  # the real command, production intervals: every job runs at start
    scheduler.wait_for(STARTED)
    wait_until(lambda: statuses() == {"sent": 5}, message="the queued messages sent")

    seconds = scheduler.terminate()

    assert seconds < 5
    assert scheduler.process.returncode == 0
    assert STOPPED in scheduler.output
    assert "Traceback" not in scheduler.output


@pytest.mark.slow
def test_a_second_scheduler_idles_takes_over_when_the_first_is_killed_and_lets_go_when_stopped(start_scheduler):
    first = start_scheduler()
    first.wait_for(STARTED)
    second = start_scheduler()
    second.wait_for(IDLE_MESSAGE)

    queue(20, "while-both")
    wait_until(lambda: statuses() == {"sent": 20}, message="messages sent by the first")
    assert second.count(STARTED) == 0  # it never ran a job
    assert second.count(IDLE_MESSAGE) == 1  # said once, though it retried every 0.3 s

    first.kill()  # SIGKILL: no cleanup; the operating system / the database drop the lock
    second.wait_for(TAKES_OVER, timeout=10)
    second.wait_for(STARTED)
    queue(3, "after-takeover")
    wait_until(lambda: statuses() == {"sent": 23}, message="messages sent by the second")

    assert second.terminate() < 5
    third = start_scheduler()
    third.wait_for(STARTED)
    assert IDLE_MESSAGE not in third.output  # the second let its lock go on the way out
    assert "Traceback" not in first.output + second.output + third.output


def test_the_app_factory_never_starts_a_scheduler(app):
    """Web workers (gunicorn imports wsgi.py, which calls create_app) never run jobs, whatever the settings."""
    config = app.config["SHELTER"]
    threads = set(threading.enumerate())
    worker_app = create_app(Config.for_tests(config.database_url, scheduler_in_process=True))
    assert set(threading.enumerate()) == threads
    with worker_app.app_context():
        db.engine.dispose()

    lock = lock_for(config.database_url)
    try:
        assert lock.try_acquire()  # nobody took it
    finally:
        lock.release()


def test_the_lock_is_exclusive_within_one_process_too(app):
    url = app.config["SHELTER"].database_url
    first, second = lock_for(url), lock_for(url)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.still_held()
        first.release()
        assert second.try_acquire()
    finally:
        first.release()
        second.release()


@pytest.mark.slow
def test_a_scheduler_whose_lock_connection_dies_stops_its_jobs_and_takes_the_lock_again(start_scheduler, backend):
    if backend != "postgresql":
        pytest.skip("a file lock cannot be taken away from a living process")
    scheduler = start_scheduler()
    scheduler.wait_for(STARTED)

    # What a database restart or a dropped connection does to the session holding the advisory lock.
    db.session.rollback()
    terminated = db.session.scalar(sa.text(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE locktype = 'advisory' AND granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"))
    db.session.rollback()
    assert terminated == 1

    scheduler.wait_for("lost its PostgreSQL advisory lock", timeout=10)
    scheduler.wait_for(STARTED, times=2)  # the lock taken again
    queue(2, "after-reconnect")
    wait_until(lambda: statuses() == {"sent": 2}, message="messages sent after the lock was taken again")
    assert scheduler.terminate() < 5
    assert "Traceback" not in scheduler.output
