"""The admin's SMS outbox (list, filters, resend) and one's own phone and SMS settings."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shelter.auth.models import User
from shelter.extensions import db
from shelter.notifications import service
from shelter.notifications.models import OutboundMessage
from tests.conftest import audit_events, counting_statements

T0 = datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc)  # 08.00 WIB


def make_message(n: int, *, status="queued", to="+628125550101", purpose="followup.reminder", user=None,
                 last_error=None) -> OutboundMessage:
    message = service.enqueue(to=to, body=f"{n} kunjungan lanjutan jatuh tempo hari ini — buka Shelter",
                              dedupe_key=f"test:{n}", purpose=purpose, user_id=user.id if user else None)
    message.status = status
    message.last_error = last_error
    message.created_at = T0 + timedelta(minutes=n)
    message.attempts = 1 if status != "queued" else 0
    db.session.commit()
    return message


def many_messages(numbers, *, status="sent") -> None:
    """Rows straight into the table, one commit: for lists, where how they were queued does not matter."""
    db.session.add_all(OutboundMessage(
        to_number="+628125550101", body="Uji", dedupe_key=f"test:{n}", purpose="followup.reminder",
        status=status(n) if callable(status) else status, created_at=T0 + timedelta(minutes=n),
    ) for n in numbers)
    db.session.commit()


def with_phone(user, phone: str) -> User:
    user.phone = phone
    db.session.commit()
    return user


def rows(html: str) -> list[str]:
    return re.findall(r'<tr id="sms-(\d+)"', html)


# --- the outbox ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["facility_manager", "intake_staff", "case_manager", "caseworker"])
def test_the_outbox_is_a_404_for_everyone_but_admins(client, make_user, login_as, role):
    message = make_message(1, status="failed")
    login_as(make_user(roles=(role,)))
    assert client.get("/admin/outbox").status_code == 404
    assert client.htmx("GET", "/admin/outbox").status_code == 404
    assert client.post(f"/admin/outbox/{message.id}/resend").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 1


def test_the_outbox_shows_each_message_with_a_masked_number_and_times_in_wib(client, admin, login_in_english):
    message = make_message(1, status="failed", to="+6281255500101", last_error="21211")
    login_in_english(admin)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert rows(html) == [str(message.id)]
    assert "+62812****0101" in html and "+6281255500101" not in html
    assert "followup.reminder" in html and "test:1" in html and "21211" in html and "Failed" in html
    assert "23 Nov 2026 08:01 WIB" in html


def test_the_outbox_filters_by_status_and_purpose_and_pages(client, admin, login_as):
    many_messages(range(55))
    failed = make_message(100, status="failed", purpose="capacity.alert")
    login_as(admin)

    first = client.get("/admin/outbox").get_data(as_text=True)
    assert len(rows(first)) == 50 and rows(first)[0] == str(failed.id), "newest first, 50 a page"
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert len(rows(second)) == 6
    assert rows(client.get("/admin/outbox?status=failed").get_data(as_text=True)) == [str(failed.id)]
    assert rows(client.get("/admin/outbox?purpose=capacity.alert").get_data(as_text=True)) == [str(failed.id)]
    assert len(rows(client.get("/admin/outbox?purpose=followup.reminder&page=9").get_data(as_text=True))) == 5
    fragment = client.htmx("GET", "/admin/outbox?status=failed")
    assert fragment.get_data(as_text=True).lstrip().startswith(("{#", '<div id="outbox-table">'))
    assert "<html" not in fragment.get_data(as_text=True)


def test_a_bad_filter_is_a_message_not_an_error(client, admin, login_as):
    make_message(1)
    login_as(admin)
    response = client.get("/admin/outbox?status=nonsense&page=x")
    assert response.status_code == 200
    assert rows(response.get_data(as_text=True)) == []
    assert "field-error" in response.get_data(as_text=True) or "form-errors" in response.get_data(as_text=True)


def test_the_outbox_needs_the_same_statements_for_few_or_many_messages(client, admin, login_as):
    login_as(admin)
    make_message(1, status="failed")
    client.get("/admin/outbox")
    with counting_statements() as few:
        client.get("/admin/outbox")
    many_messages(range(2, 40), status=lambda n: "failed" if n % 2 else "sent")
    with counting_statements() as many:
        client.get("/admin/outbox")
    assert len(many) == len(few)


def test_empty_outbox(client, admin, login_in_english):
    login_in_english(admin)
    assert "No SMS yet." in client.get("/admin/outbox").get_data(as_text=True)


# --- resend --------------------------------------------------------------------------------------

def test_resend_a_failed_message_queues_a_copy_once_and_audits_it(client, admin, login_in_english, make_user):
    user = with_phone(make_user(), "+628125550177")
    failed = make_message(1, status="failed", to="+628125550101", user=user, last_error="21211")
    login_in_english(admin)

    response = client.htmx("POST", f"/admin/outbox/{failed.id}/resend")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    db.session.expire_all()
    copy = db.session.scalar(sa.select(OutboundMessage).where(OutboundMessage.resend_of_id == failed.id))
    assert (copy.status, copy.attempts, copy.body, copy.purpose) == ("queued", 0, failed.body, failed.purpose)
    assert copy.to_number == "+628125550177", "the user's current number"
    assert copy.next_attempt_at <= datetime.now(timezone.utc)
    assert f'id="sms-{failed.id}"' in html and f"resent as #{copy.id}" in html and 'id="flash"' in html
    assert db.session.get(OutboundMessage, failed.id).status == "failed", "the original keeps its history"
    [event] = audit_events("sms.resent")
    assert (event.target_type, event.target_id, event.actor_id) == ("outbound_messages", failed.id, admin.id)
    assert event.detail == {"new_message_id": copy.id, "previous_status": "failed", "last_error": "21211"}

    client.htmx("POST", f"/admin/outbox/{failed.id}/resend")  # a double click
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 2
    assert len(audit_events("sms.resent")) == 1


def test_resending_an_unknown_message_needs_the_admin_to_accept_a_possible_double(client, admin, login_in_english):
    unknown = make_message(1, status="unknown", last_error="read_timeout")
    login_in_english(admin)

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "may get this SMS twice" in page
    html = client.htmx("POST", f"/admin/outbox/{unknown.id}/resend").get_data(as_text=True)
    assert "Tick the box" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 1

    client.htmx("POST", f"/admin/outbox/{unknown.id}/resend", data={"accept_duplicate": "y"})
    db.session.expire_all()
    copy = sa.select(OutboundMessage.status).where(OutboundMessage.resend_of_id == unknown.id)
    assert db.session.scalar(copy) == "queued"
    assert audit_events("sms.resent")[0].detail["previous_status"] == "unknown"


@pytest.mark.parametrize("status", ["queued", "sending", "sent", "delivered"])
def test_only_failed_or_unknown_messages_can_be_resent(client, admin, login_as, status):
    message = make_message(1, status=status)
    login_as(admin)
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert f"/admin/outbox/{message.id}/resend" not in page
    response = client.post(f"/admin/outbox/{message.id}/resend", data={"accept_duplicate": "y"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 1
    assert audit_events("sms.resent") == []


def test_no_resend_to_a_user_who_opted_out_since(client, admin, login_in_english, make_user):
    user = with_phone(make_user(), "+628125550177")
    failed = make_message(1, status="failed", user=user)
    user.sms_opt_out = True
    db.session.commit()
    login_in_english(admin)
    html = client.htmx("POST", f"/admin/outbox/{failed.id}/resend").get_data(as_text=True)
    assert "no longer receives SMS" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 1


def test_resend_without_csrf_token_is_refused(client, admin, login_as):
    failed = make_message(1, status="failed")
    login_as(admin)
    assert client.post(f"/admin/outbox/{failed.id}/resend", csrf=False).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboundMessage)) == 1


def test_resend_of_a_message_that_does_not_exist_is_a_404(client, admin, login_as):
    login_as(admin)
    assert client.post("/admin/outbox/424242/resend").status_code == 404


# --- one's own phone and SMS ---------------------------------------------------------------------

def user_row(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


@pytest.mark.parametrize("role", ["caseworker", "admin", "facility_manager"])
def test_everyone_sets_their_own_phone_in_e164(client, make_user, login_as, role):
    user = make_user(roles=(role,))
    login_as(user)
    assert client.get("/account/sms").status_code == 200
    response = client.post("/account/sms", data={"phone": "0812 5550 1234"})
    assert response.status_code == 302
    assert (user_row(user).phone, user_row(user).sms_opt_out) == ("+6281255501234", False)
    [event] = audit_events("user.sms_settings_changed")
    assert event.detail == {"fields": ["phone"], "sms_opt_out": False}
    assert "+62" not in str(event.detail), "no number in the audit trail"


def test_a_bad_number_is_explained_in_indonesian_next_to_the_field_and_kept(client, make_user, login_as):
    user = with_phone(make_user(), "+628125550101")
    login_as(user)
    response = client.post("/account/sms", data={"phone": "0812-ABC"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="err-phone"' in html and "0812-ABC" in html
    assert user_row(user).phone == "+628125550101"
    assert audit_events("user.sms_settings_changed") == []

    htmx = client.htmx("POST", "/account/sms", data={"phone": "12345"})
    assert htmx.status_code == 200 and 'id="err-phone"' in htmx.get_data(as_text=True)
    assert "<html" not in htmx.get_data(as_text=True)


def test_the_phone_error_message_is_indonesian(client, make_user, login_as):
    login_as(make_user())
    html = client.post("/account/sms", data={"phone": "bukan nomor"}).get_data(as_text=True)
    message = re.search(r'id="err-phone"[^>]*>([^<]+)<', html).group(1)
    assert message.startswith("Masukkan nomor telepon yang valid")


def test_opting_out_stops_sms_but_not_the_app(client, make_user, login_in_english):
    user = with_phone(make_user(), "+628125550101")
    login_in_english(user)
    assert "always show in the app" in client.get("/account/sms").get_data(as_text=True)
    response = client.htmx("POST", "/account/sms", data={"phone": "+62 812-5550-101", "sms_opt_out": "y"})
    assert response.status_code == 200
    assert "You receive no SMS now" in response.get_data(as_text=True)
    assert user_row(user).sms_opt_out is True
    assert service.sms_recipient(user_row(user)) is None


def test_clearing_the_phone_removes_it(client, make_user, login_as):
    user = with_phone(make_user(), "+628125550101")
    login_as(user)
    client.post("/account/sms", data={"phone": ""})
    assert user_row(user).phone is None


def test_saving_without_changes_records_nothing(client, make_user, login_as):
    user = with_phone(make_user(), "+628125550101")
    login_as(user)
    client.post("/account/sms", data={"phone": "0812-5550-101"})
    assert audit_events("user.sms_settings_changed") == []


def test_preferences_without_csrf_token_are_refused(client, make_user, login_as):
    user = make_user()
    login_as(user)
    assert client.post("/account/sms", data={"phone": "08125550101"}, csrf=False).status_code == 400
    assert user_row(user).phone is None
