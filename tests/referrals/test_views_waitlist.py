"""The waitlist through the pages: nothing fits → the waitlist; the order with places, a move needs a
reason and is audited; a match names the facility, a Rumah Aman only as a protected facility."""

from __future__ import annotations

import re

from shelter.extensions import db
from shelter.referrals import waitlist
from shelter.referrals.models import Referral
from tests.conftest import audit_events


def test_with_no_fitting_bed_the_referral_goes_onto_the_waitlist(client, login_as, case_manager, make_referral):
    referral = make_referral(by=case_manager, children=[(2, "female")])
    login_as(case_manager)
    page = client.get(f"/referrals/{referral.id}/placement").get_data(as_text=True)
    assert "tidak ada tempat tidur kosong yang sesuai" in page and "waitlist-add" in page
    response = client.post(f"/referrals/{referral.id}/waitlist", data={"note": "Tunggu kamar keluarga"})
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Referral, referral.id).status == "waitlisted"
    listed = client.get("/referrals/?view=waitlist").get_data(as_text=True)
    assert f'id="waiting-{referral.id}"' in listed and "Urutan ke-1" in listed


def test_moving_up_needs_a_reason_and_is_audited(client, login_as, case_manager, make_referral):
    first = make_referral(by=case_manager, urgency="emergency")
    second = make_referral(by=case_manager, urgency="planned")
    for referral in (first, second):
        waitlist.add(referral, by=case_manager)
    db.session.commit()
    login_as(case_manager)

    bare = client.post(f"/referrals/{second.id}/waitlist/move", data={"step": "up", "reason": "  "})
    html = bare.get_data(as_text=True)
    assert bare.status_code == 422 and f'id="err-reason-{second.id}"' in html and "Isi alasannya." in html
    assert audit_events("referral.reordered") == []
    assert waitlist.positions() == {first.id: 1, second.id: 2}

    moved = client.post(f"/referrals/{second.id}/waitlist/move",
                        data={"step": "up", "reason": "Anak balita sakit, perlu segera"})
    assert moved.status_code == 302
    db.session.rollback()
    assert waitlist.positions() == {second.id: 1, first.id: 2}
    events = audit_events("referral.reordered")
    assert len(events) == 1 and events[0].actor_id == case_manager.id
    assert "Anak balita" not in str(events[0].detail)  # ids only in the audit trail
    history = client.get(f"/referrals/{second.id}").get_data(as_text=True)
    assert "Urutan daftar tunggu diubah" in history and "Anak balita sakit, perlu segera" in history


def test_a_match_names_the_panti_and_keeps_a_rumah_aman_protected(client, login_as, case_manager, make_referral,
                                                                 make_facility):
    panti = make_facility(name="Panti Cocok Rekaan")
    safe = make_facility(name="Rumah Aman Rahasia Rekaan", kind="rumah_aman", code="RAR-9")
    in_panti, in_safe = make_referral(by=case_manager), make_referral(by=case_manager)
    for referral in (in_panti, in_safe):
        waitlist.add(referral, by=case_manager)
    for referral, facility in ((in_panti, panti), (in_safe, safe)):  # as the matching does when beds free up
        referral.matched_facility_id = facility.id
    db.session.commit()
    login_as(case_manager)
    html = client.get("/referrals/?view=waitlist").get_data(as_text=True)
    assert "Cocok dengan tempat tidur kosong di Panti Cocok Rekaan" in html
    assert "Cocok dengan tempat tidur kosong di fasilitas terlindung" in html
    assert "Rumah Aman Rahasia Rekaan" not in html
    assert f'/referrals/{in_safe.id}/placement' in html
    counts = client.get("/referrals/menu-counts", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert re.search(r'id="menu-referrals-count" hx-swap-oob="true"><span[^>]*>2<', counts)
