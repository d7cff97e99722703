"""The home page as a worklist: what a caseworker and a case manager see, grouped, counted, filtered, paged.

The features' own queries are tested with real records in test_real_items.py; here a fake source
feeds the composition so every grouping, count and filter rule can be checked exactly.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from shelter.worklists import queries
from shelter.worklist_items import WorkKind, WorklistItem


class FakeItems(list):
    calls: list[dict]


@pytest.fixture
def fake_items(monkeypatch):
    """The worklist's sources replaced by one that serves the items put in the returned list."""
    items = FakeItems()
    calls: list[dict] = []

    def source(*, facility_ids, caseworker_id, today):
        calls.append(dict(facility_ids=facility_ids, caseworker_id=caseworker_id, today=today))
        return [i for i in items
                if (facility_ids is None or i.facility_id in facility_ids)
                and (caseworker_id is None or i.caseworker_id == caseworker_id)]

    monkeypatch.setattr(queries, "_sources", lambda: [source])
    items.calls = calls
    return items


TODAY = date(2026, 11, 23)


def item(kind, due_on, facility, caseworker=None, name="", n=0, **extra):
    return WorklistItem(kind=kind, due_on=due_on, facility_id=facility.id,
                        caseworker_id=caseworker.id if caseworker else None, url=f"/residents/{n or 1}#x{n}",
                        resident_id=None if kind == WorkKind.SESSION_TODAY else (n or 1), resident_name=name,
                        label=extra.pop("label", str(kind)), **extra)


@pytest.fixture
def at_noon_wib():
    with time_machine.travel(datetime(2026, 11, 23, 5, 0, tzinfo=timezone.utc), tick=False):
        yield


def test_intake_staff_see_their_facilities_and_no_worklist(login_as, intake_a, fake_items):
    html = login_as(intake_a).get("/").get_data(as_text=True)
    assert "Your facilities" in html and "Panti Uji A" in html
    assert 'id="worklist"' not in html


def test_a_caseworker_with_nothing_due_sees_an_empty_state(login_as, caseworker_a, fake_items):
    html = login_as(caseworker_a).get("/").get_data(as_text=True)
    assert "Your worklist" in html and "Nothing is due for your residents." in html
    assert "Your facilities" in html


def test_a_caseworker_sees_their_own_work_grouped_overdue_first(login_as, caseworker_a, caseworker_a2, facility_a,
                                                               fake_items, at_noon_wib):
    fake_items += [
        item(WorkKind.PLAN_REVIEW_DUE, date(2026, 11, 25), facility_a, caseworker_a, "Rina Rekaan", 1),
        item(WorkKind.ASSESSMENT_DUE, date(2026, 11, 28), facility_a, caseworker_a, "Sari Rekaan", 2),
        item(WorkKind.ASSESSMENT_DUE, date(2026, 11, 20), facility_a, caseworker_a, "Tuti Rekaan", 3),
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_a, caseworker_a, "Umi Rekaan", 4),
        item(WorkKind.FOLLOW_UP_DUE, date(2026, 11, 24), facility_a, caseworker_a, "Wati Rekaan", 5,
             overdue=True),
        item(WorkKind.PLAN_APPROVAL, TODAY, facility_a, caseworker_a, "Yani Rekaan", 6),   # the manager's work
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_a, caseworker_a2, "Zahra Rekaan", 7),  # someone else's
        item(WorkKind.SESSION_TODAY, TODAY, facility_a, caseworker_a, "", 8, label="Menjahit 09:00"),
    ]
    html = login_as(caseworker_a).get("/").get_data(as_text=True)
    assert fake_items.calls[-1]["caseworker_id"] == caseworker_a.id
    assert fake_items.calls[-1]["today"] == TODAY
    order = ["<h3>Assessments due", "Tuti Rekaan", "Umi Rekaan", "Sari Rekaan", "<h3>Plan reviews due",
             "Rina Rekaan", "<h3>Follow-ups due", "Wati Rekaan", "<h3>Programme sessions today", "Menjahit 09:00"]
    positions = [html.index(text) for text in order]
    assert positions == sorted(positions)
    assert "Yani Rekaan" not in html and "Zahra Rekaan" not in html
    assert "Overdue since 20 Nov 2026" in html
    assert 'href="/residents/3#x3"' in html
    assert "2 overdue" in html  # Tuti (past) and Wati (flagged overdue by the feature)


def test_the_worklist_uses_the_date_in_jakarta(login_as, caseworker_a, fake_items):
    # 18:30 UTC on the 22nd is 01:30 on the 23rd in WIB.
    with time_machine.travel(datetime(2026, 11, 22, 18, 30, tzinfo=timezone.utc), tick=False):
        login_as(caseworker_a).get("/")
    assert fake_items.calls[-1]["today"] == TODAY


