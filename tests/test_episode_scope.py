"""Scope is per episode (issue 9, finding 1): the cross-facility journey.

A woman is registered at a panti, moved to a Rumah Aman, and there her case notes, assessment, plan,
programme, family contact, reunification plan and discharge home are written. Then every role of the
panti walks the whole URL map — every page, htmx fragment, list, search, worklist, follow-up page and API
response — and finds none of the safe house's name, address, rooms, beds, staff or texts, not even that
she stayed somewhere else; and every write about her, or about the safe house's records, is a 404 that
changes no row.

The routes are read from the URL map, so a route added later is walked without touching this file; a
route with an argument this walk has no record for fails the test (add the record to ``Journey``).
The Rumah Aman's own staff open the same pages and do see the texts: the secrets are real, and their
absence elsewhere comes from the scope rule.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from shelter.extensions import db
from tests.conftest import login

PANTI_ROLES = ("intake_staff", "case_manager", "caseworker", "facility_manager")
IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Rules that need no record of the journey and say nothing about a resident.
NOT_ABOUT_RESIDENTS = {"static", "health.healthz", "auth.login", "auth.logout", "i18n.set_language",
                       "notifications.twilio_status", "api.openapi"}

# Everything of the Rumah Aman that must never reach the panti's staff.
SAFE_HOUSE_NAME = "Rumah Aman Kenari Jurnal"
SAFE_HOUSE_CODE = "RAKJ-9"
SAFE_HOUSE_ADDRESS = "Jl. Rahasia Kenari No. 7"
SAFE_ROOM = "Kamar Melati Tersembunyi"
SAFE_BED = "RKX-77"
SAFE_STAFF = ("Sri Pekerja Kenarijurnal", "Budi Petugas Kenarijurnal")
SAFE_TEXTS = ("Catatan rahasia kenari", "Temuan rahasia kenari", "Tujuan rahasia kenari",
              "Program Rahasia Kenari", "Kabupaten Tujuanrahasia", "Penilaian keluarga rahasia kenari",
              "Pulang ke Jl. Keluarga Rahasia 12", "Rujukan psikolog rahasia kenari")
# A second person, referred by the police and placed in the safe house: her name is the safe house's.
SAFE_REFERRED_NAME = "Wulan Rujukan Kenarijurnal"
SECRETS = (SAFE_HOUSE_NAME, SAFE_HOUSE_CODE, SAFE_HOUSE_ADDRESS, SAFE_ROOM, SAFE_BED, *SAFE_STAFF, *SAFE_TEXTS,
           SAFE_REFERRED_NAME)
# Pages about facilities, not residents: the board and availability list every facility, a Rumah Aman
# under its code name (by design); there only the resident and the safe house's inside must not show.
FACILITY_DIRECTORY = {"board.index", "board.find", "board.close_panel", "api.availability", "facilities.index",
                      "alerts.index", "board.offline_snapshot"}  # the last: the board's counts kept offline
# "a stay elsewhere": not even that for a Rumah Aman.
ELSEWHERE_WORDS = ("Stay in another facility", "Tinggal di fasilitas lain")

RESIDENT_NAME = "Dewi Jurnal Penyintas"
PANTI_BED = "PJ-01"

# A route argument → the record of the journey whose id fills it (the Rumah Aman's, or the person's).
ID_ARGUMENTS = {
    "resident_id": "resident", "facility_id": "facility", "room_id": "room", "bed_id": "bed",
    "stay_id": "stay", "assessment_id": "assessment", "note_id": "note", "plan_id": "plan",
    "goal_id": "goal", "version_id": "version", "review_id": "version", "programme_id": "programme",
    "session_id": "session", "enrollment_id": "enrollment", "enrolment_id": "enrollment",
    "followup_id": "followup", "hold_id": "hold", "contact_id": "contact", "person_id": "person",
    "user_id": "staff", "rule_id": "rule", "step_id": "step", "message_id": "message",
    "referral_id": "referral", "offer_id": "offer", "partner_id": "partner", "outgoing_id": "outgoing",
    "token_id": "partner_token", "kota": "kota", "token": "export",
}


@dataclass
class Journey:
    ids: dict[str, int | str] = field(default_factory=dict)
    panti_staff: dict[str, object] = field(default_factory=dict)


def build_journey(make_facility, make_room, make_bed, make_user, make_resident, admin) -> Journey:
    from shelter.alerts import service as alerts
    from shelter.assessments.models import DOMAINS
    from shelter.assessments import service as assessments
    from shelter.exports import service as exports
    from shelter.followups import reunification
    from shelter.followups.models import FollowUp, FollowUpPolicyStep
    from shelter.notifications.models import OutboundMessage
    from shelter.plans import service as plans
    from shelter.plans.models import GoalDomain
    from shelter.programmes import service as programmes
    from shelter.programmes.models import ProgrammeSession
    from shelter.residents import service as residents
    from shelter.stays import service as stays

    panti = make_facility(name="Panti Jurnal Harapan", kind="panti")
    panti_room = make_room(facility=panti)
    panti_bed = make_bed(room=panti_room, label=PANTI_BED)
    safe_house = make_facility(name=SAFE_HOUSE_NAME, code=SAFE_HOUSE_CODE, kind="rumah_aman",
                               address=SAFE_HOUSE_ADDRESS)
    safe_room = make_room(facility=safe_house, name=SAFE_ROOM)
    safe_bed = make_bed(room=safe_room, label=SAFE_BED)
    spare_bed = make_bed(room=safe_room, label="RKX-78")

    journey = Journey()
    for role in PANTI_ROLES:
        journey.panti_staff[role] = make_user(roles=(role,), facilities=[panti], full_name=f"Staf Panti {role}")
    panti_insider = make_user(roles=PANTI_ROLES, facilities=[panti], full_name="Staf Panti Lengkap")
    safe_caseworker = make_user(roles=("caseworker",), facilities=[safe_house], full_name=SAFE_STAFF[0])
    safe_insider = make_user(roles=PANTI_ROLES, facilities=[safe_house], full_name=SAFE_STAFF[1])
    journey.safe_caseworker, journey.safe_insider = safe_caseworker, safe_insider

    resident = make_resident(panti, full_name=RESIDENT_NAME)
    panti_stay = stays.admit(resident, panti_bed, by=panti_insider)
    db.session.commit()
    safe_stay = stays.transfer(panti_stay, safe_bed, by=admin)
    stays.assign_caseworker(safe_stay, safe_caseworker, by=safe_insider)
    today = assessments.today()

    assessment = assessments.record_assessment(safe_stay, assessments.AssessmentInput(
        assessed_on=today, risk_level="high", recommendation="rehabilitation",
        findings={DOMAINS[0]: SAFE_TEXTS[1]}), by=safe_caseworker)
    note = assessments.add_note(safe_stay, assessments.NoteInput(noted_on=today, kind="visit", body=SAFE_TEXTS[0]),
                                by=safe_caseworker)
    plan = plans.create_plan(safe_stay, by=safe_caseworker)
    goal = plans.add_goal(plan, plans.GoalInput(domain=next(iter(GoalDomain)).value, description=SAFE_TEXTS[2],
                                                target_date=today + timedelta(days=60)), by=safe_caseworker)
    plans.submit(plan, by=safe_caseworker)
    version = plans.approve(plan, by=safe_insider)

    programme = programmes.create_programme(safe_house, programmes.ProgrammeInput(
        name=SAFE_TEXTS[3], capacity=5, starts_on=today, ends_on=today + timedelta(days=30),
        weekdays=list(range(1, 8)), start_time=time(9, 0), duration_minutes=90), by=safe_insider)
    session = db.session.scalars(sa.select(ProgrammeSession).where(ProgrammeSession.programme_id == programme.id)
                                 .order_by(ProgrammeSession.session_date)).first()
    enrollment = programmes.enrol(programme, resident, by=safe_insider)
    programmes.record_attendance(session, enrollment.id, "present", by=safe_caseworker)

    contact = residents.add_family_contact(resident, residents.FamilyContactInput(
        name="Ibu Rekaan Jurnal", relationship="ibu", phone="+6281355500188"), by=safe_insider)
    person = residents.add_no_contact_person(resident, residents.NoContactInput(
        name="Pelaku Rekaan Jurnal", relationship="suami"), by=safe_insider)
    reunification.save_plan(resident, reunification.PlanInput(
        relation="ibu", destination=SAFE_TEXTS[4], family_assessment=SAFE_TEXTS[5],
        planned_on=today + timedelta(days=3)), by=safe_caseworker)
    hold = stays.place_hold(spare_bed, by=safe_insider, reason="Rujukan malam ini")
    make_bed(room=safe_room, label="RKX-79")  # for the referral below
    referral_ids = place_referral_in_safe_house(safe_house, safe_insider, safe_stay, admin)
    rule = alerts.create_rule(safe_house, by=admin, max_free_beds=0)
    # The safe house's list of residents, with names, exported by its own staff.
    export = exports.start(safe_insider, "residents", "csv", MultiDict({"facility_id": str(safe_house.id)}),
                           include_personal=True)
    stays.discharge(safe_stay, outcome="reunified", note=SAFE_TEXTS[6], by=safe_insider)
    db.session.commit()

    followup = db.session.scalars(sa.select(FollowUp).where(FollowUp.stay_id == safe_stay.id)).first()
    assert followup is not None, "a discharge home schedules follow-ups"
    step = db.session.scalars(sa.select(FollowUpPolicyStep)).first()
    message = db.session.scalars(sa.select(OutboundMessage)).first()
    journey.ids = {
        "resident": resident.id, "facility": safe_house.id, "room": safe_room.id, "bed": safe_bed.id,
        "stay": safe_stay.id, "assessment": assessment.id, "note": note.id, "plan": plan.id, "goal": goal.id,
        "version": version.id, "programme": programme.id, "session": session.id, "enrollment": enrollment.id,
        "followup": followup.id, "hold": hold.id, "contact": contact.id, "person": person.id,
        "staff": safe_caseworker.id, "rule": rule.id, "step": step.id if step else 1,
        "message": message.id if message else 1, "kota": safe_house.kota, "export": export.token, **referral_ids,
    }
    journey.panti_stay_id = panti_stay.id
    return journey


def place_referral_in_safe_house(safe_house, safe_insider, safe_stay, admin) -> dict[str, int]:
    """A police referral offered by an admin to the safe house and accepted there (a second person, in
    the spare bed); an outgoing referral of the journey's resident from her safe-house stay; a partner
    token. None of it may show to the panti's staff, not even that it exists."""
    from shelter.api.auth import hash_token
    from shelter.db import utcnow
    from shelter.referrals import acceptance, service as referrals
    from shelter.referrals.models import OutgoingReferral, Partner, PartnerToken
    from shelter.referrals.rules import ReferralInput

    partner = Partner(name="Unit PPA Polres Jurnal", kind="police_ppa", kota="jakarta_timur")
    db.session.add(partner)
    db.session.flush()
    token = PartnerToken(partner_id=partner.id, token_hash=hash_token("shelp_journey"), name="Jurnal")
    db.session.add(token)
    referral = referrals.create(ReferralInput(
        partner_id=partner.id, urgency="emergency", sex="female", age=31, consent_by="person",
        consent_method="verbal", summary="Rujukan jurnal", person_name=SAFE_REFERRED_NAME), by=admin)
    offer = referrals.offer(referral, safe_house, by=admin, respond_by=utcnow() + timedelta(hours=2))
    acceptance.accept(offer, acceptance.Acceptance(person=acceptance.PersonChoice(name=SAFE_REFERRED_NAME)),
                      by=safe_insider, visible_resident=lambda _id: None)
    outgoing = OutgoingReferral(stay_id=safe_stay.id, resident_id=safe_stay.resident_id, facility_id=safe_house.id,
                                partner_id=partner.id, service_kind="psychologist", reason=SAFE_TEXTS[7],
                                created_by_id=safe_insider.id)
    db.session.add(outgoing)
    db.session.flush()
    return {"referral": referral.id, "offer": offer.id, "partner": partner.id, "outgoing": outgoing.id,
            "partner_token": token.id}


