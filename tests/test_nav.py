"""The main menu only offers what opens: for every role, every link in the top bar answers 200."""

from __future__ import annotations

import re

import pytest

from shelter.auth.models import Role

NAV = re.compile(r'<nav class="mainnav"[^>]*>(.*?)</nav>', re.S)
HREF = re.compile(r'href="([^"]+)"')


def menu_links(html: str) -> list[str]:
    return HREF.findall(NAV.search(html).group(1))


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_menu_link_opens_for_the_role_that_sees_it(role, client, login_as, make_facility, make_user):
    facility = make_facility()
    user = make_user(roles=(role,), facilities=[facility])
    login_as(user)
    home = client.get("/")
    assert home.status_code == 200
    links = menu_links(home.get_data(as_text=True))
    assert "/" in links and len(links) >= 4
    broken = {link: client.get(link).status_code for link in links}
    assert {link: status for link, status in broken.items() if status != 200} == {}


def test_the_menu_check_sees_a_link_that_does_not_open(client, login_as, make_facility, make_user):
    """The check can fail: a link a role cannot open is reported (the alerts page is for managers)."""
    login_as(make_user(roles=("caseworker",), facilities=[make_facility()]))
    assert client.get("/alerts/").status_code == 404
    assert "/alerts/" not in menu_links(client.get("/").get_data(as_text=True))
