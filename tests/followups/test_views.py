"""The follow-up pages: My follow-ups by WIB day, recording inline (htmx) with validation, flags for the
case managers (in the app and by SMS), assignment, acknowledgement, the resident section, the plan form,
the policy editor, and 404 for everything outside the user's facilities."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine

from shelter.extensions import db
from shelter.followups import service
from shelter.followups.models import FollowUp, ReunificationPlan
from tests.conftest import audit_events, counting_statements
from tests.followups.conftest import admit_and_discharge, outbox, schedule, wib

NOW = wib(2026, 3, 20, 9, 0)  # WIB


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def discharged(world, clock):
    """Discharged home 7 days ago: the first follow-up (a phone call) is due today."""
    return admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                               caseworker=world["caseworker"], at=NOW - timedelta(days=7))


def record_data(followup, **values):
    data = {"status": "done", "done_on": "2026-03-20", "method": "phone_call", "outcome": "stable",
            "notes": "", "view": "mine"}
    data.update(values)
    return {f"f{followup.id}-{k}": v for k, v in data.items()}


def first(stay) -> FollowUp:
    return schedule(stay)[0]


def test_my_follow_ups_by_day_with_empty_states(client, login_as, world, discharged, make_resident):
    older = admit_and_discharge(make_resident(world["a"], full_name="Ratih Overdue"), world["beds"][1],
                                intake=world["intake"], caseworker=world["caseworker"], at=NOW - timedelta(days=9))
    soon = admit_and_discharge(make_resident(world["a"], full_name="Sekar Besok"), world["beds"][2],
                               intake=world["intake"], caseworker=world["caseworker"], at=NOW - timedelta(days=4))
    login_as(world["caseworker"])
    html = client.get("/follow-ups/mine").get_data(as_text=True)
    sections = {key: re.search(rf'id="followups-{key}".*?</section>', html, re.S).group(0)
                for key in ("overdue", "today", "week")}
    assert "Ratih Overdue" in sections["overdue"] and "Overdue" in sections["overdue"]
    assert "Siti Rahmawati Contoh" in sections["today"]
    assert "Sekar Besok" in sections["week"]
    assert "3 more follow-ups are due later." not in html and "more follow-ups are due later" in html

    login_as(world["caseworker2"])
    html = client.get("/follow-ups/mine").get_data(as_text=True)
    for empty in ("Nothing overdue.", "Nothing due today.", "Nothing else due in the next seven days."):
        assert empty in html


def test_record_concerns_inline_flags_it_for_the_case_manager_in_app_and_by_sms(
        client, login_as, world, discharged):
    world["manager"].locale = "en"
    db.session.commit()
    item = first(discharged)
    login_as(world["caseworker"])
    response = client.htmx("POST", f"/follow-ups/{item.id}/record",
                           data=record_data(item, outcome="concerns", notes="Ayah kembali minum."))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.startswith(f'<li id="followup-{item.id}"') and "Flagged: awaiting review" in html
    assert 'id="flash"' in html and "The case managers have been alerted." in html
    db.session.expire_all()
    item = db.session.get(FollowUp, item.id)
    assert (item.status, item.outcome, item.done_on) == ("done", "concerns", date(2026, 3, 20))
    assert item.flagged_at is not None and item.recorded_by_id == world["caseworker"].id
    sms = outbox("followup.flagged")
    assert [(m.to_number, m.body) for m in sms] == [
        (world["manager"].phone, "1 follow-up with concerns awaits your review — open Shelter")]
    assert [e.detail["flagged"] for e in audit_events("followup.recorded")] == [True]

    login_as(world["manager"])
    listing = client.get("/follow-ups/?flagged=waiting").get_data(as_text=True)
    assert "Siti Rahmawati Contoh" in listing and "followup-flagged" in listing
    assert "1 flag awaits review" in listing
    response = client.htmx("POST", f"/follow-ups/{item.id}/acknowledge", data={"view": "list"})
    assert "Flag acknowledged." in response.get_data(as_text=True)
    assert "Flagged: awaiting review" not in response.get_data(as_text=True)
    assert "Siti Rahmawati Contoh" not in client.get("/follow-ups/?flagged=waiting").get_data(as_text=True)
    again = client.htmx("POST", f"/follow-ups/{item.id}/record", data=record_data(item))
    assert "This follow-up was already recorded by someone else." in again.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(FollowUp, item.id).outcome == "concerns"


@pytest.mark.parametrize("values, field, message", [
    ({"done_on": "2026-03-21"}, "done_on", "The date cannot be in the future."),
    ({"done_on": "2026-03-12"}, "done_on", "The date cannot be before the discharge."),
    ({"done_on": "kemarin"}, "done_on", "Enter a valid date."),
    ({"done_on": ""}, "done_on", "Enter the date of the follow-up."),
    ({"outcome": ""}, "outcome", "Choose the outcome."),
    ({"outcome": "great"}, "outcome", "Choose from the list."),
    ({"method": ""}, "method", "Choose how the follow-up was done."),
    ({"status": "maybe"}, "status", "Choose whether the follow-up was done or missed."),
    ({"status": "missed", "outcome": "", "method": ""}, "notes", "Write why the follow-up was missed."),
    ({"notes": "x" * 4001}, "notes", "The notes can be at most 4000 characters."),
    ({"notes": "bad\x00"}, "notes", "Remove the invisible control characters."),
])
def test_bad_records_show_a_message_keep_the_input_and_change_nothing(
        client, login_as, world, discharged, values, field, message):
    item = first(discharged)
    login_as(world["caseworker"])
    response = client.htmx("POST", f"/follow-ups/{item.id}/record", data=record_data(item, **values))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    error = re.search(rf'id="err-f{item.id}-{field}"[^>]*>(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert "<details class=\"followup-record-form\" open>" in html
    plain = client.post(f"/follow-ups/{item.id}/record", data=record_data(item, **values))
    assert plain.status_code == 422
    db.session.expire_all()
    assert db.session.get(FollowUp, item.id).status == "open"
    assert audit_events("followup.recorded") == [] and outbox() == []


def test_a_missed_follow_up_with_a_reason_is_recorded_without_a_flag(client, login_as, world, discharged):
    item = first(discharged)
    login_as(world["caseworker2"])  # any caseworker of the facility may record
    response = client.post(f"/follow-ups/{item.id}/record",
                           data=record_data(item, status="missed", outcome="", method="", notes="Telepon mati",
                                            view="resident"))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/residents/{discharged.resident_id}#followups")
    db.session.expire_all()
    item = db.session.get(FollowUp, item.id)
    assert (item.status, item.outcome, item.flagged_at) == ("missed", None, None)
    assert outbox() == []


def test_the_resident_page_loads_the_section_lazily(client, login_as, world, discharged):
    login_as(world["caseworker"])
    page = client.get(f"/residents/{discharged.resident_id}").get_data(as_text=True)
    assert f'hx-get="/follow-ups/resident/{discharged.resident_id}"' in page and 'hx-trigger="load"' in page
    section = client.htmx("GET", f"/follow-ups/resident/{discharged.resident_id}").get_data(as_text=True)
    assert section.count('class="followup') >= 4 and "No reunification plan yet." in section
    assert "Write a reunification plan" in section
    assert client.get(f"/follow-ups/resident/{discharged.resident_id}").status_code == 302


def test_the_resident_page_issues_the_same_statements_with_or_without_follow_ups(
        client, login_as, world, make_resident):
    """The section is loaded by htmx, so the page's own statement count does not move."""
    login_as(world["caseworker"])
    plain = make_resident(world["a"], full_name="Tanpa Jadwal")
    with counting_statements() as before:
        assert client.get(f"/residents/{plain.id}").status_code == 200
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"],
                               caseworker=world["caseworker"])
    with counting_statements() as after:
        assert client.get(f"/residents/{stay.resident_id}").status_code == 200
    assert not any("follow_ups" in s for s in after)
    assert len([s for s in after if "follow" in s]) == len([s for s in before if "follow" in s]) == 0


