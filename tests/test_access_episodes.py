"""Scope is per episode (issue 9, finding 1): a resident registered at a panti, moved to a Rumah Aman,
given notes, a plan, a reunification plan and a discharge there. The panti's staff keep the person's
record (name, their own stay) but see nothing of the safe house: not its name or code name, beds,
rooms, staff, notes or discharge note; another panti's stay shows as "stay in another facility,
month – month"; the reunification plan and the person's shared data belong to the facility now
responsible, and every write by anyone else is a 404 that changes no row.

The rule lives in ``shelter.access`` (unit tests first); the pages, lists, follow-ups and the API
apply it (the rest of this file).
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from shelter.localtime import local_today
from tests.conftest import login

PANTI_ROLES = ("intake_staff", "case_manager", "caseworker", "facility_manager")
# Everything of the Rumah Aman's episode that must never reach the panti's staff.
SECRETS = ("Rumah Aman Kenari", "RA-KENARI", "K-02", "Kamar Rahasia", "Staf Rahasia Kenari", "Peksos Rahasia Kenari",
           "Manajer Rahasia Kenari", "CATATAN-RAHASIA", "Kabupaten Rahasia", "Bibi Rahasia", "Jl. Keluarga Rahasia",
           "Alamat keluarga rahasia")
RESIDENT_NAME = "Wulan Episode Rekaan"


@pytest.fixture
def journey(make_facility, make_room, make_bed, make_user, make_resident):
    """Registered and admitted at the panti, transferred to the Rumah Aman, notes, plan, reunification
    plan and discharge (to family) there."""
    from shelter.assessments import service as assessments
    from shelter.followups import reunification
    from shelter.plans import service as plans
    from shelter.stays import service as stays

    panti = make_facility(name="Panti Sosial Episode", code="PS-EPISODE")
    safe = make_facility(name="Rumah Aman Kenari", code="RA-KENARI", kind="rumah_aman",
                         address="Jl. Tersembunyi Kenari 3")
    panti_bed = make_bed(room=make_room(facility=panti, name="Kamar Panti"), label="P-01")
    safe_bed = make_bed(room=make_room(facility=safe, name="Kamar Rahasia"), label="K-02")
    staff = {role: make_user(roles=(role,), facilities=[panti], full_name=f"Staf Panti {role}")
             for role in PANTI_ROLES}
    safe_intake = make_user(roles=("intake_staff",), facilities=[safe], full_name="Staf Rahasia Kenari")
    safe_caseworker = make_user(roles=("caseworker",), facilities=[safe], full_name="Peksos Rahasia Kenari")
    safe_manager = make_user(roles=("case_manager",), facilities=[safe], full_name="Manajer Rahasia Kenari")

    resident = make_resident(panti, full_name=RESIDENT_NAME, birth_date=date(1993, 7, 9))
    resident.registered_by_id = staff["intake_staff"].id
    panti_stay = stays.admit(resident, panti_bed, by=staff["intake_staff"])
    db.session.commit()
    safe_stay = stays.transfer(panti_stay, safe_bed, by=staff["intake_staff"])
    db.session.commit()
    stays.assign_caseworker(safe_stay, safe_caseworker, by=safe_manager)
    assessments.add_note(safe_stay, assessments.NoteInput(noted_on=local_today(), kind="counselling",
                                                          body="CATATAN-RAHASIA tentang keluarga"),
                         by=safe_caseworker)
    plan = plans.create_plan(safe_stay, by=safe_caseworker)
    plans.add_goal(plan, plans.GoalInput(domain="family", description="CATATAN-RAHASIA tujuan"), by=safe_caseworker)
    reunification.save_plan(resident, reunification.PlanInput(
        relation="Bibi Rahasia", destination="Kabupaten Rahasia", family_assessment="Alamat keluarga rahasia"),
        by=safe_caseworker)
    db.session.commit()
    stays.discharge(safe_stay, outcome="reunified", note="Pulang ke Jl. Keluarga Rahasia 5", by=safe_intake)
    db.session.commit()
    return dict(panti=panti, safe=safe, staff=staff, resident=resident, panti_stay=panti_stay, safe_stay=safe_stay,
                plan=plan, safe_caseworker=safe_caseworker)


def _login(app, user, *, english=True):
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302
    client.post("/language", data={"locale": "en" if english else "id", "next": "/"})
    return client


def _main(response) -> str:
    """The page's own content (the layout around it carries a fresh CSRF token and the path)."""
    html = response.get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


def _leaks(html: str) -> list[str]:
    return [secret for secret in SECRETS if secret in html]


# --- the rule itself ------------------------------------------------------------------------------------

