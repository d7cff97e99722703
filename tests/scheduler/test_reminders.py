"""Reminders through real scheduler processes to the fake Twilio: exactly once, whatever the processes do.

The processes' clocks are moved (time-machine, ticking) to a morning in WIB; the follow-ups are rows
due that day (or overdue). What counts is what reached the fake Twilio and what the outbox says.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shelter.db import utcnow
from shelter.extensions import db
from shelter.followups.models import FollowUp
from shelter.scheduler.runner import IDLE_MESSAGE
from shelter.stays.models import Stay
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.scheduler.conftest import STARTED, outbox, wait_until

pytestmark = pytest.mark.slow

WIB = ZoneInfo("Asia/Jakarta")
DAY = date(2026, 3, 2)  # REMINDER_TIME is the default, 08:00 WIB
TWILIO_ENV = {"SMS_BACKEND": "twilio", "TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
              "TWILIO_FROM_NUMBER": FROM_NUMBER, "TWILIO_TIMEOUT_SECONDS": "5",
              "PUBLIC_URL": "https://shelter.example.org"}


def wib(day: date, hour: int, minute: int) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB).isoformat()


@pytest.fixture
def due(make_facility, make_user, make_resident):
    """due([(due_on, count), …]) → (caseworkers, case manager).

    One caseworker per item, with ``count`` open follow-ups due that day (one discharged stay), and
    the facility's case manager, who hears about overdue ones. Everybody has a phone.
    """
    facility = make_facility()

    def with_phone(n: int, role: str):
        user = make_user(roles=(role,), facilities=[facility], email=f"sched{n}.{facility.id}@example.org")
        user.phone = f"+6281255502{n:03d}"
        return user

    def make(plan):
        manager = with_phone(999, "case_manager")
        caseworkers = []
        discharged = utcnow() - timedelta(days=30)
        for n, (due_on, count) in enumerate(plan):
            caseworker = with_phone(n, "caseworker")
            resident = make_resident(facility)
            stay = Stay(resident_id=resident.id, facility_id=facility.id, admitted_at=discharged - timedelta(days=60),
                        discharged_at=discharged, discharge_outcome="reunified", caseworker_id=caseworker.id)
            db.session.add(stay)
            db.session.flush()
            db.session.add_all(
                FollowUp(stay_id=stay.id, resident_id=resident.id, facility_id=facility.id, step=step,
                         offset_days=7 * step, caseworker_id=caseworker.id, due_on=due_on, planned_method="home_visit")
                for step in range(1, count + 1)
            )
            caseworkers.append(caseworker)
        db.session.commit()
        return caseworkers, manager

    return make


def delivered(fake) -> Counter:
    """number → how many messages the fake Twilio accepted for it."""
    return Counter(message["to"] for message in fake.messages)


def outbox_summary() -> set[tuple]:
    """(purpose, user id, number, the count the body starts with, status) per outbox row."""
    return {(m.purpose, m.user_id, m.to_number, int(m.body.split()[0]), m.status) for m in outbox()}


def all_sent(fake, expected_count: int) -> bool:
    rows = outbox()
    return len(fake.messages) >= expected_count and len(rows) >= expected_count and all(
        m.status == "sent" for m in rows)


def settle() -> None:
    """Give the running schedulers time for several more runs of every job (they run every 0.2-0.3 s)."""
    time.sleep(1.5)


def test_two_schedulers_over_100_due_follow_ups_send_each_expected_message_once(due, fake_twilio, start_scheduler):
    # 50 follow-ups due today (5 caseworkers × 10) and 50 open since two days ago (5 × 10): a morning
    # reminder to each of the first five, an overdue escalation to each of the others, and one to
    # the case manager counting all 50.
    caseworkers, manager = due([(DAY, 10)] * 5 + [(DAY - timedelta(days=2), 10)] * 5)
    expected = (
        {("followup.due", cw.id, cw.phone, 10, "sent") for cw in caseworkers[:5]}
        | {("followup.overdue", cw.id, cw.phone, 10, "sent") for cw in caseworkers[5:]}
        | {("followup.overdue", manager.id, manager.phone, 50, "sent")}
    )

    morning = wib(DAY, 8, 30)
    both = [start_scheduler(fake_twilio=fake_twilio.base_url, travel=morning, env=TWILIO_ENV) for _ in range(2)]
    wait_until(lambda: sum(STARTED in p.output for p in both) == 1 and sum(IDLE_MESSAGE in p.output for p in both) == 1,
               timeout=40, message="one scheduler running, the other idle")
    active, idle = both if STARTED in both[0].output else both[::-1]
    wait_until(lambda: all_sent(fake_twilio, len(expected)), timeout=30, message="every reminder delivered")
    settle()

    assert outbox_summary() == expected
    assert delivered(fake_twilio) == Counter({number: 1 for _, _, number, _, _ in expected})
    assert idle.count(STARTED) == 0 and idle.count(IDLE_MESSAGE) == 1

    # The idle one takes over on the same morning and finds nothing left to send.
    active.kill()
    idle.wait_for(STARTED, timeout=15)
    settle()
    assert outbox_summary() == expected
    assert len(fake_twilio.messages) == len(expected)
    assert "Traceback" not in active.output + idle.output


def test_a_scheduler_stopped_while_40_reminders_fall_due_sends_each_once_after_restart(
        due, fake_twilio, start_scheduler):
    caseworkers, _manager = due([(DAY, 1)] * 40)
    numbers = {cw.phone for cw in caseworkers}

    before = start_scheduler(fake_twilio=fake_twilio.base_url, travel=wib(DAY, 7, 58), env=TWILIO_ENV)
    before.wait_for(STARTED)
    settle()
    assert outbox() == [] and fake_twilio.messages == []  # not morning yet
    before.terminate()

    # 08:00 passes with no scheduler running. The next one starts at 08:10, and is stopped again as
    # soon as its first message reached Twilio, in the middle of its work.
    interrupted = start_scheduler(fake_twilio=fake_twilio.base_url, travel=wib(DAY, 8, 10), env=TWILIO_ENV)
    wait_until(lambda: len(fake_twilio.messages) >= 1, timeout=30, message="the first reminder sent")
    assert interrupted.terminate() < 10

    after = start_scheduler(fake_twilio=fake_twilio.base_url, travel=wib(DAY, 8, 20), env=TWILIO_ENV)
    wait_until(lambda: all_sent(fake_twilio, 40), timeout=30, message="all 40 reminders delivered")
    settle()

    assert delivered(fake_twilio) == Counter({number: 1 for number in numbers})
    assert outbox_summary() == {("followup.due", cw.id, cw.phone, 1, "sent") for cw in caseworkers}
    assert after.terminate() < 5
    assert "Traceback" not in before.output + interrupted.output + after.output
