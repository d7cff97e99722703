"""Running the jobs: one scheduler per installation, waiting for its lock, stopping cleanly.

``run_scheduler(app)`` is what ``flask scheduler run`` does (and, in a thread of the development
server, what ``make run`` does). It loops:

1. take the lock (``shelter.scheduler.lock``), or log once that another scheduler is active and
   try again every few seconds, so this process takes over when the other one dies;
2. run an APScheduler ``BlockingScheduler`` (UTC) with the fixed jobs, each with ``coalesce``,
   ``max_instances=1`` and a misfire grace time, every one run once at start (catching up with
   whatever fell due while no scheduler ran); a watch job checks every few seconds that the lock
   is still ours (a PostgreSQL connection can die) and, if not, stops the jobs and goes back to 1;
3. on SIGTERM or SIGINT: start nothing new, let a running job finish, release the lock, return.
"""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone
from typing import Mapping

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from shelter.scheduler.jobs import JOB_NAMES, JOBS, run_job
from shelter.scheduler.lock import SchedulerLock, lock_for

log = logging.getLogger("shelter.scheduler")

LOCK_RETRY_SECONDS = 5.0
IDLE_MESSAGE = "another scheduler is active"


class _Stop(BaseException):
    """Raised in the main thread by SIGTERM/SIGINT; unwinds to the cleanup (like KeyboardInterrupt)."""


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines to standard error (systemd's journal), with the process id: two schedulers differ."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("shelter").setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per run of every job


def run_scheduler(app: Flask, *, intervals: Mapping[str, float] | None = None,
                  lock_retry_seconds: float = LOCK_RETRY_SECONDS, stop: threading.Event | None = None) -> None:
    """Run the jobs until stopped (blocks). Idles, retrying, while another scheduler holds the lock.

    In the main thread SIGTERM and SIGINT stop it; in another thread (the development server)
    setting ``stop`` does. ``intervals`` overrides jobs' intervals in seconds, by job name (tests
    use short ones); ``lock_retry_seconds`` is how often an idle scheduler retries the lock and a
    running one checks it still holds it.
    """
    intervals = dict(intervals or {})
    unknown = set(intervals) - set(JOB_NAMES)
    if unknown:
        raise ValueError(f"unknown scheduler jobs: {', '.join(sorted(unknown))}")
    stop = stop or threading.Event()
    lock = lock_for(app.config["SHELTER"].database_url)
    restore_signals = _stop_on_signals() if threading.current_thread() is threading.main_thread() else None
    try:
        while not stop.is_set() and _wait_for_lock(lock, stop, lock_retry_seconds):
            try:
                _run_while_locked(app, lock, stop, intervals, lock_retry_seconds)
            finally:
                lock.release()
    except _Stop:
        pass
    finally:
        if restore_signals:
            restore_signals()
    log.info("scheduler stopped")


def _stop_on_signals():
    signals = (signal.SIGTERM, signal.SIGINT)
    previous = {number: signal.getsignal(number) for number in signals}

    def handler(number, _frame):
        # Once: a second signal during the cleanup gets the default action (ends the process; the
        # operating system and the database release the lock anyway).
        for each in signals:
            signal.signal(each, signal.SIG_DFL)
        log.info("scheduler stopping (%s): letting a running job finish", signal.Signals(number).name)
        raise _Stop()

    for number in signals:
        signal.signal(number, handler)

    def restore():
        for number, action in previous.items():
            signal.signal(number, action)

    return restore


def _wait_for_lock(lock: SchedulerLock, stop: threading.Event, retry_seconds: float) -> bool:
    idle_logged = unreachable_logged = False
    while not stop.is_set():
        try:
            acquired = lock.try_acquire()
        except Exception as error:  # the database is down or unreachable: keep trying
            if not unreachable_logged:
                log.warning("scheduler cannot take its %s (%s); retrying every %gs",
                            lock.description, type(error).__name__, retry_seconds)
                unreachable_logged = True
        else:
            if acquired:
                if idle_logged:
                    log.info("the other scheduler is gone: this one takes over")
                return True
            if not idle_logged:
                log.warning("%s (the %s is taken): this one idles and retries every %gs",
                            IDLE_MESSAGE, lock.description, retry_seconds)
                idle_logged = True
        stop.wait(retry_seconds)
    return False


def _run_while_locked(app: Flask, lock: SchedulerLock, stop: threading.Event, intervals: Mapping[str, float],
                      check_seconds: float) -> None:
    executor = ThreadPoolExecutor(max_workers=len(JOBS) + 1)
    scheduler = BlockingScheduler(
        timezone=timezone.utc,
        executors={"default": executor},
        job_defaults={"coalesce": True, "max_instances": 1},
    )
    now = datetime.now(timezone.utc)
    for job in JOBS:
        scheduler.add_job(
            run_job, IntervalTrigger(seconds=intervals.get(job.name, job.interval_seconds), timezone=timezone.utc),
            args=(app, job), id=job.name, name=job.name, misfire_grace_time=job.misfire_grace_seconds,
            next_run_time=now,  # once at start: whatever fell due while no scheduler ran
        )

    def watch() -> None:
        if stop.is_set():
            scheduler.shutdown(wait=False)
        elif not lock.still_held():
            log.error("scheduler lost its %s: stopping the jobs until it can take it again", lock.description)
            scheduler.shutdown(wait=False)

    scheduler.add_job(watch, IntervalTrigger(seconds=check_seconds, timezone=timezone.utc), id="watch_lock",
                      name="watch_lock", misfire_grace_time=None)
    log.info("scheduler started (%s taken): %s", lock.description, ", ".join(
        f"{job.name} every {intervals.get(job.name, job.interval_seconds):g}s" for job in JOBS))
    try:
        scheduler.start()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        executor.shutdown(wait=True)  # a running job ends (commits or rolls back) before the lock goes


def start_in_thread(app: Flask, **kwargs) -> tuple[threading.Thread, threading.Event]:
    """The development server's in-process scheduler: ``run_scheduler`` in a daemon thread.

    Same jobs, same lock: a ``flask scheduler run`` started beside it idles, and so does a second
    development server. Returns the thread and the event that stops it.
    """
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(app,), kwargs={**kwargs, "stop": stop},
                              name="shelter-scheduler", daemon=True)
    thread.start()
    return thread, stop
