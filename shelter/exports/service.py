"""Start, run, hand out and clean up list exports.

``start`` counts the rows first: up to ``EXPORT_BACKGROUND_ROWS`` the file is written in the request;
more, and the export is queued for the scheduler (``run_queued``), which claims a job with a conditional
UPDATE (only one runner wins), writes in batches and keeps ``done_rows`` for the progress bar. A job runs
with its owner's rights as they are when it runs. Each export is audited (``export.created``: kind,
format, filter codes, row count) and each download too (``export.downloaded``); never a name.

A file is its owner's only, for 24 hours (``download``: anyone else, a missing or an expired export is
the same NotFound); ``expire`` deletes the files and marks the jobs expired.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shelter import access
from shelter.audit import service as audit
from shelter.auth.models import User
from shelter.db import sqlite_begin_immediate, utcnow
from shelter.exports import selections
from shelter.exports.models import ExportJob, ExportStatus
from shelter.exports.selections import NotFound, Selection
from shelter.exports.writers import WRITERS
from shelter.extensions import db
from shelter.localtime import local_date
from shelter.private_files import private_directory

log = logging.getLogger("shelter.exports")

FORMATS = tuple(WRITERS)
KEEP = timedelta(hours=24)
BATCH_ROWS = 1000
# A running export writes a batch every second or so: this long without one, its runner has died.
STALE_AFTER = timedelta(minutes=10)


class PersonalNotAllowed(Exception):
    """Names and NIK were asked for by someone the rule (``access.may_export_personal``) refuses."""


def export_directory() -> Path:
    return private_directory(Path(current_app.instance_path) / "exports")


def file_path(job: ExportJob) -> Path:
    return export_directory() / job.file_name


def download_name(job: ExportJob) -> str:
    return f"{selections.FILE_STEMS[job.kind]}-{local_date(job.created_at).isoformat()}.{job.format}"


def may_include_personal(user, kind: str, args) -> bool:
    """Whether the list's export form offers the names-and-NIK box to this user."""
    try:
        return access.may_export_personal(user, selections.selection(user, kind, args).facility_ids)
    except NotFound:
        return False


def _checked(user, kind: str, fmt: str, args, include_personal: bool) -> Selection:
    if fmt not in FORMATS:
        raise NotFound
    chosen = selections.selection(user, kind, args)
    if include_personal and not access.may_export_personal(user, chosen.facility_ids):
        raise PersonalNotAllowed
    return chosen


def _batches(statement: sa.Select, *, own_snapshot: bool) -> Iterator[list]:
    """The statement's rows in batches of BATCH_ROWS, from one execution: one snapshot, so a row
    changed while a long export is written (a follow-up whose due day moves) is neither written twice
    nor missed, and no batch re-reads the rows before it (as an OFFSET would).

    ``own_snapshot`` (the background run, which commits its progress after each batch): the rows are
    streamed on a connection of their own (PostgreSQL: a server-side cursor); on SQLite that
    connection only reads (BEGIN, not BEGIN IMMEDIATE), so the app's writers are not held up."""
    if not own_snapshot:
        yield from db.session.execute(statement).partitions(BATCH_ROWS)
        return
    reading = sqlite_begin_immediate.set(False)
    try:
        connection = db.engine.connect()
        connection.begin()
    finally:
        sqlite_begin_immediate.reset(reading)
    try:
        result = connection.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(statement)
        yield from result.partitions()
    finally:
        connection.close()


def _write(job: ExportJob, chosen: Selection, *, commit_batches: bool) -> None:
    statement = chosen.statement(job.include_personal)
    writer = WRITERS[job.format](file_path(job), chosen.headers(job.include_personal))
    done = 0
    try:
        with contextlib.closing(_batches(statement, own_snapshot=commit_batches)) as batches:
            for rows in batches:
                writer.write(rows)
                done += len(rows)
                job.done_rows = done
                job.heartbeat_at = utcnow()
                if commit_batches:
                    db.session.commit()
        writer.close()
    except BaseException:
        writer.abort()
        file_path(job).unlink(missing_ok=True)
        raise
    job.done_rows = done
    job.total_rows = max(job.total_rows, done)
    job.status = ExportStatus.DONE.value
    job.finished_at = utcnow()


