"""Invented demo data of this feature, loaded by ``flask demo load`` after the residents.

The demo caseworker becomes responsible for four of the demo panti's open stays (where nobody is yet).
Two of them were admitted weeks ago (moved back in time here) and have an assessment and a few case
notes; one was admitted ten days ago and still has none, so its assessment shows as overdue on the
worklists; the fourth was admitted today and its first assessment is simply due. All text is invented.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shelter.auth.models import Role
from shelter.extensions import db

# (days since admission, assessment or None, notes: (days after admission, kind, text))
STORIES = [
    (20, dict(risk_level="medium", recommendation="reunification", findings={
        "safety": "Aman di panti; pelaku (suami) tidak mengetahui lokasi. (demo)",
        "physical_health": "Memar lama di lengan, sudah diperiksa puskesmas. (demo)",
        "mental_health": "Sulit tidur, cemas saat membicarakan rumah. (demo)",
        "legal": "Bersedia melapor; perlu pendampingan hukum. (demo)",
        "family": "Ibu kandung di Bekasi bersedia menerima. (demo)",
        "economic": "Pernah bekerja sebagai penjahit. (demo)",
     }), [(1, "visit", "Kunjungan awal, penghuni tenang dan kooperatif. (demo)"),
          (4, "counselling", "Sesi konseling pertama: membangun rasa aman. (demo)"),
          (9, "legal", "Pendampingan ke unit PPA untuk konsultasi laporan. (demo)")]),
    (12, dict(risk_level="high", recommendation="referral", findings={
        "safety": "Risiko tinggi dicari jaringan perekrut. (demo)",
        "mental_health": "Gejala trauma; dirujuk ke psikolog. (demo)",
        "legal": "Kasus TPPO dalam penyidikan. (demo)",
        "economic": "Tidak punya penghasilan maupun dokumen kerja. (demo)",
     }), [(2, "medical", "Pemeriksaan kesehatan umum, hasil baik. (demo)"),
          (6, "counselling", "Konseling kedua; mulai bercerita tentang keluarga. (demo)")]),
    (10, None, [(3, "visit", "Kunjungan rutin; asesmen dijadwalkan ulang. (demo)")]),
    (0, None, []),
]


def load(facilities: dict, users: dict) -> None:
    """``facilities``: code → Facility; ``users``: Role → the demo User of that role."""
    from shelter.assessments import service
    from shelter.stays import service as stays
    from shelter.stays.models import Stay

    panti = facilities.get("PSBK-DEMO")
    caseworker = users.get(Role.CASEWORKER)
    if panti is None or caseworker is None:
        return
    open_stays = list(db.session.scalars(
        sa.select(Stay).where(Stay.facility_id == panti.id, Stay.discharged_at.is_(None),
                              Stay.caseworker_id.is_(None)).order_by(Stay.id).limit(len(STORIES))))
    today = service.today()
    for stay, (days_ago, assessment, notes) in zip(open_stays, STORIES):
        if days_ago:
            stay.admitted_at -= timedelta(days=days_ago)
            for assignment in stay.assignments:
                assignment.started_at = stay.admitted_at
            db.session.flush()
        stays.assign_caseworker(stay, caseworker, by=caseworker)
        admitted_on = service.local_date(stay.admitted_at)
        if assessment is not None:
            service.record_assessment(stay, service.AssessmentInput(
                assessed_on=min(admitted_on + timedelta(days=3), today), **assessment), by=caseworker)
        for after, kind, text in notes:
            service.add_note(stay, service.NoteInput(noted_on=min(admitted_on + timedelta(days=after), today),
                                                     kind=kind, body=text), by=caseworker)
