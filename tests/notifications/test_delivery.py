"""Delivering the outbox through Twilio's real SDK to a fake Twilio: sent once, retried only when
safe, never resent when the outcome is unknown."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.notifications import delivery, service
from shelter.notifications.models import OutboundMessage
from tests.notifications.fake_twilio import FakeTwilioHttpClient

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)
BODY = "3 kunjungan lanjutan jatuh tempo hari ini — buka Shelter"


@pytest.fixture
def fake(sms_via_fake_twilio):
    return sms_via_fake_twilio


def queue(n: int = 1, *, to: str = "+628125550101", at: datetime = T0) -> OutboundMessage:
    message = service.enqueue(to=to, body=BODY, dedupe_key=f"test:{to}:{n}", purpose="followup.reminder")
    message.next_attempt_at = at
    message.created_at = at
    db.session.commit()
    return message


def reload(message: OutboundMessage) -> OutboundMessage:
    db.session.expire_all()
    return db.session.get(OutboundMessage, message.id)


def test_a_queued_message_is_sent_through_twilio_once(fake):
    message = queue()

    assert delivery.deliver_due(now=T0) == 1
    assert delivery.deliver_due(now=T0 + timedelta(days=1)) == 0

    message = reload(message)
    [created] = fake.messages
    assert (created["to"], created["body"], created["from"]) == ("+628125550101", BODY, "+15005550006")
    assert (message.status, message.provider_sid, message.attempts) == ("sent", created["sid"], 1)
    assert message.sent_at == T0
    # Twilio reports delivery to our public address, for this message.
    assert created["status_callback"] == f"https://shelter.example.org/webhooks/twilio/status?m={message.id}"


def test_429_twice_then_success_is_sent_once(fake):
    fake.too_many_requests(2)
    message = queue()

    assert delivery.deliver_due(now=T0) == 0
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == ("queued", 1, "20429")
    first_wait = message.next_attempt_at - T0
    assert first_wait > timedelta(0)
    assert delivery.deliver_due(now=T0) == 0, "not due again before its backoff"
    assert len(fake.requests) == 1

    later = message.next_attempt_at
    assert delivery.deliver_due(now=later) == 0
    message = reload(message)
    assert (message.status, message.attempts) == ("queued", 2)
    assert message.next_attempt_at - later > first_wait, "the backoff grows"

    assert delivery.deliver_due(now=message.next_attempt_at) == 1
    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 3, None)
    assert [r.answered for r in fake.requests] == [429, 429, 201]
    assert len(fake.messages) == 1
    assert message.provider_sid == fake.messages[0]["sid"]


def test_timeout_after_twilio_accepted_is_unknown_and_never_resent(app, fake):
    app.extensions["twilio_http_client"] = FakeTwilioHttpClient(fake.base_url, timeout=0.3)
    fake.accept_then_stall(1.0)  # Twilio creates the message, then answers after the client gave up
    message = queue()

    assert delivery.deliver_due(now=T0) == 0
    message = reload(message)
    assert (message.status, message.last_error, message.provider_sid) == ("unknown", "read_timeout", None)
    assert len(fake.messages) == 1, "Twilio has it"

    for days in (1, 2, 30):
        assert delivery.deliver_due(now=T0 + timedelta(days=days)) == 0
    assert len(fake.requests) == 1 and len(fake.messages) == 1
    assert reload(message).status == "unknown"


def test_a_connection_lost_after_sending_is_unknown_and_never_resent(fake):
    fake.accept_then_hang_up()
    message = queue()

    delivery.deliver_due(now=T0)
    delivery.deliver_due(now=T0 + timedelta(days=1))

    assert (reload(message).status, reload(message).last_error) == ("unknown", "connection_lost")
    assert len(fake.requests) == 1 and len(fake.messages) == 1


@pytest.mark.parametrize("code", [21211, 21610, 21614])
def test_permanent_errors_fail_without_retry(fake, code):
    fake.reject_next(code)
    message = queue()

    assert delivery.deliver_due(now=T0) == 0
    message = reload(message)
    assert (message.status, message.last_error, message.attempts) == ("failed", str(code), 1)

    assert delivery.deliver_due(now=T0 + timedelta(days=1)) == 0
    assert len(fake.requests) == 1 and fake.messages == []


def test_a_5xx_may_have_created_the_message_so_it_is_unknown(fake):
    fake.server_error()
    message = queue()

    delivery.deliver_due(now=T0)
    delivery.deliver_due(now=T0 + timedelta(hours=1))

    assert (reload(message).status, reload(message).last_error) == ("unknown", "20500")
    assert len(fake.requests) == 1


def test_connection_refused_is_retried_after_a_wait(fake):
    message = queue()
    fake.down()
    assert delivery.deliver_due(now=T0) == 0
    message = reload(message)
    assert (message.status, message.last_error, message.attempts) == ("queued", "connect_error", 1)

    fake.up()
    assert delivery.deliver_due(now=T0) == 0, "waits for its backoff"
    assert delivery.deliver_due(now=message.next_attempt_at) == 1
    assert reload(message).status == "sent"
    assert len(fake.messages) == 1


def test_gives_up_after_the_last_attempt_and_calls_it_failed(fake):
    fake.too_many_requests(delivery.MAX_ATTEMPTS)
    message = queue()
    now = T0
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(now=now)
        now = reload(message).next_attempt_at + timedelta(hours=1)

    message = reload(message)
    assert (message.status, message.attempts, message.last_error) == ("failed", delivery.MAX_ATTEMPTS, "20429")
    delivery.deliver_due(now=now + timedelta(days=1))
    assert len(fake.requests) == delivery.MAX_ATTEMPTS and fake.messages == []


def test_a_message_left_sending_by_a_crash_becomes_unknown_not_resent(fake):
    message = queue()
    db.session.execute(sa.update(OutboundMessage).where(OutboundMessage.id == message.id)
                       .values(status="sending", attempts=1, updated_at=T0))
    db.session.commit()

    delivery.deliver_due(now=T0 + timedelta(minutes=1))
    assert reload(message).status == "sending", "still within the grace time: maybe in flight"

    delivery.deliver_due(now=T0 + delivery.STALE_SENDING + timedelta(minutes=1))
    message = reload(message)
    assert (message.status, message.last_error) == ("unknown", "interrupted")
    assert fake.requests == []


def test_only_due_messages_go_and_in_order(fake):
    later = queue(1, to="+628125550102", at=T0 + timedelta(hours=1))
    first = queue(2, to="+628125550101", at=T0 - timedelta(minutes=5))
    second = queue(3, to="+628125550103", at=T0)

    assert delivery.deliver_due(now=T0, limit=10) == 2
    assert [m["to"] for m in fake.messages] == ["+628125550101", "+628125550103"]
    assert (reload(first).status, reload(second).status, reload(later).status) == ("sent", "sent", "queued")


def test_a_claim_is_won_once(fake):
    message = queue()
    assert delivery.claim(message.id, T0) is True
    assert delivery.claim(message.id, T0) is False
    assert reload(message).status == "sending"


def test_two_deliveries_racing_send_each_message_once(app, fake):
    messages = [queue(n, to=f"+6281255501{n:02d}") for n in range(30)]
    db.session.commit()
    barrier = threading.Barrier(2, timeout=30)
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(delivery.deliver_due(now=T0, limit=100))
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert not errors, errors
    not_sent = [(m.id, reload(m).status, reload(m).last_error) for m in messages if reload(m).status != "sent"]
    assert sum(results) == 30, not_sent
    sent_to = [m["to"] for m in fake.messages]
    assert sorted(sent_to) == sorted(m.to_number for m in messages), "each message once"
    assert {reload(m).status for m in messages} == {"sent"}
    assert {reload(m).attempts for m in messages} == {1}


def test_logs_carry_no_body_and_no_number(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.reject_number("+628125550166", 21211)  # Twilio's error message quotes the number
    ok = queue(1, to="+628125550155")
    bad = queue(2, to="+628125550166")

    delivery.deliver_due(now=T0)

    assert (reload(ok).status, reload(bad).status) == ("sent", "failed")
    assert f"id={ok.id} status=sent" in caplog.text
    assert f"id={bad.id} status=failed" in caplog.text
    for secret in ("+628125550155", "+628125550166", "8125550155", "8125550166", "kunjungan"):
        assert secret not in caplog.text


@pytest.mark.parametrize("config_overrides", [{"sms_backend": "console"}])
def test_the_console_backend_logs_a_masked_number_and_marks_sent(app, caplog, config_overrides):
    caplog.set_level(logging.INFO, logger="shelter.sms")
    message = queue(to="+628125550101")

    assert delivery.deliver_due(now=T0) == 1

    assert reload(message).status == "sent"
    assert f"SMS id={message.id} to=+62812****0101 queued" in caplog.text
    assert "+628125550101" not in caplog.text and "kunjungan" not in caplog.text


def test_an_unexpected_gateway_error_leaves_the_message_unknown(app, fake, monkeypatch):
    from shelter.notifications.gateways import TwilioGateway

    def broken(self, envelope, status_callback=None):
        raise RuntimeError("bug")

    monkeypatch.setattr(TwilioGateway, "send", broken)
    message = queue()
    delivery.deliver_due(now=T0)
    assert (reload(message).status, reload(message).last_error) == ("unknown", "gateway_error")
