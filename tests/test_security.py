"""Security headers, cookies, CSRF, and pages that load nothing from elsewhere and run no inline code.

The page checks walk the URL map as an admin (every GET route, with real ids for the route
arguments), so a new page is checked without anyone adding it here.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from werkzeug.routing import IntegerConverter

from shelter import create_app
from shelter.config import PROJECT_ROOT, Config
from shelter.extensions import db
from tests.conftest import PASSWORD, login

TEMPLATES = PROJECT_ROOT / "templates"
URL_ATTRIBUTES = {"src", "href", "action", "formaction", "poster", "data", "srcset", "background",
                  "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
OTHER_ORIGIN = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)


# --- helpers ----------------------------------------------------------------------------------

class PageScan(HTMLParser):
    """Everything in a rendered page that the CSP would block or that reaches another origin."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.meta: dict[str, str] = {}
        self.body_attrs: dict[str, str | None] = {}
        self.html_attrs: dict[str, str | None] = {}
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs_d = dict(attrs)
        if tag == "html":
            self.html_attrs = attrs_d
        if tag == "body":
            self.body_attrs = attrs_d
        if tag == "meta" and attrs_d.get("name"):
            self.meta[attrs_d["name"]] = attrs_d.get("content") or ""
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if not attrs_d.get("src"):
                self.problems.append("<script> without src")
            else:
                self.scripts.append(attrs_d["src"])
        for name, value in attrs:
            value = value or ""
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            elif name.startswith("on"):
                self.problems.append(f"event handler attribute {name} on <{tag}>")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"{name} on <{tag}> (needs eval)")
            if name in URL_ATTRIBUTES:
                if OTHER_ORIGIN.match(value):
                    self.problems.append(f'{name}="{value}" on <{tag}> points to another origin')
                if value.strip().lower().startswith("javascript:"):
                    self.problems.append(f'{name}="{value}" on <{tag}> is a javascript: URL')

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script content {data.strip()[:60]!r}")


def scan(html: str) -> PageScan:
    parser = PageScan()
    parser.feed(html)
    parser.close()
    return parser


def header_problems(response) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ")[0]: d.strip() for d in csp.split(";") if d.strip()}
    if "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"CSP allows inline code: {csp}")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append(f"CSP without frame-ancestors 'none': {csp!r}")
    if directives.get("default-src") != "default-src 'self'":
        problems.append(f"CSP default-src is not 'self': {csp!r}")
    for directive in ("script-src", "style-src"):
        if directive in directives and directives[directive] != f"{directive} 'self'":
            problems.append(f"CSP {directive} is wider than 'self': {directives[directive]!r}")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if response.headers.get("Referrer-Policy") != "no-referrer":
        problems.append("no Referrer-Policy: no-referrer")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control is {response.headers.get('Cache-Control')!r}, not no-store")
    return problems


@pytest.fixture
def admin_client(client, admin, login_as):
    return login_as(admin)


@pytest.fixture
def sample_ids(admin, make_facility, make_room, make_bed, make_user):
    """Real ids for route arguments, so pages with ids render their content, not a 404."""
    panti = make_facility()
    safe_house = make_facility(kind="rumah_aman", code="RA-UJI")
    room = make_room(facility=panti)
    bed = make_bed(room=room)
    make_room(facility=safe_house)
    staff = make_user(roles=("intake_staff",), facilities=[panti])
    return {"facility_id": [panti.id, safe_house.id], "room_id": [room.id], "bed_id": [bed.id],
            "user_id": [staff.id, admin.id]}


