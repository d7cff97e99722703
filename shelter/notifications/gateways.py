"""The ways an SMS leaves Shelter: ``console`` (logs it, for development) and ``twilio``.

A gateway sends one message and says what became of it as an ``Outcome``; it never touches the
database. The Twilio gateway sorts every failure into what is safe to retry and what is not:

- **retry**: HTTP 429 (Twilio refused the request before creating anything) and connection errors
  that happened before the request was sent (refused, name not resolved, connect timeout);
- **unknown**: everything that may have happened after Twilio received the request: a read
  timeout, a connection dropped mid-answer, any 5xx (Twilio may have created the message before
  failing), an answer we cannot read. Never resent automatically: better no SMS than two;
- **failed**: every other 4xx (21211 invalid 'To', 21610 unsubscribed, 21614 not a mobile, …).

Errors are reduced to codes: Twilio's messages quote the number, and logs must never carry it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app

log = logging.getLogger("shelter.sms")

SENT = "sent"
RETRY = "retry"
FAILED = "failed"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | retry | failed | unknown
    provider_sid: str | None = None
    error: str | None = None  # a code ("21211", "http_429", "read_timeout"), never a message or number


@dataclass(frozen=True)
class Envelope:
    """What a gateway needs of a message: plain values, read before the provider is called."""

    id: int
    to_number: str
    body: str


def mask_number(number: str | None) -> str:
    """+6281255500101 → +62812****0101: enough to tell numbers apart, not to call one."""
    if not number:
        return "—"
    if len(number) <= 8:
        return number[:2] + "****"
    return number[:6] + "****" + number[-4:]


class ConsoleGateway:
    """Development: writes one log line (never the body or the whole number) and calls it sent."""

    name = "console"

    def close(self) -> None:
        pass

    def send(self, message, *, status_callback: str | None = None) -> Outcome:
        log.info("SMS id=%s to=%s queued (console backend, not sent)", message.id, mask_number(message.to_number))
        return Outcome(SENT)


class TwilioGateway:
    name = "twilio"

    def __init__(self, config, http_client=None):
        from twilio.http.http_client import TwilioHttpClient
        from twilio.rest import Client

        self.from_number = config.twilio_from_number
        self._own_http_client = http_client is None
        self.http_client = http_client or TwilioHttpClient(timeout=config.twilio_timeout_seconds)
        self.client = Client(config.twilio_account_sid, config.twilio_auth_token, http_client=self.http_client)

    def close(self) -> None:
        """Close the connections of a client we made (one per delivery run, not kept between runs)."""
        session = getattr(self.http_client, "session", None)
        if self._own_http_client and session is not None:
            session.close()

    def send(self, message, *, status_callback: str | None = None) -> Outcome:
        from twilio.base.exceptions import TwilioException

        params = {"to": message.to_number, "from_": self.from_number, "body": message.body}
        if status_callback:
            params["status_callback"] = status_callback
        try:
            created = self.client.messages.create(**params)
        except TwilioException as exc:
            return classify_twilio_error(exc)
        except Exception as exc:  # requests' errors, and anything else the SDK lets through
            return classify_transport_error(exc)
        if not created.sid:
            return Outcome(UNKNOWN, error="no_sid")
        return Outcome(SENT, provider_sid=created.sid)


def classify_twilio_error(exc) -> Outcome:
    """An error answer from Twilio (the SDK parsed it): its HTTP status and Twilio code decide."""
    status = getattr(exc, "status", None)
    code = getattr(exc, "code", None)
    error = str(code) if code not in (None, status) else f"http_{status}"
    if status == 429:
        return Outcome(RETRY, error=error if code not in (None, 429) else "http_429")
    if isinstance(status, int) and 400 <= status < 500:
        return Outcome(FAILED, error=error)
    # 5xx: Twilio may have created the message before failing; no answer at all: same doubt.
    return Outcome(UNKNOWN, error=error if status else "no_status")


def classify_transport_error(exc) -> Outcome:
    """A failure below HTTP. Only a connection that was never made is safe to try again."""
    import requests
    from urllib3.exceptions import NewConnectionError

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return Outcome(RETRY, error="connect_timeout")
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return Outcome(UNKNOWN, error="read_timeout")
    if isinstance(exc, requests.exceptions.ConnectionError) and not isinstance(exc, requests.exceptions.SSLError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, NewConnectionError) or isinstance(exc.args[0] if exc.args else None, NewConnectionError):
            return Outcome(RETRY, error="connect_error")
        return Outcome(UNKNOWN, error="connection_lost")  # dropped after the request may have gone out
    return Outcome(UNKNOWN, error=type(exc).__name__[:60])


def get_gateway(app=None):
    """The configured gateway. Tests set ``app.extensions["twilio_http_client"]`` to reach a fake."""
    app = app or current_app
    config = app.config["SHELTER"]
    if config.sms_backend == "twilio":
        return TwilioGateway(config, http_client=app.extensions.get("twilio_http_client"))
    return ConsoleGateway()


def status_callback_url(message) -> str | None:
    """Where Twilio reports delivery: PUBLIC_URL + the webhook, with our message id.

    The id lets a callback find a message whose answer we never read (a timeout after Twilio
    accepted it: status ``unknown``, no provider id). It is covered by Twilio's signature.
    """
    config = current_app.config["SHELTER"]
    if not config.public_url:
        return None
    # The scheduler has no request: build the path from the URL map, not url_for.
    path = current_app.url_map.bind("localhost").build("notifications.twilio_status", {"m": message.id})
    return config.public_url + path
