"""Twilio's status callbacks: signed or refused, idempotent, never backwards."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shelter.extensions import db
from shelter.notifications import service
from shelter.notifications.models import OutboundMessage
from tests.conftest import audit_events
from tests.notifications.fake_twilio import TWILIO_SETTINGS, sign, status_callback_params

PUBLIC_URL = TWILIO_SETTINGS["public_url"]
SID = "SM" + "ab" * 16
EARLIER = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def message(app):
    message = service.enqueue(to="+628125550101", body="Uji", dedupe_key="test:webhook", purpose="test")
    message.status = "sent"
    message.provider_sid = SID
    message.sent_at = message.updated_at = EARLIER
    db.session.commit()
    return message


def callback(client, params, *, message_id=None, signature="sign", url=None):
    path = "/webhooks/twilio/status" + (f"?m={message_id}" if message_id else "")
    headers = {}
    if signature == "sign":
        headers["X-Twilio-Signature"] = sign(url or PUBLIC_URL + path, params)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    # No CSRF token: Twilio has none, the signature stands in for it.
    return client.post(path, data=params, headers=headers, csrf=False)


def state(message) -> tuple:
    db.session.expire_all()
    m = db.session.get(OutboundMessage, message.id)
    return m.status, m.provider_sid, m.last_error, m.updated_at


def test_a_signed_callback_moves_the_message_forward(client, message):
    response = callback(client, status_callback_params(SID, "delivered"), message_id=message.id)
    assert response.status_code == 204 and response.data == b""
    assert state(message)[:3] == ("delivered", SID, None)


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "wrong"],
                         ids=["missing", "empty", "bad", "garbage"])
def test_a_callback_without_a_valid_signature_is_refused_and_changes_nothing(client, message, signature):
    before = state(message)
    response = callback(client, status_callback_params(SID, "delivered"), signature=signature)
    assert response.status_code == 403
    assert state(message) == before


def test_a_signature_for_other_parameters_or_another_address_is_refused(client, message):
    before = state(message)
    signed_for_sent = sign(PUBLIC_URL + "/webhooks/twilio/status", status_callback_params(SID, "sent"))
    assert callback(client, status_callback_params(SID, "failed"), signature=signed_for_sent).status_code == 403
    params = status_callback_params(SID, "delivered")
    other_site = callback(client, params, url="https://evil.example.org/webhooks/twilio/status")
    assert other_site.status_code == 403
    assert state(message) == before


@pytest.mark.parametrize("config_overrides", [
    {**TWILIO_SETTINGS, "twilio_auth_token": "", "twilio_account_sid": "", "twilio_from_number": "",
     "sms_backend": "console"},
    {**TWILIO_SETTINGS, "public_url": ""},
], ids=["no-auth-token", "no-public-url"])
def test_without_an_auth_token_or_public_address_every_callback_is_refused(client, message, config_overrides):
    before = state(message)
    assert callback(client, status_callback_params(SID, "delivered")).status_code == 403
    assert state(message) == before


def test_the_same_callback_five_times_changes_the_message_once(client, message):
    params = status_callback_params(SID, "delivered")
    assert callback(client, params, message_id=message.id).status_code == 204
    after_first = state(message)
    assert after_first[0] == "delivered" and after_first[3] > EARLIER
    responses = [callback(client, params, message_id=message.id) for _ in range(4)]
    assert {r.status_code for r in responses} == {204}
    # Only the first one wrote: updated_at is still the first callback's.
    assert state(message) == after_first


@pytest.mark.parametrize("final", ["delivered", "failed"])
def test_a_late_sent_does_not_overwrite_a_final_status(client, message, final):
    callback(client, status_callback_params(SID, final, error_code="30003" if final == "failed" else None))
    settled = state(message)
    assert settled[0] == final
    for late in ("sent", "queued", "sending", "delivered" if final == "failed" else "failed"):
        assert callback(client, status_callback_params(SID, late)).status_code == 204
    assert state(message) == settled


def test_undelivered_is_failed_with_twilios_error_code(client, message):
    callback(client, status_callback_params(SID, "undelivered", error_code="30005"))
    assert state(message)[:3] == ("failed", SID, "undelivered:30005")


def test_an_unknown_message_learns_its_fate_from_a_callback_by_our_id(client, message):
    # A timeout after Twilio accepted it: we never read its sid.
    message.status, message.provider_sid, message.last_error = "unknown", None, "read_timeout"
    db.session.commit()

    callback(client, status_callback_params(SID, "sent"), message_id=message.id)
    assert state(message)[:3] == ("sent", SID, None)
    callback(client, status_callback_params(SID, "delivered"), message_id=message.id)
    assert state(message)[:2] == ("delivered", SID)


def test_a_callback_by_our_id_does_not_touch_a_message_that_has_another_sid(client, message):
    before = state(message)
    other_sid = "SM" + "cd" * 16
    assert callback(client, status_callback_params(other_sid, "failed"), message_id=message.id).status_code == 204
    assert state(message) == before


def test_a_callback_for_a_message_we_do_not_know_is_acknowledged(client, message):
    response = callback(client, status_callback_params("SM" + "ef" * 16, "delivered"), message_id=999999)
    assert response.status_code == 204


def test_callbacks_are_not_audited_one_by_one(client, message):
    # Delivery reports are the provider's bookkeeping, kept on the message itself.
    callback(client, status_callback_params(SID, "delivered"))
    assert audit_events() == []


def test_status_callbacks_end_to_end_through_the_fake(app, client, sms_via_fake_twilio):
    from shelter.notifications import delivery

    queued = service.enqueue(to="+628125550101", body="Uji", dedupe_key="test:e2e", purpose="test")
    db.session.commit()
    delivery.deliver_due()
    [created] = sms_via_fake_twilio.messages
    url = created["status_callback"]
    assert url.startswith(PUBLIC_URL + "/webhooks/twilio/status?m=")
    params = status_callback_params(created["sid"], "delivered")
    path = url[len(PUBLIC_URL):]
    response = client.post(path, data=params, headers={"X-Twilio-Signature": sign(url, params)}, csrf=False)
    assert response.status_code == 204
    assert state(queued)[:2] == ("delivered", created["sid"])