def start(user, kind: str, fmt: str, args, *, include_personal: bool = False) -> ExportJob:
    """Count, then write now or queue. NotFound for an unknown kind, format, filter or scope;
    PersonalNotAllowed for names asked without the right. The caller commits."""
    chosen = _checked(user, kind, fmt, args, include_personal)
    total = chosen.count()
    now = utcnow()
    job = ExportJob(token=secrets.token_urlsafe(32), owner_id=user.id, kind=kind, format=fmt, filters=chosen.filters,
                    include_personal=include_personal, status=ExportStatus.QUEUED.value, total_rows=total,
                    done_rows=0, file_name=f"{secrets.token_hex(16)}.{fmt}", created_at=now, expires_at=now + KEEP)
    background = total > current_app.config["SHELTER"].export_background_rows
    if not background:
        _write(job, chosen, commit_batches=False)
    db.session.add(job)
    db.session.flush()
    audit.record("export.created", actor=user, detail={
        "export_id": job.id, "kind": kind, "format": fmt, "filters": chosen.filters, "rows": total,
        "personal": include_personal, "background": background})
    return job


def find_own(user, token: str) -> ExportJob:
    """The user's own export (any status); NotFound for anyone else's or an unknown token."""
    if not token or len(token) > 64:
        raise NotFound
    job = db.session.scalar(sa.select(ExportJob).where(ExportJob.token == token, ExportJob.owner_id == user.id))
    if job is None:
        raise NotFound
    return job


def expired(job: ExportJob, now: datetime | None = None) -> bool:
    return job.status == ExportStatus.EXPIRED.value or (now or utcnow()) >= job.expires_at


def download(user, token: str) -> tuple[ExportJob, Path]:
    """The owner's finished file within 24 hours, audited; NotFound otherwise (identical whatever the reason)."""
    job = find_own(user, token)
    if job.status != ExportStatus.DONE.value or expired(job) or not job.file_name:
        raise NotFound
    path = file_path(job)
    if not path.is_file():
        raise NotFound
    audit.record("export.downloaded", actor=user, detail={"export_id": job.id, "kind": job.kind,
                                                          "format": job.format, "rows": job.total_rows})
    return job, path


def own_exports_query(user) -> sa.Select:
    return (sa.select(ExportJob).where(ExportJob.owner_id == user.id)
            .order_by(ExportJob.created_at.desc(), ExportJob.id.desc()))


# --- the scheduler's side -------------------------------------------------------------------------------

def _runnable(now: datetime):
    """SQL: queued, or running with no batch written for STALE_AFTER (its runner died mid-way)."""
    return sa.or_(ExportJob.status == ExportStatus.QUEUED.value,
                  sa.and_(ExportJob.status == ExportStatus.RUNNING.value,
                          sa.or_(ExportJob.heartbeat_at.is_(None), ExportJob.heartbeat_at < now - STALE_AFTER)))


def claim(job_id: int) -> bool:
    """Take a runnable job for this runner: true for exactly one of several runners asking at once."""
    now = utcnow()
    result = db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id, _runnable(now))
                                .values(status=ExportStatus.RUNNING.value, heartbeat_at=now, done_rows=0)
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def run_job(job_id: int) -> bool:
    """Claim and write one queued job; False if another runner had it. A failure marks the job failed
    and is logged by the exception's class only (its message may carry a statement's values)."""
    if not claim(job_id):
        return False
    job = db.session.get(ExportJob, job_id)
    db.session.refresh(job)
    try:
        owner = db.session.get(User, job.owner_id)
        if owner is None or not owner.is_active:
            raise NotFound
        chosen = _checked(owner, job.kind, job.format, job.filters, job.include_personal)
        file_path(job).unlink(missing_ok=True)  # what a dead runner left half-written: from the first row
        _write(job, chosen, commit_batches=True)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        log.error("export %d failed: %s", job_id, type(error).__name__)
        db.session.execute(sa.update(ExportJob).where(ExportJob.id == job_id)
                           .values(status=ExportStatus.FAILED.value, finished_at=utcnow()))
        db.session.commit()
    return True


def run_queued(limit: int = 5) -> int:
    """The scheduler's job: run the oldest queued exports, and those a dead runner left half-written
    (started again from the first row); how many this runner wrote."""
    ids = list(db.session.scalars(sa.select(ExportJob.id).where(_runnable(utcnow()), ExportJob.expires_at > utcnow())
                                  .order_by(ExportJob.created_at, ExportJob.id).limit(limit)))
    db.session.commit()
    return sum(1 for job_id in ids if run_job(job_id))


def expire(now: datetime | None = None) -> int:
    """Delete the files of exports older than 24 hours and mark them expired; how many."""
    now = now or utcnow()
    jobs = list(db.session.scalars(sa.select(ExportJob).where(ExportJob.expires_at <= now,
                                                              ExportJob.status != ExportStatus.EXPIRED.value)))
    for job in jobs:
        if job.file_name:
            file_path(job).unlink(missing_ok=True)
        job.status = ExportStatus.EXPIRED.value
        job.file_name = None
    return len(jobs)
