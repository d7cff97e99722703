"""Count the SQL statements a page issues, in-process (Flask test client + a cursor listener).

The same pages, as the same kind of user, are requested against two databases of different size;
a page whose statement count differs between them has a query that grows with the data (an N+1).
Each page is requested three times and the third request is the one reported: the first ones may
write (a session's last-seen time, a token's last-used time) and fill caches.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field

import sqlalchemy as sa

CSRF_INPUT = re.compile(r"<input[^>]*name=\"csrf_token\"[^>]*>")
VALUE = re.compile(r"value=\"([^\"]*)\"")
BASE = "https://localhost"  # production cookies are Secure: the test client sends them over https only


def csrf_token(html: str) -> str:
    tag = CSRF_INPUT.search(html)
    if not tag:
        raise RuntimeError("no csrf_token input on the login page")
    return VALUE.search(tag.group(0)).group(1)


@dataclass
class PageCount:
    name: str
    path: str
    status: int = 0
    statements: int = 0
    stable: bool = True               # the 2nd and 3rd requests issued the same number
    seconds: float = 0.0              # the 3rd request, in-process, no concurrency
    body_bytes: int = 0
    slowest: list = field(default_factory=list)  # [(ms, sql)] of the 3rd request, slowest first


class StatementRecorder:
    def __init__(self, engine):
        self.active = False
        self.statements: list[tuple[float, str]] = []
        self._started: dict[int, float] = {}
        sa.event.listen(engine, "before_cursor_execute", self.before)
        sa.event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            self._started[id(cursor)] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        if self.active:
            began = self._started.pop(id(cursor), time.perf_counter())
            self.statements.append(((time.perf_counter() - began) * 1000, statement))


def login(client, email: str, password: str, trusted: str | None = None) -> None:
    if trusted:  # a user who needs two-step sign-in: a remembered browser (see datagen._users_and_token)
        client.set_cookie("shelter_trusted", trusted, domain="localhost")
    page = client.get("/login", base_url=BASE)
    # Over https Flask-WTF also checks the Referer (WTF_CSRF_SSL_STRICT), as a browser would send it.
    response = client.post("/login", base_url=BASE, headers={"Referer": BASE + "/login"}, data={
        "email": email, "password": password, "csrf_token": csrf_token(page.get_data(as_text=True))})
    if response.status_code != 302:
        raise RuntimeError(f"login as {email} failed: HTTP {response.status_code}")


def count_pages(dataset, pages) -> list[PageCount]:
    """``pages``: [(name, path_or_callable(dataset), role or "token")]."""
    from shelter import create_app
    from shelter.extensions import db

    from datagen import app_config, trusted_browser

    app = create_app(app_config(dataset.url, secrets.token_urlsafe(32)))
    results = []
    with app.app_context():
        recorder = StatementRecorder(db.engine)
    clients = {}
    for name, path, who in pages:
        path = path(dataset) if callable(path) else path
        if who == "token":
            client, headers = app.test_client(), {"Authorization": f"Bearer {dataset.api_token}"}
        else:
            if who not in clients:
                clients[who] = app.test_client()
                login(clients[who], dataset.users[who], dataset.password, trusted_browser(dataset.users, who))
            client, headers = clients[who], {}
        counts = []
        entry = PageCount(name, path)
        for _ in range(3):
            recorder.statements = []
            recorder.active = True
            began = time.perf_counter()
            response = client.get(path, base_url=BASE, headers=headers)
            entry.seconds = time.perf_counter() - began
            recorder.active = False
            counts.append(len(recorder.statements))
            entry.status = response.status_code
            entry.body_bytes = len(response.get_data())
        entry.statements = counts[-1]
        entry.stable = counts[-1] == counts[-2]
        entry.slowest = sorted(recorder.statements, reverse=True)[:3]
        results.append(entry)
    with app.app_context():
        db.engine.dispose()
    return results
