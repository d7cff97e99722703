"""Where login and the language switch send the browser next: a path on this site, or the home page.

The check is judged as the browser judges it: the Location header is resolved against
http://localhost/ by a WHATWG URL parser (ada, the parser of Node.js), which drops tabs and newlines
and reads backslashes as slashes exactly as Chromium and Firefox do, and the result must still be
on localhost. Bad input never gives a 500 (issue 9, findings 2.1 and 2.6).
"""

from __future__ import annotations

import ada_url
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter.redirects import safe_next
from tests.conftest import PASSWORD

HOME = "http://localhost/"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Pieces attackers put together: control characters, tabs and newlines that browsers drop,
# backslashes that browsers read as slashes, Unicode slashes and dots, scheme-relative and
# scheme-with-host forms, percent-encodings of all of them.
PIECES = [
    "/", "//", "\\", "\t", "\n", "\r", "\r\n", " ", "\x00", "\x01", "\x0b", "\x0c", "\x1f", "\x7f", "\x85",
    "\u00a0", "\u2028", "\u3000", "\u200b", "\u202e", "\ufeff",
    "\u2215", "\u2044", "\u29f8", "\uff0f", "\uff3c", "\u2216", "\ufe68", "\u3002", "\uff0e", "\uff1a",
    ":", "@", ".", "?", "#", "%", "%09", "%0a", "%0d", "%2f", "%2F", "%5c", "%5C", "%00", "%E2%88%95", "%EF%BC%8F",
    "https:", "http:", "javascript:", "data:", "evil.example", "localhost", "x", "board", "residents",
]
targets = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    st.tuples(st.sampled_from(["/", "//", "/\\", "\\", "/\t/", "https:", "/%09/"]),
              st.text(st.characters(exclude_categories=("Cs",)), max_size=20)).map("".join),
)

# The attacks seen in the review and their near relatives, as raw query strings.
ATTACKS = [
    "/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example", "%09//evil.example", "//evil.example",
    "/\\evil.example", "%5C%5Cevil.example", "/%5Cevil.example", "%5C/evil.example", "https:evil.example",
    "https://evil.example", "http:/evil.example", "%01//evil.example", "%20//evil.example",
    "/%E2%88%95%E2%88%95evil.example", "%EF%BC%8F%EF%BC%8Fevil.example", "/%EF%BC%8Fevil.example",
    "javascript:alert(1)", "/%0b/evil.example", "/%7f/evil.example", "/%C2%A0/evil.example",
]


def stays_here(location: str) -> bool:
    try:
        url = ada_url.URL(location, base=HOME)
    except (ValueError, UnicodeError):  # a browser would not follow it at all: not what we want either
        return False
    return url.protocol == "http:" and url.host == "localhost"


@pytest.fixture
def email(make_user) -> str:
    return make_user().email


def login_with_next(app, email: str, target: str):
    return app.test_client().post("/login", query_string={"next": target},
                                  data={"email": email, "password": PASSWORD})


# --- the attacks as the review made them ---------------------------------------------------------------

@pytest.mark.parametrize("raw", ATTACKS)
def test_login_never_redirects_off_site(app, email, raw):
    response = app.test_client().post(f"/login?next={raw}", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert stays_here(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("raw", ATTACKS)
def test_language_never_redirects_off_site(app, client, raw):
    response = client.post(f"/language?next={raw}", data={"locale": "en"})  # the query is not what counts…
    assert stays_here(response.headers["Location"])
    from urllib.parse import unquote

    response = client.post("/language", data={"locale": "en", "next": unquote(raw)})  # …the form field is
    assert response.status_code == 302
    assert stays_here(response.headers["Location"]), response.headers["Location"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_newline_in_next_is_a_redirect_home_not_a_500(app, email, client, newline):
    response = login_with_next(app, email, f"/board/{newline}Set-Cookie: x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)
    response = client.post("/language", data={"locale": "en", "next": f"/board/{newline}/evil.example"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/board/", "/residents/?q=siti&page=2", "/followups/#due", "/board/?kota=jakarta_timur"])
def test_a_path_on_this_site_is_kept(app, email, client, target):
    assert login_with_next(app, email, target).headers["Location"] == target
    assert client.post("/language", data={"locale": "en", "next": target}).headers["Location"] == target


# --- fuzzing ------------------------------------------------------------------------------------------

def test_safe_next_never_leaves_the_site(app):
    @settings(max_examples=1500, deadline=None)
    @given(target=targets)
    def check(target):
        with app.test_request_context():
            chosen = safe_next(target)
        assert stays_here(chosen), (target, chosen)
        assert chosen == "/" or chosen == target
        assert not any(ch in chosen for ch in "\t\r\n\\")

    check()


def test_login_fuzzed_next_stays_on_this_site(app, email):
    @SETTINGS
    @given(target=targets)
    def check(target):
        response = login_with_next(app, email, target)
        assert response.status_code == 302
        assert stays_here(response.headers["Location"]), (target, response.headers["Location"])

    check()


def test_language_fuzzed_next_stays_on_this_site(app, client):
    @settings(max_examples=150, deadline=None)
    @given(target=targets)
    def check(target):
        response = client.post("/language", data={"locale": "id", "next": target})
        assert response.status_code == 302
        assert stays_here(response.headers["Location"]), (target, response.headers["Location"])

    check()


# --- the error page says only what is known -------------------------------------------------------------

def test_the_500_page_does_not_claim_nothing_was_changed(app, client, login_in_english, make_user):
    login_in_english(make_user())

    def broken():
        raise RuntimeError("after a commit, for all the page knows")

    app.view_functions["home.index"] = broken
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Nothing was changed" not in html
    assert "may have been saved" in html
