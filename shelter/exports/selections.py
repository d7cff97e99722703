"""What each export writes: the rows of a list page, built from the same scoped query that page uses
(residents index, follow-ups index, a programme's attendance, referrals index, and the lists behind a
report's counts), with the columns of a file.

Filters come from a form (the list's current filters): only the keys a list knows are kept, and only
ids, codes and dates (a name searched for is never part of an export's filter). A value that is not one
of the list's choices, or a facility or programme outside the user's scope, raises ``NotFound`` (the
view's 404, identical to a missing page). Names and NIK are separate columns (``personal``), written only
when ``access.may_export_personal`` agrees.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from shelter import access
from shelter.extensions import db
from shelter.facilities.models import Facility
from shelter.followups import labels as followup_labels
from shelter.followups.models import FollowUp
from shelter.followups.queries import Filters as FollowUpFilters, followups_query
from shelter.localtime import local_today
from shelter.programmes.models import Attendance, Enrollment, Programme, ProgrammeSession
from shelter.referrals.models import Partner, Referral
from shelter.referrals.queries import ReferralFilters, referrals_query
from shelter.reports import lists as report_lists, scopes
from shelter.reports.figures import report_context
from shelter.residents.models import Resident
from shelter.residents.queries import ResidentFilters, residents_query
from shelter.stays.models import Stay

KINDS = ("residents", "stays", "followups", "attendance", "referrals")
# The generic name of a downloaded file (never a person's or a facility's name).
FILE_STEMS = {"residents": "penghuni", "stays": "masa-tinggal", "followups": "tindak-lanjut",
              "attendance": "kehadiran", "referrals": "rujukan"}
REPORT_KEYS = ("figure", "month", "start", "end", "facility", "kota", "day", "span_start", "span_end", "value",
               "group")
MAX_VALUE = 40


class NotFound(Exception):
    """A list the user may not open, or a filter that is not one of its choices."""


@dataclass(frozen=True)
class Selection:
    base: sa.Select                       # the rows, scoped and filtered
    columns: tuple[tuple[str, object], ...]   # (header, column) without personal data
    personal: tuple[tuple[str, object], ...]  # names and NIK
    order: tuple
    facility_ids: set[int] | None         # whose people the rows are (None: the network's referrals)
    filters: dict[str, str]               # ids, codes and dates: stored with the job and audited

    def statement(self, include_personal: bool) -> sa.Select:
        chosen = self.columns + (self.personal if include_personal else ())
        return self.base.with_only_columns(*(c for _h, c in chosen)).order_by(None).order_by(*self.order)

    def headers(self, include_personal: bool) -> list[str]:
        return [h for h, _c in self.columns + (self.personal if include_personal else ())]

    def count(self) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.base.order_by(None).subquery())) or 0


def _kept(args, keys) -> dict[str, str]:
    kept = {}
    for key in keys:
        value = str(args.get(key) or "").strip()
        if len(value) > MAX_VALUE:
            raise NotFound
        if value:
            kept[key] = value
    return kept


def _choice(value: str | None, allowed) -> str:
    if value and value not in allowed:
        raise NotFound
    return value or ""


def _facility(user, value: str | None) -> int | None:
    """A facility filter: one the user sees, else NotFound."""
    if not value:
        return None
    if not value.isdigit() or not access.sees_episode(user, int(value)) or not 0 < int(value) <= access.MAX_ID:
        raise NotFound
    return int(value)


def _own(user, facility_id: int | None) -> set[int] | None:
    if facility_id is not None:
        return {facility_id}
    ids = access.visible_facility_ids(user)
    return None if ids is None else set(ids)


PERSON = (("nama", Resident.full_name), ("nik", Resident.nik))


def residents(user, args) -> Selection:
    filters = _kept(args, ("facility", "status"))
    facility_id = _facility(user, filters.get("facility"))
    status = _choice(filters.get("status"), ("staying", "discharged", "never"))
    base = (residents_query(user, ResidentFilters(facility_id=facility_id, status=status))
            .outerjoin(Facility, Facility.id == Resident.registered_facility_id))
    columns = (("id_penghuni", Resident.id), ("fasilitas_pendaftaran", Facility.name), ("jenis_kelamin", Resident.sex),
               ("tanggal_lahir", Resident.birth_date), ("perkiraan_umur", Resident.estimated_age),
               ("kota_asal", Resident.kota_of_origin), ("terdaftar_pada", Resident.registered_at))
    return Selection(base, columns, PERSON, (Resident.id,), _own(user, facility_id), filters)


def followups(user, args) -> Selection:
    filters = _kept(args, ("facility", "status", "outcome", "caseworker", "flagged"))
    facility_id = _facility(user, filters.get("facility"))
    caseworker = filters.get("caseworker")
    if caseworker and caseworker != "none" and not (caseworker.isdigit() and len(caseworker) <= 9):
        raise NotFound
    chosen = FollowUpFilters(facility_id=facility_id,
                             status=_choice(filters.get("status"), ("open", "overdue", "done", "missed")) or None,
                             outcome=_choice(filters.get("outcome"), followup_labels.OUTCOMES) or None,
                             caseworker=caseworker or None,
                             flagged=_choice(filters.get("flagged"), ("waiting", "all")) or None)
    base = (followups_query(user, chosen, local_today()).join(Resident, Resident.id == FollowUp.resident_id)
            .join(Facility, Facility.id == FollowUp.facility_id))
    columns = (("id_tindak_lanjut", FollowUp.id), ("id_masa_tinggal", FollowUp.stay_id),
               ("id_penghuni", FollowUp.resident_id), ("fasilitas", Facility.name), ("jatuh_tempo", FollowUp.due_on),
               ("status", FollowUp.status), ("selesai_pada", FollowUp.done_on), ("cara", FollowUp.method),
               ("hasil", FollowUp.outcome))
    return Selection(base, columns, PERSON, (FollowUp.due_on, FollowUp.id), _own(user, facility_id), filters)


def attendance(user, args) -> Selection:
    filters = _kept(args, ("programme",))
    value = filters.get("programme", "")
    if not value.isdigit() or not 0 < int(value) <= access.MAX_ID:
        raise NotFound
    programme = db.session.get(Programme, int(value))
    if programme is None or not access.sees_episode(user, programme.facility_id):
        raise NotFound
    base = (sa.select(Attendance.id).join(ProgrammeSession, ProgrammeSession.id == Attendance.session_id)
            .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
            .join(Resident, Resident.id == Enrollment.resident_id)
            .where(ProgrammeSession.programme_id == programme.id))
    columns = (("id_program", ProgrammeSession.programme_id), ("tanggal_sesi", ProgrammeSession.session_date),
               ("id_pendaftaran", Enrollment.id), ("id_penghuni", Enrollment.resident_id),
               ("kehadiran", Attendance.status), ("status_pendaftaran", Enrollment.status))
    return Selection(base, columns, PERSON, (ProgrammeSession.session_date, Enrollment.id, Attendance.id),
                     {programme.facility_id}, filters)


REFERRAL_PERSON = (("nama", Referral.person_name), ("nik", Referral.person_nik))


def referrals(user, args) -> Selection:
    if not access.manages_referrals(user):
        raise NotFound
    filters = _kept(args, ("view", "urgency", "partner", "mine"))
    chosen = ReferralFilters.from_args(filters)
    base = referrals_query(user, chosen).join(Partner, Partner.id == Referral.partner_id)
    columns = (("id_rujukan", Referral.id), ("jenis_mitra", Partner.kind), ("diterima_pada", Referral.received_at),
               ("urgensi", Referral.urgency), ("status", Referral.status), ("jenis_kelamin", Referral.sex),
               ("umur", Referral.age), ("id_penghuni", Referral.resident_id))
    return Selection(base, columns, REFERRAL_PERSON, (Referral.received_at, Referral.id), None, filters)


REPORT_COLUMNS = {
    "stays": (("id_masa_tinggal", Stay.id), ("id_penghuni", Stay.resident_id), ("fasilitas", Facility.name),
              ("masuk_pada", Stay.admitted_at), ("keluar_pada", Stay.discharged_at),
              ("hasil_keluar", Stay.discharge_outcome), ("melebihi_kapasitas", Stay.over_capacity)),
    "residents": (("id_penghuni", Resident.id), ("jenis_kelamin", Resident.sex), ("tanggal_lahir", Resident.birth_date),
                  ("perkiraan_umur", Resident.estimated_age), ("kota_asal", Resident.kota_of_origin)),
    "followups": (("id_tindak_lanjut", FollowUp.id), ("id_masa_tinggal", FollowUp.stay_id),
                  ("id_penghuni", FollowUp.resident_id), ("fasilitas", Facility.name),
                  ("jatuh_tempo", FollowUp.due_on), ("status", FollowUp.status), ("selesai_pada", FollowUp.done_on)),
    "referrals": (("id_rujukan", Referral.id), ("jenis_mitra", Partner.kind), ("diterima_pada", Referral.received_at),
                  ("status", Referral.status), ("urgensi", Referral.urgency)),
}


def report_list(user, kind: str, args) -> Selection:
    """The list behind a report's count (``reports.lists``), with the report's own scope rule."""
    filters = _kept(args, REPORT_KEYS)
    try:
        scope = scopes.parse_scope(filters)
        period = scopes.parse_period(filters)
    except scopes.BadReportRequest:
        raise NotFound from None
    if scopes.find_report_scope(user, scope) is None:
        raise NotFound
    ctx = report_context(user, scope, period)
    found = report_lists.list_query(user, ctx, kind, filters.get("figure", ""), filters)
    if found is None:
        raise NotFound
    base, _page_columns, order = found
    personal = REFERRAL_PERSON if kind == "referrals" else PERSON
    owners = None if kind == "referrals" else _own(user, scope.facility_id)
    return Selection(base, REPORT_COLUMNS[kind], personal, order, owners, filters)


def selection(user, kind: str, args) -> Selection:
    """The rows of an export of ``kind`` with these filters; NotFound for anything unknown or out of scope."""
    if kind not in KINDS:
        raise NotFound
    if args.get("figure") and kind in REPORT_COLUMNS:
        return report_list(user, kind, args)
    if kind == "stays":  # stays are exported from a report's list only
        raise NotFound
    return {"residents": residents, "followups": followups, "attendance": attendance,
            "referrals": referrals}[kind](user, args)
