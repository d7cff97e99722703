"""Fixtures for SMS tests: a fake Twilio and an app whose Twilio SDK talks to it.

Every test in tests/notifications runs with Shelter configured for Twilio (``TWILIO_SETTINGS``).
Other features' tests can do the same: import the fixtures into their conftest and override
``config_overrides`` the same way::

    from tests.notifications.conftest import fake_twilio, sms_via_fake_twilio  # noqa: F401
    from tests.notifications.fake_twilio import TWILIO_SETTINGS

    @pytest.fixture
    def config_overrides():
        return dict(TWILIO_SETTINGS)
"""

from __future__ import annotations

import pytest

from tests.notifications.fake_twilio import TWILIO_SETTINGS, FakeTwilio, FakeTwilioHttpClient

# Generous, so a loaded test machine never turns a normal answer into a timeout; the timeout test
# installs its own short one.
CLIENT_TIMEOUT = 5.0


@pytest.fixture
def config_overrides():
    return dict(TWILIO_SETTINGS)


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
