"""No personal data in cookies (issue 9, finding 4).

Flask keeps flash messages in the session cookie, which is signed but not encrypted: anyone holding the
browser (or a proxy log of it) can base64-decode it. This test walks a resident's whole journey through
the pages a member of staff uses — register at a panti, admit, move to a Rumah Aman, write a case note,
take a place in a full programme's waitlist and move up when someone withdraws, go home to the family,
and a follow-up call — decodes every cookie the server set on the way, and looks for the resident's
name, NIK and the addresses (the safe house's and the family's).
"""

from __future__ import annotations

import base64
import json
import zlib
from datetime import time, timedelta, timezone

import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface

from shelter.db import utcnow
from shelter.extensions import db
from tests.conftest import login

FULL_NAME = "Kinanthi Larasayu Wiraguna"
NIK = "3174055512900007"
WAITING_NAME = "Pramesti Anjani Kusumadewi"
SAFE_HOUSE_ADDRESS = "Jl. Kenari Tersembunyi No. 17"
FAMILY_ADDRESS = "Gang Melati Sembilan RT 04"
STAFF_ROLES = ("intake_staff", "caseworker", "case_manager", "facility_manager")


def _secrets() -> list[str]:
    words = [FULL_NAME, NIK, WAITING_NAME, SAFE_HOUSE_ADDRESS, FAMILY_ADDRESS]
    # Parts of the names too: "Kinanthi moved up" would leak as much as the full name.
    words += [part for name in (FULL_NAME, WAITING_NAME) for part in name.split()]
    return words


class CookieJarWatcher:
    """Every Set-Cookie header of every response, decoded the way an attacker would."""

    def __init__(self, app):
        self.app = app
        self.serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        self.values: list[tuple[str, str]] = []  # (request, decoded cookie text)

    def watch(self, label: str, response):
        for header in response.headers.getlist("Set-Cookie"):
            raw = header.split(";", 1)[0].split("=", 1)[1]
            self.values.append((label, raw))
            self.values.append((label, self.decode(raw)))
        return response

    def decode(self, raw: str) -> str:
        if not raw:
            return ""
        try:  # the session cookie: itsdangerous, maybe zlib-compressed, tagged JSON
            return json.dumps(self.serializer.loads(raw), default=str, ensure_ascii=False)
        except Exception:
            pass
        payload = raw.lstrip(".").split(".")[0]  # any other signed value: base64 before the first dot
        try:
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        except Exception:
            return raw
        try:
            data = zlib.decompress(data)
        except zlib.error:
            pass
        return data.decode("utf-8", "replace")

    def leaks(self) -> list[str]:
        found = []
        for label, text in self.values:
            for secret in _secrets():
                if secret.lower() in text.lower():
                    found.append(f"{label}: {secret!r} in a cookie")
        return found


def _local_minute(moment) -> str:
    return moment.astimezone(timezone(timedelta(hours=7))).strftime("%Y-%m-%dT%H:%M")


