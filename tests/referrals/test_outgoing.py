"""Outgoing referrals: a resident referred to a service during a stay, followed until done or declined;
seen and changed only by the stay's facility; on the resident's page, timeline and the caseworker's worklist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from shelter.extensions import db
from tests.conftest import audit_events, counting_statements
from tests.conftest import page_of


@dataclass
class Episode:
    facility: object
    stay: object
    resident: object
    caseworker: object
    manager: object


@pytest.fixture
def episode(make_facility, make_room, make_bed, make_user, make_resident, admin) -> Episode:
    from shelter.stays import service as stays

    facility = make_facility(name="Panti Rujukan Keluar")
    bed = make_bed(room=make_room(facility=facility))
    caseworker = make_user(roles=("caseworker",), facilities=[facility], full_name="Peksos Rujukan")
    manager = make_user(roles=("facility_manager",), facilities=[facility])
    resident = make_resident(facility, full_name="Ani Rujukan Rekaan")
    stay = stays.admit(resident, bed, by=admin)
    stays.assign_caseworker(stay, caseworker, by=admin)
    db.session.commit()
    return Episode(facility, stay, resident, caseworker, manager)


def refer(episode, by=None, **overrides):
    from shelter.referrals import outgoing

    values = dict(service_kind="psychologist", reason="Konseling trauma rekaan.")
    values.update(overrides)
    row = outgoing.create(episode.stay, outgoing.OutgoingInput(**values), by=by or episode.caseworker)
    db.session.commit()
    return row


def local_input(moment: datetime) -> str:
    from shelter.localtime import zone

    return moment.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


# --- the service ------------------------------------------------------------------------------------------

def test_a_referral_belongs_to_the_stay_and_is_audited_without_its_text(episode, make_partner):
    partner = make_partner(kind="psychologist", name="Psikolog Rekaan Uji")
    row = refer(episode, partner_id=partner.id)
    assert (row.stay_id, row.resident_id, row.facility_id, row.status) == (
        episode.stay.id, episode.resident.id, episode.facility.id, "sent")
    assert row.closed_at is None and row.partner.name == "Psikolog Rekaan Uji"
    [event] = audit_events("outgoing_referral.created")
    assert event.target_id == row.id and "Konseling" not in str(event.detail)


@pytest.mark.parametrize("overrides, problems", [
    (dict(service_kind="", reason=""), {"service_kind": "required", "reason": "required"}),
    (dict(service_kind="dukun"), {"service_kind": "invalid_choice"}),
    (dict(partner_id=2_000_000_000), {"partner_id": "unknown_partner"}),
    (dict(partner_id="abc"), {"partner_id": "unknown_partner"}),
    (dict(reason="a\x00b"), {"reason": "control_characters"}),
    (dict(reason="x" * 2001), {"reason": "too_long"}),
])
def test_bad_input_is_refused_field_by_field(episode, overrides, problems):
    from shelter.referrals import outgoing

    with pytest.raises(outgoing.OutgoingInvalid) as error:
        refer(episode, **overrides)
    assert error.value.problems == problems


def test_an_inactive_partner_is_not_offered_nor_accepted(episode, make_partner):
    from shelter.referrals import outgoing

    partner = make_partner(active=False)
    with pytest.raises(outgoing.OutgoingInvalid) as error:
        refer(episode, partner_id=partner.id)
    assert error.value.problems == {"partner_id": "unknown_partner"}


def test_a_stay_that_ended_recently_still_takes_a_referral_an_old_one_does_not(episode, admin):
    from shelter.referrals import outgoing
    from shelter.stays import service as stays

    stays.discharge(episode.stay, outcome="independent", by=admin)
    db.session.commit()
    assert refer(episode).status == "sent"
    episode.stay.admitted_at -= timedelta(days=outgoing.RECENT_DAYS + 5)
    episode.stay.discharged_at -= timedelta(days=outgoing.RECENT_DAYS + 1)
    db.session.commit()
    with pytest.raises(outgoing.OutgoingInvalid) as error:
        refer(episode)
    assert error.value.problems == {"stay": "stay_ended"}


def test_an_appointment_is_typed_in_wib_and_stored_in_utc(episode):
    from shelter.referrals import outgoing

    row = refer(episode)
    day = (datetime.now(timezone.utc) + timedelta(days=3)).date()
    outgoing.update_status(row, outgoing.StatusInput(status="appointment", appointment_at=f"{day}T09:30"),
                           by=episode.caseworker)
    db.session.commit()
    db.session.expire_all()
    assert row.appointment_at == datetime(day.year, day.month, day.day, 2, 30, tzinfo=timezone.utc)
    assert row.closed_at is None


@pytest.mark.parametrize("data, problems", [
    (dict(status="appointment", appointment_at="besok jam 9"), {"appointment_at": "datetime_format"}),
    (dict(status="appointment", appointment_at="2026-02-30T09:00"), {"appointment_at": "datetime_format"}),
    (dict(status="appointment", appointment_at=""), {"appointment_at": "required"}),
    (dict(status="appointment", appointment_at="2019-01-01T09:00"), {"appointment_at": "out_of_range"}),
    (dict(status="lost"), {"status": "invalid_choice"}),
    (dict(status="done", result="a\x1bb"), {"result": "control_characters"}),
])
def test_a_bad_status_update_changes_nothing(episode, data, problems):
    from shelter.referrals import outgoing

    row = refer(episode)
    with pytest.raises(outgoing.OutgoingInvalid) as error:
        outgoing.update_status(row, outgoing.StatusInput(**data), by=episode.caseworker)
    assert error.value.problems == problems
    db.session.rollback()
    db.session.expire_all()
    assert (row.status, row.appointment_at, row.closed_at) == ("sent", None, None)


def test_done_and_declined_close_it_and_the_status_only_moves_forward(episode):
    from shelter.referrals import outgoing

    first, second = refer(episode), refer(episode, service_kind="legal_aid")
    soon = local_input(datetime.now(timezone.utc) + timedelta(days=1))
    outgoing.update_status(first, outgoing.StatusInput(status="appointment", appointment_at=soon), by=episode.caseworker)
    with pytest.raises(outgoing.OutgoingInvalid) as error:
        outgoing.update_status(first, outgoing.StatusInput(status="accepted"), by=episode.caseworker)
    assert error.value.problems == {"status": "backwards"}
    outgoing.update_status(first, outgoing.StatusInput(status="done", appointment_at=soon,
                                                       result="Konseling 4 sesi, membaik."), by=episode.caseworker)
    outgoing.update_status(second, outgoing.StatusInput(status="declined", result="Kuota penuh."), by=episode.caseworker)
    db.session.commit()
    assert first.closed_at is not None and second.closed_at is not None
    with pytest.raises(outgoing.OutgoingInvalid) as error:
        outgoing.update_status(first, outgoing.StatusInput(status="done"), by=episode.caseworker)
    assert error.value.problems == {"status": "closed"}
    events = audit_events("outgoing_referral.updated")
    assert [e.detail["status"] for e in events] == ["appointment", "done", "declined"]
    assert "membaik" not in str([e.detail for e in events])


def test_staff_of_another_facility_may_not_refer_or_update(episode, make_user, make_facility):
    from shelter.referrals import outgoing

    stranger = make_user(roles=("caseworker", "facility_manager"), facilities=[make_facility()])
    with pytest.raises(outgoing.NotAllowed):
        refer(episode, by=stranger)
    row = refer(episode)
    with pytest.raises(outgoing.NotAllowed):
        outgoing.update_status(row, outgoing.StatusInput(status="done"), by=stranger)


# --- the pages --------------------------------------------------------------------------------------------

def test_a_caseworker_refers_from_the_resident_page_with_htmx(client, login_as, episode, make_partner):
    partner = make_partner(name="LBH Rekaan Halaman", kind="legal_aid")
    make_partner(name="Mitra Rekaan Nonaktif", active=False)
    login_as(episode.caseworker)
    page = client.get(f"/residents/{episode.resident.id}").get_data(as_text=True)
    assert f"/referrals/outgoing/residents/{episode.resident.id}" in page
    form = client.htmx("GET", f"/referrals/outgoing/stays/{episode.stay.id}/new").get_data(as_text=True)
    assert "LBH Rekaan Halaman" in form and "Mitra Rekaan Nonaktif" not in form
    response = client.htmx("POST", f"/referrals/outgoing/stays/{episode.stay.id}/new", data={
        "service_kind": "legal_aid", "partner_id": str(partner.id), "reason": "Pendampingan laporan polisi rekaan."})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="outgoing-section"' in html
    assert "Pendampingan laporan polisi rekaan." in html and "Rujukan dicatat." in html
    section = client.htmx("GET", f"/referrals/outgoing/residents/{episode.resident.id}").get_data(as_text=True)
    assert "LBH Rekaan Halaman" in section and "Terkirim" in section


def test_bad_input_on_the_form_shows_next_to_the_field_and_keeps_the_text(client, login_as, episode):
    from shelter.referrals.models import OutgoingReferral

    login_as(episode.caseworker)
    page = client.get(f"/referrals/outgoing/stays/{episode.stay.id}/new")  # without htmx: a page of its own
    assert page.status_code == 200 and "Catat rujukan" in page.get_data(as_text=True)
    data = {"service_kind": "", "partner_id": "999999", "reason": "Alasan yang diketik rekaan"}
    plain = client.post(f"/referrals/outgoing/stays/{episode.stay.id}/new", data=data)
    html = plain.get_data(as_text=True)
    assert plain.status_code == 422
    assert "Pilih jenis layanan." in html and "Pilih mitra aktif dari daftar" in html
    assert "Alasan yang diketik rekaan" in html
    htmx = client.htmx("POST", f"/referrals/outgoing/stays/{episode.stay.id}/new", data=data)
    assert htmx.status_code == 200 and "Pilih jenis layanan." in htmx.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingReferral)) == 0


def test_an_appointment_in_a_bad_format_is_a_field_message_and_changes_nothing(client, login_as, episode):
    row = refer(episode)
    login_as(episode.caseworker)
    page = client.get(f"/referrals/outgoing/{row.id}/status")
    assert page.status_code == 200 and 'type="datetime-local"' in page.get_data(as_text=True)
    response = client.htmx("POST", f"/referrals/outgoing/{row.id}/status", data={
        "status": "appointment", "appointment_at": "Senin pagi", "result": "Hasil rekaan diketik"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Isi tanggal dan jam, misalnya" in html and 'value="Senin pagi"' in html and "Hasil rekaan diketik" in html
    db.session.expire_all()
    assert row.status == "sent" and row.appointment_at is None

    soon = datetime.now(timezone.utc) + timedelta(days=2)
    plain = client.post(f"/referrals/outgoing/{row.id}/status", data={
        "status": "appointment", "appointment_at": local_input(soon)})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/residents/{episode.resident.id}#outgoing-section")
    db.session.expire_all()
    assert row.status == "appointment" and row.appointment_at == soon.replace(second=0, microsecond=0)


def test_another_facility_gets_the_404_of_a_missing_record(client, login_as, episode, make_user, make_facility,
                                                           make_resident):
    from shelter.referrals.models import OutgoingReferral

    row = refer(episode)
    other = make_facility()
    stranger = make_user(roles=("caseworker", "facility_manager", "intake_staff", "case_manager"), facilities=[other])
    login_as(stranger)
    missing = {htmx: page_of(client.open("/referrals/outgoing/2000000000/status", method="POST",
                                         headers={"HX-Request": "true"} if htmx else {})) for htmx in (False, True)}
    for htmx in (False, True):
        headers = {"HX-Request": "true"} if htmx else {}
        for method, url, data in (
                ("GET", f"/referrals/outgoing/{row.id}/status", None),
                ("POST", f"/referrals/outgoing/{row.id}/status", {"status": "done", "result": "Ditimpa"}),
                ("GET", f"/referrals/outgoing/stays/{episode.stay.id}/new", None),
                ("POST", f"/referrals/outgoing/stays/{episode.stay.id}/new", {"service_kind": "police",
                                                                                "reason": "Ditimpa"}),
                ("GET", f"/referrals/outgoing/residents/{episode.resident.id}", None)):
            response = client.open(url, method=method, data=data or {}, headers=headers)
            assert response.status_code == 404, (method, url)
            if method == "POST":
                assert page_of(response) == missing[htmx]
    db.session.expire_all()
    assert row.status == "sent"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingReferral)) == 1
    # A resident this facility also knows (registered there) shows none of the other facility's referrals.
    episode.resident.registered_facility_id = other.id
    db.session.commit()
    section = client.htmx("GET", f"/referrals/outgoing/residents/{episode.resident.id}").get_data(as_text=True)
    assert "Konseling trauma rekaan." not in section and "Tidak ada masa tinggal di fasilitas Anda" in section
    timeline = client.htmx("GET", f"/referrals/outgoing/residents/{episode.resident.id}/timeline")
    assert timeline.status_code == 200 and "stay-outgoing" not in timeline.get_data(as_text=True)


def test_the_timeline_shows_them_in_their_stay(client, login_as, episode):
    from shelter.referrals import outgoing

    row = refer(episode)
    outgoing.update_status(row, outgoing.StatusInput(status="declined", result="Tidak ada kuota."),
                           by=episode.caseworker)
    db.session.commit()
    login_as(episode.manager)
    page = client.get(f"/residents/{episode.resident.id}").get_data(as_text=True)
    assert f'id="stay-{episode.stay.id}-outgoing"' in page
    assert f"/referrals/outgoing/residents/{episode.resident.id}/timeline" in page
    entries = client.htmx("GET", f"/referrals/outgoing/residents/{episode.resident.id}/timeline").get_data(as_text=True)
    assert f'id="stay-{episode.stay.id}-outgoing" hx-swap-oob="true"' in entries
    assert "Psikolog" in entries and "Ditolak" in entries and "Ditutup" in entries
    assert client.get(f"/referrals/outgoing/residents/{episode.resident.id}/timeline").status_code == 302


def test_the_section_costs_the_same_with_one_or_many_referrals(client, login_as, episode, make_partner):
    login_as(episode.caseworker)
    url = f"/referrals/outgoing/residents/{episode.resident.id}"
    refer(episode, partner_id=make_partner().id)
    client.htmx("GET", url)
    with counting_statements() as few:
        client.htmx("GET", url)
    for _ in range(6):
        refer(episode, partner_id=make_partner().id)
    with counting_statements() as many:
        html = client.htmx("GET", url).get_data(as_text=True)
    assert html.count('class="outgoing outgoing-sent"') == 7
    assert len(many) == len(few)


# --- the worklist -----------------------------------------------------------------------------------------

def test_an_open_referral_is_on_the_caseworkers_worklist_until_it_is_closed(app, client, login_as, episode):
    from shelter.localtime import local_today
    from shelter.referrals import outgoing, queries_outgoing
    from shelter.worklist_items import WorkKind

    row = refer(episode)
    today = local_today()
    with app.test_request_context():
        [item] = queries_outgoing.worklist_items(facility_ids={episode.facility.id}, caseworker_id=episode.caseworker.id,
                                                 today=today)
        assert item.kind == WorkKind.OUTGOING_REFERRAL and item.resident_id == episode.resident.id
        assert item.due_on == today + timedelta(days=queries_outgoing.FOLLOW_UP_DAYS) and not item.overdue
        assert queries_outgoing.worklist_items(facility_ids=set(), caseworker_id=None, today=today) == []
        assert queries_outgoing.worklist_items(facility_ids={episode.facility.id + 1000}, caseworker_id=None,
                                               today=today) == []
    login_as(episode.caseworker)
    home = client.get("/").get_data(as_text=True)
    assert "Rujukan keluar yang perlu ditindaklanjuti" in home and "Rujukan ke Psikolog: Terkirim" in home

    outgoing.update_status(row, outgoing.StatusInput(status="done", result="Selesai."), by=episode.caseworker)
    db.session.commit()
    home = client.get("/").get_data(as_text=True)
    assert "Rujukan ke Psikolog" not in home
