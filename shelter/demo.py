"""Invented demo data: one panti with four wings (~120 beds) and a few residents in it, and two
Rumah Aman (12 beds each).

Every name, address and phone number here is made up; phones are in the +62 8xx-555 range.
"""

from __future__ import annotations

import secrets
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from shelter.auth import service as auth
from shelter.auth.models import Role
from shelter.extensions import db
from shelter.facilities.models import Bed, Facility, Room


class DemoAlreadyLoaded(Exception):
    pass


PANTI_WINGS = [
    # (wing, sex, age group, rooms, beds per room, cribs)
    ("Wisma Melati", "female", "adult", 5, 6, False),
    ("Wisma Anggrek", "female", "child", 5, 6, False),
    ("Wisma Cendana", "male", "child", 4, 6, False),
    ("Wisma Kenanga", "mixed_family", "mother_with_children", 6, 6, True),
]

SAFE_HOUSES = [
    ("RA-MERPATI", "Rumah Aman Merpati", "jakarta_timur", "Jl. Contoh Fiktif No. 7, Jakarta Timur", "+628125550101"),
    ("RA-KENARI", "Rumah Aman Kenari", "jakarta_selatan", "Jl. Rekaan Raya No. 21, Jakarta Selatan", "+628125550102"),
]

DEMO_USERS = [
    (Role.ADMIN, "admin@demo.shelter.test", "Ratna Kusumawati (demo)", []),
    (Role.FACILITY_MANAGER, "manajer@demo.shelter.test", "Hendra Wijayakusuma (demo)", ["PSBK-DEMO"]),
    (Role.INTAKE_STAFF, "petugas@demo.shelter.test", "Yuliana Pratiwi (demo)", ["PSBK-DEMO"]),
    (Role.CASE_MANAGER, "manajer.kasus@demo.shelter.test", "Bambang Sutrisno (demo)", ["PSBK-DEMO", "RA-MERPATI"]),
    (Role.CASEWORKER, "peksos@demo.shelter.test", "Wulan Ramadhani (demo)", ["PSBK-DEMO"]),
]


def _room(facility: Facility, name: str, sex: str, age_group: str, beds: int, *, cribs: bool,
          accessible: int = 0) -> Room:
    room = Room(facility=facility, name=name, sex=sex, age_group=age_group)
    for number in range(1, beds + 1):
        room.beds.append(Bed(label=f"{number:02d}", has_crib=cribs and number % 2 == 0,
                             wheelchair_accessible=number <= accessible))
    return room


def build_facilities() -> list[Facility]:
    panti = Facility(code="PSBK-DEMO", name="Panti Sosial Bina Kasih (demo)", kind="panti",
                     kota="jakarta_barat", address="Jl. Teladan Fiktif No. 3, Jakarta Barat",
                     phone="+628125550100")
    for wing, sex, age_group, rooms, beds, cribs in PANTI_WINGS:
        for number in range(1, rooms + 1):
            _room(panti, f"{wing} {number}", sex, age_group, beds, cribs=cribs,
                  accessible=1 if number == 1 else 0)
    out_of_service = panti.rooms[0].beds[-1]
    out_of_service.out_of_service_reason = "Kasur rusak, menunggu penggantian"
    out_of_service.out_of_service_since = date(2026, 11, 1)
    facilities = [panti]
    for code, name, kota, address, phone in SAFE_HOUSES:
        house = Facility(code=code, name=name, kind="rumah_aman", kota=kota, address=address, phone=phone)
        _room(house, "Kamar Ibu dan Anak", "mixed_family", "mother_with_children", 6, cribs=True, accessible=1)
        _room(house, "Kamar Perempuan", "female", "adult", 4, cribs=False)
        _room(house, "Kamar Anak Perempuan", "female", "child", 2, cribs=False)
        facilities.append(house)
    return facilities


