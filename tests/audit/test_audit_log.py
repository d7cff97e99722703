"""The audit log browser: what it lists, its filters (WIB dates), its pages and its cost."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from shelter.audit.models import AuditEvent
from shelter.extensions import db
from tests.conftest import login


def _rows(html: str) -> list[str]:
    body = html[html.index("<tbody>"):html.index("</tbody>")] if "<tbody>" in html else ""
    return re.findall(r"<code>([^<]+)</code>", body)


def _get(client, **args):
    response = client.htmx("GET", "/admin/audit/", query_string=args)
    assert response.status_code == 200, args
    html = response.get_data(as_text=True)
    assert "<html" not in html and html.lstrip().startswith(("{#", '<div id="audit-events">'))
    return html


def test_lists_login_successes_failures_and_user_changes_newest_first(app, client, admin_client, make_user):
    user = make_user(email="wulan@example.org")
    other = app.test_client()
    assert login(other, "wulan@example.org", "wrong password!").status_code == 401
    assert login(other, user).status_code == 302
    admin_client.post(f"/admin/users/{user.id}", data={"full_name": "Wulan R", "roles": ["caseworker"]})
    admin_client.post(f"/admin/users/{user.id}/deactivate")

    page = admin_client.get("/admin/audit/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and 'hx-target="#audit-events"' in html
    actions = _rows(html)
    assert actions[:4] == ["user.deactivated", "user.updated", "auth.login.success", "auth.login.failure"]
    assert "auth.login.success" in actions and actions.count("user.created") == 2
    assert "wulan@example.org" in html and "fields: full_name" in html
    assert " WIB</time>" in html


def test_filter_by_action_exact_or_prefix_actor_and_facility(admin_client, make_event, make_facility, admin):
    facility = make_facility(name="Rumah Aman Uji")
    make_event("auth.login.failure", actor_email="x@example.org")
    make_event("auth.logout", actor_id=admin.id, actor_email=admin.email)
    make_event("facility.address_viewed", facility_id=facility.id, actor_email="manager@example.org")
    make_event("authx.other")  # shares the letters, not the dotted prefix

    assert _rows(_get(admin_client, action="auth.logout")) == ["auth.logout"]
    prefixed = _rows(_get(admin_client, action="auth.*"))
    assert "authx.other" not in prefixed and "auth.logout" in prefixed and "auth.login.failure" in prefixed
    assert set(_rows(_get(admin_client, action="auth.login.*"))) == {"auth.login.failure", "auth.login.success"}
    assert _rows(_get(admin_client, actor="MANAGER@")) == ["facility.address_viewed"]
    by_facility = _get(admin_client, facility=str(facility.id))
    assert _rows(by_facility) == ["facility.address_viewed"] and "Rumah Aman Uji" in by_facility
    assert "No events match these filters." in _get(admin_client, actor="nobody-at-all")
    # The action list offers what has been recorded, and the groups.
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    for value in ("auth.*", "auth.login.*", "auth.logout", "facility.address_viewed"):
        assert f'<option value="{value}">' in page


def test_dates_are_whole_days_in_wib(admin_client, make_event):
    # 1 March 2026 23:30 WIB is 16:30 UTC; 2 March 00:30 WIB is still 1 March (17:30) in UTC.
    make_event("test.late_on_the_first", at=datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc))
    make_event("test.early_on_the_second", at=datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc))
    make_event("test.end_of_the_second", at=datetime(2026, 3, 2, 16, 59, 59, tzinfo=timezone.utc))
    make_event("test.third", at=datetime(2026, 3, 2, 17, 0, tzinfo=timezone.utc))

    assert _rows(_get(admin_client, date_from="2026-03-02", date_to="2026-03-02")) == [
        "test.end_of_the_second", "test.early_on_the_second"]
    assert _rows(_get(admin_client, date_to="2026-03-01")) == ["test.late_on_the_first"]
    assert _rows(_get(admin_client, date_from="2026-03-03", action="test.*")) == ["test.third"]
    html = _get(admin_client, date_from="2026-03-01", date_to="2026-03-01")
    assert "1 Mar 2026 23:30 WIB" in html


BAD_FILTERS = [
    ({"date_from": "2026-13-01"}, "Enter a date as YYYY-MM-DD"),
    ({"date_to": "yesterday"}, "Enter a date as YYYY-MM-DD"),
    ({"date_from": "0001-01-01"}, "Enter a date between"),
    ({"date_to": "9999-12-31"}, "Enter a date between"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "The end date is before the start date."),
    ({"action": "no.such.action"}, "Choose from the list."),
    ({"facility": "99999999999999999999"}, "Choose from the list."),
    ({"actor": "a\x00b"}, "Remove the invisible control characters."),
    ({"actor": "a" * 300}, "At most 254 characters."),
]


def test_bad_filters_give_a_message_never_a_500(admin_client, make_event):
    make_event("test.hidden")
    for args, message in BAD_FILTERS:
        for response in (admin_client.get("/admin/audit/", query_string=args),
                         admin_client.htmx("GET", "/admin/audit/", query_string=args)):
            assert response.status_code == 200, args
            html = response.get_data(as_text=True)
            assert "Correct the filters to see events" in html and message in html, args
            assert "test.hidden</code>" not in html, args  # no half-filtered list


def test_malformed_page_links_show_the_newest_events(admin_client, make_event):
    make_event("test.newest")
    for cursor in ("", "x", "1_", "_1", "-5_2", "9" * 30 + "_1", "1_" + "9" * 30, "1_2_3", "9" * 100):
        for name in ("before", "after"):
            response = admin_client.get("/admin/audit/", query_string={name: cursor})
            assert response.status_code == 200, (name, cursor)
            assert "test.newest</code>" in response.get_data(as_text=True) or cursor in ("-5_2",), (name, cursor)


def test_pages_of_50_walk_every_event_once_both_ways(admin_client, make_event):
    same_moment = datetime(2026, 5, 1, 3, 0, tzinfo=timezone.utc)
    for n in range(118):  # many share one timestamp: the id breaks the tie
        make_event(f"test.e{n:03d}", at=same_moment if n % 3 else datetime(2026, 5, 1, 3, 0, n % 60, tzinfo=timezone.utc),
                   commit=False)
    db.session.commit()
    expected = [e.action for e in db.session.query(AuditEvent).filter(AuditEvent.action.like("test.%"))
                .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())]

    seen, pages, args = [], [], {"action": "test.*"}
    while True:
        html = _get(admin_client, **args)
        rows = _rows(html)
        pages.append(rows)
        seen += rows
        older = re.search(r'href="[^"]*before=([0-9_-]+)[^"]*" hx-get', html)
        if not older:
            break
        assert "action=test.%2A" in html or "action=test.*" in html  # the filter rides along
        args = {"action": "test.*", "before": older.group(1)}
    assert [len(p) for p in pages] == [50, 50, 18]
    assert seen == expected

    newer = re.search(r'href="[^"]*after=([0-9_-]+)[^"]*" hx-get', html)
    back = _rows(_get(admin_client, action="test.*", after=newer.group(1)))
    assert back == pages[1]


def test_statement_count_does_not_grow_with_events(app, admin_client, make_event, make_facility, make_user,
                                                   count_statements):
    def statements():
        with count_statements() as counted:
            assert admin_client.get("/admin/audit/").status_code == 200
        return len(counted)

    def add(n):
        for i in range(n):
            actor = make_user()
            make_event("test.counted", actor_id=actor.id, actor_email=actor.email,
                       facility_id=make_facility().id, target_type="users", target_id=actor.id,
                       detail={"fields": ["roles"], "n": i})

    add(5)
    few = statements()
    add(45)
    many = statements()
    assert many == few
    page = admin_client.get("/admin/audit/").get_data(as_text=True)
    assert len(_rows(page)) == 50
