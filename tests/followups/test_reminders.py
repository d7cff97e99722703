"""Morning reminders and overdue escalations, with the clock moved day by day, delivered through the
SDK to the fake Twilio: exactly one SMS per caseworker per due day, the escalation two days later to
the caseworker and the case manager, nothing for users who opted out or have no phone, and the same
result however often the jobs run."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
import time_machine

from shelter.extensions import db
from shelter.followups import service
from shelter.followups.reminders import send_due_reminders
from shelter.notifications.delivery import deliver_due
from tests.followups.conftest import admit_and_discharge, outbox, schedule, wib
from tests.notifications.fake_twilio import TWILIO_SETTINGS


@pytest.fixture
def config_overrides():
    return dict(TWILIO_SETTINGS)


# Times of day (WIB) at which the scheduler happens to run: before, at and after the reminder time.
RUNS = [(0, 5), (7, 59), (8, 0), (23, 59)]


def run_days(first: date, days: int, *, twice=True):
    """Run the reminder and delivery jobs several times a day (twice each run) for ``days`` days."""
    for offset in range(days):
        day = first + timedelta(days=offset)
        for hour, minute in RUNS:
            with time_machine.travel(wib(day.year, day.month, day.day, hour, minute), tick=False):
                for _ in range(2 if twice else 1):
                    send_due_reminders()
                    deliver_due()


def by_day_and_number(fake):
    """(WIB day the message was queued, number) → how many arrived, from the outbox's creation times."""
    numbers = Counter()
    sent = {m.to_number: m for m in outbox()}
    assert len(fake.messages) == len(outbox()), "every queued message was delivered once"
    for message in outbox():
        numbers[(message.created_at.astimezone(service.zone()).date(), message.to_number, message.purpose)] += 1
    return numbers, sent


def test_one_reminder_per_caseworker_per_due_day_and_one_escalation_two_days_later(
        world, make_user, make_resident, sms_via_fake_twilio):
    fake = sms_via_fake_twilio
    world["caseworker"].locale = world["manager"].locale = "en"  # the English wording below
    opted_out = make_user(roles=("case_manager",), facilities=[world["a"]], phone="+6281255501010",
                          sms_opt_out=True)
    no_phone = make_user(roles=("case_manager",), facilities=[world["a"]])
    at = wib(2026, 3, 1, 10, 0)
    second = make_resident(world["a"], full_name="Wening Lestari Contoh")
    with time_machine.travel(at, tick=False):
        stays = [admit_and_discharge(resident, bed, intake=world["intake"], caseworker=world["caseworker"], at=at)
                 for resident, bed in ((world["resident"], world["beds"][0]), (second, world["beds"][1]))]
        db.session.commit()
    assert {f.due_on for s in stays for f in schedule(s) if f.step == 1} == {date(2026, 3, 8)}

    run_days(date(2026, 3, 1), 12)

    worker, manager = world["caseworker"].phone, world["manager"].phone
    numbers, _ = by_day_and_number(fake)
    assert numbers == Counter({
        (date(2026, 3, 8), worker, "followup.due"): 1,        # +7: both residents' phone calls, one SMS
        (date(2026, 3, 10), worker, "followup.overdue"): 1,   # still open two days later
        (date(2026, 3, 10), manager, "followup.overdue"): 1,
    })
    bodies = {m["to"]: m["body"] for m in fake.messages if "overdue" in m["body"]}
    assert [m["body"] for m in fake.messages_to(worker)][0] == "2 follow-up visits due today — open Shelter"
    assert bodies[manager] == "2 follow-up visits are 2 or more days overdue — please check Shelter"
    assert not fake.messages_to(opted_out.phone) and no_phone.phone is None
    assert all(f.escalated_at is not None for s in stays for f in schedule(s) if f.step == 1)


def test_a_recorded_follow_up_is_not_escalated_and_reminders_follow_the_language(
        world, sms_via_fake_twilio):
    fake = sms_via_fake_twilio
    world["caseworker"].locale = "en"
    world["manager"].locale = "en"
    db.session.commit()
    at = wib(2026, 3, 1, 10, 0)
    with time_machine.travel(at, tick=False):
        stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                                   caseworker=world["caseworker"], at=at)
    run_days(date(2026, 3, 7), 2)
    assert [m["body"] for m in fake.messages] == ["1 follow-up visit due today — open Shelter"]
    first = schedule(stay)[0]
    with time_machine.travel(wib(2026, 3, 9, 9, 0), tick=False):
        service.record(first, service.RecordInput(status="done", done_on=date(2026, 3, 9), method="phone_call",
                                                  outcome="stable"), by=world["caseworker"])
        db.session.commit()
    run_days(date(2026, 3, 9), 4)
    assert len(fake.messages) == 1


def test_unassigned_follow_ups_escalate_to_the_case_managers_only(world, sms_via_fake_twilio):
    fake = sms_via_fake_twilio
    at = wib(2026, 3, 1, 10, 0)
    with time_machine.travel(at, tick=False):
        admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"], at=at)
    run_days(date(2026, 3, 7), 4, twice=False)
    assert [(m["to"]) for m in fake.messages] == [world["manager"].phone]
    # A case manager of another facility hears nothing of this one.
    assert not fake.messages_to(world["b_caseworker"].phone)


def test_nothing_before_the_reminder_time_and_the_time_is_configurable(world, app):
    at = wib(2026, 3, 1, 10, 0)
    with time_machine.travel(at, tick=False):
        admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                            caseworker=world["caseworker"], at=at)
    assert send_due_reminders(now=wib(2026, 3, 8, 7, 59)) == 0
    assert outbox() == []
    assert send_due_reminders(now=wib(2026, 3, 8, 8, 0)) == 1
    assert send_due_reminders(now=wib(2026, 3, 8, 8, 0)) == 0  # idempotent
    assert [m.dedupe_key for m in outbox()] == [f"followup.due:{world['caseworker'].id}:2026-03-08"]


@pytest.mark.parametrize("config_overrides", [{"reminder_time": "06:30"}])
def test_reminder_time_setting(world, config_overrides):
    at = wib(2026, 3, 1, 10, 0)
    with time_machine.travel(at, tick=False):
        admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                            caseworker=world["caseworker"], at=at)
    assert send_due_reminders(now=wib(2026, 3, 8, 6, 29)) == 0
    assert send_due_reminders(now=wib(2026, 3, 8, 6, 30)) == 1


def test_a_caseworker_without_sms_gets_no_text_but_sees_the_same_in_the_app(world, client, login_as):
    world["caseworker"].sms_opt_out = True
    world["caseworker2"].phone = None
    db.session.commit()
    at = wib(2026, 3, 1, 10, 0)
    with time_machine.travel(at, tick=False):
        admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                            caseworker=world["caseworker"], at=at)
        admit_and_discharge(world["b_resident"], world["beds"][1], intake=world["intake"],
                            caseworker=world["caseworker2"], at=at)
    for day in (8, 9, 10, 11):
        send_due_reminders(now=wib(2026, 3, day, 8, 30))
    assert [m.to_number for m in outbox()] == [world["manager"].phone]  # only the escalation to the manager
    assert "2 follow-up visits" in outbox()[0].body or "2 kunjungan" in outbox()[0].body
    with time_machine.travel(wib(2026, 3, 8, 9, 0), tick=False):
        login_as(world["caseworker"])
        html = client.get("/follow-ups/mine").get_data(as_text=True)
    assert "Siti Rahmawati Contoh" in html and "Nothing due today." not in html
