"""The fake Twilio fixtures, a pytest plugin registered in tests/conftest.py for every feature's tests."""

from __future__ import annotations

import pytest

from tests.notifications.fake_twilio import FakeTwilio, FakeTwilioHttpClient

# Generous, so a loaded test machine never turns a normal answer into a timeout; the timeout test
# installs its own short one.
CLIENT_TIMEOUT = 5.0


@pytest.fixture
def fake_twilio():
    """A running fake Twilio API (tests.notifications.fake_twilio.FakeTwilio)."""
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def sms_via_fake_twilio(app, fake_twilio):
    """The app's Twilio SDK sends to ``fake_twilio``; returns the fake."""
    assert app.config["SHELTER"].sms_backend == "twilio", "configure the app with TWILIO_SETTINGS"
    app.extensions["twilio_http_client"] = FakeTwilioHttpClient(fake_twilio.base_url, timeout=CLIENT_TIMEOUT)
    yield fake_twilio
    app.extensions.pop("twilio_http_client", None)