@pytest.fixture
def journey(app, tmp_path, make_facility, make_room, make_bed, make_user, make_resident, admin) -> Journey:
    app.instance_path = str(tmp_path)  # the journey's export file, away from the other workers'
    return build_journey(make_facility, make_room, make_bed, make_user, make_resident, admin)


# --- the walk -----------------------------------------------------------------------------------------

def walk(app, journey: Journey) -> tuple[list[tuple[str, str, str]], list[str]]:
    """(method, url, endpoint) for every rule of the app, built with the journey's ids; and the rules
    whose arguments the walk cannot fill."""
    adapter = app.url_map.bind("localhost")
    found, unbuildable, with_ids = [], [], set()
    journey.urls_with_ids = with_ids
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in NOT_ABOUT_RESIDENTS:
            continue
        missing = sorted(a for a in rule.arguments if a not in ID_ARGUMENTS)
        if missing:
            unbuildable.append(f"{rule.rule} ({rule.endpoint}): no record for {', '.join(missing)}")
            continue
        url = adapter.build(rule.endpoint, {a: journey.ids[ID_ARGUMENTS[a]] for a in rule.arguments}, method=None)
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((method, url, rule.endpoint))
            if rule.arguments:
                with_ids.add(url)
    return found, unbuildable


def send(client, method: str, url: str, *, htmx: bool = False, data=None):
    headers = {"HX-Request": "true"} if htmx else {}
    if url.startswith("/api/"):
        return client.open(url, method=method, json=data or ({} if method != "GET" else None), headers=headers)
    return client.open(url, method=method, data=data or {}, headers=headers)