def test_a_case_manager_sees_counts_per_caseworker_and_the_unassigned(login_as, manager_a, caseworker_a,
                                                                    caseworker_a2, caseworker_b, facility_a,
                                                                    facility_b, fake_items, at_noon_wib):
    fake_items += [
        item(WorkKind.ASSESSMENT_DUE, date(2026, 11, 20), facility_a, caseworker_a, "Rina Rekaan", 1),
        item(WorkKind.PLAN_REVIEW_DUE, TODAY, facility_a, caseworker_a, "Sari Rekaan", 2),
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_a, None, "Tuti Rekaan", 3),
        item(WorkKind.PLAN_APPROVAL, TODAY, facility_a, caseworker_a, "Umi Rekaan", 4),
        item(WorkKind.SESSION_TODAY, TODAY, facility_a, None, "", 5, label="Tata boga 10:00"),
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_b, caseworker_b, "Vina Lain", 6),  # another facility
    ]
    client = login_as(manager_a)
    html = client.get("/").get_data(as_text=True)
    assert fake_items.calls[-1] == dict(facility_ids={facility_a.id}, caseworker_id=None, today=TODAY)
    assert "Worklist of your facilities" in html
    rows = _count_rows(html)
    # assessments, approvals, reviews, follow-ups, outgoing referrals; overdue; total
    assert rows["Ani Pekerja"] == ["1", "1", "1", "0", "0", "1", "3"]
    assert rows["Budi Pekerja"] == ["0", "0", "0", "0", "0", "0", "0"]  # a caseworker with nothing due is listed too
    assert rows["Unassigned"] == ["1", "0", "0", "0", "0", "0", "1"]
    assert "Citra Pekerja B" not in html and "Vina Lain" not in html
    for name in ("Rina Rekaan", "Sari Rekaan", "Tuti Rekaan", "Umi Rekaan", "Tata boga 10:00"):
        assert name in html

    mine = client.get(f"/?caseworker={caseworker_a.id}").get_data(as_text=True)
    assert "Showing the work of: Ani Pekerja" in mine
    assert "Rina Rekaan" in mine and "Tuti Rekaan" not in mine
    unassigned = client.get("/?caseworker=none").get_data(as_text=True)
    assert "Tuti Rekaan" in unassigned and "Rina Rekaan" not in unassigned and "Tata boga" not in unassigned
    for junk in ("abc", str(caseworker_b.id), "99999999999999", "-3", "²", "\x00", "1 OR 1=1"):
        everyone = client.get("/", query_string={"caseworker": junk})
        assert everyone.status_code == 200
        assert "Rina Rekaan" in everyone.get_data(as_text=True) and "Tuti Rekaan" in everyone.get_data(as_text=True)


def test_an_admin_sees_every_facility(login_as, admin, caseworker_a, caseworker_b, facility_a, facility_b,
                                      fake_items):
    fake_items += [
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_a, caseworker_a, "Rina Rekaan", 1),
        item(WorkKind.ASSESSMENT_DUE, TODAY, facility_b, caseworker_b, "Vina Lain", 2),
    ]
    html = login_as(admin).get("/").get_data(as_text=True)
    assert fake_items.calls[-1]["facility_ids"] is None
    assert "Rina Rekaan" in html and "Vina Lain" in html and "Citra Pekerja B" in html


def test_a_long_worklist_is_paged_and_htmx_gets_the_list_alone(login_as, manager_a, caseworker_a, facility_a,
                                                              fake_items, at_noon_wib):
    fake_items += [item(WorkKind.ASSESSMENT_DUE, TODAY, facility_a, caseworker_a, f"Penghuni {n:03d}", n)
                   for n in range(1, 121)]
    client = login_as(manager_a)
    first = client.get("/").get_data(as_text=True)
    assert "Page 1 of 3" in first and "Penghuni 001" in first and "Penghuni 051" not in first
    last = client.htmx("GET", f"/?page=3&caseworker={caseworker_a.id}")
    html = last.get_data(as_text=True)
    assert last.status_code == 200 and "<html" not in html and html.lstrip().startswith("<section")
    assert "Page 3 of 3" in html and "Penghuni 101" in html and "Penghuni 100" not in html
    assert f'href="/?page=2&amp;caseworker={caseworker_a.id}"' in html  # "Previous" keeps the filter
    assert "Penghuni 120" in client.get("/?page=999").get_data(as_text=True)  # beyond the end: the last page
    assert "Page 1 of 3" in client.get("/?page=-4").get_data(as_text=True)
    assert "Page 1 of 3" in client.get("/?page=abc").get_data(as_text=True)
    assert "Page 3 of 3" in client.get("/?page=99999999999999999999").get_data(as_text=True)


def _count_rows(html: str) -> dict[str, list[str]]:
    import re

    table = html[html.index('class="worklist-counts"'):html.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        name = re.sub(r"<[^>]+>", "", re.search(r"<th[^>]*>(.*?)</th>", row, re.S).group(1)).strip()
        rows[name] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows
