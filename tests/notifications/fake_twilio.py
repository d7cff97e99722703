"""A fake Twilio REST API for tests: a real HTTP server, reached through the SDK's own HTTP client.

``FakeTwilio`` speaks the part of Twilio's API Shelter uses, the Messages resource::

    POST /2010-04-01/Accounts/{AccountSid}/Messages.json   (form-encoded To, From, Body, StatusCallback)
    → 201 {"sid": "SM…", "status": "queued", "to": …, …}  shaped like Twilio's answer
    → 4xx/5xx {"code": 21211, "message": …, "more_info": …, "status": 400}  like Twilio's errors

with faults to program: ``too_many_requests(n)`` (429 n times, then normal again),
``accept_then_stall(seconds)`` (creates the message, then answers too late for the client's
timeout), ``accept_then_hang_up()`` (creates it, then closes the connection unanswered),
``reject_next(code)`` / ``reject_number(number, code)`` (21211 invalid 'To', 21610
unsubscribed, 21614 not a mobile), ``server_error()``, and ``down()`` / ``up()`` (nothing listens:
connection refused). It records every request it received (``requests``) and every message it
created (``messages``).

``FakeTwilioHttpClient(base_url)`` is the SDK's ``TwilioHttpClient`` with one change: it sends what
the SDK addresses to https://api.twilio.com to the fake instead. The SDK builds the real request
(auth, form encoding) and parses the real answers (``TwilioRestException``); ``requests`` raises its
real connection and timeout errors. Anything addressed elsewhere is refused: no test reaches the
network.

Plain classes, no pytest: a scheduler test's subprocess wrapper can import them too::

    from tests.notifications.fake_twilio import FakeTwilio, install
    fake = FakeTwilio().start()                    # in the test process
    install(app, fake.base_url)                    # in the process that sends (any process)

and ``python -m tests.notifications.fake_twilio`` runs one in the foreground and prints its URL.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"
TWILIO_API = "https://api.twilio.com"

# The settings that make Shelter use Twilio with the fake's credentials (Config field names).
TWILIO_SETTINGS = {
    "sms_backend": "twilio",
    "twilio_account_sid": ACCOUNT_SID,
    "twilio_auth_token": AUTH_TOKEN,
    "twilio_from_number": FROM_NUMBER,
    "twilio_timeout_seconds": 2,
    "public_url": "https://shelter.example.org",
}

ERROR_MESSAGES = {
    20003: "Authenticate",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    21211: "The 'To' number {to} is not a valid phone number.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number {to} is not a valid mobile number",
}

_MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/(?P<sid>AC[0-9a-f]{32})/Messages\.json")


@dataclass
class ReceivedRequest:
    method: str
    path: str
    form: dict[str, str]
    headers: dict[str, str]
    answered: int | None = None  # the HTTP status the fake answered (None: it never did)


@dataclass
class Fault:
    status: int = 0  # HTTP error to answer with; 0: create the message
    code: int | None = None
    stall_seconds: float = 0.0  # with status 0: create the message, then wait this long to answer
    drop: bool = False  # with status 0: create the message, then hang up without answering


@dataclass
class _State:
    requests: list[ReceivedRequest] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    faults: deque = field(default_factory=deque)
    number_faults: dict[str, Fault] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(code: int, status: int, to: str = "") -> dict:
    return {"code": code, "message": ERROR_MESSAGES.get(code, "Error").format(to=to),
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


def _handler(fake: "FakeTwilio"):
    state = fake.state

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, payload: dict, record: ReceivedRequest | None) -> None:
            body = json.dumps(payload).encode()
            if record is not None:
                record.answered = status
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Twilio-Request-Id", "RQ" + secrets.token_hex(16))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                if record is not None:
                    record.answered = None

        def do_GET(self):
            self._answer(404, _error(20404, 404), None)

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}
            record = ReceivedRequest("POST", self.path, form, dict(self.headers.items()))
            with state.lock:
                state.requests.append(record)
            match = _MESSAGES_PATH.fullmatch(self.path)
            if not match:
                return self._answer(404, _error(20404, 404), record)
            expected = "Basic " + base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
            if match["sid"] != fake.account_sid or self.headers.get("Authorization") != expected:
                return self._answer(401, _error(20003, 401), record)
            to = form.get("To", "")
            if not to:
                return self._answer(400, _error(21604, 400), record)
            with state.lock:
                fault = state.number_faults.get(to) or (state.faults.popleft() if state.faults else Fault())
            if fault.status:
                return self._answer(fault.status, _error(fault.code or fault.status, fault.status, to), record)
            message = fake._create(form)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault.stall_seconds:
                time.sleep(fault.stall_seconds)
            self._answer(201, message, record)

    return Handler


class FakeTwilio:
    """A fake Twilio API on 127.0.0.1 (a free port unless given). Use ``with FakeTwilio() as fake``."""

    def __init__(self, *, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, port: int = 0):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.port = port
        self.state = _State()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self) -> "FakeTwilio":
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-twilio", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def down(self) -> None:
        """Stop listening (the port stays ours to come back to): connections are refused."""
        self.stop()

    def up(self) -> None:
        """Listen again on the same port."""
        if self._server is None:
            self.start()

    def __enter__(self) -> "FakeTwilio":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- faults ---

    def too_many_requests(self, times: int = 1) -> None:
        """The next ``times`` requests get 429 (Twilio code 20429); nothing is created."""
        self._queue(Fault(status=429, code=20429), times)

    def reject_next(self, code: int = 21211, status: int = 400, times: int = 1) -> None:
        """The next ``times`` requests get this Twilio error (21211, 21610, 21614, …)."""
        self._queue(Fault(status=status, code=code), times)

    def reject_number(self, number: str, code: int = 21211, status: int = 400) -> None:
        """Every request to ``number`` gets this error, for as long as the fake runs."""
        with self.state.lock:
            self.state.number_faults[number] = Fault(status=status, code=code)

    def server_error(self, times: int = 1, status: int = 500, code: int = 20500) -> None:
        self._queue(Fault(status=status, code=code), times)

    def accept_then_stall(self, seconds: float, times: int = 1) -> None:
        """The next ``times`` messages are created, then answered only after ``seconds``."""
        self._queue(Fault(stall_seconds=seconds), times)

    def accept_then_hang_up(self, times: int = 1) -> None:
        """The next ``times`` messages are created, then the connection is closed with no answer."""
        self._queue(Fault(drop=True), times)

    def _queue(self, fault: Fault, times: int) -> None:
        with self.state.lock:
            self.state.faults.extend([fault] * times)

    # --- what happened ---

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self.state.lock:
            return list(self.state.requests)

    @property
    def messages(self) -> list[dict]:
        """Every message the fake created (accepted), in order."""
        with self.state.lock:
            return list(self.state.messages)

    def messages_to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == number]

    def _create(self, form: dict) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = formatdate(usegmt=True)
        base = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        message = {
            "account_sid": self.account_sid, "api_version": "2010-04-01", "body": form.get("Body", ""),
            "date_created": now, "date_sent": None, "date_updated": now, "direction": "outbound-api",
            "error_code": None, "error_message": None, "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "num_media": "0", "num_segments": "1",
            "price": None, "price_unit": "USD", "sid": sid, "status": "queued",
            "subresource_uris": {"media": base + "/Media.json"}, "to": form.get("To"), "uri": base + ".json",
            # Not part of Twilio's answer: kept for the tests.
            "status_callback": form.get("StatusCallback"),
        }
        with self.state.lock:
            self.state.messages.append(message)
        return {k: v for k, v in message.items() if k != "status_callback"}


class FakeTwilioHttpClient(TwilioHttpClient):
    """The SDK's HTTP client, sending to the fake instead of https://api.twilio.com."""

    def __init__(self, base_url: str, *, timeout: float = 2.0, **kwargs):
        super().__init__(timeout=timeout, **kwargs)
        self.base_url = base_url.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if not url.startswith(TWILIO_API + "/"):
            raise AssertionError(f"a test tried to reach {url.split('?')[0]!r}: tests never reach the network")
        return super().request(method, self.base_url + url[len(TWILIO_API):], *args, **kwargs)


def install(app, base_url: str, *, timeout: float = 5.0) -> FakeTwilioHttpClient:
    """Make ``app`` (configured with TWILIO_SETTINGS) send through the fake at ``base_url``."""
    client = FakeTwilioHttpClient(base_url, timeout=timeout)
    app.extensions["twilio_http_client"] = client
    return client


def sign(url: str, params: dict, auth_token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for a POST of ``params`` to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, params)


def status_callback_params(message_sid: str, status: str, *, error_code: str | None = None,
                           account_sid: str = ACCOUNT_SID) -> dict[str, str]:
    """The form Twilio posts to a StatusCallback URL."""
    params = {"AccountSid": account_sid, "ApiVersion": "2010-04-01", "From": FROM_NUMBER,
              "MessageSid": message_sid, "MessageStatus": status, "SmsSid": message_sid, "SmsStatus": status,
              "To": "+628125550101"}
    if error_code:
        params["ErrorCode"] = error_code
    return params


if __name__ == "__main__":  # a fake for manual runs: python -m tests.notifications.fake_twilio
    with FakeTwilio() as fake:
        print(fake.base_url, flush=True)
        threading.Event().wait()