def readable_text(response) -> str:
    """What a person would read in a response: a PDF's extracted text, an XLSX's cell values, else the body."""
    mimetype = response.mimetype or ""
    if mimetype == "application/pdf":
        import pypdf

        return " ".join(page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(response.get_data())).pages)
    if mimetype.endswith("spreadsheetml.sheet"):
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        return " ".join(f"{sheet.title} " + " ".join(str(v) for row in sheet.iter_rows(values_only=True)
                                                    for v in row if v is not None) for sheet in book.worksheets)
    return response.get_data(as_text=True)


def leaks(response, endpoint: str = "") -> list[str]:
    """The journey's secrets (and the 'stay elsewhere' line) found anywhere in a response (a PDF or XLSX
    by its text). On the facility directory pages the safe house's code name and its free beds are
    allowed; she and its inside are not."""
    text = readable_text(response)
    text += " " + json.dumps({k: v for k, v in response.headers.items()})
    lowered = text.lower()
    secrets = (*SECRETS, *ELSEWHERE_WORDS)
    if endpoint in FACILITY_DIRECTORY:
        secrets = (RESIDENT_NAME, SAFE_HOUSE_ADDRESS, *SAFE_STAFF, *SAFE_TEXTS)
    return [s for s in secrets if s.lower() in lowered]