def test_no_name_nik_or_address_in_any_cookie_of_a_residents_journey(app, client, make_facility, make_room,
                                                                     make_bed, make_user, make_resident):
    from shelter.followups.models import FollowUp
    from shelter.programmes import service as programmes
    from shelter.residents.models import Resident
    from shelter.stays import service as stays
    from shelter.stays.models import Stay

    panti = make_facility(name="Panti Sosial Jejak", code="PS-JEJAK")
    safe_house = make_facility(name="Rumah Aman Kenari", code="RA-KENARI", kind="rumah_aman",
                               address=SAFE_HOUSE_ADDRESS)
    panti_bed = make_bed(room=make_room(facility=panti))
    safe_room = make_room(facility=safe_house)
    safe_beds = [make_bed(room=safe_room) for _ in range(2)]
    staff = make_user(roles=STAFF_ROLES, facilities=[panti, safe_house], full_name="Staf Jejak")
    # The one place in the safe house's programme is taken by another resident.
    holder = make_resident(safe_house, full_name=WAITING_NAME)
    stays.admit(holder, safe_beds[1], by=staff)
    programme = programmes.create_programme(safe_house, programmes.ProgrammeInput(
        name="Menjahit Jejak", capacity=1, starts_on=programmes.local_today() - timedelta(days=1),
        ends_on=programmes.local_today() + timedelta(days=20), weekdays=list(range(1, 8)),
        start_time=time(9, 0), duration_minutes=60), by=staff)
    db.session.commit()

    cookies = CookieJarWatcher(app)

    def step(label, response, expect=(200, 302)):
        cookies.watch(label, response)
        assert response.status_code in expect, f"{label}: {response.status_code}"
        if response.status_code == 302:  # open the page the flash is shown on, as a browser would
            cookies.watch(label + " (next page)", client.get(response.headers["Location"]))
        return response

    step("login", login(client, staff))
    step("register", client.post("/residents/new", data={
        "full_name": FULL_NAME, "alias": "Kinan", "sex": "female", "birth_date": "1990-12-15", "estimated_age": "",
        "nik": NIK, "kota_of_origin": "Kabupaten Bogor", "risk_level": "high", "disabilities": "",
        "facility_id": str(panti.id)}), expect=(302,))
    resident = db.session.scalar(sa.select(Resident).where(Resident.nik == NIK))
    step("admit", client.post("/stays/admit", data={
        "choose": "resident", "placement": f"bed:{panti_bed.id}", "origin": "resident",
        "resident_id": resident.id, "action": "admit"}), expect=(302,))
    panti_stay = db.session.scalar(sa.select(Stay).where(Stay.resident_id == resident.id))
    step("transfer", client.post(f"/stays/{panti_stay.id}/transfer",
                                 data={"bed_id": safe_beds[0].id, "origin": "resident"}), expect=(302,))
    db.session.expire_all()
    stay = db.session.scalar(sa.select(Stay).where(Stay.resident_id == resident.id, Stay.discharged_at.is_(None)))
    assert stay.facility_id == safe_house.id
    step("case note", client.post(f"/assessments/stays/{stay.id}/notes", data={
        "noted_on": programmes.local_today().isoformat(), "kind": "counselling",
        "body": f"{FULL_NAME} bercerita tentang keluarganya."}), expect=(200, 302))

    step("enrol the holder", client.post(f"/programmes/{programme.id}/enrolments",
                                         data={"resident_id": holder.id}), expect=(302,))
    step("enrol onto the waitlist", client.post(f"/programmes/{programme.id}/enrolments",
                                                data={"resident_id": resident.id}), expect=(302,))
    from shelter.programmes.models import Enrollment

    holding = db.session.scalar(sa.select(Enrollment).where(Enrollment.resident_id == holder.id))
    step("withdraw: the waiting one moves up", client.post(f"/programmes/enrolments/{holding.id}/withdraw"),
         expect=(302,))
    db.session.expire_all()
    assert db.session.scalar(sa.select(Enrollment.status).where(Enrollment.resident_id == resident.id)) == "enrolled"

    step("discharge home", client.post(f"/stays/{stay.id}/discharge", data={
        "outcome": "reunified", "discharged_at": _local_minute(utcnow()),
        "note": f"Pulang ke keluarga di {FAMILY_ADDRESS}", "origin": "resident"}), expect=(302,))
    followup = db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == stay.id)
                                  .order_by(FollowUp.step)).first()
    assert followup is not None, "a discharge to the family plans follow-ups"
    fields = {"status": "done", "done_on": programmes.local_today().isoformat(), "method": "phone_call",
              "outcome": "stable", "notes": f"Ditelepon di {FAMILY_ADDRESS}", "view": "mine"}
    step("follow-up", client.post(f"/follow-ups/{followup.id}/record",
                                  data={f"f{followup.id}-{k}": v for k, v in fields.items()}), expect=(200, 302))
    db.session.expire_all()
    assert db.session.get(FollowUp, followup.id).status == "done"

    assert len(cookies.values) >= 10, "the journey set cookies to look into"
    assert not cookies.leaks(), "\n".join(cookies.leaks())


def test_the_watcher_finds_a_name_in_a_flash(app, client, admin):
    """The decoder is not blind: a flash with a name, the way Flask stores it, is found."""
    from flask import flash

    @app.post("/probe-flash-name")
    def probe_flash_name():
        flash(f"{FULL_NAME} moved up from the waitlist and has the place.", "success")
        return "", 204

    cookies = CookieJarWatcher(app)
    login(client, admin)
    cookies.watch("probe", client.post("/probe-flash-name"))
    assert cookies.leaks()