def test_case_manager_assigns_unassigned_follow_ups(client, login_as, world, clock):
    stay = admit_and_discharge(world["resident"], world["beds"][0], intake=world["intake"])
    items = schedule(stay)
    assert {f.caseworker_id for f in items} == {None}
    login_as(world["manager"])
    listing = client.get("/follow-ups/?caseworker=none").get_data(as_text=True)
    assert "Not assigned" in listing and 'name="caseworker_id"' in listing
    response = client.htmx("POST", f"/follow-ups/{items[1].id}/assign",
                           data={"caseworker_id": str(world["caseworker2"].id), "view": "list"})
    assert "Tono Peksos" in response.get_data(as_text=True)
    assert [f.caseworker_id for f in schedule(stay)] == [None] + [world["caseworker2"].id] * 3
    bad = client.htmx("POST", f"/follow-ups/{items[0].id}/assign",
                      data={"caseworker_id": str(world["b_caseworker"].id), "view": "list"})
    assert "Choose a caseworker of this facility." in bad.get_data(as_text=True)
    assert schedule(stay)[0].caseworker_id is None
    login_as(world["caseworker"])  # caseworkers do not assign
    assert client.htmx("POST", f"/follow-ups/{items[0].id}/assign",
                       data={"caseworker_id": str(world["caseworker"].id)}).status_code == 404


def test_the_facility_list_filters_and_pages(client, login_as, world, discharged, admin):
    login_as(world["manager"])
    html = client.get("/follow-ups/").get_data(as_text=True)
    assert "4 follow-ups" in html
    html = client.get("/follow-ups/?status=done").get_data(as_text=True)
    assert "No follow-ups match." in html
    html = client.get(f"/follow-ups/?caseworker={world['caseworker'].id}&status=open").get_data(as_text=True)
    assert "4 follow-ups" in html
    for junk in ("?facility=abc", "?caseworker=99999999999", "?status=%00", "?page=-4", "?page=99999999999999"):
        assert client.get("/follow-ups/" + junk).status_code == 200
    fragment = client.htmx("GET", "/follow-ups/?status=open").get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="followups-list">')
    login_as(admin)
    assert "4 follow-ups" in client.get("/follow-ups/").get_data(as_text=True)