def page_of(response) -> str:
    """A page's text without its CSRF token (signed with a timestamp), to compare two 404 pages."""
    return re.sub(r'(name="csrf_token" value="|"X-CSRFToken": ")[^"]*"', r"\1", response.get_data(as_text=True))


def _row_counts() -> dict[str, int]:
    skip = {"audit_events", "user_sessions", "outbound_messages", "login_attempts"}
    db.session.expire_all()
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name not in skip}


def _snapshot() -> dict:
    """Counts, and the versions of the records a write could change in place."""
    from shelter.followups.models import ReunificationPlan
    from shelter.residents.models import Resident

    db.session.expire_all()
    resident_rows = db.session.execute(sa.select(Resident.id, Resident.full_name, Resident.version)).all()
    plan_rows = db.session.execute(sa.select(ReunificationPlan.id, ReunificationPlan.version,
                                             ReunificationPlan.destination)).all()
    return {"counts": _row_counts(), "residents": sorted(map(tuple, resident_rows)),
            "reunification": sorted(map(tuple, plan_rows))}


def _client(app, user):
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_the_walk_covers_every_route(app, journey):
    found, unbuildable = walk(app, journey)
    assert not unbuildable, "routes the journey cannot build with real ids:\n" + "\n".join(unbuildable)
    endpoints = {endpoint for _, _, endpoint in found}
    for expected in ("residents.show", "followups.plan", "followups.resident_section", "api.residents_list",
                     "plans.print_plan", "programmes.certificate", "worklists.caseworker", "home.index"):
        assert expected in endpoints


