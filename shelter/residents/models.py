from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted, nik_hash
from shelter.extensions import db


class Sex(enum.StrEnum):
    FEMALE = "female"
    MALE = "male"


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


# The 15 categories of children needing special protection (AMPK, UU 35/2014 Pasal 59 ayat 2),
# then the adult categories and the PPKS street categories.
PROTECTION_CATEGORIES = (
    "ampk_emergency", "ampk_conflict_with_law", "ampk_minority_isolated", "ampk_economic_sexual_exploitation",
    "ampk_drug_victim", "ampk_pornography_victim", "ampk_hiv_aids", "ampk_abduction_trafficking",
    "ampk_physical_psychological_violence", "ampk_sexual_crime_victim", "ampk_terrorism_network",
    "ampk_disability", "ampk_abuse_neglect", "ampk_deviant_social_behaviour", "ampk_parental_stigma",
    "adult_domestic_violence", "adult_trafficking", "adult_sexual_violence",
    "ppks_homeless", "ppks_beggar", "ppks_street_child", "ppks_neglected_elderly", "ppks_other",
)


class Resident(db.Model):
    """A person sheltered (or once sheltered). Name, NIK and contacts never leave this table's pages."""

    __tablename__ = "residents"
    __table_args__ = (
        sa.CheckConstraint("sex IN ('female', 'male')", name="sex_allowed"),
        sa.CheckConstraint("risk_level IN ('low', 'medium', 'high')", name="risk_level_allowed"),
        sa.CheckConstraint("birth_date IS NOT NULL OR estimated_age IS NOT NULL", name="age_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    alias: Mapped[str | None] = mapped_column(sa.String(60))
    sex: Mapped[str] = mapped_column(sa.String(8))
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    estimated_age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # Encrypted (shelter/encryption.py); found by its keyed hash beside it (duplicate detection, search).
    nik: Mapped[str | None] = mapped_column(Encrypted("residents.nik", hash_column="nik_hash"))
    nik_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    kota_of_origin: Mapped[str | None] = mapped_column(sa.String(60))
    risk_level: Mapped[str] = mapped_column(sa.String(8), default=RiskLevel.LOW)
    disabilities: Mapped[str] = mapped_column(sa.Text, default="")
    # A child who came with their mother is linked to her and placed with her.
    guardian_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id", ondelete="SET NULL"), index=True)
    registered_facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    guardian: Mapped["Resident | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Resident"]] = relationship(back_populates="guardian")
    category_rows: Mapped[list["ResidentCategory"]] = relationship(cascade="all, delete-orphan")
    family_contacts: Mapped[list["FamilyContact"]] = relationship(cascade="all, delete-orphan")
    no_contact_persons: Mapped[list["NoContactPerson"]] = relationship(cascade="all, delete-orphan")

    @validates("nik")
    def _hash_nik(self, key, value):
        self.nik_hash = nik_hash(value)
        return value

    def __repr__(self) -> str:  # ids only: a repr can end up in a log line
        return f"<Resident {self.id}>"


class ResidentCategory(db.Model):
    __tablename__ = "resident_categories"
    __table_args__ = (
        sa.CheckConstraint(
            "category IN (" + ", ".join(f"'{c}'" for c in PROTECTION_CATEGORIES) + ")",
            name="category_allowed",
        ),
    )

    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(48), primary_key=True)


class FamilyContact(db.Model):
    __tablename__ = "family_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    relationship_to_resident: Mapped[str] = mapped_column(sa.String(60), default="")
    phone: Mapped[str | None] = mapped_column(Encrypted("family_contacts.phone"))
    address: Mapped[str] = mapped_column(Encrypted("family_contacts.address"), default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")


class NoContactPerson(db.Model):
    __tablename__ = "no_contact_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    relationship_to_resident: Mapped[str] = mapped_column(sa.String(60), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
