"""The worklists fed by the features themselves (assessments, plans, follow-ups, programmes), with records
made through their services: what each person sees, and a number of SQL statements that does not grow
with the number of residents."""

from __future__ import annotations

import re

from tests.conftest import counting_statements


def _home_statements(app, user, url: str = "/") -> tuple[int, str]:
    """(statements issued by GET /, the page) for this user, in a client of its own; the login is not counted."""
    from tests.conftest import login

    client = app.test_client()
    login(client, user)
    client.post("/language", data={"locale": "en", "next": "/"})  # the tests read the English wording
    client.get(url)  # warm up: the first request loads what every later one has cached
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


def test_worklist_pages_issue_the_same_statements_for_2_and_30_residents(app, populate, caseworker_a, manager_a,
                                                                         admin):
    filtered = f"/?caseworker={caseworker_a.id}&page=2"

    def measure() -> dict:
        pages = {who.email: _home_statements(app, who) for who in (caseworker_a, manager_a, admin)}
        pages["filtered"] = _home_statements(app, manager_a, filtered)
        return pages

    populate(2)
    small = measure()
    populate(28)
    large = measure()
    for email in small:
        assert large[email][0] == small[email][0], f"{email}: {small[email][0]} → {large[email][0]} statements"
    # The larger page really shows more work (the counts are not of an empty list).
    assert "Penghuni Rekaan 028" in large[manager_a.email][1]
    assert "Penghuni Rekaan 024" in large[caseworker_a.email][1]  # 24: caseworker a, first assessment due
    assert large[manager_a.email][1].count("<li class=\"when-") > small[manager_a.email][1].count("<li class=\"when-")


def test_each_caseworker_sees_the_work_on_their_own_residents(app, populate, login_as, caseworker_a, caseworker_a2,
                                                            manager_a):
    stays = populate(4)  # 0: a, assessment due · 1: a2, review due · 2: nobody, approval · 3: a, follow-up
    html = login_as(caseworker_a).get("/").get_data(as_text=True)
    section = html[html.index('id="worklist"'):]
    assert f'href="/assessments/stays/{stays[0].id}/new"' in section and "Penghuni Rekaan 000" in section
    assert "Penghuni Rekaan 003" in section and "Follow-up: Phone call" in section
    assert "Menjahit session at 09.00 WIB" in section  # resident 000 is enrolled
    for other in ("Penghuni Rekaan 001", "Penghuni Rekaan 002"):
        assert other not in section
    assert re.search(r"Overdue since", section)

    _, html = _home_statements(app, caseworker_a2)  # a second client: the first is logged in as a
    section = html[html.index('id="worklist"'):]
    assert "Penghuni Rekaan 001" in section and "Rehabilitation plan review due" in section
    assert "Penghuni Rekaan 000" not in section and "Penghuni Rekaan 003" not in section


def test_the_case_manager_sees_everything_with_approvals_and_the_unassigned(app, populate, login_as, manager_a,
                                                                          caseworker_a, caseworker_a2):
    populate(4)
    html = login_as(manager_a).get("/").get_data(as_text=True)
    for name in ("Penghuni Rekaan 000", "Penghuni Rekaan 001", "Penghuni Rekaan 002", "Penghuni Rekaan 003"):
        assert name in html
    assert "Plans waiting for approval" in html and "Rehabilitation plan waiting for approval" in html
    from tests.worklists.test_home import _count_rows

    filtered = login_as(manager_a).get(f"/?caseworker={caseworker_a.id}").get_data(as_text=True)
    assert "Menjahit session at 09.00 WIB" in filtered  # a's resident 000 is enrolled in today's session
    assert "Penghuni Rekaan 000" in filtered and "Penghuni Rekaan 001" not in filtered
    rows = _count_rows(html)
    # assessments, approvals, reviews, follow-ups, outgoing referrals; overdue; total
    assert rows["Ani Pekerja"] == ["1", "0", "0", "1", "0", "2", "2"]
    assert rows["Budi Pekerja"] == ["0", "0", "1", "0", "0", "1", "1"]
    assert rows["Unassigned"] == ["0", "1", "0", "0", "0", "0", "1"]
