"""Stored availability: one row per facility, read by the board and the API instead of a province-wide join.

Each *scope* (``all``, one per bed category, ``accessible``) has five counts: total, occupied, held,
out of service and available (free). Holds are counted as held until they are *released*, whatever
their expiry time: time alone never changes a row (see ``shelter.availability``'s docstring for why
and for how readers account for holds whose time is up).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from shelter.db import UTCDateTime, utcnow
from shelter.extensions import db

CATEGORIES = ("women", "girls", "boys", "mothers_with_children", "men")
SCOPES = ("all",) + CATEGORIES + ("accessible",)
MEASURES = ("total", "occupied", "held", "out_of_service", "available")
COUNT_COLUMNS = tuple(f"{scope}_{measure}" for scope in SCOPES for measure in MEASURES)


class AvailabilityCount(db.Model):
    """A facility's bed counts as of its last change. ``version`` grows by one with every refresh that
    changed something: the board's and the API's ETags are built from it."""

    __tablename__ = "availability_counts"

    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1)
    over_capacity: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    for _column in COUNT_COLUMNS:
        locals()[_column] = mapped_column(_column, sa.Integer, nullable=False, default=0)
    del _column

    def counts(self) -> dict[str, int]:
        values = {name: getattr(self, name) for name in COUNT_COLUMNS}
        values["over_capacity"] = self.over_capacity
        return values


class RoomAvailability(db.Model):
    """A room's free beds as of its facility's last refresh (find-a-bed reads these): free, and of those
    wheelchair accessible and with a crib. Like the facility's row, a hold counts until it is released;
    readers add back the beds whose hold's time is up. A room without beds may have no row (read as 0)."""

    __tablename__ = "room_availability"

    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    free: Mapped[int] = mapped_column(default=0)
    free_accessible: Mapped[int] = mapped_column(default=0)
    free_cribs: Mapped[int] = mapped_column(default=0)

    def counts(self) -> tuple[int, int, int]:
        return (self.free, self.free_accessible, self.free_cribs)