def test_the_rule_episodes_responsibility_and_listing(app, journey, admin, make_facility, make_room, make_bed,
                                                      make_user, make_resident):
    from shelter.access import (can_change_person, episode_clause, episode_listed_clause, responsible_facility_id,
                                sees_episode)
    from shelter.stays import service as stays
    from shelter.stays.models import Stay

    panti, safe, resident = journey["panti"], journey["safe"], journey["resident"]
    caseworker = journey["staff"]["caseworker"]
    assert sees_episode(caseworker, panti.id) and not sees_episode(caseworker, safe.id)
    assert sees_episode(admin, safe.id)

    def stays_of(user, clause):
        return set(db.session.scalars(sa.select(Stay.id).where(Stay.resident_id == resident.id,
                                                                clause(user, Stay.facility_id))))

    assert stays_of(caseworker, episode_clause) == {journey["panti_stay"].id}
    assert stays_of(admin, episode_clause) == {journey["panti_stay"].id, journey["safe_stay"].id}
    # The Rumah Aman's stay is not even listed for the panti; another panti's would be.
    assert stays_of(caseworker, episode_listed_clause) == {journey["panti_stay"].id}
    outsider = make_user(roles=("caseworker",), facilities=[make_facility()])
    assert stays_of(outsider, episode_clause) == set()
    assert stays_of(outsider, episode_listed_clause) == {journey["panti_stay"].id}  # never a Rumah Aman's
    assert stays_of(journey["safe_caseworker"], episode_listed_clause) == {journey["panti_stay"].id,
                                                                           journey["safe_stay"].id}

    # Responsible: the last stay (discharged from the Rumah Aman) ...
    assert responsible_facility_id(resident) == safe.id
    assert not can_change_person(caseworker, resident)
    assert can_change_person(journey["safe_caseworker"], resident) and can_change_person(admin, resident)
    # ... the open stay when there is one, else the registering facility.
    newcomer = make_resident(panti)
    assert responsible_facility_id(newcomer) == panti.id and can_change_person(caseworker, newcomer)
    other = make_facility(name="Panti Lain Episode")
    stays.admit(newcomer, make_bed(room=make_room(facility=other)), by=admin)
    db.session.commit()
    assert responsible_facility_id(newcomer) == other.id and not can_change_person(caseworker, newcomer)


