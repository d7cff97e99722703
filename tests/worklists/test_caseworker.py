"""Choosing the caseworker (pekerja sosial) responsible for a stay, on the resident page."""

from __future__ import annotations

import pytest

from shelter.extensions import db
from shelter.stays.models import Stay
from tests.conftest import audit_events


def url(stay) -> str:
    return f"/worklists/stays/{stay.id}/caseworker"


def caseworker_id(stay) -> int | None:
    db.session.expire_all()
    return db.session.get(Stay, stay.id).caseworker_id


@pytest.mark.parametrize("who", ["manager_a", "intake_a", "admin"])
def test_staff_who_place_residents_choose_among_the_facilitys_caseworkers(request, admit, login_as, who,
                                                                       caseworker_a, caseworker_a2, caseworker_b):
    stay = admit()
    client = login_as(request.getfixturevalue(who))
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert 'id="caseworker"' in page and "No caseworker is responsible for this stay yet." in page
    # the choice is folded and fetched when opened (the page does not build the list for every visit)
    assert "Choose the caseworker" in page and f'hx-get="{url(stay)}/form"' in page
    assert "Ani Pekerja" not in page
    choice = client.htmx("GET", f"{url(stay)}/form").get_data(as_text=True)
    assert "Ani Pekerja" in choice and "Budi Pekerja" in choice and 'name="cw-caseworker"' in choice
    assert "Citra Pekerja B" not in choice  # another facility's caseworker is no choice
    assert "<html" not in choice

    response = client.htmx("POST", url(stay), data={"cw-caseworker": str(caseworker_a2.id)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Responsible for this stay: Budi Pekerja" in html and "Caseworker set." in html
    assert caseworker_id(stay) == caseworker_a2.id
    [event] = audit_events("stay.caseworker_assigned")
    assert event.detail == {"caseworker_id": caseworker_a2.id, "previous_id": None}


def test_plain_post_redirects_to_the_resident_page_and_clearing_works(admit, login_as, manager_a, caseworker_a):
    stay = admit(caseworker=caseworker_a)
    client = login_as(manager_a)
    response = client.post(url(stay), data={"cw-caseworker": ""})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/residents/{stay.resident_id}#caseworker")
    assert caseworker_id(stay) is None
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert "Caseworker removed." in page and "No caseworker is responsible for this stay yet." in page


@pytest.mark.parametrize("value", ["other-facility", "abc", "99999999999", "-1"])
def test_a_choice_outside_the_list_is_refused_and_changes_nothing(admit, login_as, manager_a, caseworker_a,
                                                                   caseworker_b, value):
    stay = admit(caseworker=caseworker_a)
    client = login_as(manager_a)
    events = len(audit_events())
    posted = str(caseworker_b.id) if value == "other-facility" else value
    response = client.post(url(stay), data={"cw-caseworker": posted})
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    assert "Choose a caseworker of this facility from the list." in refused
    assert "<html" in refused and 'name="cw-caseworker"' in refused  # the form's own page, not a fragment
    htmx = client.htmx("POST", url(stay), data={"cw-caseworker": posted})
    assert htmx.status_code == 200 and 'role="alert"' in htmx.get_data(as_text=True)
    assert caseworker_id(stay) == caseworker_a.id
    assert len(audit_events()) == events


def test_a_caseworker_sees_who_is_responsible_but_cannot_change_it(admit, login_as, caseworker_a, caseworker_a2):
    stay = admit(caseworker=caseworker_a)
    client = login_as(caseworker_a)
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert "Responsible for this stay: Ani Pekerja" in page
    assert 'name="cw-caseworker"' not in page and "Change the caseworker" not in page
    assert client.get(f"{url(stay)}/form").status_code == 404
    assert client.htmx("GET", f"{url(stay)}/form").status_code == 404
    assert client.post(url(stay), data={"cw-caseworker": str(caseworker_a2.id)}).status_code == 404
    assert caseworker_id(stay) == caseworker_a.id


def test_staff_of_another_facility_get_404(admit, login_as, make_user, facility_b, caseworker_a):
    stay = admit()
    manager_b = make_user(roles=("case_manager",), facilities=[facility_b])
    client = login_as(manager_b)
    assert client.get(url(stay)).status_code == 404
    assert client.htmx("GET", url(stay)).status_code == 404
    assert client.htmx("GET", f"{url(stay)}/form").status_code == 404
    assert client.post(url(stay), data={"cw-caseworker": str(caseworker_a.id)}).status_code == 404
    assert caseworker_id(stay) is None


def test_the_panel_refreshes_alone_for_htmx_and_redirects_otherwise(admit, login_as, manager_a):
    stay = admit()
    client = login_as(manager_a)
    fragment = client.htmx("GET", url(stay))
    assert fragment.status_code == 200
    assert fragment.get_data(as_text=True).lstrip().startswith("{#") is False
    assert "<html" not in fragment.get_data(as_text=True) and 'id="caseworker"' in fragment.get_data(as_text=True)
    assert client.get(url(stay)).status_code == 302


def test_without_javascript_the_choice_opens_on_a_page_of_its_own(admit, login_as, manager_a, caseworker_a):
    stay = admit(caseworker=caseworker_a)
    client = login_as(manager_a)
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert "Change the caseworker" in page and f'href="{url(stay)}/form"' in page  # the link inside the fold
    form_page = client.get(f"{url(stay)}/form")
    assert form_page.status_code == 200
    html = form_page.get_data(as_text=True)
    assert "<html" in html and "Responsible for this stay: Ani Pekerja" in html
    assert f'<option selected value="{caseworker_a.id}">' in html or f'value="{caseworker_a.id}" selected' in html


def test_a_discharged_stay_has_no_panel_and_cannot_be_assigned(admit, login_as, manager_a, intake_a, caseworker_a):
    from shelter.stays import service as stays

    stay = admit()
    stays.discharge(stay, outcome="independent", by=intake_a)
    db.session.commit()
    client = login_as(manager_a)
    page = client.get(f"/residents/{stay.resident_id}").get_data(as_text=True)
    assert 'id="caseworker"' not in page
    response = client.post(url(stay), data={"cw-caseworker": str(caseworker_a.id)}, follow_redirects=True)
    assert "This stay has ended" in response.get_data(as_text=True)
    assert caseworker_id(stay) is None