def test_outside_the_users_facilities_everything_is_404(client, login_as, world, discharged):
    item = first(discharged)
    login_as(world["b_caseworker"])
    assert client.htmx("POST", f"/follow-ups/{item.id}/record", data=record_data(item)).status_code == 404
    assert client.htmx("POST", f"/follow-ups/{item.id}/acknowledge", data={}).status_code == 404
    assert client.htmx("GET", f"/follow-ups/resident/{discharged.resident_id}").status_code == 404
    assert client.get(f"/follow-ups/resident/{discharged.resident_id}/plan").status_code == 404
    assert "Siti Rahmawati Contoh" not in client.get("/follow-ups/").get_data(as_text=True)
    assert "Siti Rahmawati Contoh" not in client.get("/follow-ups/mine").get_data(as_text=True)
    login_as(world["b_manager"])
    assert client.htmx("POST", f"/follow-ups/{item.id}/assign", data={"caseworker_id": ""}).status_code == 404
    login_as(world["intake"])  # staff of the facility, but not a caseworker or case manager
    assert client.htmx("POST", f"/follow-ups/{item.id}/record", data=record_data(item)).status_code == 404
    assert client.get("/follow-ups/policy").status_code == 404
    db.session.expire_all()
    assert db.session.get(FollowUp, item.id).status == "open"


def test_reunification_plan_form_creates_edits_and_refuses_stale_edits(client, login_as, world, discharged):
    resident = world["resident"]
    login_as(world["caseworker"])
    url = f"/follow-ups/resident/{resident.id}/plan"
    response = client.post(url, data={"family_contact_id": "", "relation": "", "destination": "",
                                      "family_assessment": "", "planned_on": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose a family contact or describe who the resident goes to." in html
    assert "Enter the kota or kabupaten the resident goes to." in html
    assert client.post(url, data={"family_contact_id": "77", "relation": "Bibi", "destination": "Bogor"}
                       ).status_code == 422
    response = client.post(url, data={"relation": "Bibi dari pihak ibu", "destination": "Kabupaten Bogor",
                                      "family_assessment": "Rumah layak, bibi siap menerima.",
                                      "planned_on": "2026-04-01"})
    assert response.status_code == 302
    plan = db.session.query(ReunificationPlan).one()
    assert (plan.relation, plan.destination, plan.planned_on, plan.version) == (
        "Bibi dari pihak ibu", "Kabupaten Bogor", date(2026, 4, 1), 1)
    form = client.get(url).get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form or 'value="1"' in form
    ok = client.post(url, data={"relation": "Bibi", "destination": "Kabupaten Bogor", "version": "1"})
    assert ok.status_code == 302
    stale = client.post(url, data={"relation": "Paman", "destination": "Depok", "version": "1"})
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    db.session.expire_all()
    plan = db.session.query(ReunificationPlan).one()
    assert (plan.relation, plan.version) == ("Bibi", 2)
    assert [e.detail["fields"] for e in audit_events("reunification_plan.updated")] == [
        ["relation", "family_assessment", "planned_on"]]
    section = client.htmx("GET", f"/follow-ups/resident/{resident.id}").get_data(as_text=True)
    assert "Kabupaten Bogor" in section and "Edit the reunification plan" in section


def test_admin_edits_the_policy(client, login_as, admin):
    login_as(admin)
    html = client.get("/follow-ups/policy").get_data(as_text=True)
    assert html.count('name="s') >= 8  # four steps, offset and method each
    steps = service.policy_steps()
    response = client.post("/follow-ups/policy", data={"new-offset_days": "30", "new-method": "home_visit"})
    assert response.status_code == 422 and "There is already a step on that day." in response.get_data(as_text=True)
    response = client.post("/follow-ups/policy", data={"new-offset_days": "abc", "new-method": "home_visit"})
    assert response.status_code == 422 and "Enter a whole number of days." in response.get_data(as_text=True)
    assert client.post("/follow-ups/policy", data={"new-offset_days": "365", "new-method": "home_visit"}
                       ).status_code == 302
    assert client.post(f"/follow-ups/policy/{steps[0].id}", data={f"s{steps[0].id}-offset_days": "5",
                                                                   f"s{steps[0].id}-method": "video_call"}
                       ).status_code == 302
    response = client.htmx("POST", f"/follow-ups/policy/{steps[3].id}/delete")
    assert response.headers["HX-Redirect"] == "/follow-ups/policy"
    db.session.expire_all()
    assert [(s.offset_days, s.method) for s in service.policy_steps()] == [
        (5, "video_call"), (30, "home_visit"), (90, "home_visit"), (365, "home_visit")]
    assert len(audit_events("followup_policy.step_added")) == 1
