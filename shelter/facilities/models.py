from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted
from shelter.extensions import db


class FacilityKind(enum.StrEnum):
    PANTI = "panti"
    RUMAH_AMAN = "rumah_aman"


class Kota(enum.StrEnum):
    JAKARTA_PUSAT = "jakarta_pusat"
    JAKARTA_UTARA = "jakarta_utara"
    JAKARTA_BARAT = "jakarta_barat"
    JAKARTA_SELATAN = "jakarta_selatan"
    JAKARTA_TIMUR = "jakarta_timur"
    KEPULAUAN_SERIBU = "kepulauan_seribu"


class RoomSex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"
    MIXED_FAMILY = "mixed_family"


class AgeGroup(enum.StrEnum):
    CHILD = "child"
    ADULT = "adult"
    MOTHER_WITH_CHILDREN = "mother_with_children"


def _enum_check(column: str, values: type[enum.StrEnum]) -> sa.CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class Facility(db.Model):
    __tablename__ = "facilities"
    __table_args__ = (
        _enum_check("kind", FacilityKind),
        _enum_check("kota", Kota),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # For a Rumah Aman this is its code name: the only name shown anywhere.
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(16))
    kota: Mapped[str] = mapped_column(sa.String(32))
    # Encrypted: a Rumah Aman's address is what a copied database must not give away.
    address: Mapped[str] = mapped_column(Encrypted("facilities.address"), default="")
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rooms: Mapped[list["Room"]] = relationship(
        back_populates="facility", order_by="Room.name", cascade="all, delete-orphan"
    )

    @property
    def is_safe_house(self) -> bool:
        return self.kind == FacilityKind.RUMAH_AMAN

    def __repr__(self) -> str:  # never the address
        return f"<Facility {self.id} {self.code}>"


class Room(db.Model):
    __tablename__ = "rooms"
    __table_args__ = (
        sa.UniqueConstraint("facility_id", "name"),
        _enum_check("sex", RoomSex),
        _enum_check("age_group", AgeGroup),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    sex: Mapped[str] = mapped_column(sa.String(16))
    age_group: Mapped[str] = mapped_column(sa.String(24))

    facility: Mapped[Facility] = relationship(back_populates="rooms")
    beds: Mapped[list["Bed"]] = relationship(
        back_populates="room", order_by="Bed.label", cascade="all, delete-orphan"
    )


class Bed(db.Model):
    __tablename__ = "beds"
    __table_args__ = (
        sa.UniqueConstraint("room_id", "label"),
        sa.CheckConstraint(
            "(out_of_service_reason IS NULL) = (out_of_service_since IS NULL)",
            name="out_of_service_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(sa.String(32))
    wheelchair_accessible: Mapped[bool] = mapped_column(default=False)
    has_crib: Mapped[bool] = mapped_column(default=False)
    out_of_service_reason: Mapped[str | None] = mapped_column(sa.String(200))
    out_of_service_since: Mapped[date | None] = mapped_column(sa.Date)
    out_of_service_until: Mapped[date | None] = mapped_column(sa.Date)

    room: Mapped[Room] = relationship(back_populates="beds")

    @property
    def is_out_of_service(self) -> bool:
        return self.out_of_service_reason is not None