DEMO_RESIDENTS = [
    # (name, sex, age, room name, categories, risk) — all invented
    ("Ayu Kartika (demo)", "female", 31, "Wisma Melati 1", ["adult_domestic_violence"], "medium"),
    ("Maya Puspitasari (demo)", "female", 24, "Wisma Melati 1", ["adult_trafficking"], "high"),
    ("Nur Halimah (demo)", "female", 45, "Wisma Melati 2", ["ppks_homeless"], "low"),
    ("Putri Anjani (demo)", "female", 14, "Wisma Anggrek 1", ["ampk_sexual_crime_victim"], "high"),
    ("Dinda Safitri (demo)", "female", 11, "Wisma Anggrek 1", ["ampk_abuse_neglect"], "medium"),
    ("Rizky Pratama (demo)", "male", 12, "Wisma Cendana 1", ["ppks_street_child"], "low"),
    ("Fajar Nugroho (demo)", "male", 15, "Wisma Cendana 1", ["ampk_economic_sexual_exploitation"], "medium"),
    ("Lestari Wahyuningsih (demo)", "female", 29, "Wisma Kenanga 1", ["adult_domestic_violence"], "high"),
]


def _admit_demo_residents(panti: Facility, by) -> None:
    """A few invented residents in the panti, admitted through the real service, so the board is alive."""
    from shelter.residents import service as residents
    from shelter.residents.service import ResidentInput
    from shelter.stays import service as stays

    rooms = {room.name: room for room in panti.rooms}
    used: set[int] = set()
    for name, sex, age, room_name, categories, risk in DEMO_RESIDENTS:
        resident = residents.register(
            ResidentInput(full_name=name, sex=sex, estimated_age=age, risk_level=risk, categories=categories,
                          kota_of_origin="Jakarta Utara"),
            facility_id=panti.id, by=by)
        bed = next(b for b in rooms[room_name].beds if b.id not in used and not b.is_out_of_service)
        used.add(bed.id)
        stays.admit(resident, bed, by=by)
        if name.startswith("Lestari"):  # a mother with her child, placed together
            child = residents.register(
                ResidentInput(full_name="Bima (demo)", sex="male", estimated_age=4, guardian_id=resident.id),
                facility_id=panti.id, by=by)
            child_bed = next(b for b in rooms[room_name].beds if b.id not in used)
            used.add(child_bed.id)
            stays.admit(child, child_bed, by=by)


def _load_features(facilities: dict, users: dict) -> None:
    """Each feature's invented demo data (programmes, plans, follow-ups, alert rules, …)."""
    from shelter.alerts import demo as alerts
    from shelter.assessments import demo as assessments
    from shelter.followups import demo as followups
    from shelter.plans import demo as plans
    from shelter.programmes import demo as programmes
    from shelter.referrals import demo_partners

    for feature in (alerts, assessments, plans, programmes, followups, demo_partners):
        feature.load(facilities, users)
        db.session.flush()


def load() -> list[tuple[str, str, str]]:
    """Create the demo data in one transaction; returns (role, email, password) per demo account."""
    if db.session.scalar(sa.select(Facility.id).where(Facility.code == "PSBK-DEMO")):
        raise DemoAlreadyLoaded()
    facilities = build_facilities()
    db.session.add_all(facilities)
    db.session.flush()
    credentials = []
    users = {}
    for role, email, name, codes in DEMO_USERS:
        password = secrets.token_urlsafe(12)
        users[role] = auth.create_user(email=email, full_name=name, password=password, roles=[role],
                                       facilities=auth.facilities_by_code(codes), must_change_password=False)
        credentials.append((role.value, email, password))
    _admit_demo_residents(facilities[0], users[Role.INTAKE_STAFF])
    _load_features({f.code: f for f in facilities}, users)
    # The rooms and beds above were built as objects, not through the facilities service: write their
    # stored availability counts (shelter.availability) in this transaction too.
    from shelter.availability import store

    store.fill_all()
    db.session.commit()
    return credentials


def write_credentials(credentials) -> Path:
    path = Path(current_app.instance_path) / "demo-credentials.txt"
    path.write_text("".join(f"{role} {email} {password}\n" for role, email, password in credentials))
    path.chmod(0o600)
    return path
