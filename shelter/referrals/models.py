"""Referral partners, incoming referrals with their offers and waitlist, and outgoing referrals.

A referral describes a person's *needs* before anyone knows their name: sex, age, children coming
along, wheelchair, pregnancy, risk and protection categories. It is offered to a facility with bed
holds (``stays.BedHold``, linked here, never the other way round) and a deadline; the facility
accepts (the holds become stays) or declines with a reason. When nothing fits it waits on the
waitlist. Every step is a ``ReferralEvent``: the history, and the times reports need.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from shelter.db import UTCDateTime, utcnow
from shelter.encryption import Encrypted, nik_hash
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.residents.models import PROTECTION_CATEGORIES


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class PartnerKind(enum.StrEnum):
    POLICE_PPA = "police_ppa"
    UPTD_PPA = "uptd_ppa"
    PUSPA = "puspa"
    HOSPITAL = "hospital"
    OUTREACH = "outreach"
    PANTI = "panti"
    LEGAL_AID = "legal_aid"
    DINAS_SOSIAL = "dinas_sosial"
    PSYCHOLOGIST = "psychologist"
    OTHER = "other"


class Urgency(enum.StrEnum):
    EMERGENCY = "emergency"      # tonight
    DAYS = "days"                # within days
    PLANNED = "planned"


URGENCY_ORDER = {Urgency.EMERGENCY.value: 0, Urgency.DAYS.value: 1, Urgency.PLANNED.value: 2}


# Age bands (the Dinas's reporting bands), for a person whose age is not known: code -> (youngest, oldest).
AGE_BANDS = {"0-5": (0, 5), "6-12": (6, 12), "13-17": (13, 17), "18-59": (18, 59), "60+": (60, 120)}


class ReferralStatus(enum.StrEnum):
    RECEIVED = "received"        # with the case manager: to be offered (again), waitlisted or closed
    OFFERED = "offered"          # at least one offer awaits a facility's answer
    WAITLISTED = "waitlisted"
    PLACED = "placed"            # admitted through an accepted offer
    CLOSED = "closed"            # with an outcome other than placed


OPEN_STATUSES = (ReferralStatus.RECEIVED.value, ReferralStatus.OFFERED.value, ReferralStatus.WAITLISTED.value)


class ReferralOutcome(enum.StrEnum):
    PLACED = "placed"
    PLACED_ELSEWHERE = "placed_elsewhere"
    NO_LONGER_NEEDED = "no_longer_needed"
    UNREACHABLE = "unreachable"
    WITHDRAWN = "withdrawn"


class ConsentBy(enum.StrEnum):
    PERSON = "person"            # the person themself (an adult)
    GUARDIAN = "guardian"        # a child's parent or guardian
    PPA_OFFICER = "ppa_officer"  # the police PPA officer, for a child without a guardian at hand
    SOCIAL_WORKER = "social_worker"


class ConsentMethod(enum.StrEnum):
    WRITTEN = "written"
    VERBAL = "verbal"
    PHONE = "phone"


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"          # its holds ran out before anyone answered
    WITHDRAWN = "withdrawn"      # the case manager took it back, or the referral was closed
    SUPERSEDED = "superseded"    # another facility accepted first


class DeclineReason(enum.StrEnum):
    NO_SUITABLE_BED = "no_suitable_bed"
    NEEDS_MEDICAL_CARE = "needs_medical_care"
    SAFETY_CONFLICT = "safety_conflict"
    OUTSIDE_MANDATE = "outside_mandate"
    OTHER = "other"


class OutgoingStatus(enum.StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    APPOINTMENT = "appointment"
    DONE = "done"
    DECLINED = "declined"


OUTGOING_OPEN = (OutgoingStatus.SENT.value, OutgoingStatus.ACCEPTED.value, OutgoingStatus.APPOINTMENT.value)


class ServiceKind(enum.StrEnum):
    HOSPITAL = "hospital"
    PSYCHOLOGIST = "psychologist"
    LEGAL_AID = "legal_aid"
    POLICE = "police"
    PANTI = "panti"
    OTHER = "other"


class Partner(db.Model):
    """An organisation that refers people in or receives them for a service. Kept by admins."""

    __tablename__ = "partners"
    __table_args__ = (sa.CheckConstraint(_in("kind", [k.value for k in PartnerKind]), name="kind_allowed"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    kota: Mapped[str | None] = mapped_column(sa.String(32))
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_phone: Mapped[str | None] = mapped_column(sa.String(20))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Partner {self.id}>"


class PartnerToken(db.Model):
    """A bearer token for a partner's own system: it creates and reads that partner's referrals only.
    Only the SHA-256 of the token is kept."""

    __tablename__ = "partner_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner] = relationship(lazy="joined")


class Referral(db.Model):
    """An incoming referral: who refers, when, how urgent, what the person needs, the consent given."""

    __tablename__ = "referrals"
    __table_args__ = (
        sa.CheckConstraint(_in("urgency", [u.value for u in Urgency]), name="urgency_allowed"),
        sa.CheckConstraint(_in("status", [s.value for s in ReferralStatus]), name="status_allowed"),
        sa.CheckConstraint("outcome IS NULL OR " + _in("outcome", [o.value for o in ReferralOutcome]),
                           name="outcome_allowed"),
        sa.CheckConstraint("(status IN ('placed', 'closed')) = (outcome IS NOT NULL)", name="outcome_when_done"),
        sa.CheckConstraint("sex IN ('female', 'male')", name="sex_allowed"),
        sa.CheckConstraint("age IS NULL OR age BETWEEN 0 AND 120", name="age_range"),
        sa.CheckConstraint("age_band IS NULL OR " + _in("age_band", AGE_BANDS), name="age_band_allowed"),
        sa.CheckConstraint("age IS NOT NULL OR age_band IS NOT NULL", name="age_known"),
        sa.CheckConstraint(_in("consent_by", [c.value for c in ConsentBy]), name="consent_by_allowed"),
        sa.CheckConstraint(_in("consent_method", [c.value for c in ConsentMethod]), name="consent_method_allowed"),
        sa.CheckConstraint("(status = 'waitlisted') = (waitlisted_at IS NOT NULL)", name="waitlisted_since"),
        sa.Index("ix_referrals_open_by_status", "status", "id",
                 sqlite_where=sa.text("status IN ('received', 'offered', 'waitlisted')"),
                 postgresql_where=sa.text("status IN ('received', 'offered', 'waitlisted')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True)
    partner_reference: Mapped[str] = mapped_column(sa.String(60), default="")
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)             # when the partner referred
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # when Shelter recorded it
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    via_api: Mapped[bool] = mapped_column(default=False)
    # The case manager who handles it; None: in the shared queue for any case manager to take.
    case_manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    urgency: Mapped[str] = mapped_column(sa.String(16))
    # The person's needs: no name required.
    sex: Mapped[str] = mapped_column(sa.String(8))
    age: Mapped[int | None] = mapped_column(sa.SmallInteger)
    age_band: Mapped[str | None] = mapped_column(sa.String(8))   # when the age is not known: AGE_BANDS
    wheelchair: Mapped[bool] = mapped_column(default=False)
    pregnant: Mapped[bool] = mapped_column(default=False)
    high_risk: Mapped[bool] = mapped_column(default=False)
    # Consent: who gave it and how.
    consent_by: Mapped[str] = mapped_column(sa.String(16))
    consent_method: Mapped[str] = mapped_column(sa.String(16))
    consent_note: Mapped[str] = mapped_column(sa.String(200), default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # The referring officer, whom the receiving facility calls (a safe house included).
    officer_name: Mapped[str] = mapped_column(sa.String(120), default="")
    officer_phone: Mapped[str | None] = mapped_column(sa.String(20))
    # Optional until admission.
    person_name: Mapped[str | None] = mapped_column(sa.String(120))
    person_nik: Mapped[str | None] = mapped_column(Encrypted("referrals.person_nik", hash_column="person_nik_hash"))
    person_nik_hash: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    resident_id: Mapped[int | None] = mapped_column(sa.ForeignKey("residents.id", ondelete="SET NULL"), index=True)

    status: Mapped[str] = mapped_column(sa.String(16), default=ReferralStatus.RECEIVED.value)
    outcome: Mapped[str | None] = mapped_column(sa.String(24))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Response times for reporting.
    first_offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)   # the accepting decision
    admitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    placed_facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"))
    # The waitlist: since when, a case manager's adjustment (+ up, − down), and the bed that fits now.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    priority_adjustment: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    matched_facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id", ondelete="SET NULL"))
    matched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(sa.Integer, default=1)

    partner: Mapped[Partner] = relationship(lazy="joined")
    children: Mapped[list["ReferralChild"]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralChild.position", lazy="selectin")
    category_rows: Mapped[list["ReferralCategory"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    offers: Mapped[list["Offer"]] = relationship(back_populates="referral", order_by="Offer.id")
    placed_facility: Mapped[Facility | None] = relationship(foreign_keys=[placed_facility_id])

    @validates("person_nik")
    def _hash_nik(self, key, value):
        self.person_nik_hash = nik_hash(value)
        return value

    @property
    def categories(self) -> list[str]:
        return sorted(row.category for row in self.category_rows)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def age_for_matching(self) -> int:
        """The age, or the youngest age of the band (a band never straddles 18)."""
        if self.age is not None:
            return self.age
        return AGE_BANDS[self.age_band][0] if self.age_band in AGE_BANDS else 18

    @property
    def is_child(self) -> bool:
        return self.age_for_matching < 18

    def __repr__(self) -> str:
        return f"<Referral {self.id}>"


class ReferralChild(db.Model):
    """A child who comes along with the referred person (needs a bed in the same family room)."""

    __tablename__ = "referral_children"
    __table_args__ = (
        sa.CheckConstraint("age BETWEEN 0 AND 17", name="child_age_range"),
        sa.CheckConstraint("sex IN ('female', 'male')", name="sex_allowed"),
    )

    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    age: Mapped[int] = mapped_column(sa.SmallInteger)
    sex: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str | None] = mapped_column(sa.String(120))


class ReferralCategory(db.Model):
    __tablename__ = "referral_categories"
    __table_args__ = (sa.CheckConstraint(_in("category", PROTECTION_CATEGORIES), name="category_allowed"),)

    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(48), primary_key=True)


class Offer(db.Model):
    """A referral offered to one facility, with its beds held until an answer (or the holds' end).
    At most one accepted offer per referral (DB index): two facilities accepting at once admit once."""

    __tablename__ = "referral_offers"
    __table_args__ = (
        sa.CheckConstraint(_in("status", [s.value for s in OfferStatus]), name="status_allowed"),
        sa.CheckConstraint("decline_reason IS NULL OR " + _in("decline_reason", [r.value for r in DeclineReason]),
                           name="decline_reason_allowed"),
        sa.CheckConstraint("(status = 'declined') = (decline_reason IS NOT NULL)", name="reason_when_declined"),
        sa.CheckConstraint("respond_by > offered_at", name="deadline_after_offer"),
        sa.Index("uq_referral_offers_one_accepted", "referral_id", unique=True,
                 sqlite_where=sa.text("status = 'accepted'"), postgresql_where=sa.text("status = 'accepted'")),
        sa.Index("uq_referral_offers_one_pending_per_facility", "referral_id", "facility_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_referral_offers_pending_by_facility", "facility_id", "respond_by",
                 sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    offered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=OfferStatus.PENDING.value)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str | None] = mapped_column(sa.String(24))
    decline_note: Mapped[str] = mapped_column(sa.String(500), default="")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[Referral] = relationship(back_populates="offers")
    facility: Mapped[Facility] = relationship()
    hold_links: Mapped[list["OfferHold"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def is_pending(self) -> bool:
        return self.status == OfferStatus.PENDING.value


class OfferHold(db.Model):
    """The bed holds an offer keeps (one per person: the referred person and each child)."""

    __tablename__ = "referral_offer_holds"

    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("referral_offers.id", ondelete="CASCADE"), primary_key=True)
    hold_id: Mapped[int] = mapped_column(sa.ForeignKey("bed_holds.id", ondelete="RESTRICT"), primary_key=True,
                                         unique=True)
    # Who the bed is for: 0 the referred person, 1.. the children in their order.
    person: Mapped[int] = mapped_column(sa.SmallInteger, default=0)

    hold = relationship("BedHold", lazy="joined")


class ReferralEvent(db.Model):
    """One step in a referral's history. ``facility_id``: whose step it is (an offer's facility), so
    the history shows a Rumah Aman's steps only to those who may know of them."""

    __tablename__ = "referral_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(32))
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    by_partner: Mapped[bool] = mapped_column(default=False)
    offer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referral_offers.id", ondelete="SET NULL"))
    facility_id: Mapped[int | None] = mapped_column(sa.ForeignKey("facilities.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(sa.String(32), default="")   # a reason or outcome code
    note: Mapped[str] = mapped_column(sa.String(500), default="")


class OutgoingReferral(db.Model):
    """A resident referred out to a service (hospital, psychologist, legal aid, police, another panti).
    Part of the stay's episode: seen and changed by the stay's facility only."""

    __tablename__ = "outgoing_referrals"
    __table_args__ = (
        sa.CheckConstraint(_in("status", [s.value for s in OutgoingStatus]), name="status_allowed"),
        sa.CheckConstraint(_in("service_kind", [k.value for k in ServiceKind]), name="service_kind_allowed"),
        sa.CheckConstraint("(status IN ('done', 'declined')) = (closed_at IS NOT NULL)", name="closed_when_final"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stay_id: Mapped[int] = mapped_column(sa.ForeignKey("stays.id", ondelete="RESTRICT"), index=True)
    resident_id: Mapped[int] = mapped_column(sa.ForeignKey("residents.id", ondelete="RESTRICT"), index=True)
    facility_id: Mapped[int] = mapped_column(sa.ForeignKey("facilities.id", ondelete="RESTRICT"), index=True)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True)
    service_kind: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(16), default=OutgoingStatus.SENT.value)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    partner: Mapped[Partner | None] = relationship(lazy="joined")
