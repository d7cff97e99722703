"""Days and times where the shelters are (``TIMEZONE``, WIB by default), not on the server's clock.

Times are stored in UTC; "due today", "sessions today" and "before 08:00" are questions about the
local calendar, so every feature asks them here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from shelter.db import utcnow

DEFAULT_ZONE = "Asia/Jakarta"


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["SHELTER"].timezone if has_app_context() else DEFAULT_ZONE)


def local_date(moment: datetime) -> date:
    """The local calendar day of a UTC moment."""
    return moment.astimezone(zone()).date()


def local_today(now: datetime | None = None) -> date:
    return local_date(now or utcnow())


def local_start(day: date, at: time) -> datetime:
    """The UTC moment of a local wall-clock time on a local day."""
    return datetime.combine(day, at, tzinfo=zone()).astimezone(timezone.utc)
