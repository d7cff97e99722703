"""One job at a time, in this process: each runs in its own transaction, and a failing job is
logged by name and exception class only, with nothing of what it was doing kept or shown."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from shelter.db import utcnow
from shelter.extensions import db
from shelter.notifications.models import OutboundMessage
from shelter.notifications.service import enqueue
from shelter.scheduler.jobs import JOB_NAMES, JOBS, JobSpec, run_job
from shelter.stays.models import BedHold


def test_the_fixed_jobs():
    assert JOB_NAMES == ("deliver_outbox", "send_reminders", "expire_holds", "evaluate_capacity", "review_offers",
                         "check_availability", "run_exports", "expire_exports")
    for job in JOBS:
        assert 0 < job.interval_seconds <= 300
        assert job.misfire_grace_seconds >= job.interval_seconds


def test_expire_holds_job_releases_and_commits(app, make_bed, admin):
    bed = make_bed()
    now = utcnow()
    expired = BedHold(bed_id=bed.id, held_by_id=admin.id, reason="rujukan", created_at=now - timedelta(hours=25),
                      expires_at=now - timedelta(hours=1))
    db.session.add(expired)
    db.session.commit()
    hold_id = expired.id

    run_job(app, next(job for job in JOBS if job.name == "expire_holds"))

    db.session.rollback()
    released = db.session.execute(
        sa.select(BedHold.released_at, BedHold.release_reason).where(BedHold.id == hold_id)).one()
    assert released.release_reason == "expired" and released.released_at is not None


def test_an_expired_hold_re_evaluates_its_facility_capacity_rules(app, make_bed, admin):
    """The freed bed ends a low-capacity state at once, not at the next 5-minute safety-net run."""
    from shelter.alerts import service as alerts
    from shelter.alerts.models import CapacityAlert, CapacityRule

    bed = make_bed()
    facility = bed.room.facility
    now = utcnow()
    hold = BedHold(bed_id=bed.id, held_by_id=admin.id, reason="rujukan", created_at=now - timedelta(hours=2),
                   expires_at=now + timedelta(hours=1))
    db.session.add(hold)
    db.session.flush()
    rule = alerts.create_rule(facility, by=admin, max_free_beds=0, recovery_free_beds=1)  # its only bed is held: low
    db.session.commit()
    rule_id = rule.id
    assert rule.is_low
    hold.expires_at = now - timedelta(minutes=1)
    db.session.commit()

    run_job(app, next(job for job in JOBS if job.name == "expire_holds"))

    db.session.rollback()
    assert db.session.scalar(sa.select(CapacityRule.is_low).where(CapacityRule.id == rule_id)) is False
    assert db.session.scalars(sa.select(CapacityAlert.kind).where(CapacityAlert.rule_id == rule_id)).all() == [
        "recovered"]


def test_a_failing_job_is_rolled_back_and_logged_without_its_data(app, caplog):
    secret = "Penghuni Rekaan +6281255501 Jl. Uji Fiktif"

    def failing():
        enqueue(to="+6281255501", body=secret, dedupe_key="half-done", purpose="test")
        db.session.flush()
        raise ValueError(secret)

    with caplog.at_level(logging.INFO, logger="shelter.scheduler"):
        run_job(app, JobSpec("failing_job", failing, 1, 1))  # does not raise

    assert "job failing_job failed: ValueError" in caplog.text
    assert "Penghuni" not in caplog.text and "+62" not in caplog.text and "Fiktif" not in caplog.text
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 0
