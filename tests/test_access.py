"""Deny by default: a walk over the whole URL map proves that every endpoint not marked public
sends an anonymous visitor to the login page, so a new route without a rule fails here."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from shelter.access import is_public_endpoint

# Changing this set is a security decision: say why in the commit.
EXPECTED_PUBLIC_ENDPOINTS = {
    "auth.login",          # the way in
    "auth.login_code",     # its second step: answers only a browser whose password was right minutes ago
    "health.healthz",      # load balancers and monitoring
    "i18n.set_language",   # the login page offers the language switch
    "notifications.twilio_status",  # Twilio's delivery reports: no login, X-Twilio-Signature checked (403)
    "static",              # CSS, JS, vendored htmx
    "home.service_worker", # /sw.js: the service worker's script (no data)
    "home.offline",        # the offline notice the service worker keeps (no data)
}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _dummy_values(rule) -> dict:
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        values[name] = 1 if isinstance(converter, IntegerConverter) else "x"
    return values


def _protected_requests(app):
    """(method, url, endpoint) for every non-public endpoint and method in the URL map."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in app.url_map.iter_rules():
        if is_public_endpoint(rule.endpoint):
            continue
        url = adapter.build(rule.endpoint, _dummy_values(rule), method=None)
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((method, url, rule.endpoint))
    return found


def _problem(client, method: str, url: str, *, htmx: bool) -> str | None:
    """None when the anonymous request was refused the right way, else what went wrong."""
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.open(url, method=method, headers=headers, data={})
    if url.startswith("/api/"):
        if response.status_code != 401 or not (response.is_json and "error" in response.get_json()):
            return f"expected 401 JSON error, got {response.status_code}"
        return None
    if htmx:
        target = response.headers.get("HX-Redirect", "")
        if response.status_code >= 300 or urlsplit(target).path != "/login":
            return f"expected HX-Redirect to /login, got {response.status_code} {target!r}"
        return None
    location = response.headers.get("Location", "")
    if response.status_code not in (302, 303) or urlsplit(location).path != "/login":
        return f"expected a redirect to /login, got {response.status_code} {location!r}"
    return None


def test_public_endpoints_are_exactly_the_expected_few(app):
    public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)}
    assert public == EXPECTED_PUBLIC_ENDPOINTS


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_every_other_endpoint_refuses_anonymous_visitors(app, client, htmx):
    requests = _protected_requests(app)
    endpoints = {endpoint for _, _, endpoint in requests}
    # The walk must see the application, not an empty map.
    assert {"home.index", "auth.logout", "facilities.index", "admin.users", "audit.index"} <= endpoints
    problems = [
        f"{method} {url} ({endpoint}): {problem}"
        for method, url, endpoint in requests
        if (problem := _problem(client, method, url, htmx=htmx))
    ]
    assert not problems, "anonymous access not refused:\n" + "\n".join(problems)


def test_login_redirect_remembers_the_page_asked_for(client):
    response = client.get("/facilities/")
    assert response.status_code == 302
    next_page = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert next_page.rstrip("?") == "/facilities/"


def test_a_new_route_without_a_rule_is_refused(app, client):
    """What the walk relies on: a route nobody marked public is protected without any decorator."""

    @app.route("/probe-new-route", methods=["GET", "POST"])
    def probe_new_route():  # pragma: no cover - must never run
        return "secret"

    assert ("GET", "/probe-new-route", "probe_new_route") in _protected_requests(app)
    assert _problem(client, "GET", "/probe-new-route", htmx=False) is None
    assert _problem(client, "POST", "/probe-new-route", htmx=True) is None
    assert "secret" not in client.get("/probe-new-route").get_data(as_text=True)


def test_the_walk_notices_a_route_that_lets_anonymous_visitors_in(app, client):
    """The checker can fail: a public route is reported when it is (wrongly) walked as protected."""
    from shelter.access import public

    @app.route("/probe-open-route")
    @public
    def probe_open_route():
        return "open"

    assert _problem(client, "GET", "/probe-open-route", htmx=False) is not None
    public_endpoints = {r.endpoint for r in app.url_map.iter_rules() if is_public_endpoint(r.endpoint)}
    assert public_endpoints != EXPECTED_PUBLIC_ENDPOINTS
