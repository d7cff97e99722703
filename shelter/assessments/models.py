"""Assessments (asesmen) of a stay, and case notes with the history of their edits.

An assessment records, per domain, what the pekerja sosial found, an overall risk level and a
recommendation. A stay may have several (the initial one, then later ones); the first is due a
configurable number of days after admission.

Case notes are dated, typed and written by one author. The author may edit a note for 24 hours;
every edit first copies the note as it was into ``case_note_revisions`` (append-only: nothing
updates or deletes a revision), so the earlier text stays readable. After 24 hours a note is
closed: a correction is a new note that may point at the one it corrects (``corrects_id``).
The length limits are checked by the forms and the API, and again by the database.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted
from shelter.extensions import db
from shelter.residents.models import RiskLevel

FINDING_MAX = 2000
NOTE_MAX = 4000


class Domain(enum.StrEnum):
    SAFETY = "safety"
    PHYSICAL_HEALTH = "physical_health"
    MENTAL_HEALTH = "mental_health"
    LEGAL = "legal"
    EDUCATION = "education"
    FAMILY = "family"
    ECONOMIC = "economic"


DOMAINS = tuple(d.value for d in Domain)


class Recommendation(enum.StrEnum):
    REHABILITATION = "rehabilitation"   # rehabilitation in this facility
    REUNIFICATION = "reunification"     # back to the family
    REFERRAL = "referral"               # referral to another service or facility


class NoteKind(enum.StrEnum):
    VISIT = "visit"
    COUNSELLING = "counselling"
    MEDICAL = "medical"
    LEGAL = "legal"
    OTHER = "other"


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _short(column: str, limit: int) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"length({column}) <= {limit}", name=f"{column}_length")


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        sa.CheckConstraint(_in("risk_level", (r.value for r in RiskLevel)), name="risk_level_allowed"),
        sa.CheckConstraint(_in("recommendation", (r.value for r in Recommendation)), name="recommendation_allowed"),
        *(_short(domain, FINDING_MAX) for domain in DOMAINS),
        sa.Index("ix_assessments_stay_date", "stay_id", "assessed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"))
    assessed_on: Mapped[date] = mapped_column(sa.Date)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    risk_level: Mapped[str] = mapped_column(sa.String(8))
    recommendation: Mapped[str] = mapped_column(sa.String(16))
    # One finding per domain ("" when the domain was not looked at).
    safety: Mapped[str] = mapped_column(sa.Text, default="")
    physical_health: Mapped[str] = mapped_column(sa.Text, default="")
    mental_health: Mapped[str] = mapped_column(sa.Text, default="")
    legal: Mapped[str] = mapped_column(sa.Text, default="")
    education: Mapped[str] = mapped_column(sa.Text, default="")
    family: Mapped[str] = mapped_column(sa.Text, default="")
    economic: Mapped[str] = mapped_column(sa.Text, default="")

    author = relationship("User", lazy="joined")

    def findings(self) -> dict[str, str]:
        return {domain: getattr(self, domain) for domain in DOMAINS}

    def __repr__(self) -> str:
        return f"<Assessment {self.id}>"


class CaseNote(db.Model):
    __tablename__ = "case_notes"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", (k.value for k in NoteKind)), name="kind_allowed"),
        # The body is stored encrypted, so its length is checked by the service (NOTE_MAX), not here.
        sa.Index("ix_case_notes_stay_newest", "stay_id", "noted_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"))
    noted_on: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(Encrypted("case_notes.body"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A correction points at the note it corrects (same stay).
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_notes.id", ondelete="RESTRICT"))

    author = relationship("User", lazy="joined")
    revisions: Mapped[list["CaseNoteRevision"]] = relationship(
        order_by="CaseNoteRevision.id", back_populates="note")

    def __repr__(self) -> str:
        return f"<CaseNote {self.id}>"


class CaseNoteRevision(db.Model):
    """A note as it was before one edit. Only ever inserted."""

    __tablename__ = "case_note_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(sa.ForeignKey("case_notes.id", ondelete="RESTRICT"), index=True)
    noted_on: Mapped[date] = mapped_column(sa.Date)
    kind: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(Encrypted("case_note_revisions.body"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)   # when this text was saved
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when the edit replaced it
    replaced_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    note: Mapped[CaseNote] = relationship(back_populates="revisions")
