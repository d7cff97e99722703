from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from tests.admin.conftest import admin_client, count_statements, fresh_login_per_request  # noqa: F401


@pytest.fixture
def make_event(app):
    """Add an audit event directly (the table takes inserts; it refuses updates and deletes)."""

    def make(action="test.event", *, at: datetime | None = None, commit=True, **values):
        values.setdefault("detail", {})
        event = AuditEvent(action=action, occurred_at=at or datetime.now(timezone.utc), **values)
        db.session.add(event)
        if commit:
            db.session.commit()
        return event

    return make
