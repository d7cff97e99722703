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

import atexit
import contextlib
import logging
import os
import signal
import threading
from datetime import datetime, timezone
from typing import Mapping

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from shelter.scheduler.jobs import JOB_NAMES, JOBS, run_job
from shelter.scheduler.lock import lock_for

log = logging.getLogger("shelter.scheduler")

LOCK_RETRY_SECONDS = 5.0
IDLE_MESSAGE = "another scheduler is active"


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines to standard error (systemd's journal), with the process id: two schedulers differ."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("shelter").setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # not a line per run of every job


def run_scheduler(app: Flask, *, intervals: Mapping[str, float] | None = None,
                  lock_retry_seconds: float = LOCK_RETRY_SECONDS) -> None:
    """Run the jobs until SIGTERM or SIGINT (blocks; call it in the main thread).

    Idles, retrying the lock, while another scheduler holds it. ``intervals`` overrides jobs'
    intervals in seconds, by job name (tests use short ones); ``lock_retry_seconds`` is how often an
    idle scheduler retries the lock and a running one checks it still holds it.
    """
    runner = SchedulerRunner(app, intervals=intervals, lock_retry_seconds=lock_retry_seconds)
    with _stop_on_signals(runner):
        runner.run()


def start_in_thread(app: Flask, **kwargs) -> "SchedulerRunner":
    """The development server's in-process scheduler: the same runner in a daemon thread.

    That is what APScheduler's BackgroundScheduler is (the blocking loop in a daemon thread), with
    the same lock around it: a ``flask scheduler run`` started beside it idles, and so does a second
    development server. ``.stop()`` on the result stops it; so does the end of the process (Ctrl-C,
    or the reloader restarting it), after a running job has finished.
    """
    runner = SchedulerRunner(app, **kwargs)
    thread = threading.Thread(target=runner.run, name="shelter-scheduler", daemon=True)
    thread.start()
    atexit.register(_stop_and_join, runner, thread)
    return runner


def _stop_and_join(runner: "SchedulerRunner", thread: threading.Thread) -> None:
    runner.stop()
    thread.join(timeout=30)


class SchedulerRunner:
    def __init__(self, app: Flask, *, intervals: Mapping[str, float] | None = None,
                 lock_retry_seconds: float = LOCK_RETRY_SECONDS):
        self.app = app
        self.intervals = dict(intervals or {})
        unknown = set(self.intervals) - set(JOB_NAMES)
        if unknown:
            raise ValueError(f"unknown scheduler jobs: {', '.join(sorted(unknown))}")
        self.lock_retry_seconds = lock_retry_seconds
        self.lock = lock_for(app.config["SHELTER"].database_url)
        self._stop = threading.Event()
        self._guard = threading.Lock()
        self._scheduler: BlockingScheduler | None = None

    def run(self) -> None:
        """Take the lock (or idle until it can), run the jobs; again if the lock is lost; until stopped."""
        try:
            while not self._stop.is_set() and self._wait_for_lock():
                try:
                    self._run_while_locked()
                finally:
                    self.lock.release()
        finally:
            log.info("scheduler stopped")

    def stop(self) -> None:
        """From any thread: start nothing new; ``run`` returns once a running job has finished."""
        self._stop.set()
        with self._guard:
            scheduler = self._scheduler
        if scheduler is not None:
            _shutdown(scheduler)

    def _wait_for_lock(self) -> bool:
        idle_logged = unreachable_logged = False
        while not self._stop.is_set():
            try:
                acquired = self.lock.try_acquire()
            except Exception as error:  # the database is down or unreachable: keep trying
                if not unreachable_logged:
                    log.warning("scheduler cannot take its %s (%s); retrying every %gs",
                                self.lock.description, type(error).__name__, self.lock_retry_seconds)
                    unreachable_logged = True
            else:
                if acquired:
                    if idle_logged:
                        log.info("the other scheduler is gone: this one takes over")
                    return True
                if not idle_logged:
                    log.warning("%s (the %s is taken): this one idles and retries every %gs",
                                IDLE_MESSAGE, self.lock.description, self.lock_retry_seconds)
                    idle_logged = True
            self._stop.wait(self.lock_retry_seconds)
        return False

    def _run_while_locked(self) -> None:
        executor = ThreadPoolExecutor(max_workers=len(JOBS) + 1)
        scheduler = BlockingScheduler(
            timezone=timezone.utc,
            executors={"default": executor},
            job_defaults={"coalesce": True, "max_instances": 1},
        )
        now = datetime.now(timezone.utc)
        for job in JOBS:
            scheduler.add_job(
                run_job, IntervalTrigger(seconds=self._interval(job), timezone=timezone.utc),
                args=(self.app, job), id=job.name, name=job.name, misfire_grace_time=job.misfire_grace_seconds,
                next_run_time=now,  # once at start: whatever fell due while no scheduler ran
            )

        def watch() -> None:
            if self._stop.is_set():  # stop() came before this scheduler was registered
                _shutdown(scheduler)
            elif not self.lock.still_held():
                log.error("scheduler lost its %s: stopping the jobs until it can take it again",
                          self.lock.description)
                _shutdown(scheduler)

        scheduler.add_job(watch, IntervalTrigger(seconds=self.lock_retry_seconds, timezone=timezone.utc),
                          id="watch_lock", name="watch_lock", misfire_grace_time=None, next_run_time=now)
        with self._guard:
            self._scheduler = scheduler
        log.info("scheduler started (%s taken): %s", self.lock.description,
                 ", ".join(f"{job.name} every {self._interval(job):g}s" for job in JOBS))
        try:
            scheduler.start()  # returns after _shutdown, from stop() or watch()
        finally:
            with self._guard:
                self._scheduler = None
            _shutdown(scheduler)
            executor.shutdown(wait=True)  # a running job ends (commits or rolls back) before the lock goes

    def _interval(self, job) -> float:
        return self.intervals.get(job.name, job.interval_seconds)


def _shutdown(scheduler: BlockingScheduler) -> None:
    """Thread-safe and idempotent: the loop ends, nothing new is submitted, running jobs go on."""
    try:
        scheduler.shutdown(wait=False)
    except SchedulerNotRunningError:
        pass


@contextlib.contextmanager
def _stop_on_signals(runner: SchedulerRunner):
    """SIGTERM and SIGINT stop the runner.

    The handler only writes the signal's number to a pipe: a handler runs in the main thread
    between any two bytecodes, possibly inside APScheduler's loop or holding a lock, so raising
    there (the KeyboardInterrupt way) can be swallowed and taking a lock can deadlock. A small
    thread reads the pipe and calls ``runner.stop()``. After the first signal a second one gets the
    default action: it ends the process at once (the lock is let go by the OS or the database).
    """
    signals = (signal.SIGTERM, signal.SIGINT)
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def handler(number, _frame):
        for each in signals:
            signal.signal(each, signal.SIG_DFL)
        try:
            os.write(write_end, bytes([number]))
        except OSError:
            pass

    def relay():
        data = os.read(read_end, 1)
        if data and data[0]:
            log.info("scheduler stopping (%s): a running job finishes first", signal.Signals(data[0]).name)
            runner.stop()

    previous = {number: signal.getsignal(number) for number in signals}
    relay_thread = threading.Thread(target=relay, name="shelter-scheduler-signals", daemon=True)
    relay_thread.start()
    for number in signals:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, action in previous.items():
            signal.signal(number, action)
        try:
            os.write(write_end, b"\0")  # wakes the relay if no signal came
        except OSError:
            pass
        relay_thread.join(timeout=5)
        os.close(read_end)
        os.close(write_end)