# --- the resident page ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", PANTI_ROLES)
def test_the_panti_sees_nothing_of_the_rumah_aman_on_any_resident_page_or_list(app, journey, role):
    from shelter.followups.models import FollowUp

    client = _login(app, journey["staff"][role])
    rid = journey["resident"].id
    page = client.get(f"/residents/{rid}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert RESIDENT_NAME in html and "Panti Sosial Episode" in html and "P-01" in html  # their own episode
    assert "Stay in another facility" not in html  # a Rumah Aman's stay: not even that it existed
    pages = {"page": html}
    for url in (f"/residents/{rid}/timeline", f"/assessments/residents/{rid}/section",
                f"/plans/residents/{rid}/section", f"/programmes/residents/{rid}", f"/follow-ups/resident/{rid}"):
        response = client.get(url, headers={"HX-Request": "true"})
        assert response.status_code in (200, 404), url
        pages[url] = response.get_data(as_text=True)
    for url in ("/residents/", "/residents/?status=staying", "/residents/?status=discharged", "/", "/follow-ups/",
                "/follow-ups/mine"):
        pages[url] = client.get(url).get_data(as_text=True)
    pages["search"] = client.post("/residents/", data={"q": "Wulan Episode"}).get_data(as_text=True)
    pages["guardian"] = client.post("/residents/guardian-search", data={"guardian_q": "Wulan"}).get_data(as_text=True)
    assert RESIDENT_NAME in pages["search"]
    leaks = {url: _leaks(text) for url, text in pages.items() if _leaks(text)}
    assert not leaks
    # The Rumah Aman's follow-ups exist, and are not the panti's.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(FollowUp)) > 0


def test_another_pantis_stay_shows_as_months_only(app, make_facility, make_room, make_bed, make_user, make_resident):
    from shelter.stays import service as stays

    home = make_facility(name="Panti Asal Uji")
    other = make_facility(name="Panti Tujuan Rahasia")
    intake = make_user(roles=("intake_staff",), facilities=[home], full_name="Staf Asal")
    other_staff = make_user(roles=("intake_staff",), facilities=[other], full_name="Staf Tujuan Rahasia")
    resident = make_resident(home)
    stay = stays.admit(resident, make_bed(room=make_room(facility=home, name="Kamar Asal"), label="A-01"), by=intake)
    db.session.commit()
    moved = stays.transfer(stay, make_bed(room=make_room(facility=other, name="Kamar Tujuan"), label="T-09"),
                           by=intake)
    # 31 March 20:00 UTC is 1 April in Jakarta: the month is the WIB one.
    moved.admitted_at = moved.assignments[0].started_at = datetime(2026, 3, 31, 20, 0, tzinfo=timezone.utc)
    db.session.commit()

    client = _login(app, intake)
    html = client.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Stay in another facility since April 2026" in html

    stays.discharge(moved, outcome="independent", note="Catatan tujuan rahasia", by=other_staff,
                    at=datetime(2026, 5, 10, 3, 0, tzinfo=timezone.utc))
    db.session.commit()
    html = client.get(f"/residents/{resident.id}").get_data(as_text=True)
    timeline = html[html.index('id="timeline"'):]
    assert "Stay in another facility, April 2026 – May 2026" in timeline
    assert "Panti Asal Uji" in timeline and "A-01" in timeline  # their own stay, in full
    for secret in ("Panti Tujuan Rahasia", "T-09", "Kamar Tujuan", "Staf Tujuan Rahasia", "Catatan tujuan rahasia",
                   "Independent", f"stay-{moved.id}"):
        assert secret not in html, secret
    whole = client.get(f"/residents/{resident.id}/timeline", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Stay in another facility, April 2026 – May 2026" in whole and "Panti Tujuan Rahasia" not in whole

    indonesian = _login(app, intake, english=False)
    html = indonesian.get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Tinggal di fasilitas lain, April 2026 – Mei 2026" in html

    # Staff of the other panti, and admins, see that stay in full.
    html = _login(app, other_staff).get(f"/residents/{resident.id}").get_data(as_text=True)
    assert "Panti Tujuan Rahasia" in html and "T-09" in html and "Catatan tujuan rahasia" in html


def test_the_list_and_search_hide_where_someone_stays_in_another_facility(app, journey, make_facility, make_user):
    client = _login(app, journey["staff"]["intake_staff"])
    listing = client.get("/residents/").get_data(as_text=True)
    assert RESIDENT_NAME in listing and "Rumah Aman Kenari" not in listing
    # Back at the Rumah Aman (open stay): "staying" means staying in the panti.
    from shelter.stays import service as stays

    safe_bed = journey["safe_stay"].assignments[0].bed
    stays.admit(journey["resident"], safe_bed, by=journey["safe_caseworker"])
    db.session.commit()
    for response in (client.get("/residents/"), client.post("/residents/", data={"q": "Wulan"}),
                     client.post("/residents/", data={"q": "Wulan"}, headers={"HX-Request": "true"})):
        html = response.get_data(as_text=True)
        assert RESIDENT_NAME in html
        assert "Rumah Aman Kenari" not in html and "K-02" not in html and "Kamar Rahasia" not in html
    staying = client.get("/residents/?status=staying").get_data(as_text=True)
    assert RESIDENT_NAME not in staying
    # The duplicate check at intake names no facility of theirs elsewhere either.
    data = {"full_name": RESIDENT_NAME, "sex": "female", "birth_date": "1993-07-09", "risk_level": "low",
            "facility_id": str(journey["panti"].id)}
    html = client.post("/residents/new", data=data).get_data(as_text=True)
    assert "may already be registered" in html and RESIDENT_NAME in html
    assert "Rumah Aman Kenari" not in html


# --- the person's shared data: the responsible facility writes it ----------------------------------------

@pytest.mark.parametrize("role", ("caseworker", "case_manager"))
def test_the_reunification_plan_is_404_for_the_panti_and_stays_as_it_was(app, journey, role):
    from shelter.followups.models import ReunificationPlan

    client = _login(app, journey["staff"][role])
    rid = journey["resident"].id
    missing = client.get("/follow-ups/resident/2147483000/plan")
    assert missing.status_code == 404
    response = client.get(f"/follow-ups/resident/{rid}/plan")
    assert response.status_code == 404 and _main(response) == _main(missing)
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/follow-ups/resident/{rid}/plan", headers=headers,
                               data={"relation": "Paman", "destination": "Kota Bogor", "family_assessment": "Ditimpa",
                                     "planned_on": "", "family_contact_id": "", "version": "1"})
        assert response.status_code == 404
    db.session.expire_all()
    plan = db.session.scalars(sa.select(ReunificationPlan)).one()
    assert (plan.version, plan.destination, plan.relation) == (1, "Kabupaten Rahasia", "Bibi Rahasia")
    section = client.get(f"/follow-ups/resident/{rid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Kabupaten Rahasia" not in section and "reunification plan" not in section.lower().replace(
        "reunification and follow-ups", "")

    # The Rumah Aman's caseworker, responsible now, reads and edits it.
    own = _login(app, journey["safe_caseworker"])
    assert "Kabupaten Rahasia" in own.get(f"/follow-ups/resident/{rid}", headers={"HX-Request": "true"}).get_data(
        as_text=True)
    assert own.get(f"/follow-ups/resident/{rid}/plan").status_code == 200


@pytest.mark.parametrize("role", PANTI_ROLES)
def test_writes_to_the_person_by_a_facility_not_responsible_are_404_and_change_nothing(app, journey, role):
    from tests.residents.helpers import row_counts

    resident = journey["resident"]
    client = _login(app, journey["staff"][role])
    rid = resident.id
    missing = client.post("/residents/2147483000/edit", data={"full_name": "X"})
    assert missing.status_code == 404
    before = row_counts()
    version = resident.version
    edit = {"full_name": "Nama Ditimpa", "sex": "female", "birth_date": "1993-07-09", "risk_level": "low",
            "version": str(version)}
    assert client.get(f"/residents/{rid}/edit").status_code == 404
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/residents/{rid}/edit", data=edit, headers=headers)
        assert response.status_code == 404 and _main(response) == _main(missing)
        assert client.post(f"/residents/{rid}/contacts", headers=headers,
                           data={"contact-name": "Kontak Baru", "contact-phone": ""}).status_code == 404
        assert client.post(f"/residents/{rid}/no-contact", headers=headers,
                           data={"nocontact-name": "Orang Baru"}).status_code == 404
    assert row_counts() == before
    db.session.expire_all()
    assert (resident.full_name, resident.version) == (RESIDENT_NAME, version)
    # No button offers what would be refused.
    html = client.get(f"/residents/{rid}").get_data(as_text=True)
    assert f"/residents/{rid}/edit" not in html and f"/residents/{rid}/contacts" not in html


def test_the_panti_writes_the_person_while_it_is_responsible(app, make_facility, make_user, make_resident):
    panti = make_facility()
    intake = make_user(roles=("intake_staff",), facilities=[panti])
    resident = make_resident(panti)
    client = _login(app, intake)
    response = client.post(f"/residents/{resident.id}/edit", data={
        "full_name": "Nama Baru Rekaan", "sex": "female", "birth_date": "1995-03-14", "risk_level": "low",
        "version": str(resident.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert resident.full_name == "Nama Baru Rekaan"


# --- the API --------------------------------------------------------------------------------------------

def test_the_api_applies_the_same_rule(app, journey, make_room, make_bed):
    from shelter.stays import service as stays

    # Registered at the Rumah Aman this time, then moved to the panti: the panti may open the person, and
    # learns nothing of where they were registered.
    from shelter.residents.models import Resident

    safe, panti = journey["safe"], journey["panti"]
    other = Resident(full_name="Sekar API Rekaan", sex="female", birth_date=date(1990, 1, 1), risk_level="low",
                     registered_facility_id=safe.id)
    db.session.add(other)
    db.session.commit()
    first = stays.admit(other, make_bed(room=make_room(facility=safe)), by=journey["safe_caseworker"])
    db.session.commit()
    moved = stays.transfer(first, make_bed(room=make_room(facility=panti)), by=journey["safe_caseworker"])
    stays.admit(journey["resident"], journey["safe_stay"].assignments[0].bed, by=journey["safe_caseworker"])
    db.session.commit()
    # The panti discharges its stay: the answer does not link to the Rumah Aman's stay it continued.
    intake = _login(app, journey["staff"]["intake_staff"])
    response = intake.post(f"/api/v1/stays/{moved.id}/discharge", json={"outcome": "independent"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["previous_stay_id"] is None and moved.previous_stay_id == first.id

    client = _login(app, journey["staff"]["case_manager"])
    body = client.get("/api/v1/residents").get_json()
    found = {r["id"]: r for r in body["residents"]}
    assert found[journey["resident"].id]["current_stay"] is None  # at the Rumah Aman again
    assert found[journey["resident"].id]["registered_facility_id"] == panti.id
    assert found[other.id]["registered_facility_id"] is None
    safe_stay = journey["safe_stay"].id
    for method, url in (("GET", f"/api/v1/stays/{safe_stay}/assessments"),
                        ("GET", f"/api/v1/stays/{safe_stay}/case-notes"),
                        ("GET", f"/api/v1/stays/{safe_stay}/plan"),
                        ("GET", f"/api/v1/plans/{journey['plan'].id}/versions"),
                        ("POST", f"/api/v1/stays/{safe_stay}/case-notes"),
                        ("POST", f"/api/v1/stays/{safe_stay}/discharge")):
        response = client.open(url, method=method, json={"kind": "visit", "body": "x", "outcome": "other"})
        assert response.status_code == 404, url
        assert not _leaks(response.get_data(as_text=True))