def test_the_safe_house_staff_see_what_the_panti_must_not(app, journey):
    """The secrets are real: the Rumah Aman's own staff find them on the resident's pages."""
    seen = set()
    for user in (journey.safe_caseworker, journey.safe_insider):
        client = _client(app, user)
        rid = journey.ids["resident"]
        for url in (f"/residents/{rid}", f"/follow-ups/resident/{rid}/plan", f"/assessments/stays/{journey.ids['stay']}",
                    f"/assessments/notes/{journey.ids['note']}", f"/programmes/residents/{rid}",
                    f"/plans/{journey.ids['plan']}", f"/assessments/{journey.ids['assessment']}",
                    f"/referrals/outgoing/residents/{rid}", f"/referrals/outgoing/residents/{rid}/timeline"):
            for htmx in (False, True):
                response = client.get(url, headers={"HX-Request": "true"} if htmx else {}, follow_redirects=True)
                assert response.status_code == 200, f"{url}: {response.status_code}"
                seen.update(leaks(response))
    for secret in (SAFE_BED, SAFE_ROOM, SAFE_TEXTS[0], SAFE_TEXTS[1], SAFE_TEXTS[2], SAFE_TEXTS[4], SAFE_TEXTS[6],
                   SAFE_TEXTS[7]):
        assert secret in seen, f"the Rumah Aman's own staff do not see {secret!r}"


@pytest.mark.parametrize("role", PANTI_ROLES)
def test_the_panti_sees_nothing_of_the_safe_house(app, journey, role):
    """Every GET of the URL map (page and htmx fragment, UI and API) with the journey's ids, the lists,
    searches and worklists: no secret, no 'stay elsewhere', and never a 500."""
    client = _client(app, journey.panti_staff[role])
    found, unbuildable = walk(app, journey)
    assert not unbuildable
    problems = []

    def check(method, url, label, **kwargs):
        for htmx in ([False] if url.startswith("/api/") else [False, True]):
            response = send(client, method, url, htmx=htmx, **kwargs)
            where = f"{method} {url} ({label}{', htmx' if htmx else ''}) → {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
            found_secrets = leaks(response, label)
            if found_secrets:
                problems.append(f"{where}: shows {found_secrets}")

    for method, url, endpoint in found:
        if method == "GET":
            check(method, url, endpoint)
    # Lists and searches by her name (a search for the safe house's own words would only echo them back).
    for q in (RESIDENT_NAME, "Dewi"):
        check("POST", "/residents/", "residents search", data={"q": q})
        check("POST", "/residents/guardian-search", "guardian search", data={"guardian_q": q})
        check("POST", "/stays/admit/residents", "admission search", data={"q": q})
    for query in ("", "?status=staying", "?status=discharged", f"?facility_id={journey.ids['facility']}"):
        check("GET", f"/residents/{query}", "residents list")
    check("GET", f"/residents/{journey.ids['resident']}?timeline=all", "whole timeline")
    check("GET", "/api/v1/residents?q=Dewi", "API residents search")
    assert not problems, f"{role} of the panti sees the Rumah Aman:\n" + "\n".join(problems)


