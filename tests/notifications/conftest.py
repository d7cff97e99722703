"""Fixtures for SMS tests: a fake Twilio and an app whose Twilio SDK talks to it.

Every test in tests/notifications runs with Shelter configured for Twilio (``TWILIO_SETTINGS``).
Other features' tests can do the same: the ``fake_twilio`` and ``sms_via_fake_twilio`` fixtures
(``tests.notifications.fixtures``, a plugin registered in tests/conftest.py) are everywhere; override
``config_overrides`` the same way::

    from tests.notifications.fake_twilio import TWILIO_SETTINGS

    @pytest.fixture
    def config_overrides():
        return dict(TWILIO_SETTINGS)
"""

from __future__ import annotations

import pytest

from tests.notifications.fake_twilio import TWILIO_SETTINGS


@pytest.fixture
def config_overrides():
    return dict(TWILIO_SETTINGS)
