"""The scheduler's fixed jobs. Each is idempotent and keeps its state in our own tables.

The features' functions are imported when a job runs, not when this module is imported: the
scheduler depends on them, never they on it. ``run_job`` gives every job an app context, commits
or rolls back, and logs a failure as the job's name and the exception's class only (an exception's
message can carry a statement's values: a resident's name, a phone number).
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from typing import Callable

from flask import Flask

from shelter.extensions import db

log = logging.getLogger("shelter.scheduler")


def deliver_outbox() -> int:
    """Send the SMS outbox's due messages (queued, and retries whose time has come)."""
    from shelter.notifications.delivery import deliver_due

    return deliver_due()


def send_reminders() -> int:
    """Queue the follow-up reminders that are due (the function decides whether it is morning yet)."""
    from shelter.followups.reminders import send_due_reminders

    return send_due_reminders()


def expire_holds() -> int:
    """Release bed holds whose time is up. An expired hold frees a bed: like every other change of free
    beds, its facility's listeners (the capacity rules) run in the same transaction, so a "back to
    normal" comes now, not at the next safety-net run."""
    from shelter.stays.service import expire_holds as release

    return release()


def evaluate_capacity() -> int:
    """The safety net behind the alerts written in the transactions that change free beds."""
    from shelter.alerts.service import evaluate_all

    return evaluate_all()


def review_offers() -> int:
    """Referral offers: expire those whose held beds ran out; escalate those past their deadline."""
    from shelter.referrals.escalation import review_offers as review

    return review()


def check_availability() -> int:
    """The stored availability counts against the derivation from assignments, holds and beds: any
    facility that drifted is rewritten, and the run logs how many (a number, nothing else)."""
    from shelter.availability.store import repair

    repaired = repair()
    if repaired:
        log.warning("job check_availability: %d facilities' counts had drifted and were repaired", repaired)
    return repaired


def run_exports() -> int:
    """Write the queued list exports (each claimed by one runner only), in batches, with progress."""
    from shelter.exports.service import run_queued

    return run_queued()


def expire_exports() -> int:
    """Delete the files of list exports older than 24 hours and mark them expired."""
    from shelter.exports.service import expire

    return expire()


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[[], object]
    interval_seconds: float
    # How late a run may start and still run (e.g. after the machine was suspended). With
    # coalesce=True any number of missed runs become one.
    misfire_grace_seconds: int


JOBS: tuple[JobSpec, ...] = (
    JobSpec("deliver_outbox", deliver_outbox, 10, 30),
    JobSpec("send_reminders", send_reminders, 60, 120),
    JobSpec("expire_holds", expire_holds, 60, 120),
    JobSpec("evaluate_capacity", evaluate_capacity, 300, 600),
    JobSpec("review_offers", review_offers, 60, 120),
    JobSpec("check_availability", check_availability, 300, 600),
    JobSpec("run_exports", run_exports, 5, 30),
    JobSpec("expire_exports", expire_exports, 300, 600),
)
JOB_NAMES = tuple(job.name for job in JOBS)


def _where(error: BaseException) -> str:
    """file:line of the innermost frame: code, never data."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    frame = frames[-1]
    return f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"


def run_job(app: Flask, job: JobSpec) -> None:
    """Run one job in its own app context and transaction; never raises."""
    started = time.monotonic()
    try:
        with app.app_context():
            try:
                result = job.func()
                db.session.commit()
            except Exception:
                try:
                    db.session.rollback()
                except Exception:  # the connection itself may be gone; the context's teardown cleans up
                    pass
                raise
    except Exception as error:
        log.error("job %s failed: %s (at %s)", job.name, type(error).__name__, _where(error))
        return
    if isinstance(result, int) and not isinstance(result, bool) and result:  # a count, nothing else
        log.info("job %s: %s in %.1fs", job.name, result, time.monotonic() - started)