@pytest.mark.parametrize("role", PANTI_ROLES)
def test_every_write_about_her_is_a_404_that_changes_nothing(app, journey, role):
    """The safe house is responsible for her (her last stay was there): the panti may not write her name,
    contacts or reunification plan, nor anything of the safe house's episode. 404, the body of a missing
    record, and no row changed — with data a real form would send, not only empty posts."""
    client = _client(app, journey.panti_staff[role])
    found, _ = walk(app, journey)
    rid = journey.ids["resident"]
    plausible = {
        f"/residents/{rid}/edit": {"full_name": "Nama Ditimpa", "sex": "female", "version": "1"},
        f"/follow-ups/resident/{rid}/plan": {"relation": "kakak", "destination": "Ditimpa", "version": "1"},
        f"/residents/{rid}/contacts": {"name": "Kontak Ditimpa", "relationship": "kakak"},
        f"/residents/{rid}/no-contact": {"name": "Orang Ditimpa"},
    }
    missing = {htmx: send(client, "POST", "/residents/2147483000/edit", htmx=htmx) for htmx in (False, True)}
    assert {response.status_code for response in missing.values()} == {404}
    before = _snapshot()
    problems = []
    # Writes addressed to her or to the safe house's records (the URL carries their ids).
    writes = [(m, u, e) for m, u, e in found if m != "GET" and u in journey.urls_with_ids]
    assert len(writes) > 40
    for method, url, endpoint in writes:
        for htmx in ([False] if url.startswith("/api/") else [False, True]):
            response = send(client, method, url, htmx=htmx, data=plausible.get(url))
            where = f"{method} {url} ({endpoint}{', htmx' if htmx else ''})"
            if response.status_code != 404:
                problems.append(f"{where}: {response.status_code}")
            elif not url.startswith("/api/") and page_of(response) != page_of(missing[htmx]):
                problems.append(f"{where}: a 404 unlike a missing record's")
            if leaks(response):
                problems.append(f"{where}: shows {leaks(response)}")
    assert not problems, f"{role} of the panti may write about her:\n" + "\n".join(problems)
    assert _snapshot() == before, "a refused write changed a row"


def test_a_stay_in_another_panti_shows_only_its_months(app, make_facility, make_room, make_bed, make_user,
                                                       make_resident, admin):
    """Another panti's episode is 'a stay in another facility, month – month': no name, bed, staff or text.
    The panti's own episode is shown whole."""
    from shelter.stays import service as stays

    home = make_facility(name="Panti Jurnal Asal")
    other = make_facility(name="Panti Jurnal Lainnya")
    home_bed = make_bed(room=make_room(facility=home), label="ASAL-1")
    other_bed = make_bed(room=make_room(facility=other, name="Kamar Lainnya Jurnal"), label="LAIN-9")
    other_staff = make_user(roles=PANTI_ROLES, facilities=[other], full_name="Staf Lainnya Jurnal")
    home_staff = make_user(roles=("intake_staff",), facilities=[home])
    resident = make_resident(home, full_name="Sari Jurnal Pindahan")
    stay = stays.admit(resident, home_bed, by=admin)
    moved = stays.transfer(stay, other_bed, by=admin)
    stays.discharge(moved, outcome="independent", note="Catatan panti lainnya jurnal", by=other_staff)
    db.session.commit()

    html = _client(app, home_staff).get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "ASAL-1" in html  # the own episode, whole
    assert any(words in html for words in ELSEWHERE_WORDS), "the other panti's stay is not mentioned at all"
    for secret in ("Panti Jurnal Lainnya", "Kamar Lainnya Jurnal", "LAIN-9", "Staf Lainnya Jurnal",
                   "Catatan panti lainnya jurnal"):
        assert secret not in html, f"the resident page shows {secret!r} of another panti's episode"