def get_urls(app, ids: dict[str, list[int]]) -> list[str]:
    """One URL per GET route (and per sample id), built with real ids where we have them."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        variants = [{}]
        for name in rule.arguments:
            converter = rule._converters.get(name)
            choices = ids.get(name) or [1 if isinstance(converter, IntegerConverter) else "x"]
            variants = [dict(v, **{name: c}) for v in variants for c in choices]
        urls.extend(adapter.build(rule.endpoint, v) for v in variants)
    return sorted(set(urls))


def walk_html_pages(client, urls, **kwargs):
    """(url, response) for every URL that answers with HTML."""
    for url in urls:
        response = client.get(url, **kwargs)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        if response.mimetype == "text/html":
            yield url, response


# --- headers on every page --------------------------------------------------------------------

def test_every_html_page_an_admin_can_get_has_the_security_headers(app, admin_client, sample_ids):
    urls = get_urls(app, sample_ids)
    pages = list(walk_html_pages(admin_client, urls))
    assert len(pages) >= 6, [u for u, _ in pages]  # the walk must reach the application
    assert any(r.status_code == 200 for _, r in pages)
    problems = [f"{url}: {p}" for url, r in pages for p in header_problems(r)]
    # htmx requests get fragments; they need the same headers.
    problems += [f"{url} (htmx): {p}" for url, r in walk_html_pages(admin_client, urls,
                 headers={"HX-Request": "true"}) for p in header_problems(r)]
    assert not problems, "\n".join(problems)


def test_anonymous_pages_and_error_pages_have_the_headers_too(client):
    responses = {
        "/login": client.get("/login"),
        "/no-such-page": client.get("/no-such-page"),
        "/login (405)": client.put("/login"),
        "/healthz": client.get("/healthz"),
    }
    problems = [f"{url}: {p}" for url, r in responses.items() for p in header_problems(r)]
    assert not problems, "\n".join(problems)
    assert responses["/no-such-page"].status_code == 404


def test_header_check_can_fail(app, client):
    response = client.get("/login")
    response.headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self' 'unsafe-inline'"
    response.headers["Cache-Control"] = "max-age=60"
    assert len(header_problems(response)) == 4  # inline, frame-ancestors, script-src, cache


# --- what the pages contain -------------------------------------------------------------------

def test_no_page_runs_inline_code_or_loads_from_another_origin(app, client, admin, login_as, sample_ids):
    pages = [("/login", client.get("/login"))]
    login_as(admin)
    pages += list(walk_html_pages(client, get_urls(app, sample_ids)))
    problems = [f"{url}: {p}" for url, r in pages for p in scan(r.get_data(as_text=True)).problems]
    assert not problems, "\n".join(problems)


def test_full_pages_configure_htmx_safely_and_send_the_csrf_token(app, client, admin, login_as, sample_ids):
    login_as(admin)
    checked = 0
    for url, response in walk_html_pages(client, get_urls(app, sample_ids)):
        page = scan(response.get_data(as_text=True))
        if 300 <= response.status_code < 400 or not page.html_attrs:
            continue  # a redirect's stub body, or a fragment
        html = response.get_data(as_text=True)
        if "offline-page" in page.body_attrs.get("class", ""):
            # the pages the service worker keeps offline (templates/offline/): no script, no CSRF token at all
            assert "<script" not in html and "csrf" not in html.lower(), url
            continue
        checked += 1
        htmx_config = json.loads(page.meta["htmx-config"])
        assert htmx_config["allowEval"] is False, url
        assert htmx_config["includeIndicatorStyles"] is False, url
        assert page.html_attrs.get("lang") in ("id", "en"), url
        assert json.loads(page.body_attrs["hx-headers"])["X-CSRFToken"], url
        # Authenticated pages may show residents' data: htmx must not keep them in its history cache.
        assert page.body_attrs.get("hx-history") == "false", url
        assert f"/static/{app.jinja_env.globals['HTMX_FILE']}" in "".join(page.scripts), url
    assert checked >= 5


def test_the_page_scan_can_fail():
    html = ('<html><body style="x" onclick="go()"><script>alert(1)</script>'
            '<img src="https://cdn.example/x.png"><a href="//evil.example/">x</a>'
            '<a href="javascript:alert(1)">y</a><div hx-on:click="x">z</div><style>p{}</style></body></html>')
    assert len(scan(html).problems) == 9  # the script counts twice: no src, and content


TEMPLATE_PATTERNS = {
    "<script> without src": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "inline script content": re.compile(r"<script\b[^>]*>\s*[^<\s]", re.I),
    "<style> element": re.compile(r"<style\b", re.I),
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "event handler attribute": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "hx-on attribute (needs eval)": re.compile(r"\s(?:data-)?hx-on", re.I),
    "URL to another origin": re.compile(
        r"\s(?:src|href|action|formaction|hx-(?:get|post|put|patch|delete))\s*=\s*[\"']?\s*"
        r"(?:[a-z][a-z0-9+.-]*:)?//", re.I),
    "javascript: URL": re.compile(r"=\s*[\"']?\s*javascript:", re.I),
}


def test_templates_contain_no_inline_code_styles_or_other_origins():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) >= 5
    problems = [
        f"{path.relative_to(PROJECT_ROOT)}: {what}"
        for path in templates
        for what, pattern in TEMPLATE_PATTERNS.items()
        if pattern.search(path.read_text())
    ]
    assert not problems, "\n".join(problems)


def test_stylesheets_and_scripts_load_nothing_from_another_origin():
    problems = []
    for path in sorted((PROJECT_ROOT / "static").rglob("*.css")):
        text = path.read_text()
        if re.search(r"@import|url\(\s*[\"']?\s*(?:[a-z]+:)?//", text, re.I):
            problems.append(f"{path.relative_to(PROJECT_ROOT)} imports or loads from elsewhere")
    for path in sorted((PROJECT_ROOT / "static" / "js").rglob("*.js")):
        text = path.read_text()
        if re.search(r"\beval\s*\(|new Function\s*\(|[\"'](?:https?:)?//[a-z]", text, re.I):
            problems.append(f"{path.relative_to(PROJECT_ROOT)} uses eval or another origin")
    assert not problems, "\n".join(problems)


# --- cookies ----------------------------------------------------------------------------------

def _session_cookie_header(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("shelter_session=")]
    assert cookies, response.headers
    return cookies[-1]


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user()
    response = login(client, user)
    cookie = _session_cookie_header(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(database_url):
    app = create_app(replace(Config.for_tests(database_url), env="production"))
    try:
        cookie = _session_cookie_header(app.test_client().get("/login"))
        assert "Secure" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=Lax" in cookie
    finally:
        with app.app_context():
            db.engine.dispose()


# --- CSRF -------------------------------------------------------------------------------------

def test_login_without_csrf_token_is_refused(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/").status_code == 302  # not logged in


def test_logout_without_csrf_token_is_refused(client, make_user, login_as):
    login_as(make_user())
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200  # still logged in
    assert client.htmx("POST", "/logout", csrf=False).status_code == 400
    assert client.get("/").status_code == 200


def test_language_switch_without_csrf_token_is_refused(client):
    response = client.post("/language", data={"locale": "en", "next": "/login"}, csrf=False)
    assert response.status_code == 400
    assert 'lang="id"' in client.get("/login").get_data(as_text=True)


def test_csrf_token_of_another_session_is_refused(app, make_user):
    user = make_user()
    attacker, victim = app.test_client(), app.test_client()
    token = attacker.csrf_token()
    victim.get("/login")
    response = victim.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"X-CSRFToken": token}, csrf=False)
    assert response.status_code == 400


def test_the_token_in_the_login_form_is_accepted(client, make_user):
    """The real page's hidden field works (the other tests send the header the htmx pages use)."""
    user = make_user()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                      r'name="csrf_token" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', html)
    assert token, html
    value = next(g for g in token.groups() if g)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": value},
                           csrf=False)
    assert response.status_code == 302
